//! Who may publish for a project: the server's trust directory.
//!
//! Layout (`--trust-dir DIR`), read at start and again on SIGHUP (`App::reload_trust`):
//!
//! * `DIR/<project>.toml` — a tarseal-sig [`TrustFile`] naming the OpenPGP primary
//!   fingerprints allowed to sign records of `<project>` (with optional validity windows);
//! * `DIR/<project>.keys` — their certificates (`gpg --export [--armor]`, one or more).
//!
//! A record is accepted when its detached signature has at least one good signature by a
//! key of the project's trust file whose window holds both the signature's creation time
//! and the time the log receives it, and whose OpenPGP key is valid (not expired, not
//! revoked) at both (`tarseal_sig::verify_detached_as_of`)
//! (`TrustFile::count_trusted >= 1`; the file's `threshold` is for co-signing and gating,
//! not for publishing). Keys come only from this configuration, never from the request.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tarseal_sig::{verify_detached_as_of, Keyring, TrustFile};

/// One project's trust: the trust file and the keyring with its certificates.
pub struct ProjectTrust {
    trust: TrustFile,
    keyring: Keyring,
    /// The `.keys` file as read, served to users (`/projects/<project>/keys.asc`).
    certificates: Vec<u8>,
}

impl ProjectTrust {
    /// The project's trust file (its keys, windows and threshold).
    pub fn trust_file(&self) -> &TrustFile {
        &self.trust
    }

    /// The certificates file (`<project>.keys`) as read at load.
    pub fn certificates(&self) -> &[u8] {
        &self.certificates
    }
}

/// Every project the server accepts records for.
#[derive(Default)]
pub struct Trust {
    projects: BTreeMap<String, ProjectTrust>,
}

/// Why the trust directory cannot be loaded; names the file.
#[derive(Debug, thiserror::Error)]
pub enum TrustDirError {
    #[error("trust dir {}: {source}", dir.display())]
    Dir {
        dir: PathBuf,
        source: std::io::Error,
    },
    /// A `<project>.toml` whose name is not a valid project name.
    #[error("{}: {source}", path.display())]
    Project {
        path: PathBuf,
        source: crate::record::RuleError,
    },
    #[error("{0}")]
    TrustFile(tarseal_sig::TrustError),
    #[error("{}: {source}", path.display())]
    ReadKeys {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Keys {
        path: PathBuf,
        source: tarseal_sig::KeyringError,
    },
}

/// Why a signature does not allow publishing (HTTP 403).
#[derive(Debug)]
pub struct Forbidden(pub String);

impl Trust {
    /// Loads `DIR/*.toml` and their `.keys`. A `.toml` without `.keys` is an error.
    pub fn load(dir: &Path) -> Result<Trust, TrustDirError> {
        let mut projects = BTreeMap::new();
        let dir_error = |source| TrustDirError::Dir {
            dir: dir.to_path_buf(),
            source,
        };
        let rd = std::fs::read_dir(dir).map_err(dir_error)?;
        for ent in rd {
            let ent = ent.map_err(dir_error)?;
            let path = ent.path();
            if path.extension().and_then(|e| e.to_str()) != Some("toml") {
                continue;
            }
            let Some(project) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            crate::record::check_project(project).map_err(|source| TrustDirError::Project {
                path: path.clone(),
                source,
            })?;
            let trust = TrustFile::from_file(&path).map_err(TrustDirError::TrustFile)?;
            let keys = path.with_extension("keys");
            let certificates = std::fs::read(&keys).map_err(|source| TrustDirError::ReadKeys {
                path: keys.clone(),
                source,
            })?;
            let mut keyring = Keyring::new();
            keyring
                .add_openpgp_file(&keys)
                .map_err(|source| TrustDirError::Keys {
                    path: keys.clone(),
                    source,
                })?;
            projects.insert(
                project.to_string(),
                ProjectTrust {
                    trust,
                    keyring,
                    certificates,
                },
            );
        }
        Ok(Trust { projects })
    }

    /// One project's configuration, if the log has one.
    pub fn project(&self, project: &str) -> Option<&ProjectTrust> {
        self.projects.get(project)
    }

    /// The projects configured.
    pub fn projects(&self) -> impl Iterator<Item = &str> {
        self.projects.keys().map(String::as_str)
    }

    /// Checks that `signature` (armored or binary detached OpenPGP) over `record` is good
    /// by a key that `project` trusts. Returns the signing primary fingerprint.
    pub fn authorize(
        &self,
        project: &str,
        record: &[u8],
        signature: &[u8],
    ) -> Result<String, Forbidden> {
        let p = self.projects.get(project).ok_or_else(|| {
            Forbidden(format!("project {project:?} is not configured on this log"))
        })?;
        // Judged at the log's time as well as at the signature's own: an expired, revoked or
        // no longer trusted key cannot bring in new records by back-dating its signature.
        let now = std::time::SystemTime::now();
        let statuses = verify_detached_as_of(&p.keyring, signature, record, now)
            .map_err(|e| Forbidden(format!("signature not accepted: {e}")))?;
        if p.trust.count_trusted(&statuses) == 0 {
            let why: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
            return Err(Forbidden(format!(
                "no good signature by a key of project {project:?}: {}",
                why.join("; ")
            )));
        }
        // The trust file's window, likewise, must hold both times.
        let good = statuses
            .iter()
            .filter_map(|s| s.good())
            .find(|g| {
                p.trust
                    .openpgp_key(&g.key.primary)
                    .is_some_and(|k| k.valid_at(g.created) && k.valid_at(now))
            })
            .ok_or_else(|| {
                Forbidden(format!(
                    "the signing key of project {project:?} is outside its trust-file window now (valid_after/valid_before)"
                ))
            })?;
        Ok(good.key.primary.clone())
    }
}
