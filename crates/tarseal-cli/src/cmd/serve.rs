//! `tarseal serve`: the transparency log service (tarseal-server), its flags checked.

use crate::common::EXIT_USAGE;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct ServeArgs {
    /// Data directory: the log key (`log-key`, created on first start, mode 0600), the SQLite
    /// database `tarseal.db`, and by default the trust directory `trust/`.
    #[arg(long, value_name = "DIR", default_value = "tarseal-data")]
    data_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8470")]
    listen: String,
    /// The store: `sqlite:PATH` (default: DATA_DIR/tarseal.db) or `postgres://USER@HOST/DB`
    /// (libpq options as query parameters, e.g. `?host=/run/postgresql`).
    #[arg(long, value_name = "URL")]
    db: Option<String>,
    /// Who may publish: `<project>.toml` (tarseal trust file) and `<project>.keys` (their
    /// OpenPGP certificates) per project (default: DATA_DIR/trust).
    #[arg(long, value_name = "DIR")]
    trust_dir: Option<PathBuf>,
    /// The log's origin (its checkpoint's first line and key name), used when the key is
    /// created.
    #[arg(long, value_name = "NAME", default_value = "tarseal.localhost/log")]
    origin: String,
    /// Publishes per second allowed per client address, sustained (429 with Retry-After
    /// beyond); 0 = no limit (put the limit in a proxy in front instead).
    #[arg(long, value_name = "N", default_value_t = 100.0)]
    publish_rate: f64,
    /// Publishes a client address may send at once before the rate applies.
    #[arg(long, value_name = "N", default_value_t = 1000.0)]
    publish_burst: f64,
}

pub fn run(args: ServeArgs) -> ExitCode {
    let sane = args.publish_rate >= 0.0
        && args.publish_rate.is_finite()
        && args.publish_burst >= 1.0
        && args.publish_burst.is_finite();
    if !sane {
        eprintln!("tarseal: error: --publish-rate must be >= 0 and --publish-burst >= 1");
        return ExitCode::from(EXIT_USAGE);
    }
    let cfg = tarseal::server::Config {
        data_dir: args.data_dir,
        listen: args.listen,
        db: args.db,
        trust_dir: args.trust_dir,
        origin: args.origin,
        publish_rate: tarseal::server::ratelimit::RateLimit {
            per_second: args.publish_rate,
            burst: args.publish_burst,
        },
    };
    match tarseal::server::serve_blocking(cfg) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tarseal: error: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
