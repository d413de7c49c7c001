//! Container formats, detected from magic bytes.

/// The container of an archive. Compressed variants always hold a tar stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Tar,
    TarGz,
    TarXz,
    TarBz2,
    TarZst,
    Zip,
}

impl Format {
    /// Detects the format from the first bytes of the file (at least 262 bytes for plain tar's
    /// `ustar` magic at offset 257). `None` when nothing matches.
    pub fn sniff(head: &[u8]) -> Option<Format> {
        let _ = head;
        todo!("implemented by the archive reader")
    }

    /// Short stable name used in reports (`tar`, `tar.gz`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Format::Tar => "tar",
            Format::TarGz => "tar.gz",
            Format::TarXz => "tar.xz",
            Format::TarBz2 => "tar.bz2",
            Format::TarZst => "tar.zst",
            Format::Zip => "zip",
        }
    }
}
