//! `tarseal toolchain fetch TOOL=VERSION...` and `tarseal toolchain list`: exact autoconf,
//! automake and libtool versions from Debian's packages, unpacked into the XDG cache, for
//! `check --regenerate` (tarseal-regen's fetch.rs does the work).

use crate::common::{Format, EXIT_USAGE};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tarseal::regen::fetch::{self, Fetcher};
use tarseal::regen::versions::Tool;

/// Exit code of a version that cannot be had.
const EXIT_INDETERMINATE: u8 = 3;

#[derive(Subcommand)]
pub enum ToolchainCommand {
    /// Download exactly these versions from Debian's bullseye, bookworm or trixie packages
    /// (InRelease verified with gpgv against Debian's archive keyring, the index and the .deb
    /// by SHA-256), unpack each with dpkg-deb into $XDG_CACHE_HOME/tarseal/toolchains/
    /// TOOL-VERSION and relocate it for the sandbox. Exit 3 when a version is in no suite
    /// (naming the closest one), 2 on network, signature or disk errors.
    Fetch(FetchArgs),
    /// The toolchains in the cache (tool, version, Debian package, suite, directory).
    List(ListArgs),
}

#[derive(Args)]
pub struct FetchArgs {
    /// `autoconf=2.71`, `automake=1.16.5`, `libtool=2.4.7` (upstream versions).
    #[arg(value_name = "TOOL=VERSION", required = true)]
    tools: Vec<String>,
    /// Debian mirror.
    #[arg(long, default_value = fetch::DEFAULT_MIRROR)]
    mirror: String,
    /// Keyring the suites' InRelease must be signed with.
    #[arg(long, value_name = "FILE", default_value = fetch::DEFAULT_KEYRING)]
    keyring: PathBuf,
    /// Cache directory (default $XDG_CACHE_HOME/tarseal/toolchains).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

#[derive(Args)]
pub struct ListArgs {
    /// Cache directory (default $XDG_CACHE_HOME/tarseal/toolchains).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

fn cache(dir: Option<PathBuf>) -> Result<PathBuf, ExitCode> {
    dir.or_else(fetch::cache_dir).ok_or_else(|| {
        eprintln!("tarseal: error: no cache directory: set XDG_CACHE_HOME or HOME, or pass --dir");
        ExitCode::from(EXIT_USAGE)
    })
}

pub fn run(cmd: ToolchainCommand) -> ExitCode {
    match cmd {
        ToolchainCommand::Fetch(a) => {
            let mut wanted = Vec::new();
            for t in &a.tools {
                match t
                    .split_once('=')
                    .and_then(|(n, v)| Some((Tool::from_name(n.trim())?, v.trim().to_string())))
                {
                    Some((tool, v)) if !v.is_empty() => wanted.push((tool, v)),
                    _ => {
                        eprintln!(
                            "tarseal: error: {t:?} is not TOOL=VERSION (autoconf, automake or libtool)"
                        );
                        return ExitCode::from(EXIT_USAGE);
                    }
                }
            }
            let dir = match cache(a.dir) {
                Ok(d) => d,
                Err(c) => return c,
            };
            let f = Fetcher::with(a.mirror, a.keyring, dir);
            let mut code = 0u8;
            for (tool, v) in wanted {
                match f.fetch(tool, &v) {
                    Ok(d) => println!("{} {v}: {}", tool.name(), d.display()),
                    Err(e) => {
                        eprintln!("tarseal: error: {e}");
                        let c = if e.is_unavailable() {
                            EXIT_INDETERMINATE
                        } else {
                            EXIT_USAGE
                        };
                        code = code.max(c);
                    }
                }
            }
            ExitCode::from(code)
        }
        ToolchainCommand::List(a) => {
            let dir = match cache(a.dir) {
                Ok(d) => d,
                Err(c) => return c,
            };
            let list = fetch::list(&dir);
            match a.format {
                Format::Json => match serde_json::to_string_pretty(&list) {
                    Ok(t) => println!("{t}"),
                    Err(_) => return ExitCode::from(EXIT_USAGE),
                },
                Format::Text => {
                    if list.is_empty() {
                        println!("no toolchains in {}", dir.display());
                    }
                    for i in &list {
                        println!(
                            "{}\t{}\t{}\t{}\t{}",
                            i.tool.name(),
                            i.version,
                            i.package,
                            i.suite,
                            i.dir.display()
                        );
                    }
                }
            }
            ExitCode::SUCCESS
        }
    }
}
