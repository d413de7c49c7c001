//! Digests of the archive file's own bytes (MD5, SHA-256, SHA-512), computed during the one
//! read that also parses the archive, on a thread of their own.
//!
//! For the tar formats a *tee* thread reads the raw input, hashes each chunk and hands the
//! same buffer on to the decoder thread (no copy; buffers are recycled as in `pipe`). When the
//! decoder stops early (a parse error), the tee keeps reading to the end only if the digests
//! are still wanted. So the pipeline is tee → decoder → parser, three threads, each bounded
//! by a few buffers. Zip needs random access and is read on the calling thread: its digests
//! are computed by a separate sequential pass before the parse (the file is read twice).

use md5::Digest as _;
use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Size of one tee buffer (compressed bytes).
const TEE_BUF: usize = 256 << 10;
/// Buffers in flight between the tee and the decoder.
const TEE_BUFFERS: usize = 4;

/// Digests of the raw bytes of the input, from its starting position to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawDigests {
    /// Bytes hashed (the file size when read from the start).
    pub bytes: u64,
    /// MD5: for legacy users only, never a match criterion.
    pub md5: [u8; 16],
    /// SHA-256.
    pub sha256: [u8; 32],
    /// SHA-512.
    pub sha512: [u8; 64],
}

/// Something besides the built-in digests that must see every raw byte of the input during
/// the same read — the hash of a detached signature, for instance, so that `tarseal seal`
/// signs exactly the bytes it checked without reading the file twice. Fed on the digest
/// thread, in order, from the start of the input.
pub trait RawSink: Send {
    /// The next bytes of the input.
    fn update(&mut self, data: &[u8]);

    /// Whether this sink computes the plain SHA-512 of every byte it is fed and can hand it
    /// out ([`RawSink::sha512`]). If so, the reader takes [`RawDigests::sha512`] from the sink
    /// instead of hashing the bytes with SHA-512 a second time (a v4 OpenPGP signature with
    /// SHA-512 hashes exactly the data before its trailer). Asked once, before the first byte.
    fn computes_sha512(&self) -> bool {
        false
    }

    /// The SHA-512 of every byte fed so far, if [`RawSink::computes_sha512`] said so. Asked
    /// once, after the last byte; must not disturb what the sink goes on to do with its state.
    fn sha512(&mut self) -> Option<[u8; 64]> {
        None
    }
}

/// A shared [`RawSink`]. Cloneable so that [`crate::ReadOptions`] stays cloneable; the caller
/// keeps its own `Arc` to take the sink's state after the read.
#[derive(Clone)]
pub struct RawObserver(Arc<Mutex<dyn RawSink>>);

impl RawObserver {
    /// Wraps the caller's sink.
    pub fn new<S: RawSink + 'static>(sink: Arc<Mutex<S>>) -> RawObserver {
        RawObserver(sink)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, dyn RawSink + 'static> {
        // A panic in another holder of the lock does not make the bytes wrong.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn update(&self, data: &[u8]) {
        self.lock().update(data);
    }
}

impl std::fmt::Debug for RawObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RawObserver(..)")
    }
}

/// The three hashes (and the caller's observer), fed together. The SHA-512 is the
/// observer's when it computes one ([`RawSink::computes_sha512`]): SHA-512 is the costliest of
/// the three (~730 MiB/s here, `cargo bench -p tarseal-archive -- raw/`), so `seal` must not
/// pay for it twice.
pub(crate) struct RawHasher {
    bytes: u64,
    /// `None` when another thread computes the MD5 (the tee's MD5 stage).
    md5: Option<md5::Md5>,
    sha256: sha2::Sha256,
    /// `None` when the observer provides the SHA-512.
    sha512: Option<sha2::Sha512>,
    observer: Option<RawObserver>,
}

impl RawHasher {
    pub(crate) fn new(observer: Option<RawObserver>) -> RawHasher {
        RawHasher::with_md5(observer, true)
    }

    fn with_md5(observer: Option<RawObserver>, md5: bool) -> RawHasher {
        let own_sha512 = !observer
            .as_ref()
            .is_some_and(|o| o.lock().computes_sha512());
        RawHasher {
            bytes: 0,
            md5: md5.then(md5::Md5::new),
            sha256: sha2::Sha256::new(),
            sha512: own_sha512.then(sha2::Sha512::new),
            observer,
        }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        self.bytes += data.len() as u64;
        if let Some(h) = &mut self.md5 {
            h.update(data);
        }
        self.sha256.update(data);
        if let Some(h) = &mut self.sha512 {
            h.update(data);
        }
        if let Some(o) = &self.observer {
            o.update(data);
        }
    }

    pub(crate) fn finish(self) -> io::Result<RawDigests> {
        self.finish_with_md5(None)
    }

    /// Finishes, with the MD5 computed elsewhere when this hasher did not compute it.
    fn finish_with_md5(self, md5: Option<[u8; 16]>) -> io::Result<RawDigests> {
        let md5 = match (self.md5, md5) {
            (Some(h), _) => h.finalize().into(),
            (None, Some(m)) => m,
            (None, None) => return Err(io::Error::other("the MD5 thread failed")),
        };
        let sha512 = match (self.sha512, &self.observer) {
            (Some(h), _) => h.finalize().into(),
            (None, Some(o)) => o.lock().sha512().ok_or_else(|| {
                io::Error::other("the raw observer did not provide the SHA-512 it computed")
            })?,
            (None, None) => unreachable!("RawHasher::new hashes SHA-512 itself without observer"),
        };
        Ok(RawDigests {
            bytes: self.bytes,
            md5,
            sha256: self.sha256.finalize().into(),
            sha512,
        })
    }
}

/// Hashes everything `input` yields (the zip path).
pub(crate) fn hash_all<R: Read>(
    input: &mut R,
    observer: Option<RawObserver>,
) -> io::Result<RawDigests> {
    let mut h = RawHasher::new(observer);
    let mut buf = vec![0u8; TEE_BUF];
    loop {
        match input.read(&mut buf) {
            Ok(0) => return h.finish(),
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

type Chunk = io::Result<(Vec<u8>, usize)>;

/// The decoder's input when digests are wanted: what the tee thread hands over.
pub(crate) struct TeeReader {
    rx: Receiver<Chunk>,
    back: Sender<Vec<u8>>,
    cur: Vec<u8>,
    pos: usize,
    len: usize,
    done: bool,
}

impl Read for TeeReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        while self.pos == self.len {
            if self.done {
                return Ok(0);
            }
            let old = std::mem::take(&mut self.cur);
            if old.capacity() > 0 {
                let _ = self.back.send(old);
            }
            self.pos = 0;
            self.len = 0;
            match self.rx.recv() {
                Ok(Ok((b, n))) => {
                    self.cur = b;
                    self.len = n;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                // The tee reached the end of the input (it drops its sender).
                Err(_) => {
                    self.done = true;
                    return Ok(0);
                }
            }
        }
        let n = out.len().min(self.len - self.pos);
        out[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// The running tee thread.
pub(crate) struct Tee {
    handle: Option<JoinHandle<io::Result<RawDigests>>>,
    /// Set when the digests are no longer wanted (the read failed): the tee stops.
    stop: Arc<AtomicBool>,
}

impl Tee {
    /// Starts the tee over `input`; returns it and the reader the decoder should consume.
    pub(crate) fn spawn<R: Read + Send + 'static>(
        mut input: R,
        observer: Option<RawObserver>,
    ) -> io::Result<(Tee, TeeReader)> {
        let (tx, rx): (SyncSender<Chunk>, Receiver<Chunk>) = sync_channel(TEE_BUFFERS);
        let (back_tx, back_rx) = channel::<Vec<u8>>();
        for _ in 0..TEE_BUFFERS {
            let _ = back_tx.send(vec![0u8; TEE_BUF]);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        // The MD5 stage between the tee and the decoder: the tee reads and computes SHA-256
        // and SHA-512 (or feeds the observer), the stage computes MD5 of the same buffer and
        // hands it on. Two threads of ~0.8 s each instead of one of ~1.6 s for a 369 MiB
        // tarball, so the scheduler can spread seal's extra work over both cores.
        let (stage_tx, stage_rx): (SyncSender<Chunk>, Receiver<Chunk>) = sync_channel(TEE_BUFFERS);
        let md5_stage = std::thread::Builder::new()
            .name("tarseal-raw-md5".into())
            .spawn(move || -> [u8; 16] {
                let mut md5 = md5::Md5::new();
                let mut forwarding = true;
                for chunk in stage_rx {
                    match chunk {
                        Ok((buf, n)) => {
                            md5.update(&buf[..n]);
                            // Once the decoder is gone, buffers end here (the tee then
                            // allocates its own).
                            if forwarding && tx.send(Ok((buf, n))).is_err() {
                                forwarding = false;
                            }
                        }
                        Err(e) => {
                            if forwarding {
                                let _ = tx.send(Err(e));
                            }
                        }
                    }
                }
                md5.finalize().into()
            })?;
        let handle = std::thread::Builder::new()
            .name("tarseal-raw-digest".into())
            .spawn(move || -> io::Result<RawDigests> {
                let mut h = RawHasher::with_md5(observer, false);
                // Buffers come back from the decoder while it lives; then the tee reads on
                // into buffers of its own.
                let mut pooled = true;
                let mut run = || -> io::Result<()> {
                    loop {
                        if stop2.load(Ordering::Relaxed) {
                            return Err(io::Error::other("raw digests no longer wanted"));
                        }
                        let mut buf = if pooled {
                            match back_rx.recv() {
                                Ok(b) => b,
                                Err(_) => {
                                    pooled = false;
                                    vec![0u8; TEE_BUF]
                                }
                            }
                        } else {
                            vec![0u8; TEE_BUF]
                        };
                        if buf.len() < TEE_BUF {
                            buf.resize(TEE_BUF, 0);
                        }
                        let n = loop {
                            match input.read(&mut buf) {
                                Ok(n) => break n,
                                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                                Err(e) => {
                                    let kind = e.kind();
                                    let msg = e.to_string();
                                    let _ = stage_tx.send(Err(e));
                                    return Err(io::Error::new(kind, msg));
                                }
                            }
                        };
                        if n == 0 {
                            return Ok(());
                        }
                        h.update(&buf[..n]);
                        if stage_tx.send(Ok((buf, n))).is_err() {
                            return Err(io::Error::other("the MD5 thread failed"));
                        }
                    }
                };
                let result = run();
                drop(stage_tx);
                let md5 = md5_stage.join().ok();
                result?;
                h.finish_with_md5(md5)
            })?;
        Ok((
            Tee {
                handle: Some(handle),
                stop,
            },
            TeeReader {
                rx,
                back: back_tx,
                cur: Vec::new(),
                pos: 0,
                len: 0,
                done: false,
            },
        ))
    }

    /// Waits for the tee to reach the end of the input and returns the digests.
    pub(crate) fn finish(mut self) -> io::Result<RawDigests> {
        match self.handle.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) | None => Err(io::Error::other("the raw digest thread failed")),
        }
    }
}

impl Drop for Tee {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.stop.store(true, Ordering::Relaxed);
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tee_hashes_everything_even_when_the_consumer_stops() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let want = hash_all(&mut &data[..], None).unwrap();
        let (tee, mut r) = Tee::spawn(io::Cursor::new(data.clone()), None).unwrap();
        let mut first = vec![0u8; 1000];
        r.read_exact(&mut first).unwrap();
        assert_eq!(first, data[..1000]);
        drop(r);
        assert_eq!(tee.finish().unwrap(), want);
        assert_eq!(want.bytes, 3_000_000);

        let (tee, mut r) = Tee::spawn(io::Cursor::new(data.clone()), None).unwrap();
        let mut all = Vec::new();
        r.read_to_end(&mut all).unwrap();
        assert_eq!(all, data);
        assert_eq!(tee.finish().unwrap(), want);
    }

    /// Yields `ok` bytes, then fails.
    struct Failing {
        ok: usize,
        pos: usize,
    }
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.pos == self.ok {
                return Err(io::Error::new(io::ErrorKind::PermissionDenied, "disk gone"));
            }
            let n = buf.len().min(self.ok - self.pos).min(100_000);
            buf[..n].fill(7);
            self.pos += n;
            Ok(n)
        }
    }

    #[test]
    fn a_read_error_reaches_the_decoder_after_the_data_before_it() {
        let (tee, mut r) = Tee::spawn(
            Failing {
                ok: 1_000_000,
                pos: 0,
            },
            None,
        )
        .unwrap();
        let mut got = Vec::new();
        let err = r.read_to_end(&mut got).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
        assert_eq!(got.len(), 1_000_000);
        assert_eq!(
            tee.finish().unwrap_err().kind(),
            io::ErrorKind::PermissionDenied
        );
    }

    struct Collect(Vec<u8>);
    impl RawSink for Collect {
        fn update(&mut self, data: &[u8]) {
            self.0.extend_from_slice(data);
        }
    }

    /// An observer that computes the SHA-512 itself (as seal's signature hash does).
    struct Sha512Sink(sha2::Sha512, bool);
    impl RawSink for Sha512Sink {
        fn update(&mut self, data: &[u8]) {
            self.0.update(data);
        }
        fn computes_sha512(&self) -> bool {
            true
        }
        fn sha512(&mut self) -> Option<[u8; 64]> {
            self.1.then(|| self.0.clone().finalize().into())
        }
    }

    #[test]
    fn sha512_from_the_observer_is_the_same_digest() {
        let data: Vec<u8> = (0..2_000_000u32).map(|i| (i * 31 % 253) as u8).collect();
        let want = hash_all(&mut &data[..], None).unwrap();
        let sink = || {
            Some(RawObserver::new(Arc::new(Mutex::new(Sha512Sink(
                sha2::Sha512::new(),
                true,
            )))))
        };
        assert_eq!(hash_all(&mut &data[..], sink()).unwrap(), want);
        let (tee, mut r) = Tee::spawn(io::Cursor::new(data.clone()), sink()).unwrap();
        io::copy(&mut r, &mut io::sink()).unwrap();
        assert_eq!(tee.finish().unwrap(), want);
        // A sink that claims the SHA-512 but has none makes the read fail, never a wrong digest.
        let liar = Some(RawObserver::new(Arc::new(Mutex::new(Sha512Sink(
            sha2::Sha512::new(),
            false,
        )))));
        assert!(hash_all(&mut &data[..], liar).is_err());
    }

    #[test]
    fn observer_sees_every_byte_in_order() {
        let data: Vec<u8> = (0..1_500_000u32).map(|i| (i * 13 % 241) as u8).collect();
        // Tee path (tar formats), even when the consumer stops early.
        let sink = Arc::new(Mutex::new(Collect(Vec::new())));
        let (tee, mut r) = Tee::spawn(
            io::Cursor::new(data.clone()),
            Some(RawObserver::new(sink.clone())),
        )
        .unwrap();
        let mut first = vec![0u8; 10];
        r.read_exact(&mut first).unwrap();
        drop(r);
        tee.finish().unwrap();
        assert!(sink.lock().unwrap().0 == data);
        // Sequential path (zip).
        let sink = Arc::new(Mutex::new(Collect(Vec::new())));
        hash_all(&mut &data[..], Some(RawObserver::new(sink.clone()))).unwrap();
        assert!(sink.lock().unwrap().0 == data);
    }
}
