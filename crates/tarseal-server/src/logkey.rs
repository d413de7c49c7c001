//! The log's identity: its Ed25519 note key, created on first start in the data directory
//! (`log-key`, mode 0600, the `PRIVATE+KEY+...` signer string of signed-note), and the
//! checkpoints and proofs it signs.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use tarseal_log::{Hash, NoteSigner};

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
    pub fn load_or_create(dir: &Path, origin: &str) -> Result<LogKey, String> {
        let path = dir.join("log-key");
        match std::fs::read_to_string(&path) {
            Ok(s) => {
                let signer = NoteSigner::from_key_string(s.trim())
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                Ok(LogKey { signer })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let (skey, _) = tarseal_log::generate_signer(origin).map_err(|e| e.to_string())?;
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
                let mut f = opts
                    .open(&path)
                    .map_err(|e| format!("creating {}: {e}", path.display()))?;
                f.write_all(format!("{skey}\n").as_bytes())
                    .and_then(|_| f.sync_all())
                    .map_err(|e| format!("writing {}: {e}", path.display()))?;
                let signer = NoteSigner::from_key_string(&skey).map_err(|e| e.to_string())?;
                Ok(LogKey { signer })
            }
            Err(e) => Err(format!("reading {}: {e}", path.display())),
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
    pub fn sign_checkpoint(&self, size: u64, root: &Hash) -> Result<String, String> {
        let body = tarseal_log::Checkpoint {
            origin: self.origin().to_string(),
            size,
            root: *root,
            extensions: Vec::new(),
        }
        .to_note_body();
        self.signer.sign(&body).map_err(|e| e.to_string())
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
