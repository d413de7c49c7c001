//! `tarseal verify FILE|URL`: re-hash the bytes (a download is hashed as it arrives and never
//! trusted) and hold them against the checksum files, the seal record and the detached
//! signatures found beside them, each signature verified against `--keyring`.
//!
//! Decision (docs/verify-schema.md): exit 1 on any SHA-256/SHA-512/size mismatch, a BAD
//! signature by a keyring key, or a download cut short; else 0 when at least one source that
//! a good keyring signature vouches for matches the bytes and the distinct good keys reach
//! `--threshold`; else 3. MD5 is printed and compared only for a warning.

use crate::logview;
use crate::stream::{self, Ctx, FetchError, OriginError, StreamError, Streamed};
use crate::sums;
use serde::Serialize;
use std::path::PathBuf;
use tarseal_record::Record;
use tarseal_sig::{Keyring, SigStatus};

/// Schema of `--format json`.
pub const SCHEMA: &str = "tarseal.verify/v1";

/// What to verify and against what (the flags of `tarseal verify`).
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The file: a path, or an http:// or https:// URL (downloaded and hashed as it
    /// arrives, never stored).
    pub file: String,
    /// Keys whose signatures count (OpenPGP exports).
    pub keyring: Vec<PathBuf>,
    /// Checksum files in addition to those found beside the file (their signature is
    /// looked for at SUMS.asc).
    pub sums: Vec<PathBuf>,
    /// A seal record in addition to NAME.seal beside the file.
    pub seal: Option<PathBuf>,
    /// Detached signatures over the file in addition to FILE.asc.
    pub sigs: Vec<PathBuf>,
    /// A DSSE envelope with an in-toto verification summary (`NAME.intoto.jsonl`, written
    /// by seal): its signature by a keyring key, payload type, subject digests and
    /// `verificationResult` are checked; it vouches like a signed seal record.
    pub attestation: Option<PathBuf>,
    /// Distinct keyring keys whose good signatures must vouch (at least 1).
    pub threshold: u32,
    /// The log to ask: its records of `project`/`tag` are proven against `log_key`.
    pub server: Option<String>,
    /// The project, as logged (with `server`).
    pub project: Option<String>,
    /// The tag, as logged (with `server`).
    pub tag: Option<String>,
    /// The log's verifier key (`name+hex+base64`), pinned. With it the log must vouch:
    /// through `server`, or offline through `proof` / NAME.tlog-proof.
    pub log_key: Option<String>,
    /// A tlog-proof file (default: NAME.tlog-proof beside the file, with `log_key`).
    pub proof: Option<PathBuf>,
    /// Witnesses' verifier keys (`name+hex+base64`, printed by `tarseal witness`): the
    /// log's checkpoint (online or in the tlog-proof) must carry valid cosignatures from
    /// `witness_threshold` distinct ones, else the verdict is fail naming those missing.
    pub witness_keys: Vec<String>,
    /// How many distinct `witness_keys` must have cosigned (`None`: all of them).
    pub witness_threshold: Option<usize>,
    /// Seconds to connect and to receive a response's head (a body: 20 times this).
    pub timeout: u64,
}

impl VerifyOptions {
    /// Options for `file` with the defaults of the command line (threshold 1, timeout
    /// 30 s, no log).
    pub fn new(file: impl Into<String>) -> VerifyOptions {
        VerifyOptions {
            file: file.into(),
            keyring: Vec::new(),
            sums: Vec::new(),
            seal: None,
            sigs: Vec::new(),
            attestation: None,
            threshold: 1,
            server: None,
            project: None,
            tag: None,
            log_key: None,
            proof: None,
            witness_keys: Vec::new(),
            witness_threshold: None,
            timeout: 30,
        }
    }
}

/// Why verify has no verdict (exit 2): the inputs could not be read. Everything that can be
/// judged is a finding of the [`VerifyReport`] instead.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// A `--keyring` file could not be loaded.
    #[error(transparent)]
    Keyring(#[from] tarseal_sig::KeyringError),
    /// The file to verify is not there (or names no file).
    #[error(transparent)]
    Origin(#[from] OriginError),
    /// A sidecar or a file given by name could not be read.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The bytes could not be obtained (not a rejection: those are findings).
    #[error(transparent)]
    Stream(StreamError),
    /// The log named with `server` could not be asked.
    #[error("the log at {server}: {source}")]
    Log {
        /// The log's URL.
        server: String,
        /// What went wrong.
        source: tarseal_server::client::QueryError,
    },
    /// A tlog-proof could not be checked at all (e.g. a malformed `--log-key`).
    #[error(transparent)]
    Proof(tarseal_server::client::QueryError),
    /// The attestation (`--attestation`) is not JSON, or not shaped as a DSSE envelope.
    #[error("{path}: {source}")]
    Attestation {
        /// Where it was read.
        path: String,
        /// What is malformed.
        source: tarseal_attest::EnvelopeError,
    },
    /// A witness key or threshold that cannot be used (a bad key, a threshold above the
    /// number of distinct keys).
    #[error(transparent)]
    Witness(#[from] tarseal_witness::PolicyError),
}

/// The file's digests as read.
#[derive(Debug, Serialize)]
pub struct FileInfo {
    /// The path or URL given.
    pub source: String,
    /// The file name checksum files and records name.
    pub name: String,
    /// Bytes read.
    pub size: u64,
    /// `Content-Length` a server announced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_length: Option<u64>,
    /// Hex SHA-256.
    pub sha256: String,
    /// Hex SHA-512.
    pub sha512: String,
    /// Hex MD5 (informational only).
    pub md5: String,
}

/// One signature packet's status.
#[derive(Debug, Serialize)]
pub struct SigReport {
    /// The signature file.
    pub file: String,
    /// What it signs: the file itself, a checksum file, or the seal record.
    pub covers: String,
    /// `good`, `bad`, `expired`, ... ([`stream::status_name`]), `malformed`.
    pub status: &'static str,
    /// The signing (sub)key's fingerprint, or the issuer named by an unknown key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The certificate's primary fingerprint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<String>,
    /// For people.
    pub detail: String,
}

/// One source of truth about the bytes, and whether it agrees.
#[derive(Debug, Serialize)]
pub struct SourceReport {
    /// `checksum` (a checksum file), `seal`, `signature` (a detached signature over the
    /// file) or `log` (a record of the log, with --server).
    pub kind: &'static str,
    /// Where it was read.
    pub file: String,
    /// `sha256`, `sha512`, `md5`, `size`, or `openpgp` for a signature.
    pub algorithm: String,
    /// `match`, `mismatch`, `no-entry` (the file does not name NAME), `unreadable`.
    pub status: &'static str,
    /// Primary fingerprints of keyring keys with a good signature over this source.
    pub signed_by: Vec<String>,
    /// For people.
    pub detail: String,
}

/// How many distinct keys vouch, against how many are required.
#[derive(Debug, Serialize)]
pub struct Threshold {
    /// `--threshold`.
    pub required: u32,
    /// Distinct keyring certificates whose good signatures vouch for matching sources.
    pub distinct_keys: usize,
    /// Their primary fingerprints.
    pub keys: Vec<String>,
}

/// The verdict of verify (`tarseal.verify/v1`, docs/verify-schema.md).
#[derive(Debug, Serialize)]
pub struct VerifyReport {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// The tool that made it.
    pub tool: tarseal_check::report::ToolInfo,
    /// `pass`, `fail` or `indeterminate`.
    pub verdict: &'static str,
    /// 0, 1 or 3 (as `verdict`).
    pub exit_code: u8,
    /// The digests; absent when the download was cut short.
    pub file: Option<FileInfo>,
    /// Every source found.
    pub sources: Vec<SourceReport>,
    /// Every signature packet found.
    pub signatures: Vec<SigReport>,
    /// The threshold and who reached it.
    pub threshold: Threshold,
    /// What is proven wrong (any makes the verdict `fail`).
    pub problems: Vec<String>,
    /// What a person should know.
    pub warnings: Vec<String>,
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
    fn signatures<E: std::fmt::Display>(
        &mut self,
        file: &str,
        covers: &str,
        result: Result<Vec<SigStatus>, E>,
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
                        status: stream::status_name(st),
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
                    detail: e.to_string(),
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

/// Verifies the file of `args`: one pass over its bytes, held against every checksum file,
/// seal record, detached signature and (with a log key) log record found or given.
/// `Err` only when the inputs cannot be read (exit 2); every judgement is in the report.
pub fn verify(args: &VerifyOptions) -> Result<VerifyReport, VerifyError> {
    let keyring = Keyring::from_files(&args.keyring)?.unwrap_or_default();
    let ctx = Ctx {
        agent: stream::agent(args.timeout),
        keyring,
    };
    let (origin, name) = stream::origin_of(&args.file)?;
    let witnesses =
        tarseal_witness::WitnessPolicy::new(&args.witness_keys, args.witness_threshold)?;

    // Signatures over the file itself: FILE.asc and every --sig.
    let mut file_sigs: Vec<(String, Vec<u8>)> = Vec::new();
    let own_asc = origin.sidecar(&format!("{name}.asc"));
    if let Some(b) = ctx.fetch(&own_asc)? {
        file_sigs.push((own_asc, b));
    }
    for p in &args.sigs {
        let loc = p.display().to_string();
        let b = ctx.fetch_required(&loc)?;
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
    let mut streamed = match stream::stream(&ctx, &origin, &sig_bytes) {
        Ok(s) => s,
        Err(e) if e.is_rejection() => {
            t.problems.push(e.to_string());
            return Ok(finish(args, t, None));
        }
        Err(e) => return Err(VerifyError::Stream(e)),
    };

    // 1. Detached signatures over the bytes.
    let results = std::mem::take(&mut streamed.sig_results);
    for ((loc, _), result) in file_sigs.iter().zip(results) {
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
                let r = tarseal_sig::verify_detached(&ctx.keyring, &sig, &bytes[..], None);
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
            .map_err(|_| sums::SumsError::NotUtf8)
            .and_then(|s| sums::parse(s, hex_len));
        match parsed {
            Err(e) => {
                src.status = "unreadable";
                src.detail = e.to_string();
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
                let r = tarseal_sig::verify_detached(&ctx.keyring, &sig, &bytes[..], None);
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
        match seal_record(&bytes) {
            Err(e) => {
                src.detail = e.to_string();
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

    // 3b. The attestation: a signed verification summary naming the bytes.
    if let Some(p) = &args.attestation {
        let loc = p.display().to_string();
        let bytes = ctx.fetch_required(&loc)?;
        attestation_source(&ctx, &mut t, &loc, &bytes, &name, &streamed)?;
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
            let text = ctx.fetch_required(&loc)?;
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
) -> Result<(), VerifyError> {
    use tarseal_server::client::{query_verified, QueryError};
    let verified = match query_verified(server, project, tag, log_key) {
        Ok(Some(v)) => v,
        Ok(None) => {
            t.warnings.push(format!(
                "the log at {server} has no record of project {project:?} tag {tag:?}"
            ));
            return Ok(());
        }
        Err(e @ QueryError::Unavailable(_)) => {
            return Err(VerifyError::Log {
                server: server.to_string(),
                source: e,
            })
        }
        Err(e @ QueryError::Invalid(_)) => {
            t.problems.push(format!("{server}: {e}"));
            return Ok(());
        }
    };
    t.log_note = Some(verified.note.clone());
    if verified.records.is_empty() {
        t.warnings.push(format!(
            "the log at {server} has no record of project {project:?} tag {tag:?}"
        ));
        return Ok(());
    }
    // The log holds records of P/T: if none of them names these bytes, the bytes are not
    // the ones that were built, sealed or let through for that tag (whatever their name).
    let strangers = logview::none_with_digest(&verified.records, &streamed.sha256);
    if !strangers.is_empty() {
        t.problems.push(format!(
            "the log at {server} holds {} record(s) of project {project:?} tag {tag:?} and none has these bytes' sha256 {}: logged {}",
            verified.records.len(),
            streamed.sha256,
            strangers.join("; ")
        ));
    }
    let found = logview::findings(&verified.records, name, &streamed.sha256);
    if found.is_empty() && strangers.is_empty() {
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

/// `--attestation`: the DSSE envelope of `loc` checked by tarseal-attest against the keyring
/// and the bytes. Malformed JSON is an input error; everything else wrong is a problem.
fn attestation_source(
    ctx: &Ctx,
    t: &mut Tally,
    loc: &str,
    bytes: &[u8],
    name: &str,
    streamed: &Streamed,
) -> Result<(), VerifyError> {
    let mut src = SourceReport {
        kind: "attestation",
        file: loc.to_string(),
        algorithm: "in-toto dsse sha256+sha512".into(),
        status: "mismatch",
        signed_by: Vec::new(),
        detail: String::new(),
    };
    let env = match tarseal_attest::Envelope::parse(bytes) {
        Ok(env) => env,
        Err(e) if e.is_malformed() => {
            return Err(VerifyError::Attestation {
                path: loc.to_string(),
                source: e,
            })
        }
        Err(e) => {
            src.detail = format!("damaged envelope: {e}");
            t.problems.push(format!("{loc}: {}", src.detail));
            t.sources.push(src);
            return Ok(());
        }
    };
    let v = tarseal_attest::verify(&env, &ctx.keyring, name, &streamed.sha256, &streamed.sha512);
    for (i, s) in v.signatures.iter().enumerate() {
        for st in &s.statuses {
            t.signatures.push(SigReport {
                file: format!("{loc} signatures[{i}]"),
                covers: "the DSSE PAE of the attestation".into(),
                status: stream::status_name(st),
                key: st.key().map(|k| k.key.clone()).or_else(|| match st {
                    SigStatus::UnknownKey { issuers } => issuers.first().cloned(),
                    _ => None,
                }),
                primary: st.key().map(|k| k.primary.clone()),
                detail: st.to_string(),
            });
        }
    }
    let good = v.good();
    src.signed_by = primaries(&good);
    t.warnings
        .extend(v.warnings.iter().map(|w| format!("{loc}: {w}")));
    if v.vouches() {
        src.status = "match";
        src.detail = format!(
            "verificationResult PASSED by {} at {}",
            v.statement
                .as_ref()
                .and_then(|s| s.pointer("/predicate/verifier/id"))
                .and_then(serde_json::Value::as_str)
                .unwrap_or("?"),
            v.predicate_str("timeVerified").unwrap_or("?")
        );
        t.matched(&good);
    } else {
        let what: Vec<String> = v.problems.iter().map(|p| p.to_string()).collect();
        src.detail = if what.is_empty() {
            "no signature by a keyring key".to_string()
        } else {
            what.join("; ")
        };
        for p in &v.problems {
            t.problems.push(format!("{loc}: {p}"));
        }
        if v.problems.is_empty() {
            t.problems.push(format!("{loc}: {}", src.detail));
        }
    }
    t.sources.push(src);
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
    let sig = tarseal_sig::verify_detached(&ctx.keyring, signature, record.as_bytes(), None);
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
            let what = logview::kind_label(kind);
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

/// Why a `NAME.seal` sidecar is not a seal record.
#[derive(Debug, thiserror::Error)]
enum SealRecordError {
    #[error("not UTF-8")]
    NotUtf8,
    #[error("{0}")]
    Parse(tarseal_record::RecordError),
    #[error("a {} record where a seal (tarseal/v1 artifact) belongs", .0.name())]
    WrongKind(tarseal_record::Kind),
}

fn seal_record(bytes: &[u8]) -> Result<Record, SealRecordError> {
    let text = std::str::from_utf8(bytes).map_err(|_| SealRecordError::NotUtf8)?;
    let r = Record::parse(text).map_err(SealRecordError::Parse)?;
    match r.kind {
        tarseal_record::Kind::Artifact => Ok(r),
        k => Err(SealRecordError::WrongKind(k)),
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
) -> Result<(), VerifyError> {
    use tarseal_server::client::{verify_tlog_proof_note, QueryError};
    let (index, entry) = match verify_tlog_proof_note(text, log_key) {
        Err(e @ QueryError::Unavailable(_)) => return Err(VerifyError::Proof(e)),
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

fn finish(args: &VerifyOptions, t: Tally, file: Option<FileInfo>) -> VerifyReport {
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
    }
}

/// The report for people (what `tarseal verify` prints).
pub fn render(r: &VerifyReport) -> String {
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
