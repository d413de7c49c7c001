//! The store: the log's durable state behind one trait, [`Store`].
//!
//! What a store holds: the entries (index, the leaf bytes — a `tarseal_record::LogEntry`
//! holding the record, its signature and the time the log first recorded it —, the record's
//! SHA-256 which is unique, and the indexed fields kind, project, tag, file, artifact SHA-256
//! and MD5),
//! every stored Merkle hash by its stored-hash index (tarseal-log's layout), and every
//! checkpoint the log signed (size, root, signed note).
//!
//! [`Store::append_batch`] is the only writer ([`Store::append`] is a batch of one); each
//! batch runs in **one transaction** with one checkpoint and one durable commit. Per entry: it looks the record
//! up (idempotency by record hash), refuses a different artifact digest for the same
//! (project, tag, file) and kind when the kind is `artifact` or `build` (first write wins;
//! a build and an artifact record that disagree are both kept, so that readers see the
//! difference; co-signatures and uploads are many per file), takes the next dense index, writes the entry,
//! its new stored hashes and the new signed checkpoint, and commits durably before it
//! returns. Appends are serialised (a single writer); reads run concurrently with it and
//! with each other, and see only committed state. Stored hashes never change once written,
//! so a reader that takes a checkpoint of size N can compute proofs for N from them later.

use tarseal_log::Hash;

/// A record accepted for appending.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// The leaf bytes: a `tarseal_record::LogEntry` (logged-at, record, signature).
    pub leaf: Vec<u8>,
    /// SHA-256 of the record text alone (lower-case hex): the idempotency key.
    pub record_sha256: String,
    /// The record's kind (`build`, `artifact`, `cosign`, `upload`).
    pub kind: String,
    /// `project` of the record.
    pub project: String,
    /// `tag`.
    pub tag: String,
    /// `file`.
    pub file: String,
    /// `sha256` (of the artifact).
    pub sha256: String,
    /// `md5` (of the artifact).
    pub md5: String,
    /// The primary fingerprint whose signature was accepted.
    pub signer: String,
}

/// An entry of the log.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Its index (0-based, dense).
    pub index: u64,
    /// The leaf bytes (a `tarseal_record::LogEntry`).
    pub leaf: Vec<u8>,
    /// The record's kind.
    pub kind: String,
    /// `project`.
    pub project: String,
    /// `tag`.
    pub tag: String,
    /// `file`.
    pub file: String,
    /// `sha256` of the artifact.
    pub sha256: String,
    /// `md5` of the artifact.
    pub md5: String,
    /// The accepted signer.
    pub signer: String,
}

/// A checkpoint the log signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
    /// The signed note.
    pub note: String,
}

/// What [`Store::append`] did.
#[derive(Debug, Clone)]
pub enum Appended {
    /// A new entry at this index; the checkpoint of size index + 1 was written.
    New(u64, StoredCheckpoint),
    /// The same record was already logged at this index (nothing written).
    Existing(u64),
    /// Another record for the same (project, tag, file) names a different SHA-256: this is
    /// the index of the first one (nothing written).
    Conflict(u64),
}

/// Signs a checkpoint (size, root) and returns the signed note.
pub type SignCheckpoint<'a> =
    &'a (dyn Fn(u64, &Hash) -> Result<String, tarseal_log::LogError> + Sync);

/// A store error: the database failed or its content is inconsistent.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database.
    #[error("database: {0}")]
    Db(String),
    /// The Merkle math over stored hashes.
    #[error("log: {0}")]
    Log(#[from] tarseal_log::LogError),
    /// Signing a checkpoint failed.
    #[error("signing the checkpoint: {0}")]
    Sign(#[source] tarseal_log::LogError),
    /// The stored state breaks an invariant (gaps, a checkpoint that does not match).
    #[error("store is inconsistent: {0}")]
    Corrupt(String),
}

/// The log's durable state. Every method blocks: call it from a blocking thread.
pub trait Store: Send + Sync + 'static {
    /// Appends a batch (group commit): each entry as [`Store::append`] would, in order, all
    /// in one transaction with one checkpoint for the batch and one durable commit before it
    /// returns. One outcome per entry, in order.
    fn append_batch(
        &self,
        es: &[NewEntry],
        sign: SignCheckpoint<'_>,
    ) -> Result<Vec<Appended>, StoreError>;
    /// Appends `e` (see the module documentation), signing the new checkpoint with `sign`.
    fn append(&self, e: &NewEntry, sign: SignCheckpoint<'_>) -> Result<Appended, StoreError> {
        self.append_batch(std::slice::from_ref(e), sign)?
            .pop()
            .ok_or_else(|| StoreError::Corrupt("an append had no outcome".into()))
    }
    /// Writes the checkpoint of the empty tree if the log has none yet.
    fn init(&self, sign: SignCheckpoint<'_>) -> Result<(), StoreError>;
    /// The newest checkpoint (the empty tree's after [`Store::init`]).
    fn latest_checkpoint(&self) -> Result<StoredCheckpoint, StoreError>;
    /// Every checkpoint signed, oldest first.
    fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, StoreError>;
    /// Stored hashes by stored-hash index (all must exist).
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError>;
    /// The leaf bytes of entries `start..end` (all must exist), in order.
    fn records(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError>;
    /// Entries of a project and tag, by index.
    fn by_project_tag(&self, project: &str, tag: &str) -> Result<Vec<Entry>, StoreError>;
    /// Entries whose artifact SHA-256 is `hex`, by index.
    fn by_sha256(&self, hex: &str) -> Result<Vec<Entry>, StoreError>;
    /// Every entry of a project, by index (the web view's project page).
    fn by_project(&self, project: &str) -> Result<Vec<Entry>, StoreError>;
    /// Entries `start..end` that exist, by index (the web view's log and entry pages).
    fn entries(&self, start: u64, end: u64) -> Result<Vec<Entry>, StoreError>;
    /// Every project with at least one entry: name, number of distinct tags and its newest
    /// entry's index, by name.
    fn projects(&self) -> Result<Vec<ProjectSummary>, StoreError>;
    /// Keeps a check report (`NAME.report.json`) under its SHA-256, durably; a second put
    /// of the same digest is a no-op. The caller has checked that a logged seal record names
    /// the digest: reports are kept for the web view, they are not part of the tree.
    fn put_report(&self, sha256: &str, report: &[u8]) -> Result<(), StoreError>;
    /// The report kept under `sha256`, if any.
    fn report(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError>;
}

/// One project of [`Store::projects`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSummary {
    /// The project's name.
    pub project: String,
    /// How many distinct tags it has records for.
    pub tags: u64,
    /// Its newest entry's index.
    pub latest: u64,
}

/// A [`tarseal_log::HashReader`] over a store.
pub struct StoreReader<'a>(pub &'a dyn Store);

/// The error a [`StoreReader`] reports to tarseal-log.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ReadError(pub String);

impl tarseal_log::HashReader for StoreReader<'_> {
    type Error = ReadError;
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, ReadError> {
        self.0
            .read_hashes(indexes)
            .map_err(|e| ReadError(e.to_string()))
    }
}
