//! Zips as real tools write them must read without a refusal: Info-ZIP `zip` (plain, streamed
//! to stdout with data descriptors, forced zip64), Python's `zipfile` writing a wheel the way
//! the `wheel` package does, `git archive --format=zip`, and the real wheels kept under
//! /work/data/pypi (when that directory exists; CI has none and says so).

mod common;
use common::*;
use std::path::Path;
use std::process::Command;
use tarseal_archive::{EntryKind, Format};

/// The blob id `git hash-object` gives the file at `path`.
fn git_hash_file(path: &Path) -> String {
    let out = Command::new("git")
        .arg("hash-object")
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn tree(dir: &Path) {
    std::fs::create_dir_all(dir.join("pkg/sub")).unwrap();
    std::fs::write(dir.join("pkg/a.txt"), b"hello\n").unwrap();
    std::fs::write(dir.join("pkg/sub/b.py"), b"print('b')\n".repeat(500)).unwrap();
    std::fs::write(dir.join("pkg/run.sh"), b"#!/bin/sh\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        dir.join("pkg/run.sh"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
}

/// Reads `zip` and checks every file against the tree under `dir`.
fn assert_reads(what: &str, zip: Vec<u8>, dir: &Path) {
    let (summary, entries) = read(zip).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(summary.format, Some(Format::Zip), "{what}");
    assert!(!summary.trailing_data, "{what}");
    let files: Vec<_> = entries
        .iter()
        .filter(|e| e.kind == EntryKind::File)
        .collect();
    assert_eq!(files.len(), 3, "{what}: {entries:?}");
    for e in files {
        assert!(e.problems.is_empty(), "{what}: {e:?}");
        assert_eq!(
            e.blob_id.unwrap().to_string(),
            git_hash_file(&dir.join(&e.path)),
            "{what}: {}",
            e.path
        );
        if e.path.ends_with("run.sh") && what != "zipfile wheel" {
            assert_eq!(e.mode & 0o111, 0o111, "{what}: exec bit of {}", e.path);
        }
    }
}

fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("--help").output().is_ok();
    if !ok {
        assert!(
            std::env::var("CI").is_err(),
            "{tool} missing (.ci/run installs it)"
        );
        eprintln!("NOTICE: {tool} not found, skipped");
    }
    ok
}

#[test]
fn info_zip_streamed_and_zip64() {
    if !have("zip") {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    tree(t.path());
    let run = |args: &[&str]| {
        let out = Command::new("zip")
            .current_dir(t.path())
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "zip {args:?}");
        out.stdout
    };
    run(&["-qr", "plain.zip", "pkg"]);
    assert_reads(
        "zip -r",
        std::fs::read(t.path().join("plain.zip")).unwrap(),
        t.path(),
    );
    // To stdout: zip cannot seek back, so it writes data descriptors.
    let streamed = run(&["-qr", "-", "pkg"]);
    assert_reads("zip -r - (data descriptors)", streamed, t.path());
    run(&["-qr", "-fz", "z64.zip", "pkg"]);
    assert_reads(
        "zip -fz (zip64)",
        std::fs::read(t.path().join("z64.zip")).unwrap(),
        t.path(),
    );
}

#[test]
fn python_zipfile_wheel() {
    if !have("python3") {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    tree(t.path());
    // As `wheel` (bdist_wheel) writes: deflated members, unix modes, a RECORD, no directories.
    let script = r#"
import os, sys, zipfile
root = sys.argv[1]
with zipfile.ZipFile(os.path.join(root, "pkg-1.0-py3-none-any.whl"), "w", zipfile.ZIP_DEFLATED) as z:
    for rel in ["pkg/a.txt", "pkg/sub/b.py", "pkg/run.sh"]:
        path = os.path.join(root, rel)
        zi = zipfile.ZipInfo(rel, (2020, 1, 1, 0, 0, 0))
        zi.external_attr = (os.stat(path).st_mode & 0xFFFF) << 16
        zi.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(zi, open(path, "rb").read())
"#;
    let st = Command::new("python3")
        .args(["-c", script])
        .arg(t.path())
        .status()
        .unwrap();
    assert!(st.success());
    let whl = std::fs::read(t.path().join("pkg-1.0-py3-none-any.whl")).unwrap();
    assert_reads("zipfile wheel", whl, t.path());
}

#[test]
fn git_archive_zip() {
    let t = tempfile::tempdir().unwrap();
    tree(t.path());
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .current_dir(t.path())
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "a")
            .env("GIT_AUTHOR_EMAIL", "a@example.org")
            .env("GIT_COMMITTER_NAME", "a")
            .env("GIT_COMMITTER_EMAIL", "a@example.org")
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}");
        out.stdout
    };
    git(&["init", "-q"]);
    git(&["add", "pkg"]);
    git(&["commit", "-qm", "x"]);
    let zip = git(&["archive", "--format=zip", "HEAD"]);
    assert_reads("git archive --format=zip", zip, t.path());
}

#[test]
fn real_wheels() {
    let dir = Path::new("/work/data/pypi");
    let Ok(rd) = std::fs::read_dir(dir) else {
        eprintln!(
            "NOTICE: {} not present: no real wheels to read",
            dir.display()
        );
        return;
    };
    let mut n = 0;
    for e in rd.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "whl") {
            let (s, entries) =
                read(std::fs::read(&p).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            assert!(!s.trailing_data);
            assert!(entries
                .iter()
                .any(|e| e.path.ends_with(".dist-info/RECORD")));
            assert!(
                entries.iter().all(|e| e.problems.is_empty()),
                "{}: {entries:?}",
                p.display()
            );
            n += 1;
        }
    }
    eprintln!("{n} real wheels read");
}
