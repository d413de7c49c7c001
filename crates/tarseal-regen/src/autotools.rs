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
use crate::toolchain::{Toolchain, TOOLCHAIN_MOUNT};
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
    },
    /// Produced, but different in every strategy; the diff is from the closest one.
    Differs { strategy: String, diff: Difference },
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
if grep -q 'AM_GNU_GETTEXT_VERSION' configure.ac 2>/dev/null; then autopoint; fi
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

/// Builds the input tar (tree first, then vouched files over it).
fn input_tar(req: &Request) -> Result<Vec<u8>, std::io::Error> {
    let mut b = tar::Builder::new(Vec::new());
    let mut seen = BTreeSet::new();
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
            b.append_link(&mut h, &f.path, target)?;
        } else {
            h.set_entry_type(tar::EntryType::Regular);
            h.set_size(f.bytes.len() as u64);
            h.set_mode(if f.executable { 0o755 } else { 0o644 });
            // A fixed old time: every generated file is newer than every input, as after a
            // checkout, so no make rule decides anything from the inputs' times.
            h.set_mtime(1);
            b.append_data(&mut h, &f.path, f.bytes.as_slice())?;
        }
    }
    b.into_inner()
}

/// The environment inside: nothing of the caller's.
fn environment(toolchain: &Toolchain) -> (Vec<(String, String)>, Vec<Mount>) {
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
            for (i, d) in dirs.iter().enumerate() {
                let inside = format!("{TOOLCHAIN_MOUNT}/{i}");
                mounts.push(Mount {
                    host: d.clone(),
                    inside: inside.clone(),
                });
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
    let mut files: BTreeMap<String, FileResult> = BTreeMap::new();
    let mut runs = Vec::new();
    let libtool_same = toolchain_versions.contains_key(&Tool::Libtool)
        && rel_versions.get(&Tool::Libtool).is_some_and(|v| {
            v.iter()
                .all(|s| Some(&s.version) == toolchain_versions.get(&Tool::Libtool))
        });
    let targets: Vec<(&String, &Vec<u8>)> = req
        .release
        .iter()
        .filter(|(p, _)| !vouched.contains(p.as_str()))
        .collect();
    for (name, commands) in strategies(&req.scripts) {
        let script = format!(
            "set -e\nexec 3>&1 1>&2\nmkdir -p \"$W/src\"\ncd \"$W/src\"\ntar --no-same-owner -xf -\n{commands}\ncd \"$W/src\"\ntar -cf - --exclude=./autom4te.cache . >&3\n"
        );
        let spec = Spec {
            script,
            env: env.clone(),
            mounts: mounts.clone(),
        };
        let key = cache.map(|_| cache_key(&input, &spec, toolchain, sandbox));
        let hit = cache
            .zip(key.as_deref())
            .and_then(|(d, k)| cache_read(d, k));
        let cached = hit.is_some();
        let out = match hit {
            Some(c) => c,
            None => {
                let o = sandbox.run(&spec, &input)?;
                let c = Cached {
                    status: o.status,
                    stderr: o.stderr,
                    stdout: o.stdout,
                    elapsed: o.elapsed,
                };
                if let (Some(d), Some(k)) = (cache, key.as_deref()) {
                    cache_write(d, k, &c);
                }
                c
            }
        };
        let mut info = RunInfo {
            strategy: name.clone(),
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
            runs.push(info);
            continue;
        }
        let produced = read_output(&name, &out.stdout)?;
        for (path, release) in &targets {
            if matches!(files.get(*path), Some(FileResult::Reproduced { .. })) {
                continue;
            }
            let Some(regen) = produced.get(*path) else {
                continue;
            };
            let result = match difference(path, release, regen) {
                None => FileResult::Reproduced {
                    strategy: name.clone(),
                    normalisation: None,
                },
                Some(_)
                    if libtool_same
                        && path.ends_with("ltmain.sh")
                        && normalise_libtool_label(release) == normalise_libtool_label(regen) =>
                {
                    FileResult::Reproduced {
                        strategy: name.clone(),
                        normalisation: Some(LIBTOOL_LABEL.into()),
                    }
                }
                Some(diff) => FileResult::Differs {
                    strategy: name.clone(),
                    diff,
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
                info.reproduced += 1;
            }
            if better {
                files.insert((*path).clone(), result);
            }
        }
        runs.push(info);
        let all_done = targets.iter().all(|(p, b)| match files.get(*p) {
            Some(FileResult::Reproduced { .. }) => true,
            Some(FileResult::Differs { .. }) => false,
            None => !claims(p, b),
        });
        if all_done {
            break;
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
