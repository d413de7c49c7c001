//! One pass over a release file's bytes (a path or an HTTP(S) download, never stored):
//! SHA-256 and MD5 on the reading thread, SHA-512 on a second, and every detached signature
//! verified on a thread of its own from the same chunks. verify, gate, sigs check and record
//! all hash through here, so a download is hashed exactly once and never trusted.

use md5::Digest as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tarseal_sig::{Keyring, SigStatus};

/// Largest sidecar file read (checksums, signatures, records).
pub const SIDECAR_MAX: u64 = 4 << 20;
const CHUNK: usize = 256 << 10;

/// Where a release file and its sidecars come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file on disk; sidecars are read beside it.
    Local(PathBuf),
    /// An `http://` or `https://` URL; sidecars are fetched beside it (same directory URL).
    Url(String),
}

impl Origin {
    /// Where the sidecar `name` of this file is: the same directory, or the same URL
    /// directory (query and fragment dropped).
    pub fn sidecar(&self, name: &str) -> String {
        match self {
            Origin::Local(p) => p
                .parent()
                .unwrap_or(Path::new("."))
                .join(name)
                .display()
                .to_string(),
            Origin::Url(u) => {
                let base = u.split(['?', '#']).next().unwrap_or(u);
                match base.rfind('/') {
                    Some(i) => format!("{}{name}", &base[..=i]),
                    None => name.to_string(),
                }
            }
        }
    }
}

/// A path or an http(s) URL given by the user was not usable.
#[derive(Debug, thiserror::Error)]
pub enum OriginError {
    /// The path does not name a regular file.
    #[error("{}: no such file", .0.display())]
    NoSuchFile(PathBuf),
    /// The path or URL ends in no file name (`https://host/`).
    #[error("{0}: cannot tell the file name")]
    NoFileName(String),
}

/// A path or an http(s) URL, and the file name it ends in (what checksum files and records
/// name). A path must be a regular file.
pub fn origin_of(file: &str) -> Result<(Origin, String), OriginError> {
    let is_url = file.starts_with("http://") || file.starts_with("https://");
    let origin = if is_url {
        Origin::Url(file.to_string())
    } else {
        let p = PathBuf::from(file);
        if !p.is_file() {
            return Err(OriginError::NoSuchFile(p));
        }
        Origin::Local(p)
    };
    let name = match &origin {
        Origin::Local(p) => p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        Origin::Url(u) => {
            let base = u.split(['?', '#']).next().unwrap_or(u);
            base.rsplit('/').next().unwrap_or_default().to_string()
        }
    };
    if name.is_empty() {
        return Err(OriginError::NoFileName(file.to_string()));
    }
    Ok((origin, name))
}

/// The HTTP agent of verify, gate and sigs check: `timeout` seconds to connect and for a
/// response's head, 20 times that for a body (a stalled server is abandoned, never waited on).
pub fn agent(timeout: u64) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(timeout)))
        .timeout_recv_response(Some(Duration::from_secs(timeout)))
        .timeout_recv_body(Some(Duration::from_secs(timeout.max(1) * 20)))
        .http_status_as_error(true)
        .build()
        .into()
}

/// A sidecar (checksum file, signature, record) could not be read. Names the location.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The HTTP request failed (other than a status, which means "absent").
    #[error("{loc}: {source}")]
    Http {
        /// The URL.
        loc: String,
        /// What ureq reported.
        source: Box<ureq::Error>,
    },
    /// Reading the file or the response body failed.
    #[error("{loc}: {source}")]
    Read {
        /// The path or URL.
        loc: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Larger than [`SIDECAR_MAX`]: no sidecar is that big, so it is not read further.
    #[error("{loc}: larger than {max} bytes")]
    TooLarge {
        /// The path or URL.
        loc: String,
        /// The limit.
        max: u64,
    },
    /// A file the user named explicitly does not exist.
    #[error("{0}: no such file")]
    Missing(String),
}

/// What the verifiers share: the HTTP agent and the keyring signatures count against.
pub struct Ctx {
    /// The HTTP agent ([`agent`]).
    pub agent: ureq::Agent,
    /// Keys whose signatures count.
    pub keyring: Keyring,
}

impl Ctx {
    /// A sidecar's bytes; `Ok(None)` when absent (no such file, an HTTP error status).
    pub fn fetch(&self, loc: &str) -> Result<Option<Vec<u8>>, FetchError> {
        let read = |e: std::io::Error| FetchError::Read {
            loc: loc.to_string(),
            source: e,
        };
        let mut buf = Vec::new();
        if loc.starts_with("http://") || loc.starts_with("https://") {
            let resp = match self.agent.get(loc).call() {
                Ok(r) => r,
                Err(ureq::Error::StatusCode(_)) => return Ok(None),
                Err(e) => {
                    return Err(FetchError::Http {
                        loc: loc.to_string(),
                        source: Box::new(e),
                    })
                }
            };
            resp.into_body()
                .into_reader()
                .take(SIDECAR_MAX + 1)
                .read_to_end(&mut buf)
                .map_err(read)?;
        } else {
            match std::fs::File::open(loc) {
                Ok(f) => {
                    f.take(SIDECAR_MAX + 1)
                        .read_to_end(&mut buf)
                        .map_err(read)?;
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(read(e)),
            }
        }
        if buf.len() as u64 > SIDECAR_MAX {
            return Err(FetchError::TooLarge {
                loc: loc.to_string(),
                max: SIDECAR_MAX,
            });
        }
        Ok(Some(buf))
    }

    /// As [`Ctx::fetch`], for a file the user named: absence is an error.
    pub fn fetch_required(&self, loc: &str) -> Result<Vec<u8>, FetchError> {
        self.fetch(loc)?
            .ok_or_else(|| FetchError::Missing(loc.to_string()))
    }
}

/// A `Read` over chunks sent by the reading thread (one per signature verifier).
struct ChunkReader {
    rx: Mutex<Receiver<Arc<Vec<u8>>>>,
    cur: Option<Arc<Vec<u8>>>,
    pos: usize,
}

impl Read for ChunkReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if let Some(c) = &self.cur {
                if self.pos < c.len() {
                    let n = out.len().min(c.len() - self.pos);
                    out[..n].copy_from_slice(&c[self.pos..self.pos + n]);
                    self.pos += n;
                    return Ok(n);
                }
            }
            let next = self.rx.lock().expect("not poisoned").recv();
            match next {
                Ok(c) => {
                    self.cur = Some(c);
                    self.pos = 0;
                }
                Err(_) => return Ok(0),
            }
        }
    }
}

/// Why a detached signature file yielded no per-signature status.
#[derive(Debug, thiserror::Error)]
pub enum SigFileError {
    /// Not an OpenPGP signature, or reading the data failed.
    #[error(transparent)]
    Verify(#[from] tarseal_sig::VerifyError),
    /// The verifier thread panicked (a bug; reported, never a pass).
    #[error("verifier failed")]
    Panicked,
}

/// What the one pass over the bytes produced.
#[derive(Debug)]
pub struct Streamed {
    /// Bytes read.
    pub size: u64,
    /// The `Content-Length` a server announced (equal to `size`, or the stream is refused).
    pub content_length: Option<u64>,
    /// Lower-case hex SHA-256.
    pub sha256: String,
    /// Lower-case hex SHA-512.
    pub sha512: String,
    /// Lower-case hex MD5 (informational only).
    pub md5: String,
    /// Per detached signature given, in order: its statuses (or why none).
    pub sig_results: Vec<Result<Vec<SigStatus>, SigFileError>>,
}

/// The bytes could not be read to the end.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// The file could not be opened (exit 2).
    #[error("cannot open {}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Reading the file failed (exit 2).
    #[error("reading {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The server answered with an error status (exit 2).
    #[error("{url}: HTTP status {status}")]
    HttpStatus {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// The request failed (exit 2).
    #[error("{url}: {source}")]
    Http {
        /// The URL.
        url: String,
        /// What ureq reported.
        source: Box<ureq::Error>,
    },
    /// The download stopped before its end: proven incomplete (exit 1).
    #[error("the download of {url} stopped after {got} bytes{}: {source}", announced.map(|l| format!(" of {l} announced")).unwrap_or_default())]
    Cut {
        /// The URL.
        url: String,
        /// Bytes received.
        got: u64,
        /// The `Content-Length` announced.
        announced: Option<u64>,
        /// The cause.
        source: std::io::Error,
    },
    /// The server sent another number of bytes than it announced: inconsistent (exit 1).
    #[error("the server announced Content-Length {announced} but sent {got} bytes")]
    Length {
        /// `Content-Length`.
        announced: u64,
        /// Bytes received.
        got: u64,
    },
}

impl StreamError {
    /// Whether the download is proven incomplete or inconsistent (a rejection, exit 1),
    /// rather than the bytes being unobtainable (exit 2).
    pub fn is_rejection(&self) -> bool {
        matches!(self, StreamError::Cut { .. } | StreamError::Length { .. })
    }
}

/// Streams the bytes once: SHA-256 + MD5 on the reading thread, SHA-512 on a second, each
/// detached signature of `sigs` verified on a thread of its own from the same chunks.
pub fn stream(ctx: &Ctx, origin: &Origin, sigs: &[Vec<u8>]) -> Result<Streamed, StreamError> {
    let (mut input, content_length): (Box<dyn Read>, Option<u64>) = match origin {
        Origin::Local(p) => (
            Box::new(std::fs::File::open(p).map_err(|e| StreamError::Open {
                path: p.clone(),
                source: e,
            })?),
            None,
        ),
        Origin::Url(u) => {
            let resp = ctx.agent.get(u).call().map_err(|e| match e {
                ureq::Error::StatusCode(c) => StreamError::HttpStatus {
                    url: u.clone(),
                    status: c,
                },
                e => StreamError::Http {
                    url: u.clone(),
                    source: Box::new(e),
                },
            })?;
            let len = resp
                .headers()
                .get("content-length")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            (Box::new(resp.into_body().into_reader()), len)
        }
    };
    std::thread::scope(|s| {
        let mut senders: Vec<SyncSender<Arc<Vec<u8>>>> = Vec::new();
        let (tx512, rx512) = sync_channel::<Arc<Vec<u8>>>(4);
        senders.push(tx512);
        let sha512 = s.spawn(move || {
            let mut h = sha2::Sha512::new();
            for c in rx512 {
                h.update(&c[..]);
            }
            hex::encode(h.finalize())
        });
        let mut verifiers = Vec::new();
        for sig in sigs {
            let (tx, rx) = sync_channel::<Arc<Vec<u8>>>(4);
            senders.push(tx);
            let keyring = &ctx.keyring;
            verifiers.push(s.spawn(move || {
                let reader = ChunkReader {
                    rx: Mutex::new(rx),
                    cur: None,
                    pos: 0,
                };
                tarseal_sig::verify_detached(keyring, sig, reader, None).map_err(SigFileError::from)
            }));
        }
        let mut sha256 = sha2::Sha256::new();
        let mut md5 = md5::Md5::new();
        let mut size = 0u64;
        let mut failure = None;
        loop {
            let mut buf = vec![0u8; CHUNK];
            let n = match input.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    failure = Some(match origin {
                        Origin::Url(u) => StreamError::Cut {
                            url: u.clone(),
                            got: size,
                            announced: content_length,
                            source: e,
                        },
                        Origin::Local(p) => StreamError::Read {
                            path: p.clone(),
                            source: e,
                        },
                    });
                    break;
                }
            };
            buf.truncate(n);
            size += n as u64;
            sha256.update(&buf);
            md5.update(&buf);
            let chunk = Arc::new(buf);
            // A verifier that gave up (a malformed signature) simply stops receiving.
            senders.retain(|tx| tx.send(chunk.clone()).is_ok());
        }
        drop(senders);
        let sha512 = sha512.join().expect("sha512 thread");
        let sig_results: Vec<_> = verifiers
            .into_iter()
            .map(|h| h.join().unwrap_or(Err(SigFileError::Panicked)))
            .collect();
        if let Some(f) = failure {
            return Err(f);
        }
        if let Some(len) = content_length {
            if len != size {
                return Err(StreamError::Length {
                    announced: len,
                    got: size,
                });
            }
        }
        Ok(Streamed {
            size,
            content_length,
            sha256: hex::encode(sha256.finalize()),
            sha512,
            md5: hex::encode(md5.finalize()),
            sig_results,
        })
    })
}

/// The status's name in reports (`good`, `bad`, `expired`, ...), shared by verify and gate.
pub fn status_name(s: &SigStatus) -> &'static str {
    match s {
        SigStatus::Good(_) => "good",
        SigStatus::Bad { .. } => "bad",
        SigStatus::Expired { .. } => "expired",
        SigStatus::Revoked { .. } => "revoked",
        SigStatus::UnknownKey { .. } => "unknown-key",
        SigStatus::NotSigningCapable { .. } => "not-signing-capable",
        SigStatus::WeakAlgorithm { .. } => "weak-algorithm",
        SigStatus::NotAlive { .. } => "not-alive",
        SigStatus::InvalidKey { .. } => "invalid-key",
        SigStatus::Malformed { .. } => "malformed",
    }
}
