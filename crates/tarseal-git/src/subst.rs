//! `export-subst`: expanding `$Format:...$` the way `git archive` does.
//!
//! This mirrors git's `format_subst()` (archive.c) and the parts of `format_commit_message()`
//! (pretty.c) that are deterministic given the commit: hashes, persons, dates in the fixed
//! formats, subject and body, decorations, `%n`, `%%`, `%xNN`, and the `%+`/`%-`/`% `
//! modifiers. Placeholders whose output depends on things tarseal does not reproduce (the
//! clock: `%ar`; gpg: `%G?`; notes, mailmap, describe, colours, wrapping and padding) expand
//! to nothing and are listed in [`Expansion::unsupported`], so the caller can tell an honest
//! "cannot predict" from a mismatch. Unknown placeholders are copied literally, as git does.
//!
//! Abbreviated ids (`%h`, `%t`, `%p`) and decorations (`%d`, `%D`) depend on the repository
//! `git archive` ran in (its object count and refs), which may not be the one being checked:
//! they are listed in [`Expansion::repo_dependent`].

use crate::commit::{split_message, subject_of, Abbreviations, CommitInfo, Person};
use crate::HashKind;

/// The result of expanding a file, with what could not be reproduced exactly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expansion {
    /// The expanded content.
    pub bytes: Vec<u8>,
    /// Placeholders (e.g. `%ar`, `%G?`, `%(describe)`) whose output tarseal cannot reproduce;
    /// they expanded to nothing here. When non-empty, a mismatch of this file is expected.
    pub unsupported: Vec<String>,
    /// Placeholders whose output depends on the repository `git archive` ran in rather than on
    /// the commit (`%h`, `%t`, `%p` abbreviation length; `%d`, `%D` refs; `%aN`/`%aE` mailmap).
    pub repo_dependent: Vec<String>,
}

/// Expands every `$Format:<fmt>$` in `content` for `commit`, as `git archive` does for files
/// with the `export-subst` attribute.
///
/// Abbreviated ids are cut to 7 hex digits (git's minimum). For the exact `git archive`
/// behaviour (uniqueness, `core.abbrev`, auto-scaling with the object count) use
/// [`expand_with`] with [`crate::Repo::abbreviations`].
pub fn expand(content: &[u8], commit: &CommitInfo, hash: HashKind) -> Vec<u8> {
    expand_with(content, commit, hash, None).bytes
}

/// Like [`expand`], with abbreviations computed in a repository, and telling what could not
/// be reproduced.
pub fn expand_with(
    content: &[u8],
    commit: &CommitInfo,
    hash: HashKind,
    abbrev: Option<&Abbreviations>,
) -> Expansion {
    expand_with_describe_budget(content, commit, hash, abbrev, 1)
}

/// Like [`expand_with`], with the number of `%(describe)` placeholders still to be expanded.
///
/// Why: `git archive` expands only the first `%(describe)` of the whole archive (in tree
/// order) and leaves the rest literal, so a file's expansion depends on the files before it.
/// A caller comparing one file at a time tries budget 1 and budget 0.
pub fn expand_with_describe_budget(
    content: &[u8],
    commit: &CommitInfo,
    hash: HashKind,
    abbrev: Option<&Abbreviations>,
    describe_budget: usize,
) -> Expansion {
    let _ = hash; // ids carry their own kind; kept for API symmetry and future formats.
    let fallback;
    let abbrev = match abbrev {
        Some(a) => a,
        None => {
            let short = |id: &crate::ObjectId| id.to_hex_with_len(7).to_string();
            fallback = Abbreviations {
                commit: short(&commit.id),
                tree: short(&commit.tree),
                parents: commit.parents.iter().map(short).collect(),
            };
            &fallback
        }
    };
    let mut ctx = Ctx {
        commit,
        abbrev,
        unsupported: Vec::new(),
        repo_dependent: Vec::new(),
        describes_left: describe_budget,
    };
    let mut out = Vec::with_capacity(content.len());
    let mut src = content;
    while let Some(b) = find(src, b"$Format:") {
        let after = &src[b + 8..];
        let Some(c) = after.iter().position(|&x| x == b'$') else {
            break;
        };
        // git copies the format into a C string: it ends at the first NUL.
        let mut fmt = &after[..c];
        if let Some(nul) = fmt.iter().position(|&x| x == 0) {
            fmt = &fmt[..nul];
        }
        out.extend_from_slice(&src[..b]);
        ctx.format(&mut out, fmt);
        src = &after[c + 1..];
    }
    out.extend_from_slice(src);
    Expansion {
        bytes: out,
        unsupported: ctx.unsupported,
        repo_dependent: ctx.repo_dependent,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

struct Ctx<'a> {
    commit: &'a CommitInfo,
    abbrev: &'a Abbreviations,
    unsupported: Vec<String>,
    repo_dependent: Vec<String>,
    /// `git archive` runs `%(describe)` at most once per archive (git 2.32+); later ones stay
    /// literal.
    describes_left: usize,
}

#[derive(PartialEq, Clone, Copy)]
enum Magic {
    None,
    DelLfBeforeEmpty,
    AddLfBeforeNonEmpty,
    AddSpBeforeNonEmpty,
}

impl Ctx<'_> {
    /// git's `repo_format_commit_message` main loop. `out` is the whole output so far: `%-`
    /// removes newlines written before the placeholder, even those of the file's own text.
    fn format(&mut self, out: &mut Vec<u8>, fmt: &[u8]) {
        let mut i = 0;
        while i < fmt.len() {
            let Some(p) = fmt[i..].iter().position(|&b| b == b'%') else {
                out.extend_from_slice(&fmt[i..]);
                return;
            };
            out.extend_from_slice(&fmt[i..i + p]);
            i += p + 1;
            let rest = &fmt[i..];
            if rest.first() == Some(&b'%') {
                out.push(b'%');
                i += 1;
            } else {
                let consumed = self.item(out, rest);
                if consumed == 0 {
                    out.push(b'%');
                } else {
                    i += consumed;
                }
            }
        }
    }

    /// git's `format_commit_item`: modifiers around one placeholder.
    fn item(&mut self, out: &mut Vec<u8>, p: &[u8]) -> usize {
        let magic = match p.first() {
            Some(b'-') => Magic::DelLfBeforeEmpty,
            Some(b'+') => Magic::AddLfBeforeNonEmpty,
            Some(b' ') => Magic::AddSpBeforeNonEmpty,
            _ => Magic::None,
        };
        let p = if magic == Magic::None {
            p
        } else {
            if p.get(1) == Some(&b'w') {
                return 0;
            }
            &p[1..]
        };
        let orig = out.len();
        let consumed = self.one(out, p);
        if magic == Magic::None {
            return consumed;
        }
        if orig == out.len() && magic == Magic::DelLfBeforeEmpty {
            while out.last() == Some(&b'\n') {
                out.pop();
            }
        } else if orig != out.len() {
            let ins = if magic == Magic::AddLfBeforeNonEmpty {
                b'\n'
            } else {
                b' '
            };
            if magic != Magic::DelLfBeforeEmpty {
                out.insert(orig, ins);
            }
        }
        consumed + 1
    }

    fn unsupported(&mut self, p: &[u8], len: usize) -> usize {
        let len = len.min(p.len());
        self.unsupported
            .push(format!("%{}", String::from_utf8_lossy(&p[..len])));
        len
    }

    fn repo_dependent(&mut self, p: &[u8], len: usize) {
        let s = format!("%{}", String::from_utf8_lossy(&p[..len.min(p.len())]));
        if !self.repo_dependent.contains(&s) {
            self.repo_dependent.push(s);
        }
    }

    /// git's `format_commit_one`: returns how many bytes of `p` the placeholder used, 0 when
    /// it is not one (the caller then writes `%` and the text stays literal).
    fn one(&mut self, out: &mut Vec<u8>, p: &[u8]) -> usize {
        let Some(&first) = p.first() else { return 0 };
        let commit = self.commit;
        match first {
            b'n' => {
                out.push(b'\n');
                1
            }
            b'x' => match (
                p.get(1).and_then(|&c| hexval(c)),
                p.get(2).and_then(|&c| hexval(c)),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    3
                }
                _ => 0,
            },
            b'C' => {
                if p.get(1) == Some(&b'(') {
                    match p.iter().position(|&b| b == b')') {
                        Some(end) => self.unsupported(p, end + 1),
                        None => 0,
                    }
                } else {
                    for name in [&b"red"[..], b"green", b"blue", b"reset"] {
                        if p[1..].starts_with(name) {
                            return self.unsupported(p, 1 + name.len());
                        }
                    }
                    0
                }
            }
            b'w' | b'<' | b'>' => {
                // Wrapping and column alignment change the text that follows; not reproduced.
                let open = p.iter().position(|&b| b == b'(');
                let close = p.iter().position(|&b| b == b')');
                match (open, close) {
                    (Some(o), Some(c)) if o <= 2 && o < c => self.unsupported(p, c + 1),
                    _ => 0,
                }
            }
            b'(' => {
                let Some(close) = p.iter().position(|&b| b == b')') else {
                    return 0;
                };
                let inner = &p[1..close];
                if inner.starts_with(b"describe") && matches!(inner.get(8), None | Some(b':')) {
                    if self.describes_left == 0 {
                        return 0;
                    }
                    self.describes_left -= 1;
                    if let Some(name) = describe_exact(commit, inner.get(9..).unwrap_or_default()) {
                        self.repo_dependent(p, close + 1);
                        out.extend_from_slice(name.as_bytes());
                        return close + 1;
                    }
                }
                let known = [&b"describe"[..], b"trailers", b"decorate"];
                if known.iter().any(|k| {
                    inner.starts_with(k) && matches!(inner.get(k.len()), None | Some(b':'))
                }) {
                    self.unsupported(p, close + 1)
                } else {
                    0
                }
            }
            b'H' => {
                out.extend_from_slice(commit.id.to_string().as_bytes());
                1
            }
            b'h' => {
                self.repo_dependent(p, 1);
                out.extend_from_slice(self.abbrev.commit.as_bytes());
                1
            }
            b'T' => {
                out.extend_from_slice(commit.tree.to_string().as_bytes());
                1
            }
            b't' => {
                self.repo_dependent(p, 1);
                out.extend_from_slice(self.abbrev.tree.as_bytes());
                1
            }
            b'P' => {
                let all: Vec<String> = commit.parents.iter().map(|p| p.to_string()).collect();
                out.extend_from_slice(all.join(" ").as_bytes());
                1
            }
            b'p' => {
                self.repo_dependent(p, 1);
                out.extend_from_slice(self.abbrev.parents.join(" ").as_bytes());
                1
            }
            b'm' => {
                out.push(b'>');
                1
            }
            b'a' | b'c' => {
                let who = if first == b'a' {
                    &commit.author
                } else {
                    &commit.committer
                };
                self.person(out, p, who)
            }
            b'd' | b'D' => {
                self.repo_dependent(p, 1);
                if !commit.decorations.is_empty() {
                    let joined = commit.decorations.join(", ");
                    if first == b'd' {
                        out.extend_from_slice(b" (");
                        out.extend_from_slice(joined.as_bytes());
                        out.push(b')');
                    } else {
                        out.extend_from_slice(joined.as_bytes());
                    }
                }
                1
            }
            // Reflog selectors are empty outside `git log -g`; `%S` and `%N` are not
            // placeholders for `git archive` at all (no rev source, no notes): left literal.
            b'g' => match p.get(1) {
                Some(b'd' | b'D' | b's') => 2,
                Some(b'n' | b'N' | b'e' | b'E') => self.unsupported(p, 3),
                _ => 0,
            },
            // No `encoding` header in CommitInfo: commits written as UTF-8 have none.
            b'e' => 1,
            b's' => {
                out.extend_from_slice(&subject_of(commit.message.as_bytes()));
                1
            }
            b'f' => {
                // git sanitizes the subject's first line only.
                let msg = commit.message.as_bytes();
                let (start, _) = split_message(msg);
                let line = &msg[start..];
                let end = line.iter().position(|&b| b == b'\n').unwrap_or(line.len());
                sanitized_subject(out, &line[..end]);
                1
            }
            b'b' => {
                let msg = commit.message.as_bytes();
                out.extend_from_slice(&msg[split_message(msg).1..]);
                1
            }
            b'B' => {
                out.extend_from_slice(commit.message.as_bytes());
                1
            }
            b'G' => match p.get(1) {
                Some(b'G' | b'?' | b'S' | b'K' | b'F' | b'P' | b'T') => self.unsupported(p, 2),
                _ => 0,
            },
            _ => 0,
        }
    }

    /// git's `format_person_part` for `%a?`/`%c?`.
    fn person(&mut self, out: &mut Vec<u8>, p: &[u8], who: &Person) -> usize {
        let Some(&part) = p.get(1) else { return 0 };
        let hhmm = tz_hhmm(who.offset);
        match part {
            b'n' => out.extend_from_slice(who.name.as_bytes()),
            b'N' => {
                self.repo_dependent(p, 2);
                out.extend_from_slice(who.name.as_bytes());
            }
            b'e' => out.extend_from_slice(who.email.as_bytes()),
            b'E' => {
                self.repo_dependent(p, 2);
                out.extend_from_slice(who.email.as_bytes());
            }
            b'l' | b'L' => {
                if part == b'L' {
                    self.repo_dependent(p, 2);
                }
                let local = who.email.split('@').next().unwrap_or_default();
                out.extend_from_slice(local.as_bytes());
            }
            b't' => out.extend_from_slice(who.time.to_string().as_bytes()),
            b'd' | b'D' | b'i' | b'I' | b's' => {
                let tm = Tm::new(who.time, who.offset);
                let s = match part {
                    b'd' => format!(
                        "{} {} {} {:02}:{:02}:{:02} {} {:+05}",
                        WEEKDAYS[tm.wday],
                        MONTHS[tm.mon],
                        tm.mday,
                        tm.hour,
                        tm.min,
                        tm.sec,
                        tm.year,
                        hhmm
                    ),
                    b'D' => format!(
                        "{}, {} {} {} {:02}:{:02}:{:02} {:+05}",
                        WEEKDAYS[tm.wday],
                        tm.mday,
                        MONTHS[tm.mon],
                        tm.year,
                        tm.hour,
                        tm.min,
                        tm.sec,
                        hhmm
                    ),
                    b'i' => format!(
                        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} {:+05}",
                        tm.year,
                        tm.mon + 1,
                        tm.mday,
                        tm.hour,
                        tm.min,
                        tm.sec,
                        hhmm
                    ),
                    b'I' => {
                        let mut s = format!(
                            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                            tm.year,
                            tm.mon + 1,
                            tm.mday,
                            tm.hour,
                            tm.min,
                            tm.sec
                        );
                        if hhmm == 0 {
                            s.push('Z');
                        } else {
                            let a = hhmm.abs();
                            s.push_str(&format!(
                                "{}{:02}:{:02}",
                                if hhmm < 0 { '-' } else { '+' },
                                a / 100,
                                a % 100
                            ));
                        }
                        s
                    }
                    _ => format!("{:04}-{:02}-{:02}", tm.year, tm.mon + 1, tm.mday),
                };
                out.extend_from_slice(s.as_bytes());
            }
            // Relative and "human" dates depend on the clock at archive time.
            b'r' | b'h' => return self.unsupported(p, 2),
            _ => return 0,
        }
        2
    }
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The offset as git keeps it: an integer `±hhmm`.
fn tz_hhmm(offset_seconds: i32) -> i64 {
    let a = i64::from(offset_seconds).abs();
    let v = a / 3600 * 100 + a % 3600 / 60;
    if offset_seconds < 0 {
        -v
    } else {
        v
    }
}

/// Broken-down time in the person's own zone (git's `time_to_tm` + `gmtime_r`).
struct Tm {
    year: i64,
    mon: usize,
    mday: i64,
    wday: usize,
    hour: i64,
    min: i64,
    sec: i64,
}

impl Tm {
    fn new(time: i64, offset: i32) -> Tm {
        let t = time.saturating_add(i64::from(offset));
        let days = t.div_euclid(86_400);
        let secs = t.rem_euclid(86_400);
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let mday = doy - (153 * mp + 2) / 5 + 1;
        let mon = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(mon <= 2);
        Tm {
            year,
            mon: usize::try_from(mon - 1).unwrap_or(0).min(11),
            mday,
            wday: usize::try_from((days + 4).rem_euclid(7)).unwrap_or(0),
            hour: secs / 3600,
            min: secs % 3600 / 60,
            sec: secs % 60,
        }
    }
}

fn hexval(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// git's `format_sanitized_subject` (`%f`).
fn sanitized_subject(out: &mut Vec<u8>, msg: &[u8]) {
    let start = out.len();
    let mut space = 2;
    let mut i = 0;
    while i < msg.len() {
        let c = msg[i];
        if c.is_ascii_alphanumeric() || c == b'.' || c == b'_' {
            if space == 1 {
                out.push(b'-');
            }
            space = 0;
            out.push(c);
            if c == b'.' {
                while msg.get(i + 1) == Some(&b'.') {
                    i += 1;
                }
            }
        } else {
            space |= 1;
        }
        i += 1;
    }
    while out.len() > start && matches!(out.last(), Some(b'.' | b'-')) {
        out.pop();
    }
}

/// `%(describe[:options])` when the commit carries exactly one eligible tag: git describe then
/// prints just that tag's name. Options: `tags[=bool]` (count lightweight tags), `match=P`
/// and `exclude=P` (wildmatch on the tag name; repeatable), `abbrev=N` (irrelevant for an
/// exact match). `None` (unsupported) when no tag or several tags qualify, since git would
/// then describe from an older tag or choose by tagger date.
fn describe_exact(commit: &CommitInfo, options: &[u8]) -> Option<String> {
    let mut tags = false;
    let mut matches: Vec<&[u8]> = Vec::new();
    let mut excludes: Vec<&[u8]> = Vec::new();
    for opt in options.split(|&b| b == b',').filter(|o| !o.is_empty()) {
        let (key, value) = match opt.iter().position(|&b| b == b'=') {
            Some(i) => (&opt[..i], Some(&opt[i + 1..])),
            None => (opt, None),
        };
        match (key, value) {
            (b"tags", None) => tags = true,
            (b"tags", Some(v)) => {
                tags = match v {
                    b"true" | b"yes" | b"on" | b"1" => true,
                    b"false" | b"no" | b"off" | b"0" => false,
                    _ => return None,
                }
            }
            (b"match", Some(v)) => matches.push(v),
            (b"exclude", Some(v)) => excludes.push(v),
            (b"abbrev", Some(_)) => {}
            _ => return None,
        }
    }
    let wild = |pat: &[u8], name: &str| {
        gix_glob::wildmatch(
            pat.into(),
            name.as_bytes().into(),
            gix_glob::wildmatch::Mode::empty(),
        )
    };
    let eligible: Vec<&crate::TagHere> = commit
        .tags_here
        .iter()
        .filter(|t| tags || t.annotated)
        .filter(|t| matches.is_empty() || matches.iter().any(|m| wild(m, &t.name)))
        .filter(|t| !excludes.iter().any(|x| wild(x, &t.name)))
        .collect();
    // git describe prefers an annotated tag to a lightweight one at the same commit.
    let annotated: Vec<_> = eligible.iter().filter(|t| t.annotated).collect();
    match (annotated.as_slice(), eligible.as_slice()) {
        ([one], _) => Some(one.name.clone()),
        ([], [one]) => Some(one.name.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ObjectId;

    fn commit() -> CommitInfo {
        let id = ObjectId::from_hex(b"1234567890abcdef1234567890abcdef12345678").unwrap();
        let who = Person {
            name: "A U Thor".into(),
            email: "author@example.com".into(),
            time: 0,
            offset: -(3600 + 1800),
        };
        CommitInfo {
            id,
            tree: id,
            parents: vec![],
            author: who.clone(),
            committer: who,
            subject: "Subject line".into(),
            message: "\n\nSubject line\nmore subject  \n\n\nbody text\n".into(),
            decorations: vec![],
            tags_here: vec![],
        }
    }

    #[test]
    fn literal_and_unknown() {
        let c = commit();
        let e = expand_with(
            b"a $Format:%q%%%x41%n%an$ b $Format:no end",
            &c,
            HashKind::Sha1,
            None,
        );
        assert_eq!(e.bytes, b"a %q%A\nA U Thor b $Format:no end");
        assert!(e.unsupported.is_empty());
    }

    #[test]
    fn subject_body_and_dates() {
        let c = commit();
        let out = expand(b"$Format:%s|%b|%f|%ad|%ai|%aI|%as|%at$", &c, HashKind::Sha1);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "Subject line more subject|body text\n|Subject-line|Wed Dec 31 22:30:00 1969 -0130|1969-12-31 22:30:00 -0130|1969-12-31T22:30:00-01:30|1969-12-31|0"
        );
    }

    #[test]
    fn modifiers() {
        let c = commit();
        let out = expand(b"x\n\n$Format:%-d%+an%+d% an$", &c, HashKind::Sha1);
        assert_eq!(out, b"x\nA U Thor A U Thor");
    }

    #[test]
    fn extreme_dates_and_odd_input_do_not_panic() {
        let mut c = commit();
        for (time, offset) in [
            (i64::MAX, i32::MAX),
            (i64::MIN, i32::MIN),
            (-1, 0),
            (253402300800, 50400),
        ] {
            c.author.time = time;
            c.author.offset = offset;
            let out = expand(
                b"$Format:%ad %aD %ai %aI %as %at %x %x4 %xzz %+ %- % %a%c$",
                &c,
                HashKind::Sha1,
            );
            assert!(!out.is_empty());
        }
        assert_eq!(
            expand(b"$Format:%H\0%H$", &c, HashKind::Sha1),
            c.id.to_string().as_bytes()
        );
        assert_eq!(
            expand(b"$Format:$Format:$", &c, HashKind::Sha1),
            b"Format:$"
        );
    }

    #[test]
    fn unsupported_is_reported() {
        let c = commit();
        let e = expand_with(
            b"$Format:%ar %G? %(describe) %Cred$",
            &c,
            HashKind::Sha1,
            None,
        );
        assert_eq!(e.unsupported, vec!["%ar", "%G?", "%(describe)", "%Cred"]);
        assert_eq!(e.bytes, b"   ");
    }
}
