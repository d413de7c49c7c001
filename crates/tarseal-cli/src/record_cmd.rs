//! `tarseal record`: the build-time record. Run in the build job right after the tarball is
//! made, before anything copies it: hashes the file, signs a `tarseal/v1 build` record and
//! publishes it to the log. Later `seal --publish`, `verify --server` and `query` compare
//! every other step's digest with this one (crate::logview).

use crate::verify::{self, Ctx, Origin, StreamError};
use crate::EXIT_USAGE;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use tarseal_record::{Kind, Record};
use tarseal_sig::SigningKey;

#[derive(Args)]
pub(crate) struct RecordArgs {
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

/// Where the build ran, from the CI's environment.
fn default_builder() -> String {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    if let (Some(server), Some(repo), Some(run)) = (
        var("GITHUB_SERVER_URL"),
        var("GITHUB_REPOSITORY"),
        var("GITHUB_RUN_ID"),
    ) {
        return format!("{server}/{repo}/actions/runs/{run}");
    }
    if let Some(uuid) = var("ZUUL_BUILD_UUID") {
        return format!("zuul build {uuid}");
    }
    "unspecified".into()
}

/// One line, no control characters, no surrounding blanks: what a record value may be.
fn clean(s: &str) -> String {
    let one: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let t = one.trim();
    if t.is_empty() {
        "unspecified".into()
    } else {
        t.to_string()
    }
}

pub(crate) fn record(args: RecordArgs) -> ExitCode {
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tarseal: error: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn run(args: &RecordArgs) -> Result<ExitCode, String> {
    // Everything that can be refused without reading the tarball, first.
    tarseal_server::record::check_project(&args.project).map_err(|e| format!("--project: {e}"))?;
    tarseal_server::record::check_tag(&args.tag).map_err(|e| format!("--tag: {e}"))?;
    let key = SigningKey::from_file(&args.key).map_err(|e| e.to_string())?;
    let file_name = args
        .tarball
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("{}: not a file name in UTF-8", args.tarball.display()))?
        .to_string();
    tarseal_server::record::check_file(&file_name)?;
    if !args.tarball.is_file() {
        return Err(format!("{}: no such file", args.tarball.display()));
    }
    let out_dir = match &args.out {
        Some(d) => d.clone(),
        None => match args.tarball.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        },
    };
    if !out_dir.is_dir() {
        return Err(format!(
            "output directory {} does not exist",
            out_dir.display()
        ));
    }

    let ctx = Ctx {
        agent: verify::agent(30),
        keyring: tarseal_sig::Keyring::new(),
    };
    let streamed = match verify::stream(&ctx, &Origin::Local(args.tarball.clone()), &[]) {
        Ok(s) => s,
        Err(StreamError::Io(e)) | Err(StreamError::Rejected(e)) => return Err(e),
    };
    let builder = clean(&args.builder.clone().unwrap_or_else(default_builder));
    let record = Record::with_kind(
        Kind::Build,
        &[
            ("project", args.project.clone()),
            ("tag", args.tag.clone()),
            ("file", file_name.clone()),
            ("size", streamed.size.to_string()),
            ("sha256", streamed.sha256.clone()),
            ("sha512", streamed.sha512.clone()),
            ("md5", streamed.md5.clone()),
            ("builder", builder),
            ("producer", format!("tarseal {}", env!("CARGO_PKG_VERSION"))),
            ("signer", key.fingerprint()),
            (
                "signed-at",
                tarseal_sig::format_utc(std::time::SystemTime::now()),
            ),
        ],
    )?;
    let text = record.to_text();
    let sig = key
        .sign_detached(text.as_bytes())
        .map_err(|e| e.to_string())?;
    let record_path = out_dir.join(format!("{file_name}.build"));
    crate::atomic::write_all(
        &out_dir,
        &[
            (format!("{file_name}.build.asc"), sig.as_bytes()),
            (format!("{file_name}.build"), text.as_bytes()),
        ],
    )?;
    eprintln!(
        "tarseal: build record for {file_name}: {} bytes, sha256 {}",
        streamed.size, streamed.sha256
    );
    let result = crate::logcmd::publish_file(&record_path, &args.server);
    if !matches!(result, Ok(ref c) if *c == ExitCode::SUCCESS) {
        // Not logged: leave no record file that looks as if it were.
        for suffix in ["build", "build.asc"] {
            let _ = std::fs::remove_file(out_dir.join(format!("{file_name}.{suffix}")));
        }
        eprintln!("tarseal: the build record was not logged; nothing was kept");
    }
    result
}
