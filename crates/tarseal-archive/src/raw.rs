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
use std::sync::Arc;
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

/// The three hashes, fed together.
#[derive(Default)]
pub(crate) struct RawHasher {
    bytes: u64,
    md5: md5::Md5,
    sha256: sha2::Sha256,
    sha512: sha2::Sha512,
}

impl RawHasher {
    pub(crate) fn update(&mut self, data: &[u8]) {
        self.bytes += data.len() as u64;
        self.md5.update(data);
        self.sha256.update(data);
        self.sha512.update(data);
    }

    pub(crate) fn finish(self) -> RawDigests {
        RawDigests {
            bytes: self.bytes,
            md5: self.md5.finalize().into(),
            sha256: self.sha256.finalize().into(),
            sha512: self.sha512.finalize().into(),
        }
    }
}

/// Hashes everything `input` yields (the zip path).
pub(crate) fn hash_all<R: Read>(input: &mut R) -> io::Result<RawDigests> {
    let mut h = RawHasher::default();
    let mut buf = vec![0u8; TEE_BUF];
    loop {
        match input.read(&mut buf) {
            Ok(0) => return Ok(h.finish()),
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
    pub(crate) fn spawn<R: Read + Send + 'static>(mut input: R) -> io::Result<(Tee, TeeReader)> {
        let (tx, rx): (SyncSender<Chunk>, Receiver<Chunk>) = sync_channel(TEE_BUFFERS);
        let (back_tx, back_rx) = channel::<Vec<u8>>();
        for _ in 0..TEE_BUFFERS {
            let _ = back_tx.send(vec![0u8; TEE_BUF]);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let handle = std::thread::Builder::new()
            .name("tarseal-raw-digest".into())
            .spawn(move || -> io::Result<RawDigests> {
                let mut h = RawHasher::default();
                // Once the decoder is gone, the tee reads on into a buffer of its own.
                let mut forwarding = true;
                let mut spare = Vec::new();
                loop {
                    if stop2.load(Ordering::Relaxed) {
                        return Err(io::Error::other("raw digests no longer wanted"));
                    }
                    let mut buf = if forwarding {
                        match back_rx.recv() {
                            Ok(b) => b,
                            Err(_) => {
                                forwarding = false;
                                vec![0u8; TEE_BUF]
                            }
                        }
                    } else {
                        std::mem::take(&mut spare)
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
                                if forwarding {
                                    let _ = tx.send(Err(e));
                                }
                                return Err(io::Error::new(kind, msg));
                            }
                        }
                    };
                    if n == 0 {
                        return Ok(h.finish());
                    }
                    h.update(&buf[..n]);
                    if forwarding {
                        if let Err(e) = tx.send(Ok((buf, n))) {
                            forwarding = false;
                            if let Ok((b, _)) = e.0 {
                                spare = b;
                            }
                        }
                    } else {
                        spare = buf;
                    }
                }
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
        let want = hash_all(&mut &data[..]).unwrap();
        let (tee, mut r) = Tee::spawn(io::Cursor::new(data.clone())).unwrap();
        let mut first = vec![0u8; 1000];
        r.read_exact(&mut first).unwrap();
        assert_eq!(first, data[..1000]);
        drop(r);
        assert_eq!(tee.finish().unwrap(), want);
        assert_eq!(want.bytes, 3_000_000);

        let (tee, mut r) = Tee::spawn(io::Cursor::new(data.clone())).unwrap();
        let mut all = Vec::new();
        r.read_to_end(&mut all).unwrap();
        assert_eq!(all, data);
        assert_eq!(tee.finish().unwrap(), want);
    }
}
