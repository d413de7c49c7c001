//! The SQLite store (the default): one database file in WAL mode with `synchronous=FULL`,
//! so a commit is on disk before `append` returns. One writer connection behind a mutex
//! whose appends run in `BEGIN IMMEDIATE` transactions; reads use their own connections
//! (WAL readers see the last commit and do not block the writer).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use tarseal_log::{Hash, HashReader};

use crate::store::{
    Appended, Entry, NewEntry, ProjectSummary, ReadError, SignCheckpoint, Store, StoreError,
    StoredCheckpoint,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS entries (
    idx INTEGER PRIMARY KEY,
    leaf BLOB NOT NULL,
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
    id INTEGER PRIMARY KEY,
    hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (
    size INTEGER PRIMARY KEY,
    root BLOB NOT NULL,
    note TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (
    sha256 TEXT PRIMARY KEY,
    report BLOB NOT NULL
);
";

fn db(e: rusqlite::Error) -> StoreError {
    StoreError::Db(e.to_string())
}

/// The SQLite store.
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

fn open(path: &Path) -> Result<Connection, StoreError> {
    let c = Connection::open(path).map_err(db)?;
    c.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(db)?;
    c.pragma_update(None, "journal_mode", "WAL").map_err(db)?;
    c.pragma_update(None, "synchronous", "FULL").map_err(db)?;
    Ok(c)
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let c = open(path)?;
        c.execute_batch(SCHEMA).map_err(db)?;
        // CREATE TABLE IF NOT EXISTS keeps an older table as it is: say so, not "no such column".
        c.prepare("SELECT leaf, kind FROM entries LIMIT 0")
            .map_err(|e| StoreError::Corrupt(format!(
                "{}: the entries table predates log entries with kinds and times ({e}); this tarseal cannot serve it: start from a new --data-dir or --db",
                path.display()
            )))?;
        Ok(SqliteStore {
            path: path.to_path_buf(),
            writer: Mutex::new(c),
            readers: Mutex::new(Vec::new()),
        })
    }

    fn with_reader<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self.readers.lock().expect("readers").pop();
        let conn = match conn {
            Some(c) => c,
            None => open(&self.path)?,
        };
        let r = f(&conn);
        let mut pool = self.readers.lock().expect("readers");
        if pool.len() < 64 {
            pool.push(conn);
        }
        r
    }
}

struct ConnReader<'a>(&'a Connection);

impl HashReader for ConnReader<'_> {
    type Error = ReadError;
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, ReadError> {
        read_hashes(self.0, indexes).map_err(|e| ReadError(e.to_string()))
    }
}

fn read_hashes(c: &Connection, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
    let mut st = c
        .prepare_cached("SELECT hash FROM hashes WHERE id = ?1")
        .map_err(db)?;
    indexes
        .iter()
        .map(|&i| {
            let h: Option<Vec<u8>> = st
                .query_row([i as i64], |r| r.get(0))
                .optional()
                .map_err(db)?;
            let h = h.ok_or_else(|| StoreError::Corrupt(format!("stored hash {i} missing")))?;
            h.try_into()
                .map_err(|_| StoreError::Corrupt(format!("stored hash {i} is not 32 bytes")))
        })
        .collect()
}

fn checkpoint_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, Vec<u8>, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
}

fn to_checkpoint(
    (size, root, note): (i64, Vec<u8>, String),
) -> Result<StoredCheckpoint, StoreError> {
    Ok(StoredCheckpoint {
        size: size as u64,
        root: root
            .try_into()
            .map_err(|_| StoreError::Corrupt("checkpoint root is not 32 bytes".into()))?,
        note,
    })
}

fn entries(
    c: &Connection,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Entry>, StoreError> {
    let mut st = c.prepare_cached(sql).map_err(db)?;
    let rows = st
        .query_map(args, |r| {
            Ok(Entry {
                index: r.get::<_, i64>(0)? as u64,
                leaf: r.get(1)?,
                kind: r.get(2)?,
                project: r.get(3)?,
                tag: r.get(4)?,
                file: r.get(5)?,
                sha256: r.get(6)?,
                md5: r.get(7)?,
                signer: r.get(8)?,
            })
        })
        .map_err(db)?;
    rows.collect::<Result<_, _>>().map_err(db)
}

const ENTRY_COLS: &str = "idx, leaf, kind, project, tag, file, sha256, md5, signer";

impl Store for SqliteStore {
    fn append(&self, e: &NewEntry, sign: SignCheckpoint<'_>) -> Result<Appended, StoreError> {
        let mut conn = self.writer.lock().expect("writer");
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT idx FROM entries WHERE record_sha256 = ?1",
                [&e.record_sha256],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        if let Some(i) = existing {
            return Ok(Appended::Existing(i as u64));
        }
        let conflict: Option<i64> = tx
            .query_row(
                "SELECT idx FROM entries WHERE project = ?1 AND tag = ?2 AND file = ?3 AND kind = ?4 AND kind IN ('artifact', 'build') AND sha256 <> ?5 ORDER BY idx LIMIT 1",
                params![e.project, e.tag, e.file, e.kind, e.sha256],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        if let Some(i) = conflict {
            return Ok(Appended::Conflict(i as u64));
        }
        let (last_size, last_root, _) = tx
            .query_row(
                "SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1",
                [],
                checkpoint_row,
            )
            .map_err(db)?;
        let n: i64 = tx
            .query_row("SELECT COUNT(*) FROM entries", [], |r| r.get(0))
            .map_err(db)?;
        if n != last_size {
            return Err(StoreError::Corrupt(format!(
                "{n} entries but the last checkpoint has size {last_size}"
            )));
        }
        let n = n as u64;
        let leaf = tarseal_log::leaf_hash(&e.leaf);
        let new = tarseal_log::stored_hashes_for_leaf(n, &leaf, &ConnReader(&tx))?;
        let first = tarseal_log::stored_hash_index(0, n);
        {
            let mut st = tx
                .prepare_cached("INSERT INTO hashes (id, hash) VALUES (?1, ?2)")
                .map_err(db)?;
            for (i, h) in new.iter().enumerate() {
                st.execute(params![(first + i as u64) as i64, &h[..]])
                    .map_err(db)?;
            }
        }
        tx.execute(
            "INSERT INTO entries (idx, leaf, record_sha256, kind, project, tag, file, sha256, md5, signer) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![n as i64, e.leaf, e.record_sha256, e.kind, e.project, e.tag, e.file, e.sha256, e.md5, e.signer],
        )
        .map_err(db)?;
        let root = tarseal_log::tree_hash(n + 1, &ConnReader(&tx))?;
        // Never sign a tree that does not extend the last checkpoint.
        let last_root: Hash = last_root
            .try_into()
            .map_err(|_| StoreError::Corrupt("checkpoint root is not 32 bytes".into()))?;
        let proof = tarseal_log::consistency_proof(n + 1, n, &ConnReader(&tx))?;
        tarseal_log::verify_consistency(&proof, n + 1, &root, n, &last_root)?;
        let note = sign(n + 1, &root).map_err(StoreError::Sign)?;
        tx.execute(
            "INSERT INTO checkpoints (size, root, note) VALUES (?1, ?2, ?3)",
            params![(n + 1) as i64, &root[..], note],
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
        let mut conn = self.writer.lock().expect("writer");
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let any: Option<i64> = tx
            .query_row("SELECT size FROM checkpoints LIMIT 1", [], |r| r.get(0))
            .optional()
            .map_err(db)?;
        if any.is_none() {
            let root = tarseal_log::empty_root();
            let note = sign(0, &root).map_err(StoreError::Sign)?;
            tx.execute(
                "INSERT INTO checkpoints (size, root, note) VALUES (0, ?1, ?2)",
                params![&root[..], note],
            )
            .map_err(db)?;
        }
        tx.commit().map_err(db)
    }

    fn latest_checkpoint(&self) -> Result<StoredCheckpoint, StoreError> {
        self.with_reader(|c| {
            let row = c
                .query_row(
                    "SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1",
                    [],
                    checkpoint_row,
                )
                .map_err(db)?;
            to_checkpoint(row)
        })
    }

    fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, StoreError> {
        self.with_reader(|c| {
            let mut st = c
                .prepare_cached("SELECT size, root, note FROM checkpoints ORDER BY size")
                .map_err(db)?;
            let rows = st
                .query_map([], checkpoint_row)
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            rows.into_iter().map(to_checkpoint).collect()
        })
    }

    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        self.with_reader(|c| read_hashes(c, indexes))
    }

    fn records(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        self.with_reader(|c| {
            let mut st = c
                .prepare_cached(
                    "SELECT leaf FROM entries WHERE idx >= ?1 AND idx < ?2 ORDER BY idx",
                )
                .map_err(db)?;
            let rows: Vec<Vec<u8>> = st
                .query_map([start as i64, end as i64], |r| r.get(0))
                .map_err(db)?
                .collect::<Result<_, _>>()
                .map_err(db)?;
            if rows.len() as u64 != end.saturating_sub(start) {
                return Err(StoreError::Corrupt(format!(
                    "entries {start}..{end} missing"
                )));
            }
            Ok(rows)
        })
    }

    fn by_project_tag(&self, project: &str, tag: &str) -> Result<Vec<Entry>, StoreError> {
        self.with_reader(|c| {
            entries(
                c,
                &format!(
                    "SELECT {ENTRY_COLS} FROM entries WHERE project = ?1 AND tag = ?2 ORDER BY idx"
                ),
                &[&project, &tag],
            )
        })
    }

    fn by_sha256(&self, hex: &str) -> Result<Vec<Entry>, StoreError> {
        self.with_reader(|c| {
            entries(
                c,
                &format!("SELECT {ENTRY_COLS} FROM entries WHERE sha256 = ?1 ORDER BY idx"),
                &[&hex],
            )
        })
    }

    fn by_project(&self, project: &str) -> Result<Vec<Entry>, StoreError> {
        self.with_reader(|c| {
            entries(
                c,
                &format!("SELECT {ENTRY_COLS} FROM entries WHERE project = ?1 ORDER BY idx"),
                &[&project],
            )
        })
    }

    fn entries(&self, start: u64, end: u64) -> Result<Vec<Entry>, StoreError> {
        let (start, end) = (clamp_i64(start), clamp_i64(end));
        self.with_reader(|c| {
            entries(
                c,
                &format!(
                    "SELECT {ENTRY_COLS} FROM entries WHERE idx >= ?1 AND idx < ?2 ORDER BY idx"
                ),
                &[&start, &end],
            )
        })
    }

    fn put_report(&self, sha256: &str, report: &[u8]) -> Result<(), StoreError> {
        let conn = self.writer.lock().expect("writer");
        conn.execute(
            "INSERT OR IGNORE INTO reports (sha256, report) VALUES (?1, ?2)",
            params![sha256, report],
        )
        .map_err(db)?;
        Ok(())
    }

    fn report(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.with_reader(|c| {
            c.query_row(
                "SELECT report FROM reports WHERE sha256 = ?1",
                [sha256],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)
        })
    }

    fn projects(&self) -> Result<Vec<ProjectSummary>, StoreError> {
        self.with_reader(|c| {
            let mut st = c
                .prepare_cached(
                    "SELECT project, COUNT(DISTINCT tag), MAX(idx) FROM entries GROUP BY project ORDER BY project",
                )
                .map_err(db)?;
            let rows = st
                .query_map([], |r| {
                    Ok(ProjectSummary {
                        project: r.get(0)?,
                        tags: r.get::<_, i64>(1)? as u64,
                        latest: r.get::<_, i64>(2)? as u64,
                    })
                })
                .map_err(db)?
                .collect::<Result<_, _>>()
                .map_err(db)?;
            Ok(rows)
        })
    }
}

/// An index as SQL's signed 64-bit integer (indexes past `i64::MAX` cannot exist).
fn clamp_i64(i: u64) -> i64 {
    i64::try_from(i).unwrap_or(i64::MAX)
}
