//! Container formats, detected from magic bytes.
//!
//! Detection never looks at the file name: a `.tar.gz` that is really an xz stream, or a
//! `.crate` (which is a tar.gz), is read as what its bytes say it is.

/// The container of an archive. Compressed variants always hold a tar stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Uncompressed tar (ustar, GNU, pax or old v7).
    Tar,
    /// Gzip-compressed tar (also `.tgz` and `.crate`).
    TarGz,
    /// Xz-compressed tar.
    TarXz,
    /// Bzip2-compressed tar.
    TarBz2,
    /// Zstandard-compressed tar.
    TarZst,
    /// Zip, read through its central directory.
    Zip,
}

/// How many leading bytes [`Format::sniff`] needs to recognise every format (one tar header).
pub const SNIFF_LEN: usize = 512;

impl Format {
    /// Detects the format from the first bytes of the file (at least 262 bytes for plain tar's
    /// `ustar` magic at offset 257, 512 for an old v7 tar whose only signature is a header
    /// checksum that verifies). `None` when nothing matches.
    ///
    /// An all-zero first block is accepted as an (empty) tar archive, because that is what
    /// `tar cf x.tar -T /dev/null` writes and GNU tar reads it.
    pub fn sniff(head: &[u8]) -> Option<Format> {
        if head.starts_with(&[0x1f, 0x8b]) {
            return Some(Format::TarGz);
        }
        if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            return Some(Format::TarXz);
        }
        if head.starts_with(b"BZh") {
            return Some(Format::TarBz2);
        }
        if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            return Some(Format::TarZst);
        }
        if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            return Some(Format::Zip);
        }
        if head.len() >= 262 && &head[257..262] == b"ustar" {
            return Some(Format::Tar);
        }
        if head.len() >= 512 {
            let block: &[u8; 512] = head[..512].try_into().ok()?;
            if block.iter().all(|&b| b == 0) || crate::tar::checksum_ok(block) {
                return Some(Format::Tar);
            }
        }
        None
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

    /// The name of the compression layer, for error locations ("in the gzip stream at ...").
    pub fn codec_name(self) -> &'static str {
        match self {
            Format::Tar => "tar",
            Format::TarGz => "gzip",
            Format::TarXz => "xz",
            Format::TarBz2 => "bzip2",
            Format::TarZst => "zstd",
            Format::Zip => "zip",
        }
    }
}
