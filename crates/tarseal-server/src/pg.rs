//! The PostgreSQL store (`--db postgres://...`), for several stateless `tarseal serve`
//! instances over one database. Same schema, queries, row mapping and batched append as the
//! SQLite store ([`crate::sql`]); appends are serialised across every instance by a
//! transaction-scoped advisory lock (`pg_advisory_xact_lock`), reads run concurrently on
//! their own connections. Commits are durable with PostgreSQL's defaults (`fsync`,
//! `synchronous_commit = on`). The `postgres` client is synchronous: the HTTP layer calls
//! every store method from a blocking thread.

use std::sync::Mutex;

use postgres::{Client, NoTls, Transaction};
use tarseal_log::Hash;

use crate::sql::{self, EntryRow};
use crate::store::{
    Appended, Entry, NewEntry, ProjectSummary, SignCheckpoint, Store, StoreError, StoredCheckpoint,
};

/// The advisory lock key of appends (any constant: "tarseal" in ASCII).
const APPEND_LOCK: i64 = 0x0074_6172_7365_616c;

/// Idle read connections kept per instance (more are opened under load and closed after
/// use; PostgreSQL's default `max_connections` is 100).
const READ_POOL: usize = 40;

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
        tx.batch_execute(&sql::schema("BIGINT", "BYTEA"))
            .map_err(db)?;
        tx.batch_execute(sql::PROBE)
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

/// Stored hashes in one round trip (`= ANY`), then put in the order asked.
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
            sql::hash_of(h, &format!("stored hash {i}"))
        })
        .collect()
}

fn checkpoint_of(r: &postgres::Row) -> Result<StoredCheckpoint, StoreError> {
    sql::to_checkpoint((r.get(0), r.get(1), r.get(2)))
}

fn entry_of(r: &postgres::Row) -> Entry {
    let row: EntryRow = (
        r.get(0),
        r.get(1),
        r.get(2),
        r.get(3),
        r.get(4),
        r.get(5),
        r.get(6),
        r.get(7),
        r.get(8),
    );
    sql::to_entry(row)
}

/// The writer's transaction, as [`sql::Tx`].
struct PgTx<'a>(Transaction<'a>);

impl sql::Tx for PgTx<'_> {
    fn existing(&mut self, record_sha256: &str) -> Result<Option<u64>, StoreError> {
        Ok(self
            .0
            .query_opt(sql::EXISTING, &[&record_sha256])
            .map_err(db)?
            .map(|r| r.get::<_, i64>(0) as u64))
    }
    fn conflict(&mut self, e: &NewEntry) -> Result<Option<u64>, StoreError> {
        Ok(self
            .0
            .query_opt(
                sql::CONFLICT,
                &[&e.project, &e.tag, &e.file, &e.kind, &e.sha256],
            )
            .map_err(db)?
            .map(|r| r.get::<_, i64>(0) as u64))
    }
    fn last_checkpoint(&mut self) -> Result<StoredCheckpoint, StoreError> {
        checkpoint_of(&self.0.query_one(sql::LATEST_CHECKPOINT, &[]).map_err(db)?)
    }
    fn count(&mut self) -> Result<u64, StoreError> {
        Ok(self
            .0
            .query_one(sql::COUNT, &[])
            .map_err(db)?
            .get::<_, i64>(0) as u64)
    }
    fn hashes(&mut self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        read_hashes(&mut self.0, indexes)
    }
    fn insert_hashes(&mut self, first: u64, hashes: &[Hash]) -> Result<(), StoreError> {
        for (i, h) in hashes.iter().enumerate() {
            self.0
                .execute(sql::INSERT_HASH, &[&((first + i as u64) as i64), &&h[..]])
                .map_err(db)?;
        }
        Ok(())
    }
    fn insert_entry(&mut self, index: u64, e: &NewEntry) -> Result<(), StoreError> {
        self.0
            .execute(
                sql::INSERT_ENTRY,
                &[
                    &(index as i64),
                    &e.leaf,
                    &e.record_sha256,
                    &e.kind,
                    &e.project,
                    &e.tag,
                    &e.file,
                    &e.sha256,
                    &e.md5,
                    &e.signer,
                ],
            )
            .map(|_| ())
            .map_err(db)
    }
    fn insert_checkpoint(&mut self, cp: &StoredCheckpoint) -> Result<(), StoreError> {
        self.0
            .execute(
                sql::INSERT_CHECKPOINT,
                &[&(cp.size as i64), &&cp.root[..], &cp.note],
            )
            .map(|_| ())
            .map_err(db)
    }
}

impl PgStore {
    /// The writer, reconnected if PostgreSQL dropped it, in a transaction holding the
    /// append lock.
    fn write<T>(
        &self,
        f: impl FnOnce(&mut PgTx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut guard = self.writer.lock().expect("writer");
        let conn = guard.as_mut().expect("writer present until drop");
        if conn.is_closed() {
            *conn = Client::connect(&self.url, NoTls).map_err(db)?;
        }
        let mut tx = conn.transaction().map_err(db)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&APPEND_LOCK])
            .map_err(db)?;
        let mut tx = PgTx(tx);
        let out = f(&mut tx)?;
        tx.0.commit().map_err(db)?;
        Ok(out)
    }
}

impl Store for PgStore {
    fn append_batch(
        &self,
        es: &[NewEntry],
        sign: SignCheckpoint<'_>,
    ) -> Result<Vec<Appended>, StoreError> {
        self.write(|tx| sql::append_batch(tx, es, sign))
    }

    fn init(&self, sign: SignCheckpoint<'_>) -> Result<(), StoreError> {
        self.write(|tx| {
            if tx
                .0
                .query_opt(sql::ANY_CHECKPOINT, &[])
                .map_err(db)?
                .is_none()
            {
                let root = tarseal_log::empty_root();
                let note = sign(0, &root).map_err(StoreError::Sign)?;
                sql::Tx::insert_checkpoint(
                    tx,
                    &StoredCheckpoint {
                        size: 0,
                        root,
                        note,
                    },
                )?;
            }
            Ok(())
        })
    }

    fn latest_checkpoint(&self) -> Result<StoredCheckpoint, StoreError> {
        self.with_reader(|c| checkpoint_of(&c.query_one(sql::LATEST_CHECKPOINT, &[]).map_err(db)?))
    }

    fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, StoreError> {
        self.with_reader(|c| {
            c.query(sql::CHECKPOINTS, &[])
                .map_err(db)?
                .iter()
                .map(checkpoint_of)
                .collect()
        })
    }

    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        self.with_reader(|c| read_hashes(c, indexes))
    }

    fn records(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        self.with_reader(|c| {
            let rows = c
                .query(sql::RECORDS, &[&(start as i64), &(end as i64)])
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
            Ok(c.query(sql::BY_PROJECT_TAG, &[&project, &tag])
                .map_err(db)?
                .iter()
                .map(entry_of)
                .collect())
        })
    }

    fn by_sha256(&self, hex: &str) -> Result<Vec<Entry>, StoreError> {
        self.with_reader(|c| {
            Ok(c.query(sql::BY_SHA256, &[&hex])
                .map_err(db)?
                .iter()
                .map(entry_of)
                .collect())
        })
    }

    fn by_project(&self, project: &str) -> Result<Vec<Entry>, StoreError> {
        self.with_reader(|c| {
            Ok(c.query(sql::BY_PROJECT, &[&project])
                .map_err(db)?
                .iter()
                .map(entry_of)
                .collect())
        })
    }

    fn entries(&self, start: u64, end: u64) -> Result<Vec<Entry>, StoreError> {
        let (start, end) = (sql::clamp_i64(start), sql::clamp_i64(end));
        self.with_reader(|c| {
            Ok(c.query(sql::ENTRIES, &[&start, &end])
                .map_err(db)?
                .iter()
                .map(entry_of)
                .collect())
        })
    }

    fn put_report(&self, sha256: &str, report: &[u8]) -> Result<(), StoreError> {
        let mut guard = self.writer.lock().expect("writer");
        let conn = guard.as_mut().expect("writer present until drop");
        if conn.is_closed() {
            *conn = Client::connect(&self.url, NoTls).map_err(db)?;
        }
        conn.execute(sql::PUT_REPORT, &[&sha256, &report])
            .map_err(db)?;
        Ok(())
    }

    fn report(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.with_reader(|c| {
            Ok(c.query_opt(sql::REPORT, &[&sha256])
                .map_err(db)?
                .map(|r| r.get(0)))
        })
    }

    fn projects(&self) -> Result<Vec<ProjectSummary>, StoreError> {
        self.with_reader(|c| {
            Ok(c.query(sql::PROJECTS, &[])
                .map_err(db)?
                .iter()
                .map(|r| sql::to_project((r.get(0), r.get(1), r.get(2))))
                .collect())
        })
    }
}
