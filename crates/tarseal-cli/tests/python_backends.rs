//! sdists made by the real PEP 517 backends (`python3 -m build --sdist --no-isolation`, the
//! backends installed from PyPI by .ci/run): each is checked without `--profile` (auto picks
//! the backend from the tag's pyproject.toml), passes clean, and fails once a file is
//! changed. Skipped with a NOTICE where the backend is not installed, a failure under CI.

mod common;

use common::{run_ok, Fixture};
use std::fs;
use std::process::Command;

/// Whether `python3` can import every module; under CI a missing one is a failure.
fn have(modules: &[&str]) -> bool {
    let ok = Command::new("python3")
        .arg("-c")
        .arg(format!("import {}", modules.join(", ")))
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI: python modules {modules:?} missing (.ci/run installs them)"
        );
        eprintln!("NOTICE: python modules {modules:?} not installed; skipped");
    }
    ok
}

/// Builds the sdist in the fixture's work tree at the tag (the backend sees the git repo, as
/// hatch-vcs/setuptools-scm/pdm need) and returns its path.
fn build_sdist(f: &Fixture) -> std::path::PathBuf {
    let out = f.scratch("dist");
    run_ok(
        common::isolate(&mut Command::new("python3"))
            .args(["-m", "build", "--sdist", "--no-isolation", "--outdir"])
            .arg(&out)
            .current_dir(f.repo())
            .env("SOURCE_DATE_EPOCH", "1700000000"),
    );
    let mut sdists: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .collect();
    assert_eq!(sdists.len(), 1, "{sdists:?}");
    sdists.pop().unwrap()
}

/// Checks `sdist` clean with auto (profile `want`), then with `victim` changed: rejected.
fn clean_then_tampered(f: &Fixture, sdist: &std::path::Path, tag: &str, want: &str, victim: &str) {
    let r = f.check(sdist, &["--tag", tag]);
    r.assert_report(0, "pass");
    assert_eq!(r.json["policy"]["profile"], want, "{r}");
    let sel = r.json["policy"]["selection"].as_str().unwrap();
    assert!(sel.starts_with("auto:"), "{sel}");
    // The reason for PKG-INFO names the backend, not setuptools, for other backends.
    if want != "setuptools" {
        let reason = r.finding("PKG-INFO", "extra")["reason"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(!reason.contains("setuptools"), "{reason}");
    }
    let top = f.extract(sdist);
    let dir = fs::read_dir(&top).unwrap().next().unwrap().unwrap().path();
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let p = dir.join(victim);
    let mut bytes = fs::read(&p).unwrap();
    bytes.extend_from_slice(b"\nimport os; os.system('id')\n");
    fs::write(&p, bytes).unwrap();
    let bad = f.pack(&top, &name, "gnu", "bad.tar");
    let r = f.check(&bad, &["--tag", tag]);
    r.assert_report(1, "fail");
    assert_eq!(
        r.finding(victim, "modified")["judgement"],
        "unexpected",
        "{r}"
    );
}

#[test]
fn hatchling_with_hatch_vcs_version_file() {
    if !have(&["build", "hatchling", "hatch_vcs"]) {
        return;
    }
    let f = Fixture::new();
    f.write(
        "pyproject.toml",
        "[build-system]\nrequires = [\"hatchling\", \"hatch-vcs\"]\nbuild-backend = \"hatchling.build\"\n\n[project]\nname = \"hpkg\"\ndynamic = [\"version\"]\n\n[tool.hatch.version]\nsource = \"vcs\"\n\n[tool.hatch.build.hooks.vcs]\nversion-file = \"src/hpkg/_version.py\"\n",
    );
    f.write(
        "src/hpkg/__init__.py",
        "from ._version import __version__\n",
    );
    f.write(".gitignore", "src/hpkg/_version.py\n");
    f.write("README.md", "h\n");
    f.commit("c");
    f.tag("v2026.07.22");
    let sdist = build_sdist(&f);
    let r = f.check(&sdist, &["--tag", "v2026.07.22"]);
    // PEP 440: the tag's 2026.07.22 is PKG-INFO's 2026.7.22.
    r.assert_report(0, "pass");
    assert_eq!(
        r.finding("src/hpkg/_version.py", "extra")["judgement"],
        "allowed",
        "{r}"
    );
    clean_then_tampered(
        &f,
        &sdist,
        "v2026.07.22",
        "hatchling",
        "src/hpkg/__init__.py",
    );
}

#[test]
fn flit_core_sdist() {
    if !have(&["build", "flit_core"]) {
        return;
    }
    let f = Fixture::new();
    f.write(
        "pyproject.toml",
        "[build-system]\nrequires = [\"flit_core >=3.2\"]\nbuild-backend = \"flit_core.buildapi\"\n\n[project]\nname = \"fpkg\"\nversion = \"0.3.0\"\ndescription = \"f\"\n",
    );
    f.write("fpkg/__init__.py", "x = 1\n");
    f.write("LICENSE", "MIT\n");
    f.write("tests/test_x.py", "def test(): pass\n");
    f.commit("c");
    f.tag("0.3.0");
    let sdist = build_sdist(&f);
    clean_then_tampered(&f, &sdist, "0.3.0", "flit-core", "fpkg/__init__.py");
}

#[test]
fn pdm_backend_sdist_with_scm_version() {
    if !have(&["build", "pdm.backend"]) {
        return;
    }
    let f = Fixture::new();
    f.write(
        "pyproject.toml",
        "[build-system]\nrequires = [\"pdm-backend\"]\nbuild-backend = \"pdm.backend\"\n\n[project]\nname = \"ppkg\"\ndynamic = [\"version\"]\ndescription = \"p\"\n\n[tool.pdm.version]\nsource = \"scm\"\nwrite_to = \"ppkg/_version.py\"\nwrite_template = \"__version__ = '{}'\\n\"\n",
    );
    f.write("src/ppkg/__init__.py", "y = 2\n");
    f.write(".gitignore", "src/ppkg/_version.py\n");
    f.commit("c");
    f.tag("v1.4.0");
    let sdist = build_sdist(&f);
    clean_then_tampered(&f, &sdist, "v1.4.0", "pdm-backend", "src/ppkg/__init__.py");
}

#[test]
fn poetry_core_sdist() {
    if !have(&["build", "poetry.core"]) {
        return;
    }
    let f = Fixture::new();
    f.write(
        "pyproject.toml",
        "[build-system]\nrequires = [\"poetry-core>=1.0.0\"]\nbuild-backend = \"poetry.core.masonry.api\"\n\n[tool.poetry]\nname = \"qpkg\"\nversion = \"5.0.1\"\ndescription = \"q\"\nauthors = [\"A <a@example.org>\"]\n",
    );
    f.write("qpkg/__init__.py", "z = 3\n");
    f.write("README.md", "q\n");
    f.commit("c");
    f.tag("5.0.1");
    let sdist = build_sdist(&f);
    clean_then_tampered(&f, &sdist, "5.0.1", "poetry-core", "qpkg/__init__.py");
}

#[test]
fn setuptools_scm_sdist() {
    if !have(&["build", "setuptools", "setuptools_scm"]) {
        return;
    }
    let f = Fixture::new();
    f.write(
        "pyproject.toml",
        "[build-system]\nrequires = [\"setuptools>=64\", \"setuptools-scm>=8\"]\nbuild-backend = \"setuptools.build_meta\"\n\n[project]\nname = \"spkg\"\ndynamic = [\"version\"]\n\n[tool.setuptools_scm]\nversion_file = \"src/spkg/_version.py\"\n",
    );
    f.write("src/spkg/__init__.py", "w = 4\n");
    f.write(".gitignore", "src/spkg/_version.py\n*.egg-info/\n");
    f.commit("c");
    f.tag("v0.9.0rc1");
    let sdist = build_sdist(&f);
    clean_then_tampered(
        &f,
        &sdist,
        "v0.9.0rc1",
        "setuptools",
        "src/spkg/__init__.py",
    );
}

/// A wheel built by flit-core from the tag (`check X.whl`): pure-Python files equal the
/// tag's at the mapped path, .dist-info cross-checked; a changed module (RECORD rewritten to
/// match, or not) is rejected; a compiled extension is undecided.
#[test]
fn flit_core_wheel() {
    if !have(&["build", "flit_core"]) {
        return;
    }
    let f = Fixture::new();
    f.write(
        "pyproject.toml",
        "[build-system]\nrequires = [\"flit_core >=3.2\"]\nbuild-backend = \"flit_core.buildapi\"\n\n[project]\nname = \"wpkg\"\nversion = \"1.0.0\"\ndescription = \"w\"\n\n[project.scripts]\nwpkg = \"wpkg:main\"\n",
    );
    f.write("src/wpkg/__init__.py", "def main():\n    return 0\n");
    f.write("src/wpkg/util.py", "X = 1\n");
    f.write("LICENSE", "MIT\n");
    f.commit("c");
    f.tag("v1.0.0");
    let out = f.scratch("wheel");
    run_ok(
        common::isolate(&mut Command::new("python3"))
            .args(["-m", "build", "--wheel", "--no-isolation", "--outdir"])
            .arg(&out)
            .current_dir(f.repo()),
    );
    let whl = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".whl"))
        .expect("a wheel");
    let r = f.check(&whl, &["--tag", "v1.0.0"]);
    r.assert_report(0, "pass");
    assert_eq!(r.json["policy"]["profile"], "wheel", "{r}");
    assert!(r.json["summary"]["matched"].as_u64().unwrap() >= 2, "{r}");
    for c in ["METADATA", "WHEEL", "RECORD", "entry_points.txt"] {
        let fd = r.finding(&format!("wpkg-1.0.0.dist-info/{c}"), "extra");
        assert_eq!(fd["judgement"], "allowed", "{c}: {r}");
    }
    // Tampering: change a module, with and without rewriting RECORD to match.
    let script = |fix_record: bool, extra: &str, name: &str| -> std::path::PathBuf {
        let dest = f.scratch(name);
        let py = r#"
import zipfile, hashlib, base64, sys
src, dst, fix, extra = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4]
zin = zipfile.ZipFile(src)
files = {i.filename: zin.read(i.filename) for i in zin.infolist()}
if extra:
    files[extra] = b"\x7fELF fake"
else:
    files["wpkg/util.py"] = b"X = 1\nimport os; os.system('id')\n"
rec = [n for n in files if n.endswith(".dist-info/RECORD")][0]
if fix:
    lines = []
    for n, b in files.items():
        if n == rec:
            lines.append(n + ",,")
        else:
            h = base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
            lines.append("%s,sha256=%s,%d" % (n, h, len(b)))
    files[rec] = ("\n".join(lines) + "\n").encode()
with zipfile.ZipFile(dst, "w") as z:
    for n, b in files.items():
        z.writestr(n, b)
"#;
        run_ok(
            Command::new("python3")
                .arg("-c")
                .arg(py)
                .arg(&whl)
                .arg(&dest)
                .arg(if fix_record { "1" } else { "0" })
                .arg(extra),
        );
        dest
    };
    let bad = script(true, "", "bad1.whl");
    let r = f.check(&bad, &["--tag", "v1.0.0"]);
    r.assert_report(1, "fail");
    assert_eq!(
        r.finding("wpkg/util.py", "modified")["judgement"],
        "unexpected",
        "{r}"
    );
    let bad = script(false, "", "bad2.whl");
    let r = f.check(&bad, &["--tag", "v1.0.0"]);
    r.assert_report(1, "fail");
    let rec = r.finding("wpkg-1.0.0.dist-info/RECORD", "extra");
    assert_eq!(rec["judgement"], "unexpected", "{r}");
    // A compiled extension nobody pinned: undecided, naming it.
    let so = script(
        true,
        "wpkg/_speed.cpython-311-x86_64-linux-gnu.so",
        "ext.whl",
    );
    let r = f.check(&so, &["--tag", "v1.0.0"]);
    r.assert_report(3, "indeterminate");
    let why = r.finding("wpkg/_speed.cpython-311-x86_64-linux-gnu.so", "extra")["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(why.contains("compiled extension"), "{why}");
}

#[test]
fn maturin_sdist_with_rewritten_cargo_toml() {
    if !have(&["build", "maturin"]) {
        return;
    }
    let f = Fixture::new();
    f.write(
        "pyproject.toml",
        "[build-system]\nrequires = [\"maturin>=1.5,<2\"]\nbuild-backend = \"maturin\"\n\n[project]\nname = \"rpkg\"\nversion = \"0.4.0\"\ndescription = \"r\"\n\n[tool.maturin]\nbindings = \"bin\"\n",
    );
    // No `readme` key: maturin writes the README.md cargo detects into its Cargo.toml.
    f.write(
        "Cargo.toml",
        "[package]\nname = \"rpkg\"\nversion = \"0.4.0\"\nedition = \"2021\"\nlicense = \"MIT\"\ndescription = \"r\"\n\n[dependencies]\n",
    );
    f.write("Cargo.lock", "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 4\n\n[[package]]\nname = \"rpkg\"\nversion = \"0.4.0\"\n");
    f.write("src/main.rs", "fn main() {\n    println!(\"hi\");\n}\n");
    f.write("README.md", "r\n");
    f.write(".gitignore", "target/\n");
    f.commit("c");
    f.tag("v0.4.0");
    let sdist = build_sdist(&f);
    let r = f.check(&sdist, &["--tag", "v0.4.0"]);
    r.assert_report(0, "pass");
    let cargo = r.finding("Cargo.toml", "modified");
    assert_eq!(cargo["judgement"], "allowed", "{r}");
    assert_eq!(cargo["vouched_by"], "content-check", "{r}");
    clean_then_tampered(&f, &sdist, "v0.4.0", "maturin", "src/main.rs");
    // A dependency slipped into the rewritten Cargo.toml is not one of maturin's rewrites.
    let top = f.extract(&sdist);
    let p = top.join("rpkg-0.4.0/Cargo.toml");
    let text = fs::read_to_string(&p).unwrap();
    assert!(
        text.contains("readme"),
        "maturin no longer adds readme: {text}"
    );
    fs::write(
        &p,
        text.replace("[dependencies]", "[dependencies]\nevil = \"1\""),
    )
    .unwrap();
    let bad = f.pack(&top, "rpkg-0.4.0", "gnu", "bad-cargo.tar");
    let r = f.check(&bad, &["--tag", "v0.4.0"]);
    r.assert_report(1, "fail");
    let reason = r.finding("Cargo.toml", "modified")["reason"].to_string();
    assert!(reason.contains("dependencies.evil"), "{r}");
}

/// Rewrites `victim` (relative to the sdist's top directory) with `edit`, packs it again and
/// checks it: the report.
fn check_edited(
    f: &Fixture,
    sdist: &std::path::Path,
    tag: &str,
    victim: &str,
    edit: impl FnOnce(String) -> String,
    name: &str,
) -> common::Run {
    let top = f.extract(sdist);
    let dir = fs::read_dir(&top).unwrap().next().unwrap().unwrap().path();
    let p = dir.join(victim);
    let text = fs::read_to_string(&p).unwrap();
    let edited = edit(text.clone());
    assert_ne!(edited, text, "the edit changed nothing in {victim}");
    fs::write(&p, edited).unwrap();
    let top_name = dir.file_name().unwrap().to_string_lossy().to_string();
    let bad = f.pack(&top, &top_name, "gnu", name);
    f.check(&bad, &["--tag", tag])
}

/// A crates.io package added to a lock, with `rpkg` depending on it.
fn add_locked_dependency(lock: String) -> String {
    // rpkg is the only package with dependencies (helper).
    let lock = lock.replacen(
        "dependencies = [\n \"helper\",\n]",
        "dependencies = [\n \"evil\",\n \"helper\",\n]",
        1,
    );
    format!(
        "{lock}\n[[package]]\nname = \"evil\"\nversion = \"0.1.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{}\"\n",
        "ab".repeat(32)
    )
}

/// maturin ships the lock file: the tag's own (then a changed checksum or an added dependency
/// is a modified file), or one `cargo metadata` generated while the sdist was made (then it
/// stays in the trust surface, named, and what the tag determines is cross-checked).
#[test]
fn maturin_sdist_cargo_lock_committed_or_generated() {
    if !have(&["build", "maturin"]) {
        return;
    }
    let f = Fixture::new();
    f.write(
        "pyproject.toml",
        "[build-system]\nrequires = [\"maturin>=1.5,<2\"]\nbuild-backend = \"maturin\"\n\n[project]\nname = \"rpkg\"\nversion = \"0.4.0\"\ndescription = \"r\"\n\n[tool.maturin]\nbindings = \"bin\"\n",
    );
    f.write(
        "Cargo.toml",
        "[package]\nname = \"rpkg\"\nversion = \"0.4.0\"\nedition = \"2021\"\nlicense = \"MIT\"\ndescription = \"r\"\n\n[dependencies]\nhelper = { path = \"helper\", version = \"0.1\" }\n",
    );
    f.write(
        "helper/Cargo.toml",
        "[package]\nname = \"helper\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    f.write("helper/src/lib.rs", "pub fn h() {}\n");
    f.write("src/main.rs", "fn main() {\n    helper::h();\n}\n");
    f.write("README.md", "r\n");
    // The lock is not committed: maturin's `cargo metadata` writes it into the work tree.
    f.write(".gitignore", "target/\nCargo.lock\n");
    f.commit("c");
    f.tag("v0.4.0");
    let sdist = build_sdist(&f);
    let r = f.check(&sdist, &["--tag", "v0.4.0"]);
    r.assert_report(0, "pass");
    let lock = r.finding("Cargo.lock", "extra");
    assert_eq!(lock["judgement"], "allowed", "{r}");
    assert_eq!(lock["rule"], "profile:maturin/Cargo.lock", "{r}");
    // Nobody vouches for the pins: it stays in the trust surface, by name.
    assert_eq!(lock["vouched_by"], "name-only", "{r}");
    let paths = r.json["trust_surface"]["paths"].as_array().unwrap();
    assert!(paths.iter().any(|p| p == "Cargo.lock"), "{r}");
    let detail = lock["detail"].as_str().unwrap();
    assert!(
        detail.contains("2 local package(s)") && detail.contains("vouched for by nobody"),
        "{detail}"
    );
    // A dependency added to the generated lock is not passed.
    let r = check_edited(
        &f,
        &sdist,
        "v0.4.0",
        "Cargo.lock",
        add_locked_dependency,
        "gen-dep.tar",
    );
    r.assert_report(1, "fail");
    let fd = r.finding("Cargo.lock", "extra");
    assert_eq!(fd["judgement"], "unexpected", "{r}");
    assert!(
        fd["reason"].as_str().unwrap().contains("does not name it"),
        "{r}"
    );
    // Nor a package added that nothing depends on, nor another version of a local crate.
    let r = check_edited(
        &f,
        &sdist,
        "v0.4.0",
        "Cargo.lock",
        |l| {
            format!("{l}\n[[package]]\nname = \"stray\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{}\"\n", "cd".repeat(32))
        },
        "gen-stray.tar",
    );
    r.assert_report(1, "fail");
    assert!(
        r.finding("Cargo.lock", "extra")["reason"]
            .as_str()
            .unwrap()
            .contains("stray 1.0.0"),
        "{r}"
    );
    let r = check_edited(
        &f,
        &sdist,
        "v0.4.0",
        "Cargo.lock",
        |l| {
            l.replace(
                "name = \"helper\"\nversion = \"0.1.0\"",
                "name = \"helper\"\nversion = \"0.1.9\"",
            )
        },
        "gen-version.tar",
    );
    r.assert_report(1, "fail");

    // The same project with its lock committed: the sdist's must be the tag's bytes.
    let top = f.extract(&sdist);
    let generated = fs::read_to_string(top.join("rpkg-0.4.0/Cargo.lock")).unwrap();
    // (Committed bytes with a checksum in them; the tag moves to that commit, whose other
    // files are the sdist's.)
    let with_checksum = add_locked_dependency(generated);
    f.write("Cargo.lock", &with_checksum);
    f.git(&["add", "-f", "Cargo.lock"]);
    f.git(&["commit", "-q", "-m", "lock"]);
    f.git(&["tag", "-d", "v0.4.0"]);
    f.tag("v0.4.0");
    let r = f.check(&sdist, &["--tag", "v0.4.0"]);
    // The old sdist's lock is not the tag's now: a modified file, never accepted.
    r.assert_report(1, "fail");
    assert_eq!(
        r.finding("Cargo.lock", "modified")["judgement"],
        "unexpected",
        "{r}"
    );
    let r = check_edited(
        &f,
        &sdist,
        "v0.4.0",
        "Cargo.lock",
        |_| with_checksum.replace(&"ab".repeat(32), &format!("ff{}", "ab".repeat(31))),
        "committed-checksum.tar",
    );
    r.assert_report(1, "fail");
    assert_eq!(
        r.finding("Cargo.lock", "modified")["judgement"],
        "unexpected",
        "{r}"
    );
    // The committed bytes themselves match git.
    let r = check_edited(
        &f,
        &sdist,
        "v0.4.0",
        "Cargo.lock",
        |_| with_checksum.clone(),
        "committed-ok.tar",
    );
    r.assert_report(0, "pass");
    assert!(r.findings_at("Cargo.lock").is_empty(), "{r}");
}

#[test]
fn meson_python_sdist() {
    if !have(&["build", "mesonpy"]) {
        return;
    }
    let f = Fixture::new();
    f.write(
        "pyproject.toml",
        "[build-system]\nrequires = [\"meson-python\"]\nbuild-backend = \"mesonpy\"\n\n[project]\nname = \"mpkg\"\nversion = \"1.2.0\"\ndescription = \"m\"\n",
    );
    f.write(
        "meson.build",
        "project('mpkg', version: '1.2.0')\npy = import('python').find_installation()\npy.install_sources('mpkg/__init__.py', subdir: 'mpkg')\n",
    );
    f.write("mpkg/__init__.py", "x = 1\n");
    f.write("README.md", "m\n");
    f.commit("c");
    f.tag("v1.2.0");
    let sdist = build_sdist(&f);
    clean_then_tampered(&f, &sdist, "v1.2.0", "meson-python", "mpkg/__init__.py");
}

#[test]
fn scikit_build_core_sdist() {
    if !have(&["build", "scikit_build_core"]) {
        return;
    }
    let f = Fixture::new();
    f.write(
        "pyproject.toml",
        "[build-system]\nrequires = [\"scikit-build-core\"]\nbuild-backend = \"scikit_build_core.build\"\n\n[project]\nname = \"skpkg\"\nversion = \"2.1.0\"\ndescription = \"s\"\n",
    );
    f.write(
        "CMakeLists.txt",
        "cmake_minimum_required(VERSION 3.15)\nproject(skpkg LANGUAGES C)\ninstall(FILES src/skpkg/__init__.py DESTINATION skpkg)\n",
    );
    f.write("src/skpkg/__init__.py", "x = 1\n");
    f.write("README.md", "s\n");
    f.commit("c");
    f.tag("v2.1.0");
    let sdist = build_sdist(&f);
    clean_then_tampered(
        &f,
        &sdist,
        "v2.1.0",
        "scikit-build-core",
        "src/skpkg/__init__.py",
    );
}

/// meson-python stores every symlink of meson dist's archive as its target's bytes and leaves
/// out the links with no file behind them (meson-python 0.18.0's own sdist lacks
/// `tests/packages/symlinks/baz.py -> /__init__.py` and `qux.py -> ../__init__.py`): those
/// absences are vouched for by git's side alone; dropping a link that does resolve is not.
#[test]
fn meson_python_drops_unresolvable_symlinks() {
    if !have(&["build", "mesonpy"]) {
        return;
    }
    let f = Fixture::new();
    f.write(
        "pyproject.toml",
        "[build-system]\nrequires = [\"meson-python\"]\nbuild-backend = \"mesonpy\"\n\n[project]\nname = \"lpkg\"\nversion = \"0.3.0\"\ndescription = \"l\"\n",
    );
    f.write(
        "meson.build",
        "project('lpkg', version: '0.3.0')\npy = import('python').find_installation()\npy.install_sources('lpkg/__init__.py', subdir: 'lpkg')\n",
    );
    f.write("lpkg/__init__.py", "x = 1\n");
    f.write("lpkg/data/a.txt", "a\n");
    f.symlink("lpkg/abs.py", "/__init__.py");
    f.symlink("lpkg/gone.py", "../missing.py");
    f.symlink("lpkg/dirlink", "data");
    f.symlink("lpkg/same.py", "__init__.py");
    f.commit("c");
    f.tag("v0.3.0");
    let sdist = build_sdist(&f);
    let r = f.check(&sdist, &["--tag", "v0.3.0"]);
    r.assert_report(0, "pass");
    assert_eq!(r.json["policy"]["profile"], "meson-python", "{r}");
    for p in ["lpkg/abs.py", "lpkg/gone.py", "lpkg/dirlink"] {
        let m = r.finding(p, "missing");
        assert_eq!(m["judgement"], "allowed", "{r}");
        assert_eq!(m["vouched_by"], "git", "{r}");
        assert!(
            m["detail"]
                .as_str()
                .unwrap()
                .contains("resolves to no file"),
            "{r}"
        );
    }
    // The resolvable link is stored as its target's bytes.
    assert_eq!(
        r.finding("lpkg/same.py", "type")["judgement"],
        "allowed",
        "{r}"
    );

    // A release that leaves out the link that resolves drops content: unexpected.
    let top = f.extract(&sdist);
    let dir = fs::read_dir(&top).unwrap().next().unwrap().unwrap().path();
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    fs::remove_file(dir.join("lpkg/same.py")).unwrap();
    let bad = f.pack(&top, &name, "gnu", "dropped.tar");
    let r = f.check(&bad, &["--tag", "v0.3.0"]);
    r.assert_report(1, "fail");
    let m = r.finding("lpkg/same.py", "missing");
    assert_eq!(m["judgement"], "unexpected", "{r}");
    assert!(
        m["reason"]
            .as_str()
            .unwrap()
            .contains("resolves to a file of the tag's tree")
            || r.to_string()
                .contains("resolves to a file of the tag's tree"),
        "{r}"
    );
    // A tracked file still may not go missing.
    let top = f.extract(&sdist);
    let dir = fs::read_dir(&top).unwrap().next().unwrap().unwrap().path();
    fs::remove_file(dir.join("lpkg/data/a.txt")).unwrap();
    let bad = f.pack(&top, &name, "gnu", "dropped-file.tar");
    let r = f.check(&bad, &["--tag", "v0.3.0"]);
    r.assert_report(1, "fail");
    assert_eq!(
        r.finding("lpkg/data/a.txt", "missing")["judgement"],
        "unexpected",
        "{r}"
    );
}

/// An in-tree backend wrapping scikit-build-core (cmake-python-distributions 4.1.0:
/// `build-backend = "backend"`, `backend-path = ["_build_backend"]`): auto picks
/// scikit-build-core from build-system.requires, not git-archive.
#[test]
fn scikit_build_core_behind_an_in_tree_backend() {
    if !have(&["build", "scikit_build_core"]) {
        return;
    }
    let f = Fixture::new();
    f.write(
        "pyproject.toml",
        "[build-system]\nrequires = [\"scikit-build-core\"]\nbuild-backend = \"backend\"\nbackend-path = [\"_build_backend\"]\n\n[project]\nname = \"wpkg\"\nversion = \"4.1.0\"\ndescription = \"w\"\n",
    );
    f.write(
        "_build_backend/backend.py",
        "from scikit_build_core.build import *  # noqa: F403\n",
    );
    f.write(
        "CMakeLists.txt",
        "cmake_minimum_required(VERSION 3.15)\nproject(wpkg LANGUAGES NONE)\ninstall(FILES src/wpkg/__init__.py DESTINATION wpkg)\n",
    );
    f.write("src/wpkg/__init__.py", "x = 1\n");
    f.write("README.md", "w\n");
    f.commit("c");
    f.tag("4.1.0");
    let sdist = build_sdist(&f);
    let r = f.check(&sdist, &["--tag", "4.1.0"]);
    let why = r.json["policy"]["selection"].as_str().unwrap();
    assert!(why.contains("in-tree"), "{why}");
    clean_then_tampered(
        &f,
        &sdist,
        "4.1.0",
        "scikit-build-core",
        "src/wpkg/__init__.py",
    );
}
