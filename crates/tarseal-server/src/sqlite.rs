//! The SQLite store (the default): one database file in WAL mode with `synchronous=FULL`,
//! so a commit is on disk before `append_batch` returns. One writer connection behind a
//! mutex whose appends run in `BEGIN IMMEDIATE` transactions; reads use their own
//! connections (WAL readers see the last commit and do not block the writer). The schema,
//! queries, row mapping and append logic are shared with PostgreSQL ([`crate::sql`]).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use tarseal_log::Hash;

use crate::sql::{self, EntryRow};
use crate::store::{
    Appended, Entry, NewEntry, ProjectSummary, SignCheckpoint, Store, StoreError, StoredCheckpoint,
};

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
        c.execute_batch(&sql::schema("INTEGER", "BLOB"))
            .map_err(db)?;
        c.prepare(sql::PROBE)
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

fn read_hashes(c: &Connection, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
    let mut st = c.prepare_cached(sql::HASH).map_err(db)?;
    indexes
        .iter()
        .map(|&i| {
            let h: Option<Vec<u8>> = st
                .query_row([i as i64], |r| r.get(0))
                .optional()
                .map_err(db)?;
            let h = h.ok_or_else(|| StoreError::Corrupt(format!("stored hash {i} missing")))?;
            sql::hash_of(h, &format!("stored hash {i}"))
        })
        .collect()
}

fn checkpoint_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, Vec<u8>, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
}

fn entries(
    c: &Connection,
    query: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Entry>, StoreError> {
    let mut st = c.prepare_cached(query).map_err(db)?;
    let rows = st
        .query_map(args, |r| {
            Ok::<EntryRow, _>((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        })
        .map_err(db)?;
    rows.map(|r| r.map(sql::to_entry).map_err(db)).collect()
}

/// The writer's transaction, as [`sql::Tx`].
struct SqliteTx<'a>(rusqlite::Transaction<'a>);

impl sql::Tx for SqliteTx<'_> {
    fn existing(&mut self, record_sha256: &str) -> Result<Option<u64>, StoreError> {
        self.0
            .prepare_cached(sql::EXISTING)
            .and_then(|mut st| {
                st.query_row([record_sha256], |r| r.get::<_, i64>(0))
                    .optional()
            })
            .map(|o| o.map(|i| i as u64))
            .map_err(db)
    }
    fn conflict(&mut self, e: &NewEntry) -> Result<Option<u64>, StoreError> {
        self.0
            .prepare_cached(sql::CONFLICT)
            .and_then(|mut st| {
                st.query_row(params![e.project, e.tag, e.file, e.kind, e.sha256], |r| {
                    r.get::<_, i64>(0)
                })
                .optional()
            })
            .map(|o| o.map(|i| i as u64))
            .map_err(db)
    }
    fn last_checkpoint(&mut self) -> Result<StoredCheckpoint, StoreError> {
        let row = self
            .0
            .query_row(sql::LATEST_CHECKPOINT, [], checkpoint_row)
            .map_err(db)?;
        sql::to_checkpoint(row)
    }
    fn count(&mut self) -> Result<u64, StoreError> {
        self.0
            .query_row(sql::COUNT, [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(db)
    }
    fn hashes(&mut self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        read_hashes(&self.0, indexes)
    }
    fn insert_hashes(&mut self, first: u64, hashes: &[Hash]) -> Result<(), StoreError> {
        let mut st = self.0.prepare_cached(sql::INSERT_HASH).map_err(db)?;
        for (i, h) in hashes.iter().enumerate() {
            st.execute(params![(first + i as u64) as i64, &h[..]])
                .map_err(db)?;
        }
        Ok(())
    }
    fn insert_entry(&mut self, index: u64, e: &NewEntry) -> Result<(), StoreError> {
        self.0
            .prepare_cached(sql::INSERT_ENTRY)
            .and_then(|mut st| {
                st.execute(params![
                    index as i64,
                    e.leaf,
                    e.record_sha256,
                    e.kind,
                    e.project,
                    e.tag,
                    e.file,
                    e.sha256,
                    e.md5,
                    e.signer
                ])
            })
            .map(|_| ())
            .map_err(db)
    }
    fn insert_checkpoint(&mut self, cp: &StoredCheckpoint) -> Result<(), StoreError> {
        self.0
            .execute(
                sql::INSERT_CHECKPOINT,
                params![cp.size as i64, &cp.root[..], cp.note],
            )
            .map(|_| ())
            .map_err(db)
    }
}

impl Store for SqliteStore {
    fn append_batch(
        &self,
        es: &[NewEntry],
        sign: SignCheckpoint<'_>,
    ) -> Result<Vec<Appended>, StoreError> {
        let mut conn = self.writer.lock().expect("writer");
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let mut tx = SqliteTx(tx);
        let out = sql::append_batch(&mut tx, es, sign)?;
        tx.0.commit().map_err(db)?;
        Ok(out)
    }

    fn init(&self, sign: SignCheckpoint<'_>) -> Result<(), StoreError> {
        let mut conn = self.writer.lock().expect("writer");
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let any: Option<i64> = tx
            .query_row(sql::ANY_CHECKPOINT, [], |r| r.get(0))
            .optional()
            .map_err(db)?;
        if any.is_none() {
            let root = tarseal_log::empty_root();
            let note = sign(0, &root).map_err(StoreError::Sign)?;
            let mut tx = SqliteTx(tx);
            sql::Tx::insert_checkpoint(
                &mut tx,
                &StoredCheckpoint {
                    size: 0,
                    root,
                    note,
                },
            )?;
            return tx.0.commit().map_err(db);
        }
        tx.commit().map_err(db)
    }

    fn latest_checkpoint(&self) -> Result<StoredCheckpoint, StoreError> {
        self.with_reader(|c| {
            let row = c
                .query_row(sql::LATEST_CHECKPOINT, [], checkpoint_row)
                .map_err(db)?;
            sql::to_checkpoint(row)
        })
    }

    fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, StoreError> {
        self.with_reader(|c| {
            let mut st = c.prepare_cached(sql::CHECKPOINTS).map_err(db)?;
            let rows = st
                .query_map([], checkpoint_row)
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            rows.into_iter().map(sql::to_checkpoint).collect()
        })
    }

    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        self.with_reader(|c| read_hashes(c, indexes))
    }

    fn records(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        self.with_reader(|c| {
            let mut st = c.prepare_cached(sql::RECORDS).map_err(db)?;
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
        self.with_reader(|c| entries(c, sql::BY_PROJECT_TAG, &[&project, &tag]))
    }

    fn by_sha256(&self, hex: &str) -> Result<Vec<Entry>, StoreError> {
        self.with_reader(|c| entries(c, sql::BY_SHA256, &[&hex]))
    }

    fn by_project(&self, project: &str) -> Result<Vec<Entry>, StoreError> {
        self.with_reader(|c| entries(c, sql::BY_PROJECT, &[&project]))
    }

    fn entries(&self, start: u64, end: u64) -> Result<Vec<Entry>, StoreError> {
        let (start, end) = (sql::clamp_i64(start), sql::clamp_i64(end));
        self.with_reader(|c| entries(c, sql::ENTRIES, &[&start, &end]))
    }

    fn put_report(&self, sha256: &str, report: &[u8]) -> Result<(), StoreError> {
        let conn = self.writer.lock().expect("writer");
        conn.execute(sql::PUT_REPORT, params![sha256, report])
            .map_err(db)?;
        Ok(())
    }

    fn report(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.with_reader(|c| {
            c.query_row(sql::REPORT, [sha256], |r| r.get(0))
                .optional()
                .map_err(db)
        })
    }

    fn projects(&self) -> Result<Vec<ProjectSummary>, StoreError> {
        self.with_reader(|c| {
            let mut st = c.prepare_cached(sql::PROJECTS).map_err(db)?;
            let rows = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            Ok(rows.into_iter().map(sql::to_project).collect())
        })
    }
}
