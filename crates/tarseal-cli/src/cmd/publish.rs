//! `tarseal publish NAME.seal`: send a record file to the log, keep its proof beside it.

use crate::common::{publication, EXIT_USAGE};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct PublishArgs {
    /// The record `NAME.seal`; its signature `NAME.seal.asc` is read beside it.
    record: PathBuf,
    /// The log's base URL.
    #[arg(long, value_name = "URL")]
    server: String,
}

pub fn run(args: PublishArgs) -> ExitCode {
    match tarseal::log::publish_file(&args.record, &args.server) {
        Ok(p) => publication(&p),
        Err(e) => {
            eprintln!("tarseal: error: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
