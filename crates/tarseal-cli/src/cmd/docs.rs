//! `tarseal manpage` and `tarseal completions SHELL`: the roff man page (clap_mangen) and
//! shell completions (clap_complete), generated from the same definition as the parser so
//! they never drift from the flags.

use crate::common::EXIT_USAGE;
use clap::{Args, ValueEnum};
use std::process::ExitCode;

/// The shells completions are printed for.
#[derive(Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh or fish.
    #[arg(value_enum)]
    shell: Shell,
}

/// Prints the man page of `cmd` (roff, section 1) on stdout.
pub fn manpage(cmd: clap::Command) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match clap_mangen::Man::new(cmd).render(&mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tarseal: error: writing the man page: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Prints the completion script of `cmd` for `args.shell` on stdout (generated into memory
/// first: clap_complete panics on a failed write, a closed pipe must not).
pub fn completions(mut cmd: clap::Command, args: CompletionsArgs) -> ExitCode {
    use clap_complete::{generate, shells};
    use std::io::Write;
    let mut buf = Vec::new();
    let name = cmd.get_name().to_string();
    match args.shell {
        Shell::Bash => generate(shells::Bash, &mut cmd, name, &mut buf),
        Shell::Zsh => generate(shells::Zsh, &mut cmd, name, &mut buf),
        Shell::Fish => generate(shells::Fish, &mut cmd, name, &mut buf),
    }
    match std::io::stdout().lock().write_all(&buf) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tarseal: error: writing the completions: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
