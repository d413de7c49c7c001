//! Archive builders and a reading helper shared by the integration tests.
#![allow(dead_code)]

use std::io::{Cursor, Write};
use tarseal_archive::{
    read_archive, ArchiveError, ArchiveSummary, ContentWants, Entry, HashKind, Limits, ReadOptions,
};

/// Reads `bytes` with default limits, collecting every entry.
pub fn read(bytes: Vec<u8>) -> Result<(ArchiveSummary, Vec<Entry>), ArchiveError> {
    read_with(bytes, Limits::default(), ContentWants::default())
}

/// Reads `bytes` with the given limits and content wants for every entry.
pub fn read_with(
    bytes: Vec<u8>,
    limits: Limits,
    wants: ContentWants,
) -> Result<(ArchiveSummary, Vec<Entry>), ArchiveError> {
    // Every read also computes the raw digests (as `tarseal seal` does), so every format and
    // error test exercises that path; a successful read must hash exactly the input.
    let options = ReadOptions {
        limits,
        object_hash: HashKind::Sha1,
        raw_digests: true,
        raw_observer: None,
    };
    let want = {
        use sha2::Digest;
        (
            bytes.len() as u64,
            <[u8; 64]>::from(sha2::Sha512::digest(&bytes)),
        )
    };
    let mut entries = Vec::new();
    let summary = read_archive(
        Cursor::new(bytes),
        &options,
        |_, _| wants,
        |e| entries.push(e),
        |_| {},
    )?;
    let raw = summary.raw_digests.expect("raw digests were asked for");
    assert_eq!((raw.bytes, raw.sha512), want, "raw digests of the input");
    Ok((summary, entries))
}

/// A raw 512-byte tar header with a correct checksum. `ustar` selects POSIX ustar magic;
/// without it the header is an old v7 header (no magic at all).
pub fn raw_header(
    name: &[u8],
    typeflag: u8,
    size: u64,
    mode: u32,
    link: &[u8],
    ustar: bool,
) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len().min(100)].copy_from_slice(&name[..name.len().min(100)]);
    h[100..108].copy_from_slice(format!("{mode:07o}\0").as_bytes());
    h[108..116].copy_from_slice(b"0001750\0");
    h[116..124].copy_from_slice(b"0001750\0");
    if size < 1 << 33 {
        h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    } else {
        // GNU base-256 for sizes that do not fit 11 octal digits.
        h[124] = 0x80;
        h[128..136].copy_from_slice(&size.to_be_bytes());
    }
    h[136..148].copy_from_slice(b"14000000000\0");
    h[156] = typeflag;
    h[157..157 + link.len().min(100)].copy_from_slice(&link[..link.len().min(100)]);
    if ustar {
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
    }
    set_checksum(&mut h);
    h
}

/// Recomputes the checksum field of a header.
pub fn set_checksum(h: &mut [u8; 512]) {
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
}

/// Appends one raw entry (header, content, padding) to `out`.
pub fn push_entry(out: &mut Vec<u8>, header: [u8; 512], content: &[u8]) {
    out.extend_from_slice(&header);
    out.extend_from_slice(content);
    out.resize(out.len().next_multiple_of(512), 0);
}

/// A pax extended ('x') or global ('g') header holding `records`.
pub fn push_pax(out: &mut Vec<u8>, typeflag: u8, records: &[(&str, &[u8])]) {
    let mut body = Vec::new();
    for (k, v) in records {
        // The length counts itself; find the fixed point.
        let base = 1 + k.len() + 1 + v.len() + 1;
        let mut len = base + 1;
        while len != base + len.to_string().len() {
            len = base + len.to_string().len();
        }
        body.extend_from_slice(format!("{len} {k}=").as_bytes());
        body.extend_from_slice(v);
        body.push(b'\n');
    }
    let h = raw_header(b"pax_header", typeflag, body.len() as u64, 0o644, b"", true);
    push_entry(out, h, &body);
}

/// Ends a raw tar stream with two zero blocks.
pub fn finish_tar(out: &mut Vec<u8>) {
    out.extend_from_slice(&[0u8; 1024]);
}

/// A plain tar with one file, a directory, an executable and a symlink, built with the `tar`
/// crate (GNU headers).
pub fn sample_tar() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut dir = tar::Header::new_gnu();
    dir.set_entry_type(tar::EntryType::Directory);
    dir.set_mode(0o755);
    dir.set_size(0);
    b.append_data(&mut dir, "pkg-1.0/", &[][..]).unwrap();
    add_file(&mut b, "pkg-1.0/README", b"hello\n", 0o644);
    add_file(&mut b, "pkg-1.0/run.sh", b"#!/bin/sh\necho hi\n", 0o755);
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    add_file(&mut b, "pkg-1.0/data/big.bin", &big, 0o644);
    let mut link = tar::Header::new_gnu();
    link.set_entry_type(tar::EntryType::Symlink);
    link.set_mode(0o777);
    link.set_size(0);
    b.append_link(&mut link, "pkg-1.0/link", "README").unwrap();
    b.into_inner().unwrap()
}

/// Appends a regular file with the `tar` crate.
pub fn add_file(b: &mut tar::Builder<Vec<u8>>, path: &str, data: &[u8], mode: u32) {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_mode(mode);
    h.set_size(data.len() as u64);
    b.append_data(&mut h, path, data).unwrap();
}

pub fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn xz(data: &[u8]) -> Vec<u8> {
    let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn bz2(data: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Zstd with a content checksum, as the `zstd` command writes by default.
pub fn zst(data: &[u8]) -> Vec<u8> {
    let mut e = zstd::stream::write::Encoder::new(Vec::new(), 1).unwrap();
    e.include_checksum(true).unwrap();
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Deterministic xorshift generator for the mutation tests.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}
