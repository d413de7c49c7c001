//! A throw-away PostgreSQL cluster per test, for the log service's PostgreSQL store.
//!
//! The cluster is made with the installed server binaries (`initdb`, `pg_ctl` from
//! `/usr/lib/postgresql/*/bin` or `$PG_BIN`) in a temporary directory under /tmp, listens on
//! a unix socket in that directory only (no TCP port to collide on), trusts local
//! connections, and is stopped when the [`PgCluster`] is dropped. Fault tests can stop and
//! restart it ([`PgCluster::stop_immediate`], [`PgCluster::start_again`]).
//!
//! When PostgreSQL is not installed a test is skipped with a NOTICE on stderr, except under
//! `CI=true`, where that is a failure: CI must run the PostgreSQL variants.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// A running throw-away PostgreSQL cluster (unix socket only, superuser `postgres`, trust
/// authentication). As root the server runs as the `postgres` user (or `nobody`), since
/// PostgreSQL refuses to run as root.
pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    user: Option<String>,
    next_db: AtomicU32,
}

/// The PostgreSQL bin directory: `$PG_BIN`, else the newest `/usr/lib/postgresql/*/bin`
/// holding `initdb`; `None` when PostgreSQL is not installed. Public so a test can report
/// which installation it used.
pub fn pg_bin() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PG_BIN") {
        return Some(p.into());
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, b)| b)
}

/// Whether this process runs as root (its `/proc/self` is owned by uid 0).
fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

impl PgCluster {
    /// Creates and starts a cluster; `None` (with a NOTICE on stderr) when PostgreSQL is not
    /// installed, except under `CI=true`, where that panics.
    pub fn start() -> Option<PgCluster> {
        let Some(bin) = pg_bin() else {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb, no $PG_BIN) and CI=true: the PostgreSQL store tests must run in CI (apt-get install postgresql)");
            }
            eprintln!("NOTICE: PostgreSQL not installed: skipping the PostgreSQL store variant of this test");
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("tspg")
            .tempdir_in("/tmp")
            .unwrap();
        let user = if is_root() {
            let u = if Command::new("id")
                .args(["-u", "postgres"])
                .output()
                .is_ok_and(|o| o.status.success())
            {
                "postgres"
            } else {
                "nobody"
            };
            crate::run_ok(Command::new("chown").args(["-R", u]).arg(dir.path()));
            Some(u.to_string())
        } else {
            None
        };
        let c = PgCluster {
            dir,
            bin,
            user,
            next_db: AtomicU32::new(0),
        };
        let data = c.data_dir();
        c.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        c.start_again();
        Some(c)
    }

    /// The directory of the server's unix socket (the `host=` of a connection URL).
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A command running the server tool `tool`, as the cluster's owner.
    fn tool(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        let mut cmd = match &self.user {
            Some(u) => {
                let mut c = Command::new("runuser");
                c.args(["-u", u, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        cmd.current_dir(self.dir.path());
        cmd
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let out = self.tool(tool).args(args).output().unwrap();
        let log = std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default();
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}\n{}\n--- server log ---\n{log}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts the server (`pg_ctl start -w`: returns once it accepts connections). Called by
    /// [`PgCluster::start`]; a fault test calls it again after [`PgCluster::stop_immediate`]
    /// to bring the same database back (crash recovery replays the WAL).
    pub fn start_again(&self) {
        let data = self.data_dir();
        let opts = format!("-k {} -c listen_addresses=''", self.dir.path().display());
        let log = self.dir.path().join("log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &opts,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "start",
            ],
        );
    }

    /// Stops the server the way a crash would (`pg_ctl stop -m immediate`: every backend
    /// quits at once, no checkpoint; the next start runs crash recovery). Returns once the
    /// server is gone.
    pub fn stop_immediate(&self) {
        let data = self.data_dir();
        self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }

    /// Creates a new, empty database and returns its URL
    /// (`postgresql://postgres@localhost/tN?host=SOCKET_DIR`), so each test (or each store
    /// variant of a test) starts from nothing.
    pub fn new_database(&self) -> String {
        let name = format!("t{}", self.next_db.fetch_add(1, Ordering::SeqCst));
        crate::run_ok(
            Command::new(self.bin.join("createdb"))
                .arg("-h")
                .arg(self.dir.path())
                .args(["-U", "postgres", &name]),
        );
        self.url(&name)
    }

    /// The connection URL of database `db` in this cluster.
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgresql://postgres@localhost/{db}?host={}",
            self.dir.path().display()
        )
    }
}

impl Drop for PgCluster {
    /// Stops the server (immediately: the data is thrown away with the directory).
    fn drop(&mut self) {
        let data = self.data_dir();
        let _ = self
            .tool("pg_ctl")
            .args([
                "-D",
                data.to_str().unwrap(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ])
            .output();
    }
}

/// Runs a log-service test against each store: first `f(None)` (SQLite in the server's
/// data directory), then `f(Some(url))` with a fresh database of a throw-away cluster when
/// PostgreSQL is installed (see [`PgCluster::start`] for when it is not).
pub fn each_store(f: impl Fn(Option<String>)) {
    eprintln!("== store: sqlite");
    f(None);
    if let Some(pg) = PgCluster::start() {
        eprintln!("== store: postgres");
        f(Some(pg.new_database()));
    }
}
