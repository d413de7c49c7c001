//! pbr's generated files, regenerated or checked from the tag: what an OpenStack sdist adds.
//!
//! Owns the knowledge of what pbr (and setuptools' `egg_info` under it) writes at sdist time,
//! so that those files stop being accepted by name:
//!
//! * **Reproduced byte for byte** from the tag: `ChangeLog` (pbr's `_iter_changelog` over
//!   `git log --decorate=full --format=%h%x00%s%x00%d`: version headings from the tags that
//!   pass pbr's `SemanticVersion.from_pip_string` after `-` → `.`, the highest by PEP 440 when
//!   several tags share a commit; `Merge ` subjects skipped; one trailing `.` dropped; `*`, `_`,
//!   `` ` `` escaped), `AUTHORS` (`git log --format=%aN <%aE>` with the *tag's* `.mailmap`,
//!   minus the CI robots pbr filters, plus `Co-authored-by:` trailers, sorted and unique, after
//!   the tag's `AUTHORS.in`), `pbr.json` (its abbreviation length is the builder's, 7 to 40
//!   hex digits of the commit), `dependency_links.txt` and `not-zip-safe` (one newline).
//! * **Checked against the tag** where the bytes depend on the builder's setuptools:
//!   `entry_points.txt` (every entry point declared by the tag's setup.cfg `[entry_points]` or
//!   pyproject.toml `[project.scripts]`/`[project.gui-scripts]`/`[project.entry-points.*]`),
//!   `requires.txt` and PKG-INFO's `Requires-Dist` (every requirement from the tag's
//!   requirements.txt and declared extras; a requirement with an environment marker may appear
//!   without it, because pbr evaluates markers at sdist time), `top_level.txt` (packages or
//!   modules of the tag's tree), `SOURCES.txt` (files of the archive).
//!
//! Nothing from the tag or the archive is executed: the files are parsed as text.

use super::checks::{CheckContext, Outcome};
use std::collections::{BTreeSet, HashMap, HashSet};
use tarseal_git::{LogCommit, Mailmap};

/// What pbr's AUTHORS leaves out: e-mails of CI robots (`generate_authors`' `ignore_emails`).
fn is_ignored_author(line: &str) -> bool {
    [
        "jenkins@review",
        "zuul@review",
        "infra@lists",
        "jenkins@openstack",
    ]
    .iter()
    .any(|p| line.contains(p))
}

/// pbr's `_clean_changelog_message`.
fn clean_message(msg: &str) -> String {
    msg.replace('*', r"\*")
        .replace('_', r"\_")
        .replace('`', r"\`")
}

/// The ChangeLog pbr writes for `log` (in `git log` order) with `tags` (commit → tag names).
pub fn changelog(log: &[LogCommit], tags: &HashMap<tarseal_git::ObjectId, Vec<String>>) -> String {
    let mut out = String::from("CHANGES\n=======\n\n");
    let mut first = true;
    for c in log {
        let versions: Vec<String> = tags
            .get(&c.id)
            .map(|names| {
                names
                    .iter()
                    .map(|n| n.replace('-', "."))
                    .filter(|n| is_pbr_version(n))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(release) = highest(&versions) {
            if !first {
                out.push('\n');
            }
            out.push_str(release);
            out.push('\n');
            out.push_str(&"-".repeat(release.chars().count()));
            out.push_str("\n\n");
        }
        let msg = &c.subject;
        if !msg.starts_with("Merge ") {
            let msg = msg.strip_suffix('.').unwrap_or(msg);
            out.push_str("* ");
            out.push_str(&clean_message(msg));
            out.push('\n');
        }
        first = false;
    }
    out
}

/// The AUTHORS pbr writes: `authors_in` (the tag's `AUTHORS.in`), then the sorted unique
/// authors (mailmapped) and co-authors.
pub fn authors(log: &[LogCommit], mailmap: &Mailmap, authors_in: Option<&[u8]>) -> Vec<u8> {
    let mut set: BTreeSet<String> = BTreeSet::new();
    for c in log {
        let (n, e) = mailmap.resolve(&c.author_name, &c.author_email);
        let line = format!("{n} <{e}>");
        if !is_ignored_author(&line) {
            set.insert(line);
        }
    }
    for c in log {
        // re.findall('Co-authored-by:.+') over `git log` output: anywhere in a line, to its end.
        for line in c.message.split('\n') {
            if let Some(p) = line.find("Co-authored-by:") {
                let rest = &line[p + "Co-authored-by:".len()..];
                if !rest.is_empty() {
                    set.insert(rest.trim().to_string());
                }
            }
        }
    }
    let mut out = authors_in.map(<[u8]>::to_vec).unwrap_or_default();
    let list: Vec<&str> = set.iter().map(String::as_str).collect();
    out.extend_from_slice(list.join("\n").as_bytes());
    out.push(b'\n');
    out
}

/// pbr's `SemanticVersion.from_pip_string` succeeds (`_is_valid_version`).
pub fn is_pbr_version(s: &str) -> bool {
    let s = s.trim_start_matches(['v', 'V']);
    if !s.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    let is_digits = |c: &str| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit());
    let mut input: Vec<String> = s.split('.').map(str::to_string).collect();
    let mut components: Vec<String> = input.iter().filter(|c| is_digits(c)).cloned().collect();
    let mut digit_len = components.len();
    if digit_len == 0 {
        return false;
    }
    if digit_len < 3 {
        if digit_len < input.len() {
            let mixed = input[digit_len].clone();
            if mixed.is_empty() {
                return false;
            }
            if mixed.as_bytes()[0].is_ascii_digit() {
                let last: String = mixed.chars().take_while(char::is_ascii_digit).collect();
                components.push(last.clone());
                let tail = mixed[last.len()..].to_string();
                input.splice(digit_len..digit_len + 1, [last, tail]);
                digit_len += 1;
            }
        }
        while components.len() < 3 {
            components.push("0".into());
        }
    }
    components.extend(input[digit_len.min(input.len())..].iter().cloned());
    if !is_digits(&components[2]) {
        components.insert(2, "0".into());
    }
    let mut remainder: Vec<String> = components[3..].to_vec();
    let starts_with_nonzero_int = remainder
        .first()
        .is_some_and(|r| is_digits(r) && r.bytes().any(|b| b != b'0'));
    if starts_with_nonzero_int {
        return true;
    }
    if let Some(r) = remainder.first() {
        let Some(&c0) = r.as_bytes().first() else {
            return false;
        };
        if c0 == b'0' || c0 == b'a' || c0 == b'b' || c0 == b'r' {
            // _parse_type: drop leading digits, letters are the type, the rest an int.
            let seg = r.trim_start_matches(|c: char| c.is_ascii_digit());
            let kind: String = seg.chars().take_while(char::is_ascii_alphabetic).collect();
            if !is_digits(&seg[kind.len()..]) {
                return false;
            }
            remainder.remove(0);
        }
    }
    let mut dev = false;
    let mut post = false;
    for c in &remainder {
        if let Some(n) = c.strip_prefix("dev") {
            if !is_digits(n) {
                return false;
            }
            dev = n.bytes().any(|b| b != b'0');
        } else if let Some(n) = c.strip_prefix("post") {
            if !is_digits(n) {
                return false;
            }
            dev = false;
            post = n.bytes().any(|b| b != b'0');
        } else {
            return false;
        }
    }
    !(post && dev)
}

/// A PEP 440 sort key for the versions pbr accepts: release (trailing zeros ignored), then
/// pre-releases before the final, then post, then dev.
fn pep440_key(v: &str) -> (Vec<u64>, (u8, u64), u64) {
    let v = v.trim_start_matches(['v', 'V']).to_ascii_lowercase();
    let mut release = Vec::new();
    let mut rest = v.as_str();
    loop {
        let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if n.is_empty() {
            break;
        }
        release.push(n.parse::<u64>().unwrap_or(u64::MAX));
        rest = &rest[n.len()..];
        match rest.strip_prefix('.') {
            Some(r) if r.starts_with(|c: char| c.is_ascii_digit()) => rest = r,
            _ => break,
        }
    }
    while release.last() == Some(&0) {
        release.pop();
    }
    let rest = rest.trim_start_matches(['.', '-', '_']);
    let num = |s: &str| -> u64 {
        s.trim_start_matches(['.', '-', '_'])
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or(0)
    };
    // (phase, n): dev-only < a < b < rc < final < post.
    let pre = if let Some(r) = rest.strip_prefix("rc").or_else(|| rest.strip_prefix('c')) {
        (3, num(r))
    } else if let Some(r) = rest
        .strip_prefix("alpha")
        .or_else(|| rest.strip_prefix('a'))
    {
        (1, num(r))
    } else if let Some(r) = rest.strip_prefix("beta").or_else(|| rest.strip_prefix('b')) {
        (2, num(r))
    } else if rest.starts_with("dev") {
        (0, 0)
    } else if let Some(r) = rest.strip_prefix("post") {
        (5, num(r))
    } else {
        (4, 0)
    };
    let dev = if rest.contains("dev") { 0 } else { 1 };
    (release, pre, dev)
}

/// The highest version by PEP 440 (`max(tags, key=parse_version)`: the first of equals).
fn highest(versions: &[String]) -> Option<&str> {
    let mut best: Option<&String> = None;
    for v in versions {
        if best.is_none_or(|b| pep440_key(v) > pep440_key(b)) {
            best = Some(v);
        }
    }
    best.map(String::as_str)
}

/// The bytes `pbr.json` has when written with an abbreviation of `len` hex digits.
fn pbr_json_bytes(commit: &str, len: usize, is_release: bool) -> String {
    format!(
        "{{\"git_version\": \"{}\", \"is_release\": {}}}",
        &commit[..len],
        is_release
    )
}

/// `pbr.json` reproduced: pbr's `json.dump` of `git log -n1 --pretty=format:%h` (the
/// builder's abbreviation, 7+ digits) and whether the commit is exactly tagged.
pub fn pbr_json(content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let commit = ctx.commit.id.to_string();
    let is_release = ctx.tag_name.is_some();
    for len in 7..=commit.len() {
        for release in [is_release, !is_release] {
            if content == pbr_json_bytes(&commit, len, release).as_bytes() {
                if release != is_release && ctx.tag_name.is_some() {
                    return Outcome::Fail(format!(
                        "is_release is {release} but the commit is the tag's, so pbr writes {is_release}"
                    ));
                }
                return Outcome::Reproduced(format!(
                    "pbr.json as pbr writes it for commit {} (abbreviated to {len} digits)",
                    &commit[..len]
                ));
            }
        }
    }
    super::checks::pbr_json_fields(content, ctx)
}

/// A requirement, normalised for comparison: canonical name, sorted extras, sorted
/// specifiers, marker with white space removed and quotes unified.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Req {
    name: String,
    extras: Vec<String>,
    specs: Vec<String>,
    marker: Option<String>,
}

fn canonical_name(n: &str) -> String {
    let mut out = String::new();
    let mut sep = false;
    for c in n.chars() {
        if c == '-' || c == '_' || c == '.' {
            sep = true;
            continue;
        }
        if sep && !out.is_empty() {
            out.push('-');
        }
        sep = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn normalise_marker(m: &str) -> Option<String> {
    let mut m: String = m
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == '\'' { '"' } else { c })
        .collect();
    while m.starts_with('(') && m.ends_with(')') && balanced(&m[1..m.len() - 1]) {
        m = m[1..m.len() - 1].to_string();
    }
    (!m.is_empty()).then_some(m)
}

fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// Parses one requirement line (comments already removed); `None` for blank lines.
fn parse_req(line: &str) -> Option<Req> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    let (req, marker) = match line.split_once(';') {
        Some((r, m)) => (r, normalise_marker(m)),
        None => (line, None),
    };
    let req = req.trim();
    let name_len = req
        .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
        .unwrap_or(req.len());
    let name = canonical_name(&req[..name_len]);
    let mut rest = req[name_len..].trim();
    let mut extras = Vec::new();
    if let Some(r) = rest.strip_prefix('[') {
        if let Some((e, tail)) = r.split_once(']') {
            extras = e
                .split(',')
                .map(|x| canonical_name(x.trim()))
                .filter(|x| !x.is_empty())
                .collect();
            extras.sort();
            rest = tail.trim();
        }
    }
    let rest = rest.trim_start_matches('(').trim_end_matches(')');
    let mut specs: Vec<String> = rest
        .split(',')
        .map(|s| s.chars().filter(|c| !c.is_whitespace()).collect::<String>())
        .filter(|s| !s.is_empty())
        .collect();
    specs.sort();
    Some(Req {
        name,
        extras,
        specs,
        marker,
    })
}

/// Requirement lines of a pip requirements file as pbr reads them: comments and options
/// (`-e`, `-r`, `--hash` ...) dropped.
fn requirement_lines(text: &str, ctx: &CheckContext<'_>, depth: u8) -> Vec<Req> {
    let mut out = Vec::new();
    for l in text.lines() {
        let l = l.split('#').next().unwrap_or("");
        if let Some(f) = l.strip_prefix("-r") {
            // Nested requirements files (pbr follows `-r FILE`), from the tag's tree only.
            if depth < 4 {
                if let Some(t) = git_text(ctx, f.trim()) {
                    out.extend(requirement_lines(&t, ctx, depth + 1));
                }
            }
            continue;
        }
        if l.trim_start().starts_with('-') {
            continue;
        }
        out.extend(parse_req(l));
    }
    out
}

/// An `[extras]` line of setup.cfg: pbr writes markers there as `req:marker`.
fn parse_extra_line(line: &str) -> Option<Req> {
    let line = line.split('#').next().unwrap_or("");
    if !line.contains(';') && !line.contains("://") {
        if let Some((r, m)) = line.split_once(':') {
            return parse_req(&format!("{r};{m}"));
        }
    }
    parse_req(line)
}

/// What the tag declares: base requirements and extras (name → requirements).
struct Declared {
    base: Vec<Req>,
    extras: HashMap<String, Vec<Req>>,
}

fn git_text(ctx: &CheckContext<'_>, path: &str) -> Option<String> {
    let id = (ctx.git_blob)(path)?;
    let bytes = (ctx.read_git_blob)(id)?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

fn git_toml(ctx: &CheckContext<'_>) -> Option<toml::Table> {
    git_text(ctx, "pyproject.toml")?.parse::<toml::Table>().ok()
}

fn declared(ctx: &CheckContext<'_>) -> Declared {
    let mut base = git_text(ctx, "requirements.txt")
        .or_else(|| git_text(ctx, "tools/pip-requires"))
        .map(|t| requirement_lines(&t, ctx, 0))
        .unwrap_or_default();
    let mut extras: HashMap<String, Vec<Req>> = HashMap::new();
    let cfg = git_text(ctx, "setup.cfg")
        .and_then(|t| super::setup_cfg::parse_public(&t).ok())
        .unwrap_or_default();
    for section in ["extras", "options.extras_require"] {
        if let Some(ex) = cfg.get(section) {
            for (k, lines) in ex {
                let reqs = lines.iter().filter_map(|l| parse_extra_line(l));
                extras.entry(canonical_name(k)).or_default().extend(reqs);
            }
        }
    }
    // pbr adds test-requirements.txt as the extra `test` when setup.cfg has [extras] and no
    // `test` of its own.
    if cfg.contains_key("extras") && !extras.contains_key("test") {
        if let Some(t) =
            git_text(ctx, "test-requirements.txt").or_else(|| git_text(ctx, "tools/test-requires"))
        {
            extras.insert("test".into(), requirement_lines(&t, ctx, 0));
        }
    }
    if let Some(project) = git_toml(ctx).and_then(|t| t.get("project").cloned()) {
        if let Some(deps) = project.get("dependencies").and_then(|d| d.as_array()) {
            base.extend(deps.iter().filter_map(|d| d.as_str()).filter_map(parse_req));
        }
        if let Some(opt) = project
            .get("optional-dependencies")
            .and_then(|d| d.as_table())
        {
            for (k, v) in opt {
                let reqs: Vec<Req> = v
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|d| d.as_str())
                            .filter_map(parse_req)
                            .collect()
                    })
                    .unwrap_or_default();
                extras.entry(canonical_name(k)).or_default().extend(reqs);
            }
        }
    }
    Declared { base, extras }
}

/// Whether `got` (in `extra`, with its marker) may stand for a declared requirement: the same
/// requirement, with the same marker or (pbr evaluated it) with none.
fn allowed_req(got: &Req, extra: Option<&str>, d: &Declared) -> bool {
    let pool: &[Req] = match extra {
        None => &d.base,
        Some(e) => match d.extras.get(&canonical_name(e)) {
            Some(v) => v,
            None => return false,
        },
    };
    pool.iter().any(|want| {
        want.name == got.name
            && want.extras == got.extras
            && want.specs == got.specs
            && (want.marker == got.marker || got.marker.is_none())
    })
}

/// `requires.txt`: every requirement is declared by the tag, in its section.
pub fn requires_txt(content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let d = declared(ctx);
    let text = String::from_utf8_lossy(content);
    let mut section: (Option<String>, Option<String>) = (None, None);
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            let (e, m) = match s.split_once(':') {
                Some((e, m)) => (e, normalise_marker(m)),
                None => (s, None),
            };
            section = ((!e.is_empty()).then(|| e.to_string()), m);
            continue;
        }
        let Some(mut req) = parse_req(line) else {
            continue;
        };
        if req.marker.is_none() {
            req.marker = section.1.clone();
        }
        if !allowed_req(&req, section.0.as_deref(), &d) {
            return Outcome::Fail(format!(
                "line {}: requirement {line:?}{} is not declared by the tag's requirements.txt / setup.cfg [extras] / pyproject.toml",
                i + 1,
                section.0.as_ref().map(|e| format!(" (extra {e})")).unwrap_or_default()
            ));
        }
        n += 1;
    }
    Outcome::Pass(format!(
        "all {n} requirements are declared by the tag (markers may be evaluated by pbr)"
    ))
}

/// PKG-INFO: the version matches the tag, and every `Requires-Dist` and `Provides-Extra`
/// is declared by the tag.
pub fn pkg_info(path: &str, content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let version = super::checks::pkg_info_version_pub(content, ctx.tag_name);
    let Outcome::Pass(vnote) = version else {
        return version;
    };
    // The egg-info copy must be the same file as the top-level one.
    if path != "PKG-INFO" {
        if let (Some(a), Some(b)) = ((ctx.archive_blob)(path), (ctx.archive_blob)("PKG-INFO")) {
            if a != b {
                return Outcome::Fail(format!(
                    "{path} differs from the top-level PKG-INFO (blob {a} vs {b})"
                ));
            }
        }
    }
    let d = declared(ctx);
    let text = String::from_utf8_lossy(content);
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() {
            break; // headers end; the description follows
        }
        if let Some(v) = line.strip_prefix("Provides-Extra:") {
            let e = canonical_name(v.trim());
            if !d.extras.contains_key(&e) {
                return Outcome::Fail(format!(
                    "line {}: Provides-Extra {} is not an extra the tag declares",
                    i + 1,
                    v.trim()
                ));
            }
            continue;
        }
        let Some(v) = line.strip_prefix("Requires-Dist:") else {
            continue;
        };
        let Some(mut req) = parse_req(v) else {
            return Outcome::Fail(format!("line {}: empty Requires-Dist", i + 1));
        };
        // `marker and extra == "x"` / `extra == "x"`: the extra is the section.
        let mut extra = None;
        if let Some(m) = req.marker.clone() {
            if let Some(p) = m.rfind("extra==\"") {
                let name = m[p + 8..].trim_end_matches(['"', ')']).to_string();
                let before = m[..p].trim_end_matches("and").to_string();
                extra = Some(name);
                req.marker = normalise_marker(&before);
            }
        }
        if !allowed_req(&req, extra.as_deref(), &d) {
            return Outcome::Fail(format!(
                "line {}: {line:?} is not a requirement the tag declares",
                i + 1
            ));
        }
        n += 1;
    }
    Outcome::Pass(format!(
        "{vnote}; all {n} Requires-Dist are declared by the tag"
    ))
}

/// Entry points the tag declares: (group, name) → value.
fn declared_entry_points(ctx: &CheckContext<'_>) -> HashSet<(String, String, String)> {
    let mut out = HashSet::new();
    let norm = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    if let Some(cfg) =
        git_text(ctx, "setup.cfg").and_then(|t| super::setup_cfg::parse_public(&t).ok())
    {
        for eps in ["entry_points", "options.entry_points"]
            .iter()
            .filter_map(|s| cfg.get(*s))
        {
            for (group, lines) in eps {
                for l in lines {
                    if let Some((n, v)) = l.split_once('=') {
                        out.insert((group.clone(), n.trim().to_string(), norm(v)));
                    }
                }
            }
        }
    }
    if let Some(project) = git_toml(ctx).and_then(|t| t.get("project").cloned()) {
        let mut add = |group: &str, t: &toml::Table| {
            for (n, v) in t {
                if let Some(v) = v.as_str() {
                    out.insert((group.to_string(), n.clone(), norm(v)));
                }
            }
        };
        if let Some(t) = project.get("scripts").and_then(|t| t.as_table()) {
            add("console_scripts", t);
        }
        if let Some(t) = project.get("gui-scripts").and_then(|t| t.as_table()) {
            add("gui_scripts", t);
        }
        if let Some(groups) = project.get("entry-points").and_then(|t| t.as_table()) {
            for (g, t) in groups {
                if let Some(t) = t.as_table() {
                    add(g, t);
                }
            }
        }
    }
    out
}

/// `entry_points.txt`: every entry point is declared by the tag.
pub fn entry_points(content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let declared = declared_entry_points(ctx);
    let text = String::from_utf8_lossy(content);
    let mut group: Option<String> = None;
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(g) = line.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            group = Some(g.trim().to_string());
            continue;
        }
        let (Some(g), Some((name, value))) = (&group, line.split_once('=')) else {
            return Outcome::Fail(format!(
                "line {}: {line:?} is not `name = value` in a [group]",
                i + 1
            ));
        };
        let value: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        if !declared.contains(&(g.clone(), name.trim().to_string(), value)) {
            return Outcome::Fail(format!(
                "line {}: entry point {line:?} in [{g}] is not declared by the tag's setup.cfg [entry_points] or pyproject.toml",
                i + 1
            ));
        }
        n += 1;
    }
    Outcome::Pass(format!("all {n} entry points are declared by the tag"))
}

/// `top_level.txt`: each name is a package or module at the top of the tag's tree.
pub fn top_level(content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let text = String::from_utf8_lossy(content);
    for (i, name) in text.lines().map(str::trim).enumerate() {
        if name.is_empty() {
            continue;
        }
        let ok = !name.contains(['/', '\\', '.'])
            && ((ctx.git_blob)(&format!("{name}/__init__.py")).is_some()
                || (ctx.git_blob)(&format!("{name}.py")).is_some()
                || (ctx.git_has_dir)(name));
        if !ok {
            return Outcome::Fail(format!(
                "line {}: {name:?} is no top-level package or module of the tag's tree",
                i + 1
            ));
        }
    }
    Outcome::Pass("every name is a top-level package or module of the tag's tree".into())
}

/// `SOURCES.txt`: a list of files the archive holds, each once.
pub fn sources_txt(path: &str, content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let egg_dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let mut seen = HashSet::new();
    let text = String::from_utf8_lossy(content);
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let in_archive = (ctx.archive_blob)(line).is_some()
            || (line.starts_with(egg_dir) && line.len() > egg_dir.len());
        if !in_archive {
            return Outcome::Fail(format!(
                "line {}: {line:?} is not a file of the archive",
                i + 1
            ));
        }
        if !seen.insert(line) {
            return Outcome::Fail(format!("line {}: {line:?} is listed twice", i + 1));
        }
    }
    Outcome::Pass(format!("lists {} files, each in the archive", seen.len()))
}

/// `dependency_links.txt` / `not-zip-safe`: setuptools writes a single newline.
pub fn single_newline(content: &[u8]) -> Outcome {
    if content == b"\n" {
        Outcome::Reproduced("a single newline, as setuptools writes it".into())
    } else {
        Outcome::Fail(format!(
            "setuptools writes a single newline here; the archive has {} bytes",
            content.len()
        ))
    }
}

/// `ChangeLog` / `AUTHORS`: regenerated from the tag's history and compared.
pub fn from_history(path: &str, content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let Some(h) = (ctx.history)() else {
        return Outcome::Undecided(format!(
            "{path}: the tag's history could not be read to regenerate it"
        ));
    };
    let (want, what): (Vec<u8>, &str) = if path == "ChangeLog" {
        (
            h.changelog.as_bytes().to_vec(),
            "ChangeLog from git log (pbr's format)",
        )
    } else {
        (
            h.authors.clone(),
            "AUTHORS from git log with the tag's .mailmap (pbr's format)",
        )
    };
    if content == want.as_slice() {
        return Outcome::Reproduced(format!("{what}: byte-identical"));
    }
    Outcome::Fail(format!(
        "{what} differs from the archive's: {}",
        first_difference(&want, content)
    ))
}

/// Where two texts first differ, as a line number and both lines.
pub fn first_difference(want: &[u8], got: &[u8]) -> String {
    let w: Vec<&[u8]> = want.split(|&b| b == b'\n').collect();
    let g: Vec<&[u8]> = got.split(|&b| b == b'\n').collect();
    for i in 0..w.len().max(g.len()) {
        let (a, b) = (w.get(i), g.get(i));
        if a != b {
            let show = |l: Option<&&[u8]>| {
                l.map(|l| format!("{:?}", String::from_utf8_lossy(l)))
                    .unwrap_or_else(|| "(end)".into())
            };
            return format!(
                "line {}: regenerated {}, archive {}",
                i + 1,
                show(a),
                show(b)
            );
        }
    }
    "same lines, different bytes".into()
}

/// The history-derived files, computed once per check.
#[derive(Debug, Clone)]
pub struct History {
    /// The regenerated ChangeLog.
    pub changelog: String,
    /// The regenerated AUTHORS.
    pub authors: Vec<u8>,
}

impl History {
    /// Regenerates both files from the repository's history of `commit`, using the `.mailmap`
    /// and `AUTHORS.in` of the tag's tree.
    pub fn compute(
        repo: &tarseal_git::Repo,
        commit: tarseal_git::ObjectId,
        mailmap: Option<&[u8]>,
        authors_in: Option<&[u8]>,
    ) -> Result<History, tarseal_git::GitError> {
        let log = repo.log(commit)?;
        let tags = repo.tags_by_commit();
        let mailmap = Mailmap::parse(mailmap.unwrap_or_default());
        Ok(History {
            changelog: changelog(&log, &tags),
            authors: authors(&log, &mailmap, authors_in),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbr_versions() {
        for ok in [
            "1.0.0",
            "27.1.0",
            "1.2",
            "1.0.0.0rc1",
            "1.0.0.0b2",
            "1.2a1",
            "1.0.0.dev3",
            "v1.0",
            "2024.1",
        ] {
            assert!(is_pbr_version(ok), "{ok}");
        }
        for bad in [
            "2024.2.eol",
            "stable.ocata",
            "abc",
            "1.0.x",
            "1..0",
            "wallaby.eol",
            "",
        ] {
            assert!(!is_pbr_version(bad), "{bad}");
        }
    }

    #[test]
    fn highest_prefers_final_over_rc() {
        let v = vec![
            "27.0.0.0rc1".to_string(),
            "27.0.0".to_string(),
            "27.0.0.0rc2".to_string(),
        ];
        assert_eq!(highest(&v), Some("27.0.0"));
        let v = vec!["1.0.0.0b1".to_string(), "1.0.0.0rc1".to_string()];
        assert_eq!(highest(&v), Some("1.0.0.0rc1"));
        let v = vec!["1.10.0".to_string(), "1.9.0".to_string()];
        assert_eq!(highest(&v), Some("1.10.0"));
    }

    #[test]
    fn requirements_normalise() {
        assert_eq!(
            parse_req("pbr!=2.1.0, >=2.0.0"),
            parse_req("pbr>=2.0.0,!=2.1.0")
        );
        assert_ne!(parse_req("pbr>=2.0.0"), parse_req("pbr>=2.0.1"));
        assert_ne!(parse_req("pbr>=2.0.0"), parse_req("pbr[x]>=2.0.0"));
        let a = parse_req("pyroute2>=0.5;sys_platform!='win32'").unwrap();
        assert_eq!(a.marker.as_deref(), Some("sys_platform!=\"win32\""));
        assert_eq!(parse_req("Oslo_Config>=1").unwrap().name, "oslo-config");
    }
}
