//! Writing a set of output files all or nothing: every file goes to a temporary name in the
//! target directory (same file system) and is synced, then all are renamed into place. A
//! failure before the renames leaves nothing behind (the temporary files are removed when
//! dropped). Used by seal, record and query --checkpoint-file.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `files` (name in `dir`, bytes) with mode 0644; returns the paths written.
pub(crate) fn write_all<B: AsRef<[u8]>>(
    dir: &Path,
    files: &[(String, B)],
) -> Result<Vec<PathBuf>, String> {
    let mut staged = Vec::new();
    for (name, bytes) in files {
        let mut tmp = tempfile::Builder::new()
            .prefix(".tarseal-")
            .tempfile_in(dir)
            .map_err(|e| format!("cannot create a file in {}: {e}", dir.display()))?;
        tmp.write_all(bytes.as_ref())
            .and_then(|_| tmp.as_file().sync_all())
            .map_err(|e| format!("cannot write {}: {e}", dir.join(name).display()))?;
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
        tmp.persist(&dest)
            .map_err(|e| format!("cannot rename into {}: {}", dest.display(), e.error))?;
        written.push(dest);
    }
    Ok(written)
}
