//! `tarseal seal`: check, then — only on pass — sign and write the outputs (tarseal-seal),
//! optionally publish the record and compare it with the log's build record.

use crate::common::{print_report, publication, run_check_proving, usage, CheckArgs, EXIT_USAGE};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use tarseal::check::Verdict;
use tarseal::log;
use tarseal::seal::{SealOptions, Sealer};

#[derive(Args)]
pub struct SealArgs {
    #[command(flatten)]
    check: CheckArgs,
    /// The OpenPGP secret key to sign with (`gpg --export-secret-keys`, no passphrase,
    /// `chmod 600`).
    #[arg(long, value_name = "SECRET_KEY")]
    key: PathBuf,
    /// Where to write the outputs (default: beside the tarball).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The project name for the record (default: the tarball's name before its version,
    /// `python-novaclient-18.0.0.tar.gz` -> `python-novaclient`).
    #[arg(long, value_name = "NAME")]
    project: Option<String>,
    /// After sealing, publish NAME.seal to the log at URL (as `tarseal publish`): writes
    /// NAME.tlog-proof. The seal outputs stay even when publishing fails (exit 1 or 2).
    #[arg(long, value_name = "URL")]
    publish: Option<String>,
    /// With --publish: the log's verifier key (pinned). After publishing, the log's build
    /// and upload records of this file are compared with the sealed bytes; a difference
    /// (the tarball changed between the build and the seal) exits 1, the outputs kept.
    #[arg(long, value_name = "KEY", requires = "publish")]
    log_key: Option<String>,
}

pub fn run(args: SealArgs) -> ExitCode {
    let format = args.check.format;
    if args.check.commit.is_some() {
        return usage(
            "seal needs --tag: a record names the project's tag (use check --commit to compare only)",
            format,
        );
    }
    let opts = SealOptions {
        tarball: args.check.tarball.clone(),
        key: args.key.clone(),
        out: args.out.clone(),
        project: args.project.clone(),
        keyring: args.check.keyring.clone(),
    };
    // The key first: a missing or loose key must not cost a whole check.
    let sealer = match Sealer::new(&opts) {
        Ok(s) => s,
        Err(e) => return usage(e, format),
    };
    let (report, proof) = match run_check_proving(&args.check, true, sealer.observer(), true) {
        Ok(c) => (c.report, c.proof),
        Err(code) => return code,
    };
    if print_report(&report, format).is_err() {
        return ExitCode::from(EXIT_USAGE);
    }
    if report.verdict != Verdict::Pass {
        eprintln!(
            "tarseal: the check did not pass ({}); nothing was signed or written",
            serde_json::to_value(report.verdict)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        );
        return ExitCode::from(report.verdict.exit_code() as u8);
    }
    let written = match sealer.write_with_proof(&report, proof.as_deref()) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("tarseal: error: {e}; nothing was written");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let file_name = sealer.file_name();
    eprintln!("tarseal: sealed {file_name} with {}:", sealer.fingerprint());
    for w in written {
        eprintln!("  {}", w.display());
    }
    let Some(url) = &args.publish else {
        return ExitCode::SUCCESS;
    };
    let record = sealer.out_dir().join(format!("{file_name}.seal"));
    let code = match log::publish_file(&record, url) {
        Ok(p) => publication(&p),
        Err(e) => {
            eprintln!("tarseal: error: sealed, but publishing failed: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if code != ExitCode::SUCCESS {
        return code;
    }
    let Some(log_key) = &args.log_key else {
        return code;
    };
    let sha256 = report
        .archive
        .digests
        .as_ref()
        .map(|d| d.sha256.clone())
        .unwrap_or_default();
    compare_with_build(
        url,
        log_key,
        sealer.project(),
        &report.git.target,
        file_name,
        &sha256,
    )
}

/// After publishing: the log's other records of this file (the build's above all) must name
/// the sealed bytes. 0 same (or no other record: said so), 1 different, 2 log unavailable.
fn compare_with_build(
    server: &str,
    log_key: &str,
    project: &str,
    tag: &str,
    file_name: &str,
    sha256: &str,
) -> ExitCode {
    use tarseal::log::QueryError;
    let v = match log::query_verified(server, project, tag, log_key) {
        Ok(Some(v)) => v,
        Ok(None) => {
            eprintln!("tarseal: error: the log has no record of {project} {tag} right after publishing one");
            return ExitCode::from(1);
        }
        Err(QueryError::Unavailable(e)) => {
            eprintln!("tarseal: error: sealed and published, but the log cannot be asked: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
        Err(e) => {
            eprintln!("tarseal: rejected: {e}");
            return ExitCode::from(1);
        }
    };
    let found = log::findings(&v.records, file_name, sha256);
    if !found.iter().any(|f| f.kind == "build") {
        eprintln!("tarseal: note: the log has no build record of {file_name} (tarseal record in the build job makes one)");
    }
    let mut code = ExitCode::SUCCESS;
    for f in found.iter().filter(|f| f.kind != "artifact" || !f.agrees) {
        if f.agrees {
            eprintln!("tarseal: log: {}", f.describe(sha256));
        } else {
            eprintln!("tarseal: REJECTED: log: {}", f.describe(sha256));
            code = ExitCode::from(1);
        }
    }
    code
}
