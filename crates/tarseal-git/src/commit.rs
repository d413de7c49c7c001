//! A commit's metadata as git's pretty formats read it (concept: "what `%an`, `%s`, `%h`...
//! print"): the person lines, the commit and the tags at it, the repository's abbreviations,
//! and git's splitting of a message into subject and body. Shared by [`crate::repo`] (which
//! reads them from the object database) and [`crate::subst`] (which formats them), so that
//! neither depends on the other.

use crate::ObjectId;

/// A person line of a tag or commit (`Name <email> seconds +hhmm`).
///
/// Kept with its own offset because `export-subst` dates (`%ad`, `%cd`) are rendered in the
/// person's own time zone, as `git archive` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The name (lossily converted to UTF-8 when it is not).
    pub name: String,
    /// The e-mail address without angle brackets.
    pub email: String,
    /// Seconds since the epoch.
    pub time: i64,
    /// Offset from UTC in seconds (east positive).
    pub offset: i32,
}

/// The commit the target peels to, with what `export-subst` needs.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    /// The commit id.
    pub id: ObjectId,
    /// Its root tree.
    pub tree: ObjectId,
    /// Parent commit ids, in header order (`%P`, `%p`).
    pub parents: Vec<ObjectId>,
    /// The `author` header (`%an`, `%ae`, `%ad`, ...).
    pub author: Person,
    /// The `committer` header (`%cn`, `%ce`, `%cd`, ...).
    pub committer: Person,
    /// The subject as git's `%s` spells it: the first paragraph of the message, its lines
    /// stripped of trailing white space and joined by single spaces (for the usual one-line
    /// subject, simply the first line).
    pub subject: String,
    /// Full message (everything after the header's blank line).
    pub message: String,
    /// Ref names pointing at this commit, as `git log --decorate=short` spells them
    /// (`HEAD -> main`, `tag: v1.0`, ...), in git's order, for `%d`/`%D`.
    pub decorations: Vec<String>,
    /// Tags that point at this commit, directly (lightweight) or through tag objects
    /// (annotated), for `%(describe)` when the commit is exactly tagged.
    pub tags_here: Vec<TagHere>,
}

/// A tag pointing at a commit, as `git describe` weighs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagHere {
    /// The name below `refs/tags/`.
    pub name: String,
    /// True for a tag object (what `git describe` counts without `--tags`).
    pub annotated: bool,
}

/// Shortest-unique abbreviations of the ids `export-subst` prints as `%h`, `%t` and `%p`,
/// computed the way `git archive` run in this repository would compute them.
///
/// Why a separate value: abbreviation depends on the repository (its `core.abbrev`, its number
/// of packed objects, and which other ids share a prefix), not only on the commit, so
/// [`crate::subst::expand`] alone cannot know it. See [`crate::Repo::abbreviations`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Abbreviations {
    /// `%h`
    pub commit: String,
    /// `%t`
    pub tree: String,
    /// `%p`, one per parent.
    pub parents: Vec<String>,
}

pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Lines of `msg` with their ends (including the newline), as git's `get_one_line` walks them.
pub(crate) fn line_at(msg: &[u8], pos: usize) -> &[u8] {
    let rest = &msg[pos..];
    match rest.iter().position(|&b| b == b'\n') {
        Some(e) => &rest[..=e],
        None => rest,
    }
}

pub(crate) fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|&b| is_space(b))
}

/// (subject start, body start) offsets in the raw message, as git's `parse_commit_message`.
pub(crate) fn split_message(msg: &[u8]) -> (usize, usize) {
    let skip_blank = |mut pos: usize| {
        while pos < msg.len() {
            let line = line_at(msg, pos);
            if !is_blank(line) {
                break;
            }
            pos += line.len();
        }
        pos
    };
    let subject = skip_blank(0);
    let mut pos = subject;
    while pos < msg.len() {
        let line = line_at(msg, pos);
        pos += line.len();
        if is_blank(line) {
            break;
        }
    }
    (subject, skip_blank(pos))
}

/// git's `%s`: the first paragraph, each line right-trimmed, joined by single spaces.
pub(crate) fn subject_of(msg: &[u8]) -> Vec<u8> {
    let (start, _) = split_message(msg);
    let mut out = Vec::new();
    let mut pos = start;
    while pos < msg.len() {
        let line = line_at(msg, pos);
        pos += line.len();
        let mut len = line.len();
        while len > 0 && is_space(line[len - 1]) {
            len -= 1;
        }
        if len == 0 {
            break;
        }
        if !out.is_empty() {
            out.push(b' ');
        }
        out.extend_from_slice(&line[..len]);
    }
    out
}
