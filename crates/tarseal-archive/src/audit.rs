//! Cross-entry checks: duplicates, case/Unicode collisions, links that escape, and entries
//! written through an earlier symlink.
//!
//! Only per-path metadata is kept (first index, whether any copy was a symlink), so memory
//! grows with the number of entries, never with their content. Every check is lexical: the
//! auditor sees the archive as a list of names, exactly as an extractor would create them.

use crate::{Entry, EntryKind, EntryProblem};
use std::borrow::Cow;
use std::collections::HashMap;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// What is remembered about one normalised path.
#[derive(Debug, Clone, Copy)]
struct PathMeta {
    /// Index of the first entry with this path.
    first_index: u64,
    /// Whether any entry with this path was a symlink (extraction of a later entry through it
    /// would follow the link, whichever copy won).
    symlink: bool,
}

/// Accumulates path metadata across one archive and flags cross-entry problems.
#[derive(Debug, Default)]
pub(crate) struct Auditor {
    paths: HashMap<String, PathMeta>,
    /// Folded form (NFC + lowercase) -> (index, original path) of the first entry with that
    /// folded form, only for paths whose folded form differs from the path itself (so the
    /// common all-lowercase ASCII path costs nothing).
    folded: HashMap<String, (u64, String)>,
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
        EntryKind::Directory if mode & 0o500 != 0o500 => add(EntryProblem::OwnerCannotEnter),
        _ => {}
    }
}

/// Mode bits that are legal but unusual in a release: world-writable, or group or others
/// allowed something the owner is not. Warnings for the report, never a failure (git keeps
/// only the executable bit, so the comparison cannot judge them).
pub fn mode_warning(entry: &Entry) -> Option<String> {
    if !matches!(entry.kind, EntryKind::File | EntryKind::Directory) {
        return None;
    }
    let m = entry.mode & 0o777;
    let owner = m >> 6;
    let lacks = ((m >> 3) & 7 | m & 7) & !owner;
    if entry.kind == EntryKind::Directory && entry.mode & 0o2000 != 0 {
        Some(format!(
            "setgid directory (mode {:04o}): files created in it inherit its group",
            entry.mode & 0o7777
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
            if self.paths.get(prefix).is_some_and(|m| m.symlink) {
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
                }
            }
            EntryKind::Hardlink => {
                let target = entry.link_target.as_deref().unwrap_or("");
                let norm = crate::path::normalize(target.as_bytes(), false, false);
                let bad = !norm.problems.is_empty() || !self.paths.contains_key(&norm.path);
                if bad {
                    entry.problems.push(EntryProblem::LinkEscapes {
                        target: target.to_string(),
                    });
                }
            }
            _ => {}
        }

        let is_symlink = entry.kind == EntryKind::Symlink;
        if let Some(meta) = self.paths.get_mut(path) {
            // A repeated directory is a duplicate too: git archive never writes a path twice,
            // and a simple "every path once" rule leaves no room for games with which copy an
            // extractor keeps. The check crate may choose to tolerate repeated directories.
            entry.problems.push(EntryProblem::Duplicate {
                first_index: meta.first_index,
            });
            meta.symlink |= is_symlink;
            return;
        }

        let folded = fold(path);
        // Two kinds of earlier path can fold to the same form: one that is already folded
        // (a key of `paths`) and one that is not (in `folded`). Name the earliest.
        let exact = (folded.as_ref() != path)
            .then(|| self.paths.get(folded.as_ref()))
            .flatten()
            .map(|m| (m.first_index, folded.as_ref()));
        let other = self
            .folded
            .get(folded.as_ref())
            .map(|(i, p)| (*i, p.as_str()))
            .filter(|(_, p)| *p != path);
        let first = match (exact, other) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
            (a, b) => a.or(b),
        };
        if let Some((_, other)) = first {
            entry.problems.push(EntryProblem::CaseOrUnicodeCollision {
                other: other.to_string(),
            });
        }
        if let Cow::Owned(f) = folded {
            self.folded
                .entry(f)
                .or_insert_with(|| (entry.index, path.to_string()));
        }
        self.paths.insert(
            path.to_string(),
            PathMeta {
                first_index: entry.index,
                symlink: is_symlink,
            },
        );
    }
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
