//! gnulib-tool's copied trees: files `make dist` ships that gnulib-tool copied from the gnulib
//! submodule the tag pins, at the places the tag's `gnulib-cache.m4` says.
//!
//! gnulib-tool (run by `bootstrap`) copies gnulib's `lib/X` to `$gl_SOURCE_BASE/X`, `m4/X` to
//! `$gl_M4_BASE/X`, `build-aux/X` to the auxiliary directory, `tests/X` (and the `lib/` files
//! of test modules) to `$gl_TESTS_BASE/X`, `doc/X` to `$gl_DOC_BASE/X` and `top/X` to `./X`.
//! The copies are not in the project's tree, but their bytes are pinned all the same: the tag's
//! gitlink names the gnulib commit they came from. So a copy is vouched for when its bytes
//! equal that commit's file at the mapped path (`submodule-copy`, the gnulib repository given
//! with `--submodule`), proven wrong when they differ, and undecided without the repository —
//! naming the submodule and the flag. The mapping is read from the tag's tree only.

use super::checks::{CheckContext, Gitlink, Outcome};
use crate::report::VouchedBy;
use tarseal_git::TreeEntryKind;

/// Files gnulib-tool writes rather than copies (judged by `gnulib-generated`), and its
/// configuration, which the tag holds.
const GENERATED: [&str; 4] = [
    "Makefile.am",
    "gnulib.mk",
    "gnulib-comp.m4",
    "gnulib-cache.m4",
];

/// Helper scripts automake, libtool or gettext install into the auxiliary directory too
/// (`automake --add-missing --copy`, `libtoolize`, `autopoint`): the release may hold their copy
/// rather than gnulib's (coreutils 9.1 ships automake 1.16.5's `compile`), so a difference from
/// gnulib's does not prove tampering; the profile's name rules judge them as before.
const DUAL_SOURCED: [&str; 14] = [
    "compile",
    "config.guess",
    "config.sub",
    "config.rpath",
    "depcomp",
    "install-sh",
    "missing",
    "test-driver",
    "ltmain.sh",
    "ar-lib",
    "mdate-sh",
    "texinfo.tex",
    "ylwrap",
    "py-compile",
];

/// Where gnulib-tool put things, from the tag's `gnulib-cache.m4`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    /// The cache file's path in the compared tree.
    pub cache: String,
    /// The directory gnulib-tool ran in, relative, with a trailing `/` ("" at the root).
    pub project: String,
    /// `(macro, base, gnulib directory)`: a file at `project + base + "/" + rest` is a copy of
    /// gnulib's `dir/rest` ("" or "." as base: directly in the project directory).
    pub bases: Vec<(&'static str, String, &'static str)>,
    /// `gl_LOCAL_DIR`: the project's overrides (`DIR/lib/X` replaces gnulib's `lib/X`,
    /// `DIR/lib/X.diff` patches it).
    pub local_dir: Option<String>,
    /// `gl_LGPL`: gnulib-tool rewrites license notices of the copied library files.
    pub lgpl: bool,
    /// `gl_MAKEFILE_NAME` (`Makefile.am` when empty).
    pub makefile_name: String,
    /// The module `config-h` is imported: gnulib-tool then rewrites `#ifdef HAVE_CONFIG_H`
    /// to `#if 1` in the library files it copies.
    pub config_h: bool,
}

/// The argument of `NAME(...)` on a line of its own (`[quoted]` or bare), as gnulib-tool
/// writes `gl_SOURCE_BASE([lib])`; comments (`#`, `dnl`) are skipped.
fn macro_arg(text: &str, name: &str) -> Option<String> {
    for line in text.lines() {
        let l = line.trim_start();
        let Some(rest) = l.strip_prefix(name) else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix('(') else {
            // `gl_LGPL` with no argument.
            if rest.trim().is_empty() {
                return Some(String::new());
            }
            continue;
        };
        let rest = rest.trim_start();
        let arg = match rest.strip_prefix('[') {
            Some(q) => q.split(']').next().unwrap_or_default(),
            None => rest.split(')').next().unwrap_or_default(),
        };
        return Some(arg.trim().to_string());
    }
    None
}

/// A relative directory from the cache: `None` when it leaves the tree.
fn clean_dir(d: &str) -> Option<String> {
    let d = d.trim().trim_end_matches('/');
    let d = d.strip_prefix("./").unwrap_or(d);
    if d.starts_with('/') || d.split('/').any(|c| c == "..") {
        return None;
    }
    Some(if d == "." {
        String::new()
    } else {
        d.to_string()
    })
}

/// The layout gnulib-tool used: from the first `gnulib-cache.m4` of the compared tree
/// (outside submodules), else from the `bootstrap.conf` at its root (projects whose bootstrap
/// writes the cache at bootstrap time do not commit it: coreutils, sed, grep).
pub(crate) fn layout(ctx: &CheckContext<'_>) -> Option<Layout> {
    ctx.gnulib_layout.get_or_init(|| read_layout(ctx)).clone()
}

/// [`layout`], read from the tree.
fn read_layout(ctx: &CheckContext<'_>) -> Option<Layout> {
    let mut caches: Vec<&str> = ctx
        .tree
        .iter()
        .filter(|e| matches!(e.kind, TreeEntryKind::File | TreeEntryKind::Executable))
        .map(|e| e.path.as_str())
        .filter(|p| *p == "gnulib-cache.m4" || p.ends_with("/gnulib-cache.m4"))
        .filter(|p| !ctx.gitlinks.iter().any(|g| under(p, &g.path)))
        .collect();
    caches.sort_by_key(|p| (p.matches('/').count(), *p));
    let read = |p: &str| -> Option<String> {
        String::from_utf8((ctx.read_git_blob)((ctx.git_blob)(p)?)?).ok()
    };
    let Some(cache) = caches.first().copied() else {
        let text = read("bootstrap.conf")?;
        let settings = bootstrap_settings(&text);
        let arg = |name: &str| {
            settings
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        };
        return build(ctx, "bootstrap.conf", String::new(), &arg, &text);
    };
    let text = read(cache)?;
    let arg = |name: &str| {
        macro_arg(&text, name).or_else(|| {
            // Older caches record --with-tests only in the command line comment.
            (name == "gl_WITH_TESTS" && text.contains("--with-tests")).then(String::new)
        })
    };
    let m4_base = clean_dir(&arg("gl_M4_BASE").unwrap_or_else(|| "m4".into()))?;
    // The cache lives in the m4 base of the directory gnulib-tool ran in.
    let cache_dir = cache.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let project = if m4_base.is_empty() {
        cache_dir.to_string()
    } else if cache_dir == m4_base {
        String::new()
    } else {
        cache_dir.strip_suffix(&format!("/{m4_base}"))?.to_string()
    };
    let project = if project.is_empty() {
        String::new()
    } else {
        format!("{project}/")
    };
    build(ctx, cache, project, &arg, &text)
}

/// What `bootstrap.conf` tells gnulib-tool, as the cache's macro names: the shell variables
/// bootstrap passes on (`source_base`, `m4_base`, `doc_base`, `tests_base`, `local_gl_dir` /
/// `local_gl_path`) and the options in `gnulib_tool_option_extras`. bootstrap's defaults
/// (lib, m4, doc, tests, gl) are the builder's.
fn bootstrap_settings(text: &str) -> Vec<(&'static str, String)> {
    let unquote = |v: &str| v.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
    let mut out: Vec<(&'static str, String)> = Vec::new();
    let mut extras = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some((var, value)) = line.trim_start().split_once('=') else {
            continue;
        };
        let key = match var.trim() {
            "source_base" => "gl_SOURCE_BASE",
            "m4_base" => "gl_M4_BASE",
            "doc_base" => "gl_DOC_BASE",
            "tests_base" => "gl_TESTS_BASE",
            "local_gl_dir" | "local_gl_path" => "gl_LOCAL_DIR",
            "gnulib_tool_option_extras" => {
                // A quoted value may continue on the next lines.
                let mut v = value.to_string();
                let quote = v
                    .trim_start()
                    .chars()
                    .next()
                    .filter(|c| *c == '"' || *c == '\'');
                if let Some(q) = quote {
                    while v.matches(q).count() < 2 {
                        match lines.next() {
                            Some(l) => {
                                v.push(' ');
                                v.push_str(l);
                            }
                            None => break,
                        }
                    }
                }
                extras = v.replace('\\', " ");
                continue;
            }
            _ => continue,
        };
        out.push((key, unquote(value)));
    }
    for token in extras
        .split_whitespace()
        .map(|t| t.trim_matches(|c| c == '"' || c == '\''))
    {
        let (opt, val) = token.split_once('=').unwrap_or((token, ""));
        let key = match opt {
            "--source-base" => "gl_SOURCE_BASE",
            "--m4-base" => "gl_M4_BASE",
            "--doc-base" => "gl_DOC_BASE",
            "--tests-base" => "gl_TESTS_BASE",
            "--aux-dir" => "gl_AUX_DIR",
            "--local-dir" => "gl_LOCAL_DIR",
            "--makefile-name" => "gl_MAKEFILE_NAME",
            "--with-tests" => "gl_WITH_TESTS",
            "--lgpl" => "gl_LGPL",
            _ => continue,
        };
        out.retain(|(k, _)| *k != key);
        out.push((key, val.to_string()));
    }
    out
}

/// The layout from gnulib-tool's settings (`arg` answers a cache macro's argument).
fn build(
    ctx: &CheckContext<'_>,
    origin: &str,
    project: String,
    arg: &dyn Fn(&str) -> Option<String>,
    text: &str,
) -> Option<Layout> {
    // gnulib-tool takes the auxiliary directory from configure.ac when --aux-dir is not given.
    let aux = arg("gl_AUX_DIR")
        .or_else(|| configure_aux_dir(ctx, &project))
        .unwrap_or_default();
    let dir = |name: &str, default: &str| clean_dir(&arg(name).unwrap_or_else(|| default.into()));
    let source = dir("gl_SOURCE_BASE", "lib")?;
    let m4_base = dir("gl_M4_BASE", "m4")?;
    let tests = dir("gl_TESTS_BASE", "tests")?;
    let doc = dir("gl_DOC_BASE", "doc")?;
    let aux = clean_dir(&aux)?;
    let mut bases = vec![
        ("gl_SOURCE_BASE", source, "lib"),
        ("gl_M4_BASE", m4_base, "m4"),
        ("the auxiliary directory", aux, "build-aux"),
        ("gl_DOC_BASE", doc, "doc"),
    ];
    // Test modules bring their own files and lib/ files into the tests directory.
    if arg("gl_WITH_TESTS").is_some() {
        bases.push(("gl_TESTS_BASE", tests.clone(), "tests"));
        bases.push(("gl_TESTS_BASE", tests, "lib"));
    }
    let local_default = (origin == "bootstrap.conf").then(|| "gl".to_string());
    Some(Layout {
        cache: origin.to_string(),
        project,
        bases,
        local_dir: arg("gl_LOCAL_DIR")
            .or(local_default)
            .filter(|d| !d.is_empty())
            .and_then(|d| clean_dir(&d)),
        lgpl: arg("gl_LGPL").is_some_and(|a| a != "no"),
        makefile_name: arg("gl_MAKEFILE_NAME")
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "Makefile.am".into()),
        config_h: text
            .split(|c: char| c.is_whitespace() || c == '[' || c == ']' || c == '"' || c == '\'')
            .any(|w| w == "config-h"),
    })
}

/// gnulib-tool's `sed_transform_lib_file` with `config-h`: a line `#ifdef HAVE_CONFIG_H`
/// (blanks allowed around the name) becomes `#if 1`.
fn config_h_transform(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        let (body, nl) = match line.strip_suffix(b"\n") {
            Some(b) => (b, &b"\n"[..]),
            None => (line, &b""[..]),
        };
        let hit = body
            .strip_prefix(b"#ifdef")
            .map(|r| r.trim_ascii())
            .is_some_and(|r| r == b"HAVE_CONFIG_H")
            && body.get(6).is_some_and(|b| *b == b' ' || *b == b'\t');
        if hit {
            out.extend_from_slice(b"#if 1");
        } else {
            out.extend_from_slice(body);
        }
        out.extend_from_slice(nl);
    }
    out
}

/// `AC_CONFIG_AUX_DIR` of the project's `configure.ac` (or `configure.in`).
fn configure_aux_dir(ctx: &CheckContext<'_>, project: &str) -> Option<String> {
    ["configure.ac", "configure.in"].iter().find_map(|n| {
        let id = (ctx.git_blob)(&format!("{project}{n}"))?;
        let text = String::from_utf8((ctx.read_git_blob)(id)?).ok()?;
        macro_arg(&text, "AC_CONFIG_AUX_DIR")
    })
}

fn under(path: &str, dir: &str) -> bool {
    path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
}

/// The submodule gnulib-tool copied from: a gitlink named `gnulib` (or `.gnulib`).
fn gnulib_gitlink<'c>(ctx: &CheckContext<'c>) -> Option<&'c Gitlink> {
    ctx.gitlinks.iter().find(|g| {
        let last = g.path.rsplit('/').next().unwrap_or(&g.path);
        last == "gnulib" || last == ".gnulib"
    })
}

/// The gnulib paths a file at `path` may be a copy of, each with the macro that maps it.
fn sources(layout: &Layout, path: &str) -> Vec<(String, &'static str)> {
    let Some(rel) = path.strip_prefix(layout.project.as_str()) else {
        return Vec::new();
    };
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if GENERATED.contains(&name) || name == layout.makefile_name {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (what, base, dir) in &layout.bases {
        let rest = if base.is_empty() {
            (!rel.contains('/')).then_some(rel)
        } else {
            rel.strip_prefix(base.as_str())
                .and_then(|r| r.strip_prefix('/'))
        };
        if let Some(rest) = rest.filter(|r| !r.is_empty()) {
            out.push((format!("{dir}/{rest}"), *what));
        }
    }
    if !rel.contains('/') {
        out.push((format!("top/{rel}"), "top/ (the project's directory)"));
    }
    out
}

/// Whether `gnulib-copy` has something to say about `path`: the tag configures gnulib with a
/// gnulib submodule and the path is one gnulib-tool copies to. With the submodule's
/// repository, only paths whose gnulib counterpart exists (or is overridden locally): an
/// extra that gnulib does not have is left to the other rules.
pub(crate) fn applies(path: &str, ctx: &CheckContext<'_>) -> bool {
    // The gitlink first: cheap, and most trees have none (the layout reads the cache).
    let Some(g) = gnulib_gitlink(ctx) else {
        return false;
    };
    let Some(layout) = layout(ctx) else {
        return false;
    };
    if under(path, &g.path) {
        return false;
    }
    let candidates = sources(&layout, path);
    if !g.inlined {
        return !candidates.is_empty();
    }
    candidates.iter().any(|(c, _)| {
        (ctx.git_blob)(&format!("{}/{c}", g.path)).is_some()
            || layout.local_dir.as_ref().is_some_and(|l| {
                (ctx.git_blob)(&format!("{}{l}/{c}", layout.project)).is_some()
                    || (ctx.git_blob)(&format!("{}{l}/{c}.diff", layout.project)).is_some()
            })
    })
}

/// Judges a file at `path` (blob `blob`) as a gnulib-tool copy.
pub(crate) fn copy(
    path: &str,
    blob: Option<tarseal_git::ObjectId>,
    ctx: &CheckContext<'_>,
) -> Outcome {
    let (Some(layout), Some(g)) = (layout(ctx), gnulib_gitlink(ctx)) else {
        return Outcome::Fail(format!(
            "{path}: the tag configures no gnulib submodule (a gitlink named gnulib and a gnulib-cache.m4)"
        ));
    };
    let candidates = sources(&layout, path);
    let Some(blob) = blob else {
        return Outcome::Fail("not a regular file".into());
    };
    let mapped = candidates
        .iter()
        .map(|(c, what)| format!("gnulib's {c} ({what})"))
        .collect::<Vec<_>>()
        .join(" or ");
    if !g.inlined {
        // The flag first: the text report shortens long reasons.
        return Outcome::Undecided(format!(
            "give --submodule {}=REPO (a gnulib repository holding commit {}) to compare it: gnulib-tool copies {mapped} to {path} (per {}) from that commit, which the tag's submodule {} pins and this repository does not hold",
            g.path, g.pinned, layout.cache, g.path
        ));
    }
    let mut differs: Vec<String> = Vec::new();
    for (c, what) in &candidates {
        // gnulib-tool takes the project's local override instead of gnulib's file.
        if let Some(l) = &layout.local_dir {
            let local = format!("{}{l}/{c}", layout.project);
            if (ctx.git_blob)(&format!("{local}.diff")).is_some() {
                return Outcome::Undecided(format!(
                    "{path}: gnulib-tool patches gnulib's {c} with the tag's {local}.diff, which tarseal does not apply: compare it by hand or pin its sha256"
                ));
            }
            match (ctx.git_blob)(&local) {
                Some(id) if id == blob => {
                    return Outcome::PassAs(
                        VouchedBy::Git,
                        format!("identical to the tag's {local}, the local override gnulib-tool copies instead of gnulib's {c}"),
                    )
                }
                Some(id) => {
                    differs.push(format!("the tag's local override {local} (blob {id})"));
                    continue;
                }
                None => {}
            }
        }
        let sub_path = format!("{}/{c}", g.path);
        match (ctx.git_blob)(&sub_path) {
            Some(id) if id == blob => {
                return Outcome::PassAs(
                    VouchedBy::SubmoduleCopy,
                    format!(
                        "identical to gnulib's {c} at commit {} (the tag's submodule {}), which gnulib-tool copies here ({what} of {})",
                        g.pinned, g.path, layout.cache
                    ),
                )
            }
            Some(id) => {
                // The library files as gnulib-tool writes them with config-h.
                let transformed = (layout.config_h && c.starts_with("lib/"))
                    .then(|| (ctx.read_git_blob)(id))
                    .flatten()
                    .map(|b| config_h_transform(&b))
                    .and_then(|b| {
                        gix::objs::compute_hash(blob.kind(), gix::objs::Kind::Blob, &b).ok()
                    });
                if transformed == Some(blob) {
                    return Outcome::PassAs(
                        VouchedBy::SubmoduleCopy,
                        format!(
                            "gnulib's {c} at commit {} (the tag's submodule {}) as gnulib-tool copies it here with module config-h (`#ifdef HAVE_CONFIG_H` -> `#if 1`; {what} of {})",
                            g.pinned, g.path, layout.cache
                        ),
                    );
                }
                differs.push(format!("gnulib's {c} at commit {} (blob {id})", g.pinned))
            }
            None => {}
        }
    }
    if differs.is_empty() {
        return Outcome::Fail(format!(
            "{path}: gnulib at commit {} has no {mapped}",
            g.pinned
        ));
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    if DUAL_SOURCED.contains(&name) && candidates.iter().any(|(c, _)| c.starts_with("build-aux/")) {
        return Outcome::Undecided(format!(
            "{path} differs from {}; automake/libtool/gettext install their own {name}, which the release may hold instead: not judged as a gnulib copy",
            differs.join(" and ")
        ));
    }
    if layout.lgpl && candidates.iter().any(|(c, _)| c.starts_with("lib/")) {
        return Outcome::Undecided(format!(
            "{path} differs from {} (blob {blob}); {} sets gl_LGPL, and gnulib-tool --lgpl rewrites the license notices of copied library files, which tarseal does not reproduce: compare it by hand or pin its sha256",
            differs.join(" and "),
            layout.cache
        ));
    }
    Outcome::Fail(format!(
        "{path} (blob {blob}) differs from {}, which gnulib-tool copies here (submodule {}): the copy was changed",
        differs.join(" and "),
        g.path
    ))
}

/// gnulib-tool's generated `Makefile.am`: only in the source or tests base of the tag's
/// gnulib configuration, and only when the cache names no other makefile.
pub(crate) fn generated_makefile(path: &str, ctx: &CheckContext<'_>) -> Option<Outcome> {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name != "Makefile.am" {
        return None;
    }
    let Some(layout) = layout(ctx) else {
        return Some(Outcome::Fail(format!(
            "{path}: a Makefile.am git does not have; only gnulib-tool writes one at make time, and the tag has no gnulib-cache.m4"
        )));
    };
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let ok = layout.makefile_name == "Makefile.am"
        && layout.bases.iter().any(|(what, base, _)| {
            matches!(*what, "gl_SOURCE_BASE" | "gl_TESTS_BASE")
                && format!("{}{base}", layout.project).trim_end_matches('/') == dir
        });
    Some(if ok {
        Outcome::Pass(format!(
            "written by gnulib-tool into the source/tests base that the tag's {} names",
            layout.cache
        ))
    } else {
        Outcome::Fail(format!(
            "{path}: gnulib-tool writes {} only into gl_SOURCE_BASE or gl_TESTS_BASE of the tag's {}",
            layout.makefile_name, layout.cache
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::checks::tests::with_ctx;

    const CACHE: &str = "# Specification in the form of a command-line invocation:\n#   gnulib-tool --import --source-base=lib --m4-base=m4\n\n# Specification in the form of a few gnulib-tool.m4 macro invocations:\ngl_LOCAL_DIR([])\ngl_MODULES([\n  foo\n])\ngl_SOURCE_BASE([gl/lib])\ngl_M4_BASE([m4])\ngl_DOC_BASE([doc])\ngl_TESTS_BASE([gnulib-tests])\ngl_WITH_TESTS\ngl_LIB([libgnu])\ngl_MAKEFILE_NAME([])\n";

    #[test]
    fn the_cache_maps_gnulib_paths() {
        let files = [
            ("m4/gnulib-cache.m4", CACHE),
            (
                "configure.ac",
                "AC_INIT([p], [1])\nAC_CONFIG_AUX_DIR([build-aux])\n",
            ),
        ];
        with_ctx(&files, |ctx| {
            let l = layout(ctx).expect("layout");
            assert_eq!(l.project, "");
            let s =
                |p: &str| -> Vec<String> { sources(&l, p).into_iter().map(|(c, _)| c).collect() };
            assert_eq!(s("gl/lib/foo.c"), ["lib/foo.c"]);
            assert_eq!(s("m4/foo.m4"), ["m4/foo.m4"]);
            assert_eq!(s("build-aux/bar"), ["build-aux/bar"]);
            assert_eq!(
                s("gnulib-tests/test-foo.c"),
                ["tests/test-foo.c", "lib/test-foo.c"]
            );
            assert_eq!(s("GNUmakefile"), ["top/GNUmakefile"]);
            assert!(s("gl/lib/Makefile.am").is_empty());
            assert!(s("m4/gnulib-comp.m4").is_empty());
            assert!(s("src/main.c").is_empty());
            assert_eq!(
                generated_makefile("gl/lib/Makefile.am", ctx)
                    .map(|o| matches!(o, Outcome::Pass(_))),
                Some(true)
            );
            assert!(matches!(
                generated_makefile("src/Makefile.am", ctx),
                Some(Outcome::Fail(_))
            ));
        });
    }

    #[test]
    fn bootstrap_conf_without_a_cache() {
        let conf = "# Bootstrap configuration.\ngnulib_modules=\"\n  foo\n\"\ngnulib_tool_option_extras=\"--tests-base=gnulib-tests --with-tests --symlink\\\n --makefile-name=gnulib.mk --automake-subdir\n\"\n";
        let files = [
            ("bootstrap.conf", conf),
            ("configure.ac", "AC_CONFIG_AUX_DIR([build-aux])\n"),
        ];
        with_ctx(&files, |ctx| {
            let l = layout(ctx).expect("layout");
            assert_eq!(l.cache, "bootstrap.conf");
            assert_eq!(l.makefile_name, "gnulib.mk");
            assert_eq!(l.local_dir.as_deref(), Some("gl"));
            let s =
                |p: &str| -> Vec<String> { sources(&l, p).into_iter().map(|(c, _)| c).collect() };
            assert_eq!(s("lib/foo.c"), ["lib/foo.c"]);
            assert_eq!(
                s("gnulib-tests/test-foo.c"),
                ["tests/test-foo.c", "lib/test-foo.c"]
            );
            assert_eq!(s("build-aux/bar"), ["build-aux/bar"]);
            assert!(s("lib/gnulib.mk").is_empty());
        });
    }

    #[test]
    fn config_h_rewrite() {
        assert_eq!(
            config_h_transform(b"#ifdef HAVE_CONFIG_H\n# include <config.h>\n#ifdef\tHAVE_CONFIG_H \n#ifdef HAVE_CONFIG_HX\n#endif"),
            b"#if 1\n# include <config.h>\n#if 1\n#ifdef HAVE_CONFIG_HX\n#endif"
        );
    }

    #[test]
    fn macro_arguments() {
        assert_eq!(
            macro_arg("gl_M4_BASE([m4])\n", "gl_M4_BASE").as_deref(),
            Some("m4")
        );
        assert_eq!(
            macro_arg("# gl_M4_BASE([x])\n  gl_M4_BASE( [y] )\n", "gl_M4_BASE").as_deref(),
            Some("y")
        );
        assert_eq!(macro_arg("gl_LGPL\n", "gl_LGPL").as_deref(), Some(""));
        assert_eq!(macro_arg("gl_LGPLX([2])\n", "gl_LGPL"), None);
        assert_eq!(clean_dir("../x"), None);
        assert_eq!(clean_dir("./lib/").as_deref(), Some("lib"));
    }
}
