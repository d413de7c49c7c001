//! `tarseal monitor`: one run of the log monitor (tarseal::monitor), its report as text or
//! JSON, its verdict as the exit code.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::common::{Format, EXIT_USAGE};

#[derive(Args)]
pub struct MonitorArgs {
    /// The log's base URL, or a static web server over its --tiles-dir (only `checkpoint`
    /// and `tile/...` are read).
    #[arg(long, value_name = "URL")]
    server: String,
    /// The log's verifier key (`name+hex+base64`, printed by `tarseal serve`): pinned.
    #[arg(long, value_name = "VKEY")]
    log_key: String,
    /// The monitor's state (created on first run): the last verified checkpoint and the
    /// right edge of its tree. Advanced only when the new tree is proven to extend it.
    #[arg(long, value_name = "FILE")]
    state: PathBuf,
    /// Only list records of this project.
    #[arg(long, value_name = "P")]
    project: Option<String>,
    /// Keys allowed to sign for --project (OpenPGP exports, repeatable): a new record of the
    /// project signed by any other key exits 1 ("someone published for your project").
    #[arg(long, value_name = "K", requires = "project")]
    keyring: Vec<PathBuf>,
    /// Output: text, or json (schema tarseal.monitor/v1).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Seconds allowed per HTTP request.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    timeout: u64,
}

pub fn run(args: MonitorArgs) -> ExitCode {
    let keyring = match tarseal::sig::Keyring::from_files(&args.keyring) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("tarseal: error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let opts = tarseal::monitor::Options {
        server: &args.server,
        log_key: &args.log_key,
        state: &args.state,
        project: args.project.as_deref(),
        keyring: keyring.as_ref(),
        timeout: std::time::Duration::from_secs(args.timeout.max(1)),
    };
    let report = match tarseal::monitor::run(&opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "tarseal: {}{e}",
                if e.exit_code() == 1 {
                    "REJECTED: "
                } else {
                    "error: "
                }
            );
            if args.format == Format::Json {
                println!(
                    "{}",
                    serde_json::json!({"schema": tarseal::monitor::REPORT_SCHEMA, "verdict": if e.exit_code() == 1 { "fail" } else { "error" }, "exit_code": e.exit_code(), "error": e.to_string()})
                );
            }
            return ExitCode::from(e.exit_code());
        }
    };
    let code = u8::from(report.foreign > 0);
    match args.format {
        Format::Json => {
            let mut v = serde_json::to_value(&report).expect("report serialises");
            v["verdict"] = serde_json::json!(if code == 0 { "pass" } else { "fail" });
            v["exit_code"] = serde_json::json!(code);
            println!("{}", serde_json::to_string_pretty(&v).expect("json"));
        }
        Format::Text => {
            for r in &report.records {
                println!(
                    "{} {} {} {} {} sha256 {} signer {}{}",
                    r.index,
                    r.kind,
                    r.project,
                    r.tag,
                    r.file,
                    r.sha256,
                    r.signer,
                    if r.foreign {
                        "  NOT A --keyring KEY"
                    } else {
                        ""
                    }
                );
            }
        }
    }
    eprintln!(
        "tarseal: {} consistent from size {} to {}: {} new record(s){}",
        report.origin,
        report.old_size,
        report.new_size,
        report.records.len(),
        if report.foreign > 0 {
            format!(
                "; REJECTED: {} record(s) of {} signed by a key outside --keyring",
                report.foreign,
                args.project.as_deref().unwrap_or("")
            )
        } else {
            String::new()
        }
    );
    ExitCode::from(code)
}
