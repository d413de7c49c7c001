//! The `git` command's plumbing for the release-sigs branch (`git -C REPO`, hooks disabled
//! with `core.hooksPath=/dev/null`, the caller's GIT_DIR/GIT_WORK_TREE/GIT_INDEX_FILE
//! removed). Why the command and not gix: writing a commit needs the committer identity and
//! the ref update with its old value exactly as git does them (docs/ARCHITECTURE.md).

use crate::path::parse_sig_path;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Largest signature file read from git.
pub const SIG_MAX: usize = 1 << 20;

/// A git command failed. Names the command.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// `git` could not be started.
    #[error("cannot run git: {0}")]
    Spawn(std::io::Error),
    /// Talking to the running command failed.
    #[error("git {args}: {source}")]
    Io {
        /// The arguments.
        args: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The command exited non-zero.
    #[error("git {args} failed: {stderr}")]
    Failed {
        /// The arguments.
        args: String,
        /// Its standard error, trimmed.
        stderr: String,
    },
    /// `rev-parse` could not even look (not a repository).
    #[error("{}: not a git repository? {stderr}", repo.display())]
    NotARepository {
        /// The repository.
        repo: PathBuf,
        /// git's standard error.
        stderr: String,
    },
    /// A revision that must exist does not.
    #[error("{}: no commit {rev}", repo.display())]
    NoCommit {
        /// The repository.
        repo: PathBuf,
        /// The revision.
        rev: String,
    },
    /// A blob too large to be a signature.
    #[error("blob {id} is larger than {max} bytes")]
    BlobTooLarge {
        /// The blob id.
        id: String,
        /// [`SIG_MAX`].
        max: usize,
    },
    /// `diff-tree` output that is not its raw format.
    #[error("git diff-tree: {0}")]
    DiffOutput(String),
}

/// Runs `git -C repo ARGS` (hooks off), feeding `stdin`; stdout, or an error with stderr.
pub(crate) fn git(
    repo: &Path,
    args: &[&str],
    stdin: Option<&[u8]>,
    index: Option<&Path>,
) -> Result<Vec<u8>, GitError> {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(repo)
        .args(["-c", "core.hooksPath=/dev/null"])
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(i) = index {
        c.env("GIT_INDEX_FILE", i);
    }
    let io = |e| GitError::Io {
        args: args.join(" "),
        source: e,
    };
    let mut child = c.spawn().map_err(GitError::Spawn)?;
    if let Some(data) = stdin {
        let mut w = child.stdin.take().expect("piped");
        w.write_all(data).map_err(io)?;
    }
    let out = child.wait_with_output().map_err(io)?;
    if !out.status.success() {
        return Err(GitError::Failed {
            args: args.join(" "),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(out.stdout)
}

pub(crate) fn git_text(repo: &Path, args: &[&str]) -> Result<String, GitError> {
    git(repo, args, None, None).map(|o| String::from_utf8_lossy(&o).trim().to_string())
}

pub(crate) fn git_text_stdin(repo: &Path, args: &[&str], stdin: &[u8]) -> Result<String, GitError> {
    git(repo, args, Some(stdin), None).map(|o| String::from_utf8_lossy(&o).trim().to_string())
}

/// The commit a rev names, `None` when it does not exist.
pub(crate) fn resolve_commit(repo: &Path, rev: &str) -> Result<Option<String>, GitError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
        .arg(format!("{rev}^{{commit}}"))
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .map_err(GitError::Spawn)?;
    match out.status.code() {
        Some(0) => Ok(Some(
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
        )),
        Some(1) => Ok(None),
        _ => Err(GitError::NotARepository {
            repo: repo.to_path_buf(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        }),
    }
}

/// `(mode, type, id, path)` of every file under `sigs/` in `rev` (recursive).
fn ls_tree(repo: &Path, rev: &str) -> Result<Vec<(String, String, String, String)>, GitError> {
    let out = git(
        repo,
        &["ls-tree", "-r", "-z", "--full-tree", rev, "--", "sigs"],
        None,
        None,
    )?;
    let mut v = Vec::new();
    for rec in out.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        let rec = String::from_utf8_lossy(rec);
        let Some((meta, path)) = rec.split_once('\t') else {
            continue;
        };
        let m: Vec<&str> = meta.split(' ').collect();
        if m.len() == 3 {
            v.push((m[0].into(), m[1].into(), m[2].into(), path.to_string()));
        }
    }
    Ok(v)
}

pub(crate) fn read_blob(repo: &Path, id: &str) -> Result<Vec<u8>, GitError> {
    let b = git(repo, &["cat-file", "blob", id], None, None)?;
    if b.len() > SIG_MAX {
        return Err(GitError::BlobTooLarge {
            id: id.to_string(),
            max: SIG_MAX,
        });
    }
    Ok(b)
}

/// The signatures for release file `name` in `rev`: `(path, bytes)` of every
/// `sigs/*/*/<name>.<KEYID16>.asc` (for `tarseal gate --sigs-from`).
pub fn signatures_in_ref(
    repo: &Path,
    rev: &str,
    name: &str,
) -> Result<Vec<(String, Vec<u8>)>, GitError> {
    if resolve_commit(repo, rev)?.is_none() {
        return Err(GitError::NoCommit {
            repo: repo.to_path_buf(),
            rev: rev.to_string(),
        });
    }
    let mut v = Vec::new();
    for (mode, kind, id, path) in ls_tree(repo, rev)? {
        let Ok(p) = parse_sig_path(&path) else {
            continue;
        };
        if p.file == name && kind == "blob" && mode == "100644" {
            v.push((path, read_blob(repo, &id)?));
        }
    }
    Ok(v)
}

/// One changed file of a proposed change.
pub(crate) struct Change {
    pub(crate) status: char,
    pub(crate) mode: String,
    pub(crate) id: String,
    pub(crate) path: String,
}

pub(crate) fn diff(repo: &Path, from: &str, to: &str) -> Result<Vec<Change>, GitError> {
    let out = git(
        repo,
        &["diff-tree", "-r", "-z", "--no-renames", "--raw", from, to],
        None,
        None,
    )?;
    let mut fields = out.split(|&b| b == 0).filter(|r| !r.is_empty());
    let mut v = Vec::new();
    while let Some(meta) = fields.next() {
        let meta = String::from_utf8_lossy(meta);
        let path = fields
            .next()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .ok_or_else(|| GitError::DiffOutput("truncated output".into()))?;
        // ":old_mode new_mode old_id new_id STATUS"
        let m: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
        if m.len() != 5 {
            return Err(GitError::DiffOutput(format!("unexpected line {meta:?}")));
        }
        v.push(Change {
            status: m[4].chars().next().unwrap_or('?'),
            mode: m[1].into(),
            id: m[3].into(),
            path,
        });
    }
    Ok(v)
}
