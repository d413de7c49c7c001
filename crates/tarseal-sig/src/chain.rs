//! A trust file's history (`tarseal trust verify-chain V1 V2 ...`): a project's trust file
//! may be replaced only by a version signed by a threshold of the previous one (TUF's root rule). V(n+1) needs
//! threshold(Vn) good signatures from distinct keys of Vn, each inside its Vn validity
//! window at the signature's time, **and** threshold(V(n+1)) from keys of V(n+1) (the new
//! keys accept their role). V1 is the root of trust: it must come from the trusted side and
//! is not itself verified.
//!
//! Signatures of `FILE` are read from `FILE.asc` and `FILE.*.asc` beside it, plus
//! `--sig FILE=SIG`. The certificates come from `--keyring` (old and new keys).

use crate::{Keyring, KeyringError, SigStatus, TrustError, TrustFile};
use std::path::{Path, PathBuf};

/// What to verify: the versions oldest first, the certificates, extra signatures.
#[derive(Debug, Clone)]
pub struct ChainOptions {
    /// The versions, oldest first (at least two).
    pub files: Vec<PathBuf>,
    /// Certificates of the old and new keys.
    pub keyring: Vec<PathBuf>,
    /// Extra detached signatures, `FILE_V=SIG` (FILE_V as in `files`).
    pub sig: Vec<String>,
}

/// Why the chain could not be judged (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// A keyring file could not be loaded.
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    /// A version is not a trust file.
    #[error(transparent)]
    Trust(#[from] TrustError),
    /// `--sig` without `=`.
    #[error("--sig {0:?}: expected FILE_V=SIG")]
    SigSyntax(String),
    /// `--sig` for a file that is not a version given.
    #[error("--sig {given:?}: {file} is not one of the versions given")]
    SigFile {
        /// The flag's value.
        given: String,
        /// Its FILE_V.
        file: String,
    },
    /// Fewer than two versions.
    #[error("give at least two versions, oldest first")]
    TooFew,
    /// A file (version, signature, directory) could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A version's file name is not UTF-8 (signatures are found by name).
    #[error("{}: not a UTF-8 file name", .0.display())]
    FileName(PathBuf),
}

/// Schema of `trust verify-chain --format json`.
pub const SCHEMA: &str = "tarseal.trust-chain/v1";

/// One version of the trust file and how it was judged.
#[derive(Debug, serde::Serialize)]
pub struct Version {
    /// 1-based.
    pub version: usize,
    /// The file as given.
    pub file: String,
    /// `root` (v1, taken as given), `ok`, `rejected`; versions after a rejected one are not
    /// listed (nothing is trusted through a broken link).
    pub status: &'static str,
    /// Its own threshold.
    pub threshold: usize,
    /// Its number of keys.
    pub keys: usize,
    /// The previous version's threshold (what `signed_by_previous` must reach).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_threshold: Option<usize>,
    /// Distinct keys of the previous version with a good signature in their window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_by_previous: Option<usize>,
    /// Distinct keys of this version with a good signature (the new keys accept their role).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_by_own: Option<usize>,
    /// Every signature found for this version: its file and status.
    pub signatures: Vec<SigLine>,
}

/// One signature of a version.
#[derive(Debug, serde::Serialize)]
pub struct SigLine {
    /// The signature file.
    pub file: String,
    /// Its status, for people (or why it is unusable).
    pub status: String,
    /// A BAD signature by a keyring key (the step is refused).
    pub bad: bool,
}

/// `trust verify-chain --format json` (schema [`SCHEMA`]).
#[derive(Debug, serde::Serialize)]
pub struct ChainReport {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// `pass`, `fail` or `error`.
    pub verdict: &'static str,
    /// 0, 1 or 2.
    pub exit_code: u8,
    /// The versions judged, up to the first rejected one.
    pub versions: Vec<Version>,
    /// Why there is no verdict (`error`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The signature files of `file`: `FILE.asc`, `FILE.*.asc` beside it, sorted.
fn beside(file: &Path) -> Result<Vec<PathBuf>, ChainError> {
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| ChainError::FileName(file.to_path_buf()))?;
    let dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut v = Vec::new();
    let read = |e| ChainError::Read {
        path: dir.clone(),
        source: e,
    };
    for e in std::fs::read_dir(&dir).map_err(read)? {
        let e = e.map_err(read)?;
        let n = e.file_name().to_string_lossy().into_owned();
        if n == format!("{name}.asc") || (n.starts_with(&format!("{name}.")) && n.ends_with(".asc"))
        {
            v.push(dir.join(n));
        }
    }
    v.sort();
    Ok(v)
}

/// The text lines of one version (the same content as the JSON).
pub fn render(v: &Version) -> String {
    let mut o = String::new();
    for sl in &v.signatures {
        o.push_str(&format!("sig      {}: {}\n", sl.file, sl.status));
    }
    if v.status == "root" {
        o.push_str(&format!(
            "v1       {} (root of trust, not verified: threshold {}, {} key(s))\n",
            v.file, v.threshold, v.keys
        ));
    } else {
        o.push_str(&format!(
            "v{}       {} {}: {} key(s) of v{} signed (threshold {}), {} key(s) of v{} signed (threshold {}){}\n",
            v.version,
            v.file,
            if v.status == "ok" { "ok" } else { "REJECTED" },
            v.signed_by_previous.unwrap_or(0),
            v.version - 1,
            v.previous_threshold.unwrap_or(0),
            v.signed_by_own.unwrap_or(0),
            v.version,
            v.threshold,
            if v.signatures.iter().any(|s| s.bad) {
                "; a BAD signature by a keyring key"
            } else {
                ""
            }
        ));
    }
    o
}

/// Judges the chain: each version after the first against its predecessor and itself.
/// Returns the versions judged (up to the first rejected one) and whether all hold.
pub fn verify_chain(a: &ChainOptions) -> Result<(Vec<Version>, bool), ChainError> {
    if a.files.len() < 2 {
        return Err(ChainError::TooFew);
    }
    let keyring = Keyring::from_files(&a.keyring)?.unwrap_or_default();
    let mut versions = Vec::new();
    for f in &a.files {
        versions.push(TrustFile::from_file(f)?);
    }
    let mut extra: Vec<(String, PathBuf)> = Vec::new();
    for s in &a.sig {
        let (f, sig) = s
            .split_once('=')
            .ok_or_else(|| ChainError::SigSyntax(s.clone()))?;
        if !a.files.iter().any(|p| p.as_os_str() == f) {
            return Err(ChainError::SigFile {
                given: s.clone(),
                file: f.to_string(),
            });
        }
        extra.push((f.to_string(), PathBuf::from(sig)));
    }
    let mut out = vec![Version {
        version: 1,
        file: a.files[0].display().to_string(),
        status: "root",
        threshold: versions[0].threshold,
        keys: versions[0].keys.len(),
        previous_threshold: None,
        signed_by_previous: None,
        signed_by_own: None,
        signatures: Vec::new(),
    }];
    let mut ok = true;
    for i in 1..a.files.len() {
        let file = &a.files[i];
        let (old, new) = (&versions[i - 1], &versions[i]);
        let data = std::fs::read(file).map_err(|e| ChainError::Read {
            path: file.clone(),
            source: e,
        })?;
        let mut sig_files = beside(file)?;
        for (f, s) in &extra {
            if file.as_os_str() == f.as_str() && !sig_files.contains(s) {
                sig_files.push(s.clone());
            }
        }
        let mut statuses: Vec<SigStatus> = Vec::new();
        let mut sigs = Vec::new();
        for s in &sig_files {
            let sig = std::fs::read(s).map_err(|e| ChainError::Read {
                path: s.clone(),
                source: e,
            })?;
            match crate::verify_detached(&keyring, &sig, &data[..], None) {
                Ok(st) => {
                    for x in &st {
                        sigs.push(SigLine {
                            file: s.display().to_string(),
                            status: x.to_string(),
                            bad: matches!(x, SigStatus::Bad { .. }),
                        });
                    }
                    statuses.extend(st);
                }
                Err(e) => sigs.push(SigLine {
                    file: s.display().to_string(),
                    status: format!("unusable: {e}"),
                    bad: false,
                }),
            }
        }
        let bad = sigs.iter().any(|s| s.bad);
        let by_old = old.count_trusted(&statuses);
        let by_new = new.count_trusted(&statuses);
        let step_ok = !bad && by_old >= old.threshold && by_new >= new.threshold;
        out.push(Version {
            version: i + 1,
            file: file.display().to_string(),
            status: if step_ok { "ok" } else { "rejected" },
            threshold: new.threshold,
            keys: new.keys.len(),
            previous_threshold: Some(old.threshold),
            signed_by_previous: Some(by_old),
            signed_by_own: Some(by_new),
            signatures: sigs,
        });
        if !step_ok {
            ok = false;
            // Later versions cannot be trusted through a broken link.
            break;
        }
    }
    Ok((out, ok))
}
