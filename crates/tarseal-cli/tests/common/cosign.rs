//! Helpers for the co-signing tests (`sigs`, `gate`, `trust verify-chain`): a repository
//! with tag `v2` signed by Alice, its `git archive` at `rel/proj-2.0.tar.gz`, more
//! maintainers' keys on demand, signatures and keyrings as files, and a runner.

use super::gpg::{Gpg, T0};
use super::{Fixture, BIN};
use std::path::{Path, PathBuf};
use std::process::Command;

pub const NAME: &str = "proj-2.0.tar.gz";

pub struct Cosign {
    pub f: Fixture,
    pub g: Gpg,
    pub alice: String,
    /// Where the release file lies (`rel/`).
    pub dir: PathBuf,
}

/// The outcome of one `tarseal` run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    /// Exit code, stdout and stderr, for assertion messages.
    pub all: String,
}

impl Cosign {
    pub fn new() -> Cosign {
        let (f, g, alice, dir) = super::gpg::signed_release(NAME);
        Cosign { f, g, alice, dir }
    }

    pub fn tarball(&self) -> PathBuf {
        self.dir.join(NAME)
    }

    pub fn tarball_s(&self) -> String {
        self.tarball().to_str().unwrap().to_string()
    }

    /// A new ed25519 signing key made at T0; its primary fingerprint.
    pub fn key(&self, uid: &str) -> String {
        self.g.gen_key(Some(T0), uid, "ed25519", "sign", "never")
    }

    /// An armored export of these certificates, as a path.
    pub fn keyring(&self, who: &[&str]) -> String {
        self.g
            .export_to(true, who, &self.f.scratch("keyring.asc"))
            .to_str()
            .unwrap()
            .to_string()
    }

    /// The unprotected secret key file (mode 0600), as a path.
    pub fn secret(&self, who: &str) -> String {
        self.g
            .export_secret_to(who, &self.f.scratch("secret.key"), 0o600)
            .to_str()
            .unwrap()
            .to_string()
    }

    /// A detached armored signature by `key` over `data` made at `time`, as a path.
    pub fn sig(&self, key: &str, data: &Path, time: Option<&str>) -> String {
        let p = self.f.scratch("sig.asc");
        std::fs::write(&p, self.g.sign(time, key, data, &[])).unwrap();
        p.to_str().unwrap().to_string()
    }

    /// Runs `tarseal ARGS` with git isolated from the user's configuration (a committer
    /// identity for `sigs add`).
    pub fn tarseal(&self, args: &[&str]) -> Run {
        let out = super::isolate(&mut Command::new(BIN))
            .args(args)
            .env("GNUPGHOME", self.g.path())
            .output()
            .unwrap();
        let code = out.status.code().unwrap_or(-1);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let all = format!(
            "exit {code}\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains("panicked"), "{all}");
        Run { code, stdout, all }
    }
}

/// How [`serve`] misbehaves for the files whose name ends in `.tar.gz`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Serve {
    Honest,
    /// One byte in the middle changed.
    Altered,
    /// Half the body, with a Content-Length 1000 bytes longer.
    CutShort,
}

/// Serves `files` (name → bytes) on 127.0.0.1, one request per connection, on a thread;
/// returns the base URL (ending in `/`).
pub fn serve(files: Vec<(String, Vec<u8>)>, mode: Serve) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut req = Vec::new();
            let mut b = [0u8; 1];
            while !req.ends_with(b"\r\n\r\n") {
                match conn.read(&mut b) {
                    Ok(1) => req.push(b[0]),
                    _ => break,
                }
            }
            let req = String::from_utf8_lossy(&req).to_string();
            let path = req.split(' ').nth(1).unwrap_or("/").trim_start_matches('/');
            let Some((_, body)) = files.iter().find(|(n, _)| n == path) else {
                let _ = conn.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                continue;
            };
            let mut body = body.clone();
            let mut len = body.len();
            if path.ends_with(".tar.gz") {
                match mode {
                    Serve::Honest => {}
                    Serve::Altered => body[len / 2] ^= 0x55,
                    Serve::CutShort => {
                        body.truncate(len / 2);
                        len += 1000;
                    }
                }
            }
            let _ = conn.write_all(
                format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            );
            let _ = conn.write_all(&body);
        }
    });
    format!("http://{addr}/")
}
