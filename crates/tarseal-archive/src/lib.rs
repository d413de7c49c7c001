//! Archive reading: streams the entries of a release archive without extracting anything.
//!
//! This crate owns the question "what does this archive hold, and is any of it hostile?". It
//! detects the container by its magic bytes (never by file name), decompresses on a separate
//! thread, parses tar (ustar, old v7, GNU long names, pax) or zip, and hands each entry to the
//! caller once, with the git blob id of its content computed while streaming. Nothing is written
//! to disk and memory does not grow with the archive's byte size: only per-path metadata is kept.
//!
//! Hostile entries (absolute paths, `..`, NUL bytes, duplicates, devices, setuid bits, symlinks
//! that escape, case-folding collisions, ...) are *reported* as [`EntryProblem`]s rather than
//! aborting the read, so that a report can name every one of them. Conditions that make the rest
//! of the stream meaningless (truncation, corruption, a limit exceeded) end the read with an
//! [`ArchiveError`] that names the entry where it happened.
//!
//! Plumbing only: the comparison against git and the policy live in `tarseal-check`.

#![warn(missing_docs)]

mod audit;
mod ctx;
pub mod entry;
pub mod error;
pub mod format;
mod hash;
pub mod limits;
pub mod path;
mod pipe;
mod raw;
pub mod reader;
mod tar;
mod zip;

pub use audit::{mode_warning, mode_warning_of};
pub use error::ArchiveError;
pub use format::Format;
pub use limits::Limits;
pub use raw::{RawDigests, RawObserver, RawSink};
pub use reader::{
    read_archive, ArchiveSummary, ContentWants, Entry, EntryKind, EntryProblem, ReadOptions,
};

/// The entry point shared by the cargo-fuzz target (`fuzz/fuzz_targets/archive_reader.rs`)
/// and the corpus test, so that the fuzzed code path is also exercised on stable by
/// `cargo test`. Not part of the supported API.
#[doc(hidden)]
pub mod fuzzing {
    use crate::{read_archive, ContentWants, HashKind, Limits, ReadOptions};

    /// Reads `data` as an archive with small limits, asking for every optional digest so
    /// that every code path runs. Any result is fine; a panic or a hang is a bug.
    pub fn read_bytes(data: &[u8]) {
        let _ = read_paths(data);
    }

    /// As [`read_bytes`], returning the entries' paths, or whether the archive was refused:
    /// what the fuzz regressions replay.
    pub fn read_paths(data: &[u8]) -> Result<Vec<String>, crate::ArchiveError> {
        let options = ReadOptions {
            limits: Limits {
                max_total_bytes: 16 << 20,
                max_entries: 1000,
                max_entry_bytes: 4 << 20,
                ..Limits::default()
            },
            object_hash: HashKind::Sha1,
            raw_digests: true,
            raw_observer: None,
        };
        let wants = ContentWants {
            sha256: true,
            keep_up_to: Some(4096),
        };
        let mut paths = Vec::new();
        read_archive(
            std::io::Cursor::new(data.to_vec()),
            &options,
            |_, _| wants,
            |e| paths.push(e.path),
            |_| {},
        )?;
        Ok(paths)
    }
}

/// The hashing hot paths, exposed for the criterion benchmarks in `benches/` so that they
/// measure the code `read_archive` runs, not a copy of it. Not part of the supported API.
#[doc(hidden)]
pub mod benching {
    use crate::{ArchiveError, ContentWants, HashKind, ObjectId, RawDigests};

    /// The git blob id of `data`, through the same per-entry sink as a streamed entry.
    pub fn blob_id(kind: HashKind, data: &[u8]) -> Result<ObjectId, ArchiveError> {
        crate::hash::blob_of(kind, data, "bench")
    }

    /// Feeds `data` to a sink in `chunk`-byte pieces (as the pipeline's buffers do).
    pub fn blob_id_chunked(
        kind: HashKind,
        data: &[u8],
        chunk: usize,
    ) -> Result<ObjectId, ArchiveError> {
        let mut sink =
            crate::hash::ContentSink::new(kind, data.len() as u64, ContentWants::default());
        for c in data.chunks(chunk.max(1)) {
            sink.update(c);
        }
        Ok(sink.finish("bench")?.blob_id)
    }

    /// MD5 + SHA-256 + SHA-512 of `data` as the raw-digest thread computes them for `seal`.
    pub fn raw_digests(data: &[u8]) -> RawDigests {
        let mut h = crate::raw::RawHasher::new(None);
        h.update(data);
        h.finish().expect("no observer, nothing to fail")
    }
}

/// The hash used for git object ids, re-exported so callers need not depend on gix directly.
pub use gix::hash::Kind as HashKind;
/// A git object id (SHA-1 or SHA-256).
pub use gix::ObjectId;
