//! A real `tarseal serve` process for the log's end-to-end tests (log_service, log_crash,
//! gate_log): started on 127.0.0.1:0 with its own data and trust directory and store, its URL
//! and log key read from the startup line, killed (SIGKILL) when dropped.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use super::BIN;

/// A command's exit code, stdout and stderr, for assertion messages.
pub fn show(out: &Output) -> String {
    format!(
        "exit {:?}\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A running `tarseal serve`.
pub struct Serve {
    /// The process.
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The log's verifier key (`name+hex+base64`).
    pub key: String,
}

impl Serve {
    /// Starts `tarseal serve` with this data and trust directory and store (`None`: the
    /// SQLite database in the data directory); returns once it listens (its startup line).
    pub fn start(data: &Path, trust: &Path, db: Option<&str>) -> Serve {
        Serve::start_with(data, trust, db, &[])
    }

    /// As [`Serve::start`], with more `tarseal serve` flags.
    pub fn start_with(data: &Path, trust: &Path, db: Option<&str>, extra: &[&str]) -> Serve {
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data)
            .arg("--trust-dir")
            .arg(trust)
            .args(extra);
        if let Some(db) = db {
            cmd.args(["--db", db]);
        }
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut seen = String::new();
        let line = loop {
            match lines.next() {
                Some(Ok(l)) if l.contains("listening on ") => break l,
                Some(Ok(l)) => {
                    seen.push_str(&l);
                    seen.push('\n');
                }
                _ => {
                    let status = child.wait().unwrap();
                    panic!("tarseal serve did not start ({status}):\n{seen}");
                }
            }
        };
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let url = line
            .split("listening on ")
            .nth(1)
            .and_then(|s| s.split(',').next())
            .unwrap_or_else(|| panic!("startup line: {line}"))
            .to_string();
        let key = line
            .split("log key ")
            .nth(1)
            .unwrap_or_else(|| panic!("startup line: {line}"))
            .trim()
            .to_string();
        Serve { child, url, key }
    }

    /// SIGKILL, and waits for the process.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Sends SIGHUP (the server re-reads its trust directory).
    pub fn hup(&self) {
        let ok = Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.kill9();
    }
}
