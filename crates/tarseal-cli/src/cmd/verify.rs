//! `tarseal verify FILE|URL`: flags to [`tarseal::verify::VerifyOptions`], the report as text
//! or JSON, its verdict as the exit code.

use crate::common::{error, print_json, Format, EXIT_USAGE};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use tarseal::verify::{render, verify, VerifyOptions};

#[derive(Args)]
pub struct VerifyArgs {
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
    /// A signed verification summary (NAME.intoto.jsonl, written by seal: a DSSE envelope
    /// holding an in-toto statement): its signature must be by a --keyring key, its subject
    /// digests the file's and its verificationResult PASSED, else exit 1 naming what is
    /// wrong; malformed JSON exits 2.
    #[arg(long, value_name = "FILE.intoto.jsonl")]
    attestation: Option<PathBuf>,
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
    /// log's seal record must vouch (exit 3 when it has none); records of the tag none of
    /// which has the file's digest exit 1, naming the logged digests.
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

pub fn run(args: VerifyArgs) -> ExitCode {
    let opts = VerifyOptions {
        file: args.file,
        keyring: args.keyring,
        sums: args.sums,
        seal: args.seal,
        sigs: args.sig,
        attestation: args.attestation,
        threshold: args.threshold,
        server: args.server,
        project: args.project,
        tag: args.tag,
        log_key: args.log_key,
        proof: args.proof,
        witness_keys: args.witness_key,
        witness_threshold: args.witness_threshold,
        timeout: args.timeout,
    };
    match verify(&opts) {
        Ok(report) => {
            match args.format {
                Format::Json => {
                    if !print_json(&report) {
                        return ExitCode::from(EXIT_USAGE);
                    }
                }
                Format::Text => print!("{}", render(&report)),
            }
            ExitCode::from(report.exit_code)
        }
        Err(e) => error(e, args.format),
    }
}
