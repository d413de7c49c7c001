//! The log's identity: its Ed25519 note key, created on first start in the data directory
//! (`log-key`, mode 0600, the `PRIVATE+KEY+...` signer string of signed-note), and the
//! checkpoints and proofs it signs.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use tarseal_log::{Hash, NoteSigner};

/// Why the log key cannot be read or created (`DIR/log-key`).
#[derive(Debug, thiserror::Error)]
pub enum LogKeyError {
    /// The file does not hold a signed-note signer key.
    #[error("{}: {source}", path.display())]
    Invalid {
        path: std::path::PathBuf,
        source: tarseal_log::LogError,
    },
    /// Generating a new key failed.
    #[error("{0}")]
    Generate(tarseal_log::LogError),
    #[error("creating {}: {source}", path.display())]
    Create {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("writing {}: {source}", path.display())]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("reading {}: {source}", path.display())]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// The log's signing key; its name is the log's origin.
pub struct LogKey {
    signer: NoteSigner,
}

/// Standard base64.
pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl LogKey {
    /// Reads `DIR/log-key`, or creates it (mode 0600) for `origin` when absent.
    pub fn load_or_create(dir: &Path, origin: &str) -> Result<LogKey, LogKeyError> {
        let path = dir.join("log-key");
        match std::fs::read_to_string(&path) {
            Ok(s) => {
                let signer = NoteSigner::from_key_string(s.trim())
                    .map_err(|source| LogKeyError::Invalid { path, source })?;
                Ok(LogKey { signer })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let (skey, _) =
                    tarseal_log::generate_signer(origin).map_err(LogKeyError::Generate)?;
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
                let mut f = opts.open(&path).map_err(|source| LogKeyError::Create {
                    path: path.clone(),
                    source,
                })?;
                f.write_all(format!("{skey}\n").as_bytes())
                    .and_then(|_| f.sync_all())
                    .map_err(|source| LogKeyError::Write {
                        path: path.clone(),
                        source,
                    })?;
                let signer = NoteSigner::from_key_string(&skey).map_err(LogKeyError::Generate)?;
                Ok(LogKey { signer })
            }
            Err(source) => Err(LogKeyError::Read { path, source }),
        }
    }

    /// The origin (the key name).
    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    /// The verifier key string clients pin (`tarseal query --log-key`).
    pub fn verifier_key(&self) -> String {
        self.signer.verifier().key_string()
    }

    /// The signed checkpoint note for (size, root).
    pub fn sign_checkpoint(&self, size: u64, root: &Hash) -> Result<String, tarseal_log::LogError> {
        let body = tarseal_log::Checkpoint {
            origin: self.origin().to_string(),
            size,
            root: *root,
            extensions: Vec::new(),
        }
        .to_note_body();
        self.signer.sign(&body)
    }
}

/// A C2SP tlog-proof file for the entry at `index` with its inclusion proof against the
/// signed checkpoint `note`. `extra` carries the leaf bytes (the log entry: logged-at,
/// record, signature), so that the file alone proves what was logged and when; a verifier
/// hashes it itself (C2SP: extra data is not trusted as such).
pub fn tlog_proof(index: u64, proof: &[Hash], note: &str, leaf: &[u8]) -> String {
    tarseal_log::TlogProof {
        index,
        proof: proof.to_vec(),
        checkpoint: note.to_string(),
        extra: Some(leaf.to_vec()),
    }
    .encode()
}
