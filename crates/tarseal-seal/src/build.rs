//! The build-time record (`tarseal record`). Made in the build job right after the tarball
//! is built, before anything copies it: the file hashed, a `tarseal/v1 build` record signed
//! and written beside it, ready for [`crate::publish_file`]. Later `seal --publish`,
//! `verify --server` and `query` compare every other step's digest with this one
//! (tarseal_verify::logview).

use crate::atomic::{self, AtomicError};
use std::path::PathBuf;
use tarseal_record::{Kind, Record};
use tarseal_sig::SigningKey;
use tarseal_verify::{Ctx, Origin, StreamError};

/// The flags of `tarseal record` that shape the record.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The tarball as the build produced it.
    pub tarball: PathBuf,
    /// The project (as in the log's trust directory).
    pub project: String,
    /// The tag the tarball was built from.
    pub tag: String,
    /// The secret key that signs the record (`chmod 600`).
    pub key: PathBuf,
    /// Where the build ran (default: from the CI's environment, else `unspecified`).
    pub builder: Option<String>,
    /// Where to write NAME.build and NAME.build.asc (default: beside the tarball).
    pub out: Option<PathBuf>,
}

/// Why no build record was written (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The project name is not one the log accepts.
    #[error("--project: {0}")]
    Project(String),
    /// The tag is not one the log accepts.
    #[error("--tag: {0}")]
    Tag(String),
    /// The key cannot be used, or signing failed.
    #[error(transparent)]
    Key(#[from] tarseal_sig::SignError),
    /// The tarball's file name is not UTF-8.
    #[error("{}: not a file name in UTF-8", .0.display())]
    FileName(PathBuf),
    /// The file name is not one the log accepts.
    #[error("{0}")]
    File(String),
    /// The tarball is not a file.
    #[error("{}: no such file", .0.display())]
    NoSuchFile(PathBuf),
    /// The output directory is missing.
    #[error("output directory {} does not exist", .0.display())]
    OutDir(PathBuf),
    /// Reading the tarball failed.
    #[error(transparent)]
    Stream(#[from] StreamError),
    /// A value is not canonical.
    #[error("{0}")]
    Record(String),
    /// Writing failed (nothing left behind).
    #[error(transparent)]
    Write(#[from] AtomicError),
}

/// A build record written to disk, not yet logged.
#[derive(Debug)]
pub struct BuildRecord {
    /// NAME.build.
    pub path: PathBuf,
    /// NAME.build.asc.
    pub signature: PathBuf,
    /// The tarball's file name.
    pub file_name: String,
    /// Its size.
    pub size: u64,
    /// Its hex SHA-256.
    pub sha256: String,
}

impl BuildRecord {
    /// Removes the record files (after a failed publication: no file that looks logged).
    pub fn discard(&self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = std::fs::remove_file(&self.signature);
    }
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

/// Hashes the tarball, signs its build record and writes NAME.build + NAME.build.asc (all
/// or nothing). Everything that can be refused without reading the tarball is refused first.
pub fn write_build_record(args: &BuildOptions) -> Result<BuildRecord, BuildError> {
    tarseal_server::record::check_project(&args.project)
        .map_err(|e| BuildError::Project(e.to_string()))?;
    tarseal_server::record::check_tag(&args.tag).map_err(|e| BuildError::Tag(e.to_string()))?;
    let key = SigningKey::from_file(&args.key)?;
    let file_name = args
        .tarball
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| BuildError::FileName(args.tarball.clone()))?
        .to_string();
    tarseal_server::record::check_file(&file_name).map_err(|e| BuildError::File(e.to_string()))?;
    if !args.tarball.is_file() {
        return Err(BuildError::NoSuchFile(args.tarball.clone()));
    }
    let out_dir = match &args.out {
        Some(d) => d.clone(),
        None => match args.tarball.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        },
    };
    if !out_dir.is_dir() {
        return Err(BuildError::OutDir(out_dir));
    }

    let ctx = Ctx {
        agent: tarseal_verify::agent(30),
        keyring: tarseal_sig::Keyring::new(),
    };
    let streamed = tarseal_verify::stream(&ctx, &Origin::Local(args.tarball.clone()), &[])?;
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
    )
    .map_err(|e| BuildError::Record(e.to_string()))?;
    let text = record.to_text();
    let sig = key.sign_detached(text.as_bytes())?;
    let record_path = out_dir.join(format!("{file_name}.build"));
    atomic::write_all(
        &out_dir,
        &[
            (format!("{file_name}.build.asc"), sig.as_bytes()),
            (format!("{file_name}.build"), text.as_bytes()),
        ],
    )?;
    Ok(BuildRecord {
        signature: out_dir.join(format!("{file_name}.build.asc")),
        path: record_path,
        file_name,
        size: streamed.size,
        sha256: streamed.sha256,
    })
}
