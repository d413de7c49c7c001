//! `tarseal query PROJECT TAG`: the log's verified answer (tarseal::log), kept checkpoint
//! checked, records filtered by their signers, contradictions shown; checksum lines or JSON.

use crate::common::EXIT_USAGE;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use tarseal::log::{self, QueryError, RecordSigner};

/// Exit code when the log has no record (indeterminate, never "clean").
const EXIT_INDETERMINATE: u8 = 3;

#[derive(Args)]
pub struct QueryArgs {
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
    /// A witness's verifier key (`name+hex+base64`, printed by `tarseal witness`), repeatable:
    /// the answer's checkpoint must carry valid cosignatures from --witness-threshold distinct
    /// ones, else exit 1 naming those missing. Needs --log-key.
    #[arg(long, value_name = "VKEY", requires = "log_key")]
    witness_key: Vec<String>,
    /// How many distinct --witness-key witnesses must have cosigned (default: all given).
    #[arg(long, value_name = "N", requires = "witness_key")]
    witness_threshold: Option<usize>,
}

/// Checks the answer's checkpoint against the one kept in `state`, then keeps the newer.
fn remember(
    state: &std::path::Path,
    key: &str,
    server: &str,
    note: &str,
    cp: &log::CheckpointBody,
) -> Result<(), QueryError> {
    if let Some(old) = log::check_kept_checkpoint(state, key, server, cp)? {
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
    log::keep_checkpoint(state, note).map_err(|e| QueryError::Unavailable(e.to_string()))
}

pub fn run(args: QueryArgs) -> ExitCode {
    let witnesses =
        match tarseal::witness::WitnessPolicy::new(&args.witness_key, args.witness_threshold) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("tarseal: error: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        };
    let (mut answer, cp) = match log::query(
        &args.server,
        &args.project,
        &args.tag,
        args.log_key.as_deref(),
    ) {
        Ok(x) => x,
        Err(e @ log::AnswerError::NotFound(_)) => {
            eprintln!("tarseal: {e}");
            return ExitCode::from(EXIT_INDETERMINATE);
        }
        Err(e @ log::AnswerError::Invalid(_)) => {
            eprintln!("tarseal: rejected: {e}");
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("tarseal: error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if let Some(policy) = &witnesses {
        if let Err(e) = policy.check(&answer.checkpoint) {
            eprintln!("tarseal: REJECTED: {e}");
            return ExitCode::from(1);
        }
    }
    if let (Some(state), Some(key)) = (&args.checkpoint_file, &args.log_key) {
        match remember(state, key, &args.server, &answer.checkpoint, &cp) {
            Ok(()) => {}
            Err(QueryError::Invalid(e)) => {
                eprintln!("tarseal: REJECTED: {e}");
                return ExitCode::from(1);
            }
            Err(QueryError::Unavailable(e)) => {
                eprintln!("tarseal: error: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    if !args.keyring.is_empty() {
        let keyring = match tarseal::sig::Keyring::from_files(&args.keyring) {
            Ok(k) => k.unwrap_or_default(),
            Err(e) => {
                eprintln!("tarseal: error: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        };
        let mut kept = Vec::new();
        for r in answer.records {
            match log::record_signer(&keyring, &r) {
                Err(e) => {
                    eprintln!("tarseal: rejected: {e}");
                    return ExitCode::from(1);
                }
                Ok(RecordSigner::Keyring) => kept.push(r),
                Ok(RecordSigner::Other(why)) => eprintln!(
                    "tarseal: warning: entry {} ({} record of {}) is not signed by a --keyring key ({why}): left out",
                    r.index, r.kind, r.file
                ),
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
    let different = log::disagreements(&answer.records);
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
