//! Per-path classification: how each path of the archive relates to the git tree.
//!
//! Pure: takes the git listing and the archive's entries (already relative to the prefix) and
//! returns one [`Diff`] per non-matching path and per hostile entry, plus the count of matches.
//! Judging the diffs is the policy's job ([`crate::check`]); this module only states facts.

use crate::report::Class;
use std::collections::{HashMap, HashSet};
use tarseal_archive::{Entry, EntryKind, EntryProblem};
use tarseal_git::{ObjectId, TreeEntry, TreeEntryKind};

/// An archive entry with its path relative to the archive's prefix.
#[derive(Debug, Clone)]
pub struct ArchivedEntry {
    /// Where the path relative to the prefix starts in `entry.path` (a suffix of it, so no
    /// second string per entry: a million entries are a million fewer allocations).
    pub(crate) rel_start: usize,
    /// False when the entry lies outside the prefix directory.
    pub inside_prefix: bool,
    pub entry: Entry,
}

impl ArchivedEntry {
    /// An entry not yet placed relative to a prefix (its whole path, outside any prefix).
    pub fn new(entry: Entry) -> ArchivedEntry {
        ArchivedEntry {
            rel_start: 0,
            inside_prefix: false,
            entry,
        }
    }

    /// The path relative to the archive's prefix; empty for the prefix directory itself and
    /// for entries outside it.
    pub fn rel(&self) -> &str {
        &self.entry.path[self.rel_start..]
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

/// The comparison's result.
#[derive(Debug, Default)]
pub struct Comparison {
    pub diffs: Vec<Diff>,
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
    let mut at: HashMap<&str, usize> = HashMap::with_capacity(archive.len());
    for (i, a) in archive.iter().enumerate() {
        if a.inside_prefix && !a.rel().is_empty() {
            at.insert(a.rel(), i);
        }
    }

    // Directories implied by git's paths; and the gitlinks, whose content git cannot vouch for.
    let mut git_dirs: HashSet<&str> = HashSet::new();
    let mut gitlinks: Vec<(&str, ObjectId)> = Vec::new();
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
            gitlinks.push((e.path.as_str(), e.oid));
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
            let target = a.entry.link_target.as_deref()?.trim_start_matches("./");
            by_full_path
                .get(target.trim_end_matches('/'))
                .copied()
                .filter(|&t| t < archive.len() && archive[t].entry.index < a.entry.index)
        };
    if archive.iter().any(|a| a.entry.kind == EntryKind::Hardlink) {
        for (i, a) in archive.iter().enumerate() {
            by_full_path.entry(a.entry.path.as_str()).or_insert(i);
        }
    }
    let mut verified_hardlinks: HashSet<usize> = HashSet::new();

    for g in git.entries {
        if (git.is_export_ignored)(&g.path) {
            out.export_ignored.insert(g.path.clone());
        }
        let Some(&ai) = at.get(g.path.as_str()) else {
            if g.kind == TreeEntryKind::Gitlink {
                // git archive writes nothing but an (empty) directory for a submodule.
                out.matched += 1;
                continue;
            }
            out.diffs.push(Diff {
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
            });
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
                    out.diffs.push(d);
                    continue;
                }
                let want_exec = g.kind == TreeEntryKind::Executable;
                if archive_executable(mode) != want_exec {
                    out.diffs.push(diff(
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
                    verified_hardlinks.insert(ai);
                }
                out.matched += 1;
            }
            (TreeEntryKind::Symlink, EntryKind::Symlink) => {
                if blob == Some(g.oid) {
                    out.matched += 1;
                } else {
                    out.diffs.push(diff(
                        Class::Modified,
                        format!(
                            "symlink retargeted: archive points to {:?} (blob {}), git's link blob is {}",
                            a.entry.link_target.as_deref().unwrap_or(""),
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
                out.diffs.push(d);
            }
            (gk, ak) => out.diffs.push(diff(
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
        for p in &a.entry.problems {
            out.diffs.push(Diff {
                path: if a.inside_prefix {
                    a.rel().to_string()
                } else {
                    a.entry.path.clone()
                },
                class: Class::Hostile,
                detail: problem_detail(p, &a.entry),
                archive_index: Some(i),
                git_oid: None,
                problem: Some(p.clone()),
                hardlink_verified: *p == EntryProblem::Hardlink && verified_hardlinks.contains(&i),
                dereferenced: false,
                converted_by: None,
            });
        }
        if !a.inside_prefix {
            continue;
        }
        if at.get(a.rel()) != Some(&i) {
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
        let under_gitlink = gitlinks.iter().find(|(g, _)| {
            a.rel().len() > g.len()
                && a.rel().starts_with(*g)
                && a.rel().as_bytes()[g.len()] == b'/'
        });
        if let Some((g, pinned)) = under_gitlink {
            out.diffs.push(Diff {
                path: a.rel().to_string(),
                class: Class::Unverifiable,
                detail: format!(
                    "inside submodule {g} (the tag pins commit {pinned}), whose content this repository does not hold: give --submodule {g}=REPO to compare it"
                ),
                archive_index: Some(i),
                git_oid: None,
                problem: None,
                hardlink_verified: false,
                dereferenced: false,
                converted_by: None,
            });
            continue;
        }
        if a.entry.kind == EntryKind::Directory {
            // Empty: nothing can be extracted into it from this archive, and git cannot
            // hold it, so it adds no content to compare.
            out.empty_dirs.push(a.rel().to_string());
            continue;
        }
        out.diffs.push(Diff {
            path: a.rel().to_string(),
            class: Class::Extra,
            detail: format!("{} that git does not have", kind_word(a.entry.kind)),
            archive_index: Some(i),
            git_oid: None,
            problem: None,
            hardlink_verified: false,
            dereferenced: false,
            converted_by: None,
        });
    }

    // Entries outside the prefix are hostile in themselves: extracting the release would write
    // beside its directory.
    for (i, a) in archive.iter().enumerate() {
        if !a.inside_prefix {
            out.diffs.push(Diff {
                path: a.entry.path.clone(),
                class: Class::Hostile,
                detail: "outside the archive's top-level directory".into(),
                archive_index: Some(i),
                git_oid: None,
                problem: None,
                hardlink_verified: false,
                dereferenced: false,
                converted_by: None,
            });
        }
    }
    out
}

/// Words for a hostile entry: what it is and why it matters.
pub fn problem_detail(p: &EntryProblem, e: &Entry) -> String {
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
            e.link_target.as_deref().unwrap_or("")
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
