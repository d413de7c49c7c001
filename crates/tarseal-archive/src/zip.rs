//! Zip reading: the central directory cross-checked with every local header, byte range by
//! byte range, before one byte is inflated.
//!
//! Zip has two descriptions of each member: the central directory at the end (what `unzip`,
//! Python's `zipfile` and libarchive on a seekable file trust) and the local header in front
//! of the data (what streaming extractors trust). An archive whose two descriptions differ, or
//! whose members overlap, leave gaps, or hide bytes between them, extracts differently with
//! different tools, so this reader refuses it ([`ArchiveError::Refused`], exit 1, naming the
//! entry and the construct). The rule is "one reading or none": every byte of the file must
//! belong to exactly one member's local header, data or data descriptor, the central
//! directory, the zip64 end records, or the end record and its comment.
//!
//! Refused as well, because installers read them differently or cannot read them at all:
//! backslashes in names (`unzip` makes directories, `zipfile` keeps the backslash), non-ASCII
//! names without the UTF-8 flag (`zipfile` decodes cp437, `unzip` keeps the bytes), an
//! Info-ZIP Unicode Path field that renames the member (`unzip` honours it, `zipfile` does not),
//! compression methods other than stored and deflate (zstd, xz, bzip2, lzma: `unzip` 6.0 and
//! older `zipfile` cannot extract them), encryption, symlinks (`zipfile` writes a regular file
//! holding the target), a directory flag that contradicts the name, spanned archives and zip64
//! records that disagree with the end record. The list with reasons is in docs/formats.md.
//!
//! Members are then inflated here (stored and raw deflate through flate2), with the CRC-32
//! and the sizes of the central directory enforced, and the declared inflation ratio capped
//! ([`Limits::max_zip_ratio`]) before anything is inflated.

use crate::ctx::Ctx;
use crate::hash::ContentSink;
use crate::pipe::{raw_io_error, CountingReader};
use crate::{ArchiveError, Entry, EntryKind, EntryProblem, Limits};
use std::io::{self, BufReader, Read, Seek, SeekFrom};

/// Size of the end-of-central-directory record without its comment.
const EOCD_LEN: u64 = 22;
const SIG_LOCAL: &[u8; 4] = b"PK\x03\x04";
const SIG_CENTRAL: &[u8; 4] = b"PK\x01\x02";
const SIG_EOCD: &[u8; 4] = b"PK\x05\x06";
const SIG_Z64_EOCD: &[u8; 4] = b"PK\x06\x06";
const SIG_Z64_LOCATOR: &[u8; 4] = b"PK\x06\x07";
const SIG_DESCRIPTOR: &[u8; 4] = b"PK\x07\x08";
const S_IFMT: u32 = 0o170000;
/// General-purpose flag bits: encrypted, data descriptor, strong encryption, UTF-8 names,
/// encrypted central directory. The bits the local header and the central directory must
/// agree on (the others only tune the compressor).
const FLAG_ENCRYPTED: u16 = 0x0001;
const FLAG_DESCRIPTOR: u16 = 0x0008;
const FLAG_STRONG: u16 = 0x0040;
const FLAG_UTF8: u16 = 0x0800;
const FLAG_MASKED: u16 = 0x2000;
const FLAGS_COMPARED: u16 =
    FLAG_ENCRYPTED | FLAG_DESCRIPTOR | FLAG_STRONG | FLAG_UTF8 | FLAG_MASKED;

/// One member as the central directory describes it, plus where its bytes are.
struct Member {
    name: Vec<u8>,
    made_by: u16,
    flags: u16,
    method: u16,
    crc: u32,
    csize: u64,
    usize: u64,
    local: u64,
    ext_attr: u32,
    /// Whether the central directory entry carried a zip64 extra field (the data descriptor
    /// then has 8-byte sizes).
    zip64: bool,
    /// First byte of the compressed data (after the local header), filled by the layout pass.
    data_start: u64,
    /// One past the member's last byte (data, then data descriptor if any).
    end: u64,
}

fn u16_at(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}
fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}
fn u64_at(b: &[u8], o: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[o..o + 8]);
    u64::from_le_bytes(a)
}

fn io_err(e: io::Error, where_: String) -> ArchiveError {
    match raw_io_error(e) {
        Ok(raw) => ArchiveError::Io(raw),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => ArchiveError::Truncated {
            where_,
            detail: e.to_string(),
        },
        Err(e) => ArchiveError::Corrupt {
            where_,
            detail: e.to_string(),
        },
    }
}

/// Where a zip problem is: one member (a refusal then names its index and path, as
/// [`ArchiveError::Refused`] does for tar) or, for the end records, a place in the file.
struct Loc {
    index: u64,
    path: String,
    text: String,
}

impl Loc {
    fn new(index: u64, name: &[u8]) -> Loc {
        let path = String::from_utf8_lossy(name).into_owned();
        let text = format!("in zip entry #{index} '{path}'");
        Loc { index, path, text }
    }
}

impl std::ops::Deref for Loc {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

impl From<&Loc> for String {
    fn from(l: &Loc) -> String {
        l.text.clone()
    }
}

/// A place a refusal can name.
trait Place {
    fn refuse(self, construct: &'static str, detail: String) -> ArchiveError;
}

impl Place for &Loc {
    fn refuse(self, construct: &'static str, detail: String) -> ArchiveError {
        ArchiveError::Refused {
            index: self.index,
            path: self.path.clone(),
            construct: format!("zip {construct}: {detail}"),
            why: why_refused(construct),
        }
    }
}

impl Place for &str {
    fn refuse(self, construct: &'static str, detail: String) -> ArchiveError {
        // Not one member's fault (the end records, the central directory as a whole): the
        // archive is refused as a whole, exit 1 like a refusal.
        ArchiveError::Corrupt {
            where_: self.to_string(),
            detail: format!(
                "refused: {construct}: {detail} — {}",
                why_refused(construct)
            ),
        }
    }
}

fn refused(place: impl Place, construct: &'static str, detail: String) -> ArchiveError {
    place.refuse(construct, detail)
}

/// Why each zip construct is refused, in words for the person reading the error.
fn why_refused(construct: &'static str) -> &'static str {
    match construct {
        "central/local header mismatch" => "a streaming extractor (local headers) and unzip or zipfile (central directory) would write different files",
        "overlapping entries" => "the same bytes would be extracted more than once, the construction of overlapping zip bombs",
        "unlisted data between entries" => "bytes no central directory entry accounts for can hide a local header that streaming extractors read",
        "data after the central directory" | "data inside the central directory" => "bytes no reader accounts for",
        "two end records" => "readers that search from the end and readers that check the comment length pick different ones",
        "zip64 oddity" => "readers that prefer the zip64 values or the 32-bit ones see different archives",
        "spanned zip" => "multi-disk archives are not read",
        "repeated extra field" => "readers take different copies",
        "Unicode Path extra field" => "unzip extracts the name it gives, Python's zipfile the header's",
        "encrypted entry" => "encrypted content cannot be verified",
        "compression method" => "only stored and deflate are extracted by every installer (unzip 6.0 and older zipfile cannot extract zstd, xz, lzma, bzip2 or deflate64)",
        "backslash in name" => "unzip treats a backslash as a directory separator, Python's zipfile keeps it in the file name",
        "invalid UTF-8 name" => "the name cannot be decoded as its flag says",
        "non-ASCII name without the UTF-8 flag" => "Python's zipfile decodes it as cp437, unzip keeps the bytes: two different names",
        "symlink in zip" => "unzip creates a link, Python's zipfile a regular file holding the target",
        "unix mode from a non-unix host" => "whether the file is executable (or a link) depends on the extractor",
        "version needed to extract" => "some extractors skip or refuse the member, others extract it",
        "directory flag without '/'" | "directory name with a file mode" => "unzip and zipfile decide by the trailing '/', other readers by the attribute",
        "content on a non-file" => "extractors drop the content",
        "data after the deflate stream" => "the bytes after the stream are hidden data",
        _ => "extractors read it differently",
    }
}

fn corrupt(where_: impl Into<String>, detail: String) -> ArchiveError {
    ArchiveError::Corrupt {
        where_: where_.into(),
        detail,
    }
}

/// The name of a compression method, for refusals.
fn method_name(m: u16) -> &'static str {
    match m {
        1 => "shrink",
        6 => "implode",
        9 => "deflate64",
        12 => "bzip2",
        14 => "lzma",
        93 => "zstd",
        95 => "xz",
        96 => "jpeg",
        97 => "wavpack",
        98 => "ppmd",
        99 => "AES encryption",
        _ => "an unknown method",
    }
}

/// Random access to the zip file, relative to where the archive starts in the input.
struct Source<R> {
    inner: CountingReader<R>,
    base: u64,
    len: u64,
}

impl<R: Read + Seek> Source<R> {
    fn read_at(&mut self, off: u64, buf: &mut [u8], what: &str) -> Result<(), ArchiveError> {
        let where_ = || format!("reading the zip {what} at byte {off}");
        if off
            .checked_add(buf.len() as u64)
            .is_none_or(|e| e > self.len)
        {
            return Err(ArchiveError::Truncated {
                where_: where_(),
                detail: format!(
                    "{} bytes needed at byte {off}, the file has {}",
                    buf.len(),
                    self.len
                ),
            });
        }
        self.inner
            .seek(SeekFrom::Start(self.base + off))
            .map_err(|e| io_err(e, where_()))?;
        self.inner.read_exact(buf).map_err(|e| io_err(e, where_()))
    }
}

/// Where the central directory is, from the end records.
struct End {
    entries: u64,
    cd_off: u64,
    cd_size: u64,
    /// Where the central directory must end: the zip64 end record, or the end record.
    cd_limit: u64,
    trailing: bool,
}

fn find_end<R: Read + Seek>(src: &mut Source<R>) -> Result<End, ArchiveError> {
    let at_end = "in the zip end-of-central-directory record";
    let tail_len = src.len.min(EOCD_LEN + 0xffff);
    let tail_start = src.len - tail_len;
    let mut tail = vec![0u8; tail_len as usize];
    src.read_at(tail_start, &mut tail, "end record")?;
    let candidates: Vec<usize> = (0..tail.len().saturating_sub(EOCD_LEN as usize - 1))
        .rev()
        .filter(|&p| tail[p..].starts_with(SIG_EOCD))
        .collect();
    let fits = |p: usize| p + EOCD_LEN as usize + usize::from(u16_at(&tail, p + 20)) == tail.len();
    let exact: Vec<usize> = candidates.iter().copied().filter(|&p| fits(p)).collect();
    if exact.len() > 1 {
        return Err(refused(
            at_end,
            "two end records",
            "the archive comment holds a second end-of-central-directory record; tools that search from the end and tools that check the comment length pick different ones".into(),
        ));
    }
    let (p, trailing) = match (exact.first(), candidates.first()) {
        (Some(&p), _) => (p, false),
        (None, Some(&p)) => {
            if p + EOCD_LEN as usize + usize::from(u16_at(&tail, p + 20)) > tail.len() {
                return Err(ArchiveError::Truncated {
                    where_: at_end.into(),
                    detail: "the archive comment runs past the end of the file".into(),
                });
            }
            (p, true)
        }
        (None, None) => {
            return Err(corrupt(
                at_end,
                "no end-of-central-directory record (not a zip file, or cut short)".into(),
            ))
        }
    };
    let e = &tail[p..p + EOCD_LEN as usize];
    let eocd_pos = tail_start + p as u64;
    let (disk, cd_disk) = (u16_at(e, 4), u16_at(e, 6));
    let (n_disk, n_total) = (u16_at(e, 8), u16_at(e, 10));
    let (cd_size, cd_off) = (u32_at(e, 12), u32_at(e, 16));
    let mut end = End {
        entries: u64::from(n_total),
        cd_off: u64::from(cd_off),
        cd_size: u64::from(cd_size),
        cd_limit: eocd_pos,
        trailing,
    };
    let locator = eocd_pos.checked_sub(20).filter(|&l| {
        l >= tail_start && tail[(l - tail_start) as usize..].starts_with(SIG_Z64_LOCATOR)
    });
    let saturated =
        n_disk == 0xffff || n_total == 0xffff || cd_size == 0xffff_ffff || cd_off == 0xffff_ffff;
    if let Some(loc) = locator {
        let l = &tail[(loc - tail_start) as usize..][..20];
        let (z64_disk, z64_off, disks) = (u32_at(l, 4), u64_at(l, 8), u32_at(l, 16));
        if z64_disk != 0 || disks > 1 {
            return Err(refused(
                at_end,
                "spanned zip",
                format!("the zip64 locator names disk {z64_disk} of {disks}: multi-disk archives are not read"),
            ));
        }
        let mut z = [0u8; 56];
        src.read_at(z64_off, &mut z, "zip64 end record")?;
        if &z[..4] != SIG_Z64_EOCD {
            return Err(corrupt(
                at_end,
                format!(
                    "the zip64 locator points at byte {z64_off}, which holds no zip64 end record"
                ),
            ));
        }
        let rec_end = z64_off.saturating_add(12).saturating_add(u64_at(&z, 4));
        if u64_at(&z, 4) < 44 || rec_end != loc {
            return Err(refused(
                at_end,
                "zip64 oddity",
                format!("the zip64 end record at byte {z64_off} does not end where its locator starts (byte {loc})"),
            ));
        }
        let (zd, zcd) = (u32_at(&z, 16), u32_at(&z, 20));
        let (zn_disk, zn_total, zsize, zoff) = (
            u64_at(&z, 24),
            u64_at(&z, 32),
            u64_at(&z, 40),
            u64_at(&z, 48),
        );
        let agree = (n_disk == 0xffff || u64::from(n_disk) == zn_disk)
            && (n_total == 0xffff || u64::from(n_total) == zn_total)
            && (cd_size == 0xffff_ffff || u64::from(cd_size) == zsize)
            && (cd_off == 0xffff_ffff || u64::from(cd_off) == zoff)
            && (disk == 0xffff || u32::from(disk) == zd)
            && (cd_disk == 0xffff || u32::from(cd_disk) == zcd);
        if !agree {
            return Err(refused(
                at_end,
                "zip64 oddity",
                "the zip64 end record and the end record give different entry counts, sizes or offsets of the central directory; readers that prefer one or the other see different archives".into(),
            ));
        }
        if zd != 0 || zcd != 0 || zn_disk != zn_total {
            return Err(refused(
                at_end,
                "spanned zip",
                "the zip64 end record names other disks: multi-disk archives are not read".into(),
            ));
        }
        end = End {
            entries: zn_total,
            cd_off: zoff,
            cd_size: zsize,
            cd_limit: z64_off,
            trailing,
        };
    } else if saturated {
        return Err(refused(
            at_end,
            "zip64 oddity",
            "the end record's counts or offsets are saturated (0xFFFF/0xFFFFFFFF) but there is no zip64 end record".into(),
        ));
    } else if disk != 0 || cd_disk != 0 || n_disk != n_total {
        return Err(refused(
            at_end,
            "spanned zip",
            format!("the end record names disk {disk} (central directory on disk {cd_disk}): multi-disk archives are not read"),
        ));
    }
    match end.cd_off.checked_add(end.cd_size) {
        Some(e) if e == end.cd_limit => Ok(end),
        Some(e) if e < end.cd_limit => Err(refused(
            "after the zip central directory",
            "data after the central directory",
            format!(
                "{} bytes between the end of the central directory (byte {e}) and the end records that no reader accounts for",
                end.cd_limit - e
            ),
        )),
        _ => Err(corrupt(
            "in the zip central directory",
            format!(
                "the central directory ({} bytes at byte {}) overruns the end records at byte {}",
                end.cd_size, end.cd_off, end.cd_limit
            ),
        )),
    }
}

/// Extra fields of a header: the zip64 values (in the order the spec lists them) and the
/// Info-ZIP Unicode Path name, if present. `loc` names the header.
struct Extras {
    zip64: Option<Vec<u64>>,
    unicode_path: Option<Vec<u8>>,
}

fn parse_extras(extra: &[u8], loc: &Loc) -> Result<Extras, ArchiveError> {
    let mut out = Extras {
        zip64: None,
        unicode_path: None,
    };
    let mut rest = extra;
    let mut seen = Vec::new();
    while !rest.is_empty() {
        if rest.len() < 4 {
            return Err(corrupt(loc, "an extra field is cut short".into()));
        }
        let (id, len) = (u16_at(rest, 0), usize::from(u16_at(rest, 2)));
        let Some(data) = rest.get(4..4 + len) else {
            return Err(corrupt(
                loc,
                format!("extra field 0x{id:04x} declares {len} bytes, more than remain"),
            ));
        };
        if seen.contains(&id) {
            return Err(refused(
                loc,
                "repeated extra field",
                format!("extra field 0x{id:04x} appears twice; readers take different copies"),
            ));
        }
        seen.push(id);
        match id {
            0x0001 => {
                out.zip64 = Some(data.chunks_exact(8).map(|c| u64_at(c, 0)).collect());
            }
            0x7075 => {
                if data.len() < 5 || data[0] != 1 {
                    return Err(corrupt(loc, "a malformed Unicode Path extra field".into()));
                }
                out.unicode_path = Some(data[5..].to_vec());
            }
            _ => {}
        }
        rest = &rest[4 + len..];
    }
    Ok(out)
}

/// Takes the zip64 replacements for the saturated fields, in order.
fn apply_zip64(
    values: &[u64],
    fields: &mut [(&mut u64, bool)],
    loc: &Loc,
) -> Result<(), ArchiveError> {
    let mut it = values.iter();
    for (field, saturated) in fields.iter_mut() {
        if *saturated {
            match it.next() {
                Some(&v) => **field = v,
                None => {
                    return Err(refused(
                        loc,
                        "zip64 oddity",
                        "a size or offset is saturated (0xFFFFFFFF) but the zip64 extra field lacks its value".into(),
                    ))
                }
            }
        }
    }
    Ok(())
}

fn read_central<R: Read + Seek>(
    src: &mut Source<R>,
    end: &End,
) -> Result<Vec<Member>, ArchiveError> {
    src.inner
        .seek(SeekFrom::Start(src.base + end.cd_off))
        .map_err(|e| io_err(e, "in the zip central directory".into()))?;
    let mut r = BufReader::new((&mut src.inner).take(end.cd_size));
    let mut members = Vec::with_capacity(end.entries.min(1 << 16) as usize);
    let mut consumed: u64 = 0;
    for i in 0..end.entries {
        let at = || format!("in zip central directory entry #{i}");
        let mut h = [0u8; 46];
        r.read_exact(&mut h).map_err(|e| io_err(e, at()))?;
        if &h[..4] != SIG_CENTRAL {
            return Err(corrupt(
                at(),
                format!(
                    "no central directory header signature at byte {} (the end record lists {} entries)",
                    end.cd_off + consumed,
                    end.entries
                ),
            ));
        }
        let (nlen, elen, clen) = (
            usize::from(u16_at(&h, 28)),
            usize::from(u16_at(&h, 30)),
            usize::from(u16_at(&h, 32)),
        );
        let mut var = vec![0u8; nlen + elen + clen];
        r.read_exact(&mut var).map_err(|e| io_err(e, at()))?;
        consumed += 46 + var.len() as u64;
        let name = var[..nlen].to_vec();
        let loc = Loc::new(i, &name);
        let extras = parse_extras(&var[nlen..nlen + elen], &loc)?;
        let mut m = Member {
            name,
            made_by: u16_at(&h, 4),
            flags: u16_at(&h, 8),
            method: u16_at(&h, 10),
            crc: u32_at(&h, 16),
            csize: u64::from(u32_at(&h, 20)),
            usize: u64::from(u32_at(&h, 24)),
            local: u64::from(u32_at(&h, 42)),
            ext_attr: u32_at(&h, 38),
            zip64: extras.zip64.is_some(),
            data_start: 0,
            end: 0,
        };
        let disk = u16_at(&h, 34);
        let needed = u16_at(&h, 6) & 0xff;
        if needed > 46 {
            return Err(refused(
                &loc,
                "version needed to extract",
                format!(
                    "the member needs zip version {}.{}: unzip 6.0 skips members above 4.6, Python's zipfile refuses them above 6.3, bsdtar extracts them",
                    needed / 10,
                    needed % 10
                ),
            ));
        }
        let (su, sc, so) = (
            m.usize == 0xffff_ffff,
            m.csize == 0xffff_ffff,
            m.local == 0xffff_ffff,
        );
        if let Some(z) = &extras.zip64 {
            let mut fields = [(&mut m.usize, su), (&mut m.csize, sc), (&mut m.local, so)];
            apply_zip64(z, &mut fields, &loc)?;
        } else if su || sc || so {
            return Err(refused(
                &loc,
                "zip64 oddity",
                "a size or offset is saturated (0xFFFFFFFF) without a zip64 extra field".into(),
            ));
        }
        if disk != 0 && disk != 0xffff {
            return Err(refused(
                &loc,
                "spanned zip",
                format!("the member starts on disk {disk}"),
            ));
        }
        if let Some(u) = &extras.unicode_path {
            if *u != m.name {
                return Err(refused(
                    &loc,
                    "Unicode Path extra field",
                    format!(
                        "an Info-ZIP Unicode Path field renames the member to {:?}: unzip extracts that name, Python's zipfile the header's",
                        String::from_utf8_lossy(u)
                    ),
                ));
            }
        }
        members.push(m);
    }
    if consumed != end.cd_size {
        return Err(refused(
            "in the zip central directory",
            "data inside the central directory",
            format!(
                "the {} entries fill {consumed} of the central directory's {} bytes",
                end.entries, end.cd_size
            ),
        ));
    }
    Ok(members)
}

/// What one member is, decided from the central directory alone.
fn vet(m: &Member, loc: &Loc, limits: &Limits) -> Result<(EntryKind, Option<u32>), ArchiveError> {
    if m.flags & (FLAG_ENCRYPTED | FLAG_STRONG | FLAG_MASKED) != 0 || m.method == 99 {
        return Err(refused(
            loc,
            "encrypted entry",
            "the member is encrypted: its content cannot be verified".into(),
        ));
    }
    if m.method != 0 && m.method != 8 {
        return Err(refused(
            loc,
            "compression method",
            format!(
                "compression method {} ({}): only stored (0) and deflate (8) are extracted by every installer (unzip 6.0 and older zipfile cannot extract zstd, xz, lzma or deflate64)",
                m.method,
                method_name(m.method)
            ),
        ));
    }
    if m.name.contains(&b'\\') {
        return Err(refused(
            loc,
            "backslash in name",
            "the name contains a backslash: unzip treats it as a directory separator, Python's zipfile keeps it as part of the file name".into(),
        ));
    }
    if m.flags & FLAG_UTF8 != 0 {
        if std::str::from_utf8(&m.name).is_err() {
            return Err(refused(
                loc,
                "invalid UTF-8 name",
                "the UTF-8 flag is set but the name is not valid UTF-8".into(),
            ));
        }
    } else if !m.name.is_ascii() {
        return Err(refused(
            loc,
            "non-ASCII name without the UTF-8 flag",
            "the name has non-ASCII bytes and no UTF-8 flag: Python's zipfile decodes it as cp437, unzip keeps the bytes, so they create different names".into(),
        ));
    }
    let slash = m.name.ends_with(b"/");
    let raw_mode = m.ext_attr >> 16;
    let host = m.made_by >> 8;
    if host != 3 && raw_mode != 0 {
        // Only unix members carry a mode for tarseal, bsdtar and zipfile, but unzip applies the
        // upper attributes of VMS, Atari, QDOS, Acorn, BeOS, Tandem and AtheOS members as a
        // unix mode (and of MS-DOS ones whose owner bits match the DOS flags: links too), and
        // pip makes any member whose upper attributes say "regular file, executable" executable.
        // Other hosts (NTFS, HPFS, Mac, unknown ones) get no mode from unzip, so a link type
        // there is a plain file for every extractor.
        let unzip_applies = matches!(host, 0 | 2 | 5 | 12 | 13 | 16 | 17 | 30);
        let t = raw_mode & S_IFMT;
        let odd_type = unzip_applies && t != 0 && t != 0o100000 && t != 0o040000;
        let exec = !slash
            && raw_mode & 0o111 != 0
            && (t == 0o100000 || (unzip_applies && host != 0 && t == 0));
        if odd_type || exec {
            return Err(refused(
                loc,
                "unix mode from a non-unix host",
                format!(
                    "made by host system {host}, not unix (3), with the unix mode {raw_mode:06o} in its external attributes: unzip applies it for some hosts (executable, or a symlink) and pip makes such a file executable, while bsdtar and zipfile ignore it"
                ),
            ));
        }
    }
    let unix = (host == 3 && raw_mode != 0).then_some(raw_mode);
    let ftype = unix.map(|u| u & S_IFMT).unwrap_or(0);
    let kind = match ftype {
        0o120000 => {
            return Err(refused(
                loc,
                "symlink in zip",
                "a symlink member: unzip creates a link, Python's zipfile a regular file holding the target".into(),
            ))
        }
        0o040000 if !slash => {
            return Err(refused(
                loc,
                "directory flag without '/'",
                "the unix mode says directory but the name does not end in '/': unzip and zipfile decide by the name and create a file".into(),
            ))
        }
        0o020000 => EntryKind::CharDevice,
        0o060000 => EntryKind::BlockDevice,
        0o010000 => EntryKind::Fifo,
        0o140000 => EntryKind::Other(b's'),
        _ if slash => {
            if ftype != 0 && ftype != 0o040000 {
                return Err(refused(
                    loc,
                    "directory name with a file mode",
                    "the name ends in '/' (a directory for unzip and zipfile) but the unix mode says regular file".into(),
                ));
            }
            EntryKind::Directory
        }
        _ if unix.is_none() && m.ext_attr & 0x10 != 0 => {
            return Err(refused(
                loc,
                "directory flag without '/'",
                "the DOS directory attribute is set but the name does not end in '/'".into(),
            ))
        }
        _ => EntryKind::File,
    };
    if kind != EntryKind::File && m.usize != 0 {
        return Err(refused(
            loc,
            "content on a non-file",
            format!(
                "a {kind:?} member declares {} bytes of content, which extractors drop",
                m.usize
            ),
        ));
    }
    if m.method == 0 && m.csize != m.usize {
        return Err(corrupt(
            loc,
            format!(
                "a stored member whose compressed size ({}) differs from its size ({})",
                m.csize, m.usize
            ),
        ));
    }
    if m.method == 8 && m.usize > m.csize.saturating_mul(limits.max_zip_ratio) {
        return Err(ArchiveError::LimitExceeded {
            where_: loc.to_string(),
            what: "zip inflation ratio (declared size / compressed size)",
            limit: limits.max_zip_ratio,
            flag: Limits::FLAG_ZIP_RATIO,
        });
    }
    Ok((kind, unix))
}

/// Reads member `m`'s local header and data descriptor; fills `data_start` and `end`.
fn check_local<R: Read + Seek>(
    src: &mut Source<R>,
    m: &mut Member,
    loc: &Loc,
) -> Result<(), ArchiveError> {
    let mismatch = |what: String| {
        refused(
            loc,
            "central/local header mismatch",
            format!("{what}: an extractor that streams local headers and one that reads the central directory see different files"),
        )
    };
    let mut h = [0u8; 30];
    src.read_at(m.local, &mut h, "local header")?;
    if &h[..4] != SIG_LOCAL {
        return Err(corrupt(
            loc,
            format!(
                "no local header at byte {}, where the central directory says the member starts",
                m.local
            ),
        ));
    }
    let (nlen, elen) = (u64::from(u16_at(&h, 26)), u64::from(u16_at(&h, 28)));
    let mut var = vec![0u8; (nlen + elen) as usize];
    src.read_at(m.local + 30, &mut var, "local header")?;
    let (name, extra) = var.split_at(nlen as usize);
    if name != m.name.as_slice() {
        return Err(mismatch(format!(
            "the local header names it {:?}",
            String::from_utf8_lossy(name)
        )));
    }
    let (flags, method) = (u16_at(&h, 6), u16_at(&h, 8));
    if flags & FLAGS_COMPARED != m.flags & FLAGS_COMPARED {
        return Err(mismatch(format!(
            "general-purpose flags 0x{flags:04x} in the local header, 0x{:04x} in the central directory",
            m.flags
        )));
    }
    if method != m.method {
        return Err(mismatch(format!(
            "compression method {method} in the local header, {} in the central directory",
            m.method
        )));
    }
    let extras = parse_extras(extra, loc)?;
    if let Some(u) = &extras.unicode_path {
        if *u != m.name {
            return Err(mismatch(
                "the local Unicode Path field renames the member".into(),
            ));
        }
    }
    let crc = u32_at(&h, 14);
    let (mut csize, mut usize) = (u64::from(u32_at(&h, 18)), u64::from(u32_at(&h, 22)));
    let local_zip64 = extras.zip64.is_some();
    if let Some(z) = &extras.zip64 {
        let (su, sc) = (usize == 0xffff_ffff, csize == 0xffff_ffff);
        let mut fields = [(&mut usize, su), (&mut csize, sc)];
        apply_zip64(z, &mut fields, loc)?;
    }
    let described = (crc, csize, usize) == (m.crc, m.csize, m.usize);
    if flags & FLAG_DESCRIPTOR == 0 {
        if !described {
            return Err(mismatch(format!(
                "the local header says CRC {crc:08x}, {csize} compressed, {usize} bytes; the central directory CRC {:08x}, {} compressed, {} bytes",
                m.crc, m.csize, m.usize
            )));
        }
    } else if (crc != 0 && crc != m.crc)
        || (csize != 0 && csize != m.csize)
        || (usize != 0 && usize != m.usize)
    {
        // With a data descriptor a writer may leave any of the three at zero (Info-ZIP
        // streaming to stdout knows the size but not the CRC); a value it did write must
        // agree.
        return Err(mismatch(format!(
            "the local header (with a data descriptor) says CRC {crc:08x}, {csize} compressed, {usize} bytes; the central directory CRC {:08x}, {} compressed, {} bytes",
            m.crc, m.csize, m.usize
        )));
    }
    m.data_start = m.local + 30 + nlen + elen;
    let data_end = m
        .data_start
        .checked_add(m.csize)
        .filter(|&e| e <= src.len)
        .ok_or_else(|| ArchiveError::Truncated {
            where_: loc.to_string(),
            detail: format!(
                "the member's {} compressed bytes at byte {} run past the end of the file",
                m.csize, m.data_start
            ),
        })?;
    m.end = data_end;
    if flags & FLAG_DESCRIPTOR != 0 {
        // The descriptor: an optional signature, the CRC, then both sizes (8 bytes each for
        // zip64 members). Which form is present must follow from the bytes and agree with the
        // central directory, else a streaming reader could find its end elsewhere.
        let wide = local_zip64 || m.zip64;
        let body = if wide { 20 } else { 12 };
        let mut d = [0u8; 24];
        let avail = (src.len - data_end).min(24) as usize;
        src.read_at(data_end, &mut d[..avail], "data descriptor")?;
        let matches = |b: &[u8]| {
            b.len() >= body
                && u32_at(b, 0) == m.crc
                && if wide {
                    u64_at(b, 4) == m.csize && u64_at(b, 12) == m.usize
                } else {
                    u64::from(u32_at(b, 4)) == m.csize && u64::from(u32_at(b, 8)) == m.usize
                }
        };
        let d = &d[..avail];
        let len = if d.starts_with(SIG_DESCRIPTOR) && matches(&d[4..]) {
            4 + body
        } else if matches(d) {
            body
        } else {
            return Err(mismatch(
                "the data descriptor after the member's data disagrees with the central directory (or is missing)".into(),
            ));
        };
        m.end = data_end + len as u64;
    }
    Ok(())
}

/// Streams one member's data through `f`, inflating deflate, and checks sizes and CRC.
fn inflate<R: Read + Seek>(
    src: &mut Source<R>,
    m: &Member,
    loc: &Loc,
    buf: &mut [u8],
    out: &mut [u8],
    mut f: impl FnMut(&[u8]),
) -> Result<(), ArchiveError> {
    src.inner
        .seek(SeekFrom::Start(src.base + m.data_start))
        .map_err(|e| io_err(e, loc.to_string()))?;
    let mut input = (&mut src.inner).take(m.csize);
    if m.csize == 0 && m.usize == 0 {
        // An empty member some writers mark as deflated without writing a deflate stream.
        return if m.crc == 0 {
            Ok(())
        } else {
            Err(corrupt(
                loc,
                format!(
                    "CRC-32 00000000 of the empty content, {:08x} in the central directory",
                    m.crc
                ),
            ))
        };
    }
    let mut crc = flate2::Crc::new();
    let mut got: u64 = 0;
    let mut emit = |chunk: &[u8], got: &mut u64| -> Result<(), ArchiveError> {
        *got += chunk.len() as u64;
        if *got > m.usize {
            return Err(corrupt(
                loc,
                format!("the content is longer than its declared {} bytes", m.usize),
            ));
        }
        crc.update(chunk);
        f(chunk);
        Ok(())
    };
    if m.method == 0 {
        loop {
            let n = read_some(&mut input, buf).map_err(|e| io_err(e, loc.to_string()))?;
            if n == 0 {
                break;
            }
            emit(&buf[..n], &mut got)?;
        }
    } else {
        let mut z = flate2::Decompress::new(false);
        let (mut start, mut filled) = (0usize, 0usize);
        loop {
            if start == filled {
                filled = read_some(&mut input, buf).map_err(|e| io_err(e, loc.to_string()))?;
                start = 0;
            }
            let (before_in, before_out) = (z.total_in(), z.total_out());
            let status = z
                .decompress(&buf[start..filled], out, flate2::FlushDecompress::None)
                .map_err(|e| corrupt(loc, format!("invalid deflate data: {e}")))?;
            start += (z.total_in() - before_in) as usize;
            let made = (z.total_out() - before_out) as usize;
            emit(&out[..made], &mut got)?;
            if status == flate2::Status::StreamEnd {
                break;
            }
            if filled == 0 && made == 0 {
                return Err(ArchiveError::Truncated {
                    where_: loc.to_string(),
                    detail: format!(
                        "the deflate stream does not end within the member's {} compressed bytes",
                        m.csize
                    ),
                });
            }
        }
        if z.total_in() != m.csize {
            return Err(refused(
                loc,
                "data after the deflate stream",
                format!(
                    "the deflate stream ends after {} of the member's {} compressed bytes; the rest is hidden data",
                    z.total_in(),
                    m.csize
                ),
            ));
        }
    }
    if got != m.usize {
        return Err(ArchiveError::Truncated {
            where_: loc.to_string(),
            detail: format!("the content ends after {got} of {} bytes", m.usize),
        });
    }
    if crc.sum() != m.crc {
        return Err(corrupt(
            loc,
            format!(
                "CRC-32 {:08x} of the content, {:08x} in the central directory",
                crc.sum(),
                m.crc
            ),
        ));
    }
    Ok(())
}

fn read_some(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Reads every entry of a zip archive.
pub(crate) fn read_zip<R, W, F, P>(
    mut input: CountingReader<R>,
    ctx: &mut Ctx<'_, W, F, P>,
) -> Result<(), ArchiveError>
where
    R: Read + Seek,
    W: FnMut(&str, EntryKind) -> crate::ContentWants,
    F: FnMut(Entry),
    P: FnMut(u64),
{
    let limits = ctx.options.limits;
    let base = input
        .stream_position()
        .map_err(|e| io_err(e, "at the start of the zip file".into()))?;
    let file_end = input
        .seek(SeekFrom::End(0))
        .map_err(|e| io_err(e, "at the end of the zip file".into()))?;
    let mut src = Source {
        inner: input,
        base,
        len: file_end.saturating_sub(base),
    };
    // Zip reading seeks, so bytes read is not bytes of the file: report the file length.
    ctx.summary.compressed_bytes = src.len;
    let end = find_end(&mut src)?;
    ctx.summary.trailing_data = end.trailing;
    if end.entries > limits.max_entries {
        return Err(ArchiveError::LimitExceeded {
            where_: "in the zip central directory".into(),
            what: "number of entries",
            limit: limits.max_entries,
            flag: Limits::FLAG_ENTRIES,
        });
    }
    let mut members = read_central(&mut src, &end)?;
    let locs: Vec<Loc> = members
        .iter()
        .enumerate()
        .map(|(i, m)| Loc::new(i as u64, &m.name))
        .collect();
    let mut kinds = Vec::with_capacity(members.len());
    let mut total: u64 = 0;
    for (m, loc) in members.iter().zip(&locs) {
        kinds.push(vet(m, loc, &limits)?);
        if m.usize > limits.max_entry_bytes {
            return Err(ArchiveError::LimitExceeded {
                where_: loc.to_string(),
                what: "entry size",
                limit: limits.max_entry_bytes,
                flag: Limits::FLAG_ENTRY_BYTES,
            });
        }
        total = total.saturating_add(m.usize);
        if total > limits.max_total_bytes {
            return Err(ArchiveError::LimitExceeded {
                where_: loc.to_string(),
                what: "decompressed bytes",
                limit: limits.max_total_bytes,
                flag: Limits::FLAG_TOTAL_BYTES,
            });
        }
    }

    // The layout: in file order, each member must start exactly where the previous one
    // ended, from byte 0 up to the central directory.
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by_key(|&i| members[i].local);
    let mut expected: u64 = 0;
    let mut prev: Option<usize> = None;
    for &i in &order {
        let at = members[i].local;
        if at < expected {
            let p = prev.expect("expected > 0 only after a member");
            return Err(refused(
                &locs[i],
                "overlapping entries",
                format!(
                    "its local header at byte {at} lies inside entry #{p} '{}' (bytes {}..{}): the same bytes are extracted twice, the construction of overlapping zip bombs",
                    String::from_utf8_lossy(&members[p].name),
                    members[p].local,
                    members[p].end
                ),
            ));
        }
        if at > expected {
            return Err(refused(
                &locs[i],
                "unlisted data between entries",
                match prev {
                    None => format!("{at} bytes before the first entry (prepended data or a local header the central directory does not list)"),
                    Some(p) => format!(
                        "{} bytes (byte {expected}..{at}) after entry #{p} that no central directory entry accounts for (a local header the central directory does not list?)",
                        at - expected
                    ),
                },
            ));
        }
        check_local(&mut src, &mut members[i], &locs[i])?;
        expected = members[i].end;
        prev = Some(i);
    }
    if expected != end.cd_off {
        return Err(refused(
            "before the zip central directory",
            if expected < end.cd_off {
                "unlisted data between entries"
            } else {
                "overlapping entries"
            },
            format!(
                "the last entry ends at byte {expected}, the central directory starts at byte {}",
                end.cd_off
            ),
        ));
    }

    let mut buf = vec![0u8; 64 << 10];
    let mut out = vec![0u8; 64 << 10];
    let mut total: u64 = 0;
    for (i, m) in members.iter().enumerate() {
        let index = ctx.summary.entries;
        let (kind, unix) = kinds[i];
        let norm = crate::path::normalize(&m.name, true, kind == EntryKind::Directory);
        let loc = Loc {
            index,
            path: norm.path.clone(),
            text: format!("in entry #{index} '{}'", norm.path),
        };
        let mode = match unix {
            Some(u) => u & 0o7777,
            None if kind == EntryKind::Directory => 0o755,
            None => 0o644,
        };
        let mut problems = norm.problems;
        match kind {
            EntryKind::CharDevice | EntryKind::BlockDevice => {
                problems.push(EntryProblem::DeviceNode)
            }
            EntryKind::Fifo => problems.push(EntryProblem::Fifo),
            EntryKind::Other(_) => problems.push(EntryProblem::UnsupportedType),
            _ => {}
        }
        if mode & 0o4000 != 0 {
            problems.push(EntryProblem::Setuid);
        }
        if mode & 0o2000 != 0 {
            problems.push(EntryProblem::Setgid);
        }
        let path = norm.path;
        let wants = (ctx.wants)(&path, kind);
        let mut entry = Entry {
            index,
            // Most names are stored normalised: one string then, not two per entry.
            raw_path: (norm.raw != path).then_some(norm.raw),
            path,
            kind,
            mode,
            size: if kind == EntryKind::File { m.usize } else { 0 },
            link_target: None,
            blob_id: None,
            sha256: None,
            content: None,
            problems,
        };
        if kind == EntryKind::File {
            let mut sink = ContentSink::new(ctx.options.object_hash, m.usize, wants);
            inflate(&mut src, m, &loc, &mut buf, &mut out, |c| sink.update(c))?;
            total += m.usize;
            let d = sink.finish(&entry.path)?;
            entry.blob_id = Some(d.blob_id);
            entry.sha256 = d.sha256;
            entry.content = d.content;
        } else if kind == EntryKind::Directory && m.csize > 0 {
            // No content (vet checked the size); the bytes still inflate to nothing.
            inflate(&mut src, m, &loc, &mut buf, &mut out, |_| {})?;
        }
        ctx.summary.uncompressed_bytes = total;
        // Progress for zip is the position in the file after this entry's data.
        ctx.emit_at(entry, m.end.min(src.len))?;
    }
    Ok(())
}
