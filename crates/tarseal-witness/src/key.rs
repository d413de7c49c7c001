//! The witness's identity: an Ed25519 tlog-cosignature key (type 0x04), created on first
//! start as `DIR/witness-key` (mode 0600, `PRIVATE+KEY+<name>+<id>+<base64>`), whose verifier
//! key `<name>+<id>+<base64>` clients pin with `--witness-key`.

use std::io::Write;
use std::path::Path;

use tarseal_log::CosignatureSigner;

use crate::WitnessError;

/// File name of the key in the data directory.
pub const KEY_FILE: &str = "witness-key";

/// Reads `dir/witness-key`, or creates it for `name` when absent (written, fsynced and
/// renamed into place, so a crash leaves either no key or the whole key).
pub fn load_or_create(dir: &Path, name: &str) -> Result<CosignatureSigner, WitnessError> {
    let path = dir.join(KEY_FILE);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WitnessError::Io { path, source }
    };
    match std::fs::read_to_string(&path) {
        Ok(s) => {
            let signer = CosignatureSigner::from_key_string(s.trim()).map_err(|source| {
                WitnessError::Key {
                    what: path.display().to_string(),
                    source,
                }
            })?;
            if signer.name() != name {
                return Err(WitnessError::NameMismatch {
                    path,
                    found: signer.name().to_string(),
                    wanted: name.to_string(),
                });
            }
            Ok(signer)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let signer = CosignatureSigner::generate(name).map_err(|source| WitnessError::Key {
                what: format!("--name {name:?}"),
                source,
            })?;
            let tmp = dir.join(format!(".{KEY_FILE}.tmp"));
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut f = opts.open(&tmp).map_err(io(&tmp))?;
            f.write_all(format!("{}\n", signer.key_string()).as_bytes())
                .and_then(|_| f.sync_all())
                .map_err(io(&tmp))?;
            std::fs::rename(&tmp, &path).map_err(io(&path))?;
            crate::state::sync_dir(dir)?;
            Ok(signer)
        }
        Err(e) => Err(WitnessError::Io { path, source: e }),
    }
}
