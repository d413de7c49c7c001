//! Wheels (`.whl`): a built distribution checked against the tag it claims.
//!
//! A wheel is not a copy of the tree: its files sit at import paths (`pkg/mod.py`), which the
//! backend mapped from the tree (`src/pkg/mod.py`, `lib/pkg/...`, or the root). So the git side
//! of the comparison is *built* from the wheel's own paths: each wheel file is paired with the
//! tree file at the mapped path (one of a few package roots, chosen by how many files they
//! explain), and then compared byte for byte like any archive. What has no tree file is
//! judged by the `wheel` profile: `.dist-info` metadata cross-checked (METADATA's version is
//! the tag's, WHEEL has only its keys, RECORD's hashes are the wheel's own entries'), version
//! files checked against their templates, compiled extensions indeterminate unless pinned.
//! Tree files a wheel does not ship are not listed: leaving out a file adds no code.

use crate::policy::checks::{tag_version, CheckContext, Outcome};
use base64::Engine;
use std::collections::HashMap;
use tarseal_git::{TreeEntry, TreeEntryKind};

/// Package roots a backend maps from, tried in this order (the root first).
const ROOTS: &[&str] = &["", "src/", "lib/", "python/", "py/"];

/// Whether a path is inside the wheel's metadata or data directories (never mapped).
fn is_wheel_metadata(path: &str) -> bool {
    let first = path.split('/').next().unwrap_or("");
    first.ends_with(".dist-info") || first.ends_with(".data")
}

/// The git side for a wheel: one entry per wheel file that a tree file backs, at the wheel's
/// path, with the tree's blob; plus the package roots used.
pub fn map_tree(wheel_files: &[&str], tree: &[TreeEntry]) -> (Vec<TreeEntry>, Vec<String>) {
    let by_path: HashMap<&str, &TreeEntry> = tree
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                TreeEntryKind::File | TreeEntryKind::Executable | TreeEntryKind::Symlink
            )
        })
        .map(|e| (e.path.as_str(), e))
        .collect();
    let files: Vec<&str> = wheel_files
        .iter()
        .copied()
        .filter(|p| !is_wheel_metadata(p))
        .collect();
    // Rank roots by the files they explain; a file goes to the best root that has it.
    let mut ranked: Vec<(&str, usize)> = ROOTS
        .iter()
        .map(|r| {
            let n = files
                .iter()
                .filter(|p| by_path.contains_key(format!("{r}{p}").as_str()))
                .count();
            (*r, n)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.1));
    let mut out = Vec::new();
    let mut used: Vec<String> = Vec::new();
    for p in files {
        for (r, _) in &ranked {
            if let Some(e) = by_path.get(format!("{r}{p}").as_str()) {
                // A symlink stays one: the comparison allows the link's target bytes
                // (backends copy them) through the `dereferenced` rule.
                out.push(TreeEntry {
                    path: p.to_string(),
                    kind: e.kind,
                    oid: e.oid,
                });
                if !used.iter().any(|u| u == r) {
                    used.push(r.to_string());
                }
                break;
            }
        }
    }
    out.sort_unstable_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    (out, used)
}

/// `WHEEL`: only the keys of the wheel format (PEP 427 / the binary distribution spec).
pub fn wheel_file(content: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(content) else {
        return Outcome::Fail("WHEEL is not UTF-8".into());
    };
    let mut version = false;
    let mut tags = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            return Outcome::Fail(format!(
                "WHEEL line {}: {line:?} is not `Key: value`",
                n + 1
            ));
        };
        match k.trim() {
            "Wheel-Version" => version = v.trim().starts_with("1."),
            "Generator" | "Root-Is-Purelib" | "Build" => {}
            "Tag" => tags.push(v.trim().to_string()),
            other => {
                return Outcome::Fail(format!(
                    "WHEEL line {}: key {other:?} is not one the wheel format defines",
                    n + 1
                ))
            }
        }
    }
    if !version || tags.is_empty() {
        return Outcome::Fail("WHEEL lacks Wheel-Version 1.x or a Tag".into());
    }
    Outcome::Pass(format!("wheel format 1.x, tags {}", tags.join(" ")))
}

/// `RECORD`: every file of the wheel is listed with its own SHA-256 (and nothing else is).
pub fn record(path: &str, content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let Ok(text) = std::str::from_utf8(content) else {
        return Outcome::Fail("RECORD is not UTF-8".into());
    };
    let files = (ctx.archive_files)();
    let actual: HashMap<&str, Option<[u8; 32]>> =
        files.iter().map(|(p, h)| (p.as_str(), *h)).collect();
    let dist_info = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let unhashed = |p: &str| {
        p == path
            || p == format!("{dist_info}/RECORD.jws")
            || p == format!("{dist_info}/RECORD.p7s")
    };
    let mut listed = std::collections::HashSet::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        // path,hash,size; a path with a comma is quoted.
        let (p, rest) = if let Some(q) = line.strip_prefix('"') {
            match q.split_once("\",") {
                Some((p, r)) => (p.replace("\"\"", "\""), r),
                None => return Outcome::Fail(format!("RECORD line {}: bad quoting", n + 1)),
            }
        } else {
            match line.split_once(',') {
                Some((p, r)) => (p.to_string(), r),
                None => return Outcome::Fail(format!("RECORD line {}: not CSV", n + 1)),
            }
        };
        let hash = rest.split(',').next().unwrap_or("");
        if unhashed(&p) {
            listed.insert(p);
            continue;
        }
        let Some(have) = actual.get(p.as_str()) else {
            return Outcome::Fail(format!(
                "RECORD line {}: lists {p}, which the wheel does not hold",
                n + 1
            ));
        };
        let Some(b64) = hash.strip_prefix("sha256=") else {
            return Outcome::Fail(format!(
                "RECORD line {}: {p} has no sha256 hash ({hash:?})",
                n + 1
            ));
        };
        let want = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(b64.trim_end_matches('='))
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok());
        match (want, have) {
            (Some(w), Some(h)) if w == *h => {}
            (Some(_), Some(h)) => {
                return Outcome::Fail(format!(
                    "RECORD line {}: {p}'s hash is not the wheel entry's (sha256 {})",
                    n + 1,
                    hex::encode(h)
                ))
            }
            (None, _) => {
                return Outcome::Fail(format!("RECORD line {}: bad sha256 for {p}", n + 1))
            }
            (_, None) => {
                return Outcome::Undecided(format!("no sha256 was computed for {p}"));
            }
        }
        listed.insert(p);
    }
    if let Some((p, _)) = files
        .iter()
        .find(|(p, _)| !listed.contains(p) && !unhashed(p))
    {
        return Outcome::Fail(format!("RECORD does not list {p}, which the wheel holds"));
    }
    Outcome::Pass(format!(
        "all {} files of the wheel listed with their own sha256",
        listed.len()
    ))
}

/// Entry points the tree's metadata declares, as `section -> name -> value`.
fn declared_entry_points(ctx: &CheckContext<'_>) -> Option<Ep> {
    let id = (ctx.git_blob)("pyproject.toml");
    let mut out: Ep = Ep::new();
    let mut found = false;
    if let Some(t) = id
        .and_then(|id| (ctx.read_git_blob)(id))
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| t.parse::<toml::Table>().ok())
    {
        if let Some(project) = t.get("project").and_then(|p| p.as_table()) {
            found = true;
            let mut add = |section: &str, tbl: Option<&toml::Value>| {
                if let Some(tbl) = tbl.and_then(|t| t.as_table()) {
                    for (k, v) in tbl {
                        if let Some(v) = v.as_str() {
                            out.entry(section.to_string())
                                .or_default()
                                .insert(k.clone(), norm_ep(v));
                        }
                    }
                }
            };
            add("console_scripts", project.get("scripts"));
            add("gui_scripts", project.get("gui-scripts"));
            if let Some(eps) = project.get("entry-points").and_then(|e| e.as_table()) {
                for (section, tbl) in eps {
                    add(section, Some(tbl));
                }
            }
            let dynamic = project
                .get("dynamic")
                .and_then(|d| d.as_array())
                .is_some_and(|d| {
                    d.iter().any(|x| {
                        matches!(x.as_str(), Some("scripts" | "entry-points" | "gui-scripts"))
                    })
                });
            if dynamic {
                return None;
            }
        }
        // poetry's own table.
        if let Some(scripts) = t
            .get("tool")
            .and_then(|t| t.get("poetry"))
            .and_then(|p| p.get("scripts"))
            .and_then(|s| s.as_table())
        {
            found = true;
            for (k, v) in scripts {
                if let Some(v) = v.as_str() {
                    out.entry("console_scripts".into())
                        .or_default()
                        .insert(k.clone(), norm_ep(v));
                }
            }
        }
    }
    found.then_some(out)
}

type Ep = std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>;

fn norm_ep(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `entry_points.txt`: exactly what the tag's pyproject.toml declares.
pub fn entry_points(content: &[u8], ctx: &CheckContext<'_>) -> Outcome {
    let Ok(text) = std::str::from_utf8(content) else {
        return Outcome::Fail("entry_points.txt is not UTF-8".into());
    };
    let mut got = Ep::new();
    let mut section: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') || l.starts_with(';') {
            continue;
        }
        if let Some(s) = l.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            section = Some(s.trim().to_string());
            continue;
        }
        let (Some(s), Some((k, v))) = (&section, l.split_once('=')) else {
            return Outcome::Fail(format!("entry_points.txt line {}: {l:?}", n + 1));
        };
        got.entry(s.clone())
            .or_default()
            .insert(k.trim().to_string(), norm_ep(v.trim()));
    }
    match declared_entry_points(ctx) {
        None => Outcome::Undecided(
            "entry_points.txt: the tag's pyproject.toml does not declare the entry points statically (setup.py or dynamic), so they cannot be compared".into(),
        ),
        Some(want) if want == got => {
            Outcome::Pass("the entry points the tag's pyproject.toml declares".into())
        }
        Some(want) => Outcome::Fail(format!(
            "entry points differ from the tag's pyproject.toml: declared {want:?}, the wheel has {got:?}"
        )),
    }
}

/// `METADATA` of a wheel: its Version is the tag's (PEP 440).
pub fn metadata_version(content: &[u8], tag: Option<&str>) -> Outcome {
    let text = String::from_utf8_lossy(content);
    let version = text
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix("Version:").map(|v| v.trim().to_string()));
    let Some(v) = version else {
        return Outcome::Fail("METADATA has no Version".into());
    };
    match tag {
        None => Outcome::Pass(format!("Version {v} (checked against a commit)")),
        Some(t) if crate::pep440::same_version(&v, tag_version(t)) => {
            Outcome::Pass(format!("Version {v} matches tag {t}"))
        }
        Some(t) => Outcome::Fail(format!("Version {v} is not tag {t}'s")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tarseal_git::ObjectId;

    fn oid(n: u8) -> ObjectId {
        ObjectId::from_hex(format!("{n:02x}").repeat(20).as_bytes()).unwrap()
    }

    #[test]
    fn wheel_paths_map_to_the_best_root() {
        let tree = vec![
            TreeEntry {
                path: "src/pkg/__init__.py".into(),
                kind: TreeEntryKind::File,
                oid: oid(1),
            },
            TreeEntry {
                path: "src/pkg/a.py".into(),
                kind: TreeEntryKind::File,
                oid: oid(2),
            },
            TreeEntry {
                path: "pkg/a.py".into(),
                kind: TreeEntryKind::File,
                oid: oid(3),
            },
            TreeEntry {
                path: "README".into(),
                kind: TreeEntryKind::File,
                oid: oid(4),
            },
        ];
        let (m, roots) = map_tree(
            &[
                "pkg/__init__.py",
                "pkg/a.py",
                "pkg/_ext.so",
                "pkg-1.0.dist-info/METADATA",
            ],
            &tree,
        );
        assert_eq!(roots, ["src/"]);
        assert_eq!(m.len(), 2);
        assert_eq!(m[1].path, "pkg/a.py");
        assert_eq!(m[1].oid, oid(2), "src/ explains more files, so it wins");
    }

    #[test]
    fn wheel_file_keys() {
        assert!(matches!(
            wheel_file(b"Wheel-Version: 1.0\nGenerator: bdist_wheel (0.45.1)\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
            Outcome::Pass(_)
        ));
        assert!(matches!(
            wheel_file(b"Wheel-Version: 1.0\nTag: py3-none-any\nInstall-Script: evil\n"),
            Outcome::Fail(_)
        ));
        assert!(matches!(
            wheel_file(b"Tag: py3-none-any\n"),
            Outcome::Fail(_)
        ));
    }
}
