//! `tarseal record`: the build job's record (tarseal-seal's `build`), published to the log;
//! nothing kept when the log did not take it.

use crate::common::{publication, EXIT_USAGE};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use tarseal::log::{self, BuildOptions};

#[derive(Args)]
pub struct RecordArgs {
    /// The tarball as the build produced it.
    tarball: PathBuf,
    /// The project (as in the log's trust directory).
    #[arg(long, value_name = "NAME")]
    project: String,
    /// The tag the tarball was built from.
    #[arg(long, value_name = "TAG")]
    tag: String,
    /// The OpenPGP secret key to sign the record with (the build job's key, allowed by the
    /// project's trust file on the log; `chmod 600`).
    #[arg(long, value_name = "SECRET_KEY")]
    key: PathBuf,
    /// The log's base URL.
    #[arg(long, value_name = "URL")]
    server: String,
    /// Where the build ran, for people reading the record (default: the GitHub Actions run
    /// URL when run there, the Zuul build UUID under Zuul, else `unspecified`).
    #[arg(long, value_name = "TEXT")]
    builder: Option<String>,
    /// Where to write NAME.build, NAME.build.asc and NAME.build.tlog-proof (default: beside
    /// the tarball).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

pub fn run(args: RecordArgs) -> ExitCode {
    let opts = BuildOptions {
        tarball: args.tarball,
        project: args.project,
        tag: args.tag,
        key: args.key,
        builder: args.builder,
        out: args.out,
    };
    let built = match log::write_build_record(&opts) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("tarseal: error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    eprintln!(
        "tarseal: build record for {}: {} bytes, sha256 {}",
        built.file_name, built.size, built.sha256
    );
    let result = log::publish_file(&built.path, &args.server).map(|p| publication(&p));
    if !matches!(result, Ok(ref c) if *c == ExitCode::SUCCESS) {
        // Not logged: leave no record file that looks as if it were.
        built.discard();
        eprintln!("tarseal: the build record was not logged; nothing was kept");
    }
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tarseal: error: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
