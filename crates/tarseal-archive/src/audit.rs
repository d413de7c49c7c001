//! Cross-entry checks: duplicates, case/Unicode collisions, links that escape, and entries
//! written through an earlier symlink.
//!
//! Only per-path metadata is kept (first index, whether any copy was a symlink), so memory
//! grows with the number of entries, never with their content. Every check is lexical: the
//! auditor sees the archive as a list of names, exactly as an extractor would create them.

use crate::{Entry, EntryKind, EntryProblem};
use std::borrow::Cow;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// A set of strings in one arena: every string's bytes back to back in `bytes`, its end in
/// `ends`, and a hash table of indexes into them. Per string this costs its bytes plus about
/// 10 bytes (the end offset, a 4-byte table slot at most half empty, its control byte), where
/// a `HashMap<String, _>` costs a heap allocation (~32 bytes of malloc overhead and slack)
/// plus a 40-byte bucket: 1,000,000 paths of 26 bytes take ~40 MB here, ~130 MB there.
#[derive(Default)]
struct StrSet {
    bytes: Vec<u8>,
    ends: Vec<u64>,
    table: hashbrown::HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
}

impl std::fmt::Debug for StrSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "StrSet({} strings, {} bytes)",
            self.ends.len(),
            self.bytes.len()
        )
    }
}

impl StrSet {
    fn hash(&self, s: &str) -> u64 {
        use std::hash::BuildHasher;
        self.hasher.hash_one(s.as_bytes())
    }

    fn get_str(&self, id: u32) -> &str {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let end = self.ends[i] as usize;
        // Only whole `&str`s are ever appended.
        std::str::from_utf8(&self.bytes[start..end]).unwrap_or_default()
    }

    fn find(&self, s: &str) -> Option<u32> {
        let h = self.hash(s);
        self.table.find(h, |&id| self.get_str(id) == s).copied()
    }

    /// Adds `s` (which must not be present yet) and returns its id.
    fn insert(&mut self, s: &str) -> u32 {
        let h = self.hash(s);
        // An archive is bounded by --max-entries (u64) but never holds 2^32 distinct paths
        // within the other limits; saturate rather than wrap.
        let id = u32::try_from(self.ends.len()).unwrap_or(u32::MAX);
        self.bytes.extend_from_slice(s.as_bytes());
        self.ends.push(self.bytes.len() as u64);
        let (bytes, ends, hasher) = (&self.bytes, &self.ends, &self.hasher);
        let rehash = |&id: &u32| {
            use std::hash::BuildHasher;
            let i = id as usize;
            let start = if i == 0 { 0 } else { ends[i - 1] as usize };
            hasher.hash_one(&bytes[start..ends[i] as usize])
        };
        self.table.insert_unique(h, id, rehash);
        id
    }
}

/// A set of paths held as 64-bit keyed hashes (8 bytes a path plus a 4-byte table slot),
/// not their bytes: the auditor lives through the whole read, beside the decompressor's
/// dictionary, and the bytes were 3-6 MB at 85,000 paths (the entries keep the names
/// anyway). The key is random per process, so an archive cannot choose a collision; the odds
/// of one by chance are about n²/2^65 (2·10^-10 at 85,000 paths), and its only effect is a
/// refusal naming a duplicate, never a pass.
#[derive(Default)]
struct PathSet {
    keys: Vec<u64>,
    table: hashbrown::HashTable<u32>,
    state: std::hash::RandomState,
}

impl std::fmt::Debug for PathSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PathSet({} paths)", self.keys.len())
    }
}

impl PathSet {
    fn key(&self, s: &str) -> u64 {
        use std::hash::BuildHasher;
        self.state.hash_one(s.as_bytes())
    }

    fn find(&self, s: &str) -> Option<u32> {
        let k = self.key(s);
        self.table
            .find(k, |&id| self.keys[id as usize] == k)
            .copied()
    }

    /// Adds `s` (which must not be present yet) and returns its id.
    fn insert(&mut self, s: &str) -> u32 {
        let k = self.key(s);
        // See StrSet::insert: saturate rather than wrap.
        let id = u32::try_from(self.keys.len()).unwrap_or(u32::MAX);
        self.keys.push(k);
        let keys = &self.keys;
        self.table.insert_unique(k, id, |&id| keys[id as usize]);
        id
    }
}

/// Bit of [`Auditor::meta`] marking a path that some copy declared a symlink.
const SYMLINK_BIT: u64 = 1 << 63;
/// Bit of [`Auditor::meta`] marking a path whose first entry is not a regular file (nor a
/// hard link): a hard link to it is not a file for every extractor.
const NOT_FILE_BIT: u64 = 1 << 62;
/// The index part of an [`Auditor::meta`] value.
const INDEX_MASK: u64 = !(SYMLINK_BIT | NOT_FILE_BIT);

/// Accumulates path metadata across one archive and flags cross-entry problems.
///
/// Only per-path metadata is kept, compactly (see [`StrSet`]): for each distinct normalised
/// path its bytes, the index of its first entry and whether any copy was a symlink.
#[derive(Debug, Default)]
pub(crate) struct Auditor {
    paths: PathSet,
    /// Per path id: the first entry's index, with [`SYMLINK_BIT`].
    meta: Vec<u64>,
    /// Folded forms (NFC + lowercase) of the paths whose folded form differs from the path
    /// itself (so the common all-lowercase ASCII path costs nothing).
    folded: StrSet,
    /// Per folded id: the path id of the first entry with that folded form, and its name
    /// (for the message: [`PathSet`] keeps no names).
    folded_first: Vec<(u32, Box<str>)>,
}

/// NFC + lowercase; Unicode case folding is approximated by `to_lowercase`.
fn fold(path: &str) -> Cow<'_, str> {
    if path.is_ascii() {
        if path.bytes().any(|b| b.is_ascii_uppercase()) {
            return Cow::Owned(path.to_ascii_lowercase());
        }
        return Cow::Borrowed(path);
    }
    let nfc: Cow<'_, str> = if is_nfc_quick(path.chars()) == IsNormalized::Yes {
        Cow::Borrowed(path)
    } else {
        Cow::Owned(path.nfc().collect())
    };
    let lower = nfc.to_lowercase();
    if lower == path {
        Cow::Borrowed(path)
    } else {
        Cow::Owned(lower)
    }
}

/// Resolves `target` lexically against the directory of `link_path`. Returns true when the
/// result leaves the link's top-level directory (or the archive root for a link at the top).
fn symlink_escapes(link_path: &str, target: &str) -> bool {
    if target.starts_with('/') || target.is_empty() {
        return true;
    }
    // Depth of the link's directory, and the floor the resolution may not go below: a link
    // inside `pkg-1.0/` must stay inside `pkg-1.0/`.
    let parent_depth = link_path.split('/').count().saturating_sub(1);
    let floor = usize::from(parent_depth >= 1);
    let mut depth = parent_depth;
    for comp in target.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if depth <= floor {
                    return true;
                }
                depth -= 1;
            }
            _ => depth += 1,
        }
    }
    false
}

/// The mode bits git cannot hold and that change what an extraction does: setuid, setgid
/// (on anything but a directory), sticky, a file its owner cannot read, a directory its owner
/// cannot enter. Symlinks have no mode of their own (0777 by convention) and hard links take
/// their target's. A setgid *directory* only makes new files inherit its group, grants
/// nothing, and real releases carry it (Debian's make-dfsg 4.3 orig tarball: every
/// directory 2755, packed in a setgid directory), so it is a warning ([`mode_warning`]).
fn mode_problems(entry: &mut Entry) {
    if matches!(entry.kind, EntryKind::Symlink | EntryKind::Hardlink) {
        return;
    }
    let mode = entry.mode;
    let mut add = |p: EntryProblem| {
        if !entry.problems.contains(&p) {
            entry.problems.push(p);
        }
    };
    if mode & 0o4000 != 0 {
        add(EntryProblem::Setuid);
    }
    if mode & 0o2000 != 0 && entry.kind != EntryKind::Directory {
        add(EntryProblem::Setgid);
    }
    if mode & 0o1000 != 0 {
        add(EntryProblem::Sticky);
    }
    match entry.kind {
        EntryKind::File if mode & 0o400 == 0 => add(EntryProblem::OwnerCannotRead),
        EntryKind::File if mode & 0o100 == 0 && mode & 0o011 != 0 => {
            add(EntryProblem::ExecutableNotByOwner)
        }
        EntryKind::Directory if mode & 0o500 != 0o500 => add(EntryProblem::OwnerCannotEnter),
        _ => {}
    }
}

/// Mode bits that are legal but unusual in a release: world-writable, or group or others
/// allowed something the owner is not. Warnings for the report, never a failure (git keeps
/// only the executable bit, so the comparison cannot judge them).
pub fn mode_warning(entry: &Entry) -> Option<String> {
    mode_warning_of(entry.kind, entry.mode)
}

/// [`mode_warning`] for an entry of this type and mode (for callers that keep entries in a
/// form of their own).
pub fn mode_warning_of(kind: EntryKind, mode: u32) -> Option<String> {
    if !matches!(kind, EntryKind::File | EntryKind::Directory) {
        return None;
    }
    let m = mode & 0o777;
    let owner = m >> 6;
    let lacks = ((m >> 3) & 7 | m & 7) & !owner;
    if kind == EntryKind::Directory && mode & 0o2000 != 0 {
        Some(format!(
            "setgid directory (mode {:04o}): files created in it inherit its group",
            mode & 0o7777
        ))
    } else if m & 0o002 != 0 {
        Some(format!("mode {m:04o} is world-writable"))
    } else if lacks != 0 {
        Some(format!(
            "mode {m:04o} gives group or others rights its owner does not have"
        ))
    } else {
        None
    }
}

impl Auditor {
    /// Checks `entry` against the entries seen so far, appends problems, and records it.
    pub(crate) fn audit(&mut self, entry: &mut Entry) {
        mode_problems(entry);
        let path = entry.path.as_str();
        if path.is_empty() {
            return; // the archive root (`./`); nothing can collide with it
        }

        // An entry below an earlier symlink: extraction would write where the link points.
        for (pos, _) in path.match_indices('/') {
            let prefix = &path[..pos];
            if self.is_symlink(prefix) {
                entry.problems.push(EntryProblem::ThroughSymlink {
                    link: prefix.to_string(),
                });
                break;
            }
        }

        match entry.kind {
            EntryKind::Symlink => {
                let target = entry.link_target.as_deref().unwrap_or("");
                if symlink_escapes(path, target) {
                    entry.problems.push(EntryProblem::LinkEscapes {
                        target: target.to_string(),
                    });
                } else if let Some(next) = resolve_lexically(path, target) {
                    // A link to an earlier link: node-tar (npm) refuses to extract it, GNU
                    // tar, bsdtar, Python and the tar crate create it.
                    if self.is_symlink(&next) {
                        entry
                            .problems
                            .push(EntryProblem::SymlinkChain { link: next });
                    }
                }
            }
            EntryKind::Hardlink => {
                let target = entry.link_target.as_deref().unwrap_or("");
                let norm = crate::path::normalize(target.as_bytes(), false, false);
                let found = self.paths.find(&norm.path);
                if !norm.problems.is_empty() || found.is_none() {
                    entry.problems.push(EntryProblem::LinkEscapes {
                        target: target.to_string(),
                    });
                } else if target.ends_with('/')
                    || target.ends_with("/.")
                    || found.is_some_and(|id| {
                        self.meta[id as usize] & (SYMLINK_BIT | NOT_FILE_BIT) != 0
                    })
                {
                    // `p/a.txt/`: link(2) fails (GNU tar, bsdtar, the tar crate), Python and
                    // node-tar resolve the name and make the file.
                    entry.problems.push(EntryProblem::HardlinkToNonFile {
                        target: target.to_string(),
                    });
                }
            }
            _ => {}
        }

        let is_symlink = entry.kind == EntryKind::Symlink;
        if let Some(id) = self.paths.find(path) {
            // A repeated directory is a duplicate too: git archive never writes a path twice,
            // and a simple "every path once" rule leaves no room for games with which copy an
            // extractor keeps. The check crate may choose to tolerate repeated directories.
            let meta = &mut self.meta[id as usize];
            entry.problems.push(EntryProblem::Duplicate {
                first_index: *meta & INDEX_MASK,
            });
            if is_symlink {
                *meta |= SYMLINK_BIT;
            }
            return;
        }

        let folded = fold(path);
        // Two kinds of earlier path can fold to the same form: one that is already folded
        // (a known path) and one that is not (in `folded`). Name the earliest.
        // The earlier path that is already folded is named by the folded form itself.
        let exact = (folded.as_ref() != path)
            .then(|| self.paths.find(folded.as_ref()))
            .flatten()
            .map(|id| (self.meta[id as usize] & INDEX_MASK, folded.as_ref()));
        let folded_id = self.folded.find(folded.as_ref());
        let other = folded_id
            .map(|f| &self.folded_first[f as usize])
            .map(|(id, name)| (self.meta[*id as usize] & INDEX_MASK, name.as_ref()))
            .filter(|&(_, name)| name != path);
        let first = match (exact, other) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
            (a, b) => a.or(b),
        };
        if let Some((_, other)) = first {
            entry.problems.push(EntryProblem::CaseOrUnicodeCollision {
                other: other.to_string(),
            });
        }
        let id = self.paths.insert(path);
        let not_file = !matches!(entry.kind, EntryKind::File | EntryKind::Hardlink);
        self.meta.push(
            entry.index.min(INDEX_MASK)
                | if is_symlink { SYMLINK_BIT } else { 0 }
                | if not_file && !is_symlink {
                    NOT_FILE_BIT
                } else {
                    0
                },
        );
        if let (Cow::Owned(f), None) = (&folded, folded_id) {
            self.folded.insert(f);
            self.folded_first.push((id, path.into()));
        }
    }

    /// Whether some entry with this exact normalised path was a symlink.
    fn is_symlink(&self, path: &str) -> bool {
        self.paths
            .find(path)
            .is_some_and(|id| self.meta[id as usize] & SYMLINK_BIT != 0)
    }
}

/// Where a symlink at `link_path` pointing to `target` leads, as a normalised path
/// (lexically; `None` when it climbs above the archive root).
fn resolve_lexically(link_path: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = link_path.split('/').collect();
    parts.pop();
    for comp in target.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlink_escape_rules() {
        assert!(!symlink_escapes("pkg/a/link", "../b"));
        assert!(!symlink_escapes("pkg/a/link", "./x/../y"));
        assert!(symlink_escapes("pkg/a/link", "../../etc/passwd"));
        assert!(symlink_escapes("pkg/link", ".."));
        assert!(symlink_escapes("pkg/link", "/etc/passwd"));
        assert!(!symlink_escapes("link", "x"));
        assert!(symlink_escapes("link", "../x"));
        assert!(symlink_escapes("pkg/link", ""));
    }

    #[test]
    fn fold_is_nfc_and_lowercase() {
        assert_eq!(fold("README"), "readme");
        assert!(matches!(fold("readme"), Cow::Borrowed(_)));
        assert_eq!(fold("Cafe\u{301}"), "caf\u{e9}");
    }
}
