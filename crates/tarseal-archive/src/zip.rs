//! Zip reading through the central directory, with the `zip` crate.
//!
//! Zip needs random access (the central directory is at the end), so it is read on the
//! calling thread without the decompression pipeline. The central directory is what
//! extractors trust for names and sizes; an entry whose local header disagrees with it is
//! flagged ([`EntryProblem::LocalHeaderMismatch`]) because two tools could see two names.

use crate::ctx::Ctx;
use crate::hash::{blob_of, ContentSink};
use crate::pipe::{raw_io_error, CountingReader};
use crate::{ArchiveError, Entry, EntryKind, EntryProblem, Limits};
use std::io::{self, Read, Seek, SeekFrom};
use zip::result::ZipError;

/// Size of the end-of-central-directory record without its comment.
const EOCD_LEN: usize = 22;
/// Symlink targets longer than this are refused (PATH_MAX is 4096 on Linux).
const MAX_LINK: u64 = 64 << 10;
const S_IFMT: u32 = 0o170000;

fn zip_err(e: ZipError, where_: String) -> ArchiveError {
    match e {
        ZipError::Io(io) => io_err(io, where_),
        other => ArchiveError::Corrupt {
            where_,
            detail: other.to_string(),
        },
    }
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

/// Whether bytes follow the end-of-central-directory record (and its comment).
/// Returns the file length too.
fn has_trailing_data<R: Read + Seek>(r: &mut R) -> io::Result<(u64, bool)> {
    let len = r.seek(SeekFrom::End(0))?;
    let tail_len = len.min((EOCD_LEN + 0xffff) as u64);
    r.seek(SeekFrom::Start(len - tail_len))?;
    let mut tail = vec![0u8; tail_len as usize];
    r.read_exact(&mut tail)?;
    r.seek(SeekFrom::Start(0))?;
    let mut found = false;
    for p in (0..tail.len().saturating_sub(EOCD_LEN - 1)).rev() {
        if tail[p..].starts_with(b"PK\x05\x06") {
            found = true;
            let comment = usize::from(u16::from_le_bytes([tail[p + 20], tail[p + 21]]));
            if p + EOCD_LEN + comment == tail.len() {
                return Ok((len, false));
            }
        }
    }
    Ok((len, found))
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
    let (file_len, trailing) = has_trailing_data(&mut input)
        .map_err(|e| io_err(e, "at the end of the zip file".into()))?;
    ctx.summary.trailing_data = trailing;
    // Zip reading seeks, so bytes read is not bytes of the file: report the file length.
    ctx.summary.compressed_bytes = file_len;
    let mut archive = zip::ZipArchive::new(input)
        .map_err(|e| zip_err(e, "in the zip central directory".into()))?;
    if archive.has_duplicate_names() {
        // The zip crate keys entries by name, so the earlier copies are invisible to us; an
        // extractor would write them all. Refuse rather than report half the archive, and name
        // the repeated entry from our own scan of the central directory.
        let start = archive.central_directory_start();
        let mut raw = archive.into_inner();
        let name = first_duplicate_name(&mut raw, start, file_len)
            .unwrap_or_else(|| "(not found by the central-directory scan)".into());
        return Err(ArchiveError::Corrupt {
            where_: "in the zip central directory".into(),
            detail: format!(
                "the name '{name}' is listed more than once: an extractor writes every copy, and the later one wins"
            ),
        });
    }
    let mut buf = vec![0u8; 64 << 10];
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let index = ctx.summary.entries;
        let at = || format!("in zip entry #{i}");
        if index >= limits.max_entries {
            return Err(ArchiveError::LimitExceeded {
                where_: format!("at entry #{index}"),
                what: "number of entries",
                limit: limits.max_entries,
                flag: Limits::FLAG_ENTRIES,
            });
        }
        let mut mismatch = None;
        let opts = zip::read::ZipReadOptions::new().enforce_header_consistency(true);
        let checked = archive.by_index_with_options(i, opts).map(|_| ());
        match checked {
            Ok(()) => {}
            Err(ZipError::InvalidArchive(msg)) if msg.contains("header inconsistency") => {
                mismatch = Some(msg.into_owned());
            }
            Err(e) => return Err(zip_err(e, at())),
        }
        let mut file = archive.by_index(i).map_err(|e| zip_err(e, at()))?;
        let name: Vec<u8> = match file.name() {
            Ok(n) => n.as_bytes().to_vec(),
            Err(_) => file.name_raw().to_vec(),
        };
        // Only a unix "made by" carries real unix modes (upper 16 bits of the external
        // attributes); for DOS the crate synthesises one from the read-only bit, which git
        // would not know about. Read the raw bits: the crate's `unix_mode()` clears setuid,
        // setgid and sticky, which are exactly the bits we must see.
        let raw_mode = file.external_attributes() >> 16;
        let unix = (file.system() == zip::System::Unix && raw_mode != 0).then_some(raw_mode);
        let kind = match unix.map(|m| m & S_IFMT) {
            Some(0o120000) => EntryKind::Symlink,
            Some(0o040000) => EntryKind::Directory,
            Some(0o020000) => EntryKind::CharDevice,
            Some(0o060000) => EntryKind::BlockDevice,
            Some(0o010000) => EntryKind::Fifo,
            Some(0o140000) => EntryKind::Other(b's'),
            _ if file.is_dir() => EntryKind::Directory,
            _ if file.is_symlink() => EntryKind::Symlink,
            _ => EntryKind::File,
        };
        let norm = crate::path::normalize(&name, true, kind == EntryKind::Directory);
        let loc = format!("in entry #{index} '{}'", norm.path);
        if file.encrypted() {
            return Err(ArchiveError::Corrupt {
                where_: loc,
                detail: "the entry is encrypted; its content cannot be verified".into(),
            });
        }
        let mode = match unix {
            Some(m) => m & 0o7777,
            None if kind == EntryKind::Directory => 0o755,
            None => 0o644,
        };
        let size = file.size();
        if kind == EntryKind::File && size > limits.max_entry_bytes {
            return Err(ArchiveError::LimitExceeded {
                where_: loc,
                what: "entry size",
                limit: limits.max_entry_bytes,
                flag: Limits::FLAG_ENTRY_BYTES,
            });
        }
        if total.saturating_add(size) > limits.max_total_bytes {
            return Err(ArchiveError::LimitExceeded {
                where_: loc,
                what: "decompressed bytes",
                limit: limits.max_total_bytes,
                flag: Limits::FLAG_TOTAL_BYTES,
            });
        }

        let mut problems = norm.problems;
        if let Some(detail) = mismatch {
            problems.push(EntryProblem::LocalHeaderMismatch { detail });
        }
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
            raw_path: norm.raw,
            path,
            kind,
            mode,
            size: if kind == EntryKind::File { size } else { 0 },
            link_target: None,
            blob_id: None,
            sha256: None,
            content: None,
            problems,
        };
        match kind {
            EntryKind::File => {
                let mut sink = ContentSink::new(ctx.options.object_hash, size, wants);
                let mut got: u64 = 0;
                loop {
                    let n = match file.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(io_err(e, loc)),
                    };
                    got += n as u64;
                    if got > size {
                        return Err(ArchiveError::Corrupt {
                            where_: loc,
                            detail: format!("the content is longer than its declared {size} bytes"),
                        });
                    }
                    sink.update(&buf[..n]);
                }
                if got != size {
                    return Err(ArchiveError::Truncated {
                        where_: loc,
                        detail: format!("the content ends after {got} of {size} bytes"),
                    });
                }
                total += got;
                let d = sink.finish(&entry.path)?;
                entry.blob_id = Some(d.blob_id);
                entry.sha256 = d.sha256;
                entry.content = d.content;
            }
            EntryKind::Symlink => {
                if size > MAX_LINK {
                    return Err(ArchiveError::Corrupt {
                        where_: loc,
                        detail: format!("a symlink target of {size} bytes"),
                    });
                }
                let mut target = Vec::with_capacity(size as usize);
                (&mut file)
                    .take(MAX_LINK + 1)
                    .read_to_end(&mut target)
                    .map_err(|e| io_err(e, loc.clone()))?;
                if target.len() as u64 > MAX_LINK {
                    return Err(ArchiveError::Corrupt {
                        where_: loc,
                        detail: "the symlink target is longer than declared".into(),
                    });
                }
                total += target.len() as u64;
                entry.blob_id = Some(blob_of(ctx.options.object_hash, &target, &entry.path)?);
                if wants.sha256 || wants.keep_up_to.is_some() {
                    let mut sink =
                        ContentSink::new(ctx.options.object_hash, target.len() as u64, wants);
                    sink.update(&target);
                    let d = sink.finish(&entry.path)?;
                    entry.sha256 = d.sha256;
                    entry.content = d.content;
                }
                entry.link_target = Some(String::from_utf8_lossy(&target).into_owned());
            }
            _ => {}
        }
        // Progress for zip is the position in the file after this entry's data.
        let pos = file.data_start().unwrap_or(0) + file.compressed_size();
        drop(file);
        ctx.summary.uncompressed_bytes = total;
        ctx.emit_at(entry, pos.min(file_len));
    }
    Ok(())
}

/// Scans central-directory file headers (signature `PK\x01\x02`, name length at offset 28,
/// extra and comment lengths at 30 and 32, name at 46) from `start` and returns the first name
/// seen twice. Reads at most 64 MiB; `None` if no duplicate is found or the scan fails.
fn first_duplicate_name<R: Read + Seek>(
    input: &mut R,
    start: u64,
    file_len: u64,
) -> Option<String> {
    const MAX_SCAN: u64 = 64 << 20;
    let len = file_len.checked_sub(start)?.min(MAX_SCAN);
    input.seek(SeekFrom::Start(start)).ok()?;
    let mut dir = vec![0u8; usize::try_from(len).ok()?];
    input.read_exact(&mut dir).ok()?;
    let mut seen = std::collections::HashSet::new();
    let mut at = 0usize;
    while dir.len() >= at + 46 && dir[at..at + 4] == [0x50, 0x4b, 0x01, 0x02] {
        let u16_at = |o: usize| usize::from(u16::from_le_bytes([dir[at + o], dir[at + o + 1]]));
        let (n, e, c) = (u16_at(28), u16_at(30), u16_at(32));
        let name = dir.get(at + 46..at + 46 + n)?;
        if !seen.insert(name) {
            return Some(String::from_utf8_lossy(name).into_owned());
        }
        at += 46 + n + e + c;
    }
    None
}
