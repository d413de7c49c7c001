//! `tarseal serve`, `tarseal publish` and `tarseal query`: thin shells over tarseal-server
//! (the service and its blocking client).

use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tarseal_server::app::QueryAnswer;
use tarseal_server::client;

use crate::EXIT_USAGE;

/// Exit code when the log has no record (indeterminate, never "clean").
const EXIT_INDETERMINATE: u8 = 3;

#[derive(Args)]
pub(crate) struct ServeArgs {
    /// Data directory: the log key (`log-key`, created on first start, mode 0600), the SQLite
    /// database `tarseal.db`, and by default the trust directory `trust/`.
    #[arg(long, value_name = "DIR", default_value = "tarseal-data")]
    data_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8470")]
    listen: String,
    /// The store: `sqlite:PATH` (default: DATA_DIR/tarseal.db) or `postgres://USER@HOST/DB`
    /// (libpq options as query parameters, e.g. `?host=/run/postgresql`).
    #[arg(long, value_name = "URL")]
    db: Option<String>,
    /// Who may publish: `<project>.toml` (tarseal trust file) and `<project>.keys` (their
    /// OpenPGP certificates) per project (default: DATA_DIR/trust).
    #[arg(long, value_name = "DIR")]
    trust_dir: Option<PathBuf>,
    /// The log's origin (its checkpoint's first line and key name), used when the key is
    /// created.
    #[arg(long, value_name = "NAME", default_value = "tarseal.localhost/log")]
    origin: String,
    /// Publishes per second allowed per client address, sustained (429 with Retry-After
    /// beyond); 0 = no limit (put the limit in a proxy in front instead).
    #[arg(long, value_name = "N", default_value_t = 100.0)]
    publish_rate: f64,
    /// Publishes a client address may send at once before the rate applies.
    #[arg(long, value_name = "N", default_value_t = 1000.0)]
    publish_burst: f64,
}

pub(crate) fn serve(args: ServeArgs) -> ExitCode {
    let sane = args.publish_rate >= 0.0
        && args.publish_rate.is_finite()
        && args.publish_burst >= 1.0
        && args.publish_burst.is_finite();
    if !sane {
        eprintln!("tarseal: error: --publish-rate must be >= 0 and --publish-burst >= 1");
        return ExitCode::from(EXIT_USAGE);
    }
    let cfg = tarseal_server::Config {
        data_dir: args.data_dir,
        listen: args.listen,
        db: args.db,
        trust_dir: args.trust_dir,
        origin: args.origin,
        publish_rate: tarseal_server::ratelimit::RateLimit {
            per_second: args.publish_rate,
            burst: args.publish_burst,
        },
    };
    match tarseal_server::serve_blocking(cfg) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tarseal: error: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

#[derive(Args)]
pub(crate) struct PublishArgs {
    /// The record `NAME.seal`; its signature `NAME.seal.asc` is read beside it.
    record: PathBuf,
    /// The log's base URL.
    #[arg(long, value_name = "URL")]
    server: String,
}

pub(crate) fn publish(args: PublishArgs) -> ExitCode {
    match publish_file(&args.record, &args.server) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tarseal: error: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Publishes `record` (+ `.asc`), writes `NAME.tlog-proof` beside it (NAME = the record's
/// name without `.seal`), prints the entry index. 0 logged, 1 refused (403, 409, 400), 2 I/O.
pub(crate) fn publish_file(record: &Path, server: &str) -> Result<ExitCode, String> {
    let text = std::fs::read_to_string(record)
        .map_err(|e| format!("cannot read {}: {e}", record.display()))?;
    let asc_path = PathBuf::from(format!("{}.asc", record.display()));
    let sig = std::fs::read_to_string(&asc_path)
        .map_err(|e| format!("cannot read {}: {e}", asc_path.display()))?;
    let a = client::publish(server, &text, &sig)?;
    if a.status != 200 {
        let msg = serde_json::from_str::<serde_json::Value>(&a.body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
            .unwrap_or(a.body);
        eprintln!("tarseal: rejected: the log answered {}: {msg}", a.status);
        // 429 and 5xx say nothing about the record: not a rejection, try again later.
        let transient = a.status >= 500 || a.status == 429;
        return Ok(ExitCode::from(if transient { EXIT_USAGE } else { 1 }));
    }
    let p = client::parse_published(&a.body)?;
    let name = record
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.strip_suffix(".seal").unwrap_or(n).to_string())
        .ok_or("record path has no file name")?;
    let proof_path = record.with_file_name(format!("{name}.tlog-proof"));
    std::fs::write(&proof_path, &p.tlog_proof)
        .map_err(|e| format!("cannot write {}: {e}", proof_path.display()))?;
    println!("{}", p.index);
    publish_report(record, &name, server, p.index);
    eprintln!(
        "tarseal: {} entry {} of the log; proof in {}",
        if p.existing {
            "already logged as"
        } else {
            "logged as"
        },
        p.index,
        proof_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Hands the log `NAME.report.json` from beside the record, for its web view. The record is
/// logged whatever happens here, so a failure is a warning, not an exit code.
fn publish_report(record: &Path, name: &str, server: &str, index: u64) {
    let path = record.with_file_name(format!("{name}.report.json"));
    let Ok(report) = std::fs::read_to_string(&path) else {
        return;
    };
    match client::publish_report(server, index, &report) {
        Ok(a) if a.status == 200 => {}
        Ok(a) => eprintln!(
            "tarseal: warning: the log did not keep {} ({}): {}",
            path.display(),
            a.status,
            a.body.trim()
        ),
        Err(e) => eprintln!("tarseal: warning: {} not sent: {e}", path.display()),
    }
}

#[derive(Args)]
pub(crate) struct QueryArgs {
    /// The project.
    project: String,
    /// The tag.
    tag: String,
    /// The log's base URL.
    #[arg(long, value_name = "URL")]
    server: String,
    /// The log's verifier key (`name+hex+base64`, printed by `tarseal serve`): the checkpoint
    /// must be signed by it. Without it the proofs are checked against an unauthenticated root.
    #[arg(long, value_name = "KEY")]
    log_key: Option<String>,
    /// Print `MD5  FILE` lines (md5sum -c).
    #[arg(long, conflicts_with_all = ["sha256", "json"])]
    md5: bool,
    /// Print `SHA256  FILE` lines (sha256sum -c); the default.
    #[arg(long, conflicts_with_all = ["md5", "json"])]
    sha256: bool,
    /// Print the verified answer as JSON.
    #[arg(long, conflicts_with_all = ["md5", "sha256"])]
    json: bool,
    /// Keys whose record signatures count (OpenPGP exports, repeatable): every record's own
    /// signature is verified; records no keyring key signed are left out (with a warning), a
    /// bad signature rejects the answer (exit 1).
    #[arg(long, value_name = "FILE")]
    keyring: Vec<PathBuf>,
    /// The last checkpoint this client verified (created on first use): the answer's
    /// checkpoint must be consistent with it (a consistency proof from the log, checked
    /// against both roots), else exit 1 — the log rewrote or forked its history. Updated
    /// when the tree grew. Needs --log-key.
    #[arg(long, value_name = "FILE", requires = "log_key")]
    checkpoint_file: Option<PathBuf>,
}

/// Checks `cp` (just verified, signed note `note`) against the checkpoint kept in `state`,
/// then keeps the newer one. The kept note is re-verified with `key`: a state file is only
/// as good as its signature.
fn remember_checkpoint(
    state: &Path,
    key: &str,
    server: &str,
    note: &str,
    cp: &client::CheckpointBody,
) -> Result<(), client::QueryError> {
    use client::QueryError;
    let old = match std::fs::read_to_string(state) {
        Ok(text) => Some(client::open_checkpoint(&text, Some(key)).map_err(|e| {
            QueryError::Unavailable(format!(
                "{}: not a checkpoint signed by --log-key: {e}",
                state.display()
            ))
        })?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(QueryError::Unavailable(format!(
                "cannot read {}: {e}",
                state.display()
            )))
        }
    };
    if let Some(old) = &old {
        client::verify_consistency(server, old, cp)?;
        eprintln!(
            "tarseal: checkpoint of size {} is consistent with the one of size {} kept in {}",
            cp.size,
            old.size,
            state.display()
        );
        if old.size == cp.size {
            return Ok(());
        }
    }
    let dir = match state.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = state
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    crate::atomic::write_all(&dir, &[(name, note.as_bytes())])
        .map(|_| ())
        .map_err(QueryError::Unavailable)
}

pub(crate) fn query(args: QueryArgs) -> ExitCode {
    let a = match client::query(&args.server, &args.project, &args.tag, None) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("tarseal: error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if a.status == 404 {
        eprintln!("tarseal: {}", a.body.trim_end());
        return ExitCode::from(EXIT_INDETERMINATE);
    }
    if a.status != 200 {
        eprintln!(
            "tarseal: error: the log answered {}: {}",
            a.status,
            a.body.trim_end()
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let answer: QueryAnswer = match serde_json::from_str(&a.body) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("tarseal: error: unexpected answer from the log: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let cp = match client::verify_answer(&answer, args.log_key.as_deref()) {
        Ok(cp) => cp,
        Err(e) => {
            eprintln!("tarseal: rejected: the log's answer does not verify: {e}");
            return ExitCode::from(1);
        }
    };
    if let (Some(state), Some(key)) = (&args.checkpoint_file, &args.log_key) {
        match remember_checkpoint(state, key, &args.server, &answer.checkpoint, &cp) {
            Ok(()) => {}
            Err(client::QueryError::Invalid(e)) => {
                eprintln!("tarseal: REJECTED: {e}");
                return ExitCode::from(1);
            }
            Err(client::QueryError::Unavailable(e)) => {
                eprintln!("tarseal: error: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    let mut answer = answer;
    if !args.keyring.is_empty() {
        let mut keyring = tarseal_sig::Keyring::new();
        for k in &args.keyring {
            if let Err(e) = keyring.add_file(k) {
                eprintln!("tarseal: error: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        }
        let mut kept = Vec::new();
        for r in answer.records {
            let st = match tarseal_sig::verify_detached(
                &keyring,
                r.signature.as_bytes(),
                r.record.as_bytes(),
                None,
            ) {
                Ok(st) => st,
                Err(e) => {
                    eprintln!("tarseal: rejected: entry {}: its signature: {e}", r.index);
                    return ExitCode::from(1);
                }
            };
            if let Some(bad) = st
                .iter()
                .find(|s| matches!(s, tarseal_sig::SigStatus::Bad { .. }))
            {
                eprintln!("tarseal: rejected: entry {}: {bad}", r.index);
                return ExitCode::from(1);
            }
            if st.iter().any(|s| s.good().is_some()) {
                kept.push(r);
            } else {
                let why: Vec<String> = st.iter().map(|s| s.to_string()).collect();
                eprintln!(
                    "tarseal: warning: entry {} ({} record of {}) is not signed by a --keyring key ({}): left out",
                    r.index,
                    r.kind,
                    r.file,
                    why.join("; ")
                );
            }
        }
        answer.records = kept;
    }
    if answer.records.is_empty() {
        eprintln!("tarseal: indeterminate: no record");
        return ExitCode::from(EXIT_INDETERMINATE);
    }
    // Build, seal and upload records of one file that name different bytes prove the file
    // changed between those steps.
    let different = crate::logview::disagreements(&answer.records);
    for (file, rs) in &different {
        eprintln!("tarseal: REJECTED: the log's records of {file} name different bytes:");
        for r in rs {
            eprintln!(
                "  {:<8} entry {} logged {}: sha256 {}",
                r.kind, r.index, r.logged_at, r.sha256
            );
        }
    }
    if args.log_key.is_none() {
        eprintln!("tarseal: warning: no --log-key: the checkpoint's signature was not checked");
    }
    eprintln!(
        "tarseal: {} record(s), inclusion proven in {} at size {}",
        answer.records.len(),
        cp.origin,
        cp.size
    );
    for r in &answer.records {
        eprintln!(
            "  {:<8} {} entry {} logged {} sha256 {}",
            r.kind, r.file, r.index, r.logged_at, r.sha256
        );
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&answer).expect("json"));
    } else {
        let mut lines: Vec<String> = answer
            .records
            .iter()
            .filter(|r| !args.md5 || r.md5 != "-")
            .map(|r| format!("{}  {}", if args.md5 { &r.md5 } else { &r.sha256 }, r.file))
            .collect();
        lines.sort();
        lines.dedup();
        for l in lines {
            println!("{l}");
        }
    }
    if different.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
