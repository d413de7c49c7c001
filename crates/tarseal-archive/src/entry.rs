//! The shared entry types: what the tar and zip readers produce and callers consume.
//!
//! Their own module so that the format readers (`tar`, `zip`) and the dispatcher (`reader`)
//! all depend on it and not on each other (the old `reader` <-> `tar`/`zip` import circle).

use crate::raw::RawDigests;
use crate::{Format, ObjectId};

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
    /// A regular file (tar `0` or the old NUL type flag); its content is hashed.
    File,
    /// A directory (tar `5`, an old-style name ending in `/`, or a zip directory).
    Directory,
    /// A symbolic link, whose target is in [`Entry::link_target`] and hashed as a blob.
    Symlink,
    /// A hard link to an earlier entry, whose path is in [`Entry::link_target`].
    Hardlink,
    /// A character device node (never in a git tree).
    CharDevice,
    /// A block device node (never in a git tree).
    BlockDevice,
    /// A named pipe (never in a git tree).
    Fifo,
    /// Any other tar type flag (contiguous files, sparse files, vendor extensions).
    Other(u8),
}

/// A word for an entry type, for messages ("a symlink entry that declares ...").
pub(crate) fn kind_name(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::File => "regular file",
        EntryKind::Directory => "directory",
        EntryKind::Symlink => "symlink",
        EntryKind::Hardlink => "hard link",
        EntryKind::CharDevice => "character device",
        EntryKind::BlockDevice => "block device",
        EntryKind::Fifo => "fifo",
        EntryKind::Other(_) => "unknown-type",
    }
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
    Duplicate {
        /// Index of the first entry with this path.
        first_index: u64,
    },
    /// The path equals an earlier path after Unicode NFC normalisation and/or case folding, so
    /// the two collide on macOS/Windows file systems.
    CaseOrUnicodeCollision {
        /// The earlier path it collides with, as stored.
        other: String,
    },
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
    /// The sticky bit is set (it means nothing on a file and changes who may delete in a
    /// directory; git cannot record it).
    Sticky,
    /// A regular file its owner cannot read (no `0400` bit): an extraction leaves a file the
    /// build cannot open, which git cannot record either.
    OwnerCannotRead,
    /// A directory its owner cannot list or enter (not both `0400` and `0100`): extraction
    /// fails below it, or leaves a tree other than git's.
    OwnerCannotEnter,
    /// A symlink whose target is an earlier symlink of the archive: node-tar (npm) refuses to
    /// extract it, the other extractors create the chain.
    SymlinkChain {
        /// The normalised path of the earlier symlink the target names.
        link: String,
    },
    /// A regular file executable by group or others but not by its owner: Python's `data`
    /// filter (pip) clears every executable bit of such a file, the other extractors keep
    /// them, so whether it is executable depends on who extracts it.
    ExecutableNotByOwner,
    /// A hard link to an earlier symlink or directory, or whose target ends in `/` or `/.`:
    /// GNU tar, bsdtar, Python and the tar crate link a symlink itself and node-tar refuses; a
    /// link to a directory fails everywhere but in Python, which extracts a second directory
    /// there; `file/` fails in GNU tar, bsdtar and the tar crate while Python and node-tar
    /// make the file.
    HardlinkToNonFile {
        /// The link target as stored.
        target: String,
    },
    /// A symlink (or hard link) whose target resolves outside the archive's top directory.
    LinkEscapes {
        /// The link target as stored.
        target: String,
    },
    /// The entry's path goes through an earlier entry that is a symlink, so extraction would
    /// write wherever that link points.
    ThroughSymlink {
        /// The normalised path of the earlier symlink entry.
        link: String,
    },
    /// A type flag this reader does not accept as content (sparse, contiguous, unknown).
    UnsupportedType,
    /// Zip only: the local file header disagrees with the central directory entry (name,
    /// sizes, CRC, ...), so a streaming extractor and a central-directory extractor would see
    /// different files. `detail` says what differs.
    LocalHeaderMismatch {
        /// What differs, as the zip crate reports it.
        detail: String,
    },
}

/// One archive entry, after its content was streamed and hashed.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Position of the entry in the archive (0-based, metadata headers not counted).
    pub index: u64,
    /// The path as stored (after pax `path` / GNU long-name resolution), lossily decoded;
    /// `None` when it equals `path` (see [`Entry::raw_path`]).
    pub raw_path: Option<String>,
    /// The normalised path: `/`-separated, no leading `./` or `/`, no trailing `/`, no empty or
    /// `.` components. Still includes the top-level prefix directory.
    pub path: String,
    /// The type the archive declares.
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

impl Entry {
    /// What keeping this entry costs in memory, estimated: the record, its strings, its kept
    /// content and problems, and what the reader's audit keeps for it (its path again, and a
    /// few words). Counted against [`crate::Limits::max_metadata_bytes`].
    pub fn retained_bytes(&self) -> u64 {
        /// Allocator overhead and slack per heap allocation (glibc: 16-byte granules plus a
        /// size word), and the auditor's per-entry words (path end, metadata, fold link).
        const PER_ALLOCATION: usize = 24;
        const AUDIT_WORDS: usize = 24;
        let string = |s: &str| s.len() + PER_ALLOCATION;
        let bytes = std::mem::size_of::<Entry>()
            + string(&self.path)
            + self.raw_path.as_deref().map_or(0, string)
            + self.link_target.as_deref().map_or(0, string)
            + self
                .content
                .as_ref()
                .map_or(0, |c| c.len() + PER_ALLOCATION)
            + self.problems.len() * std::mem::size_of::<EntryProblem>()
            + self.path.len()
            + AUDIT_WORDS;
        bytes as u64
    }

    /// The path as stored (after pax `path` / GNU long-name resolution), lossily decoded.
    pub fn raw_path(&self) -> &str {
        self.raw_path.as_deref().unwrap_or(&self.path)
    }
}

/// What the whole read found besides the entries.
#[derive(Debug, Clone, Default)]
pub struct ArchiveSummary {
    /// The detected container format (always `Some` after a successful read).
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
    /// Digests of the input's raw bytes from its starting position to its end, when
    /// [`crate::ReadOptions::raw_digests`] asked for them.
    pub raw_digests: Option<RawDigests>,
}
