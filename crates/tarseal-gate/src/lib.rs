//! The upload gate (concept: "may these bytes be uploaded?"), `tarseal gate FILE|URL`. Re-hashes the bytes it is given (a download is
//! hashed as it streams, with verify's code) and verifies every co-signature over exactly
//! these bytes; passes only when `--threshold` distinct keys of the keyring (or of the
//! `--trust` file, each inside its validity window at the signature's time) signed them.
//!
//! Decision (docs/formats.md, `tarseal.gate/v1`): exit 1 when a keyring key's signature
//! does not verify over the bytes (BAD: the bytes or the signature were altered, or it
//! signs another file) or a download is cut short; 3 when fewer than the threshold of
//! distinct keys have good signatures; 0 otherwise. Unknown keys, expired, revoked,
//! not-alive and weak signatures do not count and do not fail.
//!
//! With a log (`--server --log-key --project --tag --key`): the log's verified answer for the
//! project and tag is read first; the `cosign` records of this file contribute their
//! signatures, and every signature is judged at the time the log **first recorded** those
//! exact bytes (`logged_at` of the earliest cosign record carrying them whose `sha256` is
//! the digest of the bytes read; tarseal-sig's `judge_as_of`), never at a time the signer
//! asserts. A signature the log never recorded for these bytes does not count
//! (`not-logged`). When the gate passes, an `upload` record naming the digest is published,
//! signed with `--key`, and its index printed.

#![warn(missing_docs)]

use serde::Serialize;
use std::path::PathBuf;
use std::time::SystemTime;
use tarseal_cosign::{base64_decode, signatures_in_ref};
use tarseal_record::{Kind, Record};
use tarseal_server::client::QueryError;
use tarseal_sig::{Keyring, SigStatus, SigningKey, TrustFile};
use tarseal_verify::{Ctx, Origin};

/// Schema of `--format json`.
pub const SCHEMA: &str = "tarseal.gate/v1";

/// The flags of `tarseal gate`.
#[derive(Debug, Clone)]
pub struct GateOptions {
    /// The file: a path, or an http(s) URL (hashed as it arrives, never stored).
    pub file: String,
    /// Detached signatures over the file.
    pub sigs: Vec<PathBuf>,
    /// Keys whose signatures count (required).
    pub keyring: Vec<PathBuf>,
    /// Distinct keys required (default: the trust file's threshold).
    pub threshold: Option<u32>,
    /// Read signatures from `sigs/*/*/<name>.<KEYID16>.asc` in this ref of `repo`.
    pub sigs_from: Option<String>,
    /// The repository holding `sigs_from`.
    pub repo: Option<PathBuf>,
    /// The project trust file: only its keys count, each inside its validity window.
    pub trust: Option<PathBuf>,
    /// HTTP timeout in seconds (the body: 20 times this).
    pub timeout: u64,
    /// The transparency log: signatures judged at their logged time, a pass publishes an
    /// upload record. Needs `log_key`, `project`, `tag` and `key`.
    pub server: Option<String>,
    /// The log's verifier key (pinned).
    pub log_key: Option<String>,
    /// The project (cosign records read, upload recorded).
    pub project: Option<String>,
    /// The tag.
    pub tag: Option<String>,
    /// The secret key that signs the upload record.
    pub key: Option<PathBuf>,
}

impl GateOptions {
    /// Options for `file` with the command line's defaults (timeout 30 s, no log).
    pub fn new(file: impl Into<String>) -> GateOptions {
        GateOptions {
            file: file.into(),
            sigs: Vec::new(),
            keyring: Vec::new(),
            threshold: None,
            sigs_from: None,
            repo: None,
            trust: None,
            timeout: 30,
            server: None,
            log_key: None,
            project: None,
            tag: None,
            key: None,
        }
    }
}

/// Why the gate has no verdict (exit 2); every judgement is in the [`GateReport`].
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// A `--keyring` file could not be loaded.
    #[error(transparent)]
    Keyring(#[from] tarseal_sig::KeyringError),
    /// The trust file could not be loaded.
    #[error(transparent)]
    Trust(#[from] tarseal_sig::TrustError),
    /// Neither a threshold nor a trust file giving one.
    #[error("give --threshold N (or --trust FILE with a threshold)")]
    NoThreshold,
    /// `server` without the rest of the log's configuration.
    #[error("--server needs --log-key, --project, --tag and --key")]
    LogIncomplete,
    /// The key that signs the upload record cannot be used.
    #[error(transparent)]
    Key(#[from] tarseal_sig::SignError),
    /// The file is not there.
    #[error(transparent)]
    Origin(#[from] tarseal_verify::OriginError),
    /// The log could not be asked.
    #[error("{server}: {source}")]
    Log {
        /// The log's URL.
        server: String,
        /// What went wrong.
        source: QueryError,
    },
    /// A signature file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    ReadSig {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// `--sigs-from` could not be read.
    #[error(transparent)]
    Git(#[from] tarseal_cosign::GitError),
    /// The bytes could not be obtained (not a rejection: those are problems).
    #[error(transparent)]
    Stream(tarseal_verify::StreamError),
    /// A proven log entry with a time that does not parse.
    #[error("log entry {index}: logged_at {value:?}")]
    LoggedAt {
        /// The entry.
        index: u64,
        /// Its `logged_at`.
        value: String,
    },
}

/// Why a cosign record of the log's answer is ignored (a warning).
#[derive(Debug, thiserror::Error)]
enum CosignRecordError {
    #[error("{0}")]
    Record(String),
    #[error("kind {kind} holds a {actual} record")]
    Kind { kind: String, actual: &'static str },
    #[error("a record for project {project:?} tag {tag:?} in the answer for {want_project:?} {want_tag:?}")]
    Other {
        project: String,
        tag: String,
        want_project: String,
        want_tag: String,
    },
    #[error("its signature is not base64 (standard alphabet)")]
    Base64,
}

/// Why the upload record of a passed gate was not logged.
#[derive(Debug, thiserror::Error)]
enum UploadError {
    #[error("{0}")]
    Record(String),
    #[error(transparent)]
    Publish(#[from] tarseal_seal::PublishError),
}

/// What `--server` configured.
struct LogCfg {
    server: String,
    log_key: String,
    project: String,
    tag: String,
    signer: SigningKey,
}

/// A cosign record of the log for this file.
#[derive(Clone)]
struct LogCosign {
    index: u64,
    logged_at: String,
    size: String,
    sha256: String,
}

/// A signature file to verify: given (SIG, --sigs-from) and/or carried by cosign records.
struct Candidate {
    /// Where it came from: a path, `REF:PATH`, or `log:INDEX`.
    file: String,
    bytes: Vec<u8>,
    /// The cosign records carrying exactly these bytes.
    logged: Vec<LogCosign>,
    /// Given on the command line (or by --sigs-from), not only found in the log.
    given: bool,
}

/// The file's digests as read.
#[derive(Debug, Serialize)]
pub struct FileInfo {
    /// The path or URL given.
    pub source: String,
    /// Its file name.
    pub name: String,
    /// Bytes read.
    pub size: u64,
    /// Hex SHA-256.
    pub sha256: String,
    /// Hex SHA-512.
    pub sha512: String,
    /// Hex MD5.
    pub md5: String,
}

/// One signature packet and whether it counts.
#[derive(Debug, Serialize)]
pub struct SigReport {
    /// Where the signature was read (a path, `REF:PATH` for --sigs-from, `log:INDEX`).
    pub file: String,
    /// `good`, `bad`, ..., `not-logged`, `other-digest`, `malformed`.
    pub status: &'static str,
    /// The signing (sub)key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The certificate's primary fingerprint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<String>,
    /// Whether this signature counts towards the threshold.
    pub counted: bool,
    /// For people.
    pub detail: String,
    /// With a log: when the log first recorded these signature bytes (the time the key was
    /// judged at); absent when it never did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logged_at: Option<String>,
    /// With a log: the index of that cosign record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_index: Option<u64>,
}

/// What the log said (with `server`).
#[derive(Debug, Serialize)]
pub struct LogInfo {
    /// The log's URL.
    pub server: String,
    /// The project asked for.
    pub project: String,
    /// The tag asked for.
    pub tag: String,
    /// Size of the checkpoint (signed by the pinned log key) every record was proven in;
    /// absent when the log has nothing for the project and tag.
    pub checkpoint_size: Option<u64>,
    /// Cosign records of this file with the digest of the bytes read.
    pub cosign_records: usize,
}

/// The upload record published after a pass with a log.
#[derive(Debug, Serialize)]
pub struct UploadRecord {
    /// Its entry index.
    pub index: u64,
    /// The log's time of it.
    pub logged_at: String,
    /// Whether the log already held it.
    pub existing: bool,
    /// SHA-256 of the record text.
    pub record_sha256: String,
    /// The record's `gate` value (`K-of-N FPRS`).
    pub gate: String,
}

/// The threshold and who reached it.
#[derive(Debug, Serialize)]
pub struct Threshold {
    /// Distinct keys required.
    pub required: u32,
    /// `--threshold` or `trust-file`.
    pub from: &'static str,
    /// Distinct keys that count.
    pub distinct_keys: usize,
    /// Their primary fingerprints.
    pub keys: Vec<String>,
}

/// The gate's verdict (`tarseal.gate/v1`, docs/formats.md).
#[derive(Debug, Serialize)]
pub struct GateReport {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// The tool that made it.
    pub tool: tarseal_check::report::ToolInfo,
    /// `pass`, `fail`, `indeterminate` or `error` (passed but not logged).
    pub verdict: &'static str,
    /// 0, 1, 3 or 2 (as `verdict`).
    pub exit_code: u8,
    /// The digests; absent when the download was cut short.
    pub file: Option<FileInfo>,
    /// Every signature packet.
    pub signatures: Vec<SigReport>,
    /// The threshold.
    pub threshold: Threshold,
    /// What is proven wrong.
    pub problems: Vec<String>,
    /// What a person should know.
    pub warnings: Vec<String>,
    /// What the log said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<LogInfo>,
    /// The upload record published after a pass with a log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload_record: Option<UploadRecord>,
}

/// Runs the gate: one pass over the bytes, every signature verified (and, with a log,
/// judged at its logged time), the threshold counted; with a log, a pass publishes the
/// upload record. `Err` only when the inputs cannot be read (exit 2).
pub fn gate(args: &GateOptions) -> Result<GateReport, GateError> {
    let keyring = Keyring::from_files(&args.keyring)?.unwrap_or_default();
    let trust = match &args.trust {
        Some(p) => Some(TrustFile::from_file(p)?),
        None => None,
    };
    let (required, from) = match (args.threshold, &trust) {
        (Some(n), _) => (n, "--threshold"),
        (None, Some(t)) => (t.threshold as u32, "trust-file"),
        (None, None) => return Err(GateError::NoThreshold),
    };
    // n of "k-of-n": the keys that could count.
    let of_n = match &trust {
        Some(t) => t.keys.len(),
        None => keyring.openpgp_fingerprints().len(),
    };
    let log = match (
        &args.server,
        &args.log_key,
        &args.project,
        &args.tag,
        &args.key,
    ) {
        (Some(server), Some(log_key), Some(project), Some(tag), Some(key)) => Some(LogCfg {
            server: server.clone(),
            log_key: log_key.clone(),
            project: project.clone(),
            tag: tag.clone(),
            // Before any work: a key that cannot sign the upload record is a usage error.
            signer: SigningKey::from_file(key)?,
        }),
        (None, ..) => None,
        _ => return Err(GateError::LogIncomplete),
    };
    let (origin, name) = tarseal_verify::origin_of(&args.file)?;

    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut checkpoint_size = None;
    if let Some(l) = &log {
        match tarseal_server::client::query_verified(&l.server, &l.project, &l.tag, &l.log_key) {
            Ok(Some(v)) => {
                checkpoint_size = Some(v.checkpoint.size);
                for r in &v.records {
                    if r.kind != Kind::Cosign.name() {
                        continue;
                    }
                    match log_cosign(r, l, &name) {
                        Ok(Some((bytes, c))) => {
                            match candidates.iter_mut().find(|x| x.bytes == bytes) {
                                Some(x) => x.logged.push(c),
                                None => candidates.push(Candidate {
                                    file: format!("log:{}", c.index),
                                    bytes,
                                    logged: vec![c],
                                    given: false,
                                }),
                            }
                        }
                        Ok(None) => {}
                        Err(e) => warnings.push(format!("log entry {}: {e}; ignored", r.index)),
                    }
                }
            }
            Ok(None) => warnings.push(format!(
                "the log has no record for project {:?} tag {:?}",
                l.project, l.tag
            )),
            // The answer is proven wrong (a proof or the checkpoint signature fails): fail.
            Err(e @ QueryError::Invalid(_)) => problems.push(format!("{}: {e}", l.server)),
            Err(e @ QueryError::Unavailable(_)) => {
                return Err(GateError::Log {
                    server: l.server.clone(),
                    source: e,
                })
            }
        }
    }

    let mut given: Vec<(String, Vec<u8>)> = Vec::new();
    for p in &args.sigs {
        let b = std::fs::read(p).map_err(|e| GateError::ReadSig {
            path: p.clone(),
            source: e,
        })?;
        given.push((p.display().to_string(), b));
    }
    if let (Some(r), Some(repo)) = (&args.sigs_from, &args.repo) {
        for (path, bytes) in signatures_in_ref(repo, r, &name)? {
            given.push((format!("{r}:{path}"), bytes));
        }
    }
    for (file, bytes) in given {
        // The same bytes as a logged signature: one candidate, named as given (a second
        // copy is listed again, with the same log records).
        if let Some(x) = candidates.iter_mut().find(|x| !x.given && x.bytes == bytes) {
            x.file = file;
            x.given = true;
            continue;
        }
        let logged = candidates
            .iter()
            .find(|x| x.bytes == bytes)
            .map(|x| x.logged.clone())
            .unwrap_or_default();
        candidates.push(Candidate {
            file,
            bytes,
            logged,
            given: true,
        });
    }

    let ctx = Ctx {
        agent: tarseal_verify::agent(args.timeout),
        keyring,
    };
    let bytes: Vec<Vec<u8>> = candidates.iter().map(|c| c.bytes.clone()).collect();
    let streamed = match tarseal_verify::stream(&ctx, &origin, &bytes) {
        Ok(s) => Some(s),
        Err(e) if e.is_rejection() => {
            problems.push(e.to_string());
            None
        }
        Err(e) => return Err(GateError::Stream(e)),
    };
    let mut signatures = Vec::new();
    let mut good: Vec<SigStatus> = Vec::new();
    let mut cosign_records = 0;
    if let Some(s) = &streamed {
        cosign_records = candidates
            .iter()
            .flat_map(|c| &c.logged)
            .map(|c| (c.index, &c.sha256))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .filter(|(_, sha)| **sha == s.sha256)
            .count();
        for (cand, result) in candidates.iter().zip(s.sig_results.iter()) {
            // The earliest cosign record carrying these bytes for exactly this digest.
            let first = cand
                .logged
                .iter()
                .filter(|c| c.sha256 == s.sha256 && c.size == s.size.to_string())
                .min_by(|a, b| (&a.logged_at, a.index).cmp(&(&b.logged_at, b.index)));
            if !cand.given && first.is_none() {
                // Only in the log, and for other bytes: it never counts here. A keyring
                // key's signature over other bytes of this file is still evidence of a
                // mix-up or a substitution (as a given one would be): BAD fails the gate.
                let c = &cand.logged[0];
                let other = format!(
                    "the log's cosign record (entry {}) is for sha256 {}, not these bytes ({})",
                    c.index, c.sha256, s.sha256
                );
                for st in result.as_deref().unwrap_or_default() {
                    let bad = matches!(st, SigStatus::Bad { .. });
                    if bad {
                        problems.push(format!("{}: {st}; {other}", cand.file));
                    }
                    signatures.push(SigReport {
                        file: cand.file.clone(),
                        status: if bad { "bad" } else { "other-digest" },
                        key: st.key().map(|k| k.key.clone()),
                        primary: st.key().map(|k| k.primary.clone()),
                        counted: false,
                        detail: format!("{st}; {other}"),
                        logged_at: None,
                        log_index: Some(c.index),
                    });
                }
                if result.is_err() {
                    warnings.push(format!("{}: {other}", cand.file));
                }
                continue;
            }
            let at = match (&log, first) {
                (Some(_), Some(c)) => Some((
                    tarseal_sig::parse_utc(&c.logged_at).ok_or_else(|| GateError::LoggedAt {
                        index: c.index,
                        value: c.logged_at.clone(),
                    })?,
                    c,
                )),
                _ => None,
            };
            match result {
                Ok(statuses) => {
                    for st in statuses {
                        let (st, not_logged) = match (&log, &at) {
                            (None, _) => (st.clone(), false),
                            (Some(_), Some((t, _))) => {
                                (tarseal_sig::judge_as_of(&ctx.keyring, st, *t), false)
                            }
                            // Never recorded: its time cannot be established.
                            (Some(_), None) => (st.clone(), st.good().is_some()),
                        };
                        let judged_at = at.as_ref().map(|(t, _)| *t);
                        let (counted, why) = if not_logged {
                            (
                                false,
                                Some(format!(
                                    "the log holds no co-signature record with these exact signature bytes for {name} with sha256 {}: when it was made cannot be established, not counted",
                                    s.sha256
                                )),
                            )
                        } else {
                            judge(&st, trust.as_ref(), &good, judged_at)
                        };
                        if let SigStatus::Bad { .. } = st {
                            problems.push(format!("{}: {st}", cand.file));
                        }
                        if counted {
                            good.push(st.clone());
                        }
                        signatures.push(SigReport {
                            file: cand.file.clone(),
                            status: if not_logged {
                                "not-logged"
                            } else {
                                tarseal_verify::status_name(&st)
                            },
                            key: st.key().map(|k| k.key.clone()).or_else(|| match &st {
                                SigStatus::UnknownKey { issuers } => issuers.first().cloned(),
                                _ => None,
                            }),
                            primary: st.key().map(|k| k.primary.clone()),
                            counted,
                            detail: match why {
                                Some(w) => format!("{st}; {w}"),
                                None => st.to_string(),
                            },
                            logged_at: at.as_ref().map(|(_, c)| c.logged_at.clone()),
                            log_index: at.as_ref().map(|(_, c)| c.index),
                        });
                    }
                }
                Err(e) => {
                    warnings.push(format!("{}: unusable signature file: {e}", cand.file));
                    signatures.push(SigReport {
                        file: cand.file.clone(),
                        status: "malformed",
                        key: None,
                        primary: None,
                        counted: false,
                        detail: e.to_string(),
                        logged_at: at.as_ref().map(|(_, c)| c.logged_at.clone()),
                        log_index: at.as_ref().map(|(_, c)| c.index),
                    });
                }
            }
        }
    }
    let mut keys: Vec<String> = good
        .iter()
        .filter_map(|s| s.good().map(|g| g.key.primary.clone()))
        .collect();
    keys.sort();
    keys.dedup();
    let distinct = keys.len();
    let (mut verdict, mut exit_code) = if !problems.is_empty() {
        ("fail", 1)
    } else if distinct < required as usize {
        warnings.push(format!(
            "threshold not reached: {distinct} distinct key(s) signed these bytes, {required} required"
        ));
        ("indeterminate", 3)
    } else {
        ("pass", 0)
    };
    let gate_value = format!("{required}-of-{of_n} {}", keys.join(","));
    let mut upload_record = None;
    if let (Some(l), Some(s), 0) = (&log, &streamed, exit_code) {
        let source = match &origin {
            Origin::Url(u) => u.clone(),
            Origin::Local(_) => format!("file:{name}"),
        };
        match publish_upload(l, &name, s.size, &s.sha256, &source, &gate_value) {
            Ok(u) => upload_record = Some(u),
            Err(e) => {
                problems.push(format!(
                    "the gate passed but the upload record could not be logged: {e}"
                ));
                (verdict, exit_code) = ("error", 2);
            }
        }
    }
    Ok(GateReport {
        schema: SCHEMA,
        tool: tarseal_check::report::ToolInfo::current(),
        verdict,
        exit_code,
        file: streamed.map(|s| FileInfo {
            source: args.file.clone(),
            name,
            size: s.size,
            sha256: s.sha256,
            sha512: s.sha512,
            md5: s.md5,
        }),
        signatures,
        threshold: Threshold {
            required,
            from,
            distinct_keys: distinct,
            keys,
        },
        problems,
        warnings,
        log: log.as_ref().map(|l| LogInfo {
            server: l.server.clone(),
            project: l.project.clone(),
            tag: l.tag.clone(),
            checkpoint_size,
            cosign_records,
        }),
        upload_record,
    })
}

/// A cosign record of the verified answer: its signature bytes and where/when it was
/// logged, when it is for this project, tag and file; `Ok(None)` for another file.
fn log_cosign(
    r: &tarseal_server::app::QueryRecord,
    l: &LogCfg,
    name: &str,
) -> Result<Option<(Vec<u8>, LogCosign)>, CosignRecordError> {
    let rec = Record::parse(&r.record).map_err(|e| CosignRecordError::Record(e.to_string()))?;
    if rec.kind != Kind::Cosign {
        return Err(CosignRecordError::Kind {
            kind: r.kind.clone(),
            actual: rec.kind.name(),
        });
    }
    if rec.get("project") != l.project || rec.get("tag") != l.tag {
        return Err(CosignRecordError::Other {
            project: rec.get("project").to_string(),
            tag: rec.get("tag").to_string(),
            want_project: l.project.clone(),
            want_tag: l.tag.clone(),
        });
    }
    if rec.get("file") != name {
        return Ok(None);
    }
    let bytes = base64_decode(rec.get("signature")).ok_or(CosignRecordError::Base64)?;
    Ok(Some((
        bytes,
        LogCosign {
            index: r.index,
            logged_at: r.logged_at.clone(),
            size: rec.get("size").to_string(),
            sha256: rec.get("sha256").to_string(),
        },
    )))
}

/// Publishes the `tarseal/v1 upload` record of a passed gate, signed with `--key`.
fn publish_upload(
    l: &LogCfg,
    name: &str,
    size: u64,
    sha256: &str,
    source: &str,
    gate: &str,
) -> Result<UploadRecord, UploadError> {
    let record = Record::with_kind(
        Kind::Upload,
        &[
            ("project", l.project.clone()),
            ("tag", l.tag.clone()),
            ("file", name.to_string()),
            ("size", size.to_string()),
            ("sha256", sha256.to_string()),
            ("source", source.to_string()),
            ("gate", gate.to_string()),
            ("producer", format!("tarseal {}", env!("CARGO_PKG_VERSION"))),
            ("signer", l.signer.fingerprint()),
            ("signed-at", tarseal_sig::format_utc(SystemTime::now())),
        ],
    )
    .map_err(|e| UploadError::Record(e.to_string()))?
    .to_text();
    let p = tarseal_seal::publish_record(&l.server, &l.signer, &record)?;
    Ok(UploadRecord {
        index: p.index,
        logged_at: p.logged_at,
        existing: p.existing,
        record_sha256: p.record_sha256,
        gate: gate.to_string(),
    })
}

/// Whether a status counts towards the threshold, and if a good one does not, why.
/// With a log, `judged_at` is when the log first recorded the signature (the trust file's
/// windows apply at that time); without one, the signature's creation time.
fn judge(
    st: &SigStatus,
    trust: Option<&TrustFile>,
    counted: &[SigStatus],
    judged_at: Option<SystemTime>,
) -> (bool, Option<String>) {
    let Some(g) = st.good() else {
        return (false, None);
    };
    if let Some(t) = trust {
        match t.openpgp_key(&g.key.primary) {
            None => {
                return (
                    false,
                    Some("not a key of the trust file: not counted".into()),
                )
            }
            Some(k) if !k.valid_at(judged_at.unwrap_or(g.created)) => {
                return (
                    false,
                    Some(format!(
                    "outside the key's validity window in the trust file ({} .. {}) at {}: not counted",
                    k.valid_after
                        .map(tarseal_sig::format_utc)
                        .unwrap_or_else(|| "-".into()),
                    k.valid_before
                        .map(tarseal_sig::format_utc)
                        .unwrap_or_else(|| "-".into()),
                    tarseal_sig::format_utc(judged_at.unwrap_or(g.created))
                )),
                )
            }
            Some(_) => {}
        }
    }
    let again = counted
        .iter()
        .filter_map(SigStatus::good)
        .any(|c| c.key.primary == g.key.primary);
    if again {
        // Still "counted" in the sense that it is a valid vouch; the key counts once.
        return (
            true,
            Some("the same key signed already: it counts once".into()),
        );
    }
    (true, None)
}

/// The report for people (what `tarseal gate` prints).
pub fn render(r: &GateReport) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    if let Some(f) = &r.file {
        let _ = writeln!(o, "file     {} ({} bytes)", f.source, f.size);
        let _ = writeln!(o, "sha256   {}", f.sha256);
        let _ = writeln!(o, "sha512   {}", f.sha512);
    }
    if r.signatures.is_empty() {
        let _ = writeln!(o, "sig      none given");
    }
    if let Some(l) = &r.log {
        let _ = writeln!(
            o,
            "log      {} project {} tag {}: {}",
            l.server,
            l.project,
            l.tag,
            match l.checkpoint_size {
                Some(n) => format!(
                    "{} cosign record(s) for these bytes, proven in the checkpoint of size {n}",
                    l.cosign_records
                ),
                None => "no record".into(),
            }
        );
    }
    for s in &r.signatures {
        let _ = writeln!(
            o,
            "sig      {:<19} {} {}{}: {}",
            s.status,
            if s.counted { "[counts]" } else { "[ignored]" },
            s.file,
            match (&s.logged_at, s.log_index) {
                (Some(t), Some(i)) => format!(" (logged {t}, entry {i})"),
                _ => String::new(),
            },
            s.detail
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
        "keys     {} distinct key(s) signed these bytes ({} required, from {}){}",
        r.threshold.distinct_keys,
        r.threshold.required,
        r.threshold.from,
        if r.threshold.keys.is_empty() {
            String::new()
        } else {
            format!(": {}", r.threshold.keys.join(", "))
        }
    );
    if let Some(u) = &r.upload_record {
        let _ = writeln!(
            o,
            "upload   record {} at index {} (logged {}; gate {})",
            if u.existing {
                "already logged"
            } else {
                "logged"
            },
            u.index,
            u.logged_at,
            u.gate
        );
    }
    let v = match r.verdict {
        "pass" => "PASS: enough distinct keys signed exactly these bytes; upload may proceed",
        "fail" => "FAIL: a signature by a known key does not verify over these bytes (or the download is incomplete, or the log's answer does not verify); do not upload",
        "error" => "ERROR: the gate passed but its upload record was not logged; do not upload",
        _ => "INDETERMINATE: not enough distinct keys signed these bytes; do not upload yet",
    };
    let _ = writeln!(o, "verdict  {v}");
    o
}
