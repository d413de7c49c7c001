//! `$Format:...$` expansion compared byte for byte with `git archive`.

mod common;

use common::{tar_member, TestRepo};
use tarseal_git::{subst, Target};

const EVERYTHING: &str = concat!(
    "H=$Format:%H$\nh=$Format:%h$\nT=$Format:%T$\nt=$Format:%t$\nP=$Format:%P$\np=$Format:%p$\n",
    "an=$Format:%an$ ae=$Format:%ae$ al=$Format:%al$\n",
    "ad=$Format:%ad$\naD=$Format:%aD$\nai=$Format:%ai$\naI=$Format:%aI$\nat=$Format:%at$\nas=$Format:%as$\n",
    "cn=$Format:%cn$ ce=$Format:%ce$ cl=$Format:%cl$\n",
    "cd=$Format:%cd$\ncD=$Format:%cD$\nci=$Format:%ci$\ncI=$Format:%cI$\nct=$Format:%ct$\ncs=$Format:%cs$\n",
    "d=$Format:%d$\nD=$Format:%D$\n",
    "s=$Format:%s$\nf=$Format:%f$\nb=[$Format:%b$]\nB=[$Format:%B$]\n",
    "n=$Format:a%nb$ pct=$Format:%%$ x=$Format:%x41%x7a$ m=$Format:%m$ e=[$Format:%e$]\n",
    "unknown=$Format:%q %Z %a %c %x4 %S %N %(foo)$\n",
    "modifiers=[$Format:%+s%-e% an%+e$]\n",
    "del=\n\n$Format:%-e$|\n",
    "several $Format:%h$ and $Format:%t$ on $Format:%as$ line\n",
    "empty=[$Format:$]\n",
    "dangling $Format:%H\n",
);

fn subst_repo(extra_init: &[&str]) -> TestRepo {
    let r = TestRepo::init(extra_init);
    r.write(".gitattributes", "*.in export-subst\n");
    r.write("first.txt", "1\n");
    r.commit_all("First commit");
    r.write("all.in", EVERYTHING);
    r.write("utc.in", "$Format:%aI %ad %cI$\n");
    r.git(&["add", "-A"]);
    r.git(&[
        "commit",
        "-q",
        "-m",
        "Second: the subject, with punctuation...  \nand a second subject line\n\nThe body.\n\nMore body.\n",
    ]);
    r.git(&["tag", "-a", "v1.0", "-m", "release"]);
    r.git(&["tag", "light"]);
    r.git(&["branch", "feature"]);
    r
}

fn check_against_archive(r: &TestRepo) {
    let repo = r.open();
    let res = repo
        .resolve(&Target::Tag {
            name: "v1.0".into(),
            allow_lightweight: false,
        })
        .unwrap();
    let tar = r.archive(&["v1.0"]);
    let abbrev = repo.abbreviations(&res.commit);
    for path in ["all.in", "utc.in"] {
        let blob = r.git_bytes(&["cat-file", "blob", &format!("v1.0:{path}")]);
        let expected = tar_member(&tar, path);
        let ours = subst::expand_with(&blob, &res.commit, res.object_hash, Some(&abbrev));
        assert_eq!(
            String::from_utf8_lossy(&ours.bytes),
            String::from_utf8_lossy(&expected),
            "{path}"
        );
        assert!(ours.unsupported.is_empty(), "{:?}", ours.unsupported);
    }
}

#[test]
fn every_placeholder_matches_git_archive() {
    let r = subst_repo(&[]);
    check_against_archive(&r);
    // The short form (no repository) agrees in a small repository too.
    let repo = r.open();
    let res = repo
        .resolve(&Target::Commit { rev: "v1.0".into() })
        .unwrap();
    let blob = r.git_bytes(&["cat-file", "blob", "v1.0:all.in"]);
    let tar = r.archive(&["v1.0"]);
    assert_eq!(
        subst::expand(&blob, &res.commit, res.object_hash),
        tar_member(&tar, "all.in")
    );
    let e = subst::expand_with(&blob, &res.commit, res.object_hash, None);
    for p in ["%h", "%t", "%p", "%d", "%D"] {
        assert!(e.repo_dependent.contains(&p.to_string()), "{p} flagged");
    }
}

#[test]
fn every_placeholder_matches_git_archive_sha256() {
    let r = subst_repo(&["--object-format=sha256"]);
    check_against_archive(&r);
}

#[test]
fn describe_of_an_exactly_tagged_commit_matches_git_archive() {
    // The commit of v1.0 also carries the lightweight tag `light`.
    let r = subst_repo(&[]);
    r.write(
        "describe.in",
        "a=$Format:%(describe)$\nb=$Format:%(describe:tags=true)$\nc=$Format:%(describe:tags,match=l*)$\nd=$Format:%(describe:match=*[0-9]*,abbrev=0)$\n",
    );
    r.git(&["add", "-A"]);
    r.git(&["commit", "-q", "-m", "describe"]);
    r.git(&["tag", "-a", "v2.0", "-m", "release 2"]);
    r.git(&["tag", "light2"]);
    let repo = r.open();
    let res = repo
        .resolve(&Target::Tag {
            name: "v2.0".into(),
            allow_lightweight: false,
        })
        .unwrap();
    let tar = r.archive(&["v2.0"]);
    let blob = r.git_bytes(&["cat-file", "blob", "v2.0:describe.in"]);
    let expected = tar_member(&tar, "describe.in");
    assert_eq!(
        String::from_utf8_lossy(&expected),
        "a=v2.0\nb=%(describe:tags=true)\nc=%(describe:tags,match=l*)\nd=%(describe:match=*[0-9]*,abbrev=0)\n",
        "git archive expands only the first %(describe) of an archive"
    );
    let ours = subst::expand_with(&blob, &res.commit, res.object_hash, None);
    assert_eq!(ours.bytes, expected);
    assert!(ours.unsupported.is_empty(), "{:?}", ours.unsupported);
    assert!(ours
        .repo_dependent
        .iter()
        .any(|p| p.starts_with("%(describe")));
}

#[test]
fn utc_and_detached_head() {
    let r = TestRepo::init(&[]);
    r.write(".gitattributes", "v export-subst\n");
    r.write("v", "$Format:%aI|%cI|%ad|%d$\n");
    r.git(&["add", "-A"]);
    let out = common::git_in(r.path())
        .args(["commit", "-q", "-m", "utc"])
        .env("GIT_AUTHOR_DATE", "@86400 +0000")
        .env("GIT_COMMITTER_DATE", "951782400 +1345")
        .status()
        .unwrap();
    assert!(out.success());
    r.git(&["tag", "-a", "v1.0", "-m", "x"]);
    r.git(&["checkout", "-q", "--detach"]);
    check_against_archive_file(&r, "v");
}

fn check_against_archive_file(r: &TestRepo, path: &str) {
    let repo = r.open();
    let res = repo
        .resolve(&Target::Commit { rev: "v1.0".into() })
        .unwrap();
    let tar = r.archive(&["v1.0"]);
    let blob = r.git_bytes(&["cat-file", "blob", &format!("v1.0:{path}")]);
    let ours = subst::expand_with(
        &blob,
        &res.commit,
        res.object_hash,
        Some(&repo.abbreviations(&res.commit)),
    );
    assert_eq!(
        String::from_utf8_lossy(&ours.bytes),
        String::from_utf8_lossy(&tar_member(&tar, path))
    );
}

/// With more than 2^14 packed objects git's automatic abbreviation grows to 8 digits; ours
/// must follow (the fixed 7-digit `expand` cannot, which is why `abbreviations` exists).
#[test]
fn abbreviation_scales_with_packed_object_count() {
    let r = TestRepo::init(&[]);
    let mut stream = Vec::new();
    let n = 17_000;
    for i in 0..n {
        stream.extend_from_slice(
            format!(
                "blob\nmark :{}\ndata {}\n{}\n",
                i + 1,
                format!("{i}").len() + 1,
                i
            )
            .as_bytes(),
        );
    }
    stream.extend_from_slice(
        b"commit refs/heads/main\nmark :999999\ncommitter C <c@x> 1700000000 +0000\ndata 4\nmany\n",
    );
    for i in 0..n {
        stream.extend_from_slice(format!("M 100644 :{} f/{i}\n", i + 1).as_bytes());
    }
    for (path, data) in [
        ("v.in", "$Format:%h %t %p$ $Format:%H$\n"),
        (".gitattributes", "v.in export-subst\n"),
    ] {
        stream.extend_from_slice(
            format!("M 100644 inline {path}\ndata {}\n{data}\n", data.len()).as_bytes(),
        );
    }
    stream.push(b'\n');
    r.git_stdin(&["fast-import", "--quiet"], &stream);
    r.git(&["tag", "-a", "v1.0", "-m", "x", "main"]);
    let repo = r.open();
    let res = repo
        .resolve(&Target::Commit { rev: "v1.0".into() })
        .unwrap();
    let ab = repo.abbreviations(&res.commit);
    assert!(ab.commit.len() >= 8, "{ab:?}");
    check_against_archive_file(&r, "v.in");
}
