//! A `Cargo.lock` that a Rust-backed sdist carries but the compared tree does not: the
//! workspace's own lock, or one cargo generated while the sdist was made.
//!
//! maturin ships the lock file of the crate's workspace (running `cargo metadata`, which writes
//! one when the work tree has none). Two cases, told apart by the tag's tree alone:
//!
//! * the tag commits a lock in a directory above the package (a workspace member checked with
//!   `--subdir`): the sdist's must be those bytes, vouched for by git, else it fails;
//! * the tag commits none: cargo resolved it at packaging time. The registry versions and
//!   checksums it pins can only be vouched for by resolving again against the registry as it
//!   was then, so the file stays `name-only` (in the trust surface, named). What the tag does
//!   determine is checked, and a difference fails: every local package (no `source`) is a
//!   package of the tag's `Cargo.toml` files with the same version, its dependencies are ones
//!   its manifest names, each locked version of a direct dependency meets the manifest's
//!   requirement, every package is reachable from the local ones (an added package is not),
//!   and every crates.io pin carries a checksum.

use super::checks::{parse_toml, CheckContext, Outcome};
use crate::report::VouchedBy;
use std::collections::{HashMap, HashSet, VecDeque};
use tarseal_git::{ObjectId, TreeEntryKind};
use toml::{Table, Value};

/// The dependency tables of a manifest (also under `target.<cfg>`).
const DEP_TABLES: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];

/// Judges the archive's `Cargo.lock` at `path` (not in the compared tree).
pub(crate) fn cargo_lock(
    path: &str,
    content: &[u8],
    blob: Option<ObjectId>,
    ctx: &CheckContext<'_>,
) -> Outcome {
    if let Some(outcome) = workspace_lock(path, blob, ctx) {
        return outcome;
    }
    generated(content, ctx)
}

/// The lock the tag commits in a directory above the package, if any: it must be the bytes.
fn workspace_lock(path: &str, blob: Option<ObjectId>, ctx: &CheckContext<'_>) -> Option<Outcome> {
    let (candidate, oid) = committed_lock(path, ctx)?;
    Some(match blob {
        Some(b) if b == oid => Outcome::PassAs(
            VouchedBy::Git,
            format!("identical to git's {candidate} (the lock of the workspace the package belongs to)"),
        ),
        Some(b) => Outcome::Fail(format!(
            "the tag commits the workspace's lock {candidate} (blob {oid}), but this one differs (blob {b}): a lock file changed after tagging"
        )),
        None => Outcome::Fail("not a regular file".into()),
    })
}

/// The nearest `Cargo.lock` the tag's whole tree commits at or above the directory of the
/// archive's `path` (`--subdir` included): its path from the repository root and blob.
fn committed_lock(path: &str, ctx: &CheckContext<'_>) -> Option<(String, ObjectId)> {
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let mut full = [ctx.subdir.unwrap_or(""), dir]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("/");
    loop {
        let candidate = if full.is_empty() {
            "Cargo.lock".to_string()
        } else {
            format!("{full}/Cargo.lock")
        };
        let found = ctx.full_tree.iter().find(|e| {
            e.path == candidate && matches!(e.kind, TreeEntryKind::File | TreeEntryKind::Executable)
        });
        if let Some(e) = found {
            return Some((candidate, e.oid));
        }
        match full.rsplit_once('/') {
            Some((up, _)) => full = up.to_string(),
            None if !full.is_empty() => full.clear(),
            None => return None,
        }
    }
}

/// Judges the `Cargo.lock` that `cargo package` writes into a `.crate` (the cargo profile),
/// extra or, when the tag commits it at the same path, modified. Unlike maturin, cargo does
/// not copy the workspace's lock: it resolves the package alone from its normalised manifest
/// (starting from the committed lock), so the file holds a subset of the committed pins —
/// never the same bytes for a workspace member, nor for a crate with a path-only
/// dev-dependency (the normalised manifest drops it, and its packages leave the lock).
pub(crate) fn package_lock(
    path: &str,
    content: &[u8],
    blob: Option<ObjectId>,
    ctx: &CheckContext<'_>,
) -> Outcome {
    let Some((committed, oid)) = committed_lock(path, ctx) else {
        return generated(content, ctx);
    };
    if blob == Some(oid) {
        return Outcome::PassAs(VouchedBy::Git, format!("identical to git's {committed}"));
    }
    // The structure (local packages, requirements, reachability) is checked as for any
    // generated lock; only the pins can be held against the committed file.
    let structure = generated(content, ctx);
    let structure_note = match &structure {
        Outcome::Fail(_) | Outcome::Undecided(_) => return structure,
        Outcome::Pass(n) | Outcome::PassAs(_, n) | Outcome::Reproduced(n) => n.clone(),
    };
    let ours = match parse_lock(content) {
        Ok(l) => l,
        Err(why) => return Outcome::Fail(format!("not a Cargo.lock: {why}")),
    };
    let theirs = match (ctx.read_git_blob)(oid).map(|b| parse_lock(&b)) {
        Some(Ok(l)) => l,
        Some(Err(why)) => {
            return Outcome::Undecided(format!(
            "git's {committed} is not a lock file tarseal reads ({why}): compare the pins by hand"
        ))
        }
        None => return Outcome::Undecided(format!("cannot read git's {committed} (blob {oid})")),
    };
    let pinned: HashMap<(&str, &str, &str), Option<&str>> = theirs
        .package
        .iter()
        .filter_map(|p| {
            Some((
                (p.name.as_str(), p.version.as_str(), p.source.as_deref()?),
                p.checksum.as_deref(),
            ))
        })
        .collect();
    let mut held = 0usize;
    let mut changed: Vec<String> = Vec::new();
    let mut new: Vec<String> = Vec::new();
    for p in &ours.package {
        let Some(src) = p.source.as_deref() else {
            continue;
        };
        match pinned.get(&(p.name.as_str(), p.version.as_str(), src)) {
            Some(sum) if *sum == p.checksum.as_deref() => held += 1,
            Some(sum) => changed.push(format!(
                "{} {} has checksum {} but git's {committed} pins {}",
                p.name,
                p.version,
                p.checksum.as_deref().unwrap_or("(none)"),
                sum.unwrap_or("(none)")
            )),
            None => new.push(format!("{} {}", p.name, p.version)),
        }
    }
    if !changed.is_empty() {
        return Outcome::Fail(format!(
            "a pin differs from the lock the tag commits: {}",
            changed.join("; ")
        ));
    }
    if new.is_empty() {
        return Outcome::PassAs(
            VouchedBy::ContentCheck,
            format!(
                "cargo package's lock of the package alone: all {held} registry pins (version, source, checksum) are pins git's {committed} commits; its local packages agree with the tag's manifests"
            ),
        );
    }
    Outcome::PassAs(
        VouchedBy::NameOnly,
        format!(
            "{held} registry pins are git's {committed}'s; {} resolved anew at packaging time ({}), vouched for by nobody; {structure_note}",
            new.len(),
            new.join(", ")
        ),
    )
}

/// One `[[package]]` of a lock file.
#[derive(Debug, serde::Deserialize)]
struct LockPackage {
    name: String,
    version: String,
    source: Option<String>,
    checksum: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
}

/// The parts of a lock file the checks read.
#[derive(Debug, serde::Deserialize)]
struct LockFile {
    version: Option<i64>,
    #[serde(default)]
    package: Vec<LockPackage>,
    metadata: Option<Table>,
}

/// A lock file's packages, or why the bytes are not one.
fn parse_lock(content: &[u8]) -> Result<LockFile, String> {
    std::str::from_utf8(content)
        .map_err(|_| "not UTF-8".to_string())
        .and_then(|s| toml::from_str(s).map_err(|e| e.message().to_string()))
}

/// A package of the tag's tree, from one `Cargo.toml`.
struct Manifest {
    path: String,
    name: String,
    version: String,
    /// Dependency names (the `package` a renamed one stands for) → version requirements
    /// (none for a path or git dependency without one).
    deps: HashMap<String, Vec<String>>,
}

/// A lock cargo resolved while the sdist was made: checked against the tag's manifests.
fn generated(content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let lock = match parse_lock(content) {
        Ok(l) => l,
        Err(why) => return Outcome::Fail(format!("not a Cargo.lock: {why}")),
    };
    if let Some(v) = lock.version.filter(|v| !(3..=4).contains(v)) {
        return Outcome::Undecided(format!(
            "lock file format version {v} is not one tarseal knows (3, 4): compare it by hand or pin its sha256"
        ));
    }
    let inline_checksums = lock.metadata.is_none();
    let manifests = manifests(ctx);
    let mut problems: Vec<String> = Vec::new();

    let mut seen: HashSet<(&str, &str, Option<&str>)> = HashSet::new();
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in lock.package.iter().enumerate() {
        if !seen.insert((&p.name, &p.version, p.source.as_deref())) {
            problems.push(format!("{} {} is listed twice", p.name, p.version));
        }
        by_name.entry(p.name.as_str()).or_default().push(i);
    }

    let locals: Vec<usize> = (0..lock.package.len())
        .filter(|&i| lock.package[i].source.is_none())
        .collect();
    if locals.is_empty() {
        problems.push(
            "no local package (without `source`): it is not the lock of the tag's crates".into(),
        );
    }
    let mut reached: HashSet<usize> = HashSet::new();
    let mut queue: VecDeque<usize> = VecDeque::new();
    for &i in &locals {
        let p = &lock.package[i];
        let mine: Vec<&Manifest> = manifests.iter().filter(|m| m.name == p.name).collect();
        if mine.is_empty() {
            problems.push(format!(
                "local package {} {} is not a package of any Cargo.toml of the tag",
                p.name, p.version
            ));
        } else if !mine.iter().any(|m| m.version == p.version) {
            problems.push(format!(
                "local package {} is {} in the lock, but {} in the tag ({})",
                p.name,
                p.version,
                mine.iter()
                    .map(|m| m.version.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                mine.iter()
                    .map(|m| m.path.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let manifest = mine
            .iter()
            .find(|m| m.version == p.version)
            .or(mine.first());
        for d in &p.dependencies {
            let Some(target) = resolve(d, &lock.package, &by_name, &mut problems, &p.name) else {
                continue;
            };
            let t = &lock.package[target];
            if let Some(m) = manifest {
                match m.deps.get(&t.name) {
                    None => problems.push(format!(
                        "{} depends on {} in the lock, but {} does not name it",
                        p.name, t.name, m.path
                    )),
                    Some(reqs) if t.source.is_some() && !reqs.is_empty() => {
                        let ok = semver::Version::parse(&t.version).is_ok_and(|v| {
                            reqs.iter().any(|r| {
                                semver::VersionReq::parse(r).map_or(true, |r| r.matches(&v))
                            })
                        });
                        if !ok {
                            problems.push(format!(
                                "{} locks {} {}, which {}'s requirement {} does not allow",
                                p.name,
                                t.name,
                                t.version,
                                m.path,
                                reqs.join(" / ")
                            ));
                        }
                    }
                    Some(_) => {}
                }
            }
        }
        reached.insert(i);
        queue.push_back(i);
    }
    while let Some(i) = queue.pop_front() {
        let p = &lock.package[i];
        for d in &p.dependencies {
            if let Some(t) = resolve(d, &lock.package, &by_name, &mut problems, &p.name) {
                if reached.insert(t) {
                    queue.push_back(t);
                }
            }
        }
    }
    let unreached: Vec<String> = (0..lock.package.len())
        .filter(|i| !reached.contains(i))
        .map(|i| format!("{} {}", lock.package[i].name, lock.package[i].version))
        .collect();
    if !unreached.is_empty() {
        problems.push(format!(
            "nothing in the lock depends on {} (a package added to the lock)",
            unreached.join(", ")
        ));
    }

    let mut registry = 0usize;
    let mut elsewhere: Vec<String> = Vec::new();
    for p in &lock.package {
        let Some(src) = &p.source else { continue };
        let crates_io = src == "registry+https://github.com/rust-lang/crates.io-index"
            || src == "sparse+https://index.crates.io/";
        if crates_io {
            registry += 1;
            let hex64 = p.checksum.as_deref().is_some_and(|c| {
                c.len() == 64
                    && c.bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            });
            if inline_checksums && !hex64 {
                problems.push(format!(
                    "crates.io package {} {} has no SHA-256 checksum",
                    p.name, p.version
                ));
            }
        } else {
            elsewhere.push(format!("{} {} ({src})", p.name, p.version));
        }
    }
    if !problems.is_empty() {
        problems.dedup();
        return Outcome::Fail(format!(
            "generated lock (the tag has no Cargo.lock) disagrees with the tag: {}",
            problems.join("; ")
        ));
    }
    // A registry pin of a crate the tag itself holds (a workspace member cargo packaged
    // first): its checksum is the SHA-256 of that .crate, which a check of the .crate can
    // vouch for; tarseal has no registry access, so it names them and stops there.
    let own: Vec<String> = lock
        .package
        .iter()
        .filter(|p| p.source.is_some())
        .filter_map(|p| {
            let m = manifests
                .iter()
                .find(|m| m.name == p.name && m.version == p.version)?;
            Some(format!("{} {} ({})", p.name, p.version, m.path))
        })
        .collect();
    let mut note = format!(
        "generated at packaging time (the tag commits no Cargo.lock): its {} local package(s) are the tag's crates at the tag's versions with the dependencies their Cargo.toml name, within their requirements, and every package is reachable from them; the {registry} crates.io version pins and checksums are vouched for by nobody: a checksum is the SHA-256 of the .crate the registry serves, which cannot be verified offline (commit Cargo.lock to have them checked against git, or compare them with `cargo fetch --locked`)",
        locals.len()
    );
    if !own.is_empty() {
        note.push_str(&format!(
            "; {} of them are crates of this tag, whose checksum is the SHA-256 of their own .crate (check that .crate with tarseal to vouch for it): {}",
            own.len(),
            own.join(", ")
        ));
    }
    if !elsewhere.is_empty() {
        note.push_str(&format!(
            "; pins from other sources: {}",
            elsewhere.join(", ")
        ));
    }
    Outcome::PassAs(VouchedBy::NameOnly, note)
}

/// The package a lock `dependencies` entry names: `NAME`, `NAME VERSION` or
/// `NAME VERSION (SOURCE)`.
fn resolve(
    dep: &str,
    packages: &[LockPackage],
    by_name: &HashMap<&str, Vec<usize>>,
    problems: &mut Vec<String>,
    of: &str,
) -> Option<usize> {
    let mut parts = dep.splitn(3, ' ');
    let name = parts.next().unwrap_or_default();
    let version = parts.next();
    let source = parts
        .next()
        .and_then(|s| s.strip_prefix('('))
        .and_then(|s| s.strip_suffix(')'));
    let found: Vec<usize> = by_name
        .get(name)
        .map(|v| {
            v.iter()
                .copied()
                .filter(|&i| version.is_none_or(|want| packages[i].version == want))
                .filter(|&i| source.is_none_or(|want| packages[i].source.as_deref() == Some(want)))
                .collect()
        })
        .unwrap_or_default();
    match found.as_slice() {
        [one] => Some(*one),
        [] => {
            problems.push(format!(
                "{of} depends on {dep:?}, which the lock does not list"
            ));
            None
        }
        _ => {
            problems.push(format!(
                "{of} depends on {dep:?}, which names more than one package of the lock"
            ));
            None
        }
    }
}

/// Every `Cargo.toml` of the tag's whole tree that declares a package.
fn manifests(ctx: &CheckContext<'_>) -> Vec<Manifest> {
    let mut parsed: Vec<(String, Table)> = Vec::new();
    for e in ctx.full_tree {
        let is_manifest = e.path == "Cargo.toml" || e.path.ends_with("/Cargo.toml");
        if !is_manifest || !matches!(e.kind, TreeEntryKind::File | TreeEntryKind::Executable) {
            continue;
        }
        if let Some(t) =
            (ctx.read_git_blob)(e.oid).and_then(|b| parse_toml(&b, "git's Cargo.toml").ok())
        {
            parsed.push((e.path.clone(), t));
        }
    }
    // The workspace root a member inherits from: the nearest manifest above it with a
    // [workspace] table.
    let workspace_of = |path: &str| -> Option<&Table> {
        let mut dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        loop {
            let candidate = if dir.is_empty() {
                "Cargo.toml".to_string()
            } else {
                format!("{dir}/Cargo.toml")
            };
            if let Some(ws) = parsed
                .iter()
                .find(|(p, _)| *p == candidate)
                .and_then(|(_, t)| t.get("workspace")?.as_table())
            {
                return Some(ws);
            }
            if dir.is_empty() {
                return None;
            }
            dir = dir.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        }
    };
    let mut out = Vec::new();
    for (path, t) in &parsed {
        let Some(pkg) = t.get("package").and_then(Value::as_table) else {
            continue;
        };
        let Some(name) = pkg.get("name").and_then(Value::as_str) else {
            continue;
        };
        let ws = workspace_of(path);
        let version = match pkg.get("version") {
            Some(Value::String(v)) => v.clone(),
            Some(v) if inherited(v) => {
                match ws.and_then(|w| w.get("package")?.get("version")?.as_str()) {
                    Some(v) => v.to_string(),
                    None => continue,
                }
            }
            // Cargo ≥ 1.75 lets a package omit its version; the lock then says 0.0.0.
            None => "0.0.0".to_string(),
            Some(_) => continue,
        };
        let mut deps: HashMap<String, Vec<String>> = HashMap::new();
        let mut tables: Vec<&Table> = DEP_TABLES
            .iter()
            .filter_map(|k| t.get(*k)?.as_table())
            .collect();
        if let Some(targets) = t.get("target").and_then(Value::as_table) {
            for cfg in targets.values().filter_map(Value::as_table) {
                tables.extend(DEP_TABLES.iter().filter_map(|k| cfg.get(*k)?.as_table()));
            }
        }
        let ws_deps = ws.and_then(|w| w.get("dependencies")?.as_table());
        for table in tables {
            for (key, spec) in table {
                let spec = if inherited(spec) {
                    // Keys given beside `workspace = true` (features, optional) add nothing
                    // to the name or the requirement.
                    ws_deps.and_then(|d| d.get(key)).unwrap_or(spec)
                } else {
                    spec
                };
                let (name, req) = match spec {
                    Value::String(req) => (key.clone(), Some(req.clone())),
                    Value::Table(s) => (
                        s.get("package")
                            .and_then(Value::as_str)
                            .unwrap_or(key)
                            .to_string(),
                        s.get("version").and_then(Value::as_str).map(str::to_string),
                    ),
                    _ => (key.clone(), None),
                };
                let reqs = deps.entry(name).or_default();
                reqs.extend(req);
            }
        }
        out.push(Manifest {
            path: path.clone(),
            name: name.to_string(),
            version,
            deps,
        });
    }
    out
}

fn inherited(v: &Value) -> bool {
    v.get("workspace").and_then(Value::as_bool) == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::checks::tests::with_ctx;

    const MANIFEST: &str = "[package]\nname = \"rpkg\"\nversion = \"0.4.0\"\n\n[dependencies]\nitoa = \"1.0.10\"\nhelper = { path = \"helper\" }\n";
    const HELPER: &str = "[package]\nname = \"helper\"\nversion = \"0.1.0\"\n";
    const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";
    const ITOA_SUM: &str = "4a5f13b858c8d314ee3e8f639011f7ccefe71f97f96e50151fb991f267928e2c";
    const LOCK: &str = "# This file is automatically @generated by Cargo.\nversion = 4\n\n[[package]]\nname = \"helper\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"itoa\"\nversion = \"1.0.15\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"4a5f13b858c8d314ee3e8f639011f7ccefe71f97f96e50151fb991f267928e2c\"\n\n[[package]]\nname = \"rpkg\"\nversion = \"0.4.0\"\ndependencies = [\n \"helper\",\n \"itoa\",\n]\n";

    fn judge(files: &[(&str, &str)], lock: &str) -> Outcome {
        with_ctx(files, |ctx| {
            cargo_lock("Cargo.lock", lock.as_bytes(), None, ctx)
        })
    }

    #[test]
    fn a_generated_lock_that_agrees_stays_name_only() {
        match judge(
            &[("Cargo.toml", MANIFEST), ("helper/Cargo.toml", HELPER)],
            LOCK,
        ) {
            Outcome::PassAs(VouchedBy::NameOnly, why) => {
                assert!(why.contains("vouched for by nobody"), "{why}");
                assert!(why.contains("2 local"), "{why}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tampered_generated_locks_fail() {
        let files = [("Cargo.toml", MANIFEST), ("helper/Cargo.toml", HELPER)];
        let evil = format!(
            "\n[[package]]\nname = \"evil\"\nversion = \"0.1.0\"\nsource = \"{CRATES_IO}\"\nchecksum = \"{}\"\n",
            "a".repeat(64)
        );
        let added = format!("{LOCK}{evil}");
        let linked = added.replace(" \"itoa\",\n]", " \"itoa\",\n \"evil\",\n]");
        let bumped = LOCK.replace(
            "name = \"rpkg\"\nversion = \"0.4.0\"",
            "name = \"rpkg\"\nversion = \"0.4.1\"",
        );
        let too_old = LOCK.replace("version = \"1.0.15\"", "version = \"1.0.9\"");
        let unsummed = LOCK.replace(&format!("checksum = \"{ITOA_SUM}\"\n"), "");
        let dangling = LOCK.replace("\"helper\",\n", "\"gone\",\n");
        for (lock, says) in [
            (added.as_str(), "evil 0.1.0"),
            (linked.as_str(), "does not name it"),
            (bumped.as_str(), "0.4.1 in the lock"),
            (too_old.as_str(), "does not allow"),
            (unsummed.as_str(), "no SHA-256 checksum"),
            (dangling.as_str(), "does not list"),
            ("not a lock [", "not a Cargo.lock"),
        ] {
            match judge(&files, lock) {
                Outcome::Fail(why) => assert!(why.contains(says), "{says}: {why}"),
                other => panic!("{says}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_workspace_lock_must_be_the_tags_bytes() {
        let id = |t: &str| {
            gix::objs::compute_hash(
                tarseal_git::HashKind::Sha1,
                gix::objs::Kind::Blob,
                t.as_bytes(),
            )
            .unwrap()
        };
        let files = [("Cargo.lock", LOCK), ("py/Cargo.toml", MANIFEST)];
        let run = |lock: &str| {
            with_ctx(&files, |ctx| {
                // Checked with --subdir py: the workspace's lock is one directory above.
                let ctx = CheckContext {
                    subdir: Some("py"),
                    ..*ctx
                };
                cargo_lock("Cargo.lock", lock.as_bytes(), Some(id(lock)), &ctx)
            })
        };
        assert!(
            matches!(run(LOCK), Outcome::PassAs(VouchedBy::Git, _)),
            "{:?}",
            run(LOCK)
        );
        let changed = LOCK.replace("4a5f13b8", "00000000");
        match run(&changed) {
            Outcome::Fail(why) => assert!(why.contains("workspace's lock Cargo.lock"), "{why}"),
            o => panic!("{o:?}"),
        }
    }

    /// cargo package's lock of one workspace member, against the workspace lock the tag
    /// commits: a subset of its pins passes (not the same bytes, so never `git`); a changed
    /// checksum fails; a pin the committed lock lacks stays name-only, named.
    #[test]
    fn a_package_lock_holds_the_committed_pins() {
        let other =
            "[package]\nname = \"other\"\nversion = \"0.2.0\"\n\n[dependencies]\nryu = \"1\"\n";
        let ryu = format!("\n[[package]]\nname = \"ryu\"\nversion = \"1.0.20\"\nsource = \"{CRATES_IO}\"\nchecksum = \"{}\"\n", "b".repeat(64));
        let other_pkg = "\n[[package]]\nname = \"other\"\nversion = \"0.2.0\"\ndependencies = [\n \"ryu\",\n]\n";
        let workspace_lock = format!("{LOCK}{other_pkg}{ryu}");
        let files = [
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"rpkg\", \"rpkg/helper\", \"other\"]\n",
            ),
            ("Cargo.lock", workspace_lock.as_str()),
            ("rpkg/Cargo.toml", MANIFEST),
            ("rpkg/helper/Cargo.toml", HELPER),
            ("other/Cargo.toml", other),
        ];
        let run = |lock: &str| {
            with_ctx(&files, |ctx| {
                let ctx = CheckContext {
                    subdir: Some("rpkg"),
                    ..*ctx
                };
                package_lock("Cargo.lock", lock.as_bytes(), None, &ctx)
            })
        };
        match run(LOCK) {
            Outcome::PassAs(VouchedBy::ContentCheck, why) => {
                assert!(why.contains("all 1 registry pins"), "{why}")
            }
            o => panic!("{o:?}"),
        }
        match run(&LOCK.replace("4a5f13b8", "00000000")) {
            Outcome::Fail(why) => {
                assert!(why.contains("itoa 1.0.15 has checksum 00000000"), "{why}")
            }
            o => panic!("{o:?}"),
        }
        match run(&LOCK.replace("1.0.15", "1.0.16")) {
            Outcome::PassAs(VouchedBy::NameOnly, why) => {
                assert!(
                    why.contains("resolved anew at packaging time (itoa 1.0.16)"),
                    "{why}"
                )
            }
            o => panic!("{o:?}"),
        }
        // The structure is still held against the manifests.
        match run(&LOCK.replace("version = \"0.4.0\"", "version = \"0.4.1\"")) {
            Outcome::Fail(why) => assert!(why.contains("0.4.1 in the lock"), "{why}"),
            o => panic!("{o:?}"),
        }
        // Without a committed lock: the generated case, its checksums named unverifiable.
        let files = [("Cargo.toml", MANIFEST), ("helper/Cargo.toml", HELPER)];
        match with_ctx(&files, |ctx| {
            package_lock("Cargo.lock", LOCK.as_bytes(), None, ctx)
        }) {
            Outcome::PassAs(VouchedBy::NameOnly, why) => {
                assert!(why.contains("cannot be verified offline"), "{why}")
            }
            o => panic!("{o:?}"),
        }
    }
}
