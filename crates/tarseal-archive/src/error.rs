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
    /// The archive holds a construct that extractors read differently (or that a release never
    /// needs and that could make them differ): it is refused rather than read one way.
    /// `index` and `path` name the entry it belongs to (the entry that follows, for a
    /// metadata header); `construct` says what was found, `why` why it is refused.
    #[error("entry {index} `{path}`: {construct} — {why}")]
    Refused {
        /// Index of the entry (0-based, metadata headers not counted).
        index: u64,
        /// The entry's name as far as it is known (`?` before any name was read).
        path: String,
        /// What was found, e.g. `pax key GNU.sparse.map`.
        construct: String,
        /// Why it is refused, e.g. `sparse files are not allowed in release tarballs`.
        why: &'static str,
    },
    /// SHA-1DC detected a collision attack in a blob's content.
    #[error("SHA-1 collision attack detected in the content of {path}: this file was crafted to collide with another")]
    Sha1Collision {
        /// The normalised path of the entry.
        path: String,
    },
}
