//! `tarseal verify FILE|URL`: re-hash the bytes (a download is hashed as it arrives and never
//! trusted) and hold them against the checksum files, the seal record and the detached
//! signatures found beside them, each signature verified against `--keyring`.
//!
//! Decision (docs/verify-schema.md): exit 1 on any SHA-256/SHA-512/size mismatch, a BAD
//! signature by a keyring key, or a download cut short; else 0 when at least one source that
//! a good keyring signature vouches for matches the bytes and the distinct good keys reach
//! `--threshold`; else 3. MD5 is printed and compared only for a warning.

use crate::sums;
use crate::{load_keyring, Format, EXIT_USAGE};
use clap::Args;
use md5::Digest as _;
use serde::Serialize;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tarseal_record::Record;
use tarseal_sig::{Keyring, SigStatus};

/// Schema of `--format json`.
pub const SCHEMA: &str = "tarseal.verify/v1";
/// Largest sidecar file read (checksums, signatures, records).
const SIDECAR_MAX: u64 = 4 << 20;
const CHUNK: usize = 256 << 10;

#[derive(Args)]
pub(crate) struct VerifyArgs {
    /// The file to verify: a path, or an http:// or https:// URL (downloaded and hashed as it
    /// arrives, never stored).
    file: String,
    /// Keys whose signatures count (repeatable; OpenPGP exports).
    #[arg(long, value_name = "FILE")]
    keyring: Vec<PathBuf>,
    /// A checksum file (coreutils format; SHA256SUMS-style or NAME.sha256/.sha512/.md5), in
    /// addition to those found beside FILE; its signature is looked for at SUMS.asc.
    #[arg(long, value_name = "FILE")]
    sums: Vec<PathBuf>,
    /// A seal record (NAME.seal), in addition to the one found beside FILE; its signature is
    /// looked for at SEAL.asc.
    #[arg(long, value_name = "FILE.seal")]
    seal: Option<PathBuf>,
    /// A detached signature over FILE (repeatable), in addition to FILE.asc.
    #[arg(long, value_name = "FILE.asc")]
    sig: Vec<PathBuf>,
    /// Distinct keyring keys (a certificate counts once, whatever subkeys signed) whose good
    /// signatures must vouch for the bytes.
    #[arg(long, value_name = "K", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    threshold: u32,
    /// Output format: text, or json (schema tarseal.verify/v1).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// The log to ask (with --project, --tag, --log-key): its records of the project's tag
    /// are proven included in a checkpoint signed by --log-key, each record's own signature
    /// is verified against --keyring, and the bytes must be the ones the seal record names
    /// — and the build and upload records too, when the log has them. With --server the
    /// log's seal record must vouch (exit 3 when it has none).
    #[arg(long, value_name = "URL", requires_all = ["project", "tag", "log_key"])]
    server: Option<String>,
    /// The project, as logged (with --server).
    #[arg(long, value_name = "NAME", requires = "server")]
    project: Option<String>,
    /// The tag, as logged (with --server).
    #[arg(long, value_name = "TAG", requires = "server")]
    tag: Option<String>,
    /// The log's verifier key (`name+hex+base64`, printed by `tarseal serve`): pinned, never
    /// taken from the log. With it, the log must vouch: through --server, or offline through
    /// --proof / NAME.tlog-proof beside the file.
    #[arg(long, value_name = "KEY")]
    log_key: Option<String>,
    /// A tlog-proof file (default: NAME.tlog-proof beside FILE, when --log-key is given):
    /// verified offline against --log-key, the record inside compared with the bytes.
    #[arg(long, value_name = "FILE.tlog-proof", requires = "log_key")]
    proof: Option<PathBuf>,
    /// A witness's verifier key (`name+hex+base64`, printed by `tarseal witness`), repeatable:
    /// the log's checkpoint (online or in the tlog-proof) must carry valid cosignatures from
    /// --witness-threshold distinct ones, else exit 1 naming those missing.
    #[arg(long, value_name = "VKEY", requires = "log_key")]
    witness_key: Vec<String>,
    /// How many distinct --witness-key witnesses must have cosigned (default: all given).
    #[arg(long, value_name = "N", requires = "witness_key")]
    witness_threshold: Option<usize>,
    /// Seconds allowed to connect and to receive a response's head; the body of a download
    /// must arrive within 20 times this (a stalled server is abandoned, never waited on).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    timeout: u64,
}

#[derive(Serialize)]
struct FileInfo {
    source: String,
    name: String,
    size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_length: Option<u64>,
    sha256: String,
    sha512: String,
    md5: String,
}

#[derive(Serialize)]
struct SigReport {
    /// The signature file.
    file: String,
    /// What it signs: the file itself, a checksum file, or the seal record.
    covers: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    primary: Option<String>,
    detail: String,
}

#[derive(Serialize)]
struct SourceReport {
    /// `checksum` (a checksum file), `seal`, `signature` (a detached signature over the
    /// file) or `log` (a record of the log, with --server).
    kind: &'static str,
    file: String,
    /// `sha256`, `sha512`, `md5`, `size`, or `openpgp` for a signature.
    algorithm: String,
    /// `match`, `mismatch`, `no-entry` (the file does not name NAME), `unreadable`.
    status: &'static str,
    /// Primary fingerprints of keyring keys with a good signature over this source.
    signed_by: Vec<String>,
    detail: String,
}

#[derive(Serialize)]
struct Threshold {
    required: u32,
    distinct_keys: usize,
    keys: Vec<String>,
}

#[derive(Serialize)]
struct VerifyReport {
    schema: &'static str,
    tool: tarseal_check::report::ToolInfo,
    verdict: &'static str,
    exit_code: u8,
    file: Option<FileInfo>,
    sources: Vec<SourceReport>,
    signatures: Vec<SigReport>,
    threshold: Threshold,
    problems: Vec<String>,
    warnings: Vec<String>,
}

/// Where FILE and its sidecars come from.
pub(crate) enum Origin {
    Local(PathBuf),
    Url(String),
}

impl Origin {
    fn sidecar(&self, name: &str) -> String {
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

pub(crate) struct Ctx {
    pub(crate) agent: ureq::Agent,
    pub(crate) keyring: Keyring,
}

impl Ctx {
    /// A sidecar's bytes; `Ok(None)` when absent (no such file, HTTP 404...).
    pub(crate) fn fetch(&self, loc: &str) -> Result<Option<Vec<u8>>, String> {
        if loc.starts_with("http://") || loc.starts_with("https://") {
            let resp = match self.agent.get(loc).call() {
                Ok(r) => r,
                Err(ureq::Error::StatusCode(_)) => return Ok(None),
                Err(e) => return Err(format!("{loc}: {e}")),
            };
            let mut buf = Vec::new();
            resp.into_body()
                .into_reader()
                .take(SIDECAR_MAX + 1)
                .read_to_end(&mut buf)
                .map_err(|e| format!("{loc}: {e}"))?;
            if buf.len() as u64 > SIDECAR_MAX {
                return Err(format!("{loc}: larger than {SIDECAR_MAX} bytes"));
            }
            Ok(Some(buf))
        } else {
            match std::fs::File::open(loc) {
                Ok(f) => {
                    let mut buf = Vec::new();
                    f.take(SIDECAR_MAX + 1)
                        .read_to_end(&mut buf)
                        .map_err(|e| format!("{loc}: {e}"))?;
                    if buf.len() as u64 > SIDECAR_MAX {
                        return Err(format!("{loc}: larger than {SIDECAR_MAX} bytes"));
                    }
                    Ok(Some(buf))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(format!("{loc}: {e}")),
            }
        }
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

/// What the one pass over the bytes produced.
pub(crate) struct Streamed {
    pub(crate) size: u64,
    pub(crate) content_length: Option<u64>,
    pub(crate) sha256: String,
    pub(crate) sha512: String,
    pub(crate) md5: String,
    /// Per detached signature over the file: its statuses (or why none).
    pub(crate) sig_results: Vec<Result<Vec<SigStatus>, String>>,
}

pub(crate) enum StreamError {
    /// The bytes could not be obtained (exit 2).
    Io(String),
    /// The download is proven incomplete or inconsistent (exit 1).
    Rejected(String),
}

/// Streams the bytes once: SHA-256 + MD5 on the reading thread, SHA-512 on a second, each
/// detached signature verified on a thread of its own from the same chunks.
pub(crate) fn stream(
    ctx: &Ctx,
    origin: &Origin,
    sigs: &[Vec<u8>],
) -> Result<Streamed, StreamError> {
    let (mut input, content_length): (Box<dyn Read>, Option<u64>) = match origin {
        Origin::Local(p) => (
            Box::new(
                std::fs::File::open(p)
                    .map_err(|e| StreamError::Io(format!("cannot open {}: {e}", p.display())))?,
            ),
            None,
        ),
        Origin::Url(u) => {
            let resp = ctx.agent.get(u).call().map_err(|e| match e {
                ureq::Error::StatusCode(c) => StreamError::Io(format!("{u}: HTTP status {c}")),
                e => StreamError::Io(format!("{u}: {e}")),
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
                tarseal_sig::verify_detached(keyring, sig, reader, None).map_err(|e| e.to_string())
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
                        Origin::Url(u) => StreamError::Rejected(format!(
                            "the download of {u} stopped after {size} bytes{}: {e}",
                            content_length
                                .map(|l| format!(" of {l} announced"))
                                .unwrap_or_default()
                        )),
                        Origin::Local(p) => {
                            StreamError::Io(format!("reading {}: {e}", p.display()))
                        }
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
            .map(|h| h.join().unwrap_or_else(|_| Err("verifier failed".into())))
            .collect();
        if let Some(f) = failure {
            return Err(f);
        }
        if let Some(len) = content_length {
            if len != size {
                return Err(StreamError::Rejected(format!(
                    "the server announced Content-Length {len} but sent {size} bytes"
                )));
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

pub(crate) fn status_name(s: &SigStatus) -> &'static str {
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

/// Accumulates the verdict.
#[derive(Default)]
struct Tally {
    /// With --server: whether a seal record in the log, signed by a keyring key, names
    /// these bytes.
    log_vouched: bool,
    sources: Vec<SourceReport>,
    signatures: Vec<SigReport>,
    problems: Vec<String>,
    warnings: Vec<String>,
    /// Good statuses over sources that match the bytes (for the threshold).
    vouching: Vec<SigStatus>,
    /// Whether some source signed by a good keyring key matched.
    vouched: bool,
    /// The signed checkpoint the last log source was proven against (for --witness-key).
    log_note: Option<String>,
}

impl Tally {
    /// Records the statuses of one signature file; returns the primaries of good ones.
    fn signatures(
        &mut self,
        file: &str,
        covers: &str,
        result: Result<Vec<SigStatus>, String>,
    ) -> Vec<SigStatus> {
        match result {
            Ok(statuses) => {
                for st in &statuses {
                    if let SigStatus::Bad { .. } = st {
                        self.problems.push(format!("{file}: {st}"));
                    }
                    self.signatures.push(SigReport {
                        file: file.into(),
                        covers: covers.into(),
                        status: status_name(st),
                        key: st.key().map(|k| k.key.clone()).or_else(|| match st {
                            SigStatus::UnknownKey { issuers } => issuers.first().cloned(),
                            _ => None,
                        }),
                        primary: st.key().map(|k| k.primary.clone()),
                        detail: st.to_string(),
                    });
                }
                statuses
            }
            Err(e) => {
                self.warnings
                    .push(format!("{file}: unusable signature file: {e}"));
                self.signatures.push(SigReport {
                    file: file.into(),
                    covers: covers.into(),
                    status: "malformed",
                    key: None,
                    primary: None,
                    detail: e,
                });
                Vec::new()
            }
        }
    }

    /// A source that matched the bytes: its good signatures vouch.
    fn matched(&mut self, statuses: &[SigStatus]) {
        let good: Vec<_> = statuses
            .iter()
            .filter(|s| s.good().is_some())
            .cloned()
            .collect();
        if !good.is_empty() {
            self.vouched = true;
        }
        self.vouching.extend(good);
    }
}

fn primaries(statuses: &[SigStatus]) -> Vec<String> {
    let mut v: Vec<String> = statuses
        .iter()
        .filter_map(|s| s.good().map(|g| g.key.primary.clone()))
        .collect();
    v.sort();
    v.dedup();
    v
}

pub(crate) fn verify(args: VerifyArgs) -> ExitCode {
    match run(&args) {
        Ok((report, code)) => {
            let printed = match args.format {
                Format::Json => serde_json::to_string_pretty(&report)
                    .map(|s| println!("{s}"))
                    .is_ok(),
                Format::Text => {
                    print!("{}", render(&report));
                    true
                }
            };
            if !printed {
                return ExitCode::from(EXIT_USAGE);
            }
            ExitCode::from(code)
        }
        Err(e) => {
            eprintln!("tarseal: error: {e}");
            if args.format == Format::Json {
                println!(
                    "{}",
                    serde_json::json!({"schema": "tarseal.error/v1", "verdict": "error", "exit_code": 2, "error": e})
                );
            }
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// The HTTP agent of verify and gate: `timeout` seconds to connect and for a response's
/// head, 20 times that for a body.
pub(crate) fn agent(timeout: u64) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(timeout)))
        .timeout_recv_response(Some(Duration::from_secs(timeout)))
        .timeout_recv_body(Some(Duration::from_secs(timeout.max(1) * 20)))
        .http_status_as_error(true)
        .build()
        .into()
}

/// A path or an http(s) URL, and the file name it ends in.
pub(crate) fn origin_of(file: &str) -> Result<(Origin, String), String> {
    let is_url = file.starts_with("http://") || file.starts_with("https://");
    let origin = if is_url {
        Origin::Url(file.to_string())
    } else {
        let p = PathBuf::from(file);
        if !p.is_file() {
            return Err(format!("{}: no such file", p.display()));
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
        return Err(format!("{file}: cannot tell the file name"));
    }
    Ok((origin, name))
}

fn run(args: &VerifyArgs) -> Result<(VerifyReport, u8), String> {
    let keyring = load_keyring(&args.keyring)?.unwrap_or_default();
    let ctx = Ctx {
        agent: agent(args.timeout),
        keyring,
    };
    let (origin, name) = origin_of(&args.file)?;
    let witnesses = tarseal_witness::WitnessPolicy::new(&args.witness_key, args.witness_threshold)
        .map_err(|e| e.to_string())?;

    // Signatures over the file itself: FILE.asc and every --sig.
    let mut file_sigs: Vec<(String, Vec<u8>)> = Vec::new();
    let own_asc = origin.sidecar(&format!("{name}.asc"));
    if let Some(b) = ctx.fetch(&own_asc)? {
        file_sigs.push((own_asc, b));
    }
    for p in &args.sig {
        let loc = p.display().to_string();
        let b = ctx
            .fetch(&loc)?
            .ok_or_else(|| format!("{loc}: no such file"))?;
        // The same signature named twice (FILE.asc found beside FILE and given with --sig)
        // is one signature: listing it twice would look like two.
        if file_sigs.iter().any(|(_, have)| *have == b) {
            continue;
        }
        file_sigs.push((loc, b));
    }
    // Checksum files: (location, algorithm, hex length), their own .asc looked up beside.
    let mut sum_files: Vec<(String, &'static str)> = Vec::new();
    for (suffix, algo) in [("sha256", "sha256"), ("sha512", "sha512"), ("md5", "md5")] {
        sum_files.push((origin.sidecar(&format!("{name}.{suffix}")), algo));
    }
    sum_files.push((origin.sidecar("SHA256SUMS"), "sha256"));
    sum_files.push((origin.sidecar("SHA512SUMS"), "sha512"));
    for p in &args.sums {
        let loc = p.display().to_string();
        let lower = loc.to_ascii_lowercase();
        let algo = if lower.contains("sha512") {
            "sha512"
        } else if lower.contains("md5") {
            "md5"
        } else {
            "sha256"
        };
        if !sum_files.iter().any(|(l, _)| *l == loc) {
            sum_files.push((loc, algo));
        }
    }
    let mut seals = vec![origin.sidecar(&format!("{name}.seal"))];
    if let Some(p) = &args.seal {
        let loc = p.display().to_string();
        if !seals.contains(&loc) {
            seals.push(loc);
        }
    }

    let mut t = Tally::default();
    let sig_bytes: Vec<Vec<u8>> = file_sigs.iter().map(|(_, b)| b.clone()).collect();
    let streamed = match stream(&ctx, &origin, &sig_bytes) {
        Ok(s) => s,
        Err(StreamError::Io(e)) => return Err(e),
        Err(StreamError::Rejected(e)) => {
            t.problems.push(e);
            return Ok(finish(args, t, None));
        }
    };

    // 1. Detached signatures over the bytes.
    for ((loc, _), result) in file_sigs.iter().zip(streamed.sig_results.clone()) {
        let statuses = t.signatures(loc, &name, result);
        let signed_by = primaries(&statuses);
        t.sources.push(SourceReport {
            kind: "signature",
            file: loc.clone(),
            algorithm: "openpgp".into(),
            status: if statuses.iter().any(|s| matches!(s, SigStatus::Bad { .. })) {
                "mismatch"
            } else {
                "match"
            },
            signed_by,
            detail: "a detached signature over the bytes".into(),
        });
        t.matched(&statuses);
    }

    // 2. Checksum files.
    for (loc, algo) in &sum_files {
        let Some(bytes) = ctx.fetch(loc)? else {
            continue;
        };
        let asc = format!("{loc}.asc");
        let statuses = match ctx.fetch(&asc)? {
            Some(sig) => {
                let r = tarseal_sig::verify_detached(&ctx.keyring, &sig, &bytes[..], None)
                    .map_err(|e| e.to_string());
                t.signatures(&asc, loc, r)
            }
            None => Vec::new(),
        };
        let (actual, hex_len) = match *algo {
            "sha256" => (&streamed.sha256, 64),
            "sha512" => (&streamed.sha512, 128),
            _ => (&streamed.md5, 32),
        };
        let mut src = SourceReport {
            kind: "checksum",
            file: loc.clone(),
            algorithm: algo.to_string(),
            status: "no-entry",
            signed_by: primaries(&statuses),
            detail: String::new(),
        };
        let parsed = std::str::from_utf8(&bytes)
            .map_err(|_| "not UTF-8".to_string())
            .and_then(|s| sums::parse(s, hex_len));
        match parsed {
            Err(e) => {
                src.status = "unreadable";
                src.detail = e.clone();
                t.warnings.push(format!("{loc}: {e}"));
            }
            Ok(lines) => {
                // A one-file checksum (NAME.sha256) may omit the name.
                let own = loc.ends_with(&format!("{name}.{algo}"));
                let entries: Vec<_> = lines
                    .iter()
                    .filter(|l| l.name == name || (own && l.name.is_empty()))
                    .collect();
                if entries.is_empty() {
                    src.detail = format!("no line for {name}");
                } else if entries.iter().all(|l| l.hex == *actual) {
                    src.status = "match";
                    src.detail = format!("{algo} {actual}");
                    if *algo == "md5" {
                        // MD5 never vouches for anything.
                    } else {
                        t.matched(&statuses);
                    }
                } else {
                    src.status = "mismatch";
                    let want = &entries.iter().find(|l| l.hex != *actual).expect("one").hex;
                    src.detail = format!("{algo} listed {want}, the bytes have {actual}");
                    if *algo == "md5" {
                        t.warnings.push(format!(
                            "{loc}: MD5 mismatch ({}); MD5 is informational, SHA-256/SHA-512 decide",
                            src.detail
                        ));
                    } else {
                        t.problems.push(format!("{loc}: {}", src.detail));
                    }
                }
            }
        }
        t.sources.push(src);
    }

    // 3. Seal records.
    for loc in &seals {
        let Some(bytes) = ctx.fetch(loc)? else {
            continue;
        };
        let asc = format!("{loc}.asc");
        let statuses = match ctx.fetch(&asc)? {
            Some(sig) => {
                let r = tarseal_sig::verify_detached(&ctx.keyring, &sig, &bytes[..], None)
                    .map_err(|e| e.to_string());
                t.signatures(&asc, loc, r)
            }
            None => Vec::new(),
        };
        let mut src = SourceReport {
            kind: "seal",
            file: loc.clone(),
            algorithm: "size+sha256+sha512".into(),
            status: "unreadable",
            signed_by: primaries(&statuses),
            detail: String::new(),
        };
        match std::str::from_utf8(&bytes)
            .map_err(|_| "not UTF-8".to_string())
            .and_then(Record::parse)
            .and_then(|r| match r.kind {
                tarseal_record::Kind::Artifact => Ok(r),
                k => Err(format!(
                    "a {} record where a seal (tarseal/v1 artifact) belongs",
                    k.name()
                )),
            }) {
            Err(e) => {
                src.detail = e.clone();
                t.warnings
                    .push(format!("{loc}: not a tarseal/v1 record: {e}"));
            }
            Ok(r) => {
                let mut diffs = Vec::new();
                if r.get("size") != streamed.size.to_string() {
                    diffs.push(format!(
                        "size {} (the bytes: {})",
                        r.get("size"),
                        streamed.size
                    ));
                }
                if r.get("sha256") != streamed.sha256 {
                    diffs.push(format!("sha256 {}", r.get("sha256")));
                }
                if r.get("sha512") != streamed.sha512 {
                    diffs.push(format!("sha512 {}", r.get("sha512")));
                }
                if r.get("md5") != streamed.md5 {
                    t.warnings.push(format!(
                        "{loc}: MD5 {} differs from the bytes' (informational)",
                        r.get("md5")
                    ));
                }
                if r.get("file") != name {
                    t.warnings.push(format!(
                        "{loc}: the record names file {:?}, verifying {name:?}",
                        r.get("file")
                    ));
                }
                if diffs.is_empty() {
                    src.status = "match";
                    src.detail = format!(
                        "project {} tag {} commit {}",
                        r.get("project"),
                        r.get("tag"),
                        r.get("commit")
                    );
                    t.matched(&statuses);
                } else {
                    src.status = "mismatch";
                    src.detail = format!("the record says {}", diffs.join(", "));
                    t.problems.push(format!("{loc}: {}", src.detail));
                }
            }
        }
        t.sources.push(src);
    }

    // 4. The log, online.
    if let (Some(server), Some(project), Some(tag), Some(log_key)) =
        (&args.server, &args.project, &args.tag, &args.log_key)
    {
        log_sources(
            &ctx, &mut t, server, project, tag, log_key, &name, &streamed,
        )?;
        if let Some(policy) = &witnesses {
            witnessed(&mut t, server, policy);
        }
    }
    // 5. The log, offline: the tlog-proof file.
    if let Some(log_key) = &args.log_key {
        let loc = match &args.proof {
            Some(p) => Some(p.display().to_string()),
            None => {
                let side = origin.sidecar(&format!("{name}.tlog-proof"));
                ctx.fetch(&side)?.is_some().then_some(side)
            }
        };
        if let Some(loc) = loc {
            let text = ctx
                .fetch(&loc)?
                .ok_or_else(|| format!("{loc}: no such file"))?;
            t.log_note = None;
            proof_source(&ctx, &mut t, &loc, &text, log_key, &name, &streamed)?;
            if let Some(policy) = &witnesses {
                witnessed(&mut t, &loc, policy);
            }
        }
    }

    let info = FileInfo {
        source: args.file.clone(),
        name,
        size: streamed.size,
        content_length: streamed.content_length,
        sha256: streamed.sha256,
        sha512: streamed.sha512,
        md5: streamed.md5,
    };
    Ok(finish(args, t, Some(info)))
}

/// The log's records of `project`/`tag` about `name`, as sources: each record's signature
/// verified against the keyring, its digest compared with the bytes. A seal record that
/// agrees and is signed by a keyring key vouches; a build, seal or upload record that names
/// other bytes is a problem (the bytes changed between that step and this one).
#[allow(clippy::too_many_arguments)]
fn log_sources(
    ctx: &Ctx,
    t: &mut Tally,
    server: &str,
    project: &str,
    tag: &str,
    log_key: &str,
    name: &str,
    streamed: &Streamed,
) -> Result<(), String> {
    use tarseal_server::client::{query_verified, QueryError};
    let verified = match query_verified(server, project, tag, log_key) {
        Ok(Some(v)) => v,
        Ok(None) => {
            t.warnings.push(format!(
                "the log at {server} has no record of project {project:?} tag {tag:?}"
            ));
            return Ok(());
        }
        Err(QueryError::Unavailable(e)) => return Err(format!("the log at {server}: {e}")),
        Err(e @ QueryError::Invalid(_)) => {
            t.problems.push(format!("{server}: {e}"));
            return Ok(());
        }
    };
    t.log_note = Some(verified.note.clone());
    let found = crate::logview::findings(&verified.records, name, &streamed.sha256);
    if found.is_empty() {
        t.warnings.push(format!(
            "the log at {server} has records of project {project:?} tag {tag:?} (tree size {}), none about {name}",
            verified.checkpoint.size
        ));
    }
    for f in &found {
        let Some(r) = verified.records.iter().find(|r| r.index == f.index) else {
            continue;
        };
        let loc = format!("{server} entry {}", r.index);
        log_record(
            ctx,
            t,
            &loc,
            &r.kind,
            &r.record,
            r.signature.as_bytes(),
            streamed,
        );
    }
    Ok(())
}

/// One logged record about the file (from a query answer or a tlog-proof file, already
/// proven included): its signature verified against the keyring, its digests compared with
/// the bytes. A seal record that agrees (size, SHA-256, SHA-512) and has a good keyring
/// signature vouches; any record that names other bytes is a problem.
fn log_record(
    ctx: &Ctx,
    t: &mut Tally,
    loc: &str,
    kind: &str,
    record: &str,
    signature: &[u8],
    streamed: &Streamed,
) {
    let sig = tarseal_sig::verify_detached(&ctx.keyring, signature, record.as_bytes(), None)
        .map_err(|e| e.to_string());
    let statuses = t.signatures(loc, &format!("{kind} record"), sig);
    let (agrees, detail) = match Record::parse(record) {
        Err(e) => (false, format!("not a canonical record: {e}")),
        Ok(rec) => {
            let mut diffs = Vec::new();
            if rec.get("sha256") != streamed.sha256 {
                diffs.push(format!("sha256 {}", rec.get("sha256")));
            }
            if rec.get("size") != streamed.size.to_string() {
                diffs.push(format!("size {}", rec.get("size")));
            }
            if let Some(h) = rec.try_get("sha512") {
                if h != streamed.sha512 {
                    diffs.push(format!("sha512 {h}"));
                }
            }
            let what = crate::logview::kind_label(kind);
            if diffs.is_empty() {
                (true, format!("{what}: same bytes"))
            } else {
                (
                    false,
                    format!(
                        "{what} names {}, but these bytes are sha256 {} ({} bytes)",
                        diffs.join(", "),
                        streamed.sha256,
                        streamed.size
                    ),
                )
            }
        }
    };
    if agrees && kind == "artifact" && statuses.iter().any(|s| s.good().is_some()) {
        t.log_vouched = true;
        t.matched(&statuses);
    }
    if !agrees {
        t.problems.push(format!("{loc}: {detail}"));
    }
    t.sources.push(SourceReport {
        kind: "log",
        file: loc.to_string(),
        algorithm: format!("{kind} record sha256"),
        status: if agrees { "match" } else { "mismatch" },
        signed_by: primaries(&statuses),
        detail,
    });
}

/// The witness rule on the checkpoint the last log source was proven against (none: the
/// source did not verify, already a problem): too few cosignatures is a problem naming the
/// missing witnesses.
fn witnessed(t: &mut Tally, loc: &str, policy: &tarseal_witness::WitnessPolicy) {
    let Some(note) = t.log_note.take() else {
        return;
    };
    if let Err(e) = policy.check(&note) {
        t.problems.push(format!("{loc}: {e}"));
    }
}

/// A C2SP tlog-proof file (`tarseal publish` writes NAME.tlog-proof) checked offline: its
/// checkpoint signed by the pinned log key, the leaf in its `extra` line included, and the
/// record inside compared with the bytes.
fn proof_source(
    ctx: &Ctx,
    t: &mut Tally,
    loc: &str,
    text: &[u8],
    log_key: &str,
    name: &str,
    streamed: &Streamed,
) -> Result<(), String> {
    use tarseal_server::client::{verify_tlog_proof_note, QueryError};
    let checked = match verify_tlog_proof_note(text, log_key) {
        Err(QueryError::Unavailable(e)) => return Err(e),
        other => other.map_err(|e| e.to_string()),
    };
    let (index, entry) = match checked {
        Ok((index, entry, note)) => {
            t.log_note = Some(note);
            (index, entry)
        }
        Err(e) => {
            t.problems
                .push(format!("{loc}: the proof does not verify: {e}"));
            return Ok(());
        }
    };
    let Ok(record) = String::from_utf8(entry.record) else {
        t.problems
            .push(format!("{loc}: the logged record is not UTF-8"));
        return Ok(());
    };
    let kind = Record::parse(&record)
        .map(|r| r.kind.name())
        .unwrap_or("record");
    if Record::parse(&record).is_ok_and(|r| r.get("file") != name) {
        t.warnings.push(format!(
            "{loc}: the logged record is about another file name than {name}"
        ));
    }
    let loc = format!("{loc} (entry {index}, logged {})", entry.logged_at);
    log_record(ctx, t, &loc, kind, &record, &entry.signature, streamed);
    Ok(())
}

fn finish(args: &VerifyArgs, t: Tally, file: Option<FileInfo>) -> (VerifyReport, u8) {
    let keys = primaries(&t.vouching);
    let distinct = tarseal_sig::count_distinct_keys(&t.vouching);
    let mut warnings = t.warnings;
    let (verdict, code) = if !t.problems.is_empty() {
        ("fail", 1)
    } else if (args.server.is_some() || args.log_key.is_some()) && !t.log_vouched {
        warnings.push(
            "--log-key: no seal record proven in the log (--server, --proof or NAME.tlog-proof) names these bytes with a good signature by a --keyring key".into(),
        );
        ("indeterminate", 3)
    } else if !t.vouched {
        warnings.push(
            "nothing signed by a keyring key vouches for these bytes (no matching checksum file, seal or signature with a good signature by a --keyring key)".into(),
        );
        ("indeterminate", 3)
    } else if distinct < args.threshold as usize {
        warnings.push(format!(
            "threshold not reached: {distinct} distinct keyring key(s) vouch, {} required",
            args.threshold
        ));
        ("indeterminate", 3)
    } else {
        ("pass", 0)
    };
    (
        VerifyReport {
            schema: SCHEMA,
            tool: tarseal_check::report::ToolInfo::current(),
            verdict,
            exit_code: code,
            file,
            sources: t.sources,
            signatures: t.signatures,
            threshold: Threshold {
                required: args.threshold,
                distinct_keys: distinct,
                keys,
            },
            problems: t.problems,
            warnings,
        },
        code,
    )
}

fn render(r: &VerifyReport) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    if let Some(f) = &r.file {
        let _ = writeln!(o, "file     {} ({} bytes)", f.source, f.size);
        let _ = writeln!(o, "sha256   {}", f.sha256);
        let _ = writeln!(o, "sha512   {}", f.sha512);
        let _ = writeln!(o, "md5      {} (informational only)", f.md5);
    }
    for s in &r.signatures {
        let _ = writeln!(
            o,
            "sig      {:<19} {} ({}): {}",
            s.status, s.file, s.covers, s.detail
        );
    }
    for s in &r.sources {
        let signed = if s.signed_by.is_empty() {
            "unsigned".to_string()
        } else {
            format!("signed by {}", s.signed_by.join(", "))
        };
        let _ = writeln!(
            o,
            "source   {:<9} {} [{} {}, {signed}] {}",
            s.status, s.file, s.kind, s.algorithm, s.detail
        );
    }
    for p in &r.problems {
        let _ = writeln!(o, "PROBLEM  {p}");
    }
    for w in &r.warnings {
        let _ = writeln!(o, "warning  {w}");
    }
    let _ = writeln!(
        o,
        "keys     {} distinct keyring key(s) vouch ({} required){}",
        r.threshold.distinct_keys,
        r.threshold.required,
        if r.threshold.keys.is_empty() {
            String::new()
        } else {
            format!(": {}", r.threshold.keys.join(", "))
        }
    );
    let v = match r.verdict {
        "pass" => "PASS: the bytes are the ones the keyring's keys signed for",
        "fail" => "FAIL: the bytes do not match what was signed, or a signature is BAD",
        _ => "INDETERMINATE: nothing (or not enough) signed by the keyring vouches for these bytes",
    };
    let _ = writeln!(o, "verdict  {v}");
    o
}
