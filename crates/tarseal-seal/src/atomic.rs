//! Writing a set of output files all or nothing: every file goes to a temporary name in the
//! target directory (same file system) and is synced, then all are renamed into place. A
//! failure before the renames leaves nothing behind (the temporary files are removed when
//! dropped). Used by seal, record and query --checkpoint-file.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why the files were not written. Names the file or directory.
#[derive(Debug, thiserror::Error)]
pub enum AtomicError {
    /// No temporary file could be created in the directory.
    #[error("cannot create a file in {}: {source}", dir.display())]
    Create {
        /// The directory.
        dir: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Writing or syncing a temporary file failed.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file it was to become.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Renaming into place failed (files renamed before it stay).
    #[error("cannot rename into {}: {source}", path.display())]
    Rename {
        /// The destination.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Writes `files` (name in `dir`, bytes) with mode 0644; returns the paths written.
pub fn write_all<B: AsRef<[u8]>>(
    dir: &Path,
    files: &[(String, B)],
) -> Result<Vec<PathBuf>, AtomicError> {
    let mut staged = Vec::new();
    for (name, bytes) in files {
        let mut tmp = tempfile::Builder::new()
            .prefix(".tarseal-")
            .tempfile_in(dir)
            .map_err(|e| AtomicError::Create {
                dir: dir.to_path_buf(),
                source: e,
            })?;
        tmp.write_all(bytes.as_ref())
            .and_then(|_| tmp.as_file().sync_all())
            .map_err(|e| AtomicError::Write {
                path: dir.join(name),
                source: e,
            })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = tmp
                .as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644));
        }
        staged.push((tmp, dir.join(name)));
    }
    let mut written = Vec::new();
    for (tmp, dest) in staged {
        tmp.persist(&dest).map_err(|e| AtomicError::Rename {
            path: dest.clone(),
            source: e.error,
        })?;
        written.push(dest);
    }
    Ok(written)
}
