//! Builds real repositories with the `git` CLI, in isolation from the machine's config.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tempfile::TempDir;

/// A throw-away repository with a deterministic identity and clock.
pub struct TestRepo {
    pub dir: TempDir,
}

pub fn git_in(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", "A U Thor")
        .env("GIT_AUTHOR_EMAIL", "author@example.com")
        .env("GIT_AUTHOR_DATE", "1700000000 +0200")
        .env("GIT_COMMITTER_NAME", "C O Mitter")
        .env("GIT_COMMITTER_EMAIL", "committer@example.org")
        .env("GIT_COMMITTER_DATE", "1700000100 -0530")
        .env("TZ", "UTC")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_OBJECT_DIRECTORY");
    cmd
}

impl TestRepo {
    /// `git init` with extra arguments (e.g. `--object-format=sha256`).
    pub fn init(extra: &[&str]) -> TestRepo {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = TestRepo { dir };
        let mut args = vec!["init", "-q", "-b", "main"];
        args.extend_from_slice(extra);
        repo.git(&args);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs git, asserts success, returns stdout bytes.
    pub fn git_bytes(&self, args: &[&str]) -> Vec<u8> {
        let out = git_in(self.path())
            .args(args)
            .stderr(Stdio::piped())
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Runs git, asserts success, returns trimmed stdout.
    pub fn git(&self, args: &[&str]) -> String {
        String::from_utf8(self.git_bytes(args))
            .expect("utf8")
            .trim_end()
            .to_owned()
    }

    /// Runs git with `input` on stdin.
    pub fn git_stdin(&self, args: &[&str], input: &[u8]) -> String {
        use std::io::Write;
        let mut child = git_in(self.path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn git");
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim_end().to_owned()
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        p
    }

    pub fn chmod_x(&self, rel: &str) {
        use std::os::unix::fs::PermissionsExt;
        let p = self.path().join(rel);
        let mut perm = std::fs::metadata(&p).unwrap().permissions();
        perm.set_mode(0o755);
        std::fs::set_permissions(&p, perm).unwrap();
    }

    pub fn symlink(&self, target: &str, rel: &str) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, p).unwrap();
    }

    /// `git add -A && git commit`, returns the commit id.
    pub fn commit_all(&self, msg: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", msg]);
        self.git(&["rev-parse", "HEAD"])
    }

    pub fn open(&self) -> tarseal_git::Repo {
        tarseal_git::Repo::open(self.path()).expect("open")
    }

    /// `git archive --format=tar <args>` written to a file, returned as its path.
    pub fn archive(&self, args: &[&str]) -> PathBuf {
        let tar = self.path().join(".git").join("test-archive.tar");
        let mut full = vec!["archive", "--format=tar", "-o"];
        let tar_str = tar.to_str().unwrap().to_owned();
        full.push(&tar_str);
        full.extend_from_slice(args);
        self.git(&full);
        tar
    }
}

/// Entry names of a tar file (`tar -t`).
pub fn tar_list(tar: &Path) -> Vec<String> {
    let out = Command::new("tar")
        .arg("-tf")
        .arg(tar)
        .output()
        .expect("run tar");
    assert!(out.status.success(), "tar -t failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// One member's bytes (`tar -xO`).
pub fn tar_member(tar: &Path, member: &str) -> Vec<u8> {
    let out = Command::new("tar")
        .arg("-xOf")
        .arg(tar)
        .arg(member)
        .output()
        .expect("run tar");
    assert!(out.status.success(), "tar -xO {member} failed");
    out.stdout
}

pub fn oid(hex: &str) -> tarseal_git::ObjectId {
    tarseal_git::ObjectId::from_hex(hex.as_bytes()).expect("hex")
}
