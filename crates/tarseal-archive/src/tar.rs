//! A small strict streaming tar parser (ustar, GNU, pax, old v7).
//!
//! Why not the `tar` crate: tarseal must (a) tell "ends exactly between entries" (accepted,
//! as GNU tar does) from "ends inside a header or inside content" (truncated, naming the
//! entry), (b) read past the end-of-archive marker to detect trailing data, (c) hash content
//! straight out of the decompression pipeline's buffers without a copy, (d) refuse headers
//! whose meaning differs between extractors (a size on a symlink, a pax global `path`),
//! and (e) name the entry in every error. The `tar` crate hides the first three behind its
//! iterator and silently stops at the first zero block, so this parser is written here; it is
//! used by the tests' archive builders only through the `tar` crate's `Builder`.

use crate::hash::{blob_of, ContentSink};
use crate::pipe::{FaultKind, Pipe, PipeError};
use crate::reader::Ctx;
use crate::{ArchiveError, Entry, EntryKind, EntryProblem, Limits};

const BLOCK: usize = 512;
/// Largest pax extended header or GNU long name/link this parser accepts. Real ones are a
/// few hundred bytes; this only bounds memory against a hostile header.
const MAX_META: u64 = 1 << 20;

/// Verifies a header's checksum field (unsigned sum, or the signed sum some old tars wrote).
pub(crate) fn checksum_ok(block: &[u8; BLOCK]) -> bool {
    let Ok(stored) = parse_octal(&block[148..156]) else {
        return false;
    };
    if block[148..156].iter().all(|&b| b == 0 || b == b' ') {
        return false; // an empty checksum field is no signature at all
    }
    let mut unsigned: u64 = 0;
    let mut signed: i64 = 0;
    for (i, &b) in block.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    stored == unsigned || i64::try_from(stored).is_ok_and(|s| s == signed)
}

/// Parses an octal numeric field: optional leading spaces, octal digits, then spaces/NULs.
/// An all-blank field is 0.
fn parse_octal(field: &[u8]) -> Result<u64, String> {
    let mut i = 0;
    while i < field.len() && field[i] == b' ' {
        i += 1;
    }
    let mut v: u64 = 0;
    while i < field.len() && (b'0'..=b'7').contains(&field[i]) {
        v = v
            .checked_mul(8)
            .and_then(|v| v.checked_add(u64::from(field[i] - b'0')))
            .ok_or_else(|| "numeric field overflows".to_string())?;
        i += 1;
    }
    if field[i..].iter().all(|&b| b == 0 || b == b' ') {
        Ok(v)
    } else {
        Err(format!(
            "numeric field {:?} is not octal",
            String::from_utf8_lossy(field)
        ))
    }
}

/// Parses a numeric field that may use GNU base-256 (high bit of the first byte set).
fn parse_numeric(field: &[u8]) -> Result<u64, String> {
    match field.first() {
        Some(&b) if b & 0x80 != 0 => {
            if b & 0x40 != 0 {
                return Err("negative base-256 numeric field".into());
            }
            let mut v: u64 = u64::from(b & 0x3f);
            for &b in &field[1..] {
                if v >> 56 != 0 {
                    return Err("base-256 numeric field overflows".into());
                }
                v = (v << 8) | u64::from(b);
            }
            Ok(v)
        }
        _ => parse_octal(field),
    }
}

/// The bytes of a NUL-terminated header field.
fn cstr(field: &[u8]) -> &[u8] {
    match field.iter().position(|&b| b == 0) {
        Some(p) => &field[..p],
        None => field,
    }
}

/// Turns a pipeline error into an archive error located at `loc`.
fn pipe_error(codec: &str, limits: Limits, e: PipeError, loc: String) -> ArchiveError {
    match e {
        PipeError::TotalLimit => ArchiveError::LimitExceeded {
            where_: loc,
            what: "decompressed bytes",
            limit: limits.max_total_bytes,
            flag: Limits::FLAG_TOTAL_BYTES,
        },
        PipeError::Fault(f) => {
            let where_ = format!("in the {} stream at compressed byte {}, {loc}", codec, f.at);
            match f.kind {
                FaultKind::Truncated => ArchiveError::Truncated {
                    where_,
                    detail: f.detail,
                },
                FaultKind::Corrupt => ArchiveError::Corrupt {
                    where_,
                    detail: f.detail,
                },
                FaultKind::Io => match f.io {
                    Some(io) => ArchiveError::Io(io),
                    None => ArchiveError::Corrupt {
                        where_,
                        detail: f.detail,
                    },
                },
            }
        }
    }
}

/// Overrides collected from pax and GNU metadata headers for the next entry.
#[derive(Default)]
struct Pending {
    pax_path: Option<Vec<u8>>,
    pax_link: Option<Vec<u8>>,
    pax_size: Option<u64>,
    sparse: bool,
    gnu_name: Option<Vec<u8>>,
    gnu_link: Option<Vec<u8>>,
    any: bool,
}

/// One pass over a tar stream.
pub(crate) struct TarParser<'p> {
    pipe: &'p mut Pipe,
    codec: &'static str,
    limits: Limits,
    /// Index and path of the last entry handed out, for "after entry #N" locations.
    last: Option<(u64, String)>,
    meta: Vec<u8>,
    name: Vec<u8>,
}

impl<'p> TarParser<'p> {
    pub(crate) fn new(pipe: &'p mut Pipe, codec: &'static str, limits: Limits) -> Self {
        TarParser {
            pipe,
            codec,
            limits,
            last: None,
            meta: Vec::new(),
            name: Vec::new(),
        }
    }

    fn after_loc(&self) -> String {
        match &self.last {
            None => "in the first header".to_string(),
            Some((i, p)) => format!("after entry #{i} '{p}'"),
        }
    }

    /// Turns a pipeline error into an archive error located at `loc`.
    fn pipe_err(&self, e: PipeError, loc: String) -> ArchiveError {
        pipe_error(self.codec, self.limits, e, loc)
    }

    /// Reads up to one block; returns how many bytes were read (less than 512 only at EOF).
    fn read_block(&mut self, block: &mut [u8; BLOCK]) -> Result<usize, PipeError> {
        let mut got = 0;
        while got < BLOCK {
            let buf = self.pipe.fill(self.limits.max_total_bytes)?;
            if buf.is_empty() {
                break;
            }
            let n = buf.len().min(BLOCK - got);
            block[got..got + n].copy_from_slice(&buf[..n]);
            self.pipe.consume(n);
            got += n;
        }
        Ok(got)
    }

    /// Streams `n` bytes to `f` (zero-copy out of the pipeline); returns the bytes delivered,
    /// less than `n` only at EOF.
    fn stream(&mut self, n: u64, mut f: impl FnMut(&[u8])) -> Result<u64, PipeError> {
        let mut left = n;
        while left > 0 {
            let buf = self.pipe.fill(self.limits.max_total_bytes)?;
            if buf.is_empty() {
                break;
            }
            let take = (buf.len() as u64).min(left) as usize;
            f(&buf[..take]);
            self.pipe.consume(take);
            left -= take as u64;
        }
        Ok(n - left)
    }

    /// Reads a metadata header's content (pax, GNU long name) into `self.meta`.
    fn read_meta(&mut self, size: u64, what: &str) -> Result<(), ArchiveError> {
        if size > MAX_META {
            return Err(ArchiveError::Corrupt {
                where_: self.after_loc(),
                detail: format!("{what} of {size} bytes (at most {MAX_META} accepted)"),
            });
        }
        let mut meta = std::mem::take(&mut self.meta);
        meta.clear();
        let padded = size.next_multiple_of(BLOCK as u64);
        let got = self
            .stream(padded, |c| meta.extend_from_slice(c))
            .map_err(|e| self.pipe_err(e, self.after_loc()));
        meta.truncate(size as usize);
        self.meta = meta;
        let got = got?;
        if got < padded {
            return Err(ArchiveError::Truncated {
                where_: self.after_loc(),
                detail: format!("the stream ends inside a {what} ({got} of {padded} bytes)"),
            });
        }
        Ok(())
    }

    /// Parses pax records from `self.meta`, calling `f(key, value)` for each.
    fn pax_records(
        &self,
        mut f: impl FnMut(&[u8], &[u8]) -> Result<(), String>,
    ) -> Result<(), ArchiveError> {
        let corrupt = |detail: String| ArchiveError::Corrupt {
            where_: self.after_loc(),
            detail: format!("pax extended header: {detail}"),
        };
        let mut rest = &self.meta[..];
        while !rest.is_empty() {
            if rest.iter().all(|&b| b == 0) {
                break; // NUL padding some writers leave after the last record
            }
            let sp = rest
                .iter()
                .take(21)
                .position(|&b| b == b' ')
                .ok_or_else(|| corrupt("record without a length".into()))?;
            let len: usize = std::str::from_utf8(&rest[..sp])
                .ok()
                .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| corrupt("record length is not a decimal number".into()))?;
            if len > rest.len() || len < sp + 3 || rest[len - 1] != b'\n' {
                return Err(corrupt(format!(
                    "record length {len} does not fit the record"
                )));
            }
            let rec = &rest[sp + 1..len - 1];
            let eq = rec
                .iter()
                .position(|&b| b == b'=')
                .ok_or_else(|| corrupt("record without '='".into()))?;
            f(&rec[..eq], &rec[eq + 1..]).map_err(corrupt)?;
            rest = &rest[len..];
        }
        Ok(())
    }

    /// Reads the whole tar stream, handing each entry to `ctx`.
    pub(crate) fn run<W, F, P>(&mut self, ctx: &mut Ctx<'_, W, F, P>) -> Result<(), ArchiveError>
    where
        W: FnMut(&str, EntryKind) -> crate::ContentWants,
        F: FnMut(Entry),
        P: FnMut(u64),
    {
        let mut block = [0u8; BLOCK];
        let mut pending = Pending::default();
        loop {
            let got = self
                .read_block(&mut block)
                .map_err(|e| self.pipe_err(e, self.after_loc()))?;
            if got == 0 {
                if pending.any {
                    return Err(ArchiveError::Truncated {
                        where_: self.after_loc(),
                        detail: "the stream ends after an extended header, before its entry".into(),
                    });
                }
                // No end-of-archive marker, but the stream ends between entries: GNU tar
                // accepts this, and so do we.
                return Ok(());
            }
            if got < BLOCK {
                return Err(ArchiveError::Truncated {
                    where_: self.after_loc(),
                    detail: format!("the stream ends inside a 512-byte header ({got} bytes)"),
                });
            }
            if block.iter().all(|&b| b == 0) {
                if pending.any {
                    return Err(ArchiveError::Corrupt {
                        where_: self.after_loc(),
                        detail: "end-of-archive marker right after an extended header".into(),
                    });
                }
                return self.drain_trailing(ctx);
            }
            if !checksum_ok(&block) {
                return Err(ArchiveError::Corrupt {
                    where_: self.after_loc(),
                    detail: "header checksum mismatch (not a tar header)".into(),
                });
            }
            let header_size =
                parse_numeric(&block[124..136]).map_err(|d| ArchiveError::Corrupt {
                    where_: self.after_loc(),
                    detail: format!("size field: {d}"),
                })?;
            let typeflag = block[156];
            match typeflag {
                b'x' | b'X' => {
                    self.read_meta(header_size, "pax extended header")?;
                    let mut p = std::mem::take(&mut pending);
                    self.pax_records(|k, v| {
                        let val = (!v.is_empty()).then(|| v.to_vec());
                        match k {
                            b"path" => p.pax_path = val,
                            b"linkpath" => p.pax_link = val,
                            b"size" => {
                                p.pax_size = match val {
                                    None => None,
                                    Some(v) => Some(
                                        std::str::from_utf8(&v)
                                            .ok()
                                            .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
                                            .and_then(|s| s.parse().ok())
                                            .ok_or("'size' is not a decimal number")?,
                                    ),
                                }
                            }
                            k if k.starts_with(b"GNU.sparse.") => p.sparse = true,
                            _ => {}
                        }
                        Ok(())
                    })?;
                    p.any = true;
                    pending = p;
                }
                b'g' => {
                    self.read_meta(header_size, "pax global header")?;
                    let mut comment = None;
                    self.pax_records(|k, v| {
                        match k {
                            b"comment" => comment = Some(String::from_utf8_lossy(v).into_owned()),
                            b"path" | b"linkpath" | b"size" => {
                                return Err(format!(
                                    "a global '{}' would apply to every following entry",
                                    String::from_utf8_lossy(k)
                                ))
                            }
                            _ => {}
                        }
                        Ok(())
                    })?;
                    if comment.is_some() {
                        ctx.summary.pax_comment = comment;
                    }
                }
                b'L' | b'K' => {
                    self.read_meta(header_size, "GNU long name")?;
                    let v = cstr(&self.meta).to_vec();
                    if typeflag == b'L' {
                        pending.gnu_name = Some(v);
                    } else {
                        pending.gnu_link = Some(v);
                    }
                    pending.any = true;
                }
                _ => {
                    let p = std::mem::take(&mut pending);
                    self.entry(&block, typeflag, header_size, p, ctx)?;
                }
            }
        }
    }

    fn entry<W, F, P>(
        &mut self,
        block: &[u8; BLOCK],
        typeflag: u8,
        header_size: u64,
        p: Pending,
        ctx: &mut Ctx<'_, W, F, P>,
    ) -> Result<(), ArchiveError>
    where
        W: FnMut(&str, EntryKind) -> crate::ContentWants,
        F: FnMut(Entry),
        P: FnMut(u64),
    {
        let index = ctx.summary.entries;
        let posix = &block[257..263] == b"ustar\0";
        self.name.clear();
        if let Some(n) = p.pax_path.as_deref().or(p.gnu_name.as_deref()) {
            self.name.extend_from_slice(n);
        } else {
            let prefix = if posix { cstr(&block[345..500]) } else { &[] };
            if !prefix.is_empty() {
                self.name.extend_from_slice(prefix);
                self.name.push(b'/');
            }
            self.name.extend_from_slice(cstr(&block[0..100]));
        }
        let size = p.pax_size.unwrap_or(header_size);
        let trailing_slash = self.name.last() == Some(&b'/');
        let kind = match typeflag {
            // Old (v7) archives mark directories only by a trailing slash.
            b'0' | 0 if trailing_slash && size == 0 => EntryKind::Directory,
            b'0' | 0 => EntryKind::File,
            b'1' => EntryKind::Hardlink,
            b'2' => EntryKind::Symlink,
            b'3' => EntryKind::CharDevice,
            b'4' => EntryKind::BlockDevice,
            b'5' => EntryKind::Directory,
            b'6' => EntryKind::Fifo,
            t => EntryKind::Other(t),
        };
        let norm = crate::path::normalize(&self.name, false, kind == EntryKind::Directory);
        let loc = |path: &str| format!("in entry #{index} '{path}'");
        let corrupt = |detail: String| ArchiveError::Corrupt {
            where_: loc(&norm.path),
            detail,
        };

        let mode = parse_numeric(&block[100..108])
            .map_err(|d| corrupt(format!("mode field: {d}")))? as u32
            & 0o7777;
        let has_no_data = matches!(
            kind,
            EntryKind::Directory
                | EntryKind::Symlink
                | EntryKind::Hardlink
                | EntryKind::CharDevice
                | EntryKind::BlockDevice
                | EntryKind::Fifo
        );
        if has_no_data && size != 0 {
            // POSIX says no data follows these types, yet some readers skip `size` bytes
            // anyway: the two readings see different entries after this one.
            return Err(corrupt(format!(
                "a {kind:?} entry declares {size} content bytes; extractors disagree on whether they follow"
            )));
        }
        if index >= self.limits.max_entries {
            return Err(ArchiveError::LimitExceeded {
                where_: format!("at entry #{index} '{}'", norm.path),
                what: "number of entries",
                limit: self.limits.max_entries,
                flag: Limits::FLAG_ENTRIES,
            });
        }
        if size > self.limits.max_entry_bytes {
            return Err(ArchiveError::LimitExceeded {
                where_: loc(&norm.path),
                what: "entry size",
                limit: self.limits.max_entry_bytes,
                flag: Limits::FLAG_ENTRY_BYTES,
            });
        }

        let mut problems = norm.problems;
        let link_raw = p
            .pax_link
            .as_deref()
            .or(p.gnu_link.as_deref())
            .unwrap_or_else(|| cstr(&block[157..257]));
        let link_target = matches!(kind, EntryKind::Symlink | EntryKind::Hardlink)
            .then(|| String::from_utf8_lossy(link_raw).into_owned());
        match kind {
            EntryKind::Hardlink => problems.push(EntryProblem::Hardlink),
            EntryKind::CharDevice | EntryKind::BlockDevice => {
                problems.push(EntryProblem::DeviceNode)
            }
            EntryKind::Fifo => problems.push(EntryProblem::Fifo),
            EntryKind::Other(_) => problems.push(EntryProblem::UnsupportedType),
            EntryKind::File if p.sparse => problems.push(EntryProblem::UnsupportedType),
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
            raw_path: norm.raw,
            path,
            kind,
            mode,
            size: if kind == EntryKind::File { size } else { 0 },
            link_target,
            blob_id: None,
            sha256: None,
            content: None,
            problems,
        };

        if kind == EntryKind::File && !p.sparse {
            let mut sink = ContentSink::new(ctx.options.object_hash, size, wants);
            let got = self
                .stream(size, |c| sink.update(c))
                .map_err(|e| self.pipe_err(e, loc(&entry.path)))?;
            if got < size {
                return Err(ArchiveError::Truncated {
                    where_: loc(&entry.path),
                    detail: format!("the content ends after {got} of {size} bytes"),
                });
            }
            let d = sink.finish(&entry.path)?;
            entry.blob_id = Some(d.blob_id);
            entry.sha256 = d.sha256;
            entry.content = d.content;
        } else {
            let got = self
                .stream(size, |_| {})
                .map_err(|e| self.pipe_err(e, loc(&entry.path)))?;
            if got < size {
                return Err(ArchiveError::Truncated {
                    where_: loc(&entry.path),
                    detail: format!("the content ends after {got} of {size} bytes"),
                });
            }
            if kind == EntryKind::Symlink {
                let target = link_raw;
                entry.blob_id = Some(blob_of(ctx.options.object_hash, target, &entry.path)?);
                if wants.sha256 || wants.keep_up_to.is_some() {
                    let mut sink =
                        ContentSink::new(ctx.options.object_hash, target.len() as u64, wants);
                    sink.update(target);
                    let d = sink.finish(&entry.path)?;
                    entry.sha256 = d.sha256;
                    entry.content = d.content;
                }
            }
        }
        let pad = (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64;
        let got = self
            .stream(pad, |_| {})
            .map_err(|e| self.pipe_err(e, loc(&entry.path)))?;
        if got < pad {
            return Err(ArchiveError::Truncated {
                where_: loc(&entry.path),
                detail: format!(
                    "the stream ends inside the padding after the content ({got} of {pad} bytes)"
                ),
            });
        }
        self.last = Some((index, entry.path.clone()));
        ctx.emit(entry);
        Ok(())
    }

    /// After the end-of-archive marker: reads to the end of the stream (so that compressed
    /// corruption or a bomb hidden there is still seen) and records any non-zero byte.
    fn drain_trailing<W, F, P>(&mut self, ctx: &mut Ctx<'_, W, F, P>) -> Result<(), ArchiveError>
    where
        W: FnMut(&str, EntryKind) -> crate::ContentWants,
        F: FnMut(Entry),
        P: FnMut(u64),
    {
        let mut nonzero = false;
        loop {
            let (codec, limits) = (self.codec, self.limits);
            let buf = self.pipe.fill(limits.max_total_bytes).map_err(|e| {
                pipe_error(codec, limits, e, "after the end-of-archive marker".into())
            })?;
            if buf.is_empty() {
                break;
            }
            if !nonzero {
                nonzero = buf.iter().any(|&b| b != 0);
            }
            let n = buf.len();
            self.pipe.consume(n);
        }
        ctx.summary.trailing_data = nonzero;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_fields() {
        assert_eq!(parse_octal(b"0000644\0"), Ok(0o644));
        assert_eq!(parse_octal(b"  644 \0"), Ok(0o644));
        assert_eq!(parse_octal(b"\0\0\0\0"), Ok(0));
        assert!(parse_octal(b"0009\0").is_err());
        assert_eq!(
            parse_numeric(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]),
            Ok(256)
        );
        assert!(parse_numeric(&[0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]).is_err());
        assert!(parse_numeric(&[0x80, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
    }
}
