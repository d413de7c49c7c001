//! `--profile auto`: which built-in profile explains how a release was made.
//!
//! The choice comes from the signed side first (the tag's tree: `pyproject.toml`'s
//! `build-backend`, `setup.cfg`'s `[pbr]`, `Cargo.toml`, `package.json`, `configure.ac`,
//! `meson.build`) and is confirmed or sharpened by what the archive's layout shows (`PKG-INFO`,
//! `.cargo_vcs_info.json`, npm's `package/`, git archive's pax comment). The archive alone
//! never selects a more permissive profile than the tree supports: a `configure` in the
//! tarball of a project without `configure.ac` does not make it an autotools release.
//! The choice is printed with its reason, and an explicit `--profile` always wins.

use std::collections::HashSet;

/// The profile chosen and why, in words for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub profile: String,
    pub why: String,
}

/// What the tag's tree shows (paths relative to the compared root, `--subdir` included).
pub struct TreeFacts<'a> {
    pub paths: &'a HashSet<&'a str>,
    /// The text of a regular file of the tree, `None` when absent or not UTF-8.
    pub read: &'a dyn Fn(&str) -> Option<String>,
}

/// What the archive's layout shows (paths relative to its prefix).
pub struct ArchiveFacts<'a> {
    pub prefix: &'a str,
    /// Whether the archive has an entry at this path (a lookup, not a set: the archive may
    /// hold a million entries).
    pub has: &'a dyn Fn(&str) -> bool,
    /// The pax comment `git archive` writes names the tag's commit.
    pub git_archive_comment: bool,
}

/// The Python build backend a `pyproject.toml` names, as a profile name, with the words
/// saying so (`build-backend "hatchling.build"`).
pub fn python_backend(pyproject: &str) -> Option<(&'static str, String)> {
    let t: toml::Table = pyproject.parse().ok()?;
    let bs = t.get("build-system")?;
    let backend = bs.get("build-backend").and_then(|b| b.as_str());
    let requires: Vec<String> = bs
        .get("requires")
        .and_then(|r| r.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str())
                .map(|s| s.to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let Some(backend) = backend else {
        // PEP 517: no backend means setuptools' legacy backend.
        let pbr = requires.iter().any(|r| r.starts_with("pbr"));
        return Some((
            if pbr { "pbr" } else { "setuptools" },
            "no build-backend (PEP 517: setuptools.build_meta:__legacy__)".into(),
        ));
    };
    let profile = match backend.split(':').next().unwrap_or(backend).trim() {
        "pbr.build" => "pbr",
        "setuptools.build_meta" | "setuptools.build_meta.__legacy__" => {
            if requires.iter().any(|r| r.starts_with("pbr")) {
                "pbr"
            } else {
                "setuptools"
            }
        }
        "hatchling.build" | "hatchling.ouroboros" => "hatchling",
        "flit_core.buildapi" | "flit_core.buildapi_intree" | "flit.buildapi" => "flit-core",
        "pdm.backend" | "pdm.backend.intree" | "pdm.pep517.api" => "pdm-backend",
        "poetry.core.masonry.api" | "poetry.masonry.api" => "poetry-core",
        "maturin" => "maturin",
        "mesonpy" => "meson-python",
        "scikit_build_core.build" | "scikit_build_core.setuptools.build_meta" => {
            "scikit-build-core"
        }
        _ => return in_tree_wrapper(bs, backend, &requires),
    };
    Some((profile, format!("build-backend {backend:?}")))
}

/// An in-tree backend (`backend-path`) that no profile knows by name, wrapping exactly one
/// known backend listed in `build-system.requires` (cmake-python-distributions'
/// `backend = "backend"`, `backend-path = ["_build_backend"]`, requiring only
/// scikit-build-core): the sdist is that backend's. Two known backends, or none, decide
/// nothing.
fn in_tree_wrapper(
    bs: &toml::Value,
    backend: &str,
    requires: &[String],
) -> Option<(&'static str, String)> {
    let paths: Vec<&str> = bs
        .get("backend-path")?
        .as_array()?
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    if paths.is_empty() {
        return None;
    }
    let known: Vec<&'static str> = requires
        .iter()
        .filter_map(|r| {
            let name: String = r
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .map(|c| if c == '_' || c == '.' { '-' } else { c })
                .collect();
            Some(match name.as_str() {
                "scikit-build-core" => "scikit-build-core",
                "hatchling" => "hatchling",
                "flit-core" => "flit-core",
                "pdm-backend" => "pdm-backend",
                "poetry-core" => "poetry-core",
                "maturin" => "maturin",
                "meson-python" => "meson-python",
                "setuptools" => "setuptools",
                "pbr" => "pbr",
                _ => return None,
            })
        })
        .collect();
    match known.as_slice() {
        [one] => Some((
            one,
            format!(
                "build-backend {backend:?} (in-tree, backend-path {paths:?}) wrapping {one}, the only build backend its build-system.requires names"
            ),
        )),
        _ => None,
    }
}

/// Whether the tree uses pbr through setup.cfg / setup.py (OpenStack's layout).
fn uses_pbr(tree: &TreeFacts<'_>) -> bool {
    let cfg_pbr = (tree.read)("setup.cfg")
        .is_some_and(|c| c.lines().any(|l| l.trim().eq_ignore_ascii_case("[pbr]")));
    let setup_py = (tree.read)("setup.py").is_some_and(|s| {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        s.contains("pbr=True")
    });
    cfg_pbr || setup_py
}

/// Chooses the profile for a release.
pub fn choose(tree: &TreeFacts<'_>, archive: &ArchiveFacts<'_>) -> Choice {
    let c = |p: &str, why: String| Choice {
        profile: p.into(),
        why,
    };
    let t = |p: &str| tree.paths.contains(p);
    let a = |p: &str| (archive.has)(p);
    if archive.git_archive_comment {
        return c(
            "git-archive",
            "the archive carries git archive's pax comment naming the tag's commit".into(),
        );
    }
    if (a(".cargo_vcs_info.json") || a("Cargo.toml.orig")) && t("Cargo.toml") {
        return c(
            "cargo",
            "the archive holds cargo package's .cargo_vcs_info.json / Cargo.toml.orig and the tree a Cargo.toml".into(),
        );
    }
    if archive.prefix == "package" && a("package.json") && t("package.json") {
        return c(
            "npm",
            "the archive is npm pack's layout (package/package.json) and the tree has package.json"
                .into(),
        );
    }
    let python = || -> Option<Choice> {
        if let Some(py) = (tree.read)("pyproject.toml") {
            if let Some((profile, backend)) = python_backend(&py) {
                let profile = if profile == "setuptools" && uses_pbr(tree) {
                    "pbr"
                } else {
                    profile
                };
                return Some(c(
                    profile,
                    format!("the tree's pyproject.toml names {backend}"),
                ));
            }
        }
        if uses_pbr(tree) {
            return Some(c(
                "pbr",
                "the tree's setup.cfg/setup.py configure pbr".into(),
            ));
        }
        if t("setup.py") || t("setup.cfg") {
            return Some(c(
                "setuptools",
                "the tree has setup.py/setup.cfg and no pyproject.toml build-backend".into(),
            ));
        }
        None
    };
    // maturin's sdist of a workspace member: the member's pyproject.toml sits at the sdist's
    // root (the workspace's), where the tree has none.
    if a("PKG-INFO") && a("pyproject.toml") && !t("pyproject.toml") && t("Cargo.toml") {
        if let Some(member) = maturin_member(tree) {
            return c(
                "maturin",
                format!("the tree's {member} names build-backend \"maturin\" and the archive holds pyproject.toml and PKG-INFO at the workspace root (maturin's sdist of a workspace member)"),
            );
        }
    }
    if a("PKG-INFO") {
        if let Some(mut ch) = python() {
            ch.why.push_str("; the archive holds PKG-INFO (an sdist)");
            return ch;
        }
    }
    let autotools = t("configure.ac") || t("configure.in") || t("Makefile.am");
    let generated = |p: &str| a(p) && !t(p);
    if autotools && (generated("configure") || generated("Makefile.in")) {
        return c(
            "autotools",
            "the tree has configure.ac/Makefile.am and the archive the configure/Makefile.in that make dist generates".into(),
        );
    }
    if t("meson.build") && !a("PKG-INFO") {
        return c(
            "meson",
            "the tree has meson.build (meson dist archives the tag and its subprojects)".into(),
        );
    }
    if let Some(ch) = python() {
        return ch;
    }
    if t("Cargo.toml") {
        return c("cargo", "the tree has Cargo.toml".into());
    }
    if t("package.json") {
        return c("npm", "the tree has package.json".into());
    }
    if autotools {
        return c("autotools", "the tree has configure.ac/Makefile.am".into());
    }
    c(
        "git-archive",
        "no build tool's files in the tree: the archive must be exactly the tag (git archive)"
            .into(),
    )
}

/// The first `DIR/pyproject.toml` of the tree (in path order) naming maturin, beside a
/// `DIR/Cargo.toml`.
fn maturin_member(tree: &TreeFacts<'_>) -> Option<String> {
    let mut candidates: Vec<&str> = tree
        .paths
        .iter()
        .copied()
        .filter(|p| p.ends_with("/pyproject.toml"))
        .collect();
    candidates.sort_unstable();
    candidates.into_iter().find_map(|p| {
        let dir = p.strip_suffix("/pyproject.toml")?;
        if !tree.paths.contains(format!("{dir}/Cargo.toml").as_str()) {
            return None;
        }
        let (profile, _) = python_backend(&(tree.read)(p)?)?;
        (profile == "maturin").then(|| p.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn choose_with(tree: &[(&str, &str)], archive: &[&str], prefix: &str) -> Choice {
        let files: HashMap<&str, &str> = tree.iter().copied().collect();
        let paths: HashSet<&str> = files.keys().copied().collect();
        let read = |p: &str| files.get(p).map(|s| s.to_string());
        let apaths: HashSet<&str> = archive.iter().copied().collect();
        choose(
            &TreeFacts {
                paths: &paths,
                read: &read,
            },
            &ArchiveFacts {
                prefix,
                has: &|p: &str| apaths.contains(p),
                git_archive_comment: false,
            },
        )
    }

    #[test]
    fn backends_are_named_from_pyproject() {
        for (backend, want) in [
            ("hatchling.build", "hatchling"),
            ("flit_core.buildapi", "flit-core"),
            ("pdm.backend", "pdm-backend"),
            ("poetry.core.masonry.api", "poetry-core"),
            ("maturin", "maturin"),
            ("mesonpy", "meson-python"),
            ("scikit_build_core.build", "scikit-build-core"),
            ("setuptools.build_meta", "setuptools"),
            ("pbr.build", "pbr"),
        ] {
            let py = format!("[build-system]\nrequires = [\"x\"]\nbuild-backend = \"{backend}\"\n");
            let ch = choose_with(&[("pyproject.toml", &py)], &["PKG-INFO"], "x-1");
            assert_eq!(ch.profile, want, "{backend}");
            assert!(ch.why.contains(backend), "{}", ch.why);
        }
    }

    /// cmake-python-distributions 4.1.0: `build-backend = "backend"` from `backend-path`,
    /// requiring only scikit-build-core. Two known backends in requires decide nothing.
    #[test]
    fn an_in_tree_wrapper_of_one_known_backend() {
        let py = "[build-system]\nrequires = [\"scikit-build-core>=0.10\"]\nbuild-backend = \"backend\"\nbackend-path = [\"_build_backend\"]\n";
        let ch = choose_with(&[("pyproject.toml", py)], &["PKG-INFO"], "cmake-4.1.0");
        assert_eq!(ch.profile, "scikit-build-core", "{}", ch.why);
        assert!(
            ch.why.contains("in-tree") && ch.why.contains("_build_backend"),
            "{}",
            ch.why
        );
        for py in [
            "[build-system]\nrequires = [\"scikit_build_core\", \"hatchling\"]\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n",
            "[build-system]\nrequires = [\"scikit-build-core\"]\nbuild-backend = \"backend\"\n",
            "[build-system]\nrequires = [\"mytool\"]\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n",
        ] {
            assert_eq!(python_backend(py), None, "{py}");
        }
    }

    #[test]
    fn pbr_through_setup_cfg_and_legacy_pyproject() {
        let ch = choose_with(
            &[
                ("setup.cfg", "[metadata]\nname = nova\n[pbr]\nskip_authors = 1\n"),
                ("setup.py", "import setuptools\nsetuptools.setup(setup_requires=['pbr>=2.0.0'], pbr=True)\n"),
                ("pyproject.toml", "[build-system]\nrequires = [\"pbr>=6.1.1\"]\nbuild-backend = \"pbr.build\"\n"),
            ],
            &["PKG-INFO", "ChangeLog"],
            "nova-27.1.0",
        );
        assert_eq!(ch.profile, "pbr");
        let ch = choose_with(
            &[("setup.py", "setup(\n    pbr = True)\n")],
            &["PKG-INFO"],
            "x-1",
        );
        assert_eq!(ch.profile, "pbr");
    }

    #[test]
    fn layouts() {
        let cargo = choose_with(&[("Cargo.toml", "")], &[".cargo_vcs_info.json"], "x-1");
        assert_eq!(cargo.profile, "cargo");
        let npm = choose_with(&[("package.json", "{}")], &["package.json"], "package");
        assert_eq!(npm.profile, "npm");
        let at = choose_with(
            &[("configure.ac", "AC_INIT"), ("Makefile.am", "")],
            &["configure", "Makefile.in"],
            "xz-5.4.1",
        );
        assert_eq!(at.profile, "autotools");
        // A configure in the tarball of a project without configure.ac: not autotools.
        let plain = choose_with(&[("README", "")], &["configure"], "x-1");
        assert_eq!(plain.profile, "git-archive");
        let meson = choose_with(&[("meson.build", "")], &["meson.build"], "x-1");
        assert_eq!(meson.profile, "meson");
        let mesonpy = choose_with(
            &[
                ("meson.build", ""),
                (
                    "pyproject.toml",
                    "[build-system]\nbuild-backend = \"mesonpy\"\n",
                ),
            ],
            &["PKG-INFO"],
            "x-1",
        );
        assert_eq!(mesonpy.profile, "meson-python");
    }

    #[test]
    fn maturin_workspace_member_sdist() {
        let py = "[build-system]\nrequires = [\"maturin\"]\nbuild-backend = \"maturin\"\n";
        let tree = [
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"crates/a\", \"crates/py\"]\n",
            ),
            ("crates/a/Cargo.toml", ""),
            ("crates/py/Cargo.toml", ""),
            ("crates/py/pyproject.toml", py),
        ];
        let ch = choose_with(
            &tree,
            &["PKG-INFO", "pyproject.toml", "Cargo.toml"],
            "j-1.0",
        );
        assert_eq!(ch.profile, "maturin", "{}", ch.why);
        assert!(ch.why.contains("crates/py/pyproject.toml"), "{}", ch.why);
        // Without the sdist's layout it stays a cargo release.
        let ch = choose_with(&tree, &["Cargo.toml"], "j-1.0");
        assert_eq!(ch.profile, "cargo", "{}", ch.why);
    }
}
