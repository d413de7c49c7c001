//! The streaming entry reader: one pass over the archive, one callback per entry.

use crate::{ArchiveError, Format, HashKind, Limits, ObjectId};
use std::io::Read;

/// How to read an archive.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Bounds that stop decompression bombs; exceeding one is an [`ArchiveError::LimitExceeded`].
    pub limits: Limits,
    /// The object format of the repository the archive is compared with: blob ids are computed
    /// with this hash (SHA-1 with collision detection, or SHA-256).
    pub object_hash: HashKind,
}

/// What the caller needs computed over one entry's content besides its git blob id.
///
/// Decided per entry from its path, before its content is read, so that the hot path (a file
/// that git also has) computes nothing but the blob id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContentWants {
    /// Compute the SHA-256 of the content (policy rules that pin a digest, generated files).
    pub sha256: bool,
    /// Keep the content in memory, if it is at most this many bytes (files the policy must parse,
    /// `export-subst` files). Larger content is not kept and [`Entry::content`] is `None`.
    pub keep_up_to: Option<u64>,
}

/// The type of an archive entry, as the archive declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    File,
    Directory,
    Symlink,
    /// A hard link to an earlier entry, whose path is in [`Entry::link_target`].
    Hardlink,
    CharDevice,
    BlockDevice,
    Fifo,
    /// Any other tar type flag (contiguous files, sparse files, vendor extensions).
    Other(u8),
}

/// Something hostile or suspicious about one entry. Reported, never silently fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryProblem {
    /// The stored name starts with `/` (or a drive letter / backslash in zip).
    AbsolutePath,
    /// A `..` component.
    DotDot,
    /// A NUL byte inside the name (pax or zip can carry one).
    NulInName,
    /// An empty name, or one that normalises to nothing.
    EmptyName,
    /// The name is not valid UTF-8 (git paths in release archives are; such a name cannot be
    /// compared reliably). The lossy form is used in [`Entry::path`].
    NotUtf8,
    /// The same normalised path appeared earlier, at this entry index. On extraction the later
    /// copy wins, so a first copy equal to git would hide the second.
    Duplicate { first_index: u64 },
    /// The path equals an earlier path after Unicode NFC normalisation and/or case folding, so
    /// the two collide on macOS/Windows file systems.
    CaseOrUnicodeCollision { other: String },
    /// A hard link (flagged: a hard link to a verified file may be allowed by policy).
    Hardlink,
    /// A character or block device node.
    DeviceNode,
    /// A named pipe.
    Fifo,
    /// The setuid bit is set.
    Setuid,
    /// The setgid bit is set.
    Setgid,
    /// A symlink (or hard link) whose target resolves outside the archive's top directory.
    LinkEscapes { target: String },
    /// The entry's path goes through an earlier entry that is a symlink, so extraction would
    /// write wherever that link points.
    ThroughSymlink { link: String },
    /// A type flag this reader does not accept as content (sparse, contiguous, unknown).
    UnsupportedType,
}

/// One archive entry, after its content was streamed and hashed.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Position of the entry in the archive (0-based, metadata headers not counted).
    pub index: u64,
    /// The path as stored (after pax `path` / GNU long-name resolution), lossily decoded.
    pub raw_path: String,
    /// The normalised path: `/`-separated, no leading `./` or `/`, no trailing `/`, no empty or
    /// `.` components. Still includes the top-level prefix directory.
    pub path: String,
    pub kind: EntryKind,
    /// Permission bits as stored, including setuid/setgid/sticky (`0o7777` mask).
    pub mode: u32,
    /// Content size in bytes (0 for non-files).
    pub size: u64,
    /// Symlink or hard-link target as stored.
    pub link_target: Option<String>,
    /// Git blob id: of the content for files, of the target for symlinks; `None` otherwise.
    pub blob_id: Option<ObjectId>,
    /// SHA-256 of the content, if [`ContentWants::sha256`] asked for it.
    pub sha256: Option<[u8; 32]>,
    /// The content, if [`ContentWants::keep_up_to`] asked for it and it fit.
    pub content: Option<Vec<u8>>,
    /// Everything hostile about this entry; empty for a clean entry.
    pub problems: Vec<EntryProblem>,
}

/// What the whole read found besides the entries.
#[derive(Debug, Clone, Default)]
pub struct ArchiveSummary {
    pub format: Option<Format>,
    /// Number of entries handed to the callback.
    pub entries: u64,
    /// Decompressed bytes read (the tar stream, or the sum of zip entry sizes).
    pub uncompressed_bytes: u64,
    /// Compressed bytes read from the input.
    pub compressed_bytes: u64,
    /// The pax global header `comment` (git archive writes the commit id there), if any.
    pub pax_comment: Option<String>,
    /// Non-zero bytes after the tar end-of-archive marker (or after the zip's end record).
    pub trailing_data: bool,
}

/// Reads every entry of `input`, detecting its format from the magic bytes.
///
/// `wants` is called with each entry's normalised path and kind before its content is read;
/// `on_entry` receives the finished entry. Returns the summary, or the first error that makes
/// the rest of the stream unreadable. `progress` is called with the compressed bytes consumed
/// so far (cheap; called at most once per entry).
pub fn read_archive<R, W, F, P>(
    input: R,
    options: &ReadOptions,
    wants: W,
    on_entry: F,
    progress: P,
) -> Result<ArchiveSummary, ArchiveError>
where
    R: Read + std::io::Seek + Send + 'static,
    W: FnMut(&str, EntryKind) -> ContentWants,
    F: FnMut(Entry),
    P: FnMut(u64),
{
    let _ = (input, options, wants, on_entry, progress);
    todo!("implemented by the archive reader")
}
