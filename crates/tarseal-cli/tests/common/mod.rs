//! Helpers for the end-to-end tests of `tarseal check`: isolated git repositories made with the
//! git CLI, archives made with the real tools (git archive, GNU tar, zip, xz, bzip2, zstd,
//! Python's `tarfile` for hostile headers), and a runner that drives the real binary and parses
//! its `tarseal.report/v2` JSON.

#![allow(dead_code)]

pub mod cosign;
pub mod gpg;
pub mod logserve;

use serde_json::Value;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tempfile::TempDir;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_tarseal");

/// A fixed author/committer date with a non-UTC offset (so `%ad` has something to get wrong).
pub const GIT_DATE: &str = "1700000000 +0130";

/// Applies the isolated git environment: no user or system config, fixed identities and dates.
pub fn isolate(cmd: &mut Command) -> &mut Command {
    cmd.env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_OBJECT_DIRECTORY")
        .env("GIT_AUTHOR_NAME", "Ada Author")
        .env("GIT_AUTHOR_EMAIL", "ada@example.org")
        .env("GIT_AUTHOR_DATE", GIT_DATE)
        .env("GIT_COMMITTER_NAME", "Carl Committer")
        .env("GIT_COMMITTER_EMAIL", "carl@example.org")
        .env("GIT_COMMITTER_DATE", GIT_DATE)
        .env("LC_ALL", "C")
        .env("TZ", "UTC")
}

/// Runs a command, panics with its output when it fails, returns stdout (the testkit's
/// checked runner).
pub use tarseal_testkit::run_ok;

/// A temporary area with a git repository at `repo/` and room for archives and trees.
pub struct Fixture {
    pub dir: TempDir,
    counter: std::cell::Cell<u32>,
}

impl Fixture {
    /// An empty SHA-1 repository on branch `main`.
    pub fn new() -> Fixture {
        Self::init(&[])
    }

    /// An empty SHA-256 repository.
    pub fn new_sha256() -> Fixture {
        Self::init(&["--object-format=sha256"])
    }

    fn init(extra: &[&str]) -> Fixture {
        let f = Fixture {
            dir: tempfile::Builder::new()
                .prefix("tarseal-e2e-")
                .tempdir()
                .unwrap(),
            counter: std::cell::Cell::new(0),
        };
        fs::create_dir(f.repo()).unwrap();
        let mut args = vec!["init", "-q", "-b", "main"];
        args.extend_from_slice(extra);
        f.git(&args);
        f
    }

    /// The standard small project: a text file, a C source, an executable script, a symlink,
    /// a nested file and an empty file; committed and tagged `v1.0` (annotated).
    pub fn standard() -> Fixture {
        let f = Fixture::new();
        f.populate_standard();
        f.commit("initial");
        f.tag("v1.0");
        f
    }

    /// Writes the standard project's files into the work tree (no commit).
    pub fn populate_standard(&self) {
        self.write("README", "hello, world\n");
        self.write("src/main.c", "int main(void) { return 0; }\n");
        self.write_exec("bin/run.sh", "#!/bin/sh\necho run\n");
        self.symlink("link", "README");
        self.write("docs/dir/a.txt", "a\n");
        self.write("empty.txt", "");
    }

    pub fn repo(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    /// A fresh, unique path in the scratch area (not created).
    pub fn scratch(&self, name: &str) -> PathBuf {
        let n = self.counter.get() + 1;
        self.counter.set(n);
        self.dir.path().join(format!("s{n}-{name}"))
    }

    /// Runs git in the repository; returns trimmed stdout.
    pub fn git(&self, args: &[&str]) -> String {
        let out = run_ok(isolate(
            Command::new("git").args(args).current_dir(self.repo()),
        ));
        String::from_utf8_lossy(&out).trim().to_string()
    }

    /// Runs git with raw stdout (for `git show`, `git archive` to stdout).
    pub fn git_raw(&self, args: &[&str]) -> Vec<u8> {
        run_ok(isolate(
            Command::new("git").args(args).current_dir(self.repo()),
        ))
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        write_file(&self.repo().join(rel), content.as_ref(), 0o644);
    }

    pub fn write_exec(&self, rel: &str, content: impl AsRef<[u8]>) {
        write_file(&self.repo().join(rel), content.as_ref(), 0o755);
    }

    pub fn symlink(&self, rel: &str, target: &str) {
        make_symlink(&self.repo().join(rel), target);
    }

    pub fn remove(&self, rel: &str) {
        self.git(&["rm", "-q", "-r", "--", rel]);
    }

    /// `git add -A` + commit; returns the commit id.
    pub fn commit(&self, msg: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", msg]);
        self.rev("HEAD")
    }

    /// An annotated tag of HEAD (`git tag -a NAME -m NAME`).
    pub fn tag(&self, name: &str) {
        self.git(&["tag", "-a", name, "-m", name]);
    }

    pub fn rev(&self, rev: &str) -> String {
        self.git(&["rev-parse", rev])
    }

    /// `git archive --format=FORMAT --prefix=PREFIX -o OUT REV`. `prefix` without the slash
    /// (empty for none).
    pub fn archive(&self, rev: &str, prefix: &str, format: &str, name: &str) -> PathBuf {
        let out = self.scratch(name);
        let p = if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        };
        self.git(&[
            "archive",
            &format!("--format={format}"),
            &format!("--prefix={p}"),
            "-o",
            out.to_str().unwrap(),
            rev,
        ]);
        out
    }

    /// `git archive --format=tar --prefix=proj-1.0/ v1.0`.
    pub fn tar_v1(&self) -> PathBuf {
        self.archive("v1.0", "proj-1.0", "tar", "proj-1.0.tar")
    }

    /// Extracts an archive (tar in any compression GNU tar knows) into a new directory and
    /// returns it; the archive's top-level directory lies inside.
    pub fn extract(&self, archive: &Path) -> PathBuf {
        let dir = self.scratch("tree");
        fs::create_dir(&dir).unwrap();
        run_ok(
            Command::new("tar")
                .args(["--no-same-owner", "-p", "-xf"])
                .arg(archive)
                .arg("-C")
                .arg(&dir),
        );
        dir
    }

    /// `git archive` of `v1.0` with prefix `proj-1.0/`, extracted; returns the directory
    /// holding `proj-1.0/`.
    pub fn extract_v1(&self) -> PathBuf {
        let t = self.tar_v1();
        self.extract(&t)
    }

    /// Packs `parent/top` with GNU tar (`--format=FORMAT`, owner 0, sorted names).
    pub fn pack(&self, parent: &Path, top: &str, format: &str, name: &str) -> PathBuf {
        let out = self.scratch(name);
        run_ok(
            Command::new("tar")
                .args([
                    "--owner=0",
                    "--group=0",
                    "--numeric-owner",
                    "--sort=name",
                    &format!("--format={format}"),
                    "-C",
                ])
                .arg(parent)
                .arg("-cf")
                .arg(&out)
                .arg(top),
        );
        out
    }

    /// Runs a Python `tarfile` script (see [`PY_PRELUDE`]) writing an uncompressed tar to a
    /// new path, optionally copying from the tar `base`; returns the output path.
    pub fn py_tar(&self, base: Option<&Path>, body: &str, name: &str) -> PathBuf {
        let out = self.scratch(name);
        let script = format!("{PY_PRELUDE}\n{body}\nfinish()\n");
        let mut cmd = Command::new("python3");
        cmd.arg("-c").arg(script).arg(&out);
        if let Some(b) = base {
            cmd.arg(b);
        }
        run_ok(&mut cmd);
        out
    }

    /// Writes a policy file in the scratch area.
    pub fn policy_file(&self, toml: &str) -> PathBuf {
        let p = self.scratch("policy.toml");
        fs::write(&p, toml).unwrap();
        p
    }

    /// Runs `tarseal check ARCHIVE --repo REPO ARGS...` as JSON and as text.
    pub fn check(&self, archive: &Path, args: &[&str]) -> Run {
        check_in(&self.repo(), archive, args)
    }
}

/// Runs `tarseal check ARCHIVE --repo REPO ARGS...` twice: with `--format json` and with the
/// default text output. Asserts that both exit alike and that nothing panicked.
///
/// The content tests use unsigned tags: unless `args` name `--keyring` or
/// `--allow-unsigned`, `--allow-unsigned` is added.
pub fn check_in(repo: &Path, archive: &Path, args: &[&str]) -> Run {
    let sig_args: &[&str] = if args
        .iter()
        .any(|a| *a == "--keyring" || *a == "--allow-unsigned")
    {
        &[]
    } else {
        &["--allow-unsigned"]
    };
    let run = |format: &str| {
        let out = Command::new(BIN)
            .arg("check")
            .arg(archive)
            .arg("--repo")
            .arg(repo)
            .args(sig_args)
            .args(args)
            .args(["--format", format])
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .expect("run tarseal");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = run("json");
    let (text_code, text, text_stderr) = run("text");
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    let r = Run {
        args: format!("{} {args:?}", archive.display()),
        code,
        stdout,
        stderr,
        json,
        text,
        text_stderr,
    };
    r.assert_no_panic();
    assert_eq!(
        code, text_code,
        "json and text runs disagree on the exit code\n{r}"
    );
    r
}

/// What one `tarseal check` produced.
pub struct Run {
    pub args: String,
    pub code: i32,
    /// stdout of the JSON run.
    pub stdout: String,
    /// stderr of the JSON run.
    pub stderr: String,
    /// The parsed JSON (`Null` when stdout was not JSON).
    pub json: Value,
    /// stdout of the text run.
    pub text: String,
    /// stderr of the text run.
    pub text_stderr: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "tarseal check {}\nexit {}\n--- json stdout ---\n{}\n--- json stderr ---\n{}\n--- text stdout ---\n{}\n--- text stderr ---\n{}",
            self.args, self.code, self.stdout, self.stderr, self.text, self.text_stderr
        )
    }
}

impl Run {
    pub fn assert_no_panic(&self) {
        for s in [&self.stderr, &self.text_stderr] {
            assert!(
                !s.contains("panicked") && !s.contains("RUST_BACKTRACE"),
                "tarseal panicked\n{self}"
            );
        }
    }

    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "unexpected exit code\n{self}");
        self
    }

    /// The report's verdict (`pass`, `fail`, `indeterminate`; `error`/`fail` for error JSON).
    pub fn verdict(&self) -> &str {
        self.json["verdict"].as_str().unwrap_or("")
    }

    /// Asserts a full report (schema `tarseal.report/v2`) with this verdict and exit code.
    pub fn assert_report(&self, code: i32, verdict: &str) -> &Self {
        self.assert_code(code);
        assert_eq!(
            self.json["schema"], "tarseal.report/v2",
            "not a report\n{self}"
        );
        assert_eq!(self.verdict(), verdict, "verdict\n{self}");
        self
    }

    pub fn findings(&self) -> Vec<&Value> {
        self.json["findings"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    }

    /// Asserts a clean pass: exit 0, verdict pass, no findings, no failed cross-check.
    pub fn assert_clean_pass(&self) -> &Self {
        self.assert_report(0, "pass");
        assert!(self.findings().is_empty(), "expected no findings\n{self}");
        for c in self.cross_checks() {
            assert_eq!(c["status"], "ok", "cross-check failed\n{self}");
        }
        assert!(self.text.contains("verdict  PASS"), "text verdict\n{self}");
        assert_eq!(
            self.json["trust_surface"],
            serde_json::json!({"files": 0, "bytes": 0, "paths": []}),
            "a clean pass has an empty trust surface\n{self}"
        );
        assert_eq!(
            self.text.lines().last(),
            Some("trust surface: 0 files, 0 bytes accepted by name only"),
            "the text report ends with the trust surface\n{self}"
        );
        self
    }

    /// The findings at `path`.
    pub fn findings_at(&self, path: &str) -> Vec<&Value> {
        self.findings()
            .into_iter()
            .filter(|f| f["path"] == path)
            .collect()
    }

    /// The single finding at `path` with `class` (panics when there is not exactly one).
    pub fn finding(&self, path: &str, class: &str) -> &Value {
        let v: Vec<&Value> = self
            .findings()
            .into_iter()
            .filter(|f| f["path"] == path && f["class"] == class)
            .collect();
        assert_eq!(
            v.len(),
            1,
            "expected exactly one {class} finding at {path:?}\n{self}"
        );
        v[0]
    }

    /// The finding at `path` for hostile problem `problem`.
    pub fn hostile(&self, path: &str, problem: &str) -> &Value {
        let v: Vec<&Value> = self
            .findings()
            .into_iter()
            .filter(|f| f["path"] == path && f["class"] == "hostile" && f["problem"] == problem)
            .collect();
        assert_eq!(
            v.len(),
            1,
            "expected exactly one hostile {problem} finding at {path:?}\n{self}"
        );
        v[0]
    }

    /// Asserts that the report holds exactly these findings as (path, class, judgement),
    /// in any order.
    pub fn assert_findings(&self, want: &[(&str, &str, &str)]) -> &Self {
        let mut got: Vec<(String, String, String)> = self
            .findings()
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap_or("?").to_string(),
                    f["class"].as_str().unwrap_or("?").to_string(),
                    f["judgement"].as_str().unwrap_or("?").to_string(),
                )
            })
            .collect();
        let mut want: Vec<(String, String, String)> = want
            .iter()
            .map(|(p, c, j)| (p.to_string(), c.to_string(), j.to_string()))
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "findings differ\n{self}");
        self
    }

    /// Asserts that every finding is at one of `paths` (no collateral noise elsewhere).
    pub fn assert_paths_only(&self, paths: &[&str]) -> &Self {
        for f in self.findings() {
            let p = f["path"].as_str().unwrap_or("?");
            assert!(
                paths.contains(&p),
                "unexpected finding at {p:?} (expected only {paths:?})\n{self}"
            );
        }
        self
    }

    pub fn cross_checks(&self) -> Vec<&Value> {
        self.json["cross_checks"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    }

    /// The cross-check whose name starts with `name`.
    pub fn cross_check(&self, name: &str) -> &Value {
        self.cross_checks()
            .into_iter()
            .find(|c| c["name"].as_str().is_some_and(|n| n.starts_with(name)))
            .unwrap_or_else(|| panic!("no cross-check {name}\n{self}"))
    }

    /// Asserts that the text output mentions `s`.
    pub fn assert_text_mentions(&self, s: &str) -> &Self {
        assert!(
            self.text.contains(s),
            "text output does not mention {s:?}\n{self}"
        );
        self
    }

    /// Asserts that stderr (of both runs) mentions `s`.
    pub fn assert_stderr_mentions(&self, s: &str) -> &Self {
        assert!(
            self.stderr.contains(s) && self.text_stderr.contains(s),
            "stderr does not mention {s:?}\n{self}"
        );
        self
    }

    /// The notes of the report.
    pub fn notes(&self) -> Vec<&str> {
        self.json["notes"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }
}

/// Writes a file (creating parents) with permission bits `mode`.
pub fn write_file(path: &Path, content: &[u8], mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    if let Some(p) = path.parent() {
        fs::create_dir_all(p).unwrap();
    }
    if fs::symlink_metadata(path).is_ok() {
        fs::remove_file(path).unwrap();
    }
    fs::write(path, content).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// Makes a symlink (creating parents, replacing what was there).
pub fn make_symlink(path: &Path, target: &str) {
    if let Some(p) = path.parent() {
        fs::create_dir_all(p).unwrap();
    }
    if fs::symlink_metadata(path).is_ok() {
        fs::remove_file(path).unwrap();
    }
    std::os::unix::fs::symlink(target, path).unwrap();
}

/// Compresses `src` with `tool` (`gzip`, `xz`, `bzip2`, `zstd`) into `src.EXT`.
pub fn compress(src: &Path, tool: &str) -> PathBuf {
    let ext = match tool {
        "gzip" => "gz",
        "xz" => "xz",
        "bzip2" => "bz2",
        "zstd" => "zst",
        other => panic!("unknown compressor {other}"),
    };
    let out = PathBuf::from(format!("{}.{ext}", src.display()));
    let file = fs::File::create(&out).unwrap();
    let mut cmd = Command::new(tool);
    cmd.arg("-c");
    if tool == "zstd" {
        cmd.arg("-q");
    }
    let status = cmd
        .arg(src)
        .stdout(file)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
    assert!(status.success(), "{tool} failed");
    out
}

/// Copies `src` to `dst` (a new name, e.g. `.crate` or `.tgz`).
pub fn copy_as(src: &Path, name: &str) -> PathBuf {
    let dst = src.with_file_name(name);
    fs::copy(src, &dst).unwrap();
    dst
}

/// Appends bytes to a file.
pub fn append(path: &Path, bytes: &[u8]) {
    let mut f = fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(bytes).unwrap();
}

/// Deterministic pseudo-random bytes (incompressible enough to make truncation bite).
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// SHA-256 hex of bytes, through `sha256sum` (no hashing crate in this package).
pub fn sha256_hex(bytes: &[u8]) -> String {
    let mut child = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout)[..64].to_string()
}

/// Python prelude for hostile tars. `sys.argv[1]` is the output, `sys.argv[2]` an optional
/// base tar whose members (and pax global header) `copy_all()` copies.
///
/// Helpers: `file(name, data, mode)`, `dir(name)`, `symlink(name, target)`,
/// `hardlink(name, target)`, `node(name, type)`, `raw(tarinfo, data)`, `copy_all(skip=...)`.
pub const PY_PRELUDE: &str = r#"
import sys, tarfile, io
out_path = sys.argv[1]
base = tarfile.open(sys.argv[2]) if len(sys.argv) > 2 else None
tf = tarfile.open(out_path, 'w', format=tarfile.PAX_FORMAT,
                  pax_headers=(base.pax_headers if base is not None else {}))
def ti(name, type=tarfile.REGTYPE, mode=0o644, **kw):
    t = tarfile.TarInfo(name)
    t.type = type; t.mode = mode; t.uid = 0; t.gid = 0; t.uname = 'root'; t.gname = 'root'
    t.mtime = 1700000000
    for k, v in kw.items():
        setattr(t, k, v)
    return t
def raw(t, data=b''):
    if isinstance(data, str):
        data = data.encode()
    t.size = len(data)
    tf.addfile(t, io.BytesIO(data))
def file(name, data=b'', mode=0o644, **kw):
    raw(ti(name, tarfile.REGTYPE, mode, **kw), data)
def dir(name, mode=0o755):
    tf.addfile(ti(name, tarfile.DIRTYPE, mode))
def symlink(name, target):
    tf.addfile(ti(name, tarfile.SYMTYPE, 0o777, linkname=target))
def hardlink(name, target):
    tf.addfile(ti(name, tarfile.LNKTYPE, 0o644, linkname=target))
def node(name, type, mode=0o644):
    tf.addfile(ti(name, type, mode, devmajor=1, devminor=3))
def copy_all(skip=()):
    for m in base.getmembers():
        if m.name in skip:
            continue
        tf.addfile(m, base.extractfile(m) if m.isfile() else None)
def finish():
    tf.close()
"#;
