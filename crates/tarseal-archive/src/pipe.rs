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

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Size of one pipeline buffer. 256 KiB stays within L2 on most machines while amortising
/// channel hand-offs.
pub(crate) const BUF_SIZE: usize = 256 << 10;
/// Number of pipeline buffers in flight.
pub(crate) const BUFFERS: usize = 4;
/// Upper bound on what the xz decoder may allocate (its dictionary is declared by the
/// archive; xz -9 needs 64 MiB, so this only stops hostile headers).
const XZ_MEMLIMIT: u64 = 1 << 30;

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
}

/// An error from the decoder thread, with the compressed offset where it happened.
#[derive(Debug)]
pub(crate) struct Fault {
    pub(crate) kind: FaultKind,
    pub(crate) detail: String,
    pub(crate) io: Option<io::Error>,
    /// Compressed bytes consumed when the fault was seen.
    pub(crate) at: u64,
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
) -> io::Result<Box<dyn Read + Send>> {
    Ok(match codec {
        Codec::Identity => Box::new(input),
        // Concatenated gzip members are legal (RFC 1952 §2.2) and `gzip -dc`, hence
        // `tar xzf`, decodes all of them. git archive writes one member, but reading only the
        // first would let a second member hide entries from us that an extractor would see.
        // Non-gzip bytes after the last member are reported as corruption (gzip warns too).
        Codec::Gzip => Box::new(flate2::read::MultiGzDecoder::new(
            io::BufReader::with_capacity(64 << 10, input),
        )),
        // Multi-stream for the same reason as gzip (`xz -dc` decodes concatenated streams).
        Codec::Xz => {
            let stream = liblzma::stream::Stream::new_stream_decoder(
                XZ_MEMLIMIT,
                liblzma::stream::CONCATENATED,
            )
            .map_err(io::Error::other)?;
            Box::new(liblzma::read::XzDecoder::new_stream(input, stream))
        }
        Codec::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(input)),
        // The zstd decoder reads every frame (and skips skippable frames) by default.
        Codec::Zstd => Box::new(zstd::stream::read::Decoder::new(input)?),
    })
}

fn classify(e: io::Error, at: u64) -> Fault {
    match raw_io_error(e) {
        Ok(raw) => Fault {
            kind: FaultKind::Io,
            detail: raw.to_string(),
            io: Some(raw),
            at,
        },
        Err(e) => {
            let kind = if e.kind() == io::ErrorKind::UnexpectedEof {
                FaultKind::Truncated
            } else {
                FaultKind::Corrupt
            };
            Fault {
                kind,
                detail: e.to_string(),
                io: None,
                at,
            }
        }
    }
}

fn run_decoder<R: Read + Send + 'static>(
    codec: Codec,
    input: R,
    count: Arc<AtomicU64>,
    full_tx: SyncSender<Msg>,
    empty_rx: Receiver<Vec<u8>>,
) {
    let mut dec = match make_decoder(codec, input) {
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
            .spawn(move || run_decoder(codec, input, counter, full_tx, empty_rx))?;
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
