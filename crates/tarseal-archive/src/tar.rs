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

use crate::ctx::Ctx;
use crate::hash::{blob_of, ContentSink};
use crate::pipe::{FaultKind, Pipe, PipeError};
use crate::{ArchiveError, Entry, EntryKind, EntryProblem, Limits};

const BLOCK: usize = 512;
/// Largest pax extended header or GNU long name/link this parser accepts. Real ones are a
/// few hundred bytes; this only bounds memory against a hostile header.
const MAX_META: u64 = 1 << 20;

/// Why a construct that extractors read differently is refused (docs/formats.md lists them).
const WHY_DIFFER: &str =
    "extractors disagree on what this header means, so tarseal cannot know what they write";
const WHY_SPARSE: &str = "sparse files are not allowed in release tarballs";
const WHY_NEVER: &str = "no release tool writes this and extractors handle it differently";

/// The header layouts, told apart by the magic and version fields (bytes 257..265).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// POSIX ustar (`ustar\0` `00`): the prefix field (345..500) is part of the name.
    Ustar,
    /// GNU (`ustar ` ` \0`): bytes 345..500 are GNU fields (times, sparse map), not a prefix.
    Gnu,
    /// Old v7 (no magic): nothing after the link name is defined.
    V7,
}

fn layout(block: &[u8; BLOCK]) -> Option<Layout> {
    match (&block[257..263], &block[263..265]) {
        (b"ustar\0", b"00") => Some(Layout::Ustar),
        (b"ustar ", b" \0") => Some(Layout::Gnu),
        (m, v) if m.iter().chain(v).all(|&b| b == 0) => Some(Layout::V7),
        _ => None,
    }
}

/// How a header's checksum field relates to its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Checksum {
    /// The POSIX (unsigned) sum matches.
    Unsigned,
    /// Only the sum of signed bytes matches (some old tars wrote it; the tar crate and
    /// node-tar refuse it, GNU tar, bsdtar and Python accept it).
    SignedOnly,
    /// No sum matches, or the field is not an octal number.
    Bad,
}

fn checksum(block: &[u8; BLOCK]) -> Checksum {
    let Ok(stored) = parse_octal(&block[148..156]) else {
        return Checksum::Bad;
    };
    if block[148..156].iter().all(|&b| b == 0 || b == b' ') {
        return Checksum::Bad; // an empty checksum field is no signature at all
    }
    let mut unsigned: u64 = 0;
    let mut signed: i64 = 0;
    for (i, &b) in block.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    if stored == unsigned {
        Checksum::Unsigned
    } else if i64::try_from(stored).is_ok_and(|s| s == signed) {
        Checksum::SignedOnly
    } else {
        Checksum::Bad
    }
}

/// Verifies a header's checksum field (unsigned sum, or the signed sum some old tars wrote):
/// enough to recognise a tar header when sniffing; the parser then refuses the signed form.
pub(crate) fn checksum_ok(block: &[u8; BLOCK]) -> bool {
    checksum(block) != Checksum::Bad
}

/// Parses an octal numeric field: optional leading spaces, octal digits, then only spaces
/// and NULs. An empty field is 0. Stricter than any one extractor on purpose: where they
/// differ (GNU tar skips one leading NUL, Python stops at the first NUL and refuses a space
/// inside the digits), only the form all of them read alike is accepted.
fn parse_octal(field: &[u8]) -> Result<u64, NumericFieldError> {
    let mut i = 0;
    while i < field.len() && field[i] == b' ' {
        i += 1;
    }
    let mut v: u64 = 0;
    while i < field.len() && (b'0'..=b'7').contains(&field[i]) {
        v = v
            .checked_mul(8)
            .and_then(|v| v.checked_add(u64::from(field[i] - b'0')))
            .ok_or(NumericFieldError::Overflow)?;
        i += 1;
    }
    if field[i..].iter().all(|&b| b == 0 || b == b' ') {
        Ok(v)
    } else {
        Err(NumericFieldError::NotOctal(
            String::from_utf8_lossy(field).into_owned(),
        ))
    }
}

/// Why a numeric header field is refused (the messages name the construct for the report).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum NumericFieldError {
    #[error("numeric field overflows")]
    Overflow,
    #[error("numeric field {0:?} is not octal")]
    NotOctal(String),
    #[error("base-256 numeric field starting with {0:#04x}")]
    Base256Lead(u8),
    #[error("base-256 numeric field overflows")]
    Base256Overflow,
    #[error(
        "numeric field of only spaces (GNU tar: \"Blanks in header where numeric value expected\")"
    )]
    Blank,
    #[error("empty numeric field, no digit (the tar crate fails on it)")]
    NoDigit,
}

/// A header field that extractors could read differently (see `validate_fields`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum HeaderFieldError {
    #[error("{field} field: {source}")]
    Numeric {
        field: &'static str,
        source: NumericFieldError,
    },
    #[error("bytes after the NUL that ends the {0} field")]
    AfterNul(&'static str),
    #[error("bytes in the prefix area of a {0} header")]
    PrefixArea(&'static str),
    #[error("bytes after the link name of a v7 header")]
    V7AfterLinkName,
}

/// Parses a numeric field that may use GNU base-256 (high bit of the first byte set). Only
/// a first byte of exactly 0x80 is accepted: Python ignores that byte's low six bits, GNU
/// tar does not, and 0xff (negative) means nothing for a size or an id.
fn parse_numeric(field: &[u8]) -> Result<u64, NumericFieldError> {
    match field.first() {
        Some(&b) if b & 0x80 != 0 => {
            if b != 0x80 {
                return Err(NumericFieldError::Base256Lead(b));
            }
            let mut v: u64 = 0;
            for &b in &field[1..] {
                if v >> 56 != 0 {
                    return Err(NumericFieldError::Base256Overflow);
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

/// Whether bytes follow the terminating NUL of a name field (readers that stop at the NUL
/// and readers that do not see two names).
fn bytes_after_nul(field: &[u8]) -> bool {
    match field.iter().position(|&b| b == 0) {
        Some(p) => field[p..].iter().any(|&b| b != 0),
        None => false,
    }
}

/// Turns a pipeline error into an archive error located at `loc`.
/// `here` is the index and name of the entry being read, for refusals.
fn pipe_error(
    codec: &str,
    limits: Limits,
    e: PipeError,
    loc: String,
    here: &(u64, String),
) -> ArchiveError {
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
                FaultKind::Refused => ArchiveError::Refused {
                    index: here.0,
                    path: here.1.clone(),
                    construct: format!("{} at compressed byte {}", f.detail, f.at),
                    why: f.why,
                },
                FaultKind::Limit => ArchiveError::LimitExceeded {
                    where_,
                    what: "decompressor dictionary (window) bytes",
                    limit: limits.max_dictionary_bytes,
                    flag: Limits::FLAG_DICTIONARY_BYTES,
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

/// What the one pax extended header before an entry set.
#[derive(Default)]
struct Pax {
    path: Option<Vec<u8>>,
    linkpath: Option<Vec<u8>>,
    size: Option<u64>,
}

/// Overrides collected from the metadata headers before the next entry: at most one of each
/// kind (a second one of a kind is refused, since extractors disagree on which one wins).
#[derive(Default)]
struct Pending {
    pax: Option<Pax>,
    gnu_name: Option<Vec<u8>>,
    gnu_link: Option<Vec<u8>>,
    /// A refused pax key, raised at the entry's own header so that the message can name the
    /// entry even when its name is in the ustar header (Python puts short names there).
    refusal: Option<(String, &'static str)>,
}

impl Pending {
    fn any(&self) -> bool {
        self.pax.is_some() || self.gnu_name.is_some() || self.gnu_link.is_some()
    }

    /// The entry's name as far as the metadata headers tell it, for refusals.
    fn name_hint(&self) -> Option<String> {
        self.pax
            .as_ref()
            .and_then(|p| p.path.as_deref())
            .or(self.gnu_name.as_deref())
            .map(|n| String::from_utf8_lossy(n).into_owned())
    }
}

/// The pax keys tarseal accepts in an extended (`x`) header, each with what its value must
/// look like. Anything else is refused by name: a key tarseal does not know may be one an
/// extractor honours (GNU.sparse.*, SCHILY.realsize, ACLs, file flags), so ignoring it could
/// mean comparing other bytes or modes than those written to disk.
fn pax_key_refusal(key: &[u8], value: &[u8]) -> Option<(String, &'static str)> {
    let k = String::from_utf8_lossy(key);
    let decimal = |v: &[u8]| !v.is_empty() && v.iter().all(u8::is_ascii_digit);
    let time = |v: &[u8]| {
        let v = v.strip_prefix(b"-").unwrap_or(v);
        let (int, frac) = match v.iter().position(|&b| b == b'.') {
            Some(p) => (&v[..p], Some(&v[p + 1..])),
            None => (v, None),
        };
        decimal(int) && frac.is_none_or(decimal)
    };
    if key.starts_with(b"GNU.sparse.") || key == b"SCHILY.realsize" {
        return Some((format!("pax key {k}"), WHY_SPARSE));
    }
    let xattr = key
        .strip_prefix(b"SCHILY.xattr.")
        .or_else(|| key.strip_prefix(b"LIBARCHIVE.xattr."));
    if let Some(name) = xattr {
        // User and macOS metadata attributes change nothing an extractor writes as content
        // or mode; security.* (capabilities), system.* (ACLs) and trusted.* could.
        if name.starts_with(b"user.") || name.starts_with(b"com.apple.") {
            return None;
        }
        return Some((
            format!("pax key {k}"),
            "extended attributes outside user.* grant rights (capabilities, ACLs) on extraction",
        ));
    }
    if value.is_empty() {
        return Some((
            format!("pax key {k} with an empty value"),
            "an empty pax value unsets the field for some extractors and is ignored by others",
        ));
    }
    if value.contains(&b'\n') || value.contains(&0) {
        return Some((
            format!("pax key {k} whose value holds a newline or NUL byte"),
            WHY_DIFFER,
        ));
    }
    let ok = match key {
        b"path" | b"linkpath" | b"uname" | b"gname" | b"comment" => true,
        b"size" | b"uid" | b"gid" | b"SCHILY.dev" | b"SCHILY.ino" | b"SCHILY.nlink" => {
            decimal(value)
        }
        b"mtime" | b"atime" | b"ctime" | b"LIBARCHIVE.creationtime" => time(value),
        // Python writes `BINARY` for names that are not UTF-8; the name then gets the
        // not-utf8 finding like any other such name.
        b"hdrcharset" => value == b"BINARY" || value == b"ISO-IEC 10646 2000 UTF-8",
        _ => return Some((
            format!("pax key {k}"),
            "not in tarseal's allowlist of pax keys (docs/formats.md): an extractor may honour it",
        )),
    };
    (!ok).then(|| {
        (
            format!("pax key {k}={:?}", String::from_utf8_lossy(value)),
            "the value is not one the pax format allows for this key (a number, for numeric keys); extractors disagree on such values",
        )
    })
}

/// One pass over a tar stream.
pub(crate) struct TarParser<'p> {
    pipe: &'p mut Pipe,
    codec: &'static str,
    limits: Limits,
    /// Index and path of the last entry handed out, for "after entry #N" locations.
    last: Option<(u64, String)>,
    /// Whether a pax global header was seen (one is allowed, as `git archive` writes).
    global_seen: bool,
    /// Index and name of the entry being read (`?` until its name is known), for refusals
    /// raised by the decompressor.
    here: (u64, Option<String>),
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
            global_seen: false,
            here: (0, None),
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

    /// A refusal of entry `index`, named by what is known of its name.
    fn refuse(
        &self,
        index: u64,
        path: Option<String>,
        construct: String,
        why: &'static str,
    ) -> ArchiveError {
        ArchiveError::Refused {
            index,
            path: path.unwrap_or_else(|| self.unknown_name()),
            construct,
            why,
        }
    }

    /// How a refusal names an entry whose name is not known yet.
    fn unknown_name(&self) -> String {
        match &self.last {
            None => "? (the first entry)".to_string(),
            Some((_, p)) => format!("? (the entry after {p})"),
        }
    }

    /// Turns a pipeline error into an archive error located at `loc`.
    fn pipe_err(&self, e: PipeError, loc: String) -> ArchiveError {
        pipe_error(self.codec, self.limits, e, loc, &self.here_named())
    }

    /// [`TarParser::here`] with a name for an entry whose name is not known yet.
    fn here_named(&self) -> (u64, String) {
        let name = self.here.1.clone().unwrap_or_else(|| self.unknown_name());
        (self.here.0, name)
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

    /// Parses the pax records of `self.meta` (strictly: every byte of the declared size is
    /// part of a record, each key once), calling `f(key, value)` for each.
    fn pax_records(
        &self,
        index: u64,
        hint: Option<String>,
        mut f: impl FnMut(&[u8], &[u8]) -> Result<(), ArchiveError>,
    ) -> Result<(), ArchiveError> {
        let malformed = |detail: String| {
            self.refuse(
                index,
                hint.clone(),
                format!("malformed pax record ({detail})"),
                WHY_DIFFER,
            )
        };
        let mut seen: Vec<&[u8]> = Vec::new();
        let mut rest = &self.meta[..];
        while !rest.is_empty() {
            let sp = rest
                .iter()
                .take(21)
                .position(|&b| b == b' ')
                .ok_or_else(|| malformed("a record without a length".into()))?;
            let len: usize = std::str::from_utf8(&rest[..sp])
                .ok()
                .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| malformed("the record length is not a decimal number".into()))?;
            if rest[0] == b'0' {
                // node-tar cuts `String(len) + ' '` off the record, so `030 path=x` becomes the
                // key ` path` there (the record is ignored) while every other reader sets path.
                return Err(malformed(format!(
                    "record length {:?} with a leading zero",
                    String::from_utf8_lossy(&rest[..sp])
                )));
            }
            if len > rest.len() || len < sp + 3 || rest[len - 1] != b'\n' {
                return Err(malformed(format!(
                    "record length {len} does not fit the record"
                )));
            }
            let rec = &rest[sp + 1..len - 1];
            let eq = rec
                .iter()
                .position(|&b| b == b'=')
                .ok_or_else(|| malformed("a record without '='".into()))?;
            let (key, value) = (&rec[..eq], &rec[eq + 1..]);
            if key.is_empty() || key.contains(&0) {
                return Err(malformed("an empty key or a NUL byte in a key".into()));
            }
            if seen.contains(&key) {
                return Err(self.refuse(
                    index,
                    hint.clone(),
                    format!(
                        "pax key {} twice in one extended header",
                        String::from_utf8_lossy(key)
                    ),
                    "extractors disagree on whether the first or the last value wins",
                ));
            }
            seen.push(key);
            f(key, value)?;
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
            self.here = (ctx.summary.entries, None);
            let got = self
                .read_block(&mut block)
                .map_err(|e| self.pipe_err(e, self.after_loc()))?;
            if let Some((construct, why)) = pending.refusal.take() {
                // The header after the refused pax header names the entry (a metadata
                // header's own name names nothing).
                let own = got == BLOCK && !matches!(block[156], b'x' | b'g' | b'L' | b'K');
                let path = pending.name_hint().or_else(|| {
                    own.then(|| {
                        let prefix = match layout(&block) {
                            Some(Layout::Ustar) => cstr(&block[345..500]),
                            _ => &[],
                        };
                        let name = String::from_utf8_lossy(cstr(&block[..100]));
                        if prefix.is_empty() {
                            name.into_owned()
                        } else {
                            format!("{}/{name}", String::from_utf8_lossy(prefix))
                        }
                    })
                });
                return Err(self.refuse(ctx.summary.entries, path, construct, why));
            }
            if got == 0 {
                if pending.any() {
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
                if pending.any() {
                    return Err(ArchiveError::Corrupt {
                        where_: self.after_loc(),
                        detail: "end-of-archive marker right after an extended header".into(),
                    });
                }
                return self.drain_trailing(ctx);
            }
            let index = ctx.summary.entries;
            match checksum(&block) {
                Checksum::Unsigned => {}
                Checksum::Bad => {
                    return Err(ArchiveError::Corrupt {
                        where_: self.after_loc(),
                        detail: "header checksum mismatch (not a tar header)".into(),
                    })
                }
                Checksum::SignedOnly => {
                    return Err(self.refuse(
                        index,
                        pending.name_hint().or_else(|| header_name(&block)),
                        "a header checksum computed over signed bytes".into(),
                        "the tar crate (cargo) and node-tar refuse it while GNU tar, bsdtar and Python accept it",
                    ))
                }
            }
            // A metadata header's own name (`PaxHeaders.N/x`, `././@LongLink`) is no entry's.
            let own_name = !matches!(block[156], b'x' | b'g' | b'L' | b'K');
            let hint = pending
                .name_hint()
                .or_else(|| own_name.then(|| header_name(&block)).flatten());
            let who = hint.clone().unwrap_or_else(|| self.unknown_name());
            let refuse = |construct: String, why: &'static str| ArchiveError::Refused {
                index,
                path: who.clone(),
                construct,
                why,
            };
            let Some(layout) = layout(&block) else {
                return Err(refuse(
                    format!(
                        "unknown magic/version field {:?}",
                        String::from_utf8_lossy(&block[257..265])
                    ),
                    WHY_DIFFER,
                ));
            };
            self.validate_fields(&block, layout)
                .map_err(|c| refuse(c.to_string(), WHY_DIFFER))?;
            let header_size =
                parse_numeric(&block[124..136]).map_err(|d| ArchiveError::Corrupt {
                    where_: self.after_loc(),
                    detail: format!("size field: {d}"),
                })?;
            let typeflag = block[156];
            let is_meta = matches!(typeflag, b'x' | b'g' | b'L' | b'K');
            if is_meta && layout == Layout::V7 {
                return Err(refuse(
                    format!(
                        "a type '{}' metadata header without ustar magic",
                        typeflag as char
                    ),
                    "Python and GNU tar apply it, other readers take it for a file",
                ));
            }
            if is_meta && block[157] != 0 {
                return Err(refuse(
                    format!(
                        "a type '{}' metadata header with a link name",
                        typeflag as char
                    ),
                    WHY_DIFFER,
                ));
            }
            match typeflag {
                b'x' => {
                    if pending.pax.is_some() {
                        return Err(refuse(
                            "two pax extended headers before one entry".into(),
                            "extractors disagree on which one applies",
                        ));
                    }
                    self.read_meta(header_size, "pax extended header")?;
                    let mut pax = Pax::default();
                    // The first refused key, raised once the whole header is read so that
                    // the message can name the entry by the header's own `path`.
                    let mut refusal = None;
                    self.pax_records(index, hint.clone(), |k, v| {
                        if let Some(r) = pax_key_refusal(k, v) {
                            refusal.get_or_insert(r);
                            return Ok(());
                        }
                        match k {
                            b"path" => pax.path = Some(v.to_vec()),
                            b"linkpath" => pax.linkpath = Some(v.to_vec()),
                            // Decimal digits only (checked by `pax_key_refusal`).
                            b"size" => {
                                pax.size = Some(
                                    std::str::from_utf8(v)
                                        .ok()
                                        .and_then(|s| s.parse().ok())
                                        .ok_or_else(|| {
                                            self.refuse(
                                                index,
                                                hint.clone(),
                                                "pax size that overflows".into(),
                                                WHY_DIFFER,
                                            )
                                        })?,
                                )
                            }
                            _ => {}
                        }
                        Ok(())
                    })?;
                    if let Some(r) = refusal {
                        pending.pax = Some(pax);
                        pending.refusal = Some(r);
                        continue;
                    }
                    if let (Some(a), Some(b)) = (&pax.path, &pending.gnu_name) {
                        if a != b {
                            return Err(refuse(
                                "a pax path and a GNU long name that differ".into(),
                                "extractors disagree on which name wins",
                            ));
                        }
                    }
                    if let (Some(a), Some(b)) = (&pax.linkpath, &pending.gnu_link) {
                        if a != b {
                            return Err(refuse(
                                "a pax linkpath and a GNU long link name that differ".into(),
                                "extractors disagree on which target wins",
                            ));
                        }
                    }
                    pending.pax = Some(pax);
                }
                b'g' => {
                    if self.global_seen {
                        return Err(refuse(
                            "a second pax global header".into(),
                            "git archive writes one; extractors disagree on how later ones combine",
                        ));
                    }
                    if pending.any() {
                        return Err(refuse(
                            "a pax global header between an entry's extended header and the entry"
                                .into(),
                            WHY_DIFFER,
                        ));
                    }
                    self.global_seen = true;
                    self.read_meta(header_size, "pax global header")?;
                    let mut comment = None;
                    self.pax_records(index, hint.clone(), |k, v| {
                        if k != b"comment" {
                            return Err(self.refuse(
                                index,
                                hint.clone(),
                                format!("pax global key {}", String::from_utf8_lossy(k)),
                                "a global header that sets anything but `comment` changes every following entry for some extractors",
                            ));
                        }
                        if v.is_empty() || v.contains(&b'\n') || v.contains(&0) {
                            return Err(self.refuse(
                                index,
                                hint.clone(),
                                "an empty pax global comment, or one with a newline or NUL".into(),
                                WHY_DIFFER,
                            ));
                        }
                        comment = Some(String::from_utf8_lossy(v).into_owned());
                        Ok(())
                    })?;
                    if comment.is_some() {
                        ctx.summary.pax_comment = comment;
                    }
                }
                b'L' | b'K' => {
                    let (slot, what) = if typeflag == b'L' {
                        (&pending.gnu_name, "GNU long name")
                    } else {
                        (&pending.gnu_link, "GNU long link name")
                    };
                    if slot.is_some() {
                        return Err(refuse(
                            format!("two {what} headers before one entry"),
                            "Python takes the first, other extractors the last",
                        ));
                    }
                    self.read_meta(header_size, what)?;
                    let v = cstr(&self.meta).to_vec();
                    if v.is_empty() || bytes_after_nul(&self.meta) {
                        return Err(refuse(
                            format!("a {what} that is empty or has bytes after its NUL"),
                            WHY_DIFFER,
                        ));
                    }
                    if self.meta.len() > v.len() + 1 {
                        // The tar crate (cargo) drops only the last NUL and fails on the rest.
                        return Err(refuse(
                            format!("a {what} that ends in more than one NUL byte"),
                            "the tar crate (cargo) keeps all but the last NUL in the name and fails, the other extractors stop at the first",
                        ));
                    }
                    let hint = Some(String::from_utf8_lossy(&v).into_owned());
                    let pax = pending.pax.as_ref();
                    let other = if typeflag == b'L' {
                        pax.and_then(|p| p.path.as_ref())
                    } else {
                        pax.and_then(|p| p.linkpath.as_ref())
                    };
                    if other.is_some_and(|o| *o != v) {
                        return Err(self.refuse(
                            index,
                            hint,
                            format!("a {what} that differs from the pax header's"),
                            "extractors disagree on which one wins",
                        ));
                    }
                    if typeflag == b'L' {
                        pending.gnu_name = Some(v);
                    } else {
                        pending.gnu_link = Some(v);
                    }
                }
                b'X' => {
                    return Err(refuse(
                        "a Solaris extended header (type 'X')".into(),
                        WHY_NEVER,
                    ))
                }
                b'S' => return Err(refuse("a GNU sparse file (type 'S')".into(), WHY_SPARSE)),
                b'0'..=b'6' | 0 => {
                    let p = std::mem::take(&mut pending);
                    self.entry(&block, layout, typeflag, header_size, p, ctx)?;
                }
                t => {
                    let what = match t {
                        b'7' => "a contiguous file (type '7')".to_string(),
                        b'D' => "a GNU dump directory (type 'D')".to_string(),
                        b'M' => "a GNU multi-volume continuation (type 'M')".to_string(),
                        b'V' => "a GNU volume label (type 'V')".to_string(),
                        b'N' => "an old GNU long-name entry (type 'N')".to_string(),
                        t if t.is_ascii_graphic() => {
                            format!("an unknown entry type '{}'", t as char)
                        }
                        t => format!("an unknown entry type byte {t:#04x}"),
                    };
                    return Err(refuse(what, WHY_NEVER));
                }
            }
        }
    }

    /// Checks the fields every extractor parses, whatever the entry type: the numeric fields
    /// are octal (or GNU base-256 where GNU tar writes it), names stop at their NUL, and the
    /// GNU/v7 bytes where POSIX puts the prefix are empty (Python prepends them to the name
    /// whatever the magic says; GNU tar never does). Returns the construct on failure.
    fn validate_fields(&self, block: &[u8; BLOCK], layout: Layout) -> Result<(), HeaderFieldError> {
        let octal = |range: std::ops::Range<usize>, field: &'static str| {
            parse_octal(&block[range]).map_err(|source| HeaderFieldError::Numeric { field, source })
        };
        let numeric = |range: std::ops::Range<usize>, field: &'static str| {
            parse_numeric(&block[range])
                .map_err(|source| HeaderFieldError::Numeric { field, source })
        };
        octal(100..108, "mode")?;
        numeric(108..116, "uid")?;
        numeric(116..124, "gid")?;
        numeric(124..136, "size")?;
        numeric(136..148, "mtime")?;
        // GNU tar reads these five fields of every header and refuses a field of only
        // spaces (mode 0777 then, a skipped entry for a size), where the others read 0.
        for (range, field) in [
            (100..108, "mode"),
            (108..116, "uid"),
            (116..124, "gid"),
            (124..136, "size"),
            (136..148, "mtime"),
        ] {
            if block[range].iter().all(|&b| b == b' ') {
                return Err(HeaderFieldError::Numeric {
                    field,
                    source: NumericFieldError::Blank,
                });
            }
        }
        // The tar crate (cargo) parses the size of every header and fails on one without a
        // digit (all NUL bytes), where the others read 0. Every writer fills it.
        let size = &block[124..136];
        if size[0] & 0x80 == 0 && !size.iter().any(u8::is_ascii_digit) {
            return Err(HeaderFieldError::Numeric {
                field: "size",
                source: NumericFieldError::NoDigit,
            });
        }
        // GNU tar's `--format=v7` (automake's `tar-v7`) fills the device fields too.
        octal(329..337, "devmajor")?;
        octal(337..345, "devminor")?;
        for (range, what) in [(0..100, "name"), (157..257, "linkname")] {
            if bytes_after_nul(&block[range]) {
                return Err(HeaderFieldError::AfterNul(what));
            }
        }
        match layout {
            Layout::Ustar => {
                if bytes_after_nul(&block[345..500]) {
                    return Err(HeaderFieldError::AfterNul("prefix"));
                }
            }
            Layout::Gnu | Layout::V7 => {
                if block[345..500].iter().any(|&b| b != 0) {
                    return Err(HeaderFieldError::PrefixArea(if layout == Layout::Gnu {
                        "GNU"
                    } else {
                        "v7"
                    }));
                }
            }
        }
        if layout == Layout::V7 && block[257..329].iter().any(|&b| b != 0) {
            return Err(HeaderFieldError::V7AfterLinkName);
        }
        Ok(())
    }

    fn entry<W, F, P>(
        &mut self,
        block: &[u8; BLOCK],
        layout: Layout,
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
        let pax = p.pax.unwrap_or_default();
        self.name.clear();
        if let Some(n) = pax.path.as_deref().or(p.gnu_name.as_deref()) {
            self.name.extend_from_slice(n);
        } else {
            let prefix = if layout == Layout::Ustar {
                cstr(&block[345..500])
            } else {
                &[]
            };
            if !prefix.is_empty() {
                self.name.extend_from_slice(prefix);
                self.name.push(b'/');
            }
            self.name.extend_from_slice(cstr(&block[0..100]));
        }
        let size = pax.size.unwrap_or(header_size);
        let trailing_slash = self.name.last() == Some(&b'/');
        if typeflag == 0 {
            // The old convention "type NUL with a trailing `/` is a directory" is applied to
            // different names: Python looks at the header's own name field (before a pax path
            // or GNU long name replaces it), GNU tar, bsdtar and node-tar at the final name, and
            // the tar crate (cargo) only in GNU and v7 headers (a ustar one is a file there).
            let own_slash = cstr(&block[0..100]).last() == Some(&b'/');
            let renamed = pax.path.is_some() || p.gnu_name.is_some();
            let construct = if renamed && (own_slash || trailing_slash) {
                Some("an old-style (type NUL) entry renamed by a pax path or GNU long name, with a trailing `/` on either name")
            } else if trailing_slash && layout == Layout::Ustar {
                Some("an old-style (type NUL) entry with a trailing `/` in a ustar header")
            } else {
                None
            };
            if let Some(c) = construct {
                return Err(ArchiveError::Refused {
                    index,
                    path: String::from_utf8_lossy(&self.name).into_owned(),
                    construct: c.into(),
                    why: "extractors disagree on whether it is a directory or a regular file",
                });
            }
        }
        let kind = match typeflag {
            // Old (v7) archives mark directories only by a trailing slash; every extractor
            // reads a NUL type flag with a trailing slash as a directory.
            0 if trailing_slash && size == 0 => EntryKind::Directory,
            b'0' | 0 => EntryKind::File,
            b'1' => EntryKind::Hardlink,
            b'2' => EntryKind::Symlink,
            b'3' => EntryKind::CharDevice,
            b'4' => EntryKind::BlockDevice,
            b'5' => EntryKind::Directory,
            b'6' => EntryKind::Fifo,
            t => EntryKind::Other(t),
        };
        let raw_name = String::from_utf8_lossy(&self.name).into_owned();
        let refuse = |construct: String, why: &'static str| ArchiveError::Refused {
            index,
            path: raw_name.clone(),
            construct,
            why,
        };
        if kind == EntryKind::File && (trailing_slash || self.name.ends_with(b"/.")) {
            return Err(refuse(
                "a regular file whose name ends in `/` or `/.`".into(),
                "extractors create a directory there, or fail, instead of the file tarseal would compare",
            ));
        }
        let link_raw = pax
            .linkpath
            .as_deref()
            .or(p.gnu_link.as_deref())
            .unwrap_or_else(|| cstr(&block[157..257]));
        let is_link = matches!(kind, EntryKind::Symlink | EntryKind::Hardlink);
        if !is_link && (pax.linkpath.is_some() || p.gnu_link.is_some()) {
            return Err(refuse(
                "a long link name (pax linkpath or GNU 'K') on an entry that is not a link".into(),
                WHY_DIFFER,
            ));
        }
        if !is_link && !cstr(&block[157..257]).is_empty() {
            return Err(refuse(
                "a link name field on an entry that is not a link".into(),
                "node-tar refuses the entry (\"linkpath forbidden\"), GNU tar, bsdtar, Python and the tar crate ignore the field",
            ));
        }
        if is_link && link_raw.is_empty() {
            return Err(refuse("a link with an empty target".into(), WHY_DIFFER));
        }
        // Bounds on names, before anything is kept of them.
        for (what, bytes) in [("name", &self.name[..]), ("link target", link_raw)] {
            if bytes.len() as u64 > self.limits.max_path_bytes {
                return Err(ArchiveError::LimitExceeded {
                    where_: format!(
                        "in entry #{index} '{}…'",
                        String::from_utf8_lossy(&bytes[..64.min(bytes.len())])
                    ),
                    what: if what == "name" {
                        "name length in bytes"
                    } else {
                        "link target length in bytes"
                    },
                    limit: self.limits.max_path_bytes,
                    flag: Limits::FLAG_PATH_BYTES,
                });
            }
        }
        let depth = self
            .name
            .split(|&b| b == b'/')
            .filter(|c| !c.is_empty())
            .count() as u64;
        if depth > self.limits.max_path_depth {
            return Err(ArchiveError::LimitExceeded {
                where_: format!(
                    "in entry #{index} '{}…'",
                    String::from_utf8_lossy(&self.name[..64.min(self.name.len())])
                ),
                what: "path depth (components)",
                limit: self.limits.max_path_depth,
                flag: Limits::FLAG_PATH_DEPTH,
            });
        }
        let norm = crate::path::normalize(&self.name, false, kind == EntryKind::Directory);
        self.here.1 = Some(norm.path.clone());
        let loc = |path: &str| format!("in entry #{index} '{path}'");

        let mode = parse_octal(&block[100..108]).unwrap_or(0) as u32 & 0o7777;
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
            // anyway (and libarchive reads data for a hard link): the readings differ.
            return Err(refuse(
                format!(
                    "a {} entry that declares {size} content bytes",
                    crate::entry::kind_name(kind)
                ),
                "extractors disagree on whether content follows",
            ));
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
        let link_target = is_link.then(|| String::from_utf8_lossy(link_raw).into_owned());
        match kind {
            EntryKind::Hardlink => problems.push(EntryProblem::Hardlink),
            EntryKind::CharDevice | EntryKind::BlockDevice => {
                problems.push(EntryProblem::DeviceNode)
            }
            EntryKind::Fifo => problems.push(EntryProblem::Fifo),
            _ => {}
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
            size: if kind == EntryKind::File { size } else { 0 },
            link_target,
            blob_id: None,
            sha256: None,
            content: None,
            problems,
        };

        if kind == EntryKind::File {
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
        } else if kind == EntryKind::Symlink {
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
        ctx.emit(entry)
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
            let here = self.here_named();
            let buf = self.pipe.fill(limits.max_total_bytes).map_err(|e| {
                pipe_error(
                    codec,
                    limits,
                    e,
                    "after the end-of-archive marker".into(),
                    &here,
                )
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

/// The name field of a header, for refusals before the entry's real name is known.
fn header_name(block: &[u8; BLOCK]) -> Option<String> {
    let n = cstr(&block[..100]);
    (!n.is_empty()).then(|| String::from_utf8_lossy(n).into_owned())
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
