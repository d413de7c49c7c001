//! Decompression-bomb limits: total bytes, entry count and per-entry size.

/// Bounds on what one archive may expand to. Defaults are generous for real releases (the
/// largest source tarballs are a few GB) and stop bombs long before memory or time run out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum decompressed bytes of the whole archive.
    pub max_total_bytes: u64,
    /// Maximum number of entries.
    pub max_entries: u64,
    /// Maximum size of one entry's content.
    pub max_entry_bytes: u64,
    /// Zip only: the most one member may inflate, as declared size over compressed size
    /// (checked before inflating, from the central directory). Deflate cannot exceed about
    /// 1032:1, so the default only stops members whose declared sizes are a bomb.
    pub max_zip_ratio: u64,
}

impl Limits {
    /// The CLI flag that raises [`Limits::max_total_bytes`], named in errors so the user knows
    /// what to change when a genuine archive is bigger.
    pub const FLAG_TOTAL_BYTES: &'static str = "--max-total-bytes";
    /// The CLI flag that raises [`Limits::max_entries`].
    pub const FLAG_ENTRIES: &'static str = "--max-entries";
    /// The CLI flag that raises [`Limits::max_entry_bytes`].
    pub const FLAG_ENTRY_BYTES: &'static str = "--max-entry-bytes";
    /// The CLI flag that raises [`Limits::max_zip_ratio`].
    pub const FLAG_ZIP_RATIO: &'static str = "--max-zip-ratio";
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_total_bytes: 32 << 30,
            max_entries: 2_000_000,
            max_entry_bytes: 4 << 30,
            max_zip_ratio: 1100,
        }
    }
}
