//! The witness's durable state: per log origin, the last checkpoint it cosigned, as the
//! signed note the log sent (the evidence of what the log claimed), in
//! `DIR/logs/<hex SHA-256 of the origin>`.
//!
//! A write is a new file, fsynced, renamed over the old one, then the directory fsynced:
//! after a crash (kill -9, power loss) the file holds the old or the new checkpoint, never a
//! mix, and a cosignature is only sent after the new one is on disk.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::WitnessError;

/// fsync of a directory (a rename inside it is durable only then).
pub fn sync_dir(dir: &Path) -> Result<(), WitnessError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| WitnessError::Io {
            path: dir.to_path_buf(),
            source,
        })
}

/// The state directory `DIR/logs`.
#[derive(Debug, Clone)]
pub struct StateDir {
    dir: PathBuf,
}

impl StateDir {
    /// Opens (creating) `data_dir/logs`.
    pub fn open(data_dir: &Path) -> Result<StateDir, WitnessError> {
        let dir = data_dir.join("logs");
        std::fs::create_dir_all(&dir).map_err(|source| WitnessError::Io {
            path: dir.clone(),
            source,
        })?;
        Ok(StateDir { dir })
    }

    /// The file of one origin.
    pub fn path(&self, origin: &str) -> PathBuf {
        self.dir
            .join(hex::encode(Sha256::digest(origin.as_bytes())))
    }

    /// The stored note of `origin`, if the witness ever cosigned for it.
    pub fn load(&self, origin: &str) -> Result<Option<String>, WitnessError> {
        let path = self.path(origin);
        match std::fs::read_to_string(&path) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(WitnessError::Io { path, source }),
        }
    }

    /// Makes `note` the stored checkpoint of `origin`, durably, before returning.
    pub fn store(&self, origin: &str, note: &str) -> Result<(), WitnessError> {
        let path = self.path(origin);
        let tmp = path.with_extension("tmp");
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |source| WitnessError::Io { path: p, source }
        };
        let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(note.as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(io(&tmp))?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        sync_dir(&self.dir)
    }
}
