//! `tarseal check --regenerate` end to end with Debian's real autotools and bubblewrap: a small
//! libtool project is released with `make dist` in the test; the clean tarball passes with
//! every generated file reproduced, and injected variants of each kind of generated file (and
//! of a plain data file) are rejected, naming the file, with a diff excerpt.

mod common;

use common::{isolate, run_ok, BIN};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// The released fixture, made once for all tests of this file (in cargo's per-target test
/// directory, replaced on every run: a static is never dropped, so a TempDir would leak).
struct Release {
    root: PathBuf,
}

impl Release {
    fn repo(&self) -> PathBuf {
        self.root.join("repo")
    }
    fn tarball(&self) -> PathBuf {
        self.root.join("hello-1.0.tar.gz")
    }
    fn cache(&self) -> PathBuf {
        self.root.join("cache")
    }
}

/// Regenerating tests run one at a time: the first fills the regeneration cache, the others
/// reuse its runs (the injected files are not inputs, so the sandbox runs are the same).
static SERIAL: Mutex<()> = Mutex::new(());

fn tools_present() -> bool {
    let ok = [
        "autoreconf",
        "automake",
        "libtoolize",
        "bwrap",
        "make",
        "cc",
    ]
    .iter()
    .all(|t| {
        Command::new("sh")
            .args(["-c", &format!("command -v {t}")])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !ok {
        assert!(
            std::env::var("CI").is_err(),
            "CI must have autoconf, automake, libtool, bubblewrap, make and cc (.ci/run installs them)"
        );
        eprintln!("NOTICE: autotools or bubblewrap missing; regeneration tests skipped");
    }
    ok
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn release() -> &'static Release {
    static R: OnceLock<Release> = OnceLock::new();
    R.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("regenerate-fixture");
        let _ = fs::remove_dir_all(&root);
        let repo = root.join("repo");
        fs::create_dir_all(&repo).unwrap();
        write(
            &repo,
            "configure.ac",
            "AC_INIT([hello], [1.0])\nAC_CONFIG_AUX_DIR([build-aux])\nAC_CONFIG_MACRO_DIR([m4])\nAM_INIT_AUTOMAKE([foreign -Wall])\nAC_PROG_CC\nAM_PROG_AR\nLT_INIT\nAC_CONFIG_HEADERS([config.h])\nAC_CONFIG_FILES([Makefile src/Makefile])\nAC_OUTPUT\n",
        );
        write(
            &repo,
            "Makefile.am",
            "SUBDIRS = src\nACLOCAL_AMFLAGS = -I m4\nEXTRA_DIST = tests/data.txt\n",
        );
        write(
            &repo,
            "src/Makefile.am",
            "lib_LTLIBRARIES = libhello.la\nlibhello_la_SOURCES = hello.c\n",
        );
        write(
            &repo,
            "src/hello.c",
            "#include <config.h>\nint hello(void) { return 42; }\n",
        );
        write(&repo, "tests/data.txt", "test data\n");
        let git = |args: &[&str]| {
            run_ok(isolate(Command::new("git").args(args).current_dir(&repo)));
        };
        git(&["init", "-q", "-b", "main"]);
        git(&["add", "-A"]);
        git(&["commit", "-qm", "hello 1.0"]);
        git(&["tag", "-a", "v1.0", "-m", "hello 1.0"]);
        // The release as a maintainer makes it: a clean checkout, autoreconf, make dist.
        let build = root.join("build");
        run_ok(isolate(Command::new("git").args([
            "clone",
            "-q",
            repo.to_str().unwrap(),
            build.to_str().unwrap(),
        ])));
        let sh = |script: &str| {
            run_ok(
                Command::new("sh")
                    .args(["-c", script])
                    .current_dir(&build)
                    .env("LC_ALL", "C"),
            );
        };
        sh("autoreconf -fi >/dev/null 2>&1 && ./configure -q >/dev/null && make -s dist >/dev/null");
        fs::rename(build.join("hello-1.0.tar.gz"), root.join("hello-1.0.tar.gz")).unwrap();
        Release { root }
    })
}

/// Runs the must-show command line on `tarball`; returns (exit code, report).
fn check(r: &Release, tarball: &Path) -> (i32, Value) {
    let out = Command::new(BIN)
        .arg("check")
        .arg(tarball)
        .arg("--repo")
        .arg(r.repo())
        .args([
            "--tag",
            "v1.0",
            "--allow-unsigned",
            "--profile",
            "autotools",
        ])
        .args(["--regenerate", "--format", "json", "--quiet"])
        .env("XDG_CACHE_HOME", r.cache())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, v)
}

/// The release with `edit` applied to its unpacked tree, re-packed.
fn variant(r: &Release, name: &str, edit: impl FnOnce(&Path)) -> PathBuf {
    let dir = r.root.join(format!("v-{name}"));
    fs::create_dir_all(&dir).unwrap();
    run_ok(
        Command::new("tar")
            .arg("-xzf")
            .arg(r.tarball())
            .arg("-C")
            .arg(&dir),
    );
    edit(&dir.join("hello-1.0"));
    let out = r.root.join(format!("{name}.tar.gz"));
    run_ok(
        Command::new("tar")
            .arg("-czf")
            .arg(&out)
            .arg("-C")
            .arg(&dir)
            .arg("hello-1.0"),
    );
    out
}

fn finding<'a>(report: &'a Value, path: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("no finding for {path}: {report:#}"))
}

fn insert_after_first(path: &Path, anchor: &str, line: &str) {
    let text = fs::read_to_string(path).unwrap();
    let i = text.find(anchor).expect("anchor") + anchor.len();
    let nl = text[i..].find('\n').unwrap() + i + 1;
    fs::write(path, format!("{}{line}\n{}", &text[..nl], &text[nl..])).unwrap();
}

fn is_build_file(p: &str) -> bool {
    p == "configure"
        || p == "aclocal.m4"
        || p == "config.h.in"
        || p.ends_with("Makefile.in")
        || p.starts_with("build-aux/")
        || p.starts_with("m4/")
}

#[test]
fn clean_release_is_reproduced() {
    if !tools_present() {
        return;
    }
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let r = release();
    let (code, v) = check(r, &r.tarball());
    assert_eq!(code, 0, "{v:#}");
    for p in [
        "configure",
        "aclocal.m4",
        "config.h.in",
        "Makefile.in",
        "src/Makefile.in",
    ] {
        let f = finding(&v, p);
        assert_eq!(f["rule"], "regenerate:autotools", "{p}: {f:#}");
        assert!(f["reason"].as_str().unwrap().starts_with("reproduced"));
    }
    // m4 files the release ships are inputs, vouched by the known-m4 list, not by name.
    let inputs = v["regeneration"]["inputs_from_release"].as_array().unwrap();
    assert!(inputs.iter().any(|p| p == "m4/libtool.m4"), "{v:#}");
    for f in v["findings"].as_array().unwrap() {
        let p = f["path"].as_str().unwrap();
        if is_build_file(p) && f["class"] == "extra" {
            let by = f["vouched_by"].as_str().unwrap();
            if p.starts_with("m4/") {
                assert_eq!(by, "known-file", "{p}");
            } else if p.starts_with("build-aux/") {
                // Aux scripts: known upstream copies (data/known-aux.tsv), or reproduced.
                assert!(by == "known-file" || by == "reproduced", "{p}: {by}");
            } else {
                assert_eq!(by, "reproduced", "{p}");
            }
        }
    }
    let ts = &v["trust_surface"];
    for p in ts["paths"].as_array().unwrap() {
        assert!(!is_build_file(p.as_str().unwrap()), "{p} in {ts}");
    }
    // Nothing of this release is accepted by name: every byte is git's, reproduced or known.
    assert_eq!(ts["files"], 0, "{ts}");
    assert!(v["review_surface"].as_array().unwrap().is_empty());
    assert_eq!(v["regeneration"]["sandboxed"], true);
}

#[test]
fn injected_configure_and_makefile_in_are_rejected_with_a_diff() {
    if !tools_present() {
        return;
    }
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let r = release();
    let t = variant(r, "configure-makefile", |d| {
        insert_after_first(
            &d.join("configure"),
            "as_nl=",
            "eval \"$(echo ZWNobyBwd25lZAo= | base64 -d)\"",
        );
        let mk = d.join("src/Makefile.in");
        let mut text = fs::read_to_string(&mk).unwrap();
        text.push_str("\t@sh -c 'echo injected'\n");
        fs::write(mk, text).unwrap();
    });
    let (code, v) = check(r, &t);
    assert_eq!(code, 1, "{v:#}");
    for p in ["configure", "src/Makefile.in"] {
        assert_eq!(finding(&v, p)["judgement"], "unexpected", "{p}");
        assert!(finding(&v, p)["vouched_by"].is_null());
    }
    let review = v["review_surface"].as_array().unwrap();
    let paths: Vec<&str> = review.iter().map(|i| i["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["configure", "src/Makefile.in"]);
    for i in review {
        assert_eq!(i["lines"], 1, "{i:#}");
        let diff = i["diff"].as_str().unwrap();
        assert!(diff.lines().count() <= 40);
        assert!(
            diff.contains("+eval") || diff.contains("+\t@sh -c"),
            "{diff}"
        );
    }
    // Untouched generated files are still reproduced.
    assert_eq!(finding(&v, "Makefile.in")["rule"], "regenerate:autotools");
    // The text report shows the diff too.
    let out = Command::new(BIN)
        .arg("check")
        .arg(&t)
        .arg("--repo")
        .arg(r.repo())
        .args([
            "--tag",
            "v1.0",
            "--allow-unsigned",
            "--profile",
            "autotools",
        ])
        .args(["--regenerate", "--quiet"])
        .env("XDG_CACHE_HOME", r.cache())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("REVIEW SURFACE (2 files, 2 differing lines"),
        "{text}"
    );
    assert!(
        text.contains("+eval \"$(echo ZWNobyBwd25lZAo= | base64 -d)\""),
        "{text}"
    );
}

#[test]
fn each_injected_file_kind_is_rejected() {
    if !tools_present() {
        return;
    }
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let r = release();
    let cases: [(&str, &str, &str); 5] = [
        ("aclocal", "aclocal.m4", "m4_define([AM_EVIL], [rm -rf .])"),
        ("config-h-in", "config.h.in", "#undef EVIL_BACKDOOR"),
        ("ltmain", "build-aux/ltmain.sh", "eval \"$EVIL\""),
        ("m4", "m4/libtool.m4", "m4_define([LT_EVIL], [eval $x])"),
        ("data", "tests/data.txt", "\x00binary payload"),
    ];
    for (name, path, line) in cases {
        let t = variant(r, name, |d| {
            let p = d.join(path);
            let mut text = fs::read_to_string(&p).unwrap();
            text.push_str(line);
            text.push('\n');
            fs::write(p, text).unwrap();
        });
        let (code, v) = check(r, &t);
        assert_eq!(code, 1, "{name}: {v:#}");
        let f = finding(&v, path);
        assert_eq!(f["judgement"], "unexpected", "{name}: {f:#}");
        let unexpected: Vec<&str> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["judgement"] == "unexpected")
            .map(|f| f["path"].as_str().unwrap())
            .collect();
        assert_eq!(
            unexpected,
            [path],
            "{name}: only the injected file is named"
        );
    }
}

#[test]
fn snapshot_toolchain_is_indeterminate_naming_the_version() {
    if !tools_present() {
        return;
    }
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let r = release();
    let t = variant(r, "snapshot", |d| {
        let p = d.join("configure");
        let text = fs::read_to_string(&p).unwrap();
        fs::write(
            p,
            text.replace("GNU Autoconf 2.71", "GNU Autoconf 2.72a.65-d081"),
        )
        .unwrap();
    });
    let (code, v) = check(r, &t);
    assert_eq!(code, 3, "{v:#}");
    let f = finding(&v, "configure");
    assert_eq!(f["judgement"], "indeterminate");
    let reason = f["reason"].as_str().unwrap();
    assert!(reason.contains("autoconf 2.72a.65-d081"), "{reason}");
    assert!(reason.contains("the closest available is 2.72"), "{reason}");
    assert_eq!(
        v["regeneration"]["mismatches"][0]["release"],
        "2.72a.65-d081"
    );
}
