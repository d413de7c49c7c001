//! History of a commit, read the way `git log` prints it, for regenerating files that release
//! tools derive from the log (pbr's ChangeLog and AUTHORS).
//!
//! Owns two pieces of git behaviour that those files depend on byte for byte:
//!
//! * **The order of `git log`** (no options): a queue of commits ordered by committer date,
//!   newest first, ties in insertion order, starting from the commit; each popped commit's
//!   parents are inserted in header order unless already seen (git's `revision.c`,
//!   `commit_list_insert_by_date`). This is not a topological order: with clock skew a parent
//!   can come before its child, exactly as in git's own output.
//! * **`.mailmap`** ([`Mailmap`]): git's `mailmap.c` rules — `Proper Name <proper@email>`,
//!   `<proper@email> <commit@email>`, `Proper Name <proper@email> <commit@email>`,
//!   `Proper Name <proper@email> Commit Name <commit@email>`; e-mails and names compared
//!   ASCII-case-insensitively; a name-qualified entry wins over the plain entry of the same
//!   e-mail; later lines replace earlier ones.
//!
//! Everything is read through gix, read-only; nothing of the repository runs. The caller
//! chooses which `.mailmap` to apply (pbr runs in a checkout of the tag, so it is the tag's
//! tree's file, not the branch head's).

use crate::repo::Repo;
use crate::{GitError, ObjectId};
use gix::bstr::ByteSlice;
use std::collections::{BinaryHeap, HashMap, HashSet};

/// Upper bound on the commits one walk reads: far above the largest real histories (nova has
/// ~70,000), low enough that a hostile repository cannot make the walk unbounded.
pub const MAX_LOG_COMMITS: usize = 5_000_000;

/// One commit as `git log` shows it: what `%s`, `%aN`, `%aE` and the message body need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogCommit {
    /// The commit id.
    pub id: ObjectId,
    /// `%s`: the first paragraph of the message, lines stripped of trailing white space and
    /// joined by single spaces (re-encoded to UTF-8 from the commit's `encoding`).
    pub subject: String,
    /// The author's name as recorded (before `.mailmap`).
    pub author_name: String,
    /// The author's e-mail as recorded (before `.mailmap`).
    pub author_email: String,
    /// The committer time in seconds since the epoch (the order key).
    pub commit_time: i64,
    /// The whole message, UTF-8.
    pub message: String,
}

/// A parsed `.mailmap`.
#[derive(Debug, Clone, Default)]
pub struct Mailmap {
    /// Lower-cased old e-mail → entry.
    entries: HashMap<String, MailmapEntry>,
}

#[derive(Debug, Clone, Default)]
struct MailmapEntry {
    name: Option<String>,
    email: Option<String>,
    /// Lower-cased old name → (new name, new e-mail).
    by_name: HashMap<String, (Option<String>, Option<String>)>,
}

impl Mailmap {
    /// Parses `.mailmap` bytes as git's `read_mailmap_line` does (lossy UTF-8; lines that do
    /// not hold an e-mail in angle brackets are ignored, as git ignores them).
    pub fn parse(bytes: &[u8]) -> Mailmap {
        let mut map = Mailmap::default();
        for line in bytes.split(|&b| b == b'\n') {
            let line = String::from_utf8_lossy(line);
            if line.starts_with('#') {
                continue;
            }
            let Some((name1, email1, rest)) = parse_name_and_email(&line, false) else {
                continue;
            };
            let (name2, email2) = match rest.and_then(|r| parse_name_and_email(r, true)) {
                Some((n, e, _)) => (n, Some(e)),
                None => (None, None),
            };
            map.add(name1, email1, name2, email2);
        }
        map
    }

    fn add(
        &mut self,
        new_name: Option<&str>,
        new_email: &str,
        old_name: Option<&str>,
        old_email: Option<&str>,
    ) {
        let (old_email, new_email) = match old_email {
            Some(o) => (o, Some(new_email)),
            None => (new_email, None),
        };
        let me = self
            .entries
            .entry(old_email.to_ascii_lowercase())
            .or_default();
        match old_name {
            None => {
                if let Some(n) = new_name {
                    me.name = Some(n.to_string());
                }
                if let Some(e) = new_email {
                    me.email = Some(e.to_string());
                }
            }
            Some(old) => {
                me.by_name.insert(
                    old.to_ascii_lowercase(),
                    (new_name.map(str::to_string), new_email.map(str::to_string)),
                );
            }
        }
    }

    /// The (name, e-mail) git shows for `%aN <%aE>` of a person recorded as `name <email>`.
    pub fn resolve(&self, name: &str, email: &str) -> (String, String) {
        let Some(me) = self.entries.get(&email.to_ascii_lowercase()) else {
            return (name.to_string(), email.to_string());
        };
        let (n, e) = match me.by_name.get(&name.to_ascii_lowercase()) {
            Some((n, e)) => (n.as_deref(), e.as_deref()),
            None => (me.name.as_deref(), me.email.as_deref()),
        };
        (
            n.unwrap_or(name).to_string(),
            e.unwrap_or(email).to_string(),
        )
    }
}

/// git's `parse_name_and_email`: `(name, email, rest after '>')`; `rest` is `None` when
/// nothing follows the `>`.
fn parse_name_and_email(
    buf: &str,
    allow_empty_email: bool,
) -> Option<(Option<&str>, &str, Option<&str>)> {
    let left = buf.find('<')?;
    let right = left + 1 + buf[left + 1..].find('>')?;
    if !allow_empty_email && right == left + 1 {
        return None;
    }
    // git trims C `isspace` (ASCII) from both ends of the name.
    let name = buf[..left].trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
    let rest = &buf[right + 1..];
    Some((
        (!name.is_empty()).then_some(name),
        &buf[left + 1..right],
        (!rest.is_empty()).then_some(rest),
    ))
}

/// A queue entry: newest committer time first, then first inserted first.
#[derive(PartialEq, Eq)]
struct Queued {
    time: i64,
    seq: std::cmp::Reverse<u64>,
    id: ObjectId,
}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.time, &self.seq).cmp(&(other.time, &other.seq))
    }
}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A parsed commit of the walk: its parents, committer time and what [`LogCommit`] keeps.
fn read_log_commit(repo: &Repo, id: ObjectId) -> Result<(LogCommit, Vec<ObjectId>), GitError> {
    let raw = repo.read_raw_commit(id)?;
    let hash = repo.object_hash();
    let bad = |detail: String| GitError::Object {
        id: id.to_string(),
        detail,
    };
    let commit = gix::objs::CommitRef::from_bytes(&raw, hash)
        .map_err(|e| bad(format!("commit does not parse: {e}")))?;
    let parents = commit
        .parents
        .iter()
        .map(|p| ObjectId::from_hex(p).map_err(|_| bad("a parent id does not parse".into())))
        .collect::<Result<Vec<_>, _>>()?;
    let author = commit
        .author()
        .map_err(|e| bad(format!("author does not parse: {e}")))?;
    let committer = commit
        .committer()
        .map_err(|e| bad(format!("committer does not parse: {e}")))?;
    let commit_time = committer.time().map(|t| t.seconds).unwrap_or(0);
    // git log re-encodes messages to UTF-8 from the commit's `encoding` header; Latin-1 is the
    // one seen in old histories. Anything else is read as UTF-8, lossily (as pbr decodes).
    let latin1 = commit.encoding.is_some_and(|e| {
        let e = e.to_ascii_lowercase();
        e == b"iso-8859-1" || e == b"latin1" || e == b"latin-1" || e == b"iso8859-1"
    });
    let text = |b: &[u8]| -> String {
        if latin1 && std::str::from_utf8(b).is_err() {
            b.iter().map(|&c| c as char).collect()
        } else {
            String::from_utf8_lossy(b).into_owned()
        }
    };
    let message_bytes = match raw.find(b"\n\n") {
        Some(p) => &raw[p + 2..],
        None => &[][..],
    };
    Ok((
        LogCommit {
            id,
            subject: text(&crate::subst::subject_of(message_bytes)),
            author_name: text(author.name.as_bytes()),
            author_email: text(author.email.as_bytes()),
            commit_time,
            message: text(message_bytes),
        },
        parents,
    ))
}

impl Repo {
    /// Every commit reachable from `start`, in the order plain `git log start` prints them.
    pub fn log(&self, start: ObjectId) -> Result<Vec<LogCommit>, GitError> {
        let mut out = Vec::new();
        let mut seen: HashSet<ObjectId> = HashSet::new();
        let mut queue = BinaryHeap::new();
        let mut seq = 0u64;
        // Commits are read once: when queued (their time orders the queue) and kept until popped.
        let mut pending: HashMap<ObjectId, (LogCommit, Vec<ObjectId>)> = HashMap::new();
        let first = read_log_commit(self, start)?;
        seen.insert(start);
        queue.push(Queued {
            time: first.0.commit_time,
            seq: std::cmp::Reverse(seq),
            id: start,
        });
        pending.insert(start, first);
        while let Some(q) = queue.pop() {
            let (commit, parents) = pending.remove(&q.id).expect("queued commits are pending");
            for p in parents {
                if !seen.insert(p) {
                    continue;
                }
                if seen.len() > MAX_LOG_COMMITS {
                    return Err(GitError::Object {
                        id: start.to_string(),
                        detail: format!(
                            "history has more than {MAX_LOG_COMMITS} commits; refusing to walk it"
                        ),
                    });
                }
                let parsed = read_log_commit(self, p)?;
                seq += 1;
                queue.push(Queued {
                    time: parsed.0.commit_time,
                    seq: std::cmp::Reverse(seq),
                    id: p,
                });
                pending.insert(p, parsed);
            }
            out.push(commit);
        }
        Ok(out)
    }

    /// The names below `refs/tags/` of every tag, keyed by the commit it finally points at
    /// (through any chain of tag objects): what `git log --decorate` shows as `tag: ...`.
    pub fn tags_by_commit(&self) -> HashMap<ObjectId, Vec<String>> {
        let mut out: HashMap<ObjectId, Vec<String>> = HashMap::new();
        for (name, id) in self.tag_refs() {
            if let Some(commit) = self.peel_to_commit(id) {
                out.entry(commit).or_default().push(name);
            }
        }
        for v in out.values_mut() {
            v.sort();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailmap_forms() {
        let m = Mailmap::parse(
            b"# comment\n\
              Proper Name <proper@example.org>\n\
              <new@example.org> <OLD@example.org>\n\
              Joe <joe@example.org> <joe@old.org>\n\
              Jane Doe <jane@example.org> jane <Shared@example.org>\n\
              Other <other@example.org> bob <shared@example.org>\n\
              no email here\n\
              Empty <>\n",
        );
        assert_eq!(
            m.resolve("proper", "PROPER@example.org"),
            ("Proper Name".into(), "PROPER@example.org".into())
        );
        assert_eq!(
            m.resolve("x", "old@example.org"),
            ("x".into(), "new@example.org".into())
        );
        assert_eq!(
            m.resolve("j", "joe@old.org"),
            ("Joe".into(), "joe@example.org".into())
        );
        assert_eq!(
            m.resolve("JANE", "shared@example.org"),
            ("Jane Doe".into(), "jane@example.org".into())
        );
        assert_eq!(
            m.resolve("Bob", "shared@example.org"),
            ("Other".into(), "other@example.org".into())
        );
        // No name-qualified match and no plain entry for the e-mail: unchanged.
        assert_eq!(
            m.resolve("carol", "shared@example.org"),
            ("carol".into(), "shared@example.org".into())
        );
        assert_eq!(
            m.resolve("z", "z@example.org"),
            ("z".into(), "z@example.org".into())
        );
    }
}
