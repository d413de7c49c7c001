//! `tarseal witness`: the C2SP tlog-witness service (tarseal::witness), its flags.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::common::EXIT_USAGE;

#[derive(Args)]
pub struct WitnessArgs {
    /// The witness's name: its key name, in every cosignature line (`— NAME ...`).
    #[arg(long, value_name = "NAME")]
    name: String,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8480")]
    listen: String,
    /// Data directory: the cosigning key `witness-key` (created on first start, mode 0600)
    /// and `logs/`, the last checkpoint cosigned per log (never delete it: a witness that
    /// forgot could cosign a fork).
    #[arg(long, value_name = "DIR")]
    data_dir: PathBuf,
    /// A log to witness: its verifier key (`name+hex+base64`, printed by `tarseal serve`);
    /// the key name is the log's origin. Repeatable.
    #[arg(long = "log", value_name = "VKEY", required = true)]
    logs: Vec<String>,
}

pub fn run(args: WitnessArgs) -> ExitCode {
    let cfg = tarseal::witness::http::Config {
        name: args.name,
        listen: args.listen,
        data_dir: args.data_dir,
        logs: args.logs,
    };
    match tarseal::witness::http::serve_blocking(cfg) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tarseal: error: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
