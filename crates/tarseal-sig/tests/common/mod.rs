//! Helpers for the interop tests: a throw-away GnuPG home per test (short /tmp path, so
//! the agent's socket path stays short), killed on drop.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub struct Gpg {
    pub home: tempfile::TempDir,
}

fn check(out: Output, what: &str) -> Output {
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

impl Default for Gpg {
    fn default() -> Self {
        Self::new()
    }
}

impl Gpg {
    pub fn new() -> Self {
        let home = tempfile::Builder::new()
            .prefix("tsg")
            .tempdir_in("/tmp")
            .unwrap();
        Gpg { home }
    }

    pub fn path(&self) -> &Path {
        self.home.path()
    }

    pub fn cmd(&self, time: Option<&str>) -> Command {
        let mut c = Command::new("gpg");
        c.env("GNUPGHOME", self.home.path())
            .args([
                "--no-tty",
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "",
            ])
            .args([
                "--yes",
                "--trust-model",
                "always",
                "--no-auto-check-trustdb",
            ]);
        if let Some(t) = time {
            c.args(["--faked-system-time", t]);
        }
        c.stdin(Stdio::null());
        c
    }

    /// Runs gpg in batch mode; panics on failure.
    pub fn run(&self, time: Option<&str>, args: &[&str]) -> Vec<u8> {
        let out = self.cmd(time).arg("--batch").args(args).output().unwrap();
        check(out, &format!("gpg {args:?}")).stdout
    }

    /// Runs gpg answering prompts from `answers` (`--command-fd 0`, not batch).
    pub fn run_with_answers(&self, time: Option<&str>, args: &[&str], answers: &str) -> Vec<u8> {
        let mut child = self
            .cmd(time)
            .args(["--command-fd", "0"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answers.as_bytes())
            .unwrap();
        check(child.wait_with_output().unwrap(), &format!("gpg {args:?}")).stdout
    }

    /// Generates a key; returns its primary fingerprint.
    pub fn gen_key(
        &self,
        time: Option<&str>,
        uid: &str,
        algo: &str,
        usage: &str,
        expire: &str,
    ) -> String {
        self.run(time, &["--quick-gen-key", uid, algo, usage, expire]);
        self.fingerprints(uid)[0].clone()
    }

    /// Adds a subkey; returns its fingerprint.
    pub fn add_subkey(
        &self,
        time: Option<&str>,
        primary: &str,
        algo: &str,
        usage: &str,
        expire: &str,
    ) -> String {
        let before = self.fingerprints(primary);
        self.run(time, &["--quick-add-key", primary, algo, usage, expire]);
        let after = self.fingerprints(primary);
        after.into_iter().find(|f| !before.contains(f)).unwrap()
    }

    /// Fingerprints of the certificate matching `who`: primary first, then subkeys.
    pub fn fingerprints(&self, who: &str) -> Vec<String> {
        let out = self.run(None, &["--with-colons", "--list-keys", who]);
        String::from_utf8(out)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("fpr:"))
            .map(|l| l.split(':').nth(9).unwrap().to_string())
            .collect()
    }

    pub fn export(&self, armor: bool, who: &[&str]) -> Vec<u8> {
        let mut args = vec!["--export"];
        if armor {
            args.insert(0, "--armor");
        }
        args.extend_from_slice(who);
        self.run(None, &args)
    }

    pub fn export_secret(&self, armor: bool, who: &str) -> Vec<u8> {
        let mut args = vec!["--export-secret-keys", who];
        if armor {
            args.insert(0, "--armor");
        }
        self.run(None, &args)
    }

    /// A detached signature by `key` (`KEYID!` forces that exact (sub)key) over `data`.
    pub fn sign(&self, time: Option<&str>, key: &str, data: &Path, extra: &[&str]) -> Vec<u8> {
        let mut args = vec!["--local-user", key, "--detach-sign", "--output", "-"];
        args.extend_from_slice(extra);
        args.push(data.to_str().unwrap());
        self.run(time, &args)
    }

    /// Writes `bytes` to a file in the home and returns its path.
    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.home.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.home.path())
            .args(["--kill", "all"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// `git cat-file tag` bytes split the way git (and tarseal-git) split them: the signature
/// starts at the last line beginning with `-----BEGIN `.
pub fn split_tag(raw: &[u8]) -> (Vec<u8>, Option<Vec<u8>>, Option<i64>) {
    let mut start = None;
    let mut pos = 0;
    while pos < raw.len() {
        if raw[pos..].starts_with(b"-----BEGIN PGP SIGNATURE-----")
            || raw[pos..].starts_with(b"-----BEGIN SSH SIGNATURE-----")
        {
            start = Some(pos);
        }
        pos += raw[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len() - pos, |e| e + 1);
    }
    let text = String::from_utf8_lossy(raw);
    let tagger_time = text
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix("tagger "))
        .and_then(|l| l.rsplit(' ').nth(1))
        .and_then(|t| t.parse().ok());
    match start {
        Some(s) => (raw[..s].to_vec(), Some(raw[s..].to_vec()), tagger_time),
        None => (raw.to_vec(), None, tagger_time),
    }
}

/// A git repository with one commit, using `gnupg` for OpenPGP signing.
pub struct Repo {
    pub dir: tempfile::TempDir,
    pub gnupghome: PathBuf,
}

impl Repo {
    pub fn new(gnupghome: &Path) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("tsr")
            .tempdir_in("/tmp")
            .unwrap();
        let r = Repo {
            dir,
            gnupghome: gnupghome.to_owned(),
        };
        r.git(&["init", "-q", "-b", "main"]);
        std::fs::write(r.dir.path().join("README"), "hello\n").unwrap();
        r.git(&["add", "README"]);
        r.git(&["commit", "-q", "-m", "initial"]);
        r
    }

    pub fn git_output(&self, args: &[&str]) -> Output {
        Command::new("git")
            .current_dir(self.dir.path())
            .env("GNUPGHOME", &self.gnupghome)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "Alice")
            .env("GIT_AUTHOR_EMAIL", "alice@example.org")
            .env("GIT_COMMITTER_NAME", "Alice")
            .env("GIT_COMMITTER_EMAIL", "alice@example.org")
            .args(["-c", "gpg.program=gpg", "-c", "commit.gpgsign=false"])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    pub fn git(&self, args: &[&str]) -> Vec<u8> {
        check(self.git_output(args), &format!("git {args:?}")).stdout
    }

    /// Writes a (possibly tampered) tag object and returns its id.
    pub fn write_tag_object(&self, bytes: &[u8]) -> String {
        let p = self.dir.path().join(".git/tampered-tag");
        std::fs::write(&p, bytes).unwrap();
        let out = self.git(&[
            "hash-object",
            "-t",
            "tag",
            "-w",
            "--literally",
            p.to_str().unwrap(),
        ]);
        String::from_utf8(out).unwrap().trim().to_string()
    }
}
