//! pbr's generated files regenerated from the tag: a git history with pbr's corner cases (tags
//! that are and are not versions, an rc and a final tag on one commit, a merge, a CI robot,
//! a co-author, a `.mailmap` that changes after the tag, subjects with characters pbr
//! escapes), an sdist holding exactly what pbr writes for it, and the attacks that used to
//! pass by name: each must be rejected with exit 1, naming the file.

mod common;

use common::*;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

const SETUP_CFG: &str = "[metadata]\nname = proj\nsummary = A project\n\n[entry_points]\nconsole_scripts =\n    proj-api = proj.cmd.api:main\n";
const SETUP_CFG_SDIST: &str = "[metadata]\nname = proj\nsummary = A project\n\n[entry_points]\nconsole_scripts = \n\tproj-api = proj.cmd.api:main\n\n[egg_info]\ntag_build = \ntag_date = 0\n\n";
const REQUIREMENTS: &str =
    "pbr>=2.0.0 # Apache-2.0\nrequests>=2.0,!=2.1.0\npyroute2>=0.5;sys_platform!='win32' # GPL\n";

/// What pbr writes for the history built by [`fixture`] (derived by hand from pbr's
/// `_iter_changelog`: newest first, `Merge ` skipped, escapes, final tag wins over its rc).
const CHANGELOG: &str = "CHANGES\n=======\n\n1.0.0\n-----\n\n* Release 1.0\n* Feature work\n* Fix bug\n\n0.9.0\n-----\n\n* Add the\\_thing and \\*stars\\* with \\`code\\`\n* Initial commit\n";
/// pbr's `generate_authors`: the tag's .mailmap applied, robots dropped, co-authors added.
const AUTHORS: &str = "Ada Author <ada@example.org>\nBob Builder <bob@example.org>\nCarol Coder <carol@example.org>\nDan Dev <dan@example.org>\n";

fn git_as(f: &Fixture, who: (&str, &str), time: u64, args: &[&str]) {
    let date = format!("{time} +0000");
    run_ok(
        isolate(Command::new("git").args(args).current_dir(f.repo()))
            .env("GIT_AUTHOR_NAME", who.0)
            .env("GIT_AUTHOR_EMAIL", who.1)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date),
    );
}

fn commit_as(f: &Fixture, who: (&str, &str), time: u64, msg: &str) {
    f.git(&["add", "-A"]);
    git_as(f, who, time, &["commit", "-q", "--allow-empty", "-m", msg]);
}

const T0: u64 = 1_600_000_000;

fn fixture() -> Fixture {
    let f = Fixture::new();
    f.write("setup.cfg", SETUP_CFG);
    f.write(
        "setup.py",
        "import setuptools\nsetuptools.setup(pbr=True)\n",
    );
    f.write("proj/__init__.py", "");
    f.write("proj/cmd/__init__.py", "");
    f.write("proj/cmd/api.py", "def main():\n    pass\n");
    f.write("requirements.txt", REQUIREMENTS);
    f.write(".gitreview", "[gerrit]\nhost=review.example.org\n");
    f.write(
        ".mailmap",
        "Ada Author <ada@example.org> <ada@old.example.org>\n",
    );
    commit_as(&f, ("ada", "ada@old.example.org"), T0, "Initial commit");
    commit_as(
        &f,
        ("Bob Builder", "bob@example.org"),
        T0 + 100,
        "Add the_thing and *stars* with `code`.",
    );
    f.tag("0.9.0");
    f.tag("0.9-eol"); // "0.9.eol" is not a version for pbr: no heading of its own
    f.git(&["checkout", "-q", "-b", "feature"]);
    f.write("proj/feature.py", "X = 1\n");
    // Committed after "Fix bug" below: git log orders by committer date, not by branch.
    commit_as(
        &f,
        ("Carol Coder", "carol@example.org"),
        T0 + 350,
        "Feature work\n\nCo-authored-by: Dan Dev <dan@example.org>\n",
    );
    f.git(&["checkout", "-q", "main"]);
    f.write("proj/fix.py", "Y = 2\n");
    commit_as(
        &f,
        ("Jenkins", "jenkins@review.openstack.org"),
        T0 + 300,
        "Fix bug",
    );
    git_as(
        &f,
        ("Zuul", "zuul@review.opendev.org"),
        T0 + 400,
        &[
            "merge",
            "-q",
            "--no-ff",
            "feature",
            "-m",
            "Merge \"Feature work\"",
        ],
    );
    commit_as(
        &f,
        ("Ada Author", "ada@example.org"),
        T0 + 500,
        "Release 1.0",
    );
    f.tag("1.0.0.0rc1");
    f.tag("1.0.0");
    // After the tag: a .mailmap that would rename Bob, were the branch head's file read.
    f.write(".mailmap", "Robert Builder <bob@example.org>\n");
    commit_as(
        &f,
        ("Ada Author", "ada@example.org"),
        T0 + 600,
        "Rename Bob",
    );
    f
}

fn requires_txt() -> String {
    "pbr>=2.0.0\nrequests!=2.1.0,>=2.0\npyroute2>=0.5\n".into()
}

fn pkg_info() -> String {
    "Metadata-Version: 2.1\nName: proj\nVersion: 1.0.0\nSummary: A project\nRequires-Dist: pbr>=2.0.0\nRequires-Dist: requests!=2.1.0,>=2.0\nRequires-Dist: pyroute2>=0.5\n\nlong description\n".into()
}

/// The sdist as pbr writes it, with `edit(name, bytes)` applied to each generated file.
fn sdist(f: &Fixture, edit: &dyn Fn(&str, String) -> String) -> PathBuf {
    let tree = f.extract(&f.archive("1.0.0", "proj-1.0.0", "tar", "git.tar"));
    let d = tree.join("proj-1.0.0");
    fs::remove_file(d.join(".gitreview")).unwrap();
    fs::create_dir(d.join("proj.egg-info")).unwrap();
    let commit = f.rev("1.0.0^{commit}");
    let files: Vec<(&str, String)> = vec![
        ("PKG-INFO", pkg_info()),
        ("proj.egg-info/PKG-INFO", pkg_info()),
        ("proj.egg-info/requires.txt", requires_txt()),
        (
            "proj.egg-info/entry_points.txt",
            "[console_scripts]\nproj-api = proj.cmd.api:main\n\n".into(),
        ),
        ("proj.egg-info/top_level.txt", "proj\n".into()),
        ("proj.egg-info/dependency_links.txt", "\n".into()),
        ("proj.egg-info/not-zip-safe", "\n".into()),
        (
            "proj.egg-info/pbr.json",
            format!("{{\"git_version\": \"{}\", \"is_release\": true}}", &commit[..9]),
        ),
        (
            "proj.egg-info/SOURCES.txt",
            "AUTHORS\nChangeLog\nsetup.cfg\nsetup.py\nproj/__init__.py\nproj.egg-info/PKG-INFO\nproj.egg-info/SOURCES.txt\n".into(),
        ),
        ("AUTHORS", AUTHORS.into()),
        ("ChangeLog", CHANGELOG.into()),
        ("setup.cfg", SETUP_CFG_SDIST.into()),
    ];
    for (name, content) in files {
        fs::write(d.join(name), edit(name, content)).unwrap();
    }
    f.pack(&tree, "proj-1.0.0", "pax", "proj-1.0.0.tar.gz")
}

fn check(f: &Fixture, t: &std::path::Path) -> Run {
    f.check(t, &["--tag", "1.0.0", "--profile", "pbr"])
}

/// Must show: a clean pbr sdist passes with an empty trust surface; ChangeLog and AUTHORS are
/// byte-identical to what tarseal regenerated (so `reproduced`).
#[test]
fn clean_pbr_sdist_has_an_empty_trust_surface() {
    let f = fixture();
    let t = sdist(&f, &|_, c| c);
    let r = check(&f, &t);
    r.assert_report(0, "pass");
    assert_eq!(
        r.json["trust_surface"]["paths"],
        serde_json::json!([]),
        "{r}"
    );
    assert_eq!(r.json["trust_surface"]["files"], 0, "{r}");
    for (path, how) in [
        ("ChangeLog", "reproduced"),
        ("AUTHORS", "reproduced"),
        ("proj.egg-info/pbr.json", "reproduced"),
        ("proj.egg-info/dependency_links.txt", "reproduced"),
        ("proj.egg-info/not-zip-safe", "reproduced"),
        ("proj.egg-info/entry_points.txt", "content-check"),
        ("proj.egg-info/requires.txt", "content-check"),
        ("proj.egg-info/top_level.txt", "content-check"),
        ("proj.egg-info/SOURCES.txt", "content-check"),
        ("PKG-INFO", "content-check"),
        ("proj.egg-info/PKG-INFO", "content-check"),
    ] {
        assert_eq!(r.finding(path, "extra")["vouched_by"], how, "{path}\n{r}");
    }
    assert_eq!(
        r.finding("setup.cfg", "modified")["vouched_by"],
        "content-check"
    );
    assert_eq!(r.finding(".gitreview", "missing")["vouched_by"], "git");
    assert!(
        r.text
            .ends_with("trust surface: 0 files, 0 bytes accepted by name only\n"),
        "{r}"
    );
}

/// Asserts exit 1 with `path` the (only) unexpected finding, its reason containing `why`.
fn assert_rejected(r: &Run, path: &str, why: &str) {
    r.assert_report(1, "fail");
    let bad: Vec<&str> = r
        .findings()
        .iter()
        .filter(|x| x["judgement"] != "allowed")
        .map(|x| x["path"].as_str().unwrap())
        .collect();
    assert!(bad.contains(&path), "{path} must be named\n{r}");
    let fd = r.finding(path, "extra");
    assert_eq!(fd["judgement"], "unexpected", "{r}");
    assert!(fd["vouched_by"].is_null(), "{r}");
    assert!(
        fd["reason"].as_str().unwrap().contains(why),
        "the reason names {why:?}\n{r}"
    );
    assert!(r.text.contains(path), "{r}");
}

/// Must show: one console script added to entry_points.txt → exit 1.
#[test]
fn console_script_added_to_entry_points_is_rejected() {
    let f = fixture();
    let t = sdist(&f, &|n, c| {
        if n.ends_with("entry_points.txt") {
            c.replace("proj-api =", "evil = os:system\nproj-api =")
        } else {
            c
        }
    });
    assert_rejected(
        &check(&f, &t),
        "proj.egg-info/entry_points.txt",
        "evil = os:system",
    );
}

#[test]
fn extra_dependency_in_requires_txt_is_rejected() {
    let f = fixture();
    let t = sdist(&f, &|n, c| {
        if n.ends_with("requires.txt") {
            format!("{c}evil-helper>=1.0\n")
        } else {
            c
        }
    });
    assert_rejected(&check(&f, &t), "proj.egg-info/requires.txt", "evil-helper");
}

#[test]
fn swapped_dependency_in_pkg_info_is_rejected() {
    let f = fixture();
    let t = sdist(&f, &|n, c| {
        if n == "PKG-INFO" {
            c.replace(
                "Requires-Dist: requests!=2.1.0,>=2.0",
                "Requires-Dist: reqeusts>=2.0",
            )
        } else {
            c
        }
    });
    let r = check(&f, &t);
    assert_rejected(&r, "PKG-INFO", "reqeusts");
    // The egg-info copy is no longer the same file either.
    assert_eq!(
        r.finding("proj.egg-info/PKG-INFO", "extra")["judgement"],
        "unexpected",
        "{r}"
    );
}

#[test]
fn fake_changelog_line_is_rejected() {
    let f = fixture();
    let t = sdist(&f, &|n, c| {
        if n == "ChangeLog" {
            c.replace("* Fix bug\n", "* Fix bug\n* Harmless cleanup\n")
        } else {
            c
        }
    });
    assert_rejected(&check(&f, &t), "ChangeLog", "Harmless cleanup");
}

#[test]
fn authors_from_the_branch_heads_mailmap_is_rejected() {
    let f = fixture();
    let t = sdist(&f, &|n, c| {
        if n == "AUTHORS" {
            c.replace("Bob Builder", "Robert Builder")
        } else {
            c
        }
    });
    assert_rejected(&check(&f, &t), "AUTHORS", "Robert Builder");
}

#[test]
fn pbr_json_of_another_commit_is_rejected() {
    let f = fixture();
    let other = f.rev("0.9.0^{commit}");
    let t = sdist(&f, &|n, c| {
        if n.ends_with("pbr.json") {
            format!(
                "{{\"git_version\": \"{}\", \"is_release\": true}}",
                &other[..7]
            )
        } else {
            c
        }
    });
    assert_rejected(
        &check(&f, &t),
        "proj.egg-info/pbr.json",
        "not the checked commit",
    );
}

#[test]
fn unknown_top_level_package_is_rejected() {
    let f = fixture();
    let t = sdist(&f, &|n, c| {
        if n.ends_with("top_level.txt") {
            format!("{c}sitecustomize\n")
        } else {
            c
        }
    });
    assert_rejected(
        &check(&f, &t),
        "proj.egg-info/top_level.txt",
        "sitecustomize",
    );
}
