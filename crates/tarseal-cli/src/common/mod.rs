//! What every command shares, never each other: the check's flags and running the check
//! ([`check_run`]: check, seal and sigs add take them), and the output every command
//! speaks ([`output`]: the format, the usage exit code, reports, errors, the log's answer).

mod check_run;
mod output;

pub use check_run::*;
pub use output::*;
