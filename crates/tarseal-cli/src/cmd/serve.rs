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
    /// A witness (C2SP tlog-witness) each new checkpoint is submitted to, with a consistency
    /// proof; /checkpoint and proofs carry the cosignatures it returns. Repeatable. A witness
    /// that is down is retried in the background and never stops publishing.
    #[arg(long = "witness", value_name = "URL")]
    witnesses: Vec<String>,
    /// Seconds a witness request may take before the checkpoint is published without it.
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    witness_timeout: u64,
    /// Write the C2SP tlog-tiles read path (`checkpoint`, `tile/...`) to DIR as files after
    /// each batch, for any static web server to serve (to `tarseal monitor` and proof
    /// checkers).
    #[arg(long, value_name = "DIR")]
    tiles_dir: Option<PathBuf>,
    /// Most publishes sequenced together in one transaction and one fsync (group commit);
    /// 1 = one at a time.
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=4096))]
    batch_max: u64,
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
        witnesses: args.witnesses,
        witness_timeout: std::time::Duration::from_secs(args.witness_timeout.max(1)),
        tiles_dir: args.tiles_dir,
        batch_max: args.batch_max as usize,
    };
    match tarseal::server::serve_blocking(cfg) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tarseal: error: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
