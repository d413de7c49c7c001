//! `tarseal check`: the report, and its verdict as the exit code.

use crate::common::{print_report_with, run_check, CheckArgs, EXIT_USAGE};
use std::process::ExitCode;

pub fn run(args: CheckArgs) -> ExitCode {
    match run_check(&args, false, None) {
        Ok(report) => {
            if print_report_with(&report, args.format, args.verbose).is_err() {
                return ExitCode::from(EXIT_USAGE);
            }
            ExitCode::from(report.verdict.exit_code() as u8)
        }
        Err(code) => code,
    }
}
