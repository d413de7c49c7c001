//! `tarseal trust verify-chain V1 V2 ...`: flags to tarseal-sig's chain verification, the
//! versions as text or JSON (`tarseal.trust-chain/v1`).

use crate::common::{Format, EXIT_USAGE};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tarseal::trust::{render, verify_chain, ChainOptions, ChainReport, SCHEMA};

#[derive(Subcommand)]
pub enum TrustCommand {
    /// Verify a trust file's history from its first version: each version must be signed by
    /// a threshold of the previous one's keys (and of its own).
    VerifyChain(ChainArgs),
}

#[derive(Args)]
pub struct ChainArgs {
    /// The versions, oldest first (at least two).
    #[arg(value_name = "FILE_V", num_args = 2.., required = true)]
    files: Vec<PathBuf>,
    /// Certificates of the old and new keys (repeatable; OpenPGP exports).
    #[arg(long, value_name = "FILE", required = true)]
    keyring: Vec<PathBuf>,
    /// An extra detached signature of a version: `FILE_V=SIG` (FILE_V as given above).
    #[arg(long, value_name = "FILE_V=SIG")]
    sig: Vec<String>,
    /// Output format: text for people, json (schema tarseal.trust-chain/v1) for programs.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub fn run(cmd: TrustCommand) -> ExitCode {
    let TrustCommand::VerifyChain(a) = cmd;
    let opts = ChainOptions {
        files: a.files,
        keyring: a.keyring,
        sig: a.sig,
    };
    let (verdict, code, versions, error) = match verify_chain(&opts) {
        Ok((versions, true)) => ("pass", 0, versions, None),
        Ok((versions, false)) => ("fail", 1, versions, None),
        Err(e) => {
            eprintln!("tarseal: error: {e}");
            ("error", EXIT_USAGE, Vec::new(), Some(e.to_string()))
        }
    };
    match a.format {
        Format::Json => {
            let r = ChainReport {
                schema: SCHEMA,
                verdict,
                exit_code: code,
                versions,
                error,
            };
            match serde_json::to_string_pretty(&r) {
                Ok(t) => println!("{t}"),
                Err(_) => return ExitCode::from(EXIT_USAGE),
            }
        }
        Format::Text => {
            for v in &versions {
                print!("{}", render(v));
            }
            match verdict {
                "pass" => println!("verdict  PASS: every version is signed by a threshold of the previous one and of itself"),
                "fail" => println!(
                    "verdict  FAIL: the chain is broken; the last version must not be used"
                ),
                _ => {}
            }
        }
    }
    ExitCode::from(code)
}
