//! A throw-away release made with the real `git`: a repository with two files, an annotated
//! tag `v1.0` (unsigned, or signed by a [`Gpg`] key), and `git archive`'s tarball of it,
//! `demo-1.0.tar.gz`, beside the repository — the smallest input of check, seal, sigs add
//! and verify (the library's doc examples use it).

use crate::gpg::Gpg;
use crate::run_ok;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A release in a temporary directory (removed on drop).
pub struct Release {
    /// The temporary directory: `repo/` and the tarball.
    pub dir: tempfile::TempDir,
    /// The repository (a work tree).
    pub repo: PathBuf,
    /// `demo-1.0.tar.gz`, `git archive --prefix=demo-1.0/` of the tag.
    pub tarball: PathBuf,
    /// `v1.0`.
    pub tag: String,
}

fn git(repo: &Path, gpg: Option<&Gpg>, args: &[&str]) -> Vec<u8> {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(repo)
        .args(["-c", "user.name=Release Manager"])
        .args(["-c", "user.email=rm@example.invalid"])
        .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    if let Some(g) = gpg {
        g.env(&mut c);
    }
    run_ok(&mut c)
}

impl Release {
    /// An unsigned annotated tag (check it with `allow_unsigned`).
    pub fn new() -> Release {
        Release::make(None)
    }

    /// The tag signed by `key` (a uid or fingerprint of `gpg`'s home).
    pub fn signed(gpg: &Gpg, key: &str) -> Release {
        Release::make(Some((gpg, key)))
    }

    fn make(signer: Option<(&Gpg, &str)>) -> Release {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir(&repo).unwrap();
        std::fs::write(repo.join("README"), "demo\n").unwrap();
        std::fs::create_dir(repo.join("src")).unwrap();
        std::fs::write(repo.join("src/main.c"), "int main(void) { return 0; }\n").unwrap();
        git(&repo, None, &["init", "-q"]);
        git(&repo, None, &["add", "."]);
        git(&repo, None, &["commit", "-q", "-m", "demo 1.0"]);
        match signer {
            None => git(&repo, None, &["tag", "-a", "v1.0", "-m", "v1.0"]),
            Some((g, key)) => git(
                &repo,
                Some(g),
                &["tag", "-s", "-u", key, "v1.0", "-m", "v1.0"],
            ),
        };
        let tarball = dir.path().join("demo-1.0.tar.gz");
        git(
            &repo,
            None,
            &[
                "archive",
                "--format=tar.gz",
                "--prefix=demo-1.0/",
                "-o",
                tarball.to_str().unwrap(),
                "v1.0",
            ],
        );
        Release {
            dir,
            repo,
            tarball,
            tag: "v1.0".into(),
        }
    }
}

impl Default for Release {
    fn default() -> Self {
        Self::new()
    }
}
