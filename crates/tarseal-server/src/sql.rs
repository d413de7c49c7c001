//! What the two SQL stores share, written once: the schema (with the two type names that
//! differ filled in), the queries (`$N` placeholders, which SQLite and PostgreSQL both
//! accept), the entry columns and their row mapping, and the batched append — the one
//! writer of the log — over a small per-backend transaction trait, [`Tx`].

use std::cell::RefCell;

use tarseal_log::{Hash, HashReader};

use crate::store::{Appended, NewEntry, ReadError, SignCheckpoint, StoreError, StoredCheckpoint};

/// The schema, with `{INT}` (64-bit integer) and `{BLOB}` (bytes) for each backend's type.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS entries (
    idx {INT} PRIMARY KEY,
    leaf {BLOB} NOT NULL,
    record_sha256 TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    project TEXT NOT NULL,
    tag TEXT NOT NULL,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    md5 TEXT NOT NULL,
    signer TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_project_tag ON entries(project, tag, file);
CREATE INDEX IF NOT EXISTS entries_sha256 ON entries(sha256);
CREATE TABLE IF NOT EXISTS hashes (
    id {INT} PRIMARY KEY,
    hash {BLOB} NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (
    size {INT} PRIMARY KEY,
    root {BLOB} NOT NULL,
    note TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (
    sha256 TEXT PRIMARY KEY,
    report {BLOB} NOT NULL
);
";

/// The schema for a backend's integer and byte-string type names.
pub(crate) fn schema(int: &str, blob: &str) -> String {
    SCHEMA.replace("{INT}", int).replace("{BLOB}", blob)
}

/// Fails on a table made by an older tarseal (CREATE TABLE IF NOT EXISTS keeps it as it is).
pub(crate) const PROBE: &str = "SELECT leaf, kind FROM entries LIMIT 0";

pub(crate) const BY_PROJECT_TAG: &str =
    "SELECT idx, leaf, kind, project, tag, file, sha256, md5, signer FROM entries WHERE project = $1 AND tag = $2 ORDER BY idx";
pub(crate) const BY_SHA256: &str =
    "SELECT idx, leaf, kind, project, tag, file, sha256, md5, signer FROM entries WHERE sha256 = $1 ORDER BY idx";
pub(crate) const BY_PROJECT: &str =
    "SELECT idx, leaf, kind, project, tag, file, sha256, md5, signer FROM entries WHERE project = $1 ORDER BY idx";
pub(crate) const ENTRIES: &str =
    "SELECT idx, leaf, kind, project, tag, file, sha256, md5, signer FROM entries WHERE idx >= $1 AND idx < $2 ORDER BY idx";
pub(crate) const PROJECTS: &str =
    "SELECT project, COUNT(DISTINCT tag), MAX(idx) FROM entries GROUP BY project ORDER BY project";
/// A second put of the same digest is a no-op (upsert syntax both accept).
pub(crate) const PUT_REPORT: &str =
    "INSERT INTO reports (sha256, report) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING";
pub(crate) const REPORT: &str = "SELECT report FROM reports WHERE sha256 = $1";
pub(crate) const RECORDS: &str =
    "SELECT leaf FROM entries WHERE idx >= $1 AND idx < $2 ORDER BY idx";
pub(crate) const LATEST_CHECKPOINT: &str =
    "SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1";
pub(crate) const CHECKPOINTS: &str = "SELECT size, root, note FROM checkpoints ORDER BY size";
pub(crate) const ANY_CHECKPOINT: &str = "SELECT size FROM checkpoints LIMIT 1";
pub(crate) const EXISTING: &str = "SELECT idx FROM entries WHERE record_sha256 = $1";
pub(crate) const CONFLICT: &str = "SELECT idx FROM entries WHERE project = $1 AND tag = $2 AND file = $3 AND kind = $4 AND kind IN ('artifact', 'build') AND sha256 <> $5 ORDER BY idx LIMIT 1";
pub(crate) const COUNT: &str = "SELECT COUNT(*) FROM entries";
pub(crate) const HASH: &str = "SELECT hash FROM hashes WHERE id = $1";
pub(crate) const INSERT_HASH: &str = "INSERT INTO hashes (id, hash) VALUES ($1, $2)";
pub(crate) const INSERT_ENTRY: &str = "INSERT INTO entries (idx, leaf, record_sha256, kind, project, tag, file, sha256, md5, signer) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
pub(crate) const INSERT_CHECKPOINT: &str =
    "INSERT INTO checkpoints (size, root, note) VALUES ($1, $2, $3)";

/// One row of the entry columns `idx, leaf, kind, project, tag, file, sha256, md5, signer`
/// ([`BY_PROJECT_TAG`], [`BY_SHA256`], [`BY_PROJECT`], [`ENTRIES`]), as both backends read it.
pub(crate) type EntryRow = (
    i64,
    Vec<u8>,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

/// The row mapping of entries.
pub(crate) fn to_entry(r: EntryRow) -> crate::store::Entry {
    let (index, leaf, kind, project, tag, file, sha256, md5, signer) = r;
    crate::store::Entry {
        index: index as u64,
        leaf,
        kind,
        project,
        tag,
        file,
        sha256,
        md5,
        signer,
    }
}

/// An index as SQL's signed 64-bit integer (indexes past `i64::MAX` cannot exist).
pub(crate) fn clamp_i64(i: u64) -> i64 {
    i64::try_from(i).unwrap_or(i64::MAX)
}

/// The row mapping of [`PROJECTS`].
pub(crate) fn to_project(
    (project, tags, latest): (String, i64, i64),
) -> crate::store::ProjectSummary {
    crate::store::ProjectSummary {
        project,
        tags: tags as u64,
        latest: latest as u64,
    }
}

/// A 32-byte hash column.
pub(crate) fn hash_of(v: Vec<u8>, what: &str) -> Result<Hash, StoreError> {
    v.try_into()
        .map_err(|_| StoreError::Corrupt(format!("{what} is not 32 bytes")))
}

/// The row mapping of checkpoints.
pub(crate) fn to_checkpoint(
    (size, root, note): (i64, Vec<u8>, String),
) -> Result<StoredCheckpoint, StoreError> {
    Ok(StoredCheckpoint {
        size: size as u64,
        root: hash_of(root, "checkpoint root")?,
        note,
    })
}

/// What the append needs of a backend's open transaction (each runs one of the queries
/// above).
pub(crate) trait Tx {
    /// [`EXISTING`].
    fn existing(&mut self, record_sha256: &str) -> Result<Option<u64>, StoreError>;
    /// [`CONFLICT`].
    fn conflict(&mut self, e: &NewEntry) -> Result<Option<u64>, StoreError>;
    /// [`LATEST_CHECKPOINT`].
    fn last_checkpoint(&mut self) -> Result<StoredCheckpoint, StoreError>;
    /// [`COUNT`].
    fn count(&mut self) -> Result<u64, StoreError>;
    /// [`HASH`] for each index (all must exist).
    fn hashes(&mut self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError>;
    /// [`INSERT_HASH`] for `hashes` at `first`, `first + 1`, ...
    fn insert_hashes(&mut self, first: u64, hashes: &[Hash]) -> Result<(), StoreError>;
    /// [`INSERT_ENTRY`].
    fn insert_entry(&mut self, index: u64, e: &NewEntry) -> Result<(), StoreError>;
    /// [`INSERT_CHECKPOINT`].
    fn insert_checkpoint(&mut self, cp: &StoredCheckpoint) -> Result<(), StoreError>;
}

struct TxReader<'a, T: Tx>(&'a RefCell<&'a mut T>);

impl<T: Tx> HashReader for TxReader<'_, T> {
    type Error = ReadError;
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, ReadError> {
        self.0
            .borrow_mut()
            .hashes(indexes)
            .map_err(|e| ReadError(e.to_string()))
    }
}

/// The batched append inside one open transaction (the caller commits): each entry in
/// order is looked up (idempotency; a replay inside the batch finds the first), checked for
/// a conflict, or given the next dense index with its stored hashes; then one checkpoint is
/// signed for the batch, after checking it extends the last one.
pub(crate) fn append_batch(
    tx: &mut impl Tx,
    entries: &[NewEntry],
    sign: SignCheckpoint<'_>,
) -> Result<Vec<Appended>, StoreError> {
    let last = tx.last_checkpoint()?;
    let count = tx.count()?;
    if count != last.size {
        return Err(StoreError::Corrupt(format!(
            "{count} entries but the last checkpoint has size {}",
            last.size
        )));
    }
    let mut size = last.size;
    // Ok: decided; Err(index): new at that index, its checkpoint signed after the loop.
    let mut out: Vec<Result<Appended, u64>> = Vec::with_capacity(entries.len());
    for e in entries {
        if let Some(i) = tx.existing(&e.record_sha256)? {
            out.push(Ok(Appended::Existing(i)));
            continue;
        }
        if let Some(i) = tx.conflict(e)? {
            out.push(Ok(Appended::Conflict(i)));
            continue;
        }
        let leaf = tarseal_log::leaf_hash(&e.leaf);
        let new = {
            let cell = RefCell::new(&mut *tx);
            tarseal_log::stored_hashes_for_leaf(size, &leaf, &TxReader(&cell))?
        };
        tx.insert_hashes(tarseal_log::stored_hash_index(0, size), &new)?;
        tx.insert_entry(size, e)?;
        out.push(Err(size));
        size += 1;
    }
    if size == last.size {
        return Ok(out.into_iter().flatten().collect());
    }
    let (root, proof) = {
        let cell = RefCell::new(&mut *tx);
        let r = TxReader(&cell);
        (
            tarseal_log::tree_hash(size, &r)?,
            tarseal_log::consistency_proof(size, last.size, &r)?,
        )
    };
    // Never sign a tree that does not extend the last checkpoint.
    tarseal_log::verify_consistency(&proof, size, &root, last.size, &last.root)?;
    let note = sign(size, &root).map_err(StoreError::Sign)?;
    let cp = StoredCheckpoint { size, root, note };
    tx.insert_checkpoint(&cp)?;
    Ok(out
        .into_iter()
        .map(|r| r.unwrap_or_else(|index| Appended::New(index, cp.clone())))
        .collect())
}
