//! Errors that end an archive read.

/// Why an archive could not be read to its end. Each variant names where it happened.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cannot read the archive: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a recognised archive (no tar, gzip, xz, bzip2, zstd or zip magic bytes)")]
    UnknownFormat,
    #[error("the archive is truncated {where_}: {detail}")]
    Truncated { where_: String, detail: String },
    #[error("the archive is corrupt {where_}: {detail}")]
    Corrupt { where_: String, detail: String },
    #[error("limit exceeded {where_}: {what} (limit {limit}); raise it with {flag} if this archive is genuine")]
    LimitExceeded { where_: String, what: &'static str, limit: u64, flag: &'static str },
    #[error("SHA-1 collision attack detected in the content of {path}: this file was crafted to collide with another")]
    Sha1Collision { path: String },
}
