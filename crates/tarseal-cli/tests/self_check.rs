//! End to end: tarseal checks a `git archive` of its own repository against its own commit.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The project's repository root, or `None` (with a notice) when the sources are not a git
/// work tree (built from a tarball).
fn project_repo() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = isolate(Command::new("git").args(["rev-parse", "--show-toplevel"]))
        .current_dir(&root)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "NOTICE: {} is not a git repository; skipping the self check",
            root.display()
        );
        return None;
    }
    Some(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

fn git_in(repo: &Path, args: &[&str]) -> String {
    String::from_utf8_lossy(&run_ok(isolate(
        Command::new("git").args(args).current_dir(repo),
    )))
    .trim()
    .to_string()
}

#[test]
fn self_check_tar_and_tar_xz() {
    let Some(repo) = project_repo() else { return };
    // Pin HEAD once: others may commit while this runs.
    let head = git_in(&repo, &["rev-parse", "HEAD"]);
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("tarseal.tar");
    git_in(
        &repo,
        &[
            "archive",
            "--format=tar",
            "--prefix=tarseal/",
            "-o",
            tar.to_str().unwrap(),
            &head,
        ],
    );
    let r = check_in(&repo, &tar, &["--commit", &head]);
    r.assert_clean_pass();
    assert_eq!(r.json["archive"]["prefix"], "tarseal", "{r}");
    assert_eq!(r.json["git"]["commit"], head.as_str(), "{r}");
    assert_eq!(r.cross_check("git-archive-commit")["status"], "ok", "{r}");
    assert!(
        r.json["summary"]["matched"].as_u64().unwrap() > 20,
        "the whole tree was compared\n{r}"
    );

    let xz = compress(&tar, "xz");
    let r = check_in(&repo, &xz, &["--commit", &head]);
    r.assert_clean_pass();
    assert_eq!(r.json["archive"]["format"], "tar.xz", "{r}");
}
