//! Test harness: a log server on 127.0.0.1:0 in its own tokio runtime, a trust directory for
//! projects, OpenPGP keys made with sequoia, and records signed with them.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use sequoia_openpgp as openpgp;
use tarseal_server::store::Store;
use tarseal_sig::SigningKey;

/// A fresh OpenPGP key (Ed25519/Cv25519, general purpose).
pub fn new_key(name: &str) -> SigningKey {
    use openpgp::serialize::Serialize;
    let (cert, _) =
        openpgp::cert::CertBuilder::general_purpose(Some(format!("{name} <{name}@example.org>")))
            .set_creation_time(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
            .generate()
            .unwrap();
    let mut tsk = Vec::new();
    cert.as_tsk().serialize(&mut tsk).unwrap();
    SigningKey::from_bytes(&tsk, Path::new("mem")).unwrap()
}

/// Writes `<project>.toml` and `<project>.keys` for each project into `dir`.
pub fn write_trust(dir: &Path, projects: &[(&str, &[&SigningKey])]) {
    std::fs::create_dir_all(dir).unwrap();
    for (p, keys) in projects {
        let mut toml = String::from("threshold = 1\n");
        let mut certs = String::new();
        for k in *keys {
            toml.push_str(&format!("[[key]]\nopenpgp = \"{}\"\n", k.fingerprint()));
            certs.push_str(&k.public_cert_armored());
        }
        std::fs::write(dir.join(format!("{p}.toml")), toml).unwrap();
        std::fs::write(dir.join(format!("{p}.keys")), certs).unwrap();
    }
}

/// A canonical record.
pub fn record(project: &str, tag: &str, file: &str, sha256: &str) -> String {
    let mut s = String::from("tarseal/v1 artifact\n");
    for k in tarseal_server::record::KEYS {
        let v = match k {
            "project" => project.to_string(),
            "tag" => tag.to_string(),
            "file" => file.to_string(),
            "sha256" => sha256.to_string(),
            "md5" => "d41d8cd98f00b204e9800998ecf8427e".to_string(),
            "verdict" => "pass".to_string(),
            "size" => "123".to_string(),
            _ => format!("x-{k}"),
        };
        s.push_str(&format!("{k} {v}\n"));
    }
    s
}

/// A sha256 hex made from a number.
pub fn digest(n: u64) -> String {
    format!("{n:064x}")
}

pub fn sign(key: &SigningKey, text: &str) -> String {
    key.sign_detached(text.as_bytes()).unwrap()
}

pub struct TestServer {
    pub url: String,
    pub verifier_key: String,
    pub store: Arc<dyn Store>,
    pub dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server whose trust dir holds `projects`.
    pub fn start(db: &Option<String>, projects: &[(&str, &[&SigningKey])]) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        write_trust(&dir.path().join("trust"), projects);
        Self::start_in(dir, db.clone())
    }

    pub fn start_in(dir: tempfile::TempDir, db: Option<String>) -> TestServer {
        let cfg = tarseal_server::Config {
            data_dir: dir.path().to_path_buf(),
            listen: "127.0.0.1:0".into(),
            db,
            trust_dir: None,
            origin: "test.localhost/log".into(),
        };
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let server = rt.block_on(tarseal_server::Server::bind(&cfg)).unwrap();
        let url = format!("http://{}", server.addr);
        let verifier_key = server.verifier_key.clone();
        let store = server.store.clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            rt.block_on(server.run(async {
                let _ = rx.await;
            }))
            .unwrap();
        });
        TestServer {
            url,
            verifier_key,
            store,
            dir,
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    pub fn size(&self) -> u64 {
        self.store.latest_checkpoint().unwrap().size
    }

    /// Stops the server and returns its data directory.
    pub fn stop(mut self) -> tempfile::TempDir {
        self.shutdown();
        let dir = tempfile::tempdir().unwrap();
        std::mem::replace(&mut self.dir, dir)
    }

    fn shutdown(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// POSTs raw bytes; returns (status, body).
pub fn post_raw(url: &str, path: &str, body: &[u8]) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    match agent
        .post(&format!("{url}{path}"))
        .header("Content-Type", "application/json")
        .send(body)
    {
        Ok(r) => {
            let status = r.status().as_u16();
            let body = r.into_body().read_to_string().unwrap_or_default();
            (status, body)
        }
        Err(e) => panic!("POST {path}: {e}"),
    }
}

/// A throw-away PostgreSQL cluster in a temporary directory (unix socket only, no TCP),
/// stopped on drop. As root the cluster runs as the `postgres` user (or `nobody`).
pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: std::path::PathBuf,
    user: Option<String>,
    next_db: std::sync::atomic::AtomicU32,
}

/// The PostgreSQL bin directory: `$PG_BIN`, else the newest `/usr/lib/postgresql/*/bin`.
fn pg_bin() -> Option<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("PG_BIN") {
        return Some(p.into());
    }
    let mut found: Vec<(u32, std::path::PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
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

impl PgCluster {
    /// Starts a cluster; `None` (with a notice) when PostgreSQL is not installed, except
    /// under CI=true where that is a failure.
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
        let is_root = is_root();
        let user = if is_root {
            let u = if std::process::Command::new("id")
                .args(["-u", "postgres"])
                .output()
                .is_ok_and(|o| o.status.success())
            {
                "postgres"
            } else {
                "nobody"
            };
            let ok = std::process::Command::new("chown")
                .args(["-R", u])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(ok.success());
            Some(u.to_string())
        } else {
            None
        };
        let c = PgCluster {
            dir,
            bin,
            user,
            next_db: std::sync::atomic::AtomicU32::new(0),
        };
        let data = c.dir.path().join("data");
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
        let opts = format!("-k {} -c listen_addresses=''", c.dir.path().display());
        let log = c.dir.path().join("log");
        c.run(
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
        Some(c)
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool);
        let mut cmd = match &self.user {
            Some(u) => {
                let mut c = std::process::Command::new("runuser");
                c.args(["-u", u, "--"]).arg(&exe);
                c
            }
            None => std::process::Command::new(&exe),
        };
        let out = cmd
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A URL of a new, empty database.
    pub fn new_database(&self) -> String {
        let n = self
            .next_db
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let name = format!("t{n}");
        let admin = self.url("postgres");
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        self.url(&name)
    }

    fn url(&self, db: &str) -> String {
        format!(
            "postgresql://postgres@localhost/{db}?host={}",
            self.dir.path().display()
        )
    }
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let exe = self.bin.join("pg_ctl");
        let mut cmd = match &self.user {
            Some(u) => {
                let mut c = std::process::Command::new("runuser");
                c.args(["-u", u, "--"]).arg(&exe);
                c
            }
            None => std::process::Command::new(&exe),
        };
        let _ = cmd
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

/// The stores a test runs against: SQLite, then PostgreSQL (when installed; see
/// [`PgCluster::start`]). Each call of `f` gets `None` (SQLite in the data dir) or a fresh
/// PostgreSQL database URL.
pub fn each_store(f: impl Fn(Option<String>)) {
    eprintln!("== store: sqlite");
    f(None);
    if let Some(pg) = PgCluster::start() {
        eprintln!("== store: postgres");
        f(Some(pg.new_database()));
    }
}
