//! `export-ignore` and `export-subst` from the tree's own `.gitattributes` files.
//!
//! Parsing and pattern matching are gix-attributes' (which follows git's `attr.c`: quoting,
//! macros, basename versus anchored patterns, `dir/` patterns that only match directories).
//! What this module adds is the part git does around it, fed from the tree alone:
//!
//! * every `.gitattributes` blob of the tree is read, the root first, deeper files override
//!   shallower ones, later lines override earlier ones; a symlinked `.gitattributes`
//!   contributes its target text, because `git archive` reads these files from the index by
//!   path whatever their mode (checked against git 2.47);
//! * macros (`[attr]name ...`) count only in the root `.gitattributes`, as in git;
//! * like git, a file is cut at its first NUL, lines of 2048 bytes or more are ignored, and a
//!   leading UTF-8 byte order mark is skipped;
//! * a path is export-ignored when it, or any directory above it, is: `git archive` checks each
//!   directory (as `dir/`) before descending into it. Gitlinks are checked as directories too.
//!
//! Never consulted: the work tree, `.git/info/attributes`, `core.attributesFile`, the system
//! attributes file. `git archive` does read those; a project that relies on them for its
//! tarball would see the difference reported, which is the point (they are not signed).

use gix_attributes::search::{MetadataCollection, Outcome};
use gix_attributes::StateRef;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// One `.gitattributes` blob and the directory holding it (`""` for the root, else `a/b/`).
#[derive(Debug, Clone)]
pub(crate) struct AttributeFile {
    pub(crate) dir: String,
    pub(crate) content: Vec<u8>,
}

/// Which paths `git archive` leaves out or rewrites, decided from the tag's tree only.
#[derive(Clone, Default)]
pub struct ExportAttributes {
    search: gix_attributes::Search,
    collection: MetadataCollection,
    /// `subdir/` when paths are relative to a sub-directory; prepended before matching.
    prefix: String,
    /// Gitlink paths (relative to the tree root), which git matches as directories.
    gitlinks: HashSet<String>,
    /// For every directory of the tree (relative to the root, no trailing slash): whether it
    /// or a directory above it is export-ignored. Precomputed so that asking about each of
    /// 80,000 files costs one pattern search each, not one per path component.
    dirs: HashMap<String, bool>,
    /// An outcome initialised for our two attributes, cloned per query (cheaper than
    /// initialising one each time).
    template: Outcome,
    /// The same for the attributes behind [`ExportAttributes::content_conversions`].
    conversion_template: Outcome,
}

/// Attributes that make `git archive` rewrite file content through its work-tree conversion
/// (which it applies, unlike most archivers).
const CONVERSION_ATTRS: [&str; 6] = [
    "text",
    "eol",
    "crlf",
    "ident",
    "filter",
    "working-tree-encoding",
];

impl std::fmt::Debug for ExportAttributes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportAttributes")
            .field("search", &self.search)
            .field("prefix", &self.prefix)
            .field("gitlinks", &self.gitlinks)
            .field("dirs", &self.dirs.len())
            .finish_non_exhaustive()
    }
}

/// git ignores attribute lines this long or longer (`ATTR_MAX_LINE_LENGTH`).
const MAX_LINE: usize = 2048;
/// git ignores attribute files larger than this (`ATTR_MAX_FILE_SIZE`, 100 MiB).
const MAX_FILE: usize = 100 * 1024 * 1024;

impl ExportAttributes {
    /// Builds the matcher from `.gitattributes` files keyed by their directory (`""` for the
    /// root, else `dir/` with a trailing slash), as they would be found in a tree.
    ///
    /// Public so that callers (and tests) can evaluate attribute files that did not come from
    /// a repository, e.g. to explain a policy decision.
    pub fn from_files<I, D, C>(files: I) -> ExportAttributes
    where
        I: IntoIterator<Item = (D, C)>,
        D: Into<String>,
        C: Into<Vec<u8>>,
    {
        let files = files
            .into_iter()
            .map(|(dir, content)| AttributeFile {
                dir: dir.into(),
                content: content.into(),
            })
            .collect();
        Self::new(files, None, Vec::new())
    }

    pub(crate) fn new(
        mut files: Vec<AttributeFile>,
        prefix: Option<String>,
        gitlinks: Vec<String>,
    ) -> Self {
        // Parents sort before their children (a prefix sorts first), which is the order the
        // search needs: it consults the lists last-added first.
        files.sort_by(|a, b| a.dir.as_bytes().cmp(b.dir.as_bytes()));
        let mut search = gix_attributes::Search::default();
        let mut collection = MetadataCollection::default();
        for file in files {
            let mut dir = file.dir;
            if !dir.is_empty() && !dir.ends_with('/') {
                dir.push('/');
            }
            let content = git_attr_lines(&file.content);
            let source = PathBuf::from(format!("{dir}.gitattributes"));
            // Only fails when `source` has no parent, which a joined path always has.
            let _ = search.add_patterns_buffer(
                &content,
                source,
                Some(Path::new("")),
                &mut collection,
                dir.is_empty(),
            );
        }
        let mut template = Outcome::default();
        template.initialize_with_selection(&collection, ["export-ignore", "export-subst"]);
        let mut conversion_template = Outcome::default();
        conversion_template.initialize_with_selection(&collection, CONVERSION_ATTRS);
        ExportAttributes {
            search,
            collection,
            prefix: prefix.unwrap_or_default(),
            gitlinks: gitlinks.into_iter().collect(),
            dirs: HashMap::new(),
            template,
            conversion_template,
        }
    }

    /// Precomputes the directories of the tree (root-relative, with or without a trailing
    /// slash). Parents are computed before their children whatever the input order.
    pub(crate) fn with_dirs(mut self, dirs: Vec<String>) -> Self {
        let mut dirs: Vec<String> = dirs
            .into_iter()
            .map(|d| d.trim_end_matches('/').to_owned())
            .filter(|d| !d.is_empty())
            .collect();
        dirs.sort_unstable_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        let mut outcome = self.outcome();
        let mut map = HashMap::with_capacity(dirs.len());
        for dir in dirs {
            let parent_ignored = match dir.rfind('/') {
                Some(p) => match map.get(&dir[..p]) {
                    Some(&ignored) => ignored,
                    None => self.dir_ignored_uncached(&dir[..p], &mut outcome),
                },
                None => false,
            };
            let ignored = parent_ignored || self.is_set(&dir, true, &mut outcome).0;
            map.insert(dir, ignored);
        }
        self.dirs = map;
        self
    }

    /// Whether `dir` or a directory above it is export-ignored, computed from the patterns.
    fn dir_ignored_uncached(&self, dir: &str, outcome: &mut Outcome) -> bool {
        dir.match_indices('/')
            .map(|(i, _)| &dir[..i])
            .chain(std::iter::once(dir))
            .any(|d| !d.is_empty() && self.is_set(d, true, outcome).0)
    }

    /// True when `git archive` would leave `path` out (the path or a parent directory carries
    /// `export-ignore`).
    ///
    /// A path ending in `/` is matched as a directory; a gitlink of the tree is matched as a
    /// directory too, as git does.
    pub fn is_export_ignored(&self, path: &str) -> bool {
        let (full, is_dir) = self.full_path(path);
        if full.is_empty() {
            return false;
        }
        let mut outcome = self.outcome();
        if let Some(slash) = full.rfind('/') {
            let parent = &full[..slash];
            let ignored = match self.dirs.get(parent) {
                Some(&ignored) => ignored,
                None => self.dir_ignored_uncached(parent, &mut outcome),
            };
            if ignored {
                return true;
            }
        }
        let is_dir = is_dir || self.gitlinks.contains(&full);
        self.is_set(&full, is_dir, &mut outcome).0
    }

    /// True when `git archive` expands `$Format:...$` placeholders in `path`.
    ///
    /// git only ever substitutes regular files (not symlinks or gitlinks); the caller knows the
    /// entry's kind and must check it too.
    pub fn is_export_subst(&self, path: &str) -> bool {
        let (full, is_dir) = self.full_path(path);
        if full.is_empty() {
            return false;
        }
        let mut outcome = self.outcome();
        self.is_set(&full, is_dir, &mut outcome).1
    }

    /// The attributes that make `git archive` rewrite `path`'s bytes besides `export-subst`,
    /// spelled as in `.gitattributes` (`eol=crlf`, `ident`, `filter=lfs`,
    /// `working-tree-encoding=UTF-16`); empty when it stores the blob as is.
    ///
    /// Why this exists: `git archive` runs its work-tree conversion on every regular file, so
    /// `*.bat text eol=crlf` puts CRLF line ends in the tarball and `ident` expands `$Id$`,
    /// all decided by the tree's own attributes. tarseal does not reproduce these
    /// conversions; the caller can say "converted by git archive (eol=crlf)" instead of
    /// reporting an unexplained modification. A `filter` only applies when the archiving
    /// machine configured that driver (git-lfs being the usual case).
    pub fn content_conversions(&self, path: &str) -> Vec<String> {
        let (full, is_dir) = self.full_path(path);
        if full.is_empty() || is_dir || self.collection.iter().next().is_none() {
            return Vec::new();
        }
        let mut outcome = self.conversion_template.clone();
        self.search.pattern_matching_relative_path(
            full.as_str().into(),
            gix_glob::pattern::Case::Sensitive,
            Some(false),
            &mut outcome,
        );
        let mut text: Option<bool> = None;
        let mut out = Vec::new();
        let mut eol_crlf = false;
        for m in outcome.iter_selected() {
            let name = m.assignment.name.as_str();
            match (name, m.assignment.state) {
                ("text" | "crlf", StateRef::Set) => text = Some(true),
                ("text" | "crlf", StateRef::Unset) => text = Some(false),
                ("eol", StateRef::Value(v)) if v.as_bstr() == "crlf" => eol_crlf = true,
                ("ident", StateRef::Set) => out.push("ident".to_owned()),
                ("filter" | "working-tree-encoding", StateRef::Value(v)) => {
                    out.push(format!("{name}={}", v.as_bstr()));
                }
                _ => {}
            }
        }
        if eol_crlf && text != Some(false) {
            out.insert(0, "eol=crlf".to_owned());
        }
        out
    }

    fn full_path(&self, path: &str) -> (String, bool) {
        let is_dir = path.ends_with('/');
        let trimmed = path.trim_matches('/');
        let mut full = String::with_capacity(self.prefix.len() + trimmed.len());
        full.push_str(&self.prefix);
        full.push_str(trimmed);
        let full = full.trim_end_matches('/').to_owned();
        (full, is_dir)
    }

    fn outcome(&self) -> Outcome {
        if self.collection.iter().next().is_none() {
            // Default-constructed (no attribute files): nothing can match.
            return Outcome::default();
        }
        self.template.clone()
    }

    /// (export-ignore, export-subst) of one path, each true only when *set* (git's
    /// `ATTR_TRUE`: `export-ignore=yes` does not count).
    fn is_set(&self, path: &str, is_dir: bool, outcome: &mut Outcome) -> (bool, bool) {
        outcome.reset();
        self.search.pattern_matching_relative_path(
            path.into(),
            gix_glob::pattern::Case::Sensitive,
            Some(is_dir),
            outcome,
        );
        let mut result = (false, false);
        for m in outcome.iter_selected() {
            let set = matches!(m.assignment.state, StateRef::Set);
            match m.assignment.name.as_str() {
                "export-ignore" => result.0 = set,
                "export-subst" => result.1 = set,
                _ => {}
            }
        }
        result
    }
}

/// The lines git's `read_attr_from_buf` would hand to its line parser.
fn git_attr_lines(content: &[u8]) -> Vec<u8> {
    if content.len() > MAX_FILE {
        return Vec::new();
    }
    let mut content = content;
    if let Some(nul) = content.iter().position(|&b| b == 0) {
        content = &content[..nul];
    }
    let content = content.strip_prefix(b"\xef\xbb\xbf").unwrap_or(content);
    let mut out = Vec::with_capacity(content.len());
    for line in content.split(|&b| b == b'\n') {
        if line.len() >= MAX_LINE {
            continue;
        }
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(files: &[(&str, &str)]) -> ExportAttributes {
        ExportAttributes::from_files(
            files
                .iter()
                .map(|(d, c)| (d.to_string(), c.as_bytes().to_vec())),
        )
    }

    #[test]
    fn empty_attributes_ignore_nothing() {
        let a = ExportAttributes::default();
        assert!(!a.is_export_ignored("x"));
        assert!(!a.is_export_subst("a/b/"));
        assert!(!attrs(&[]).is_export_ignored("y/z"));
        assert!(!attrs(&[("", "")]).is_export_ignored(""));
        let a = attrs(&[("", "ü export-ignore\né/ export-ignore\n")]);
        assert!(a.is_export_ignored("ü/x"));
        assert!(a.is_export_ignored("d/ü/é/x"));
        assert!(a.is_export_ignored("é/ü"));
        assert!(!a.is_export_ignored("é"));
    }

    #[test]
    fn basename_and_anchored_patterns() {
        let a = attrs(&[
            (
                "",
                "*.md export-ignore\n/top.txt export-ignore\nsub/x.c export-subst\n",
            ),
            ("sub/", "local.txt export-ignore\n*.md -export-ignore\n"),
        ]);
        assert!(a.is_export_ignored("README.md"));
        assert!(a.is_export_ignored("deep/er/NOTES.md"));
        assert!(!a.is_export_ignored("sub/keep.md"), "deeper file unsets");
        assert!(a.is_export_ignored("top.txt"));
        assert!(!a.is_export_ignored("d/top.txt"), "anchored pattern");
        assert!(a.is_export_ignored("sub/local.txt"));
        assert!(a.is_export_ignored("sub/more/local.txt"));
        assert!(
            !a.is_export_ignored("local.txt"),
            "nested file does not apply above it"
        );
        assert!(a.is_export_subst("sub/x.c"));
        assert!(!a.is_export_subst("x.c"));
    }

    #[test]
    fn directories_and_macros() {
        let a = attrs(&[
            (
                "",
                "[attr]drop export-ignore\nvendor drop\nbuild/ export-ignore\n",
            ),
            ("nested/", "[attr]gone export-ignore\nthing gone\n"),
        ]);
        assert!(a.is_export_ignored("vendor/a/b.c"));
        assert!(a.is_export_ignored("build/out.o"));
        assert!(
            !a.is_export_ignored("build"),
            "a file named build is not a directory"
        );
        assert!(
            !a.is_export_ignored("nested/thing"),
            "macros only count at the root"
        );
    }

    #[test]
    fn value_is_not_set_and_long_lines_are_ignored() {
        let long = format!("{} export-ignore\n", "x".repeat(3000));
        let a = attrs(&[(
            "",
            &format!("a export-ignore=yes\n{long}b export-ignore\x00\nc export-ignore\n"),
        )]);
        assert!(!a.is_export_ignored("a"));
        assert!(a.is_export_ignored("b"));
        assert!(
            !a.is_export_ignored("c"),
            "content after NUL is ignored, as in git"
        );
    }
}
