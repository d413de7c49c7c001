//! maturin's rewritten `Cargo.toml`: which differences from git's manifest are maturin's own.
//!
//! `maturin sdist` (also `python -m build --sdist` with the maturin backend) does not copy the
//! crate's `Cargo.toml`; it writes it again after a few rewrites (maturin's
//! `source_distribution/cargo_toml_rewrite.rs`): `package.readme` and `package.license-file`
//! point at the copy placed beside the manifest (cargo's auto-detected `README.md` included),
//! path dependencies get paths inside the sdist, workspace members that are not packaged are
//! dropped (and `default-members` with them), workspace inheritance of dependencies outside the
//! sdist is resolved, and targets whose sources are not packaged are removed. Each of those is
//! allowed here in exactly that shape; any other difference — a dependency added or changed, a
//! build script, a feature, a profile — fails, naming the key.

use super::checks::{parse_toml, CheckContext, Outcome};
use toml::{Table, Value};

/// Tables whose entries are dependencies (also under `target.<cfg>`).
const DEP_TABLES: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];
/// Target arrays maturin narrows to the packaged targets.
const TARGET_ARRAYS: [&str; 4] = ["bin", "example", "test", "bench"];
/// The names cargo finds a readme by when `package.readme` is unset (maturin writes the one
/// cargo found).
const AUTO_READMES: [&str; 3] = ["README.md", "README.txt", "README"];

/// Judges the archive's `Cargo.toml` at `path` against git's.
pub(crate) fn cargo_toml(path: &str, content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let Some(git_bytes) = (ctx.git_blob)(path).and_then(|id| (ctx.read_git_blob)(id)) else {
        return Outcome::Fail(format!("git has no {path} to compare with"));
    };
    let (mut git, mut archive) = match (
        parse_toml(&git_bytes, "git's Cargo.toml"),
        parse_toml(content, "the archive's Cargo.toml"),
    ) {
        (Ok(g), Ok(a)) => (g, a),
        (Err(e), _) | (_, Err(e)) => return Outcome::Fail(e.to_string()),
    };
    let mut rewrites = Vec::new();
    let mut differs = Vec::new();
    let mut undecided = Vec::new();

    manifest_files(&mut git, &mut archive, &mut rewrites, &mut differs);
    for (prefix, g, a) in dependency_tables(&mut git, &mut archive) {
        dependencies(&prefix, g, a, &mut rewrites, &mut differs, &mut undecided);
    }
    workspace(&mut git, &mut archive, &mut rewrites, &mut differs);
    targets(&mut git, &mut archive, &mut rewrites, &mut differs);
    differs.extend(remaining_differences(&git, &archive));

    if !differs.is_empty() {
        return Outcome::Fail(format!(
            "differs from git's beyond maturin's rewrites: {}",
            differs.join("; ")
        ));
    }
    if !undecided.is_empty() {
        return Outcome::Undecided(format!(
            "{}; compare them by hand or pin the file's sha256 in the project policy",
            undecided.join("; ")
        ));
    }
    if rewrites.is_empty() {
        Outcome::Pass("identical to git's as TOML".into())
    } else {
        Outcome::Pass(format!(
            "git's Cargo.toml with maturin's rewrites only: {}",
            rewrites.join(", ")
        ))
    }
}

fn is_workspace_inherited(v: &Value) -> bool {
    v.get("workspace").and_then(Value::as_bool) == Some(true)
}

fn is_bare_file_name(s: &str) -> bool {
    !s.is_empty() && !s.contains(['/', '\\']) && s != "." && s != ".."
}

fn file_name(s: &str) -> &str {
    s.rsplit(['/', '\\']).next().unwrap_or(s)
}

/// `package.readme` and `package.license-file`: pointed at the copy beside the manifest.
fn manifest_files(
    git: &mut Table,
    archive: &mut Table,
    rewrites: &mut Vec<String>,
    differs: &mut Vec<String>,
) {
    for key in ["readme", "license-file"] {
        let g = git
            .get_mut("package")
            .and_then(Value::as_table_mut)
            .and_then(|p| p.remove(key));
        let a = archive
            .get_mut("package")
            .and_then(Value::as_table_mut)
            .and_then(|p| p.remove(key));
        match (&g, &a) {
            (g, a) if g == a => {}
            (None, Some(Value::String(a)))
                if key == "readme" && AUTO_READMES.contains(&a.as_str()) =>
            {
                rewrites.push(format!(
                    "package.readme = {a:?} (cargo's auto-detected readme)"
                ))
            }
            (Some(Value::String(g)), Some(Value::String(a)))
                if is_bare_file_name(a) && file_name(g) == a =>
            {
                rewrites.push(format!(
                    "package.{key} {g:?} -> {a:?} (the copy beside the manifest)"
                ))
            }
            (Some(g), Some(Value::String(a)))
                if is_workspace_inherited(g) && is_bare_file_name(a) =>
            {
                rewrites.push(format!(
                    "package.{key} inherited from the workspace -> {a:?}"
                ))
            }
            _ => differs.push(format!(
                "package.{key} is {} in git, {} in the archive",
                shown(g.as_ref()),
                shown(a.as_ref())
            )),
        }
    }
}

fn shown(v: Option<&Value>) -> String {
    v.map_or_else(|| "unset".to_string(), |v| v.to_string())
}

/// The dependency tables of both manifests, top level and per target, paired by name
/// (removed from both, so that what remains can be compared whole).
fn dependency_tables(git: &mut Table, archive: &mut Table) -> Vec<(String, Table, Table)> {
    let mut out = Vec::new();
    for t in DEP_TABLES {
        let g = take_table(git, t);
        let a = take_table(archive, t);
        out.push((t.to_string(), g, a));
    }
    let gt = take_table(git, "target");
    let mut at = take_table(archive, "target");
    let mut cfgs: Vec<String> = gt.keys().chain(at.keys()).cloned().collect();
    cfgs.sort();
    cfgs.dedup();
    let mut gt = gt;
    for cfg in cfgs {
        let mut g = gt.remove(&cfg).and_then(into_table).unwrap_or_default();
        let mut a = at.remove(&cfg).and_then(into_table).unwrap_or_default();
        for t in DEP_TABLES {
            out.push((
                format!("target.{cfg}.{t}"),
                take_table(&mut g, t),
                take_table(&mut a, t),
            ));
        }
        // Anything else under target.<cfg> (rare) must stay as it is.
        if !g.is_empty() || !a.is_empty() {
            git.entry("target")
                .or_insert_with(|| Value::Table(Table::new()))
                .as_table_mut()
                .map(|t| t.insert(cfg.clone(), Value::Table(g)));
            archive
                .entry("target")
                .or_insert_with(|| Value::Table(Table::new()))
                .as_table_mut()
                .map(|t| t.insert(cfg.clone(), Value::Table(a)));
        }
    }
    out
}

fn take_table(t: &mut Table, key: &str) -> Table {
    t.remove(key).and_then(into_table).unwrap_or_default()
}

fn into_table(v: Value) -> Option<Table> {
    match v {
        Value::Table(t) => Some(t),
        _ => None,
    }
}

/// One dependency table: the same names, the same requirements; a path dependency may get
/// another path; a workspace-inherited one may be resolved (undecided: the workspace root that
/// would tell is outside the packaged directory).
fn dependencies(
    table: &str,
    mut git: Table,
    mut archive: Table,
    rewrites: &mut Vec<String>,
    differs: &mut Vec<String>,
    undecided: &mut Vec<String>,
) {
    for (name, a) in std::mem::take(&mut archive) {
        let Some(g) = git.remove(&name) else {
            differs.push(format!(
                "{table}.{name} is a dependency git's Cargo.toml does not name"
            ));
            continue;
        };
        if g == a {
            continue;
        }
        if is_workspace_inherited(&g) {
            undecided.push(format!(
                "{table}.{name} is inherited from the workspace in git and resolved to {a} in the archive"
            ));
            continue;
        }
        match (g, a) {
            (Value::Table(mut g), Value::Table(mut a))
                if g.contains_key("path") && a.contains_key("path") =>
            {
                let (gp, ap) = (g.remove("path"), a.remove("path"));
                if g == a {
                    rewrites.push(format!(
                        "{table}.{name}.path {} -> {}",
                        shown(gp.as_ref()),
                        shown(ap.as_ref())
                    ));
                } else {
                    differs.push(format!(
                        "{table}.{name} differs beyond its path: {} in git, {} in the archive",
                        Value::Table(g),
                        Value::Table(a)
                    ));
                }
            }
            (g, a) => differs.push(format!("{table}.{name} is {g} in git, {a} in the archive")),
        }
    }
    for name in git.keys() {
        differs.push(format!("{table}.{name} of git's Cargo.toml is missing"));
    }
}

/// `[workspace]`: members not packaged are dropped, `default-members` removed, the table
/// removed when no member is left; the rest of it unchanged.
fn workspace(
    git: &mut Table,
    archive: &mut Table,
    rewrites: &mut Vec<String>,
    differs: &mut Vec<String>,
) {
    let g = git.remove("workspace").and_then(into_table);
    let a = archive.remove("workspace").and_then(into_table);
    match (g, a) {
        (None, None) => {}
        (None, Some(_)) => differs.push("adds a [workspace] table git's has not".into()),
        (Some(_), None) => rewrites.push("[workspace] removed (no member packaged)".into()),
        (Some(mut g), Some(mut a)) => {
            let gm = strings(g.remove("members"));
            let am = strings(a.remove("members"));
            if let Some(extra) = am.iter().find(|m| !gm.contains(m)) {
                differs.push(format!("workspace.members adds {extra:?}"));
            } else if am.len() < gm.len() {
                rewrites.push(format!(
                    "workspace.members narrowed to the packaged {}",
                    am.len()
                ));
            }
            if g.remove("default-members").is_some() && !a.contains_key("default-members") {
                rewrites.push("workspace.default-members removed".into());
            }
            a.remove("default-members");
            if g != a {
                differs.push("[workspace] differs beyond members and default-members".into());
            }
        }
    }
}

fn strings(v: Option<Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Targets: `[lib]` and each `[[bin]]`/`[[example]]`/`[[test]]`/`[[bench]]` may be dropped
/// (their sources are not packaged), never added or changed.
fn targets(
    git: &mut Table,
    archive: &mut Table,
    rewrites: &mut Vec<String>,
    differs: &mut Vec<String>,
) {
    match (git.remove("lib"), archive.remove("lib")) {
        (g, a) if g == a => {}
        (Some(_), None) => rewrites.push("[lib] dropped (its source is not packaged)".into()),
        _ => differs.push("[lib] differs from git's".into()),
    }
    for kind in TARGET_ARRAYS {
        let g = match git.remove(kind) {
            Some(Value::Array(a)) => a,
            Some(other) => vec![other],
            None => Vec::new(),
        };
        let a = match archive.remove(kind) {
            Some(Value::Array(a)) => a,
            Some(other) => vec![other],
            None => Vec::new(),
        };
        if let Some(extra) = a.iter().find(|t| !g.contains(t)) {
            let name = extra
                .get("name")
                .map_or_else(|| extra.to_string(), |n| n.to_string());
            differs.push(format!("[[{kind}]] {name} is not git's"));
        } else if a.len() < g.len() {
            rewrites.push(format!(
                "{} [[{kind}]] target(s) dropped (sources not packaged)",
                g.len() - a.len()
            ));
        }
    }
}

/// Whatever is left must be equal: the differing keys, two levels deep.
fn remaining_differences(git: &Table, archive: &Table) -> Vec<String> {
    let mut out = Vec::new();
    let mut keys: Vec<&String> = git.keys().chain(archive.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        match (git.get(k), archive.get(k)) {
            (Some(g), Some(a)) if g == a => {}
            (Some(Value::Table(g)), Some(Value::Table(a))) => {
                let mut inner: Vec<&String> = g.keys().chain(a.keys()).collect();
                inner.sort();
                inner.dedup();
                for i in inner {
                    if g.get(i) != a.get(i) {
                        out.push(format!(
                            "{k}.{i} is {} in git, {} in the archive",
                            shown(g.get(i)),
                            shown(a.get(i))
                        ));
                    }
                }
            }
            (g, a) => out.push(format!(
                "[{k}] is {} in git, {} in the archive",
                shown(g),
                shown(a)
            )),
        }
    }
    out
}

/// The sdist's top-level `pyproject.toml` of a workspace member's project: maturin copies
/// `<member>/pyproject.toml` to the sdist's root and adds `[tool.maturin] manifest-path =
/// "<member>/Cargo.toml"` so the build finds the crate; nothing else may differ from git's.
pub(crate) fn workspace_pyproject(path: &str, content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let mut archive = match parse_toml(content, "the archive's pyproject.toml") {
        Ok(t) => t,
        Err(e) => return Outcome::Fail(e.to_string()),
    };
    let manifest = archive
        .get_mut("tool")
        .and_then(Value::as_table_mut)
        .and_then(|t| t.get_mut("maturin"))
        .and_then(Value::as_table_mut)
        .and_then(|m| m.remove("manifest-path"));
    let Some(Value::String(manifest)) = manifest else {
        return Outcome::Fail(format!(
            "{path} is not in git and names no [tool.maturin] manifest-path (a maturin sdist of a workspace member names its crate's Cargo.toml there)"
        ));
    };
    let Some(dir) = manifest
        .strip_suffix("/Cargo.toml")
        .filter(|d| !d.is_empty() && !d.split('/').any(|c| c == ".." || c == "." || c.is_empty()))
    else {
        return Outcome::Fail(format!(
            "[tool.maturin] manifest-path {manifest:?} is not a Cargo.toml inside the tree"
        ));
    };
    let git_path = format!("{dir}/pyproject.toml");
    let Some(git_bytes) = (ctx.git_blob)(&git_path).and_then(|id| (ctx.read_git_blob)(id)) else {
        return Outcome::Fail(format!(
            "git has no {git_path} for manifest-path {manifest:?}"
        ));
    };
    let mut git = match parse_toml(&git_bytes, "git's pyproject.toml of the member") {
        Ok(t) => t,
        Err(e) => return Outcome::Fail(e.to_string()),
    };
    // git's own manifest-path, relative to its directory, is what maturin re-roots.
    if let Some(m) = git
        .get_mut("tool")
        .and_then(Value::as_table_mut)
        .and_then(|t| t.get_mut("maturin"))
        .and_then(Value::as_table_mut)
    {
        match m.remove("manifest-path") {
            None => {}
            Some(Value::String(g)) if g == "Cargo.toml" || g == "./Cargo.toml" => {}
            Some(g) => {
                return Outcome::Fail(format!(
                    "git's {git_path} names manifest-path {g}, the archive's {manifest:?}"
                ))
            }
        }
    }
    for t in [&mut git, &mut archive] {
        let empty = t
            .get("tool")
            .and_then(|t| t.get("maturin"))
            .and_then(Value::as_table)
            .is_some_and(Table::is_empty);
        if empty {
            if let Some(tool) = t.get_mut("tool").and_then(Value::as_table_mut) {
                tool.remove("maturin");
            }
        }
    }
    let differs = remaining_differences(&git, &archive);
    if differs.is_empty() {
        Outcome::Pass(format!(
            "git's {git_path} with [tool.maturin] manifest-path = {manifest:?} added"
        ))
    } else {
        Outcome::Fail(format!(
            "differs from git's {git_path} beyond manifest-path: {}",
            differs.join("; ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `check` with a context whose git tree holds one file, `path` = `text`.
    fn with_git_file(
        path: &str,
        text: &str,
        check: impl FnOnce(&CheckContext<'_>) -> Outcome,
    ) -> Outcome {
        let p = tarseal_git::Person {
            name: "a".into(),
            email: "a@b".into(),
            time: 0,
            offset: 0,
        };
        let id =
            tarseal_git::ObjectId::from_hex(b"e14826601fd7aaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
        let c = tarseal_git::CommitInfo {
            id,
            tree: id,
            parents: vec![],
            author: p.clone(),
            committer: p,
            subject: String::new(),
            message: String::new(),
            decorations: vec![],
            tags_here: vec![],
        };
        let bytes = text.as_bytes().to_vec();
        let git_blob = |p: &str| (p == path).then_some(id);
        let read = |_: tarseal_git::ObjectId| Some(bytes.clone());
        let ctx = CheckContext {
            commit: &c,
            tag_name: Some("v0.4.0"),
            subdir: None,
            git_blob: &git_blob,
            read_git_blob: &read,
            archive_blob: &|_| None,
            repo_blob_path: &|_| None,
            git_has_dir: &|_| false,
            git_symlink: &|_| None,
            history: &|| None,
            archive_content: &|_: &str| None,
            archive_files: &Vec::new,
            tree: &[],
            full_tree: &[],
            gitlinks: &[],
            gnulib_layout: &Default::default(),
        };
        check(&ctx)
    }

    fn judge(git: &str, archive: &str) -> Outcome {
        with_git_file("Cargo.toml", git, |ctx| {
            cargo_toml("Cargo.toml", archive.as_bytes(), ctx)
        })
    }

    const GIT: &str = "[package]\nname = \"r\"\nversion = \"0.4.0\"\nedition = \"2021\"\n\n[dependencies]\nserde = \"1\"\nhelper = { path = \"../helper\", version = \"0.1\" }\n\n[workspace]\nmembers = [\".\", \"../helper\", \"../other\"]\ndefault-members = [\".\"]\n\n[[bin]]\nname = \"r\"\npath = \"src/main.rs\"\n\n[[bin]]\nname = \"dev-tool\"\npath = \"tools/dev.rs\"\n";

    #[test]
    fn maturins_rewrites_pass() {
        let archive = "[package]\nname = \"r\"\nversion = \"0.4.0\"\nedition = \"2021\"\nreadme = \"README.md\"\n\n[dependencies]\nserde = \"1\"\nhelper = { path = \"helper\", version = \"0.1\" }\n\n[workspace]\nmembers = [\".\", \"helper\"]\n\n[[bin]]\nname = \"r\"\npath = \"src/main.rs\"\n";
        // `helper` is renamed in members: that is not a narrowing, so it fails...
        assert!(matches!(judge(GIT, archive), Outcome::Fail(_)));
        // ...while the narrowing maturin does passes.
        let archive = archive.replace(
            "members = [\".\", \"helper\"]",
            "members = [\".\", \"../helper\"]",
        );
        match judge(GIT, &archive) {
            Outcome::Pass(why) => {
                assert!(why.contains("package.readme"), "{why}");
                assert!(why.contains("dependencies.helper.path"), "{why}");
                assert!(why.contains("[[bin]]"), "{why}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn identical_passes_and_real_changes_fail() {
        assert!(matches!(judge(GIT, GIT), Outcome::Pass(_)));
        for (from, to, says) in [
            ("serde = \"1\"", "serde = \"1\"\nevil = \"0.1\"", "evil"),
            (
                "serde = \"1\"",
                "serde = { version = \"1\", features = [\"derive\"] }",
                "serde",
            ),
            (
                "edition = \"2021\"",
                "edition = \"2021\"\nbuild = \"build.rs\"",
                "package.build",
            ),
            (
                "edition = \"2021\"",
                "edition = \"2021\"\nreadme = \"docs/README.md\"",
                "readme",
            ),
            (
                "path = \"tools/dev.rs\"",
                "path = \"tools/evil.rs\"",
                "dev-tool",
            ),
            (
                "version = \"0.4.0\"",
                "version = \"0.4.1\"",
                "package.version",
            ),
            (
                "[workspace]",
                "[profile.release]\nopt-level = 0\n\n[workspace]",
                "profile",
            ),
        ] {
            let archive = GIT.replace(from, to);
            assert_ne!(archive, GIT);
            match judge(GIT, &archive) {
                Outcome::Fail(why) => assert!(why.contains(says), "{to}: {why}"),
                other => panic!("{to}: {other:?}"),
            }
        }
        match judge(GIT, "not toml [") {
            Outcome::Fail(why) => assert!(why.contains("not valid TOML"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn resolved_workspace_dependency_is_undecided() {
        let git = "[package]\nname = \"r\"\nversion = \"1.0.0\"\n\n[dependencies]\nserde = { workspace = true }\n";
        let archive =
            "[package]\nname = \"r\"\nversion = \"1.0.0\"\n\n[dependencies]\nserde = \"1.0.200\"\n";
        assert!(matches!(judge(git, archive), Outcome::Undecided(_)));
    }

    #[test]
    fn workspace_member_pyproject() {
        let member = "[build-system]\nrequires = [\"maturin\"]\nbuild-backend = \"maturin\"\n\n[project]\nname = \"j\"\n\n[tool.maturin]\nmodule-name = \"j\"\n";
        let judge = |archive: &str| {
            with_git_file("crates/py/pyproject.toml", member, |ctx| {
                workspace_pyproject("pyproject.toml", archive.as_bytes(), ctx)
            })
        };
        let good = format!("{member}manifest-path = \"crates/py/Cargo.toml\"\n");
        assert!(
            matches!(judge(&good), Outcome::Pass(_)),
            "{:?}",
            judge(&good)
        );
        for bad in [
            member.to_string(),
            format!("{member}manifest-path = \"../x/Cargo.toml\"\n"),
            format!("{member}manifest-path = \"crates/other/Cargo.toml\"\n"),
            good.replace("module-name = \"j\"", "module-name = \"evil\""),
            good.replace("[project]\n", "[project]\ndependencies = [\"evil\"]\n"),
        ] {
            assert!(
                matches!(judge(&bad), Outcome::Fail(_)),
                "{bad}: {:?}",
                judge(&bad)
            );
        }
    }
}
