//! Helpers for the interop tests: the GnuPG harness (a throw-away home per test, from
//! tarseal-testkit), splitting a signed tag the way git does, and a git repository that
//! signs with that home.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub use tarseal_testkit::gpg::Gpg;
use tarseal_testkit::run_ok;

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

    fn git_cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("git");
        c.current_dir(self.dir.path())
            .env("GNUPGHOME", &self.gnupghome)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "Alice")
            .env("GIT_AUTHOR_EMAIL", "alice@example.org")
            .env("GIT_COMMITTER_NAME", "Alice")
            .env("GIT_COMMITTER_EMAIL", "alice@example.org")
            .args(["-c", "gpg.program=gpg", "-c", "commit.gpgsign=false"])
            .args(args)
            .stdin(Stdio::null());
        c
    }

    pub fn git_output(&self, args: &[&str]) -> Output {
        self.git_cmd(args).output().unwrap()
    }

    pub fn git(&self, args: &[&str]) -> Vec<u8> {
        run_ok(&mut self.git_cmd(args))
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
