//! `tarseal policy suggest`: check, then print a starting policy (commented rules) for what
//! the check could not explain.

use crate::common::{run_check, CheckArgs};
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Check (same flags as check), then print a starting policy for what the check could not
    /// explain: commented rules to review. It never suggests allowing changes to tracked files.
    Suggest(Box<CheckArgs>),
}

pub fn run(cmd: PolicyCommand) -> ExitCode {
    match cmd {
        PolicyCommand::Suggest(args) => match run_check(&args, false, None) {
            Ok(report) => {
                print!("{}", tarseal::check::suggest_policy(&report));
                ExitCode::SUCCESS
            }
            Err(code) => code,
        },
    }
}
