//! `check --regenerate`: after the comparison, the release's generated files are produced
//! again from the tag's tree in the sandbox (tarseal-regen) and judged by their bytes instead of
//! their names.
//!
//! This module owns the mapping from regeneration results to findings: a byte-identical file
//! is accepted as `reproduced` (rule `regenerate:autotools`), a different one is unexpected
//! (exit 1) with a unified-diff excerpt, or indeterminate (exit 3) when the release names a
//! toolchain version that is not available, and every differing file enters the report's
//! `review_surface`. Inputs given to the sandbox are the tag's tree plus the release files
//! that a known-file check already vouched for (an m4 file of a known release): nothing the
//! release merely names.

use crate::report::{Class, Finding, Judgement, RegenerationInfo, Report, ReviewItem, VouchedBy};
use std::collections::BTreeMap;
use tarseal_git::{Repo, TreeEntry, TreeEntryKind};
use tarseal_regen::autotools::{claims, FileResult};
use tarseal_regen::{InputFile, Request, Sandbox, Toolchain};

/// How to regenerate (from `--regenerate`, `--unsafe-no-sandbox`, `--toolchain`, or a policy's
/// `regenerate = true` with the defaults).
#[derive(Debug, Clone)]
pub struct RegenOptions {
    pub sandbox: Sandbox,
    pub toolchain: Toolchain,
    /// Where identical earlier runs are kept (`$XDG_CACHE_HOME/tarseal/regen`); `None`: off.
    pub cache: Option<std::path::PathBuf>,
    /// With the system toolchain: where fetched toolchains are (`tarseal toolchain fetch`,
    /// `$XDG_CACHE_HOME/tarseal/toolchains`); the versions the release's files name are
    /// picked from there when the system has others. `None`: the system's only.
    pub toolchains: Option<std::path::PathBuf>,
}

impl Default for RegenOptions {
    fn default() -> Self {
        RegenOptions {
            sandbox: Sandbox {
                isolation: tarseal_regen::Isolation::Bubblewrap,
                limits: tarseal_regen::Limits::default(),
            },
            toolchain: Toolchain::System,
            cache: tarseal_regen::fetch::cache_root().map(|d| d.join("regen")),
            toolchains: tarseal_regen::fetch::cache_dir(),
        }
    }
}

/// The rule id of a reproduced file.
pub const RULE: &str = "regenerate:autotools";

/// Regenerates and re-judges the findings of `report`. `contents` holds the archive's bytes of
/// the files git does not back (path relative to the prefix).
pub(crate) fn apply(
    report: &mut Report,
    opts: &RegenOptions,
    scripts: &[String],
    repo: &Repo,
    tree: &[TreeEntry],
    contents: &BTreeMap<String, Vec<u8>>,
) {
    let mut req = Request {
        scripts: scripts.to_vec(),
        ..Request::default()
    };
    for e in tree {
        let (executable, symlink) = match e.kind {
            TreeEntryKind::File => (false, false),
            TreeEntryKind::Executable => (true, false),
            TreeEntryKind::Symlink => (false, true),
            _ => continue,
        };
        let Ok(bytes) = repo.read_blob(e.oid) else {
            continue;
        };
        req.tree.push(InputFile {
            path: e.path.clone(),
            bytes,
            executable,
            symlink,
        });
    }
    for f in &mut report.findings {
        if !matches!(f.class, Class::Extra | Class::Modified) {
            continue;
        }
        let Some(bytes) = contents.get(&f.path) else {
            continue;
        };
        // Decomposition: an aux script byte-identical to a known upstream copy is vouched for
        // by that copy, not by its name.
        if f.judgement == Judgement::Allowed
            && f.class == Class::Extra
            && tarseal_regen::autotools::AUX_SCRIPTS
                .contains(&f.path.rsplit('/').next().unwrap_or(&f.path))
        {
            if let Some(src) = tarseal_regen::known::known_aux(&f.path, bytes) {
                f.vouched_by = Some(VouchedBy::KnownFile);
                let note = format!("byte-identical to a known upstream copy: {src}");
                f.detail = Some(match f.detail.take() {
                    Some(d) => format!("{d}; {note}"),
                    None => note,
                });
            }
        }
        // Byte-identical to a file of a known upstream release: what the release was made
        // with, so regeneration uses it instead of the toolchain's copy.
        // So is a file the trusted policy pins by digest (a locally built libtool's m4).
        if f.judgement == Judgement::Allowed
            && matches!(
                f.vouched_by,
                Some(VouchedBy::KnownFile) | Some(VouchedBy::Pinned)
            )
        {
            req.vouched.push(InputFile {
                path: f.path.clone(),
                bytes: bytes.clone(),
                executable: bytes.starts_with(b"#!"),
                symlink: false,
            });
        } else {
            req.release.insert(f.path.clone(), bytes.clone());
        }
    }
    // The toolchain the release names: fetched versions when the system has others.
    let toolchain = match (&opts.toolchain, &opts.toolchains) {
        (Toolchain::System, Some(dir)) => {
            let stamps = tarseal_regen::versions::release_versions(
                req.release
                    .iter()
                    .map(|(p, b)| (p.as_str(), b.as_slice()))
                    .chain(
                        req.vouched
                            .iter()
                            .map(|f| (f.path.as_str(), f.bytes.as_slice())),
                    ),
            );
            let wanted = stamps
                .iter()
                .filter_map(|(t, v)| Some((*t, v.first()?.version.clone())))
                .collect();
            Toolchain::select(&wanted, Some(dir))
        }
        (t, _) => t.clone(),
    };
    let outcome = tarseal_regen::regenerate(&req, &opts.sandbox, &toolchain, opts.cache.as_deref());
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            // Nothing ran: every file regeneration is responsible for stays undecided (a
            // release cannot pass on the names of files it was asked to prove).
            let why = format!("regeneration could not run: {e}");
            for f in &mut report.findings {
                if let Some(b) = req.release.get(&f.path) {
                    if claims(&f.path, b) && f.judgement == Judgement::Allowed {
                        undecided(f, why.clone());
                    }
                }
            }
            report.notes.push(why.clone());
            report.regeneration = Some(RegenerationInfo {
                toolchain: toolchain.describe(),
                sandboxed: opts.sandbox.isolation == tarseal_regen::Isolation::Bubblewrap,
                error: Some(e.to_string()),
                ..RegenerationInfo::default()
            });
            return;
        }
    };
    let all_failed = outcome.runs.iter().all(|r| r.status != Some(0));
    let versions = outcome
        .toolchain_versions
        .iter()
        .map(|(t, v)| format!("{} {v}", t.name()))
        .collect::<Vec<_>>()
        .join(", ");
    // The mismatches that matter for one file: its own tool's (a libtool build of another
    // distribution says nothing about configure when libtool.m4 was given).
    let mismatches_for = |path: &str| -> Vec<&tarseal_regen::autotools::VersionMismatch> {
        let tool = tarseal_regen::autotools::relevant_tool(path);
        outcome
            .mismatches
            .iter()
            .filter(|m| tool.is_none_or(|t| t == m.tool))
            .collect()
    };
    let describe = |ms: &[&tarseal_regen::autotools::VersionMismatch]| -> (String, String) {
        let mut fetchable: Vec<String> = Vec::new();
        let mut cannot: Vec<String> = Vec::new();
        let text = ms
            .iter()
            .map(|m| {
                let upstream = m.release.split_whitespace().next().unwrap_or("");
                let debian = tarseal_regen::fetch::debian_versions(m.tool);
                let more = if debian.contains(&upstream) {
                    let s = format!("{}={upstream}", m.tool.name());
                    if !fetchable.contains(&s) {
                        fetchable.push(s);
                    }
                    String::new()
                } else {
                    let av: Vec<String> = debian.iter().map(|v| v.to_string()).collect();
                    let c = tarseal_regen::versions::closest(upstream, &av)
                        .cloned()
                        .unwrap_or_default();
                    let s = format!("{} {} (closest available: {c})", m.tool.name(), m.release);
                    if !cannot.contains(&s) {
                        cannot.push(s);
                    }
                    format!(
                        ", and no Debian suite packages {} {}: the closest available is {c}",
                        m.tool.name(),
                        m.release
                    )
                };
                format!(
                    "{} was made with {} {} but the toolchain has {}{more}",
                    m.path,
                    m.tool.name(),
                    m.release,
                    m.available.as_deref().unwrap_or("none")
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let hint = if !fetchable.is_empty() {
            format!(
                "run `tarseal toolchain fetch {}` and check again",
                fetchable.join(" ")
            )
        } else {
            format!(
                "{} cannot be had from Debian's bullseye, bookworm or trixie; give a build of it with --toolchain DIR",
                cannot.join(", ")
            )
        };
        (text, hint)
    };
    let mut review = Vec::new();
    for f in &mut report.findings {
        let Some(release) = req.release.get(&f.path) else {
            continue;
        };
        match outcome.files.get(&f.path) {
            Some(FileResult::Reproduced {
                strategy,
                normalisation,
                given,
            }) => {
                f.judgement = Judgement::Allowed;
                f.vouched_by = Some(VouchedBy::Reproduced);
                f.rule = Some(RULE.into());
                f.reason = match normalisation {
                    None => format!("reproduced: byte-identical to the file regenerated from the tag's tree in the sandbox ({strategy}; {versions})"),
                    Some(n) => format!("reproduced with a normalisation ({n}): regenerated from the tag's tree in the sandbox ({strategy}; {versions})"),
                };
                if !given.is_empty() {
                    f.reason.push_str(&format!(
                        "; given the release's own {} as inputs (each judged on its own)",
                        given.join(", ")
                    ));
                }
            }
            Some(FileResult::Differs {
                strategy,
                diff,
                versions: script_versions,
            }) => {
                review.push(ReviewItem {
                    path: f.path.clone(),
                    lines: diff.lines,
                    strategy: strategy.clone(),
                    diff: diff.excerpt.clone(),
                });
                let ms = mismatches_for(&f.path);
                if let Some((rel, regen)) = script_versions {
                    undecided(
                        f,
                        format!(
                            "another upstream version of this script (release: {rel}; the toolchain's copy: {regen}); {} lines differ from the toolchain's copy and no known upstream copy matches",
                            diff.lines
                        ),
                    );
                } else if ms.is_empty() {
                    f.judgement = Judgement::Unexpected;
                    f.vouched_by = None;
                    f.rule = None;
                    f.reason = format!(
                        "differs from the file regenerated from the tag's tree ({} differing lines; closest: {strategy}; {versions}): the release changes a generated file",
                        diff.lines
                    );
                } else {
                    let (text, hint) = describe(&ms);
                    undecided(
                        f,
                        format!(
                            "not reproducible with this toolchain ({text}); regenerated with it, {} lines differ; to decide, {hint}",
                            diff.lines
                        ),
                    );
                }
            }
            None if claims(&f.path, release) => {
                let ms = mismatches_for(&f.path);
                if all_failed || !ms.is_empty() {
                    let why = if ms.is_empty() {
                        "regeneration failed in every strategy (see regeneration.runs)".to_string()
                    } else {
                        let (text, hint) = describe(&ms);
                        format!("not reproducible with this toolchain ({text}); to decide, {hint}")
                    };
                    undecided(f, why);
                } else {
                    f.judgement = Judgement::Unexpected;
                    f.vouched_by = None;
                    f.rule = None;
                    f.reason = "a generated file that regeneration from the tag's tree does not produce: nothing in the tag makes it".into();
                }
            }
            None => {}
        }
    }
    review.sort_by(|a, b| a.path.cmp(&b.path));
    report.review_surface = review;
    report.regeneration = Some(RegenerationInfo {
        toolchain: outcome.toolchain.clone(),
        toolchain_versions: outcome
            .toolchain_versions
            .iter()
            .map(|(t, v)| (t.name().to_string(), v.clone()))
            .collect(),
        release_versions: outcome
            .release_versions
            .iter()
            .map(|(t, v)| {
                (
                    t.name().to_string(),
                    v.iter().map(|s| s.version.clone()).collect(),
                )
            })
            .collect(),
        mismatches: outcome.mismatches.clone(),
        runs: outcome.runs.clone(),
        sandboxed: outcome.sandboxed,
        inputs_from_release: req.vouched.iter().map(|f| f.path.clone()).collect(),
        error: None,
    });
    if !outcome.sandboxed {
        report.notes.push(
            "UNSANDBOXED regeneration (--unsafe-no-sandbox): the tag's build code ran with this user's files and network".into(),
        );
    }
}

fn undecided(f: &mut Finding, why: String) {
    f.judgement = Judgement::Indeterminate;
    f.vouched_by = None;
    f.rule = None;
    f.reason = why;
}

/// The rule id of a file reproduced from `git log`.
pub const GIT_LOG_RULE: &str = "regenerate:git-log";

/// The files written from `git log`: the trusted policy's `[[regenerate_git_log]]`
/// statements first, then what the tag's top-level Makefile.am `dist-hook` says for other
/// paths. Also the dist-hook's `git log` commands that were refused (never run), worded for
/// the report.
pub(crate) fn git_log_specs(
    statements: &[tarseal_regen::gitlog::GitLogSpec],
    makefile_am: Option<&[u8]>,
) -> (Vec<tarseal_regen::gitlog::GitLogSpec>, Vec<String>) {
    let mut specs = statements.to_vec();
    let mut refused = Vec::new();
    if let Some(text) = makefile_am.map(String::from_utf8_lossy) {
        for r in tarseal_regen::gitlog::dist_hook_git_logs(&text) {
            match r {
                Ok(s) if !specs.iter().any(|p| p.path == s.path) => specs.push(s),
                Ok(_) => {}
                Err(e) => refused.push(format!(
                    "a git log command of the tag's dist-hook was refused and not run: {e}"
                )),
            }
        }
    }
    (specs, refused)
}

/// Regenerates the release files written from `git log` (see
/// [`tarseal_regen::gitlog`]) and re-judges their findings: byte-identical → allowed,
/// `reproduced`; different under every mailmap variant → unexpected with a diff excerpt in the
/// review surface; git, perl or the sandbox unavailable, or git failing → indeterminate,
/// naming why. A file the archive holds as git has it needs nothing and is skipped.
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply_git_log(
    report: &mut Report,
    opts: &RegenOptions,
    repo: &Repo,
    commit: &str,
    tree: &[TreeEntry],
    specs: &[tarseal_regen::gitlog::GitLogSpec],
    refused: &[String],
    contents: &BTreeMap<String, Vec<u8>>,
) {
    use tarseal_regen::gitlog::{regenerate_git_log, GitLogRequest, GitLogResult};
    report.notes.extend(refused.iter().cloned());
    let tag_has_mailmap = tree.iter().any(|e| e.path == ".mailmap");
    for spec in specs {
        let Some(f) = report
            .findings
            .iter_mut()
            .find(|f| f.path == spec.path && matches!(f.class, Class::Extra | Class::Modified))
        else {
            continue;
        };
        let Some(release) = contents.get(&spec.path) else {
            undecided(
                f,
                format!(
                    "written from git log ({}), but its bytes were not kept for the comparison (larger than the regeneration limit)",
                    spec.origin
                ),
            );
            continue;
        };
        let script = spec.filter.as_ref().and_then(|p| {
            let e = tree.iter().find(|e| {
                e.path == *p && matches!(e.kind, TreeEntryKind::File | TreeEntryKind::Executable)
            })?;
            repo.read_blob(e.oid).ok()
        });
        let req = GitLogRequest {
            spec,
            git_dir: repo.git_dir(),
            commit,
            tag_has_mailmap,
            filter_script: script.as_deref(),
            release,
        };
        match regenerate_git_log(&opts.sandbox, &req) {
            Ok(GitLogResult::Reproduced {
                mailmap,
                command,
                elapsed,
            }) => {
                f.judgement = Judgement::Allowed;
                f.vouched_by = Some(VouchedBy::Reproduced);
                f.rule = Some(GIT_LOG_RULE.into());
                f.reason = format!(
                    "reproduced: byte-identical to `{command}` run on the tag's commit in the sandbox (as {}; {}; {:.2} s)",
                    spec.origin,
                    mailmap.describe(),
                    elapsed.as_secs_f64()
                );
            }
            Ok(GitLogResult::Differs { command, diff, .. }) => {
                report.review_surface.push(ReviewItem {
                    path: f.path.clone(),
                    lines: diff.lines,
                    strategy: command.clone(),
                    diff: diff.excerpt.clone(),
                });
                report.review_surface.sort_by(|a, b| a.path.cmp(&b.path));
                f.judgement = Judgement::Unexpected;
                f.vouched_by = None;
                f.rule = None;
                f.reason = format!(
                    "differs from `{command}` run on the tag's commit in the sandbox ({} differing lines, with and without the tag's .mailmap; as {}): the release changes a file written from the history",
                    diff.lines, spec.origin
                );
            }
            Err(e) => {
                let why = format!(
                    "written from git log ({}), but it could not be regenerated: {e}",
                    spec.origin
                );
                report.notes.push(format!("{}: {why}", spec.path));
                undecided(f, why);
            }
        }
    }
}
