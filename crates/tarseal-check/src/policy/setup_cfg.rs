//! `setup.cfg` as setuptools and pbr rewrite it in an sdist.
//!
//! `setup.py sdist` (and pbr) add an `[egg_info]` section with `tag_build`/`tag_date` and write
//! the file back through `configparser`, which can re-indent continuation lines and change
//! `key: value` into `key = value`. So the comparison is semantic: both files are parsed into
//! sections of keys whose values are lists of stripped, non-empty lines; the archive's may have
//! exactly the `[egg_info]` additions and nothing else. A new entry point, a changed option, a
//! new section: all fail.

use std::collections::BTreeMap;

type Sections = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// Why a setup.cfg does not read as `configparser` reads it; names the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyntaxError {
    #[error("line {line}: option outside any [section]")]
    OptionOutsideSection { line: usize },
    #[error("line {line}: neither `key = value` nor a section")]
    NotKeyValue { line: usize },
}

/// The first way the archive's setup.cfg is more than git's plus the `[egg_info]` keys
/// setuptools writes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Difference {
    #[error("git's setup.cfg: {0}")]
    GitSyntax(SyntaxError),
    #[error("the archive's setup.cfg: {0}")]
    ArchiveSyntax(SyntaxError),
    #[error("adds section [{section}]")]
    AddsSection { section: String },
    #[error("adds option {key} to [{section}]")]
    AddsOption { section: String, key: String },
    /// The values are the option's lines joined with newlines.
    #[error("changes [{section}] {key}: git has {git:?}, the archive {archive:?}")]
    ChangesOption {
        section: String,
        key: String,
        git: String,
        archive: String,
    },
    #[error("removes option {key} from [{section}]")]
    RemovesOption { section: String, key: String },
    #[error("removes section [{section}]")]
    RemovesSection { section: String },
}

/// Keys that setuptools' `egg_info` command writes at sdist time.
const EGG_INFO_KEYS: &[&str] = &["tag_build", "tag_date", "tag_svn_revision"];

/// Parses INI text the way `configparser` reads setup.cfg (comments `#`/`;` at line start,
/// `key = value` or `key: value`, indented continuation lines). Errors name the line.
fn parse(text: &str) -> Result<Sections, SyntaxError> {
    let mut out: Sections = BTreeMap::new();
    let mut section: Option<String> = None;
    let mut key: Option<String> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            // A blank line inside a multi-line value is kept by configparser as an empty line;
            // we drop empty lines on both sides, so it makes no difference.
            continue;
        }
        let indented = line.len() != trimmed.len();
        if indented {
            if let (Some(s), Some(k)) = (&section, &key) {
                out.get_mut(s)
                    .and_then(|m| m.get_mut(k))
                    .expect("key was inserted")
                    .push(trimmed.to_string());
                continue;
            }
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            let name = name.trim().to_string();
            out.entry(name.clone()).or_default();
            section = Some(name);
            key = None;
            continue;
        }
        let Some(s) = &section else {
            return Err(SyntaxError::OptionOutsideSection { line: n + 1 });
        };
        let split = trimmed.find(['=', ':']);
        let Some(pos) = split else {
            return Err(SyntaxError::NotKeyValue { line: n + 1 });
        };
        let k = trimmed[..pos].trim().to_ascii_lowercase();
        let v = trimmed[pos + 1..].trim();
        let values = if v.is_empty() {
            Vec::new()
        } else {
            vec![v.to_string()]
        };
        out.entry(s.clone()).or_default().insert(k.clone(), values);
        key = Some(k);
    }
    Ok(out)
}

/// setup.cfg parsed as [`only_egg_info_added`] reads it: section → key → value lines.
pub(crate) fn parse_public(text: &str) -> Result<Sections, SyntaxError> {
    parse(text)
}

/// Ok (with a note) when `archive` is `git` plus only the `[egg_info]` keys setuptools writes;
/// otherwise the first difference found.
pub fn only_egg_info_added(git: &[u8], archive: &[u8]) -> Result<String, Difference> {
    let g = parse(&String::from_utf8_lossy(git)).map_err(Difference::GitSyntax)?;
    let mut a = parse(&String::from_utf8_lossy(archive)).map_err(Difference::ArchiveSyntax)?;
    let mut added = Vec::new();
    if let Some(egg) = a.get_mut("egg_info") {
        let original = g.get("egg_info");
        for k in EGG_INFO_KEYS {
            if original.and_then(|o| o.get(*k)).is_none() {
                if let Some(v) = egg.remove(*k) {
                    added.push(format!("{k} = {}", v.join(" ")));
                }
            }
        }
        if egg.is_empty() && original.is_none() {
            a.remove("egg_info");
        }
    }
    for (name, keys) in &a {
        let Some(gk) = g.get(name) else {
            return Err(Difference::AddsSection {
                section: name.clone(),
            });
        };
        for (k, v) in keys {
            match gk.get(k) {
                None => {
                    return Err(Difference::AddsOption {
                        section: name.clone(),
                        key: k.clone(),
                    })
                }
                Some(gv) if gv != v => {
                    return Err(Difference::ChangesOption {
                        section: name.clone(),
                        key: k.clone(),
                        git: gv.join("\n"),
                        archive: v.join("\n"),
                    })
                }
                _ => {}
            }
        }
        for k in gk.keys() {
            if !keys.contains_key(k) {
                return Err(Difference::RemovesOption {
                    section: name.clone(),
                    key: k.clone(),
                });
            }
        }
    }
    for name in g.keys() {
        if !a.contains_key(name) {
            return Err(Difference::RemovesSection {
                section: name.clone(),
            });
        }
    }
    Ok(if added.is_empty() {
        "same options as git's setup.cfg (formatting differs)".to_string()
    } else {
        format!("git's setup.cfg plus [egg_info] {}", added.join(", "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIT: &str = "[metadata]\nname = nova\nsummary: Cloud computing fabric controller\nclassifier =\n    Environment :: OpenStack\n    Programming Language :: Python\n\n[entry_points]\nconsole_scripts =\n    nova-api = nova.cmd.api:main\n";

    #[test]
    fn egg_info_added_and_reindented_is_allowed() {
        let sdist = "[metadata]\nname = nova\nsummary = Cloud computing fabric controller\nclassifier = \n\tEnvironment :: OpenStack\n\tProgramming Language :: Python\n\n[entry_points]\nconsole_scripts = \n\tnova-api = nova.cmd.api:main\n\n[egg_info]\ntag_build = \ntag_date = 0\n\n";
        let note = only_egg_info_added(GIT.as_bytes(), sdist.as_bytes()).unwrap();
        assert!(note.contains("tag_date = 0"), "{note}");
    }

    #[test]
    fn new_entry_point_is_refused() {
        let sdist =
            format!("{GIT}    nova-evil = nova.evil:main\n[egg_info]\ntag_build =\ntag_date = 0\n");
        let err = only_egg_info_added(GIT.as_bytes(), sdist.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("console_scripts"), "{err}");
    }

    #[test]
    fn extra_egg_info_key_and_new_section_are_refused() {
        let sdist = format!("{GIT}[egg_info]\ntag_build =\negg_base = /tmp\n");
        assert!(only_egg_info_added(GIT.as_bytes(), sdist.as_bytes()).is_err());
        let sdist = format!("{GIT}[options]\npackages = evil\n");
        let err = only_egg_info_added(GIT.as_bytes(), sdist.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("[options]"), "{err}");
    }

    #[test]
    fn removed_option_is_refused() {
        let sdist = "[metadata]\nname = nova\n[entry_points]\nconsole_scripts =\n  nova-api = nova.cmd.api:main\n";
        assert!(only_egg_info_added(GIT.as_bytes(), sdist.as_bytes()).is_err());
    }
}
