//! The PostgreSQL store (`--db postgres://...`), for several stateless `tarseal serve`
//! instances over one database. Same tables and the same single-transaction append as the
//! SQLite store; appends are serialised across every instance by a transaction-scoped
//! advisory lock (`pg_advisory_xact_lock`), reads run concurrently on their own connections.
//! Commits are durable with PostgreSQL's defaults (`fsync`, `synchronous_commit = on`).
//! The `postgres` client is synchronous: the HTTP layer calls every store method from a
//! blocking thread.

use std::cell::RefCell;
use std::sync::Mutex;

use postgres::{Client, NoTls, Transaction};
use tarseal_log::{Hash, HashReader};

use crate::store::{
    Appended, Entry, NewEntry, ProjectSummary, ReadError, SignCheckpoint, Store, StoreError,
    StoredCheckpoint,
};

/// The advisory lock key of appends (any constant: "tarseal" in ASCII).
const APPEND_LOCK: i64 = 0x0074_6172_7365_616c;

/// Idle read connections kept per instance (more are opened under load and closed after
/// use; PostgreSQL's default `max_connections` is 100).
const READ_POOL: usize = 40;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS entries (
    idx BIGINT PRIMARY KEY,
    leaf BYTEA NOT NULL,
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
    id BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (
    size BIGINT PRIMARY KEY,
    root BYTEA NOT NULL,
    note TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (
    sha256 TEXT PRIMARY KEY,
    report BYTEA NOT NULL
);
";

fn db(e: postgres::Error) -> StoreError {
    StoreError::Db(e.to_string())
}

/// The PostgreSQL store.
pub struct PgStore {
    url: String,
    /// `None` only while being dropped (see the `Drop` impl).
    writer: Mutex<Option<Client>>,
    readers: Mutex<Vec<Client>>,
}

/// The sync `postgres::Client` runs its own runtime and blocks on it when dropped, which
/// panics (and aborts a server on its way down) on a thread inside another tokio runtime —
/// where the last `Arc` of a store is often released at shutdown. So the clients are
/// dropped on a plain thread of their own when that is the case.
impl Drop for PgStore {
    fn drop(&mut self) {
        let writer = self
            .writer
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let readers = std::mem::take(
            self.readers
                .get_mut()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if tokio::runtime::Handle::try_current().is_ok() {
            let _ = std::thread::spawn(move || drop((writer, readers))).join();
        }
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://...`, libpq-style options such as `?host=/socket/dir`)
    /// and creates the tables if needed.
    pub fn open(url: &str) -> Result<PgStore, StoreError> {
        let mut c = Client::connect(url, NoTls).map_err(db)?;
        let mut tx = c.transaction().map_err(db)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&APPEND_LOCK])
            .map_err(db)?;
        tx.batch_execute(SCHEMA).map_err(db)?;
        // CREATE TABLE IF NOT EXISTS keeps an older table as it is: say so, not "no such column".
        tx.batch_execute("SELECT leaf, kind FROM entries LIMIT 0")
            .map_err(|e| StoreError::Corrupt(format!(
                "the entries table predates log entries with kinds and times ({e}); this tarseal cannot serve it: use a new database"
            )))?;
        tx.commit().map_err(db)?;
        Ok(PgStore {
            url: url.to_string(),
            writer: Mutex::new(Some(c)),
            readers: Mutex::new(Vec::new()),
        })
    }

    fn with_reader<T>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self.readers.lock().expect("readers").pop();
        let mut conn = match conn {
            Some(c) if !c.is_closed() => c,
            _ => Client::connect(&self.url, NoTls).map_err(db)?,
        };
        let r = f(&mut conn);
        let mut pool = self.readers.lock().expect("readers");
        if pool.len() < READ_POOL && !conn.is_closed() {
            pool.push(conn);
        }
        r
    }
}

fn hash_of(v: Vec<u8>, what: &str) -> Result<Hash, StoreError> {
    v.try_into()
        .map_err(|_| StoreError::Corrupt(format!("{what} is not 32 bytes")))
}

fn read_hashes(
    c: &mut impl postgres::GenericClient,
    indexes: &[u64],
) -> Result<Vec<Hash>, StoreError> {
    let ids: Vec<i64> = indexes.iter().map(|&i| i as i64).collect();
    let rows = c
        .query("SELECT id, hash FROM hashes WHERE id = ANY($1)", &[&ids])
        .map_err(db)?;
    let mut found = std::collections::HashMap::with_capacity(rows.len());
    for r in rows {
        found.insert(r.get::<_, i64>(0), r.get::<_, Vec<u8>>(1));
    }
    ids.iter()
        .map(|i| {
            let h = found
                .get(i)
                .cloned()
                .ok_or_else(|| StoreError::Corrupt(format!("stored hash {i} missing")))?;
            hash_of(h, "stored hash")
        })
        .collect()
}

struct TxReader<'a, 'b>(&'a RefCell<Transaction<'b>>);

impl HashReader for TxReader<'_, '_> {
    type Error = ReadError;
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, ReadError> {
        read_hashes(&mut *self.0.borrow_mut(), indexes).map_err(|e| ReadError(e.to_string()))
    }
}

fn to_checkpoint(r: &postgres::Row) -> Result<StoredCheckpoint, StoreError> {
    Ok(StoredCheckpoint {
        size: r.get::<_, i64>(0) as u64,
        root: hash_of(r.get(1), "checkpoint root")?,
        note: r.get(2),
    })
}

const ENTRY_COLS: &str = "idx, leaf, kind, project, tag, file, sha256, md5, signer";

fn to_entry(r: &postgres::Row) -> Entry {
    Entry {
        index: r.get::<_, i64>(0) as u64,
        leaf: r.get(1),
        kind: r.get(2),
        project: r.get(3),
        tag: r.get(4),
        file: r.get(5),
        sha256: r.get(6),
        md5: r.get(7),
        signer: r.get(8),
    }
}

impl Store for PgStore {
    fn append(&self, e: &NewEntry, sign: SignCheckpoint<'_>) -> Result<Appended, StoreError> {
        let mut guard = self.writer.lock().expect("writer");
        let conn = guard.as_mut().expect("writer present until drop");
        if conn.is_closed() {
            *conn = Client::connect(&self.url, NoTls).map_err(db)?;
        }
        let mut tx = conn.transaction().map_err(db)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&APPEND_LOCK])
            .map_err(db)?;
        if let Some(r) = tx
            .query_opt(
                "SELECT idx FROM entries WHERE record_sha256 = $1",
                &[&e.record_sha256],
            )
            .map_err(db)?
        {
            return Ok(Appended::Existing(r.get::<_, i64>(0) as u64));
        }
        if let Some(r) = tx
            .query_opt(
                "SELECT idx FROM entries WHERE project = $1 AND tag = $2 AND file = $3 AND kind = $4 AND kind IN ('artifact', 'build') AND sha256 <> $5 ORDER BY idx LIMIT 1",
                &[&e.project, &e.tag, &e.file, &e.kind, &e.sha256],
            )
            .map_err(db)?
        {
            return Ok(Appended::Conflict(r.get::<_, i64>(0) as u64));
        }
        let last = tx
            .query_one(
                "SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1",
                &[],
            )
            .map_err(db)?;
        let last = to_checkpoint(&last)?;
        let count: i64 = tx
            .query_one("SELECT COUNT(*) FROM entries", &[])
            .map_err(db)?
            .get(0);
        if count as u64 != last.size {
            return Err(StoreError::Corrupt(format!(
                "{count} entries but the last checkpoint has size {}",
                last.size
            )));
        }
        let n = last.size;
        let leaf = tarseal_log::leaf_hash(&e.leaf);
        let cell = RefCell::new(tx);
        let new = tarseal_log::stored_hashes_for_leaf(n, &leaf, &TxReader(&cell))?;
        let first = tarseal_log::stored_hash_index(0, n);
        {
            let mut tx = cell.borrow_mut();
            for (i, h) in new.iter().enumerate() {
                tx.execute(
                    "INSERT INTO hashes (id, hash) VALUES ($1, $2)",
                    &[&((first + i as u64) as i64), &&h[..]],
                )
                .map_err(db)?;
            }
            tx.execute(
                "INSERT INTO entries (idx, leaf, record_sha256, kind, project, tag, file, sha256, md5, signer) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                &[&(n as i64), &e.leaf, &e.record_sha256, &e.kind, &e.project, &e.tag, &e.file, &e.sha256, &e.md5, &e.signer],
            )
            .map_err(db)?;
        }
        let root = tarseal_log::tree_hash(n + 1, &TxReader(&cell))?;
        let proof = tarseal_log::consistency_proof(n + 1, n, &TxReader(&cell))?;
        tarseal_log::verify_consistency(&proof, n + 1, &root, n, &last.root)?;
        let note = sign(n + 1, &root).map_err(StoreError::Sign)?;
        let mut tx = cell.into_inner();
        tx.execute(
            "INSERT INTO checkpoints (size, root, note) VALUES ($1, $2, $3)",
            &[&((n + 1) as i64), &&root[..], &note],
        )
        .map_err(db)?;
        tx.commit().map_err(db)?;
        Ok(Appended::New(
            n,
            StoredCheckpoint {
                size: n + 1,
                root,
                note,
            },
        ))
    }

    fn init(&self, sign: SignCheckpoint<'_>) -> Result<(), StoreError> {
        let mut guard = self.writer.lock().expect("writer");
        let conn = guard.as_mut().expect("writer present until drop");
        let mut tx = conn.transaction().map_err(db)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&APPEND_LOCK])
            .map_err(db)?;
        let any = tx
            .query_opt("SELECT size FROM checkpoints LIMIT 1", &[])
            .map_err(db)?;
        if any.is_none() {
            let root = tarseal_log::empty_root();
            let note = sign(0, &root).map_err(StoreError::Sign)?;
            tx.execute(
                "INSERT INTO checkpoints (size, root, note) VALUES (0, $1, $2)",
                &[&&root[..], &note],
            )
            .map_err(db)?;
        }
        tx.commit().map_err(db)
    }

    fn latest_checkpoint(&self) -> Result<StoredCheckpoint, StoreError> {
        self.with_reader(|c| {
            let r = c
                .query_one(
                    "SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1",
                    &[],
                )
                .map_err(db)?;
            to_checkpoint(&r)
        })
    }

    fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, StoreError> {
        self.with_reader(|c| {
            c.query(
                "SELECT size, root, note FROM checkpoints ORDER BY size",
                &[],
            )
            .map_err(db)?
            .iter()
            .map(to_checkpoint)
            .collect()
        })
    }

    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        self.with_reader(|c| read_hashes(c, indexes))
    }

    fn records(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        self.with_reader(|c| {
            let rows = c
                .query(
                    "SELECT leaf FROM entries WHERE idx >= $1 AND idx < $2 ORDER BY idx",
                    &[&(start as i64), &(end as i64)],
                )
                .map_err(db)?;
            if rows.len() as u64 != end.saturating_sub(start) {
                return Err(StoreError::Corrupt(format!(
                    "entries {start}..{end} missing"
                )));
            }
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    fn by_project_tag(&self, project: &str, tag: &str) -> Result<Vec<Entry>, StoreError> {
        self.with_reader(|c| {
            Ok(c.query(
                &format!(
                    "SELECT {ENTRY_COLS} FROM entries WHERE project = $1 AND tag = $2 ORDER BY idx"
                ),
                &[&project, &tag],
            )
            .map_err(db)?
            .iter()
            .map(to_entry)
            .collect())
        })
    }

    fn by_sha256(&self, hex: &str) -> Result<Vec<Entry>, StoreError> {
        self.with_reader(|c| {
            Ok(c.query(
                &format!("SELECT {ENTRY_COLS} FROM entries WHERE sha256 = $1 ORDER BY idx"),
                &[&hex],
            )
            .map_err(db)?
            .iter()
            .map(to_entry)
            .collect())
        })
    }

    fn by_project(&self, project: &str) -> Result<Vec<Entry>, StoreError> {
        self.with_reader(|c| {
            Ok(c.query(
                &format!("SELECT {ENTRY_COLS} FROM entries WHERE project = $1 ORDER BY idx"),
                &[&project],
            )
            .map_err(db)?
            .iter()
            .map(to_entry)
            .collect())
        })
    }

    fn entries(&self, start: u64, end: u64) -> Result<Vec<Entry>, StoreError> {
        let start = i64::try_from(start).unwrap_or(i64::MAX);
        let end = i64::try_from(end).unwrap_or(i64::MAX);
        self.with_reader(|c| {
            Ok(c.query(
                &format!(
                    "SELECT {ENTRY_COLS} FROM entries WHERE idx >= $1 AND idx < $2 ORDER BY idx"
                ),
                &[&start, &end],
            )
            .map_err(db)?
            .iter()
            .map(to_entry)
            .collect())
        })
    }

    fn put_report(&self, sha256: &str, report: &[u8]) -> Result<(), StoreError> {
        let mut guard = self.writer.lock().expect("writer");
        let conn = guard.as_mut().expect("writer present until drop");
        if conn.is_closed() {
            *conn = Client::connect(&self.url, NoTls).map_err(db)?;
        }
        conn.execute(
            "INSERT INTO reports (sha256, report) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING",
            &[&sha256, &report],
        )
        .map_err(db)?;
        Ok(())
    }

    fn report(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.with_reader(|c| {
            Ok(
                c.query_opt("SELECT report FROM reports WHERE sha256 = $1", &[&sha256])
                    .map_err(db)?
                    .map(|r| r.get(0)),
            )
        })
    }

    fn projects(&self) -> Result<Vec<ProjectSummary>, StoreError> {
        self.with_reader(|c| {
            Ok(c.query(
                "SELECT project, COUNT(DISTINCT tag), MAX(idx) FROM entries GROUP BY project ORDER BY project",
                &[],
            )
            .map_err(db)?
            .iter()
            .map(|r| ProjectSummary {
                project: r.get(0),
                tags: r.get::<_, i64>(1) as u64,
                latest: r.get::<_, i64>(2) as u64,
            })
            .collect())
        })
    }
}
