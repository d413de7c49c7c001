//! What commands print: the output format, the exit code of usage errors, reports, errors
//! (stderr, and `tarseal.error/v1` JSON on stdout), and what the log did with a record.

use clap::ValueEnum;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use tarseal::check::{CheckError, Report};

/// Exit code for usage and I/O errors (clap uses it for bad arguments too).
pub const EXIT_USAGE: u8 = 2;

/// `--format`: text for people, json for programs.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Prints the report in the chosen format on stdout.
pub fn print_report(report: &Report, format: Format) -> std::io::Result<()> {
    print_report_with(report, format, false)
}

/// As [`print_report`]; `verbose` prints every finding and the trust surface's paths (the
/// default text is one screen: a count per cause).
pub fn print_report_with(report: &Report, format: Format, verbose: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => serde_json::to_writer_pretty(&mut out, report)
            .map_err(std::io::Error::from)
            .and_then(|_| writeln!(out)),
        Format::Text => {
            let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let text = if verbose {
                tarseal::check::render_with(report, colour, true)
            } else {
                tarseal::check::render_compact(report, colour)
            };
            out.write_all(text.as_bytes())
        }
    }
}

/// Reports an error that stopped the check, on stderr (and as JSON on stdout for programs).
pub fn fail(e: &CheckError, format: Format) -> ExitCode {
    let code = e.exit_code();
    let verdict = if code == 1 { "rejected" } else { "error" };
    eprintln!("tarseal: {verdict}: {e}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let msg = s.to_string();
        if !e.to_string().contains(&msg) {
            eprintln!("  caused by: {msg}");
        }
        source = s.source();
    }
    if let Format::Json = format {
        let v = serde_json::json!({
            "schema": "tarseal.error/v1",
            "verdict": if code == 1 { "fail" } else { "error" },
            "exit_code": code,
            "error": e.to_string(),
        });
        println!("{v}");
    }
    ExitCode::from(code as u8)
}

/// A usage error before the check ran, reported as the check reports its errors.
pub fn usage(msg: impl std::fmt::Display, format: Format) -> ExitCode {
    fail(&CheckError::Usage(msg.to_string()), format)
}

/// An error that leaves a command without a verdict (exit 2): `tarseal: error: ...` on
/// stderr, and with `--format json` a `tarseal.error/v1` object on stdout.
pub fn error(e: impl std::fmt::Display, format: Format) -> ExitCode {
    let e = e.to_string();
    eprintln!("tarseal: error: {e}");
    if format == Format::Json {
        println!(
            "{}",
            serde_json::json!({"schema": "tarseal.error/v1", "verdict": "error", "exit_code": 2, "error": e})
        );
    }
    ExitCode::from(EXIT_USAGE)
}

/// Prints a report as pretty JSON; `false` when it cannot be serialised.
pub fn print_json(value: &impl serde::Serialize) -> bool {
    match serde_json::to_string_pretty(value) {
        Ok(s) => {
            println!("{s}");
            true
        }
        Err(_) => false,
    }
}

/// Prints what the log did with a record file (as `tarseal publish` does); its exit code.
pub fn publication(p: &tarseal::log::Publication) -> ExitCode {
    match p {
        tarseal::log::Publication::Logged {
            index,
            existing,
            proof,
            report,
        } => {
            println!("{index}");
            // The record is logged whatever became of the report: a warning, no exit code.
            match report {
                Some(tarseal::log::ReportHandover::Refused { path, status, body }) => eprintln!(
                    "tarseal: warning: the log did not keep {} ({status}): {body}",
                    path.display()
                ),
                Some(tarseal::log::ReportHandover::NotSent { path, error }) => {
                    eprintln!("tarseal: warning: {} not sent: {error}", path.display())
                }
                Some(tarseal::log::ReportHandover::Kept) | None => {}
            }
            eprintln!(
                "tarseal: {} entry {index} of the log; proof in {}",
                if *existing {
                    "already logged as"
                } else {
                    "logged as"
                },
                proof.display()
            );
            ExitCode::SUCCESS
        }
        tarseal::log::Publication::Refused {
            status,
            message,
            transient,
        } => {
            eprintln!("tarseal: rejected: the log answered {status}: {message}");
            // 429 and 5xx say nothing about the record: not a rejection, try again later.
            ExitCode::from(if *transient { EXIT_USAGE } else { 1 })
        }
    }
}
