//! Tree listing against `git ls-tree`, including hand-made trees git's porcelain cannot make.

mod common;

use common::{oid, TestRepo};
use tarseal_git::{GitError, ObjectId, TreeEntryKind};

/// `git ls-tree -r -z <args>` as (path, kind, oid), sorted by path bytes.
fn ls_tree(r: &TestRepo, args: &[&str]) -> Vec<(String, TreeEntryKind, ObjectId)> {
    let mut full = vec!["ls-tree", "-r", "-z"];
    full.extend_from_slice(args);
    let out = r.git_bytes(&full);
    let mut v: Vec<_> = out
        .split(|&b| b == 0)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let line = std::str::from_utf8(line).unwrap();
            let (meta, path) = line.split_once('\t').unwrap();
            let mut parts = meta.split(' ');
            let mode = parts.next().unwrap();
            let _ty = parts.next().unwrap();
            let id = parts.next().unwrap();
            let kind = match mode {
                "100644" | "100664" => TreeEntryKind::File,
                "100755" => TreeEntryKind::Executable,
                "120000" => TreeEntryKind::Symlink,
                "160000" => TreeEntryKind::Gitlink,
                m => panic!("unexpected mode {m}"),
            };
            (path.to_owned(), kind, oid(id))
        })
        .collect();
    v.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    v
}

fn listing(
    repo: &tarseal_git::Repo,
    tree: ObjectId,
    sub: Option<&str>,
) -> Vec<(String, TreeEntryKind, ObjectId)> {
    repo.list_tree(tree, sub)
        .unwrap()
        .into_iter()
        .map(|e| (e.path, e.kind, e.oid))
        .collect()
}

fn varied_repo(extra_init: &[&str]) -> TestRepo {
    let r = TestRepo::init(extra_init);
    r.write("a.txt", "a\n");
    r.write("a-b.txt", "ab\n");
    r.write("a.b/x", "x\n");
    r.write("a0", "zero\n");
    r.write("dir/b.txt", "b\n");
    r.write("dir/sub/c.sh", "#!/bin/sh\n");
    r.chmod_x("dir/sub/c.sh");
    r.write("dir/sub/deeper/d e f.txt", "spaces\n");
    r.write("dir0/x", "dir0\n");
    r.write("ünïcødé/ñ.txt", "utf8\n");
    r.write("empty", "");
    r.symlink("../a.txt", "dir/link");
    r.symlink("nowhere/at/all", "dangling");
    r.commit_all("base");
    let sub_commit = r.git(&["rev-parse", "HEAD"]);
    r.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{sub_commit},vendor/sub"),
    ]);
    r.git(&["commit", "-q", "-m", "with gitlink"]);
    r
}

#[test]
fn listing_matches_git_ls_tree() {
    let r = varied_repo(&[]);
    let repo = r.open();
    let tree = oid(&r.git(&["rev-parse", "HEAD^{tree}"]));
    let ours = listing(&repo, tree, None);
    let theirs = ls_tree(&r, &["--full-tree", "HEAD"]);
    assert_eq!(ours, theirs);
    let kinds: Vec<_> = ours.iter().map(|e| e.1).collect();
    for k in [
        TreeEntryKind::File,
        TreeEntryKind::Executable,
        TreeEntryKind::Symlink,
        TreeEntryKind::Gitlink,
    ] {
        assert!(kinds.contains(&k), "{k:?} covered");
    }
    // Sorted by byte order, not tree order.
    let paths: Vec<_> = ours.iter().map(|e| e.0.as_str()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
}

#[test]
fn subdir_listing() {
    let r = varied_repo(&[]);
    let repo = r.open();
    let tree = oid(&r.git(&["rev-parse", "HEAD^{tree}"]));
    for spelled in ["dir", "dir/", "/dir", "./dir/"] {
        assert_eq!(
            listing(&repo, tree, Some(spelled)),
            ls_tree(&r, &["HEAD:dir"]),
            "{spelled}"
        );
    }
    assert_eq!(
        listing(&repo, tree, Some("dir/sub")),
        ls_tree(&r, &["HEAD:dir/sub"])
    );
    assert_eq!(listing(&repo, tree, Some("")), listing(&repo, tree, None));
    for missing in [
        "nope",
        "a.txt",
        "dir/b.txt",
        "vendor/sub",
        "dir/link",
        "DIR",
    ] {
        let err = repo.list_tree(tree, Some(missing)).unwrap_err();
        assert!(
            matches!(err, GitError::SubdirNotFound { ref path, .. } if path == missing),
            "{err:?}"
        );
        assert!(err.to_string().contains(missing));
        let err = repo.export_attributes(tree, Some(missing)).unwrap_err();
        assert!(matches!(err, GitError::SubdirNotFound { .. }), "{err:?}");
    }
}

/// Raw tree bytes from (mode, name, id) entries, in the given order.
fn raw_tree(entries: &[(&str, &[u8], &ObjectId)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (mode, name, id) in entries {
        out.extend_from_slice(mode.as_bytes());
        out.push(b' ');
        out.extend_from_slice(name);
        out.push(0);
        out.extend_from_slice(id.as_bytes());
    }
    out
}

fn write_tree(r: &TestRepo, bytes: &[u8]) -> ObjectId {
    oid(&r.git_stdin(
        &["hash-object", "-t", "tree", "-w", "--literally", "--stdin"],
        bytes,
    ))
}

#[test]
fn legacy_mode_is_a_file() {
    let r = TestRepo::init(&[]);
    let blob = oid(&r.git_stdin(&["hash-object", "-w", "--stdin"], b"legacy\n"));
    let tree = write_tree(
        &r,
        &raw_tree(&[("100664", b"legacy.txt", &blob), ("100755", b"x", &blob)]),
    );
    let ours = listing(&r.open(), tree, None);
    assert_eq!(ours, ls_tree(&r, &[&tree.to_string()]));
    assert_eq!(ours[0].1, TreeEntryKind::File);
    assert_eq!(ours[1].1, TreeEntryKind::Executable);
}

#[test]
fn hostile_trees_are_errors() {
    let r = TestRepo::init(&[]);
    let blob = oid(&r.git_stdin(&["hash-object", "-w", "--stdin"], b"x\n"));
    let repo_path = r.path().to_owned();
    let empty = write_tree(&r, b"");
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (raw_tree(&[("100644", b"..", &blob)]), ".."),
        (raw_tree(&[("100644", b".", &blob)]), "."),
        (raw_tree(&[("100644", b"a/b", &blob)]), "slash"),
        (raw_tree(&[("100644", b"\xff\xfe", &blob)]), "non-utf8"),
        (
            raw_tree(&[("100644", b"same", &blob), ("100755", b"same", &blob)]),
            "duplicate",
        ),
        (raw_tree(&[("100644", b"", &blob)]), "empty"),
        (raw_tree(&[("20000", b"odd", &blob)]), "mode"),
        (b"100644 truncated\0abc".to_vec(), "truncated"),
        (
            raw_tree(&[("40000", b"sub", &blob)]),
            "tree entry pointing at a blob",
        ),
        (
            raw_tree(&[("100644", b"b", &blob), ("100644", b"a", &blob)]),
            "unsorted",
        ),
        (
            raw_tree(&[("100644", b"a", &blob), ("40000", b"a", &empty)]),
            "file and dir of one name",
        ),
    ];
    for (bytes, what) in cases {
        let tree = write_tree(&r, &bytes);
        let repo = tarseal_git::Repo::open(&repo_path).unwrap();
        let err = repo.list_tree(tree, None).unwrap_err();
        assert!(
            matches!(err, GitError::BadTreeEntry { .. } | GitError::Object { .. }),
            "{what}: {err:?}"
        );
        let err = repo.export_attributes(tree, None).unwrap_err();
        assert!(
            matches!(err, GitError::BadTreeEntry { .. } | GitError::Object { .. }),
            "{what}: {err:?}"
        );
    }
    // A missing tree object and a blob given as tree.
    let repo = r.open();
    let missing = ObjectId::from_hex(b"0123456789012345678901234567890123456789").unwrap();
    assert!(matches!(
        repo.list_tree(missing, None),
        Err(GitError::Object { .. })
    ));
    assert!(matches!(
        repo.list_tree(blob, None),
        Err(GitError::Object { .. })
    ));
}

#[test]
fn read_blob_checks_kind() {
    let r = varied_repo(&[]);
    let repo = r.open();
    let blob = oid(&r.git(&["rev-parse", "HEAD:dir/b.txt"]));
    assert_eq!(repo.read_blob(blob).unwrap(), b"b\n");
    let tree = oid(&r.git(&["rev-parse", "HEAD^{tree}"]));
    assert!(matches!(repo.read_blob(tree), Err(GitError::Object { .. })));
}
