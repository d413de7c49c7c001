//! The state of one read shared by the tar and zip readers: the caller's options and
//! callbacks, the cross-entry auditor and the summary being built.

use crate::audit::Auditor;
use crate::entry::{ArchiveSummary, Entry};
use crate::{ArchiveError, HashKind, Limits};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// How to read an archive.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Bounds that stop decompression bombs; exceeding one is an [`crate::ArchiveError::LimitExceeded`].
    pub limits: Limits,
    /// The object format of the repository the archive is compared with: blob ids are computed
    /// with this hash (SHA-1 with collision detection, or SHA-256).
    pub object_hash: HashKind,
    /// Also hash the raw (compressed) bytes of the input, MD5 + SHA-256 + SHA-512, during the
    /// same read ([`crate::ArchiveSummary::raw_digests`]), on a thread of its own for the tar formats
    /// (see the `raw` module; zip: a separate pass before the parse).
    pub raw_digests: bool,
    /// With `raw_digests`, also feed every raw byte to this observer on the digest thread.
    pub raw_observer: Option<crate::RawObserver>,
}

/// State shared by the tar and zip readers for one read: the caller's callbacks, the
/// cross-entry auditor and the summary being built.
pub(crate) struct Ctx<'o, W, F, P> {
    pub(crate) options: &'o ReadOptions,
    pub(crate) wants: W,
    pub(crate) on_entry: F,
    pub(crate) progress: P,
    pub(crate) auditor: Auditor,
    pub(crate) summary: ArchiveSummary,
    pub(crate) counter: Arc<AtomicU64>,
    /// Sum of [`Entry::retained_bytes`] of the entries handed over so far.
    pub(crate) retained: u64,
}

impl<W, F, P> Ctx<'_, W, F, P>
where
    F: FnMut(Entry),
    P: FnMut(u64),
{
    /// Audits a finished entry against the earlier ones and hands it to the caller.
    pub(crate) fn emit(&mut self, entry: Entry) -> Result<(), ArchiveError> {
        let at = self.counter.load(Ordering::Relaxed);
        self.emit_at(entry, at)
    }

    /// [`Ctx::emit`] with an explicit progress position (zip, where bytes read != position).
    /// Stops the read when the entries kept so far would exceed
    /// [`crate::Limits::max_metadata_bytes`].
    pub(crate) fn emit_at(&mut self, mut entry: Entry, progress: u64) -> Result<(), ArchiveError> {
        self.auditor.audit(&mut entry);
        self.retained = self.retained.saturating_add(entry.retained_bytes());
        let limit = self.options.limits.max_metadata_bytes;
        if self.retained > limit {
            return Err(ArchiveError::LimitExceeded {
                where_: format!(
                    "at entry #{} '{}', after {} entries",
                    entry.index, entry.path, self.summary.entries
                ),
                what: "memory for the entries' names, records and kept contents",
                limit,
                flag: Limits::FLAG_METADATA_BYTES,
            });
        }
        self.summary.entries += 1;
        (self.on_entry)(entry);
        (self.progress)(progress);
        Ok(())
    }
}
