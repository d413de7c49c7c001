//! Per-path classification: how each path of the archive relates to the git tree.
//!
//! Pure: takes the git listing and the archive's entries (already relative to the prefix) and
//! returns one [`Diff`] per non-matching path and per hostile entry, plus the count of matches.
//! Judging the diffs is the policy's job ([`crate::check`]); this module only states facts.

use crate::report::Class;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use tarseal_archive::{Entry, EntryKind, EntryProblem};
use tarseal_git::{ObjectId, TreeEntry, TreeEntryKind};

/// An archive entry with its path relative to the archive's prefix.
#[derive(Debug, Clone)]
pub struct ArchivedEntry {
    /// Where the path relative to the prefix starts in `entry.path` (a suffix of it, so no
    /// second string per entry: a million entries are a million fewer allocations).
    pub(crate) rel_start: u32,
    /// False when the entry lies outside the prefix directory.
    pub inside_prefix: bool,
    pub entry: KeptEntry,
}

/// What a check keeps of one [`Entry`] until it is judged: the fields every entry has, inline,
/// and the ones few entries have (names as stored, link targets, kept content, problems)
/// behind one pointer. 96 bytes with its prefix offset where the reader's `Entry` is over 200: kept for every
/// entry of the archive, that is most of a check's memory (`kept_entry_stays_compact`).
#[derive(Debug, Clone)]
pub struct KeptEntry {
    pub path: Box<str>,
    pub blob_id: Option<ObjectId>,
    /// Boxed: only files git does not back (and the few a content check reads) have one, and
    /// inline it was 33 of every entry's bytes (see [`KeptEntry::sha256`]).
    sha256: Option<Box<[u8; 32]>>,
    pub size: u64,
    pub index: u64,
    pub mode: u32,
    pub kind: EntryKind,
    /// The content was kept and is empty: held without [`RareFields`], since a rule that
    /// keeps content (a wheel's, `--regenerate`) may match every file, and a million empty
    /// files would each cost a box.
    kept_empty: bool,
    rare: Option<Box<RareFields>>,
}

#[derive(Debug, Clone, Default)]
struct RareFields {
    raw_path: Option<String>,
    link_target: Option<String>,
    content: Option<Vec<u8>>,
    problems: Vec<EntryProblem>,
}

impl KeptEntry {
    /// Keeps what the check needs of `e`.
    pub fn new(mut e: Entry) -> KeptEntry {
        let kept_empty = e.content.as_ref().is_some_and(|c| c.is_empty());
        if kept_empty {
            e.content = None;
        }
        let rare = (e.raw_path.is_some()
            || e.link_target.is_some()
            || e.content.is_some()
            || !e.problems.is_empty())
        .then(|| {
            Box::new(RareFields {
                raw_path: e.raw_path,
                link_target: e.link_target,
                content: e.content,
                problems: e.problems,
            })
        });
        KeptEntry {
            path: e.path.into_boxed_str(),
            blob_id: e.blob_id,
            sha256: e.sha256.map(Box::new),
            size: e.size,
            index: e.index,
            mode: e.mode,
            kind: e.kind,
            kept_empty,
            rare,
        }
    }

    /// The SHA-256 of the content, when the reader was asked for it.
    pub fn sha256(&self) -> Option<[u8; 32]> {
        self.sha256.as_deref().copied()
    }

    /// The path as stored (after pax `path` / GNU long-name resolution), lossily decoded.
    pub fn raw_path(&self) -> &str {
        self.rare
            .as_ref()
            .and_then(|r| r.raw_path.as_deref())
            .unwrap_or(&self.path)
    }

    /// Symlink or hard-link target as stored.
    pub fn link_target(&self) -> Option<&str> {
        self.rare.as_ref()?.link_target.as_deref()
    }

    /// The content, if the reader was asked to keep it and it fit.
    pub fn content(&self) -> Option<&[u8]> {
        if self.kept_empty {
            return Some(&[]);
        }
        self.rare.as_ref()?.content.as_deref()
    }

    /// Everything hostile about this entry; empty for a clean entry.
    pub fn problems(&self) -> &[EntryProblem] {
        self.rare.as_ref().map_or(&[], |r| &r.problems)
    }
}

impl ArchivedEntry {
    /// An entry not yet placed relative to a prefix (its whole path, outside any prefix).
    pub fn new(entry: Entry) -> ArchivedEntry {
        ArchivedEntry {
            rel_start: 0,
            inside_prefix: false,
            entry: KeptEntry::new(entry),
        }
    }

    /// The path relative to the archive's prefix; empty for the prefix directory itself and
    /// for entries outside it.
    pub fn rel(&self) -> &str {
        &self.entry.path[self.rel_start as usize..]
    }
}

/// One fact about one path, before judgement.
#[derive(Debug, Clone)]
pub struct Diff {
    pub path: String,
    pub class: Class,
    /// What differs, in words with the ids involved.
    pub detail: String,
    /// Index into the archive entries, when the archive has something at this path.
    pub archive_index: Option<usize>,
    /// Git's object at this path, when git has one.
    pub git_oid: Option<ObjectId>,
    /// For hostile diffs: the problem.
    pub problem: Option<EntryProblem>,
    /// For hard links: whether the linked content matches what git has at the link's path.
    pub hardlink_verified: bool,
    /// For a type difference where git has a symlink and the archive a regular file: whether
    /// the file's bytes are exactly the blob the link resolves to inside the tree (a tool
    /// that copies link targets, as setuptools' sdist does).
    pub dereferenced: bool,
    /// For modified files: the `.gitattributes` conversions `git archive` would apply, which
    /// may explain the difference but are not reproduced (so the difference is undecided).
    pub converted_by: Option<String>,
}

/// What the comparison needs to know about the git side beyond the listing.
pub struct GitSide<'a> {
    pub entries: &'a [TreeEntry],
    /// `export-ignore` from the tag's `.gitattributes`.
    pub is_export_ignored: &'a dyn Fn(&str) -> bool,
    /// The blob ids `git archive` may have written for a path instead of git's own blob
    /// (`export-subst` expansion, `eol=crlf` conversion); empty when it writes the blob as is.
    pub derived_blobs: &'a dyn Fn(&str, ObjectId) -> Vec<ObjectId>,
    /// Conversions `git archive` applies to the path that tarseal does not reproduce
    /// (`ident`, `filter=...`, `working-tree-encoding=...`).
    pub content_conversions: &'a dyn Fn(&str) -> Vec<String>,
    /// The blob a symlink at this path (with this link blob) resolves to inside the tree,
    /// following links; `None` when it dangles, escapes the tree or names a directory.
    pub symlink_target_blob: &'a dyn Fn(&str, ObjectId) -> Option<ObjectId>,
}

/// Which paths a tree holds, as 64-bit keyed hashes (8 bytes a path, sorted, searched by
/// bisection): what the archive reader asks of the git side while the full listing is not
/// kept. A false "yes" (odds about 2^-64 per pair, the key random per process, so not
/// choosable by an archive) only withholds a digest or content from an extra file, which
/// then fails its rule or stays undecided: never a pass it should not have.
#[derive(Debug, Clone)]
pub struct PathHashes {
    state: std::hash::RandomState,
    sorted: Vec<u64>,
}

impl PathHashes {
    /// The set of `paths`.
    pub fn new<'p>(paths: impl Iterator<Item = &'p str>) -> PathHashes {
        let state = std::hash::RandomState::new();
        let mut sorted: Vec<u64> = paths.map(|p| Self::hash(&state, p)).collect();
        sorted.sort_unstable();
        sorted.dedup();
        sorted.shrink_to_fit();
        PathHashes { state, sorted }
    }

    fn hash(state: &std::hash::RandomState, path: &str) -> u64 {
        use std::hash::BuildHasher;
        state.hash_one(path)
    }

    /// Whether `path` is (very probably) one of the set's.
    pub fn contains(&self, path: &str) -> bool {
        self.sorted
            .binary_search(&Self::hash(&self.state, path))
            .is_ok()
    }
}

/// The git listing by path: bisection over the listing itself, which
/// [`tarseal_git::Repo::list_tree`] returns sorted by path bytes (a sorted copy of the
/// positions otherwise, e.g. after submodules were appended). A `HashMap<&str, &TreeEntry>`
/// was 3.3 MB at 80,000 paths, alive while the decompressor's dictionary is.
#[derive(Debug, Clone)]
pub struct TreeIndex<'a> {
    tree: &'a [TreeEntry],
    /// Positions in path order; empty when `tree` is sorted already.
    order: Vec<u32>,
}

impl<'a> TreeIndex<'a> {
    /// Indexes `tree`; duplicate paths resolve to one of them, as a map's last insert would.
    pub fn new(tree: &'a [TreeEntry]) -> TreeIndex<'a> {
        let sorted = tree.is_sorted_by(|a, b| a.path.as_bytes() <= b.path.as_bytes());
        let order = if sorted {
            Vec::new()
        } else {
            // A listing is bounded far below 2^32 entries (tarseal-git's MAX_ENTRIES).
            let mut order: Vec<u32> = (0..tree.len() as u32).collect();
            order.sort_by(|&a, &b| {
                tree[a as usize]
                    .path
                    .as_bytes()
                    .cmp(tree[b as usize].path.as_bytes())
            });
            order
        };
        TreeIndex { tree, order }
    }

    /// Git's entry at `path`.
    pub fn get(&self, path: &str) -> Option<&'a TreeEntry> {
        let tree = self.tree;
        if self.order.is_empty() {
            let i = tree
                .binary_search_by(|e| e.path.as_bytes().cmp(path.as_bytes()))
                .ok()?;
            return Some(&tree[i]);
        }
        let i = self
            .order
            .binary_search_by(|&i| tree[i as usize].path.as_bytes().cmp(path.as_bytes()))
            .ok()?;
        Some(&tree[self.order[i] as usize])
    }

    /// Whether git has an entry at `path`.
    pub fn contains_key(&self, path: &str) -> bool {
        self.get(path).is_some()
    }
}

/// The archive's entries by path relative to the prefix: indices sorted by (path, position),
/// searched by bisection. A `HashMap<&str, _>` over a million entries took 50 MB per map (and
/// check built three); this takes 8 bytes per entry plus one byte.
#[derive(Debug, Default)]
pub struct ArchiveIndex {
    sorted: Vec<usize>,
    /// Per entry: whether it is the last one at its path (the one extraction leaves).
    last: Vec<bool>,
}

impl ArchiveIndex {
    /// Indexes the entries inside the prefix with a non-empty relative path.
    pub fn new(archive: &[ArchivedEntry]) -> ArchiveIndex {
        let mut sorted: Vec<usize> = (0..archive.len())
            .filter(|&i| archive[i].inside_prefix && !archive[i].rel().is_empty())
            .collect();
        sorted.sort_unstable_by(|&a, &b| archive[a].rel().cmp(archive[b].rel()).then(a.cmp(&b)));
        let mut last = vec![false; archive.len()];
        for (k, &i) in sorted.iter().enumerate() {
            let next_differs = sorted
                .get(k + 1)
                .is_none_or(|&j| archive[j].rel() != archive[i].rel());
            last[i] = next_differs;
        }
        ArchiveIndex { sorted, last }
    }

    /// The entry an extraction leaves at `rel` (the last one with that path).
    pub fn at(&self, archive: &[ArchivedEntry], rel: &str) -> Option<usize> {
        let end = self.sorted.partition_point(|&i| archive[i].rel() <= rel);
        let i = *self.sorted.get(end.checked_sub(1)?)?;
        (archive[i].rel() == rel).then_some(i)
    }

    /// Whether the archive has an entry at `rel`.
    pub fn contains(&self, archive: &[ArchivedEntry], rel: &str) -> bool {
        self.at(archive, rel).is_some()
    }

    /// Whether entry `i` is the last one at its path (false outside the index).
    pub fn is_last(&self, i: usize) -> bool {
        self.last.get(i).copied().unwrap_or(false)
    }
}

/// A difference of one archive entry, kept as indices until it is judged: a million extra
/// entries held as [`Diff`]s were a million path and detail strings (335 MB of the 734 MB
/// peak on 1,000,000 entries).
#[derive(Debug, Clone, Copy)]
enum ArchiveFact {
    /// The entry's problem at this index of `entry.problems`.
    Problem(usize),
    /// Inside the gitlink at this index of [`Comparison::gitlinks`].
    Unverifiable(usize),
    /// A path git does not have.
    Extra,
    /// Outside the archive's top-level directory.
    Outside,
}

/// A difference of one git path.
#[derive(Debug, Clone, Copy)]
enum GitFact {
    /// The tree entry at this index has nothing in the archive.
    Missing(usize),
    /// Worded at once, at this index of `git_diffs`.
    Worded(usize),
}

/// The comparison's result.
#[derive(Debug, Default)]
pub struct Comparison {
    /// Differences of git's paths in tree order: a missing path as its tree index (worded
    /// when judged: a tiny archive against an 80,000-file tree made 80,000 diffs, 35 MB), the
    /// others (modified, mode, type; few) as an index into `git_diffs`.
    git_facts: Vec<GitFact>,
    git_diffs: Vec<Diff>,
    /// Differences of archive entries, in the order they are reported: (entry index, fact).
    archive_facts: Vec<(usize, ArchiveFact)>,
    gitlinks: Vec<(String, ObjectId)>,
    verified_hardlinks: HashSet<usize>,
    pub matched: u64,
    /// Paths that match git's blob as `git archive` writes it (expanded or converted).
    pub derived_matched: Vec<String>,
    /// Git paths marked `export-ignore`.
    pub export_ignored: HashSet<String>,
    /// Directories of the archive that hold nothing and that git has no path below (git
    /// cannot record an empty directory, so they are a note, never a failure).
    pub empty_dirs: Vec<String>,
}

/// Whether the archive's permission bits say "executable". Any execute bit counts: tools
/// disagree on umask (git archive writes 0755, some sdists 0775 or 0744).
fn archive_executable(mode: u32) -> bool {
    mode & 0o111 != 0
}

fn kind_word(k: EntryKind) -> &'static str {
    match k {
        EntryKind::File => "a file",
        EntryKind::Directory => "a directory",
        EntryKind::Symlink => "a symlink",
        EntryKind::Hardlink => "a hard link",
        EntryKind::CharDevice => "a character device",
        EntryKind::BlockDevice => "a block device",
        EntryKind::Fifo => "a fifo",
        EntryKind::Other(_) => "an entry of unknown type",
    }
}

fn git_kind_word(k: TreeEntryKind) -> &'static str {
    match k {
        TreeEntryKind::File => "a file",
        TreeEntryKind::Executable => "an executable file",
        TreeEntryKind::Symlink => "a symlink",
        TreeEntryKind::Gitlink => "a submodule",
    }
}

/// Compares the archive with the git side.
pub fn compare(git: &GitSide<'_>, archive: &[ArchivedEntry]) -> Comparison {
    let mut out = Comparison::default();

    // The entry an extraction would leave at each path is the last one (duplicates are
    // reported as hostile separately). Paths outside the prefix never name a git path.
    let index = ArchiveIndex::new(archive);

    // Directories implied by git's paths; and the gitlinks, whose content git cannot vouch for.
    let mut git_dirs: HashSet<&str> = HashSet::new();
    let mut git_paths: HashSet<&str> = HashSet::with_capacity(git.entries.len());
    for e in git.entries {
        git_paths.insert(e.path.as_str());
        let mut p = e.path.as_str();
        while let Some(pos) = p.rfind('/') {
            p = &p[..pos];
            if !git_dirs.insert(p) {
                break;
            }
        }
        if e.kind == TreeEntryKind::Gitlink {
            out.gitlinks.push((e.path.clone(), e.oid));
        }
    }

    // Directories the archive's own entries imply: a new directory that only holds other
    // entries (`NAME.egg-info/`, `build-aux/`) adds nothing by itself; its entries are judged
    // one by one. An extra directory that holds nothing is a note (`empty_dirs`), not a diff.
    let mut archive_parents: HashSet<&str> = HashSet::new();
    for a in archive.iter().filter(|a| a.inside_prefix) {
        let mut p = a.rel();
        while let Some(pos) = p.rfind('/') {
            p = &p[..pos];
            if !archive_parents.insert(p) {
                break;
            }
        }
    }

    // Hard links take the content of an *earlier* entry, named by its full archive path.
    let mut by_full_path: HashMap<&str, usize> = HashMap::new();
    let resolve_hardlink =
        |a: &ArchivedEntry, by_full_path: &HashMap<&str, usize>| -> Option<usize> {
            let target = a.entry.link_target()?.trim_start_matches("./");
            by_full_path
                .get(target.trim_end_matches('/'))
                .copied()
                .filter(|&t| t < archive.len() && archive[t].entry.index < a.entry.index)
        };
    if archive.iter().any(|a| a.entry.kind == EntryKind::Hardlink) {
        for (i, a) in archive.iter().enumerate() {
            by_full_path.entry(&a.entry.path).or_insert(i);
        }
    }

    for (gi, g) in git.entries.iter().enumerate() {
        if (git.is_export_ignored)(&g.path) {
            out.export_ignored.insert(g.path.clone());
        }
        let Some(ai) = index.at(archive, &g.path) else {
            if g.kind == TreeEntryKind::Gitlink {
                // git archive writes nothing but an (empty) directory for a submodule.
                out.matched += 1;
                continue;
            }
            out.git_facts.push(GitFact::Missing(gi));
            continue;
        };
        let a = &archive[ai];
        let diff = |class: Class, detail: String| Diff {
            path: g.path.clone(),
            class,
            detail,
            archive_index: Some(ai),
            git_oid: Some(g.oid),
            problem: None,
            hardlink_verified: false,
            dereferenced: false,
            converted_by: None,
        };
        let (kind, blob, mode) = match a.entry.kind {
            EntryKind::Hardlink => match resolve_hardlink(a, &by_full_path).map(|t| &archive[t]) {
                Some(t) => (t.entry.kind, t.entry.blob_id, t.entry.mode),
                None => (EntryKind::Hardlink, None, a.entry.mode),
            },
            k => (k, a.entry.blob_id, a.entry.mode),
        };
        match (g.kind, kind) {
            (TreeEntryKind::Gitlink, EntryKind::Directory) => out.matched += 1,
            (TreeEntryKind::File | TreeEntryKind::Executable, EntryKind::File) => {
                let same = blob == Some(g.oid);
                let subst =
                    !same && blob.is_some_and(|b| (git.derived_blobs)(&g.path, g.oid).contains(&b));
                if !same && !subst {
                    let conversions = (git.content_conversions)(&g.path);
                    let mut d = diff(
                        Class::Modified,
                        format!(
                            "content differs: archive blob {}, git blob {}",
                            blob.map(|b| b.to_string()).unwrap_or_else(|| "?".into()),
                            g.oid
                        ),
                    );
                    if !conversions.is_empty() {
                        let c = conversions.join(", ");
                        d.detail.push_str(&format!(
                            "; the tag's .gitattributes make git archive convert this file ({c}), a conversion tarseal does not reproduce"
                        ));
                        d.converted_by = Some(c);
                    }
                    out.push_git_diff(d);
                    continue;
                }
                let want_exec = g.kind == TreeEntryKind::Executable;
                if archive_executable(mode) != want_exec {
                    out.push_git_diff(diff(
                        Class::Mode,
                        format!(
                            "executable bit differs: archive mode {:04o}, git mode {}",
                            mode & 0o7777,
                            if want_exec { "100755" } else { "100644" }
                        ),
                    ));
                    continue;
                }
                if subst {
                    out.derived_matched.push(g.path.clone());
                }
                if a.entry.kind == EntryKind::Hardlink {
                    // Content verified through the link; the hard link itself is judged as a
                    // hostile entry below, where this fact lets policy allow it.
                    out.verified_hardlinks.insert(ai);
                }
                out.matched += 1;
            }
            (TreeEntryKind::Symlink, EntryKind::Symlink) => {
                if blob == Some(g.oid) {
                    out.matched += 1;
                } else {
                    out.push_git_diff(diff(
                        Class::Modified,
                        format!(
                            "symlink retargeted: archive points to {:?} (blob {}), git's link blob is {}",
                            a.entry.link_target().unwrap_or(""),
                            blob.map(|b| b.to_string()).unwrap_or_else(|| "?".into()),
                            g.oid
                        ),
                    ));
                }
            }
            (TreeEntryKind::Symlink, EntryKind::File)
                if blob.is_some() && blob == (git.symlink_target_blob)(&g.path, g.oid) =>
            {
                let mut d = diff(
                    Class::Type,
                    format!(
                        "git has a symlink here, the archive a regular file holding exactly the bytes the link points to (blob {}): a dereferenced link",
                        blob.map(|b| b.to_string()).unwrap_or_default()
                    ),
                );
                d.dereferenced = true;
                out.push_git_diff(d);
            }
            (gk, ak) => out.push_git_diff(diff(
                Class::Type,
                format!(
                    "git has {} here, the archive {}",
                    git_kind_word(gk),
                    kind_word(ak)
                ),
            )),
        }
    }

    for (i, a) in archive.iter().enumerate() {
        for k in 0..a.entry.problems().len() {
            out.archive_facts.push((i, ArchiveFact::Problem(k)));
        }
        if !a.inside_prefix {
            continue;
        }
        if !index.is_last(i) {
            // An earlier duplicate: already reported as hostile.
            continue;
        }
        if git_paths.contains(a.rel()) || a.rel().is_empty() {
            continue;
        }
        if a.entry.kind == EntryKind::Directory
            && (git_dirs.contains(a.rel()) || archive_parents.contains(a.rel()))
        {
            continue;
        }
        let under_gitlink = out.gitlinks.iter().position(|(g, _)| {
            a.rel().len() > g.len()
                && a.rel().starts_with(g.as_str())
                && a.rel().as_bytes()[g.len()] == b'/'
        });
        if let Some(g) = under_gitlink {
            out.archive_facts.push((i, ArchiveFact::Unverifiable(g)));
            continue;
        }
        if a.entry.kind == EntryKind::Directory {
            // Empty: nothing can be extracted into it from this archive, and git cannot
            // hold it, so it adds no content to compare.
            out.empty_dirs.push(a.rel().to_string());
            continue;
        }
        out.archive_facts.push((i, ArchiveFact::Extra));
    }

    // Entries outside the prefix are hostile in themselves: extracting the release would write
    // beside its directory.
    for (i, a) in archive.iter().enumerate() {
        if !a.inside_prefix {
            out.archive_facts.push((i, ArchiveFact::Outside));
        }
    }
    out
}

impl Comparison {
    fn push_git_diff(&mut self, d: Diff) {
        self.git_facts.push(GitFact::Worded(self.git_diffs.len()));
        self.git_diffs.push(d);
    }

    /// How many differences [`Comparison::diffs`] yields.
    pub fn len(&self) -> usize {
        self.git_facts.len() + self.archive_facts.len()
    }

    /// Whether the archive equals the tree (no difference at all).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every difference: git's paths first, in tree order, then the archive's entries in
    /// archive order. Missing paths and archive entries are worded when reached, so that only
    /// the difference being judged exists as strings. `git` and `archive` must be the slices
    /// the comparison was made from.
    pub fn diffs<'a>(
        &'a self,
        git: &'a [TreeEntry],
        archive: &'a [ArchivedEntry],
    ) -> impl Iterator<Item = Cow<'a, Diff>> + 'a {
        let git_side = self.git_facts.iter().map(move |&fact| match fact {
            GitFact::Worded(k) => Cow::Borrowed(&self.git_diffs[k]),
            GitFact::Missing(gi) => {
                let g = &git[gi];
                Cow::Owned(Diff {
                    path: g.path.clone(),
                    class: Class::Missing,
                    detail: format!(
                        "git has {} here ({}); the archive does not",
                        git_kind_word(g.kind),
                        g.oid
                    ),
                    archive_index: None,
                    git_oid: Some(g.oid),
                    problem: None,
                    hardlink_verified: false,
                    dereferenced: false,
                    converted_by: None,
                })
            }
        });
        let archive_side = self
            .archive_facts
            .iter()
            .map(move |&(i, fact)| Cow::Owned(self.archive_diff(archive, i, fact)));
        git_side.chain(archive_side)
    }

    fn archive_diff(&self, archive: &[ArchivedEntry], i: usize, fact: ArchiveFact) -> Diff {
        let a = &archive[i];
        let mut d = Diff {
            path: a.rel().to_string(),
            class: Class::Extra,
            detail: String::new(),
            archive_index: Some(i),
            git_oid: None,
            problem: None,
            hardlink_verified: false,
            dereferenced: false,
            converted_by: None,
        };
        match fact {
            ArchiveFact::Problem(k) => {
                let p = &a.entry.problems()[k];
                if !a.inside_prefix {
                    d.path = a.entry.path.to_string();
                }
                d.class = Class::Hostile;
                d.detail = problem_detail(p, &a.entry);
                d.hardlink_verified =
                    *p == EntryProblem::Hardlink && self.verified_hardlinks.contains(&i);
                d.problem = Some(p.clone());
            }
            ArchiveFact::Unverifiable(g) => {
                let (g, pinned) = &self.gitlinks[g];
                d.class = Class::Unverifiable;
                d.detail = format!(
                    "inside submodule {g} (the tag pins commit {pinned}), whose content this repository does not hold: give --submodule {g}=REPO to compare it"
                );
            }
            ArchiveFact::Extra => {
                d.detail = format!("{} that git does not have", kind_word(a.entry.kind));
            }
            ArchiveFact::Outside => {
                d.path = a.entry.path.to_string();
                d.class = Class::Hostile;
                d.detail = "outside the archive's top-level directory".into();
            }
        }
        d
    }
}

/// Words for a hostile entry: what it is and why it matters.
pub fn problem_detail(p: &EntryProblem, e: &KeptEntry) -> String {
    match p {
        EntryProblem::AbsolutePath => format!("absolute path {:?}: extraction would write outside the release directory", e.raw_path()),
        EntryProblem::DotDot => format!("path {:?} has a `..` component: extraction would write outside the release directory", e.raw_path()),
        EntryProblem::NulInName => format!("name {:?} contains a NUL byte: tools disagree on where it ends", e.raw_path()),
        EntryProblem::EmptyName => "empty name".to_string(),
        EntryProblem::NotUtf8 => format!("name {:?} is not valid UTF-8", e.raw_path()),
        EntryProblem::Duplicate { first_index } => format!(
            "entry #{} repeats the path of entry #{first_index}: extraction keeps the later copy, so a first copy equal to git would hide it",
            e.index
        ),
        EntryProblem::CaseOrUnicodeCollision { other } => format!(
            "collides with {other:?} under case folding or Unicode normalisation: on macOS or Windows one overwrites the other"
        ),
        EntryProblem::Hardlink => format!(
            "hard link to {:?}",
            e.link_target().unwrap_or("")
        ),
        EntryProblem::DeviceNode => "device node: a source release has no business creating one".to_string(),
        EntryProblem::Fifo => "named pipe (fifo): a source release has no business creating one".to_string(),
        EntryProblem::Setuid => format!("setuid bit set (mode {:04o})", e.mode & 0o7777),
        EntryProblem::Setgid => format!("setgid bit set (mode {:04o})", e.mode & 0o7777),
        EntryProblem::Sticky => format!("sticky bit set (mode {:04o})", e.mode & 0o7777),
        EntryProblem::OwnerCannotRead => format!(
            "mode {:04o}: the owner cannot read this file (git cannot record such a mode; a build cannot open it)",
            e.mode & 0o7777
        ),
        EntryProblem::OwnerCannotEnter => format!(
            "mode {:04o}: the owner cannot list or enter this directory (extraction below it fails)",
            e.mode & 0o7777
        ),
        EntryProblem::SymlinkChain { link } => format!(
            "symlink to the symlink {link:?}: node-tar (npm) refuses to extract a link to a link, the other extractors create it"
        ),
        EntryProblem::ExecutableNotByOwner => format!(
            "mode {:04o}: executable by group or others but not by its owner; Python's tarfile `data` filter (pip) clears its executable bits, the other extractors keep them",
            e.mode & 0o7777
        ),
        EntryProblem::HardlinkToNonFile { target } => format!(
            "hard link to {target:?}, which is a symlink or directory, or ends in `/`: node-tar refuses a hard link to a symlink, a hard link to a directory fails everywhere but in Python (which makes a directory), one to `file/` fails in GNU tar, bsdtar and the tar crate but not in Python and node-tar"
        ),
        EntryProblem::LinkEscapes { target } => format!(
            "link target {target:?} points outside the release directory"
        ),
        EntryProblem::ThroughSymlink { link } => format!(
            "path goes through the symlink {link:?}: extraction would write wherever that link points"
        ),
        EntryProblem::UnsupportedType => format!("{} is not a supported entry type", kind_word(e.kind)),
        EntryProblem::LocalHeaderMismatch { detail } => format!(
            "zip local header disagrees with the central directory ({detail}): extractors that read one or the other see different files"
        ),
    }
}

/// The stable name of a problem, as in JSON reports.
pub fn problem_name(p: &EntryProblem) -> &'static str {
    match p {
        EntryProblem::AbsolutePath => "absolute-path",
        EntryProblem::DotDot => "dot-dot",
        EntryProblem::NulInName => "nul-in-name",
        EntryProblem::EmptyName => "empty-name",
        EntryProblem::NotUtf8 => "not-utf8",
        EntryProblem::Duplicate { .. } => "duplicate",
        EntryProblem::CaseOrUnicodeCollision { .. } => "name-collision",
        EntryProblem::Hardlink => "hardlink",
        EntryProblem::DeviceNode => "device-node",
        EntryProblem::Fifo => "fifo",
        EntryProblem::Setuid => "setuid",
        EntryProblem::Setgid => "setgid",
        EntryProblem::Sticky => "sticky",
        EntryProblem::OwnerCannotRead => "owner-cannot-read",
        EntryProblem::OwnerCannotEnter => "owner-cannot-enter",
        EntryProblem::SymlinkChain { .. } => "symlink-chain",
        EntryProblem::ExecutableNotByOwner => "exec-not-owner",
        EntryProblem::HardlinkToNonFile { .. } => "hardlink-to-non-file",
        EntryProblem::LinkEscapes { .. } => "link-escapes",
        EntryProblem::ThroughSymlink { .. } => "through-symlink",
        EntryProblem::UnsupportedType => "unsupported-type",
        EntryProblem::LocalHeaderMismatch { .. } => "local-header-mismatch",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every archive entry is kept until it is judged: the record's size is most of a check's
    /// memory on an archive of a million entries (issue 11's bound), so growing it is a
    /// decision, not an accident.
    #[test]
    fn kept_entry_stays_compact() {
        assert!(
            std::mem::size_of::<ArchivedEntry>() <= 96,
            "{}",
            std::mem::size_of::<ArchivedEntry>()
        );
        assert!(std::mem::size_of::<Entry>() > std::mem::size_of::<KeptEntry>());
    }

    fn tree_entry(path: &str) -> TreeEntry {
        TreeEntry {
            path: path.to_string(),
            kind: TreeEntryKind::File,
            oid: ObjectId::null(tarseal_git::HashKind::Sha1),
        }
    }

    #[test]
    fn tree_index_finds_paths_sorted_or_not() {
        let sorted = vec![
            tree_entry("a"),
            tree_entry("a-b"),
            tree_entry("a/x"),
            tree_entry("b"),
        ];
        let mut shuffled = sorted.clone();
        shuffled.reverse();
        for tree in [&sorted, &shuffled] {
            let index = TreeIndex::new(tree);
            for p in ["a", "a-b", "a/x", "b"] {
                assert_eq!(index.get(p).map(|e| e.path.as_str()), Some(p));
            }
            assert!(!index.contains_key("a/"));
            assert!(!index.contains_key("c"));
        }
    }

    #[test]
    fn path_hashes_hold_exactly_their_paths() {
        let paths: Vec<String> = (0..5000)
            .map(|i| format!("dir{}/file{i}.c", i % 7))
            .collect();
        let set = PathHashes::new(paths.iter().map(String::as_str));
        assert!(paths.iter().all(|p| set.contains(p)));
        assert!(!set.contains("dir0/file1.c"), "file1 lies in dir1");
        assert!(!(5000..10000).any(|i| set.contains(&format!("dir{}/file{i}.c", i % 7))));
    }

    fn entry(index: u64, path: &str) -> ArchivedEntry {
        let mut a = ArchivedEntry::new(Entry {
            index,
            raw_path: None,
            path: path.to_string(),
            kind: EntryKind::File,
            mode: 0o644,
            size: 0,
            link_target: None,
            blob_id: None,
            sha256: None,
            content: None,
            problems: Vec::new(),
        });
        a.inside_prefix = true;
        a.rel_start = path.find('/').map_or(0, |i| i as u32 + 1);
        a
    }

    #[test]
    fn index_finds_the_last_entry_at_a_path() {
        let archive = vec![
            entry(0, "p/b"),
            entry(1, "p/a"),
            entry(2, "p/b"),
            entry(3, "p/c/d"),
        ];
        let idx = ArchiveIndex::new(&archive);
        assert_eq!(idx.at(&archive, "b"), Some(2));
        assert_eq!(idx.at(&archive, "a"), Some(1));
        assert_eq!(idx.at(&archive, "c/d"), Some(3));
        assert_eq!(idx.at(&archive, "c"), None);
        assert_eq!(idx.at(&archive, ""), None);
        assert_eq!(idx.at(&archive, "zz"), None);
        assert!(!idx.is_last(0) && idx.is_last(1) && idx.is_last(2) && idx.is_last(3));
    }
}
