//! Tag and revision resolution against repositories built with the git CLI.

mod common;

use common::{oid, TestRepo};
use tarseal_git::{GitError, Repo, Target};

fn tag(name: &str) -> Target {
    Target::Tag {
        name: name.into(),
        allow_lightweight: false,
    }
}

fn repo_with_commit() -> (TestRepo, String) {
    let r = TestRepo::init(&[]);
    r.write("a.txt", "hello\n");
    let c = r.commit_all("Initial commit\n\nWith a body.");
    (r, c)
}

#[test]
fn annotated_tag_resolves_with_metadata() {
    let (r, c) = repo_with_commit();
    r.git(&["tag", "-a", "v1.0", "-m", "Release 1.0"]);
    let res = r.open().resolve(&tag("v1.0")).unwrap();
    let t = res.tag.expect("tag info");
    assert!(t.annotated);
    assert_eq!(t.name, "v1.0");
    assert_eq!(t.id, oid(&r.git(&["rev-parse", "v1.0"])));
    assert_eq!(t.message, "Release 1.0\n");
    assert!(t.signature.is_none());
    assert_eq!(t.signed_payload, r.git_bytes(&["cat-file", "tag", "v1.0"]));
    let tagger = t.tagger.expect("tagger");
    assert_eq!(tagger.name, "C O Mitter");
    assert_eq!(tagger.time, 1700000100);
    assert_eq!(tagger.offset, -(5 * 3600 + 30 * 60));

    let commit = res.commit;
    assert_eq!(commit.id, oid(&c));
    assert_eq!(commit.tree, oid(&r.git(&["rev-parse", "HEAD^{tree}"])));
    assert!(commit.parents.is_empty());
    assert_eq!(commit.author.name, "A U Thor");
    assert_eq!(commit.author.email, "author@example.com");
    assert_eq!(commit.author.time, 1700000000);
    assert_eq!(commit.author.offset, 7200);
    assert_eq!(commit.subject, "Initial commit");
    assert_eq!(commit.message, "Initial commit\n\nWith a body.\n");
    assert_eq!(res.object_hash, tarseal_git::HashKind::Sha1);
}

#[test]
fn lightweight_tag_refused_unless_allowed() {
    let (r, c) = repo_with_commit();
    r.git(&["tag", "v1"]);
    let repo = r.open();
    match repo.resolve(&tag("v1")) {
        Err(GitError::Lightweight { name, kind }) => {
            assert_eq!(name, "v1");
            assert_eq!(kind, "commit");
        }
        other => panic!("expected Lightweight, got {other:?}"),
    }
    let res = repo
        .resolve(&Target::Tag {
            name: "v1".into(),
            allow_lightweight: true,
        })
        .unwrap();
    let t = res.tag.unwrap();
    assert!(!t.annotated);
    assert_eq!(t.id, oid(&c));
    assert_eq!(res.commit.id, oid(&c));
}

#[test]
fn renamed_tag_refused_naming_both() {
    let (r, _) = repo_with_commit();
    r.git(&["tag", "-a", "v1", "-m", "one"]);
    let id = r.git(&["rev-parse", "v1"]);
    r.git(&["update-ref", "refs/tags/v2", &id]);
    let err = r.open().resolve(&tag("v2")).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, GitError::NameMismatch { .. }), "{err:?}");
    assert!(
        msg.contains("v1") && msg.contains("v2") && msg.contains(&id),
        "{msg}"
    );
}

#[test]
fn only_refs_tags_is_consulted() {
    let (r, _) = repo_with_commit();
    r.git(&["branch", "v9"]);
    let err = r.open().resolve(&tag("v9")).unwrap_err();
    assert!(
        matches!(err, GitError::TagNotFound { ref name } if name == "v9"),
        "{err:?}"
    );
    assert!(err.to_string().contains("refs/tags/v9"));
    // Names that are not valid ref names are simply not found.
    for bad in ["", "../x", "a..b", "x\u{0}y", "-"] {
        let err = r.open().resolve(&tag(bad)).unwrap_err();
        assert!(
            matches!(err, GitError::TagNotFound { .. }),
            "{bad:?}: {err:?}"
        );
    }
}

#[test]
fn tag_of_tag_peels_to_commit() {
    let (r, c) = repo_with_commit();
    r.git(&["tag", "-a", "inner", "-m", "inner"]);
    r.git(&["tag", "-a", "outer", "-m", "outer", "inner"]);
    let res = r.open().resolve(&tag("outer")).unwrap();
    assert_eq!(res.commit.id, oid(&c));
    let t = res.tag.unwrap();
    assert_eq!(t.name, "outer");
    assert_eq!(t.id, oid(&r.git(&["rev-parse", "outer"])));
}

#[test]
fn tag_of_tree_or_blob_is_refused() {
    let (r, _) = repo_with_commit();
    r.git(&["tag", "-a", "treetag", "-m", "t", "HEAD^{tree}"]);
    let blob = r.git(&["rev-parse", "HEAD:a.txt"]);
    r.git(&["tag", "-a", "blobtag", "-m", "b", &blob]);
    r.git(&["tag", "lighttree", "HEAD^{tree}"]);
    let repo = r.open();
    let err = repo.resolve(&tag("treetag")).unwrap_err();
    assert!(
        matches!(err, GitError::TagNotCommit { ref kind, .. } if kind == "tree"),
        "{err:?}"
    );
    assert!(err.to_string().contains("tree"));
    let err = repo.resolve(&tag("blobtag")).unwrap_err();
    assert!(
        matches!(err, GitError::TagNotCommit { ref kind, .. } if kind == "blob"),
        "{err:?}"
    );
    let err = repo
        .resolve(&Target::Tag {
            name: "lighttree".into(),
            allow_lightweight: true,
        })
        .unwrap_err();
    assert!(matches!(err, GitError::TagNotCommit { .. }), "{err:?}");
    let err = repo.resolve(&tag("lighttree")).unwrap_err();
    assert!(
        matches!(err, GitError::Lightweight { ref kind, .. } if kind == "tree"),
        "{err:?}"
    );
}

#[test]
fn commit_revisions() {
    let (r, first) = repo_with_commit();
    r.write("b.txt", "b\n");
    let second = r.commit_all("Second");
    r.git(&["tag", "-a", "v2", "-m", "two"]);
    let repo = r.open();
    let rev = |s: &str| repo.resolve(&Target::Commit { rev: s.into() });
    assert_eq!(rev(&first[..8]).unwrap().commit.id, oid(&first));
    assert_eq!(rev(&first).unwrap().commit.id, oid(&first));
    assert_eq!(rev("HEAD").unwrap().commit.id, oid(&second));
    assert_eq!(rev("main").unwrap().commit.id, oid(&second));
    assert_eq!(rev("v2").unwrap().commit.id, oid(&second));
    let res = rev("HEAD~1").unwrap();
    assert_eq!(res.commit.id, oid(&first));
    assert!(res.tag.is_none());
    assert_eq!(rev("HEAD").unwrap().commit.parents, vec![oid(&first)]);
    // Odd rev-specs: any answer but a panic, and only commits come back.
    for odd in [
        "@{-1}",
        "HEAD@{yesterday}",
        ":/Second",
        "HEAD^{/x}",
        "main..HEAD",
        "^HEAD",
        "HEAD:a.txt",
        "@",
        "~",
        "^",
        "{",
        "HEAD^{",
        "\u{0}",
        "....",
        ":",
        "::",
        "HEAD~99999999999999999999",
        "HEAD@{99}",
        "ü",
        "v2^{tag}",
        "HEAD^{tree}^{commit}",
        "0000",
        "HEAD~0^0",
    ] {
        if let Ok(res) = rev(odd) {
            assert!(
                res.commit.id == oid(&first) || res.commit.id == oid(&second),
                "{odd}"
            );
        }
    }
    for bad in ["nope", "HEAD^{tree}", "deadbeef", ""] {
        let err = rev(bad).unwrap_err();
        assert!(
            matches!(err, GitError::BadRevision { .. }),
            "{bad}: {err:?}"
        );
        assert!(err.to_string().contains(bad));
    }
}

#[test]
fn decorations_match_git_log() {
    let (r, _) = repo_with_commit();
    r.git(&["tag", "-a", "v1.0", "-m", "x"]);
    r.git(&["tag", "v0.9"]);
    r.git(&["branch", "other"]);
    r.git(&["update-ref", "refs/remotes/origin/main", "HEAD"]);
    r.git(&[
        "symbolic-ref",
        "refs/remotes/origin/HEAD",
        "refs/remotes/origin/main",
    ]);
    let expected = r.git(&["log", "-1", "--format=%D"]);
    let res = r.open().resolve(&tag("v1.0")).unwrap();
    assert_eq!(res.commit.decorations.join(", "), expected);
    // Detached HEAD is plain `HEAD`.
    r.git(&["checkout", "-q", "--detach"]);
    let expected = r.git(&["log", "-1", "--format=%D"]);
    let res = r.open().resolve(&tag("v1.0")).unwrap();
    assert_eq!(res.commit.decorations.join(", "), expected);
    assert!(expected.starts_with("HEAD, "), "{expected}");
}

#[test]
fn garbage_tag_objects_are_errors_not_panics() {
    let (r, c) = repo_with_commit();
    let cases: Vec<String> = vec![
        "this is not a tag\n".into(),
        format!("object {c}\ntype commit\n"),
        format!("object {c}\ntype commit\ntag\n\n"),
        format!("object {}\ntype commit\ntag bad\ntagger x\n\nm\n", &c[..20]),
        format!("object {c}\ntype blob\ntag lie\ntagger T <t@t> 1 +0000\n\nm\n"),
        "object 0000000000000000000000000000000000000001\ntype commit\ntag missing\ntagger T <t@t> 1 +0000\n\nm\n".into(),
        String::new(),
    ];
    let repo_path = r.path().to_owned();
    for (i, body) in cases.iter().enumerate() {
        let id = r.git_stdin(
            &["hash-object", "-t", "tag", "-w", "--literally", "--stdin"],
            body.as_bytes(),
        );
        let name = format!("g{i}");
        // `git update-ref` refuses objects it cannot parse; write the loose ref by hand.
        r.write(&format!(".git/refs/tags/{name}"), format!("{id}\n"));
        let repo = Repo::open(&repo_path).unwrap();
        let err = repo.resolve(&tag(&name)).unwrap_err();
        assert!(
            matches!(err, GitError::Object { .. } | GitError::NameMismatch { .. }),
            "case {i}: {err:?}"
        );
        let err = repo
            .resolve(&Target::Commit { rev: id.clone() })
            .unwrap_err();
        assert!(
            matches!(err, GitError::Object { .. } | GitError::BadRevision { .. }),
            "case {i}: {err:?}"
        );
    }
}

#[test]
fn open_errors_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let err = Repo::open(dir.path()).unwrap_err();
    assert!(matches!(err, GitError::Open { .. }));
    assert!(err.to_string().contains(&dir.path().display().to_string()));
    let missing = dir.path().join("nope");
    let err = Repo::open(&missing).unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
}

#[test]
fn bare_repository_opens() {
    let (r, c) = repo_with_commit();
    r.git(&["tag", "-a", "v1", "-m", "x"]);
    let bare = tempfile::tempdir().unwrap();
    let target = bare.path().join("b.git");
    common::git_in(r.path())
        .args(["clone", "-q", "--bare", ".", target.to_str().unwrap()])
        .status()
        .unwrap();
    let repo = Repo::open(&target).unwrap();
    assert_eq!(repo.resolve(&tag("v1")).unwrap().commit.id, oid(&c));
}

#[test]
fn hostile_config_does_not_matter() {
    let (r, c) = repo_with_commit();
    r.git(&["tag", "-a", "v1", "-m", "x"]);
    // A work tree config that would run programs or redirect things in a careless reader.
    r.git(&[
        "config",
        "core.fsmonitor",
        "touch /tmp/tarseal-should-not-exist",
    ]);
    r.git(&["config", "core.hooksPath", "/nonexistent"]);
    r.git(&["config", "include.path", "/etc/passwd"]);
    let repo = Repo::open(r.path()).unwrap();
    assert_eq!(repo.resolve(&tag("v1")).unwrap().commit.id, oid(&c));
}
