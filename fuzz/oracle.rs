//! The differential oracle: tarseal's reading of an archive against independent readers.
//!
//! Shared by the cargo-fuzz target `archive_diff` (fuzz/fuzz_targets/archive_diff.rs) and the
//! regression test over its findings (crates/tarseal-archive/tests/fuzz_diff.rs), which
//! include this file with `#[path]`, so a finding replays on stable exactly as it was found.
//!
//! The rule it checks is the one of issue 11: tarseal either refuses an archive (an error, an
//! entry problem, trailing data) or its reading is the one every installer would extract. A
//! fuzzer cannot run GNU tar per input at speed, so the installers are stood in for by
//!
//! * the `tar` crate (what cargo extracts with), which must read the same entries, in the
//!   same order, with the same paths, types, permission bits, link targets and content;
//!   for gzip both a single-member decoder (cargo's `GzDecoder`) and a multi-member one (GNU
//!   tar) must give the same stream;
//! * the `zip` crate for zip archives (names, directory flag, content);
//! * strict checks on the raw tar headers for the constructs that the extractors of the issue
//!   are known to read differently (repeated extended headers, GNU prefix bytes, numeric
//!   garbage, bytes after NUL in names, `/`-suffixed files, pax keys off the allowlist, ...):
//!   tarseal must not accept an archive that has one.

use sha2::Digest;
use std::io::Read;
use tarseal_archive::{
    read_archive, ContentWants, EntryKind, Format, HashKind, Limits, ReadOptions,
};

/// What one reader saw of one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Normalised path (tarseal's normalisation applied to every reader's raw name).
    pub path: String,
    /// `f` file, `d` directory, `l` symlink, `h` hard link, `o` anything else.
    pub kind: char,
    /// Permission bits (`0o777`); 0 where a reader has none (zip without unix modes).
    pub perm: u32,
    /// SHA-256 of the content (files) or of the link target (links).
    pub sha256: Option<[u8; 32]>,
}

const MAX_TOTAL: u64 = 16 << 20;

fn limits() -> Limits {
    Limits {
        max_total_bytes: MAX_TOTAL,
        max_entries: 1000,
        max_entry_bytes: 4 << 20,
        ..Limits::default()
    }
}

fn sha(data: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(data).into()
}

/// tarseal's reading: `None` when it refuses the archive (error, problem or trailing data).
pub fn tarseal_reading(data: &[u8]) -> Option<(Format, Vec<Seen>)> {
    let options = ReadOptions {
        limits: limits(),
        object_hash: HashKind::Sha1,
        raw_digests: false,
        raw_observer: None,
    };
    let wants = ContentWants {
        sha256: true,
        keep_up_to: None,
    };
    let mut seen = Vec::new();
    let mut refused = false;
    let summary = read_archive(
        std::io::Cursor::new(data.to_vec()),
        &options,
        |_, _| wants,
        |e| {
            if !e.problems.is_empty() {
                refused = true;
            }
            let kind = match e.kind {
                EntryKind::File => 'f',
                EntryKind::Directory => 'd',
                EntryKind::Symlink => 'l',
                EntryKind::Hardlink => 'h',
                _ => 'o',
            };
            let sha256 = match e.kind {
                EntryKind::File => e.sha256,
                EntryKind::Symlink | EntryKind::Hardlink => {
                    e.link_target.as_deref().map(|t| sha(t.as_bytes()))
                }
                _ => None,
            };
            seen.push(Seen {
                path: e.path.clone(),
                kind,
                perm: e.mode & 0o777,
                sha256,
            });
        },
        |_| {},
    )
    .ok()?;
    if refused || summary.trailing_data {
        return None;
    }
    Some((summary.format?, seen))
}

/// Checks `data`; `Err` describes a differential (tarseal accepted what another reader reads
/// differently, or a construct the strict checks name).
pub fn check(data: &[u8]) -> Result<(), String> {
    let Some((format, mine)) = tarseal_reading(data) else {
        return Ok(());
    };
    match format {
        Format::Tar => {
            strict_tar(data)?;
            compare("the tar crate", &mine, &tar_crate(data)?)
        }
        Format::TarGz => {
            let single = decode(flate2::read::GzDecoder::new(data))
                .map_err(|e| format!("tarseal accepted a gzip stream that GzDecoder (cargo) cannot read: {e}"))?;
            let multi = gnu_gzip(data)
                .map_err(|e| format!("tarseal accepted a gzip stream that GNU gzip (every member, zero padding skipped) cannot read: {e}"))?;
            let (a, b) = (tar_crate(&single)?, tar_crate(&multi)?);
            if a != b {
                return Err(format!(
                    "concatenated gzip members: the first member holds {} entries, all members {}",
                    a.len(),
                    b.len()
                ));
            }
            strict_tar(&multi)?;
            compare("the tar crate (gzip)", &mine, &b)
        }
        Format::Zip => compare("the zip crate", &mine, &zip_crate(data)?),
        // No independent decoder for these in the fuzz build; only "no panic" is checked.
        _ => Ok(()),
    }
}

/// Every gzip member, as GNU gzip (hence GNU tar) and Python's gzip read them: zero bytes
/// after a member are padding, not a next header. flate2's `MultiGzDecoder` takes them for
/// a header and fails (fuzz/regressions/archive_diff/accept/gzip-member-then-zero-padding:
/// gzip -dc, Python, GNU tar and bsdtar all read it as an empty archive).
fn gnu_gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = data;
    loop {
        let mut member = flate2::bufread::GzDecoder::new(rest);
        (&mut member)
            .take(MAX_TOTAL + 1 - out.len() as u64)
            .read_to_end(&mut out)?;
        rest = member.into_inner();
        if rest.iter().all(|&b| b == 0) || out.len() as u64 > MAX_TOTAL {
            return Ok(out);
        }
    }
}

fn decode(mut r: impl Read) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    (&mut r).take(MAX_TOTAL + 1).read_to_end(&mut out)?;
    Ok(out)
}

fn compare(who: &str, mine: &[Seen], theirs: &[Seen]) -> Result<(), String> {
    if mine.len() != theirs.len() {
        return Err(format!(
            "tarseal read {} entries, {who} {}: tarseal {:?}, {who} {:?}",
            mine.len(),
            theirs.len(),
            mine.iter().map(|s| &s.path).collect::<Vec<_>>(),
            theirs.iter().map(|s| &s.path).collect::<Vec<_>>()
        ));
    }
    for (i, (a, b)) in mine.iter().zip(theirs).enumerate() {
        if a != b {
            return Err(format!("entry #{i}: tarseal {a:?}, {who} {b:?}"));
        }
    }
    Ok(())
}

/// The `tar` crate's reading (metadata headers folded in as it does; pax global headers
/// skipped, since tarseal treats them as metadata too).
pub fn tar_crate(data: &[u8]) -> Result<Vec<Seen>, String> {
    let mut ar = tar::Archive::new(data);
    let mut out = Vec::new();
    let entries = ar
        .entries()
        .map_err(|e| format!("the tar crate cannot start reading: {e}"))?;
    for (i, e) in entries.enumerate() {
        let mut e = e.map_err(|e| format!("tarseal accepted it, the tar crate fails at entry #{i}: {e}"))?;
        let t = e.header().entry_type();
        if t == tar::EntryType::XGlobalHeader {
            continue;
        }
        let raw = e.path_bytes().into_owned();
        let kind = match t {
            tar::EntryType::Regular if raw.ends_with(b"/") => 'd',
            tar::EntryType::Regular | tar::EntryType::Continuous => 'f',
            tar::EntryType::Directory => 'd',
            tar::EntryType::Symlink => 'l',
            tar::EntryType::Link => 'h',
            _ => 'o',
        };
        let perm = e
            .header()
            .mode()
            .map_err(|err| format!("the tar crate cannot parse the mode of entry #{i}: {err}"))?
            & 0o777;
        let sha256 = match kind {
            'f' => {
                let mut buf = Vec::new();
                e.read_to_end(&mut buf)
                    .map_err(|err| format!("the tar crate cannot read entry #{i}: {err}"))?;
                Some(sha(&buf))
            }
            'l' | 'h' => e.link_name_bytes().map(|l| sha(&l)),
            _ => None,
        };
        let norm = tarseal_archive::path::normalize(&raw, false, kind == 'd');
        out.push(Seen {
            path: norm.path,
            kind,
            perm,
            sha256,
        });
    }
    Ok(out)
}

/// The `zip` crate's reading, through its central directory.
pub fn zip_crate(data: &[u8]) -> Result<Vec<Seen>, String> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(data))
        .map_err(|e| format!("tarseal accepted a zip the zip crate cannot open: {e}"))?;
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut f = z
            .by_index(i)
            .map_err(|e| format!("tarseal accepted it, the zip crate fails at entry #{i}: {e}"))?;
        let raw = f.name_raw().to_vec();
        let dir = f.is_dir();
        // A symlink only when the host is Unix: the zip crate reads S_IFLNK from the external
        // attributes of any host, but bsdtar (libarchive) uses the Unix mode only for Unix
        // hosts, and unzip only for Unix and a few others (VMS, BeOS, ... and MS-DOS when the
        // owner bits match; tarseal refuses those as "unix mode from a non-unix host"); for
        // the rest all extract a regular file, as tarseal reads it
        // (fuzz/regressions/archive_diff/accept/zip-symlink-mode-from-unknown-host.zip).
        let link = f.is_symlink() && f.system() == zip::System::Unix;
        let mut buf = Vec::new();
        (&mut f)
            .take(MAX_TOTAL + 1)
            .read_to_end(&mut buf)
            .map_err(|e| format!("the zip crate cannot read entry #{i}: {e}"))?;
        let kind = if dir {
            'd'
        } else if link {
            'l'
        } else {
            'f'
        };
        let unix = f.unix_mode().filter(|_| f.system() == zip::System::Unix);
        let perm = match (unix, kind) {
            (Some(m), _) => m & 0o777,
            (None, 'd') => 0o755,
            (None, _) => 0o644,
        };
        let norm = tarseal_archive::path::normalize(&raw, true, dir);
        out.push(Seen {
            path: norm.path,
            kind,
            perm,
            sha256: (kind != 'd').then(|| sha(&buf)),
        });
    }
    Ok(out)
}

/// Pax keys whose meaning all the extractors share (or that none of them applies to the
/// extracted file's path, type or content).
const PAX_ALLOWED: &[&[u8]] = &[
    b"path", b"linkpath", b"size", b"mtime", b"atime", b"ctime", b"uid", b"gid", b"uname",
    b"gname", b"comment",
];

fn strictly_octal(field: &[u8]) -> bool {
    // Leading spaces, octal digits, then only NUL/space terminators (at least one digit
    // unless the field is entirely NUL, which some writers leave for unused fields).
    if field.iter().all(|&b| b == 0) {
        return true;
    }
    let mut i = 0;
    while i < field.len() && field[i] == b' ' {
        i += 1;
    }
    let start = i;
    while i < field.len() && (b'0'..=b'7').contains(&field[i]) {
        i += 1;
    }
    i > start && field[i..].iter().all(|&b| b == 0 || b == b' ')
}

fn after_nul_clean(field: &[u8]) -> bool {
    match field.iter().position(|&b| b == 0) {
        Some(p) => field[p..].iter().all(|&b| b == 0),
        None => true,
    }
}

fn octal(field: &[u8]) -> u64 {
    let mut v: u64 = 0;
    for &b in field {
        match b {
            b' ' if v == 0 => {}
            b'0'..=b'7' => v = v.saturating_mul(8).saturating_add(u64::from(b - b'0')),
            _ => break,
        }
    }
    v
}

fn size_of(h: &[u8]) -> u64 {
    if h[124] & 0x80 != 0 {
        let mut v: u64 = u64::from(h[124] & 0x7f);
        for &b in &h[125..136] {
            v = v.saturating_mul(256).saturating_add(u64::from(b));
        }
        v
    } else {
        octal(&h[124..136])
    }
}

/// Walks the raw headers of a tar stream and names the first construct that extractors are
/// known to read differently. Only called on a stream tarseal read without complaint.
pub fn strict_tar(data: &[u8]) -> Result<(), String> {
    let mut at = 0usize;
    let mut n = 0usize;
    let (mut x, mut l, mut k) = (0, 0, 0);
    let mut pax_size: Option<u64> = None;
    let mut pax_path: Option<Vec<u8>> = None;
    let mut gnu_name: Option<Vec<u8>> = None;
    while at + 512 <= data.len() {
        let h = &data[at..at + 512];
        if h.iter().all(|&b| b == 0) {
            return Ok(());
        }
        let bad = |what: &str| Err(format!("header #{n} at byte {at}: {what}"));
        // Checksum: only the unsigned sum is universal.
        let sum: u64 = h
            .iter()
            .enumerate()
            .map(|(i, &b)| if (148..156).contains(&i) { 32 } else { u64::from(b) })
            .sum();
        if octal(&h[148..156]) != sum {
            return bad("the checksum is only right as a signed sum");
        }
        for (name, r) in [
            ("mode", 100..108),
            ("uid", 108..116),
            ("gid", 116..124),
            ("mtime", 136..148),
            ("chksum", 148..156),
        ] {
            if !strictly_octal(&h[r]) {
                return bad(&format!("the {name} field is not plain octal"));
            }
        }
        if h[124] & 0x80 == 0 && !strictly_octal(&h[124..136]) {
            return bad("the size field is not plain octal");
        }
        if !after_nul_clean(&h[0..100]) || !after_nul_clean(&h[157..257]) {
            return bad("bytes after the NUL that ends the name or link name");
        }
        let magic = &h[257..265];
        let ustar = magic == b"ustar\x0000";
        let gnu = magic == b"ustar  \0";
        if !ustar && !gnu && magic.iter().any(|&b| b != 0) {
            return bad("an unknown magic/version field");
        }
        if gnu && h[345..500].iter().any(|&b| b != 0) {
            return bad("prefix bytes in a GNU-format header (GNU tar ignores them, others apply them)");
        }
        let t = h[156];
        let size = size_of(h);
        let content_end = at + 512 + usize::try_from(size).unwrap_or(usize::MAX / 2);
        let content = data.get(at + 512..content_end.min(data.len())).unwrap_or(&[]);
        let next = at + 512 + usize::try_from(size.next_multiple_of(512)).unwrap_or(usize::MAX / 2);
        match t {
            b'x' | b'g' => {
                if !ustar && !gnu {
                    return bad("a pax header without the ustar magic");
                }
                if t == b'x' {
                    x += 1;
                    if x > 1 {
                        return bad("two pax extended headers before one entry");
                    }
                }
                let mut keys: Vec<&[u8]> = Vec::new();
                let mut rest = content;
                while !rest.is_empty() && rest.iter().any(|&b| b != 0) {
                    let Some(sp) = rest.iter().position(|&b| b == b' ') else {
                        return bad("a pax record without a length");
                    };
                    let len: usize = std::str::from_utf8(&rest[..sp])
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0);
                    if len == 0 || len > rest.len() || len < sp + 3 {
                        return bad("a malformed pax record");
                    }
                    let rec = &rest[sp + 1..len - 1];
                    let eq = rec.iter().position(|&b| b == b'=').unwrap_or(rec.len());
                    let (key, val) = (&rec[..eq], rec.get(eq + 1..).unwrap_or(&[]));
                    if keys.contains(&key) {
                        return bad("the same pax key twice in one header");
                    }
                    keys.push(key);
                    if t == b'g' && key != b"comment" {
                        return bad("a pax global header with a key other than comment");
                    }
                    if !PAX_ALLOWED.contains(&key) {
                        return bad(&format!(
                            "pax key {:?} is not on the allowlist",
                            String::from_utf8_lossy(key)
                        ));
                    }
                    if val.is_empty() {
                        return bad("a pax record with an empty value");
                    }
                    if (key == b"path" || key == b"linkpath")
                        && val.iter().any(|&b| b == 0 || b == b'\n')
                    {
                        return bad("a NUL or newline in a pax path");
                    }
                    if key == b"size" {
                        pax_size = std::str::from_utf8(val).ok().and_then(|s| s.parse().ok());
                    }
                    if key == b"path" {
                        pax_path = Some(val.to_vec());
                    }
                    rest = &rest[len..];
                }
            }
            b'L' | b'K' => {
                if !gnu {
                    return bad("a GNU long name header without the GNU magic");
                }
                if h[157..257].iter().any(|&b| b != 0) {
                    return bad("a GNU long name header with a link name");
                }
                if t == b'L' {
                    l += 1;
                    let end = content.iter().position(|&b| b == 0).unwrap_or(content.len());
                    gnu_name = Some(content[..end].to_vec());
                } else {
                    k += 1;
                }
                if l > 1 || k > 1 {
                    return bad("two GNU long name/link headers of one kind before one entry");
                }
            }
            b'0' | 0 | b'5' | b'2' | b'1' => {
                if let (Some(p), Some(g)) = (&pax_path, &gnu_name) {
                    if p != g {
                        return bad("a pax path and a GNU long name that differ");
                    }
                }
                let name = match (&pax_path, &gnu_name) {
                    (Some(p), _) => p.clone(),
                    (None, Some(g)) => g.clone(),
                    (None, None) => {
                        let end = h[..100].iter().position(|&b| b == 0).unwrap_or(100);
                        h[..end].to_vec()
                    }
                };
                let real = pax_size.unwrap_or(size);
                if (t == b'0' || t == 0) && (name.ends_with(b"/") || name.ends_with(b"/.")) && real > 0 {
                    return bad("a regular file whose name ends in '/' (extractors create a directory)");
                }
                if (t == b'0' || t == 0) && name.ends_with(b"/.") {
                    return bad("a regular file whose name ends in '/.'");
                }
                if matches!(t, b'5' | b'2' | b'1') && real != 0 {
                    return bad("a non-file entry with a size");
                }
                let skip = usize::try_from(real.next_multiple_of(512)).unwrap_or(usize::MAX / 2);
                (x, l, k) = (0, 0, 0);
                pax_size = None;
                pax_path = None;
                gnu_name = None;
                n += 1;
                at = at.saturating_add(512).saturating_add(skip);
                continue;
            }
            _ => return bad(&format!("type flag {:?} that a release does not need", t as char)),
        }
        n += 1;
        at = next;
    }
    Ok(())
}
