//! Resource bounds: decompressed bytes, entry count, entry size, path length and depth, and
//! the decompressor's dictionary.
//!
//! Every bound has a CLI flag (the `FLAG_*` constants) that an error names, so that a genuine
//! archive larger than a default can still be checked on purpose; docs/formats.md lists them.

/// Bounds on what one archive may expand to and how much memory reading it may take. Defaults
/// are generous for real releases (the largest source tarballs are a few GB, a few hundred
/// thousand entries, paths of a few hundred bytes) and stop bombs long before memory or time
/// run out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum decompressed bytes of the whole archive.
    pub max_total_bytes: u64,
    /// Maximum number of entries.
    pub max_entries: u64,
    /// Maximum size of one entry's content.
    pub max_entry_bytes: u64,
    /// Maximum length in bytes of one entry's stored name (and of a link target). Linux's
    /// PATH_MAX is 4096; a longer name cannot be opened by path on most systems.
    pub max_path_bytes: u64,
    /// Maximum number of `/`-separated components of one name.
    pub max_path_depth: u64,
    /// Largest xz (LZMA2) or zstd window the decoder may allocate: the archive declares it,
    /// and the decoder allocates it whatever the content, so it bounds memory. xz -9 and
    /// zstd -19 use 64 MiB, hence the default.
    pub max_dictionary_bytes: u64,
    /// Zip only: the most one member may inflate, as declared size over compressed size
    /// (checked before inflating, from the central directory). Deflate cannot exceed about
    /// 1032:1, so the default only stops members whose declared sizes are a bomb.
    pub max_zip_ratio: u64,
    /// Most memory the entries' metadata may take: what a caller that keeps every entry
    /// (as a check must, to judge them together) holds for it — its record, its names, link
    /// target and problems, the content it asked to keep ([`crate::ContentWants::keep_up_to`])
    /// — plus what the reader's own cross-entry audit keeps. Estimated per entry by
    /// [`crate::Entry::retained_bytes`]. The other bounds cap each quantity; this one caps
    /// their product (a million entries, or a thousand kept 8 MB files) so that peak memory
    /// stays bounded on any input.
    pub max_metadata_bytes: u64,
}

impl Limits {
    /// The CLI flag that raises [`Limits::max_total_bytes`], named in errors so the user knows
    /// what to change when a genuine archive is bigger.
    pub const FLAG_TOTAL_BYTES: &'static str = "--max-total-bytes";
    /// The CLI flag that raises [`Limits::max_entries`].
    pub const FLAG_ENTRIES: &'static str = "--max-entries";
    /// The CLI flag that raises [`Limits::max_entry_bytes`].
    pub const FLAG_ENTRY_BYTES: &'static str = "--max-entry-bytes";
    /// The CLI flag that raises [`Limits::max_path_bytes`].
    pub const FLAG_PATH_BYTES: &'static str = "--max-path-bytes";
    /// The CLI flag that raises [`Limits::max_path_depth`].
    pub const FLAG_PATH_DEPTH: &'static str = "--max-path-depth";
    /// The CLI flag that raises [`Limits::max_dictionary_bytes`].
    pub const FLAG_DICTIONARY_BYTES: &'static str = "--max-dictionary-bytes";
    /// The CLI flag that raises [`Limits::max_zip_ratio`].
    pub const FLAG_ZIP_RATIO: &'static str = "--max-zip-ratio";
    /// The CLI flag that raises [`Limits::max_metadata_bytes`].
    pub const FLAG_METADATA_BYTES: &'static str = "--max-metadata-bytes";
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_total_bytes: 32 << 30,
            max_entries: 2_000_000,
            max_entry_bytes: 4 << 30,
            max_path_bytes: 4096,
            max_path_depth: 256,
            max_dictionary_bytes: 64 << 20,
            max_zip_ratio: 1100,
            max_metadata_bytes: 64 << 20,
        }
    }
}
