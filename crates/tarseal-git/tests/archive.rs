//! export-ignore / export-subst decided from the tree, checked against the real `git archive`.

mod common;

use common::{oid, tar_list, tar_member, TestRepo};
use std::collections::BTreeSet;
use tarseal_git::{subst, Target, TreeEntryKind};

/// Asserts that, for every entry of the listing (relative to `sub`), `git archive` (run with
/// `archive_args`, whose paths start with `strip`) holds it exactly when tarseal says it is
/// not export-ignored, and rewrote it exactly when tarseal says it is export-subst.
fn assert_matches_archive(r: &TestRepo, sub: Option<&str>, archive_args: &[&str], strip: &str) {
    let repo = r.open();
    let res = repo
        .resolve(&Target::Commit { rev: "HEAD".into() })
        .unwrap();
    let tree = res.commit.tree;
    let entries = repo.list_tree(tree, sub).unwrap();
    let attrs = repo.export_attributes(tree, sub).unwrap();
    let tar = r.archive(archive_args);
    let names: BTreeSet<String> = tar_list(&tar)
        .into_iter()
        .filter_map(|n| n.strip_prefix(strip).map(str::to_owned))
        .collect();
    let mut checked_ignored = 0;
    for e in &entries {
        let ignored = attrs.is_export_ignored(&e.path);
        checked_ignored += usize::from(ignored);
        let archived_name = if e.kind == TreeEntryKind::Gitlink {
            format!("{}/", e.path)
        } else {
            e.path.clone()
        };
        assert_eq!(
            !ignored,
            names.contains(&archived_name),
            "{}: tarseal says ignored={ignored}, git archive {} it",
            e.path,
            if names.contains(&archived_name) {
                "has"
            } else {
                "lacks"
            }
        );
        if !ignored && e.kind == TreeEntryKind::File {
            let blob = repo.read_blob(e.oid).unwrap();
            let archived = tar_member(&tar, &format!("{strip}{}", e.path));
            let substituted = attrs.is_export_subst(&e.path);
            if blob.windows(8).any(|w| w == b"$Format:") {
                assert_eq!(
                    substituted,
                    archived != blob,
                    "{}: export-subst={substituted}",
                    e.path
                );
            }
            if substituted {
                let ab = repo.abbreviations(&res.commit);
                let ours = subst::expand_with(&blob, &res.commit, res.object_hash, Some(&ab));
                assert_eq!(
                    String::from_utf8_lossy(&ours.bytes),
                    String::from_utf8_lossy(&archived),
                    "{}",
                    e.path
                );
            } else {
                assert_eq!(archived, blob, "{}", e.path);
            }
        }
    }
    // Nothing in the archive that the listing does not know about (directories aside).
    let listed: BTreeSet<String> = entries.iter().map(|e| e.path.clone()).collect();
    for n in &names {
        if !n.ends_with('/') && !n.is_empty() {
            assert!(
                listed.contains(n),
                "git archive has {n}, the listing does not"
            );
        }
    }
    assert!(checked_ignored > 0, "the fixture ignores something");
}

const SUBST: &str = "id=$Format:%H$ tree=$Format:%T$\n";

fn attributes_repo(extra_init: &[&str]) -> TestRepo {
    let r = TestRepo::init(extra_init);
    r.write(
        ".gitattributes",
        concat!(
            "# comment\n",
            "*.log export-ignore\n",
            "/only-root.txt export-ignore\n",
            "docs/internal/ export-ignore\n",
            "build export-ignore\n",
            "tests/**/fixture.* export-ignore\n",
            "\"quoted name.txt\" export-ignore\n",
            "[attr]dropme export-ignore\n",
            "macro-target dropme\n",
            "keep.log -export-ignore\n",
            "*.in export-subst\n",
            "not-subst.in !export-subst\n",
            "valued.txt export-ignore=yes\n",
            "file-dir/ export-ignore\n",
            "unset-later.txt export-ignore\n",
            "unset-later.txt -export-ignore\n",
            "gone/ export-ignore\n",
            "vendor/sub export-ignore\n",
            "  spaced.txt   export-ignore  \n",
            "!negated.txt export-ignore\n",
            "/anch/ored.txt export-ignore\n",
        ),
    );
    r.write(
        "nested/.gitattributes",
        concat!(
            "*.txt export-ignore\n",
            "sub/deep.md export-ignore\n",
            "keep.log export-ignore\n",
            "[attr]nested-macro export-ignore\n",
            "nm.dat nested-macro\n",
            "*.in -export-subst\n",
            "/abs.md export-ignore\n",
        ),
    );
    for f in [
        "a.log",
        "keep.log",
        "x/keep.log",
        "only-root.txt",
        "x/only-root.txt",
        "docs/internal/secret.md",
        "docs/public.md",
        "src/build/out.o",
        "build/top.o",
        "tests/a/b/fixture.json",
        "tests/fixture.json",
        "tests/a/fixture",
        "quoted name.txt",
        "macro-target",
        "valued.txt",
        "file-dir",
        "unset-later.txt",
        "gone/x/y.txt",
        "spaced.txt",
        "negated.txt",
        "anch/ored.txt",
        "x/anch/ored.txt",
        "nested/a.txt",
        "nested/deeper/b.txt",
        "nested/sub/deep.md",
        "nested/deep.md",
        "nested/keep.log",
        "nested/nm.dat",
        "nested/abs.md",
        "nested/x/abs.md",
        "nested/kept.md",
        "plain.md",
    ] {
        r.write(f, format!("{f}\n"));
    }
    r.write("version.in", SUBST);
    r.write("not-subst.in", SUBST);
    r.write("nested/version.in", SUBST);
    r.write("deep/er/version.in", SUBST);
    r.write("plain-with-format.txt", SUBST);
    r.symlink("version.in", "link.in");
    r.commit_all("attributes");
    let c = r.git(&["rev-parse", "HEAD"]);
    r.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{c},vendor/sub"),
    ]);
    r.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{c},vendor/kept"),
    ]);
    r.git(&["commit", "-q", "-m", "gitlinks"]);
    // The work tree must not matter: git archive reads attributes from the tree; so do we.
    r.write(".gitattributes", "* export-ignore\n");
    r
}

#[test]
fn export_ignore_matches_git_archive() {
    let r = attributes_repo(&[]);
    assert_matches_archive(&r, None, &["HEAD"], "");
}

#[test]
fn export_ignore_with_subdir_matches_git_archive_pathspec() {
    let r = attributes_repo(&[]);
    // `git archive HEAD nested/` keeps the root's attributes in force, as we do.
    assert_matches_archive(&r, Some("nested"), &["HEAD", "nested/"], "nested/");
    assert_matches_archive(&r, Some("tests/a"), &["HEAD", "tests/a/"], "tests/a/");
}

#[test]
fn directory_patterns_and_parents() {
    let r = attributes_repo(&[]);
    let repo = r.open();
    let tree = oid(&r.git(&["rev-parse", "HEAD^{tree}"]));
    let a = repo.export_attributes(tree, None).unwrap();
    assert!(a.is_export_ignored("docs/internal/secret.md"));
    assert!(a.is_export_ignored("docs/internal/"));
    assert!(
        !a.is_export_ignored("file-dir"),
        "`dir/` does not match a file"
    );
    assert!(
        a.is_export_ignored("vendor/sub"),
        "a gitlink matches as a directory"
    );
    assert!(!a.is_export_ignored("vendor/kept"));
    assert!(
        a.is_export_ignored("new/file.log"),
        "paths outside the tree can be asked about"
    );
    let sub = repo.export_attributes(tree, Some("nested")).unwrap();
    assert!(sub.is_export_ignored("a.txt"));
    assert!(sub.is_export_ignored("keep.log"));
    assert!(!sub.is_export_subst("version.in"));
    assert!(a.is_export_subst("deep/er/version.in"));
}

#[test]
fn crlf_attribute_files_match_git_archive() {
    let r = TestRepo::init(&[]);
    r.write(
        ".gitattributes",
        "*.log export-ignore\r\nkeep.txt export-ignore\r\n*.in export-subst\r\n",
    );
    r.write("a.log", "x");
    r.write("keep.txt", "x");
    r.write("other.txt", "x");
    r.write("v.in", SUBST);
    r.commit_all("crlf");
    let repo = r.open();
    let tree = oid(&r.git(&["rev-parse", "HEAD^{tree}"]));
    let a = repo.export_attributes(tree, None).unwrap();
    let tar = r.archive(&["HEAD"]);
    let names: BTreeSet<String> = tar_list(&tar).into_iter().collect();
    for p in ["a.log", "keep.txt", "other.txt", "v.in"] {
        assert_eq!(!a.is_export_ignored(p), names.contains(p), "{p}");
    }
    let substituted = tar_member(&tar, "v.in") != SUBST.as_bytes();
    assert_eq!(a.is_export_subst("v.in"), substituted);
}

#[test]
fn export_attributes_in_sha256_repository() {
    let r = attributes_repo(&["--object-format=sha256"]);
    assert_matches_archive(&r, None, &["HEAD"], "");
}

#[test]
fn content_conversions_explain_git_archive_rewrites() {
    let r = TestRepo::init(&[]);
    r.write(
        ".gitattributes",
        concat!(
            "*.bat text eol=crlf\n",
            "*.id ident\n",
            "*.txt text\n",
            "*.bin -text eol=crlf\n",
            "*.auto text=auto eol=crlf\n",
            "*.lfs filter=lfs\n",
            "sub/*.bat -eol\n",
        ),
    );
    for f in [
        "x.bat",
        "sub/y.bat",
        "z.txt",
        "b.bin",
        "a.auto",
        "l.lfs",
        "plain",
    ] {
        r.write(f, "line one\nline two\n");
    }
    r.write("v.id", "$Id$\n");
    r.commit_all("conversions");
    let repo = r.open();
    let tree = oid(&r.git(&["rev-parse", "HEAD^{tree}"]));
    let attrs = repo.export_attributes(tree, None).unwrap();
    let tar = r.archive(&["HEAD"]);
    for e in repo.list_tree(tree, None).unwrap() {
        let conv = attrs.content_conversions(&e.path);
        let blob = repo.read_blob(e.oid).unwrap();
        let archived = tar_member(&tar, &e.path);
        // An unconfigured filter driver passes content through.
        let rewrites = conv.iter().any(|c| c == "eol=crlf" || c == "ident");
        assert_eq!(rewrites, archived != blob, "{}: {conv:?}", e.path);
    }
    assert_eq!(attrs.content_conversions("x.bat"), vec!["eol=crlf"]);
    assert_eq!(attrs.content_conversions("l.lfs"), vec!["filter=lfs"]);
    assert!(attrs.content_conversions("plain").is_empty());
}

/// git archive reads a symlinked `.gitattributes` from the index, i.e. the link's target text.
#[test]
fn symlinked_attribute_files_match_git_archive() {
    let r = TestRepo::init(&[]);
    r.write("real", "x export-ignore\n");
    r.symlink("real", ".gitattributes");
    r.write("x", "x\n");
    r.write("d/x", "x\n");
    r.write("d/y", "y\n");
    r.symlink("x export-ignore", "d/.gitattributes");
    r.commit_all("symlinked attributes");
    assert_matches_archive(&r, None, &["HEAD"], "");
}
