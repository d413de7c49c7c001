//! The `tarseal` command: a thin shell over the library crates.
//!
//! Parses arguments, shows progress on a terminal, prints the report as text or JSON, and maps
//! outcomes to the exit codes every command shares (DESIGN.md §3): 0 verified, 1 rejected,
//! 2 usage or I/O error, 3 indeterminate.

mod atomic;
mod gate;
mod logcmd;
mod logview;
mod progress;
mod record_cmd;
mod seal;
mod sigs;
mod sums;
mod trust_chain;
mod verify;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use tarseal_archive::Limits;
use tarseal_check::{run_check_proving, CheckError, CheckOptions};
use tarseal_git::Target;

/// Exit code for usage and I/O errors (clap uses it for bad arguments too).
pub(crate) const EXIT_USAGE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "tarseal",
    version,
    about = "Prove that a release tarball holds exactly what its git tag holds",
    long_about = "Prove that a release tarball holds exactly what its git tag holds.\n\n\
        Exit codes (every command): 0 verified, 1 rejected (something was proven wrong), \
        2 usage or I/O error, 3 indeterminate (something could not be decided)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compare a release archive with a git tag, entry by entry, without extracting anything.
    /// The tag's signature is verified against --keyring first.
    Check(CheckArgs),
    /// Check, then (only on pass) sign: NAME.asc, NAME.md5/.sha256/.sha512, SHA256SUMS and
    /// SHA512SUMS (+ .asc), NAME.report.json, the record NAME.seal (+ .asc), and
    /// NAME.git-proof (what the check read from git, for `check --proof` without the
    /// repository).
    Seal(seal::SealArgs),
    /// Re-hash a file (path or http(s) URL) and check it against its checksum files, seal
    /// record and detached signatures, verified against --keyring.
    Verify(verify::VerifyArgs),
    /// Run the transparency log service (HTTP; embedded SQLite by default).
    Serve(logcmd::ServeArgs),
    /// In the build job: hash the tarball as built, sign a build record and publish it to
    /// the log (seal, verify --server and query then show any later difference).
    Record(record_cmd::RecordArgs),
    /// Send a record (NAME.seal + NAME.seal.asc) to the log; writes NAME.tlog-proof.
    Publish(logcmd::PublishArgs),
    /// Ask the log for a project's tag: checksums with verified inclusion proofs (exit 3 when
    /// the log has no record).
    Query(logcmd::QueryArgs),
    /// Co-signatures on a release-sigs branch: add one (check, sign, commit), or check a
    /// proposed change of the branch (CI).
    #[command(subcommand)]
    Sigs(sigs::SigsCommand),
    /// Upload gate: pass only when N distinct keys have good signatures over exactly these
    /// bytes (a path or an http(s) URL, re-hashed as it streams).
    Gate(gate::GateArgs),
    /// The project trust file's history.
    #[command(subcommand)]
    Trust(trust_chain::TrustCommand),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

#[derive(Args)]
pub(crate) struct CheckArgs {
    /// The release archive (tar, tar.gz, tar.xz, tar.bz2, tar.zst, zip, .crate), detected by its
    /// magic bytes.
    tarball: PathBuf,
    /// The git repository (a work tree or a bare repository).
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    /// Compare with a git proof (`NAME.git-proof`, written by seal) instead of a repository:
    /// the tag it names (or --tag, which must be the same) with its signature verified
    /// against --keyring, and the trees and blobs the sealed check read.
    #[arg(long, value_name = "FILE.git-proof", conflicts_with = "commit")]
    proof: Option<PathBuf>,
    /// The annotated tag the archive claims to be made from; its own `tag` header must equal it.
    #[arg(
        long,
        value_name = "TAG",
        required_unless_present_any = ["commit", "proof"],
        conflicts_with = "commit"
    )]
    tag: Option<String>,
    /// Compare with a commit (any revision) instead of a tag.
    #[arg(long, value_name = "REV")]
    commit: Option<String>,
    /// Accept a lightweight tag (no tag object: no name binding, no signature; needs
    /// --allow-unsigned too).
    #[arg(long)]
    allow_lightweight: bool,
    /// Keys the tag's signature must verify against (repeatable): OpenPGP certificates as
    /// `gpg --export [--armor]` writes them, or an SSH allowed_signers file (told apart by
    /// content). Give it from the trusted side, never from the repository or the tarball.
    #[arg(long, value_name = "FILE")]
    keyring: Vec<PathBuf>,
    /// Compare content without a verified tag signature (unsigned tags, --commit, or no
    /// --keyring). The report says so loudly. A signature that is present is still verified
    /// when --keyring is given.
    #[arg(long)]
    allow_unsigned: bool,
    /// Compare with this sub-directory of the tree (a package built from a monorepo folder).
    #[arg(long, value_name = "PATH")]
    subdir: Option<String>,
    /// The archive's top-level directory (`name-1.2.3`); detected when absent. `--prefix ''`
    /// means the archive has none.
    #[arg(long, value_name = "DIR")]
    prefix: Option<String>,
    /// Built-in policy profile: git-archive (exact, the default), pbr, setuptools, autotools,
    /// cargo, npm. Overrides a profile named by the tag's .tarseal.toml.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Project policy file (TOML); replaces the .tarseal.toml of the tag's tree.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Output format: text for people, json (schema tarseal.report/v2) for programs.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Text output: also list the files of the trust surface (accepted by name only).
    #[arg(long, short)]
    verbose: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Most decompressed bytes the archive may hold (suffixes K, M, G, T).
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    max_total_bytes: Option<u64>,
    /// Most entries the archive may hold.
    #[arg(long, value_name = "N")]
    max_entries: Option<u64>,
    /// Largest single entry (suffixes K, M, G, T).
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    max_entry_bytes: Option<u64>,
    /// Regenerate the generated files (autotools: configure, aclocal.m4, config.h.in,
    /// Makefile.in, aux files) from the tag's tree in a bubblewrap sandbox and judge them by
    /// their bytes: identical = reproduced, different = rejected with a diff, made with a
    /// toolchain version that is not available = indeterminate.
    #[arg(long)]
    regenerate: bool,
    /// Run regeneration WITHOUT the sandbox (the tag's build code gets this user's files and
    /// network). Only for trusted input where bubblewrap cannot run.
    #[arg(long, requires = "regenerate")]
    unsafe_no_sandbox: bool,
    /// Regenerate with this toolchain directory (repeatable; as `tarseal toolchain fetch`
    /// leaves them) instead of the system's /usr.
    #[arg(long, value_name = "DIR", requires = "regenerate")]
    toolchain: Vec<PathBuf>,
    /// Run every regeneration strategy again instead of reusing an identical earlier run
    /// from $XDG_CACHE_HOME/tarseal/regen (same inputs, script and toolchain bytes).
    #[arg(long, requires = "regenerate")]
    no_regen_cache: bool,
}

/// Parses `1024`, `64K`, `512M`, `32G`, `1T` (binary multiples).
fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, shift) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_uppercase() {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => return Err(format!("unknown size suffix {c:?} (use K, M, G or T)")),
            };
            (&s[..i], shift)
        }
        _ => (s, 0),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (a number with an optional K, M, G or T)"))?;
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("{s:?} is too large"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check(args),
        Command::Seal(args) => seal::seal(args),
        Command::Verify(args) => verify::verify(args),
        Command::Serve(args) => logcmd::serve(args),
        Command::Record(args) => record_cmd::record(args),
        Command::Publish(args) => logcmd::publish(args),
        Command::Query(args) => logcmd::query(args),
        Command::Sigs(cmd) => sigs::sigs(cmd),
        Command::Gate(args) => gate::gate(args),
        Command::Trust(cmd) => trust_chain::trust(cmd),
    }
}

/// Loads every `--keyring` file into one keyring; `None` when none was given.
pub(crate) fn load_keyring(files: &[PathBuf]) -> Result<Option<tarseal_sig::Keyring>, String> {
    if files.is_empty() {
        return Ok(None);
    }
    let mut keyring = tarseal_sig::Keyring::new();
    for f in files {
        keyring.add_file(f).map_err(|e| e.to_string())?;
    }
    Ok(Some(keyring))
}

/// Runs the check of `args`; `raw_digests` also hashes the archive file (seal). Returns
/// the report or the exit code of an error already reported.
pub(crate) fn run_check_args(
    args: &CheckArgs,
    raw_digests: bool,
) -> Result<tarseal_check::Report, ExitCode> {
    run_check_args_observed(args, raw_digests, None, false).map(|c| c.report)
}

/// As [`run_check_args`], feeding every raw byte of the archive to `observer` during the same
/// read (seal signs with it, so the tarball is read once).
pub(crate) fn run_check_args_observed(
    args: &CheckArgs,
    raw_digests: bool,
    raw_observer: Option<tarseal_archive::RawObserver>,
    write_proof: bool,
) -> Result<tarseal_check::Checked, ExitCode> {
    let keyring = match load_keyring(&args.keyring) {
        Ok(k) => k,
        Err(e) => {
            return Err(fail(&CheckError::Usage(e), args.format));
        }
    };
    let defaults = Limits::default();
    let target = match (&args.tag, &args.commit) {
        (Some(t), _) => Target::Tag {
            name: t.clone(),
            allow_lightweight: args.allow_lightweight,
        },
        (None, Some(c)) => Target::Commit { rev: c.clone() },
        // With --proof alone: the tag the proof names.
        (None, None) => Target::Tag {
            name: String::new(),
            allow_lightweight: args.allow_lightweight,
        },
    };
    let opts = CheckOptions {
        archive: args.tarball.clone(),
        repo: args.repo.clone(),
        target,
        subdir: args.subdir.clone(),
        prefix: args.prefix.clone(),
        profile: args.profile.clone(),
        policy_file: args.policy.clone(),
        limits: Limits {
            max_total_bytes: args.max_total_bytes.unwrap_or(defaults.max_total_bytes),
            max_entries: args.max_entries.unwrap_or(defaults.max_entries),
            max_entry_bytes: args.max_entry_bytes.unwrap_or(defaults.max_entry_bytes),
        },
        keyring,
        allow_unsigned: args.allow_unsigned,
        raw_digests,
        raw_observer,
        proof: args.proof.clone(),
        regenerate: args.regenerate.then(|| tarseal_check::RegenOptions {
            sandbox: tarseal_regen::Sandbox {
                isolation: if args.unsafe_no_sandbox {
                    tarseal_regen::Isolation::UnsafeNone
                } else {
                    tarseal_regen::Isolation::Bubblewrap
                },
                limits: tarseal_regen::Limits::default(),
            },
            toolchain: if args.toolchain.is_empty() {
                tarseal_regen::Toolchain::System
            } else {
                tarseal_regen::Toolchain::Dirs(args.toolchain.clone())
            },
            cache: if args.no_regen_cache {
                None
            } else {
                tarseal_regen::fetch::cache_root().map(|d| d.join("regen"))
            },
        }),
    };
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let mut bar = progress::Bar::new(show_progress, &args.tarball);
    let result = run_check_proving(&opts, write_proof, &mut |done, total| {
        bar.update(done, total)
    });
    bar.finish();
    result.map_err(|e| fail(&e, args.format))
}

/// Prints the report in the chosen format on stdout.
pub(crate) fn print_report(report: &tarseal_check::Report, format: Format) -> std::io::Result<()> {
    print_report_with(report, format, false)
}

/// As [`print_report`]; `verbose` lists the trust surface's paths in the text output.
pub(crate) fn print_report_with(
    report: &tarseal_check::Report,
    format: Format,
    verbose: bool,
) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => serde_json::to_writer_pretty(&mut out, report)
            .map_err(std::io::Error::from)
            .and_then(|_| writeln!(out)),
        Format::Text => {
            let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            out.write_all(tarseal_check::text::render_with(report, colour, verbose).as_bytes())
        }
    }
}

fn check(args: CheckArgs) -> ExitCode {
    match run_check_args(&args, false) {
        Ok(report) => {
            if print_report_with(&report, args.format, args.verbose).is_err() {
                return ExitCode::from(EXIT_USAGE);
            }
            ExitCode::from(report.verdict.exit_code() as u8)
        }
        Err(code) => code,
    }
}

/// Reports an error that stopped the check, on stderr (and as JSON on stdout for programs).
pub(crate) fn fail(e: &CheckError, format: Format) -> ExitCode {
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

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("64K"), Ok(64 << 10));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert!(parse_size("12Q").is_err());
        assert!(parse_size("x").is_err());
        assert!(parse_size("99999999999T").is_err());
    }
}
