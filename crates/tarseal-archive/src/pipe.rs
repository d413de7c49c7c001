//! The decompression pipeline: a decoder thread feeding the parser through recycled buffers.
//!
//! The decoder runs on its own thread and fills one of [`BUFFERS`] buffers of [`BUF_SIZE`]
//! bytes at a time; the calling thread parses and hashes straight out of that buffer (no copy)
//! and hands it back through a return channel. Nothing is allocated per read: an earlier
//! prototype that allocated per read doubled its `.tar.gz` time. At most `BUFFERS` buffers
//! are ahead of the parser, so memory is bounded however far a bomb would expand.
//!
//! Errors from the decoder thread arrive in order after the data before them, as a
//! [`Fault`]: a stream cut short is [`FaultKind::Truncated`], invalid data is
//! [`FaultKind::Corrupt`], a failing input file is [`FaultKind::Io`]. If the decoder thread
//! ever died (a panic in a decoder), the parser sees a `Corrupt` fault, never a silent EOF.

use std::io::{self, BufRead, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Size of one pipeline buffer. 256 KiB stays within L2 on most machines while amortising
/// channel hand-offs.
pub(crate) const BUF_SIZE: usize = 256 << 10;
/// Number of pipeline buffers in flight.
pub(crate) const BUFFERS: usize = 4;
/// What liblzma needs besides the dictionary in single-threaded mode (decoder state, block
/// headers: well under 1 MiB), so that a dictionary of exactly the limit is accepted.
const XZ_OVERHEAD: u64 = 1 << 20;

/// A reader that counts the bytes it delivers into a counter shared with the calling thread
/// (for progress reports and [`crate::ArchiveSummary::compressed_bytes`]), and marks errors
/// of the underlying file so they are reported as I/O errors, not as corruption.
pub(crate) struct CountingReader<R> {
    pub(crate) inner: R,
    pub(crate) count: Arc<AtomicU64>,
}

/// Marker wrapped around an error of the raw input.
#[derive(Debug)]
struct RawIo(io::Error);

impl std::fmt::Display for RawIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
impl std::error::Error for RawIo {}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.count.fetch_add(n as u64, Ordering::Relaxed);
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => Err(io::Error::new(e.kind(), RawIo(e))),
        }
    }
}

impl<R: io::Seek> io::Seek for CountingReader<R> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Unwraps the marker of [`CountingReader`], if the error came from the raw input.
pub(crate) fn raw_io_error(e: io::Error) -> Result<io::Error, io::Error> {
    if e.get_ref().is_some_and(|inner| inner.is::<RawIo>()) {
        let inner = e.into_inner().expect("checked above");
        match inner.downcast::<RawIo>() {
            Ok(raw) => Ok(raw.0),
            Err(other) => Err(io::Error::other(other)),
        }
    } else {
        Err(e)
    }
}

/// The class of a decoder fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultKind {
    Truncated,
    Corrupt,
    Io,
    /// A compressed-stream construct that extractors read differently (a second gzip member).
    Refused,
    /// The stream declares a dictionary (window) above [`crate::Limits::max_dictionary_bytes`].
    Limit,
}

/// A refusal raised inside a decoder, carried through `io::Error` to [`classify`].
#[derive(Debug)]
struct Refusal {
    construct: String,
    why: &'static str,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} — {}", self.construct, self.why)
    }
}
impl std::error::Error for Refusal {}

/// An error from the decoder thread, with the compressed offset where it happened.
#[derive(Debug)]
pub(crate) struct Fault {
    pub(crate) kind: FaultKind,
    pub(crate) detail: String,
    pub(crate) io: Option<io::Error>,
    /// Compressed bytes consumed when the fault was seen.
    pub(crate) at: u64,
    /// For [`FaultKind::Refused`]: why the construct is refused.
    pub(crate) why: &'static str,
}

enum Msg {
    Data(Vec<u8>, usize),
    Eof,
    Fault(Fault),
}

/// Which decoder to run.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Codec {
    Identity,
    Gzip,
    Xz,
    Bzip2,
    Zstd,
}

/// The consumer side of the pipeline, a `BufRead`-like cursor over the decoder's output.
pub(crate) struct Pipe {
    full_rx: Option<Receiver<Msg>>,
    empty_tx: Option<Sender<Vec<u8>>>,
    handle: Option<JoinHandle<()>>,
    cur: Vec<u8>,
    pos: usize,
    len: usize,
    /// Decompressed bytes received so far.
    pub(crate) total: u64,
    ended: bool,
}

fn make_decoder<R: Read + Send + 'static>(
    codec: Codec,
    input: R,
    max_dict: u64,
) -> io::Result<Box<dyn Read + Send>> {
    Ok(match codec {
        Codec::Identity => Box::new(input),
        // One gzip member, then only zero padding (see `GzOneMember`).
        Codec::Gzip => Box::new(GzOneMember::new(io::BufReader::with_capacity(
            64 << 10,
            input,
        ))),
        // Concatenated xz streams are read: `xz -dc` (GNU tar), libarchive (bsdtar) and
        // Python's lzma module all decode every stream, so no reader sees less than we do.
        Codec::Xz => Box::new(XzStreams::new(
            io::BufReader::with_capacity(64 << 10, input),
            max_dict,
        )?),
        // Every bzip2 stream, for the same reason (bzip2 -dc, libarchive, Python's bz2).
        Codec::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(input)),
        // The zstd decoder reads every frame (and skips skippable frames) by default, as
        // `zstd -dc` and libarchive do; the window it may allocate is bounded.
        Codec::Zstd => {
            let mut d = zstd::stream::read::Decoder::new(input)?;
            d.window_log_max(max_dict.max(1 << 10).ilog2())?;
            Box::new(d)
        }
    })
}

/// Exactly one gzip member, then nothing but zero bytes.
///
/// Concatenated members are legal (RFC 1952 §2.2) and GNU tar (through `gzip -dc`), bsdtar,
/// Python and node-tar decode all of them, but cargo reads `.crate` files through flate2's
/// `GzDecoder`, which stops after the first member: a second member could hide entries from
/// one installer and not another, so it is refused. Zero bytes after the member are padding
/// (`gzip -d` ignores them, so does Python); any other byte is corruption (gzip calls it
/// "trailing garbage" and fails).
struct GzOneMember<R: BufRead> {
    dec: Option<flate2::bufread::GzDecoder<R>>,
}

impl<R: BufRead> GzOneMember<R> {
    fn new(input: R) -> Self {
        GzOneMember {
            dec: Some(flate2::bufread::GzDecoder::new(input)),
        }
    }
}

impl<R: BufRead> Read for GzOneMember<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(dec) = self.dec.as_mut() else {
            return Ok(0);
        };
        if buf.is_empty() {
            return Ok(0);
        }
        let n = dec.read(buf)?;
        if n > 0 {
            return Ok(n);
        }
        let mut input = self.dec.take().expect("checked above").into_inner();
        let mut first = true;
        loop {
            let b = input.fill_buf()?;
            if b.is_empty() {
                return Ok(0);
            }
            if first && b.starts_with(&[0x1f, 0x8b]) {
                return Err(io::Error::other(Refusal {
                    construct: "a second gzip member".into(),
                    why: "cargo's gzip reader stops after the first member while GNU tar, bsdtar, Python and node-tar read on",
                }));
            }
            first = false;
            if let Some(p) = b.iter().position(|&x| x != 0) {
                let _ = p;
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "non-zero bytes after the gzip member (gzip: trailing garbage)",
                ));
            }
            let n = b.len();
            input.consume(n);
        }
    }
}

/// Threads for liblzma's multi-threaded decoder (it decodes the blocks of a multi-block file,
/// as `xz -T0` writes, in parallel; a single-block file is decoded on one thread as before).
fn xz_threads() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4) as u32)
}

/// Above this much memory the xz decoder uses fewer threads (then one, in direct mode) rather
/// than more memory: each thread holds a whole block and its dictionary. xz -6 -T0 (24 MiB
/// blocks, 8 MiB dictionary) needs 32 MiB for even one thread, which buys no parallelism over
/// direct mode (9 MiB): at 40 MiB it took the 32 and a check peaked at 103 MiB, at 24 MiB it
/// decodes directly. Small blocks (xz -1 -T0: 3 MiB) still get their threads.
const XZ_MEMLIMIT_THREADING: u64 = 24 << 20;

fn xz_stream_decoder(max_dict: u64) -> io::Result<liblzma::stream::Stream> {
    liblzma::stream::MtStreamBuilder::new()
        .threads(xz_threads())
        .memlimit_threading(XZ_MEMLIMIT_THREADING)
        .memlimit_stop(max_dict.saturating_add(XZ_OVERHEAD))
        .decoder()
        .map_err(io::Error::other)
}

/// Every concatenated .xz stream of the input, each through liblzma's multi-threaded decoder.
/// The crate's `MtStreamBuilder` cannot set `LZMA_CONCATENATED`, so the concatenation is done
/// here as liblzma does it: after a stream's end, NUL stream padding (a multiple of four
/// bytes), then either the end of the input or the next stream.
struct XzStreams<R: BufRead> {
    dec: Option<liblzma::bufread::XzDecoder<R>>,
    max_dict: u64,
}

impl<R: BufRead> XzStreams<R> {
    fn new(input: R, max_dict: u64) -> io::Result<Self> {
        Ok(XzStreams {
            dec: Some(liblzma::bufread::XzDecoder::new_stream(
                input,
                xz_stream_decoder(max_dict)?,
            )),
            max_dict,
        })
    }
}

impl<R: BufRead> Read for XzStreams<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let Some(dec) = self.dec.as_mut() else {
                return Ok(0);
            };
            let n = dec.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            // The end of one stream (a cut stream is an UnexpectedEof error above).
            let mut input = self.dec.take().expect("checked above").into_inner();
            let mut padding = 0u64;
            loop {
                let b = input.fill_buf()?;
                let zeros = b.iter().take_while(|&&x| x == 0).count();
                let rest = b.len() - zeros;
                input.consume(zeros);
                padding += zeros as u64;
                if zeros == 0 || rest > 0 {
                    break;
                }
            }
            if padding & 3 != 0 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "xz stream padding is not a multiple of four bytes",
                ));
            }
            if input.fill_buf()?.is_empty() {
                return Ok(0);
            }
            self.dec = Some(liblzma::bufread::XzDecoder::new_stream(
                input,
                xz_stream_decoder(self.max_dict)?,
            ));
        }
    }
}

fn classify(e: io::Error, at: u64) -> Fault {
    match raw_io_error(e) {
        Ok(raw) => Fault {
            kind: FaultKind::Io,
            detail: raw.to_string(),
            io: Some(raw),
            at,
            why: "",
        },
        Err(e) => {
            if let Some(r) = e.get_ref().and_then(|i| i.downcast_ref::<Refusal>()) {
                return Fault {
                    kind: FaultKind::Refused,
                    detail: r.construct.clone(),
                    io: None,
                    at,
                    why: r.why,
                };
            }
            let memlimit = e
                .get_ref()
                .and_then(|i| i.downcast_ref::<liblzma::stream::Error>())
                .is_some_and(|x| matches!(x, liblzma::stream::Error::MemLimit))
                // zstd's "Frame requires too much memory for decoding" (window_log_max).
                || e.to_string().contains("too much memory");
            let kind = if memlimit {
                FaultKind::Limit
            } else if e.kind() == io::ErrorKind::UnexpectedEof {
                FaultKind::Truncated
            } else {
                FaultKind::Corrupt
            };
            Fault {
                kind,
                detail: e.to_string(),
                io: None,
                at,
                why: "",
            }
        }
    }
}

fn run_decoder<R: Read + Send + 'static>(
    codec: Codec,
    max_dict: u64,
    input: R,
    count: Arc<AtomicU64>,
    full_tx: SyncSender<Msg>,
    empty_rx: Receiver<Vec<u8>>,
) {
    let mut dec = match make_decoder(codec, input, max_dict) {
        Ok(d) => d,
        Err(e) => {
            let _ = full_tx.send(Msg::Fault(classify(e, count.load(Ordering::Relaxed))));
            return;
        }
    };
    loop {
        let Ok(mut buf) = empty_rx.recv() else {
            return; // the parser stopped; nobody wants more
        };
        let mut n = 0;
        let outcome = loop {
            if n == buf.len() {
                break Ok(false);
            }
            match dec.read(&mut buf[n..]) {
                Ok(0) => break Ok(true),
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        if n > 0 && full_tx.send(Msg::Data(buf, n)).is_err() {
            return;
        }
        match outcome {
            Ok(false) => {}
            Ok(true) => {
                let _ = full_tx.send(Msg::Eof);
                return;
            }
            Err(e) => {
                let _ = full_tx.send(Msg::Fault(classify(e, count.load(Ordering::Relaxed))));
                return;
            }
        }
    }
}

impl Pipe {
    /// Starts the decoder thread over `input` (which should count into `count`).
    pub(crate) fn spawn<R: Read + Send + 'static>(
        codec: Codec,
        max_dict: u64,
        input: R,
        count: Arc<AtomicU64>,
    ) -> io::Result<Pipe> {
        let (full_tx, full_rx) = sync_channel(BUFFERS);
        let (empty_tx, empty_rx) = channel();
        for _ in 0..BUFFERS {
            // Cannot fail: the receiver is alive.
            let _ = empty_tx.send(vec![0u8; BUF_SIZE]);
        }
        let counter = count.clone();
        let handle = std::thread::Builder::new()
            .name("tarseal-decompress".into())
            .spawn(move || run_decoder(codec, max_dict, input, counter, full_tx, empty_rx))?;
        Ok(Pipe {
            full_rx: Some(full_rx),
            empty_tx: Some(empty_tx),
            handle: Some(handle),
            cur: Vec::new(),
            pos: 0,
            len: 0,
            total: 0,
            ended: false,
        })
    }

    /// The unread part of the current buffer, fetching the next one if it is exhausted.
    /// An empty slice means the end of the stream. `max_total` bounds the decompressed total.
    pub(crate) fn fill(&mut self, max_total: u64) -> Result<&[u8], PipeError> {
        if self.pos == self.len && !self.ended {
            let buf = std::mem::take(&mut self.cur);
            if buf.capacity() > 0 {
                if let Some(tx) = &self.empty_tx {
                    let _ = tx.send(buf);
                }
            }
            self.pos = 0;
            self.len = 0;
            let msg = match &self.full_rx {
                Some(rx) => rx.recv(),
                None => return Ok(&[]),
            };
            match msg {
                Ok(Msg::Data(b, n)) => {
                    self.cur = b;
                    self.len = n;
                    self.total += n as u64;
                    if self.total > max_total {
                        self.ended = true;
                        return Err(PipeError::TotalLimit);
                    }
                }
                Ok(Msg::Eof) => self.ended = true,
                Ok(Msg::Fault(f)) => {
                    self.ended = true;
                    return Err(PipeError::Fault(f));
                }
                Err(_) => {
                    self.ended = true;
                    return Err(PipeError::Fault(Fault {
                        kind: FaultKind::Corrupt,
                        detail: "the decompressor stopped unexpectedly".into(),
                        io: None,
                        at: 0,
                        why: "",
                    }));
                }
            }
        }
        Ok(&self.cur[self.pos..self.len])
    }

    /// Marks `n` bytes of the slice returned by [`Pipe::fill`] as read.
    #[inline]
    pub(crate) fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.len);
    }
}

/// Why [`Pipe::fill`] failed.
#[derive(Debug)]
pub(crate) enum PipeError {
    /// The decompressed total went over the limit.
    TotalLimit,
    /// The decoder failed.
    Fault(Fault),
}

impl Drop for Pipe {
    fn drop(&mut self) {
        // Closing both channels unblocks the decoder thread wherever it waits; it then exits
        // after at most one more buffer of work.
        self.empty_tx = None;
        self.full_rx = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: u32, k: u32) -> Vec<u8> {
        (0..n)
            .map(|i| (i * k % 251) as u8 ^ (i >> 12) as u8)
            .collect()
    }

    fn xz_one_block(d: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        liblzma::read::XzEncoder::new(d, 1)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    /// Many blocks, as `xz -T0` writes them: what the multi-threaded decoder parallelises.
    fn xz_blocks(d: &[u8]) -> Vec<u8> {
        let stream = liblzma::stream::MtStreamBuilder::new()
            .threads(2)
            .block_size(128 << 10)
            .preset(1)
            .encoder()
            .unwrap();
        let mut out = Vec::new();
        liblzma::read::XzEncoder::new_stream(d, stream)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn decode(bytes: Vec<u8>) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        XzStreams::new(io::Cursor::new(bytes), 64 << 20)?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn multi_block_and_concatenated_xz_streams() {
        let (a, b) = (data(1_500_000, 7), data(700_000, 13));
        assert_eq!(decode(xz_blocks(&a)).unwrap(), a);
        assert_eq!(decode(xz_one_block(&a)).unwrap(), a);
        // Two streams, with and without stream padding between them (and after the last).
        let mut ab = a.clone();
        ab.extend_from_slice(&b);
        for pad in [0, 4, 12] {
            let mut bytes = xz_blocks(&a);
            bytes.extend(std::iter::repeat_n(0u8, pad));
            bytes.extend(xz_one_block(&b));
            assert_eq!(decode(bytes.clone()).unwrap(), ab, "padding {pad}");
            bytes.extend([0u8; 8]);
            assert_eq!(decode(bytes).unwrap(), ab, "padding {pad} and after");
        }
    }

    #[test]
    fn bad_padding_garbage_and_cuts_are_errors() {
        let a = data(400_000, 7);
        let mut bytes = xz_one_block(&a);
        bytes.extend([0u8; 3]);
        assert_eq!(
            decode(bytes).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
        let mut bytes = xz_one_block(&a);
        bytes.extend(b"not xz");
        assert!(decode(bytes).is_err());
        let bytes = xz_blocks(&a);
        for cut in [10, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode(bytes[..cut].to_vec()).is_err(), "cut at {cut}");
        }
    }
}
