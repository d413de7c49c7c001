//! The streaming entry reader: one pass over the archive, one callback per entry.

use crate::audit::Auditor;
use crate::ctx::Ctx;
use crate::format::SNIFF_LEN;
use crate::pipe::{Codec, CountingReader, Pipe};
use crate::raw::Tee;
use crate::{ArchiveError, Format};
use std::io::{Read, SeekFrom};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub use crate::ctx::ReadOptions;
pub use crate::entry::{ArchiveSummary, ContentWants, Entry, EntryKind, EntryProblem};

/// Reads every entry of `input`, detecting its format from the magic bytes.
///
/// `wants` is called with each entry's normalised path and kind before its content is read;
/// `on_entry` receives the finished entry. Returns the summary, or the first error that makes
/// the rest of the stream unreadable. `progress` is called with the compressed bytes consumed
/// so far (cheap; called at most once per entry).
///
/// For symlinks, `wants` applies to the target bytes (git stores a symlink as a blob of its
/// target). Tar formats are decompressed on a separate thread (see the `pipe` module); zip is
/// read on the calling thread because it needs random access. The input is read from its
/// current position.
pub fn read_archive<R, W, F, P>(
    mut input: R,
    options: &ReadOptions,
    wants: W,
    on_entry: F,
    progress: P,
) -> Result<ArchiveSummary, ArchiveError>
where
    R: Read + std::io::Seek + Send + 'static,
    W: FnMut(&str, EntryKind) -> ContentWants,
    F: FnMut(Entry),
    P: FnMut(u64),
{
    let start = input.stream_position()?;
    let mut head = [0u8; SNIFF_LEN];
    let mut got = 0;
    while got < head.len() {
        match input.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let format = Format::sniff(&head[..got]).ok_or(ArchiveError::UnknownFormat)?;
    input.seek(SeekFrom::Start(start))?;

    let counter = Arc::new(AtomicU64::new(0));
    let mut ctx = Ctx {
        options,
        wants,
        on_entry,
        progress,
        auditor: Auditor::default(),
        summary: ArchiveSummary {
            format: Some(format),
            ..ArchiveSummary::default()
        },
        counter: counter.clone(),
        retained: 0,
    };
    let counting = CountingReader {
        inner: input,
        count: counter.clone(),
    };
    let codec = match format {
        Format::Zip => {
            let mut counting = counting;
            if options.raw_digests {
                let digests =
                    crate::raw::hash_all(&mut counting.inner, options.raw_observer.clone())?;
                counting.inner.seek(SeekFrom::Start(start))?;
                ctx.summary.raw_digests = Some(digests);
            }
            crate::zip::read_zip(counting, &mut ctx)?;
            return Ok(ctx.summary);
        }
        Format::Tar => Codec::Identity,
        Format::TarGz => Codec::Gzip,
        Format::TarXz => Codec::Xz,
        Format::TarBz2 => Codec::Bzip2,
        Format::TarZst => Codec::Zstd,
    };
    let (mut pipe, tee) = if options.raw_digests {
        let (tee, tee_reader) = Tee::spawn(counting, options.raw_observer.clone())?;
        (
            Pipe::spawn(
                codec,
                options.limits.max_dictionary_bytes,
                tee_reader,
                counter.clone(),
            )?,
            Some(tee),
        )
    } else {
        (
            Pipe::spawn(
                codec,
                options.limits.max_dictionary_bytes,
                counting,
                counter.clone(),
            )?,
            None,
        )
    };
    let result =
        crate::tar::TarParser::new(&mut pipe, format.codec_name(), options.limits).run(&mut ctx);
    ctx.summary.uncompressed_bytes = pipe.total;
    drop(pipe); // joins the decoder thread
    result?; // (dropping the tee stops it)
    if let Some(tee) = tee {
        ctx.summary.raw_digests = Some(tee.finish()?);
    }
    ctx.summary.compressed_bytes = counter.load(Ordering::Relaxed);
    Ok(ctx.summary)
}
