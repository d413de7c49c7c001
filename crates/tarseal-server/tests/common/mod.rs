//! Test harness: a log server on 127.0.0.1:0 in its own tokio runtime, a trust directory for
//! projects, OpenPGP keys made with sequoia, and records signed with them. PostgreSQL comes
//! from tarseal-testkit.
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
            publish_rate: Default::default(),
            ..Default::default()
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

/// The PostgreSQL cluster harness and the SQLite-then-PostgreSQL runner live in the shared
/// test kit (the CLI's `tarseal serve` tests use them too).
pub use tarseal_testkit::pg::{each_store, PgCluster};
