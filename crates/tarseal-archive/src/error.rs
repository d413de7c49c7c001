//! Errors that end an archive read.

/// Why an archive could not be read to its end. Each variant names where it happened.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Reading the input file itself failed (not a format problem).
    #[error("cannot read the archive: {0}")]
    Io(#[from] std::io::Error),
    /// No known magic bytes at the start of the input.
    #[error("not a recognised archive (no tar, gzip, xz, bzip2, zstd or zip magic bytes)")]
    UnknownFormat,
    /// The input ends before the format says it should (a cut-off download, a partial copy).
    #[error("the archive is truncated {where_}: {detail}")]
    Truncated {
        /// Where, e.g. `in entry #12 'pkg-1.0/src/a.c'`.
        where_: String,
        /// What was expected.
        detail: String,
    },
    /// The bytes contradict the format (bad checksum, invalid compressed data, bad header).
    #[error("the archive is corrupt {where_}: {detail}")]
    Corrupt {
        /// Where, e.g. `in the gzip stream at compressed byte 1234, in entry #3 'a'`.
        where_: String,
        /// What is wrong.
        detail: String,
    },
    /// A [`crate::Limits`] bound was exceeded; reading stopped there.
    #[error("limit exceeded {where_}: {what} (limit {limit}); raise it with {flag} if this archive is genuine")]
    LimitExceeded {
        /// Where, e.g. `at entry #7 'a'`.
        where_: String,
        /// Which quantity, e.g. `decompressed bytes`.
        what: &'static str,
        /// The configured limit.
        limit: u64,
        /// The CLI flag that raises it.
        flag: &'static str,
    },
    /// The archive is well-formed but holds a construct that installers read differently (or
    /// cannot read), so no single reading of it exists; tarseal refuses it rather than pick
    /// one. Exit 1 like a corrupt archive, but the message names the construct.
    #[error("refused {where_}: {construct}: {why}")]
    Refused {
        /// Where, e.g. `in zip entry #3 'pkg/a.txt'`.
        where_: String,
        /// The construct, short and stable (`central/local header mismatch`, `overlapping entries`).
        construct: &'static str,
        /// Why it is refused: what differs between which extractors.
        why: String,
    },
    /// SHA-1DC detected a collision attack in a blob's content.
    #[error("SHA-1 collision attack detected in the content of {path}: this file was crafted to collide with another")]
    Sha1Collision {
        /// The normalised path of the entry.
        path: String,
    },
}
