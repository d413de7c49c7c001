//! The `tarseal` command: a thin shell over the `tarseal` library (lib/ in this package).
//!
//! Parses arguments, shows progress on a terminal, prints reports as text or JSON, and maps
//! outcomes to the exit codes every command shares (DESIGN.md §3): 0 verified, 1 rejected,
//! 2 usage or I/O error, 3 indeterminate. The work is in the library crates (see
//! docs/ARCHITECTURE.md); each command is one module of `cmd`.

mod cmd;
mod common;
mod progress;

use clap::{CommandFactory, Parser, Subcommand};
use cmd::*;
use std::process::ExitCode;

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
    Check(common::CheckArgs),
    /// Check, then (only on pass) sign: NAME.asc, NAME.md5/.sha256/.sha512, SHA256SUMS and
    /// SHA512SUMS (+ .asc), NAME.report.json, the record NAME.seal (+ .asc), and
    /// NAME.git-proof (what the check read from git, for `check --proof` without the
    /// repository).
    Seal(seal::SealArgs),
    /// Re-hash a file (path or http(s) URL) and check it against its checksum files, seal
    /// record and detached signatures, verified against --keyring.
    Verify(verify::VerifyArgs),
    /// Run the transparency log service (HTTP; embedded SQLite by default).
    Serve(serve::ServeArgs),
    /// In the build job: hash the tarball as built, sign a build record and publish it to
    /// the log (seal, verify --server and query then show any later difference).
    Record(record::RecordArgs),
    /// Send a record (NAME.seal + NAME.seal.asc) to the log; writes NAME.tlog-proof.
    Publish(publish::PublishArgs),
    /// Ask the log for a project's tag: checksums with verified inclusion proofs (exit 3 when
    /// the log has no record).
    Query(query::QueryArgs),
    /// Co-signatures on a release-sigs branch: add one (check, sign, commit), or check a
    /// proposed change of the branch (CI).
    #[command(subcommand)]
    Sigs(sigs::SigsCommand),
    /// Upload gate: pass only when N distinct keys have good signatures over exactly these
    /// bytes (a path or an http(s) URL, re-hashed as it streams).
    Gate(gate::GateArgs),
    /// The project trust file's history.
    #[command(subcommand)]
    Trust(trust::TrustCommand),
    /// Project policies: `policy suggest` prints a starting policy to review.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// Run a transparency log witness (C2SP tlog-witness): cosign each checkpoint of the
    /// --log logs that is consistent with the last one it cosigned, refuse forks.
    Witness(witness::WitnessArgs),
    /// Watch a log: prove its new checkpoint extends the last one seen, read every new entry
    /// through the tiles, list the new records; exit 1 on a fork, a rollback or bad tiles, or
    /// (--keyring) a record of --project signed by another key.
    Monitor(monitor::MonitorArgs),
    /// Exact autoconf/automake/libtool versions for `check --regenerate`: `toolchain fetch
    /// autoconf=2.71 automake=1.16.5 libtool=2.4.7` (Debian's packages, verified, into the
    /// XDG cache), `toolchain list`.
    #[command(subcommand)]
    Toolchain(toolchain::ToolchainCommand),
    /// Print the man page (roff) on stdout: `tarseal manpage > tarseal.1`.
    Manpage,
    /// Print shell completions on stdout (bash, zsh, fish).
    Completions(docs::CompletionsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Seal(args) => seal::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Record(args) => record::run(args),
        Command::Publish(args) => publish::run(args),
        Command::Query(args) => query::run(args),
        Command::Sigs(cmd) => sigs::run(cmd),
        Command::Gate(args) => gate::run(args),
        Command::Trust(cmd) => trust::run(cmd),
        Command::Policy(cmd) => policy::run(cmd),
        Command::Witness(args) => witness::run(args),
        Command::Monitor(args) => monitor::run(args),
        Command::Toolchain(cmd) => toolchain::run(cmd),
        Command::Manpage => docs::manpage(Cli::command()),
        Command::Completions(args) => docs::completions(Cli::command(), args),
    }
}
