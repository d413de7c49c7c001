//! `tarseal gate FILE|URL`: flags to [`tarseal::gate::GateOptions`], the report as text or
//! JSON, its verdict as the exit code.

use crate::common::{error, print_json, Format, EXIT_USAGE};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use tarseal::gate::{gate, render, GateOptions};

#[derive(Args)]
pub struct GateArgs {
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

pub fn run(args: GateArgs) -> ExitCode {
    let opts = GateOptions {
        file: args.file,
        sigs: args.sigs,
        keyring: args.keyring,
        threshold: args.threshold,
        sigs_from: args.sigs_from,
        repo: args.repo,
        trust: args.trust,
        timeout: args.timeout,
        server: args.server,
        log_key: args.log_key,
        project: args.project,
        tag: args.tag,
        key: args.key,
    };
    match gate(&opts) {
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
