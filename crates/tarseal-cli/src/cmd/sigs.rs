//! `tarseal sigs add|check`: flags to tarseal-cosign's [`Adder`] and [`check_branch`];
//! findings printed as they are known (text) or as one document (JSON).

use crate::common::{print_report, run_check, usage, CheckArgs, Format, EXIT_USAGE};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tarseal::check::Verdict;
use tarseal::sigs::{check_branch, publish_cosign, AddOptions, Adder, CheckSigsOptions, Finding};

// Parsed once per run: the size difference between the variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum SigsCommand {
    /// Check the tarball (same flags as check), sign it, and commit the signature onto the
    /// release-sigs branch of --repo at sigs/<project>/<tag>/<file>.<KEYID16>.asc, without
    /// touching the work tree or the index.
    Add(Box<AddArgs>),
    /// CI of a proposed change of the release-sigs branch: every added or modified file must
    /// be a good signature over the release file, by the key its path names.
    Check(CheckSigsArgs),
}

#[derive(Args)]
pub struct AddArgs {
    #[command(flatten)]
    check: CheckArgs,
    /// The OpenPGP secret key to sign with (`gpg --export-secret-keys`, no passphrase,
    /// `chmod 600`).
    #[arg(long, value_name = "SECRET_KEY")]
    key: PathBuf,
    /// The branch that collects signatures (created as an orphan if missing).
    #[arg(long, value_name = "NAME", default_value = "release-sigs")]
    branch: String,
    /// The project directory name (default: the tarball's name before its version).
    #[arg(long, value_name = "NAME")]
    project: Option<String>,
    /// Also publish the signature to the log at URL as a `tarseal/v1 cosign` record, signed
    /// with --key (which the project's trust file on the log must allow).
    #[arg(long, value_name = "URL")]
    publish: Option<String>,
}

#[derive(Args)]
pub struct CheckSigsArgs {
    /// The git repository.
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    /// The proposed state of the branch.
    #[arg(long = "ref", value_name = "REF", default_value = "release-sigs")]
    git_ref: String,
    /// The state it is compared with (the target branch; its merge base with --ref is
    /// used). For the first change of a new branch, the empty tree
    /// (`git hash-object -t tree /dev/null`).
    #[arg(long, value_name = "REV")]
    base: String,
    /// Keys whose signatures are accepted (repeatable; OpenPGP exports). Required.
    #[arg(long, value_name = "FILE", required = true)]
    keyring: Vec<PathBuf>,
    /// Directory holding the release files (DIR/<file>).
    #[arg(
        long,
        value_name = "DIR",
        required_unless_present = "url_base",
        conflicts_with = "url_base"
    )]
    tarball_dir: Option<PathBuf>,
    /// URL prefix of the release files (URL-BASE/<file>, streamed, never stored).
    #[arg(long, value_name = "URL")]
    url_base: Option<String>,
    /// Seconds allowed to connect and to receive a response's head (the body: 20 times this).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    timeout: u64,
    /// When every added signature is accepted, publish one `tarseal/v1 cosign` record per
    /// signature file to the log at URL (nothing when the change is refused).
    #[arg(long, value_name = "URL", requires = "key")]
    publish: Option<String>,
    /// The OpenPGP secret key that signs the cosign records (the CI's; `chmod 600`; the
    /// project's trust file on the log must allow it).
    #[arg(long, value_name = "SECRET_KEY", requires = "publish")]
    key: Option<PathBuf>,
    /// Output format: text for people, json (schema tarseal.sigs-check/v1) for programs.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub fn run(cmd: SigsCommand) -> ExitCode {
    match cmd {
        SigsCommand::Add(a) => add(*a),
        SigsCommand::Check(c) => check(c),
    }
}

fn add(args: AddArgs) -> ExitCode {
    let format = args.check.format;
    let Some(tag) = args.check.tag.clone() else {
        return usage(
            "sigs add needs --tag: the signature is filed under the tag",
            format,
        );
    };
    let opts = AddOptions {
        tarball: args.check.tarball.clone(),
        repo: args.check.repo.clone(),
        tag,
        key: args.key.clone(),
        branch: args.branch.clone(),
        project: args.project.clone(),
    };
    let adder = match Adder::new(&opts) {
        Ok(a) => a,
        Err(e) => return usage(e, format),
    };
    let report = match run_check(&args.check, true, None) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if print_report(&report, format).is_err() {
        return ExitCode::from(EXIT_USAGE);
    }
    if report.verdict != Verdict::Pass {
        eprintln!("tarseal: the check did not pass; nothing was signed or committed");
        return ExitCode::from(report.verdict.exit_code() as u8);
    }
    let signed = match adder.sign_and_commit(&report) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tarseal: error: {e}; nothing was committed");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    eprintln!("{}", signed.message);
    let Some(server) = &args.publish else {
        return ExitCode::SUCCESS;
    };
    match publish_cosign(server, adder.key(), &adder.cosignature(&signed, &report)) {
        Ok(line) => {
            // stderr: stdout holds the check's report (JSON with --format json).
            eprintln!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tarseal: error: committed, but publishing to the log failed: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// `sigs check --format json` (schema tarseal.sigs-check/v1).
#[derive(serde::Serialize)]
struct CheckReport {
    schema: &'static str,
    /// `pass` (0), `fail` (1: the change must not be merged), `error` (2).
    verdict: &'static str,
    exit_code: u8,
    /// Every finding in order, and the records logged with --publish.
    findings: Vec<Finding>,
    /// What went wrong when the verdict is `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn check(args: CheckSigsArgs) -> ExitCode {
    let json = args.format == Format::Json;
    // Text: each finding as it is known; JSON: one document at the end.
    let mut out = CheckReport {
        schema: tarseal::sigs::CHECK_SCHEMA,
        verdict: "error",
        exit_code: EXIT_USAGE,
        findings: Vec::new(),
        error: None,
    };
    let finish = |mut out: CheckReport, verdict: &'static str, code: u8| {
        out.verdict = verdict;
        out.exit_code = code;
        if json {
            match serde_json::to_string_pretty(&out) {
                Ok(t) => println!("{t}"),
                Err(_) => return ExitCode::from(EXIT_USAGE),
            }
        }
        ExitCode::from(code)
    };
    let error = |mut out: CheckReport, e: String| {
        eprintln!("tarseal: error: {e}");
        out.error = Some(e);
        finish(out, "error", EXIT_USAGE)
    };
    let show = |f: &Finding| {
        if !json {
            println!("{f}");
        }
    };
    // A key that cannot sign the records is a usage error before any work.
    let key = match &args.key {
        Some(k) => match tarseal::sig::SigningKey::from_file(k) {
            Ok(k) => Some(k),
            Err(e) => return error(out, e.to_string()),
        },
        None => None,
    };
    let opts = CheckSigsOptions {
        repo: args.repo.clone(),
        git_ref: args.git_ref.clone(),
        base: args.base.clone(),
        keyring: args.keyring.clone(),
        tarball_dir: args.tarball_dir.clone(),
        url_base: args.url_base.clone(),
        timeout: args.timeout,
        publish: args.publish.is_some(),
    };
    let checked = match check_branch(&opts) {
        Ok(x) => x,
        Err(e) => return error(out, e.to_string()),
    };
    for l in &checked.findings {
        show(l);
    }
    out.findings = checked.findings;
    if !checked.ok {
        if !json {
            println!("verdict  FAIL: the change must not be merged");
            if args.publish.is_some() {
                println!("log      nothing published");
            }
        }
        return finish(out, "fail", 1);
    }
    if let (Some(server), Some(key)) = (&args.publish, &key) {
        for c in &checked.accepted {
            match publish_cosign(server, key, c) {
                Ok(f) => {
                    show(&f);
                    out.findings.push(f);
                }
                Err(e) => return error(out, format!("publishing {} to the log: {e}", c.path)),
            }
        }
    }
    if !json {
        println!("verdict  PASS: every added or modified file is a good signature by the key its path names");
    }
    finish(out, "pass", 0)
}
