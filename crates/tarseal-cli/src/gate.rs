//! `tarseal gate FILE|URL`: the upload gate. Re-hashes the bytes it is given (a download is
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

use crate::sigs;
use crate::verify::{self, Ctx, Origin, StreamError};
use crate::{load_keyring, Format, EXIT_USAGE};
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;
use tarseal_record::{Kind, Record};
use tarseal_server::client::QueryError;
use tarseal_sig::{SigStatus, SigningKey, TrustFile};

/// Schema of `--format json`.
pub const SCHEMA: &str = "tarseal.gate/v1";

#[derive(Args)]
pub(crate) struct GateArgs {
    /// The file to gate: a path, or an http(s) URL (downloaded and hashed as it arrives,
    /// never stored).
    file: String,
    /// Detached signatures over FILE (armored or binary; one or more signature packets each).
    #[arg(value_name = "SIG")]
    sigs: Vec<PathBuf>,
    /// Keys whose signatures count (repeatable; OpenPGP exports). Required.
    #[arg(long, value_name = "FILE", required = true)]
    keyring: Vec<PathBuf>,
    /// Distinct keys (a certificate counts once, whatever subkeys signed) whose good
    /// signatures are required. Defaults to the --trust file's threshold.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    threshold: Option<u32>,
    /// Read the signatures from `sigs/*/*/<FILE's name>.<KEYID16>.asc` in this ref of --repo
    /// (a release-sigs branch).
    #[arg(long, value_name = "REF", requires = "repo")]
    sigs_from: Option<String>,
    /// The git repository holding --sigs-from.
    #[arg(long, value_name = "DIR", requires = "sigs_from")]
    repo: Option<PathBuf>,
    /// The project trust file (tarseal-sig TrustFile): only its keys count, each judged
    /// against its validity window at the time the log first recorded the signature (with
    /// --server), else at the signature's creation time; its threshold is the default of
    /// --threshold.
    #[arg(long, value_name = "FILE")]
    trust: Option<PathBuf>,
    /// Output format: text, or json (schema tarseal.gate/v1).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Seconds allowed to connect and to receive a response's head (the body: 20 times this).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    timeout: u64,
    /// The transparency log (base URL). Each signature is then judged at the time the log
    /// first recorded it (its cosign record), signatures the log never recorded do not
    /// count, the log's cosign records of this file are read as signatures, and a pass
    /// publishes an upload record. Needs --log-key, --project, --tag and --key.
    #[arg(long, value_name = "URL", requires_all = ["log_key", "project", "tag", "key"])]
    server: Option<String>,
    /// The log's verifier key (`name+hex+base64`, printed by `tarseal serve`): every answer
    /// must be proven against a checkpoint it signed.
    #[arg(long, value_name = "KEY", requires = "server")]
    log_key: Option<String>,
    /// The project whose cosign records are read and under which the upload is recorded.
    #[arg(long, value_name = "NAME", requires = "server")]
    project: Option<String>,
    /// The tag (release) whose cosign records are read.
    #[arg(long, value_name = "TAG", requires = "server")]
    tag: Option<String>,
    /// The OpenPGP secret key that signs the upload record (`chmod 600`; its primary key
    /// must be allowed by the project's trust file on the log).
    #[arg(long, value_name = "SECRET_KEY", requires = "server")]
    key: Option<PathBuf>,
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

#[derive(Serialize)]
struct FileInfo {
    source: String,
    name: String,
    size: u64,
    sha256: String,
    sha512: String,
    md5: String,
}

#[derive(Serialize)]
struct SigReport {
    /// Where the signature was read (a path, or `REF:PATH` for --sigs-from).
    file: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    primary: Option<String>,
    /// Whether this signature counts towards the threshold.
    counted: bool,
    detail: String,
    /// With a log: when the log first recorded these signature bytes (the time the key was
    /// judged at); absent when it never did.
    #[serde(skip_serializing_if = "Option::is_none")]
    logged_at: Option<String>,
    /// With a log: the index of that cosign record.
    #[serde(skip_serializing_if = "Option::is_none")]
    log_index: Option<u64>,
}

#[derive(Serialize)]
struct LogInfo {
    server: String,
    project: String,
    tag: String,
    /// Size of the checkpoint (signed by the pinned log key) every record was proven in;
    /// absent when the log has nothing for the project and tag.
    checkpoint_size: Option<u64>,
    /// Cosign records of this file with the digest of the bytes read.
    cosign_records: usize,
}

#[derive(Serialize)]
struct UploadRecord {
    index: u64,
    logged_at: String,
    existing: bool,
    record_sha256: String,
    gate: String,
}

#[derive(Serialize)]
struct Threshold {
    required: u32,
    /// `--threshold` or `trust-file`.
    from: &'static str,
    distinct_keys: usize,
    keys: Vec<String>,
}

#[derive(Serialize)]
struct GateReport {
    schema: &'static str,
    tool: tarseal_check::report::ToolInfo,
    verdict: &'static str,
    exit_code: u8,
    file: Option<FileInfo>,
    signatures: Vec<SigReport>,
    threshold: Threshold,
    problems: Vec<String>,
    warnings: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    log: Option<LogInfo>,
    /// The upload record published after a pass with a log.
    #[serde(skip_serializing_if = "Option::is_none")]
    upload_record: Option<UploadRecord>,
}

pub(crate) fn gate(args: GateArgs) -> ExitCode {
    match run(&args) {
        Ok(report) => {
            match args.format {
                Format::Json => match serde_json::to_string_pretty(&report) {
                    Ok(s) => println!("{s}"),
                    Err(_) => return ExitCode::from(EXIT_USAGE),
                },
                Format::Text => print!("{}", render(&report)),
            }
            ExitCode::from(report.exit_code)
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

fn run(args: &GateArgs) -> Result<GateReport, String> {
    let keyring = load_keyring(&args.keyring)?.unwrap_or_default();
    let trust = match &args.trust {
        Some(p) => Some(TrustFile::from_file(p).map_err(|e| e.to_string())?),
        None => None,
    };
    let (required, from) = match (args.threshold, &trust) {
        (Some(n), _) => (n, "--threshold"),
        (None, Some(t)) => (t.threshold as u32, "trust-file"),
        (None, None) => return Err("give --threshold N (or --trust FILE with a threshold)".into()),
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
            signer: SigningKey::from_file(key).map_err(|e| e.to_string())?,
        }),
        (None, ..) => None,
        _ => return Err("--server needs --log-key, --project, --tag and --key".into()),
    };
    let (origin, name) = verify::origin_of(&args.file)?;

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
            Err(e @ QueryError::Unavailable(_)) => return Err(format!("{}: {e}", l.server)),
        }
    }

    let mut given: Vec<(String, Vec<u8>)> = Vec::new();
    for p in &args.sigs {
        let b = std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        given.push((p.display().to_string(), b));
    }
    if let (Some(r), Some(repo)) = (&args.sigs_from, &args.repo) {
        for (path, bytes) in sigs::signatures_in_ref(repo, r, &name)? {
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
        agent: verify::agent(args.timeout),
        keyring,
    };
    let bytes: Vec<Vec<u8>> = candidates.iter().map(|c| c.bytes.clone()).collect();
    let streamed = match verify::stream(&ctx, &origin, &bytes) {
        Ok(s) => Some(s),
        Err(StreamError::Io(e)) => return Err(e),
        Err(StreamError::Rejected(e)) => {
            problems.push(e);
            None
        }
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
                    tarseal_sig::parse_utc(&c.logged_at).ok_or_else(|| {
                        format!("log entry {}: logged_at {:?}", c.index, c.logged_at)
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
                                verify::status_name(&st)
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
                        detail: e.clone(),
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
                (verdict, exit_code) = ("error", EXIT_USAGE);
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
) -> Result<Option<(Vec<u8>, LogCosign)>, String> {
    let rec = Record::parse(&r.record)?;
    if rec.kind != Kind::Cosign {
        return Err(format!(
            "kind {} holds a {} record",
            r.kind,
            rec.kind.name()
        ));
    }
    if rec.get("project") != l.project || rec.get("tag") != l.tag {
        return Err(format!(
            "a record for project {:?} tag {:?} in the answer for {:?} {:?}",
            rec.get("project"),
            rec.get("tag"),
            l.project,
            l.tag
        ));
    }
    if rec.get("file") != name {
        return Ok(None);
    }
    let bytes = sigs::base64_decode(rec.get("signature"))
        .ok_or("its signature is not base64 (standard alphabet)")?;
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
) -> Result<UploadRecord, String> {
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
    )?
    .to_text();
    let p = sigs::publish_record(&l.server, &l.signer, &record)?;
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

fn render(r: &GateReport) -> String {
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
