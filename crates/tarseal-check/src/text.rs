//! The report for a person: grouped by what the reader must act on, then by class.

use crate::report::{Class, CrossCheckStatus, Judgement, Report, SignatureStatus, Verdict};
use std::fmt::Write;

/// Renders `report` as text. `colour` adds ANSI colours (only on a terminal).
pub fn render(report: &Report, colour: bool) -> String {
    render_with(report, colour, false)
}

/// As [`render`]; `verbose` also lists the trust surface's paths before its closing line.
pub fn render_with(report: &Report, colour: bool, verbose: bool) -> String {
    let paint = |code: &str, s: &str| -> String {
        if colour {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut o = String::new();
    let g = &report.git;
    let a = &report.archive;
    let _ = writeln!(
        o,
        "archive  {} ({}, {} entries, {} bytes uncompressed)",
        a.path, a.format, a.entries, a.uncompressed_bytes
    );
    let prefix = if a.prefix.is_empty() {
        "(none)".to_string()
    } else {
        format!("{}/", a.prefix)
    };
    let _ = writeln!(
        o,
        "prefix   {prefix}{}",
        if a.prefix_given {
            " (given)"
        } else {
            " (detected)"
        }
    );
    let target = match &g.tag_object {
        Some(t) => format!("tag {} (object {t})", g.target),
        None => format!("{} {}", g.target_kind, g.target),
    };
    let _ = writeln!(
        o,
        "git      {target} -> commit {} tree {}{}",
        g.commit,
        g.tree,
        g.subdir
            .as_ref()
            .map(|s| format!(" subdir {s}"))
            .unwrap_or_default()
    );
    signature_line(&mut o, report, &paint);
    let _ = writeln!(o, "policy   {}", report.policy.sources.join(", "));
    let _ = writeln!(
        o,
        "profile  {} ({})",
        report.policy.profile, report.policy.selection
    );
    if let Some(h) = &report.policy.hint {
        let _ = writeln!(o, "hint     {}", paint("1;36", h));
    }
    for n in &report.notes {
        let loud = n.starts_with("LIGHTWEIGHT");
        let _ = writeln!(
            o,
            "note     {}",
            if loud { paint("1;33", n) } else { n.clone() }
        );
    }

    let groups = [
        (Judgement::Unexpected, "UNEXPECTED", "1;31"),
        (Judgement::Indeterminate, "UNDECIDED", "1;33"),
        (Judgement::Allowed, "ALLOWED", "36"),
    ];
    for (j, title, code) in groups {
        let items: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.judgement == j)
            .collect();
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(o);
        let heading = if j == Judgement::Allowed {
            let s = &report.summary;
            format!(
                "{title} ({} — not backed by git: {} files, {} bytes)",
                items.len(),
                s.not_backed_files,
                s.not_backed_bytes
            )
        } else if j == Judgement::Unexpected && report.findings_omitted > 0 {
            format!(
                "{title} ({}; the first {} listed)",
                items.len() as u64 + report.findings_omitted,
                items.len()
            )
        } else {
            format!("{title} ({})", items.len())
        };
        let _ = writeln!(o, "{}", paint(code, &heading));
        let mut classes: Vec<Class> = items.iter().map(|f| f.class).collect();
        classes.sort();
        classes.dedup();
        for c in classes {
            let _ = writeln!(o, "  {}:", c.name());
            for f in items.iter().filter(|f| f.class == c) {
                let path = if f.path.is_empty() {
                    "(archive)"
                } else {
                    f.path.as_str()
                };
                let problem = f
                    .problem
                    .as_ref()
                    .map(|p| format!(" [{p}]"))
                    .unwrap_or_default();
                let _ = writeln!(o, "    {path}{problem}");
                if let Some(d) = &f.detail {
                    let _ = writeln!(o, "        {d}");
                }
                match &f.rule {
                    Some(r) => {
                        let _ = writeln!(o, "        {r}: {}", f.reason);
                    }
                    None if !f.reason.is_empty() => {
                        let _ = writeln!(o, "        -> {}", f.reason);
                    }
                    None => {}
                }
            }
        }
    }
    if !report.cross_checks.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "CROSS-CHECKS");
        for c in &report.cross_checks {
            let st = match c.status {
                CrossCheckStatus::Ok => paint("32", "ok    "),
                CrossCheckStatus::Failed => paint("1;31", "FAILED"),
            };
            let _ = writeln!(o, "  {st} {}: {}", c.name, c.detail);
        }
    }
    if let Some(r) = &report.regeneration {
        let _ = writeln!(o);
        let versions: Vec<String> = r
            .toolchain_versions
            .iter()
            .map(|(t, v)| format!("{t} {v}"))
            .collect();
        let _ = writeln!(
            o,
            "REGENERATION {}toolchain {} ({})",
            if r.sandboxed {
                "in the sandbox, "
            } else {
                "UNSANDBOXED, "
            },
            r.toolchain,
            versions.join(", ")
        );
        for m in &r.mismatches {
            let _ = writeln!(
                o,
                "  {} {} named by {}: the toolchain has {}",
                m.tool.name(),
                m.release,
                m.path,
                m.available.as_deref().unwrap_or("none")
            );
        }
        for run in &r.runs {
            let _ = writeln!(
                o,
                "  {:.1} s  {}: {} reproduced{}",
                run.seconds,
                run.strategy,
                run.reproduced,
                match run.status {
                    Some(0) => String::new(),
                    Some(c) => format!(", failed (exit {c})"),
                    None => ", killed".into(),
                }
            );
        }
        if let Some(e) = &r.error {
            let _ = writeln!(o, "  {}", paint("1;33", e));
        }
    }
    review_surface(&mut o, report, &paint);
    if !report.policy.stale_rules.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "STALE RULES (matched nothing; remove or fix them)");
        for r in &report.policy.stale_rules {
            let _ = writeln!(o, "  {} {}: {}", r.rule, r.path, r.reason);
        }
    }
    let s = &report.summary;
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "summary  {} match, {} modified, {} mode, {} type, {} missing, {} extra, {} unverifiable, {} hostile; {} allowed, {} unexpected, {} undecided",
        s.matched, s.modified, s.mode, s.type_, s.missing, s.extra, s.unverifiable, s.hostile, s.allowed, s.unexpected, s.indeterminate
    );
    let verdict = match report.verdict {
        Verdict::Pass => paint("1;32", "PASS: the archive holds what the git tree holds, plus only what the policy vouches for"),
        Verdict::Fail => paint("1;31", "FAIL: the archive holds something the git tree and the policy do not vouch for"),
        Verdict::Indeterminate => paint("1;33", "INDETERMINATE: nothing is unexpected, but not everything could be decided"),
    };
    o.push_str(&stamped(report));
    let _ = writeln!(o, "verdict  {verdict}");
    o.push_str(&trust_surface(report, verbose));
    o
}

/// The count of tracked files accepted as git's bytes plus version/date stamps, said apart
/// from "allowed" so that a reader can tell them from generated files; empty when none.
fn stamped(report: &Report) -> String {
    match report.summary.stamped {
        0 => String::new(),
        n => {
            format!("stamped  {n} tracked files are git's bytes but for version/date stamp lines\n")
        }
    }
}

/// The closing line (what is accepted on the policy's word alone), with `verbose` preceded
/// by one line per path.
pub fn trust_surface(report: &Report, verbose: bool) -> String {
    let t = &report.trust_surface;
    let mut o = String::new();
    if verbose {
        for p in &t.paths {
            let _ = writeln!(o, "  name-only {p}");
        }
    }
    let _ = writeln!(
        o,
        "trust surface: {} files, {} bytes accepted by name only",
        t.files, t.bytes
    );
    o
}

/// The clause for unexpected findings counted but not listed ([`Report::findings_omitted`]).
fn omitted_words(omitted: u64) -> String {
    if omitted == 0 {
        String::new()
    } else {
        format!(
            " and {omitted} more counted but not listed (a report lists the first {})",
            crate::report::UNEXPECTED_KEPT
        )
    }
}

/// Causes listed before "... more" in the compact form.
const COMPACT_GROUPS: usize = 7;
/// Findings listed per judgement that needs action (unexpected, undecided).
const COMPACT_ACTION: usize = 10;

fn one_line(s: &str, max: usize) -> String {
    let s = s.replace('\n', " ");
    if s.chars().count() <= max {
        return s;
    }
    let cut: String = s.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

/// The report on one screen: a passing check fits in 20 lines (a count per cause with a few
/// names); what must be acted on (unexpected, undecided) is listed file by file up to a
/// bound. `render` (`--verbose`) gives every finding with its detail.
pub fn render_compact(report: &Report, colour: bool) -> String {
    let paint = |code: &str, s: &str| -> String {
        if colour {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut o = String::new();
    let g = &report.git;
    let a = &report.archive;
    let prefix = if a.prefix.is_empty() {
        "no prefix".to_string()
    } else {
        format!("prefix {}/", a.prefix)
    };
    let _ = writeln!(
        o,
        "archive  {} ({}, {} entries, {prefix})",
        a.path, a.format, a.entries
    );
    let _ = writeln!(
        o,
        "git      {} {} -> commit {}{}",
        g.target_kind,
        g.target,
        g.commit,
        g.subdir
            .as_ref()
            .map(|s| format!(" subdir {s}"))
            .unwrap_or_default()
    );
    signature_line(&mut o, report, &paint);
    let p = &report.policy;
    let _ = writeln!(
        o,
        "profile  {} ({})",
        p.profile,
        one_line(&p.selection, 160)
    );
    if p.sources.len() > 1 {
        let _ = writeln!(o, "policy   {}", p.sources.join(", "));
    }
    if let Some(h) = &p.hint {
        let _ = writeln!(o, "hint     {}", paint("1;36", h));
    }
    for (i, n) in report.notes.iter().enumerate() {
        if i == 2 {
            let _ = writeln!(
                o,
                "note     ... {} more note(s) (--verbose)",
                report.notes.len() - 2
            );
            break;
        }
        let loud = n.starts_with("LIGHTWEIGHT");
        let n = one_line(n, 160);
        let _ = writeln!(o, "note     {}", if loud { paint("1;33", &n) } else { n });
    }
    for (j, title, code) in [
        (Judgement::Unexpected, "UNEXPECTED", "1;31"),
        (Judgement::Indeterminate, "UNDECIDED", "1;33"),
    ] {
        let items: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.judgement == j)
            .collect();
        if items.is_empty() {
            continue;
        }
        let omitted = if j == Judgement::Unexpected {
            report.findings_omitted
        } else {
            0
        };
        let _ = writeln!(
            o,
            "{}",
            paint(code, &format!("{title} ({})", items.len() as u64 + omitted))
        );
        for f in items.iter().take(COMPACT_ACTION) {
            let path = if f.path.is_empty() {
                "(archive)"
            } else {
                f.path.as_str()
            };
            let problem = f
                .problem
                .as_ref()
                .map(|p| format!(" [{p}]"))
                .unwrap_or_default();
            let _ = writeln!(
                o,
                "  {:<8} {path}{problem}: {}",
                f.class.name(),
                one_line(&f.reason, 200)
            );
        }
        if items.len() > COMPACT_ACTION {
            let _ = writeln!(
                o,
                "  ... {} more (--verbose){}",
                items.len() - COMPACT_ACTION,
                omitted_words(omitted)
            );
        } else if omitted > 0 {
            let _ = writeln!(o, "  ...{}", omitted_words(omitted));
        }
    }
    review_surface(&mut o, report, &paint);
    // Allowed: one line per cause (class and reason), counted, with a few names.
    let mut groups: Vec<(Class, &str, &str, Vec<&str>)> = Vec::new();
    for f in report
        .findings
        .iter()
        .filter(|f| f.judgement == Judgement::Allowed)
    {
        let rule = f.rule.as_deref().unwrap_or("");
        match groups
            .iter_mut()
            .find(|(c, _, r, _)| *c == f.class && *r == f.reason.as_str())
        {
            Some(g) => g.3.push(&f.path),
            None => groups.push((f.class, rule, &f.reason, vec![&f.path])),
        }
    }
    if !groups.is_empty() {
        groups.sort_by(|x, y| y.3.len().cmp(&x.3.len()).then(x.0.cmp(&y.0)));
        let s = &report.summary;
        let _ = writeln!(
            o,
            "{}",
            paint(
                "36",
                &format!(
                    "ALLOWED ({}; not backed by git: {} files, {} bytes)",
                    s.allowed, s.not_backed_files, s.not_backed_bytes
                )
            )
        );
        for (class, rule, reason, paths) in groups.iter().take(COMPACT_GROUPS) {
            let names: Vec<&str> = paths.iter().take(3).copied().collect();
            let more = if paths.len() > 3 {
                format!(", +{}", paths.len() - 3)
            } else {
                String::new()
            };
            let _ = writeln!(
                o,
                "  {:>5} {:<8} {} ({}{more}) [{rule}]",
                paths.len(),
                class.name(),
                one_line(reason, 90),
                names.join(", ")
            );
        }
        if groups.len() > COMPACT_GROUPS {
            let rest: usize = groups[COMPACT_GROUPS..].iter().map(|g| g.3.len()).sum();
            let _ = writeln!(
                o,
                "  ... {} more cause(s), {rest} file(s) (--verbose)",
                groups.len() - COMPACT_GROUPS
            );
        }
    }
    let failed: Vec<_> = report
        .cross_checks
        .iter()
        .filter(|c| c.status == CrossCheckStatus::Failed)
        .collect();
    let ok = report.cross_checks.len() - failed.len();
    for c in &failed {
        let _ = writeln!(o, "  {} {}: {}", paint("1;31", "FAILED"), c.name, c.detail);
    }
    if ok > 0 {
        let names: Vec<&str> = report
            .cross_checks
            .iter()
            .filter(|c| c.status == CrossCheckStatus::Ok)
            .map(|c| c.name.as_str())
            .take(3)
            .collect();
        let _ = writeln!(
            o,
            "checks   {ok} cross-check(s) ok: {}",
            one_line(&names.join(", "), 140)
        );
    }
    if !p.stale_rules.is_empty() {
        let names: Vec<String> = p
            .stale_rules
            .iter()
            .map(|r| format!("{} {}", r.rule, r.path))
            .collect();
        let _ = writeln!(
            o,
            "STALE    {} project rule(s) matched nothing (remove or fix them): {}",
            names.len(),
            one_line(&names.join(", "), 120)
        );
    }
    let s = &report.summary;
    let counts: Vec<String> = [
        ("match", s.matched),
        ("modified", s.modified),
        ("mode", s.mode),
        ("type", s.type_),
        ("missing", s.missing),
        ("extra", s.extra),
        ("unverifiable", s.unverifiable),
        ("hostile", s.hostile),
    ]
    .iter()
    .filter(|(_, n)| *n > 0)
    .map(|(k, n)| format!("{n} {k}"))
    .collect();
    let _ = writeln!(
        o,
        "summary  {}; {} allowed, {} unexpected, {} undecided",
        counts.join(", "),
        s.allowed,
        s.unexpected,
        s.indeterminate
    );
    let verdict = match report.verdict {
        Verdict::Pass => paint("1;32", "PASS: the archive holds what the git tree holds, plus only what the policy vouches for"),
        Verdict::Fail => paint("1;31", "FAIL: the archive holds something the git tree and the policy do not vouch for"),
        Verdict::Indeterminate => paint("1;33", "INDETERMINATE: nothing is unexpected, but not everything could be decided (see UNDECIDED)"),
    };
    o.push_str(&stamped(report));
    let _ = writeln!(o, "verdict  {verdict}");
    o.push_str(&trust_surface(report, false));
    o
}

/// The lines a person must review after `--regenerate`: each differing generated file with
/// its diff excerpt. Shown in the compact output too: it is the reason a check failed.
fn review_surface(o: &mut String, report: &Report, paint: &dyn Fn(&str, &str) -> String) {
    if !report.review_surface.is_empty() {
        let _ = writeln!(o);
        let total: u64 = report.review_surface.iter().map(|i| i.lines).sum();
        let _ = writeln!(
            o,
            "{}",
            paint(
                "1;31",
                &format!(
                    "REVIEW SURFACE ({} files, {total} differing lines; regenerated -> release)",
                    report.review_surface.len()
                )
            )
        );
        for i in &report.review_surface {
            let _ = writeln!(o, "  {} ({} lines, {})", i.path, i.lines, i.strategy);
            for l in i.diff.lines() {
                let _ = writeln!(o, "    {l}");
            }
        }
    }
}

/// The tag signature's line, the same in the compact and the verbose report: loud when the
/// signature was not checked (`--allow-unsigned`).
fn signature_line(o: &mut String, report: &Report, paint: &dyn Fn(&str, &str) -> String) {
    let sig = &report.signature;
    match sig.status {
        SignatureStatus::Good => {
            let _ = writeln!(o, "signature {}", paint("32", &sig.detail));
        }
        SignatureStatus::NotChecked => {
            let _ = writeln!(
                o,
                "{}",
                paint("1;33", &format!("signature !!! {} !!!", sig.detail))
            );
        }
    }
}
