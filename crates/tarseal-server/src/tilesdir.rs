//! `serve --tiles-dir DIR`: the C2SP tlog-tiles read path as plain files, so that any static
//! web server (nginx, `python3 -m http.server`) over DIR serves `monitor` and proof checking
//! without the log process: `checkpoint`, `tile/<L>/<N>[.p/<W>]` and
//! `tile/entries/<N>[.p/<W>]`.
//!
//! After each batch the tiles that changed are written, then the checkpoint — each file as
//! a temporary file renamed into place, so a reader sees a whole old or a whole new file and
//! never a checkpoint whose tiles are not there yet. Full tiles never change: one that
//! exists is not rewritten. Partial tiles of older sizes are kept (a reader holding an older
//! checkpoint can still read them). The files are not fsynced: the database is the durable
//! copy; on start the tiles from the size in DIR/checkpoint on are written again.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::store::{Store, StoreError, StoreReader, StoredCheckpoint};

/// A tiles directory and the tree size whose tiles it holds.
pub struct TilesDir {
    dir: PathBuf,
    /// (size whose tiles are written, checkpoint note written).
    written: Mutex<(u64, String)>,
}

/// Why the tiles directory could not be written.
#[derive(Debug, thiserror::Error)]
pub enum TilesError {
    /// A file of the directory.
    #[error("--tiles-dir {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Reading the store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The tile math.
    #[error(transparent)]
    Log(#[from] tarseal_log::LogError),
}

fn write_atomic(dir: &Path, rel: &str, data: &[u8]) -> Result<(), TilesError> {
    let path = dir.join(rel);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| TilesError::Io { path, source }
    };
    let parent = path.parent().unwrap_or(dir);
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let mut tmp = tempfile::NamedTempFile::new_in(parent).map_err(io(parent))?;
    tmp.write_all(data).map_err(io(&path))?;
    // Static servers run as another user: world-readable like any published file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
            .map_err(io(&path))?;
    }
    tmp.persist(&path).map_err(|e| TilesError::Io {
        path: path.clone(),
        source: e.error,
    })?;
    Ok(())
}

impl TilesDir {
    /// Opens (creating) DIR; the tree size already written is the one of DIR/checkpoint.
    pub fn open(dir: &Path) -> Result<TilesDir, TilesError> {
        std::fs::create_dir_all(dir).map_err(|source| TilesError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let size = std::fs::read_to_string(dir.join("checkpoint"))
            .ok()
            .and_then(|n| {
                let text = tarseal_log::split_note(&n).ok()?.text.to_string();
                tarseal_log::Checkpoint::parse(&text).ok().map(|c| c.size)
            })
            .unwrap_or(0);
        Ok(TilesDir {
            dir: dir.to_path_buf(),
            written: Mutex::new((size, String::new())),
        })
    }

    /// Writes the tiles of `cp`'s tree not written yet, then `cp` as DIR/checkpoint. An older
    /// checkpoint than the one written is ignored.
    pub fn publish(&self, store: &dyn Store, cp: &StoredCheckpoint) -> Result<(), TilesError> {
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        if cp.size < written.0 || (cp.size == written.0 && cp.note == written.1) {
            return Ok(());
        }
        for tile in tarseal_log::new_tiles(written.0, cp.size) {
            let path = tile.path();
            if tile.is_full() && self.dir.join(&path).exists() {
                continue;
            }
            let data = tarseal_log::read_tile(&tile, cp.size, &StoreReader(store))?;
            // The entry bundle first: a full hash tile present means its bundle is too.
            if tile.level == 0 {
                let start = tile.index * u64::from(tarseal_log::TILE_WIDTH);
                let records = store.records(start, start + u64::from(tile.width))?;
                let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
                let bundle = tarseal_log::encode_entry_bundle(&refs)?;
                write_atomic(
                    &self.dir,
                    &tarseal_log::entries_tile_path(tile.index, tile.width),
                    &bundle,
                )?;
            }
            write_atomic(&self.dir, &path, &data)?;
        }
        write_atomic(&self.dir, "checkpoint", cp.note.as_bytes())?;
        *written = (cp.size, cp.note.clone());
        Ok(())
    }
}
