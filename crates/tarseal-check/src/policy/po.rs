//! Refreshed translations: a tracked gettext `.po` file that `make dist` ran through
//! `msgmerge` holds the tag's translations, whatever else changed.
//!
//! `make dist` updates every `po/*.po` against the freshly extracted template: the header's
//! `POT-Creation-Date` (and `Report-Msgid-Bugs-To`), the `#:` source references, the line
//! wrapping, entries whose msgid left the template (made obsolete, `#~`) and new or changed
//! msgids (added untranslated, or matched to a similar old entry and marked `fuzzy`). None of
//! that changes what a program prints; a changed `msgstr` does (and a translated format string
//! is an input to `printf`). So the file is parsed on both sides and judged by its meaning:
//!
//! - every translation the release's file puts in force (not fuzzy, not obsolete, a non-empty
//!   `msgstr`) is the tag's for the same `msgctxt`/`msgid`/`msgid_plural`, word for word;
//! - every translation a fuzzy entry carries is one the tag's file has somewhere (msgmerge
//!   copies it from the closest old entry; `msgfmt` skips fuzzy entries unless `--use-fuzzy`);
//! - the header entry has git's fields, except `POT-Creation-Date` and `Report-Msgid-Bugs-To`
//!   (taken from the template); `Plural-Forms` and the charset are compared like any field;
//! - obsolete entries are never compiled and are not judged; translations of the tag that the
//!   release dropped or made fuzzy only fall back to the original text.
//!
//! Anything that does not parse as PO is a failure naming the line.

use std::collections::HashMap;

/// Header fields msgmerge takes from the new template.
const TEMPLATE_FIELDS: &[&str] = &["POT-Creation-Date", "Report-Msgid-Bugs-To"];

/// What identifies an entry: its msgctxt and msgid.
type Key<'a> = (Option<&'a [u8]>, &'a [u8]);

/// One PO entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) ctxt: Option<Vec<u8>>,
    pub(crate) id: Vec<u8>,
    pub(crate) plural: Option<Vec<u8>>,
    /// `msgstr` (index 0) or `msgstr[N]`, in file order.
    pub(crate) strs: Vec<(usize, Vec<u8>)>,
    pub(crate) fuzzy: bool,
    pub(crate) obsolete: bool,
    /// 1-based line of its `msgid`.
    pub(crate) line: usize,
}

/// A PO entry, as the catalogue comparison ([`super::gmo`]) reads it.
pub(crate) type PoEntry = Entry;

/// Checks that `text` is a message template: it parses as PO and no entry but the header
/// (empty msgid, no context) carries a translation. Returns the number of msgids.
pub fn untranslated_template(text: &[u8]) -> Result<usize, String> {
    let entries = parse(text).map_err(|e| e.to_string())?;
    let mut n = 0;
    for e in &entries {
        if e.id.is_empty() && e.ctxt.is_none() {
            continue;
        }
        if e.translated() {
            return Err(format!(
                "line {}: msgid {:?} carries a translation; a template (xgettext's output) has none",
                e.line,
                show(&e.id)
            ));
        }
        n += 1;
    }
    Ok(n)
}

/// Parses PO text into its entries (header included, as the entry with an empty msgid).
pub(crate) fn parse_entries(text: &[u8]) -> Result<Vec<Entry>, PoSyntaxError> {
    parse(text)
}

impl Entry {
    /// Whether `msgfmt` would compile this entry's translation.
    fn in_force(&self) -> bool {
        !self.fuzzy && !self.obsolete && !self.id.is_empty() && self.translated()
    }

    fn translated(&self) -> bool {
        self.strs.iter().any(|(_, s)| !s.is_empty())
    }

    fn key(&self) -> Key<'_> {
        (self.ctxt.as_deref(), self.id.as_slice())
    }
}

/// Why a `.po` file does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoSyntaxError {
    /// A line that is no comment, keyword or string continuation.
    #[error("line {line}: not PO syntax: {text:?}")]
    Line {
        /// 1-based line.
        line: usize,
        /// The line (shortened).
        text: String,
    },
    /// A quoted string that does not end, or has an unknown escape.
    #[error("line {line}: bad string: {text:?}")]
    String {
        /// 1-based line.
        line: usize,
        /// The line (shortened).
        text: String,
    },
    /// A `msgstr` or continuation before any `msgid`.
    #[error("line {line}: {what} before a msgid")]
    Order {
        /// 1-based line.
        line: usize,
        /// The keyword.
        what: &'static str,
    },
}

/// Why the release's `.po` is not the tag's translations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoDiffError {
    /// The release's file does not parse.
    #[error("the release's file: {0}")]
    Syntax(PoSyntaxError),
    /// A translation in force differs from the tag's, or the tag has none for that msgid.
    #[error("line {line}: msgid {msgid:?}: {why}")]
    Translation {
        /// Line of the entry in the release's file.
        line: usize,
        /// The msgid (shortened).
        msgid: String,
        /// What differs.
        why: String,
    },
    /// The same msgctxt/msgid twice among entries in force.
    #[error("line {line}: msgid {msgid:?} is defined twice")]
    Duplicate {
        /// Line of the second definition.
        line: usize,
        /// The msgid (shortened).
        msgid: String,
    },
    /// A header field other than the template's differs.
    #[error("header field {field:?} differs from git's ({release:?}, git {git:?})")]
    Header {
        /// The field name.
        field: String,
        /// The release's value (empty when absent).
        release: String,
        /// Git's value (empty when absent).
        git: String,
    },
}

/// What a passing comparison established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoSame {
    /// Translations in force, each the tag's.
    pub same: usize,
    /// Fuzzy entries whose translation is copied from the tag's file.
    pub fuzzy: usize,
    /// Tag translations no longer in force (dropped, obsolete or fuzzy).
    pub dropped: usize,
}

/// Compares the release's `.po` (`new`) with git's (`old`); a git file that does not parse is
/// [`Judged::GitUnreadable`] (nothing to compare with), not a failure of the release.
pub fn compare(old: &[u8], new: &[u8]) -> Judged {
    let old = match parse(old) {
        Ok(o) => o,
        Err(e) => return Judged::GitUnreadable(e),
    };
    let new = match parse(new) {
        Ok(n) => n,
        Err(e) => return Judged::Differs(PoDiffError::Syntax(e)),
    };
    match judge(&old, &new) {
        Ok(s) => Judged::Same(s),
        Err(e) => Judged::Differs(e),
    }
}

/// The answer of [`compare`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judged {
    /// The release's translations are the tag's.
    Same(PoSame),
    /// They are not (or the file is not PO).
    Differs(PoDiffError),
    /// Git's own file does not parse: nothing to compare with.
    GitUnreadable(PoSyntaxError),
}

fn judge(old: &[Entry], new: &[Entry]) -> Result<PoSame, PoDiffError> {
    let mut by_key: HashMap<Key<'_>, Vec<&Entry>> = HashMap::new();
    for e in old {
        by_key.entry(e.key()).or_default().push(e);
    }
    let known: std::collections::HashSet<&[u8]> = old
        .iter()
        .flat_map(|e| e.strs.iter().map(|(_, s)| s.as_slice()))
        .filter(|s| !s.is_empty())
        .collect();
    header(old, new)?;
    let mut seen = std::collections::HashSet::new();
    let mut out = PoSame {
        same: 0,
        fuzzy: 0,
        dropped: 0,
    };
    for e in new.iter().filter(|e| !e.obsolete && !e.id.is_empty()) {
        let msgid = show(&e.id);
        if e.fuzzy {
            if let Some((_, s)) = e
                .strs
                .iter()
                .find(|(_, s)| !s.is_empty() && !known.contains(s.as_slice()))
            {
                return Err(PoDiffError::Translation {
                    line: e.line,
                    msgid,
                    why: format!(
                        "fuzzy translation {:?} is in no entry of the tag's file (msgmerge only copies the tag's)",
                        show(s)
                    ),
                });
            }
            if e.translated() {
                out.fuzzy += 1;
            }
            continue;
        }
        if !e.in_force() {
            continue;
        }
        if !seen.insert(e.key()) {
            return Err(PoDiffError::Duplicate {
                line: e.line,
                msgid,
            });
        }
        // The tag's entry: in force, or obsolete (msgmerge revives an obsolete exact match).
        let git = by_key
            .get(&e.key())
            .and_then(|v| v.iter().find(|g| !g.fuzzy && g.translated()));
        let Some(g) = git else {
            return Err(PoDiffError::Translation {
                line: e.line,
                msgid,
                why: "translated in the release, but the tag's file has no translation for it"
                    .into(),
            });
        };
        if g.plural != e.plural {
            return Err(PoDiffError::Translation {
                line: e.line,
                msgid,
                why: "msgid_plural differs from the tag's translated entry".into(),
            });
        }
        if g.strs != e.strs {
            let why = match first_difference(&e.strs, &g.strs) {
                Some((release, tag)) => format!("msgstr {release:?} is not the tag's {tag:?}"),
                // Same texts under other plural indexes: another form would be shown.
                None => "the msgstr[N] indexes differ from the tag's".into(),
            };
            return Err(PoDiffError::Translation {
                line: e.line,
                msgid,
                why,
            });
        }
        out.same += 1;
    }
    let in_force_new: std::collections::HashSet<_> = new
        .iter()
        .filter(|e| e.in_force())
        .map(Entry::key)
        .collect();
    out.dropped = old
        .iter()
        .filter(|e| e.in_force() && !in_force_new.contains(&e.key()))
        .count();
    Ok(out)
}

/// The first msgstr text that differs (release's, tag's), or `None` when only the indexes do.
fn first_difference(a: &[(usize, Vec<u8>)], b: &[(usize, Vec<u8>)]) -> Option<(String, String)> {
    (0..a.len().max(b.len())).find_map(|k| {
        let x = a.get(k).map(|(_, s)| s.as_slice());
        let y = b.get(k).map(|(_, s)| s.as_slice());
        (x != y).then(|| (show(x.unwrap_or_default()), show(y.unwrap_or_default())))
    })
}

/// The header entries' fields must agree except those msgmerge takes from the template.
fn header(old: &[Entry], new: &[Entry]) -> Result<(), PoDiffError> {
    let fields = |v: &[Entry]| -> Vec<(String, String)> {
        v.iter()
            .find(|e| e.id.is_empty() && e.ctxt.is_none() && !e.obsolete)
            .and_then(|e| e.strs.first())
            .map(|(_, s)| {
                String::from_utf8_lossy(s)
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| match l.split_once(':') {
                        Some((k, v)) => (k.trim().to_string(), v.trim().to_string()),
                        None => (l.trim().to_string(), String::new()),
                    })
                    .filter(|(k, _)| !TEMPLATE_FIELDS.contains(&k.as_str()))
                    .collect()
            })
            .unwrap_or_default()
    };
    // msgmerge writes the header fields in its own order (xz 5.4.1's da.po: X-Bugs moved), so
    // they are compared as a set of fields.
    let (mut o, mut n) = (fields(old), fields(new));
    o.sort();
    n.sort();
    if o == n {
        return Ok(());
    }
    let get = |v: &[(String, String)], k: &str| {
        v.iter()
            .find(|(f, _)| f == k)
            .map(|(_, x)| x.clone())
            .unwrap_or_default()
    };
    let field = o
        .iter()
        .chain(n.iter())
        .map(|(k, _)| k)
        .find(|k| get(&o, k) != get(&n, k))
        .cloned()
        .unwrap_or_else(|| "(order)".into());
    Err(PoDiffError::Header {
        release: get(&n, &field),
        git: get(&o, &field),
        field,
    })
}

/// Which string a continuation line extends.
#[derive(Clone, Copy)]
enum Slot {
    None,
    Ctxt,
    Id,
    Plural,
    Str,
}

/// Parses PO text (any ASCII-compatible charset: strings are kept as bytes).
fn parse(text: &[u8]) -> Result<Vec<Entry>, PoSyntaxError> {
    let mut out = Vec::new();
    let mut cur = Entry::default();
    let mut started = false; // the current entry has a msgctxt or msgid
    let mut has_str = false; // ... and a msgstr: a following comment or keyword starts the next
    let mut fuzzy_next = false;
    let mut slot = Slot::None;
    let flush = |cur: &mut Entry, started: &mut bool, has_str: &mut bool, out: &mut Vec<Entry>| {
        if *started {
            out.push(std::mem::take(cur));
        } else {
            *cur = Entry::default();
        }
        *started = false;
        *has_str = false;
    };
    for (n, raw) in text.split(|&b| b == b'\n').enumerate() {
        let line_no = n + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let mut line = trim(raw);
        if line.is_empty() {
            flush(&mut cur, &mut started, &mut has_str, &mut out);
            slot = Slot::None;
            continue;
        }
        let mut obsolete = false;
        if let Some(rest) = line.strip_prefix(b"#~") {
            obsolete = true;
            line = trim(rest);
            if line.starts_with(b"|") || line.is_empty() {
                continue; // a previous msgid (`#~|`): history, not a translation
            }
        } else if line.starts_with(b"#") {
            if has_str {
                flush(&mut cur, &mut started, &mut has_str, &mut out);
            }
            if let Some(flags) = line.strip_prefix(b"#,") {
                if flags.split(|&b| b == b',').any(|f| trim(f) == b"fuzzy") {
                    fuzzy_next = true;
                }
            }
            slot = Slot::None;
            continue;
        }
        let bad_string = || PoSyntaxError::String {
            line: line_no,
            text: show(raw),
        };
        if line.starts_with(b"\"") {
            let s = unquote(line).ok_or_else(bad_string)?;
            let target = match slot {
                Slot::None => {
                    return Err(PoSyntaxError::Order {
                        line: line_no,
                        what: "a string continuation",
                    })
                }
                Slot::Ctxt => cur.ctxt.get_or_insert_with(Vec::new),
                Slot::Id => &mut cur.id,
                Slot::Plural => cur.plural.get_or_insert_with(Vec::new),
                Slot::Str => match cur.strs.last_mut() {
                    Some((_, s)) => s,
                    None => return Err(bad_string()),
                },
            };
            target.extend_from_slice(&s);
            continue;
        }
        let (word, rest) = match line.iter().position(|&b| b == b' ' || b == b'\t') {
            Some(p) => (&line[..p], trim(&line[p..])),
            None => (line, &b""[..]),
        };
        let value = unquote(rest).ok_or_else(bad_string)?;
        match word {
            b"msgctxt" | b"msgid" => {
                if has_str || (word == b"msgctxt" && started) {
                    flush(&mut cur, &mut started, &mut has_str, &mut out);
                }
                if word == b"msgctxt" {
                    cur.ctxt = Some(value);
                    slot = Slot::Ctxt;
                } else {
                    if started && cur.line != 0 {
                        // Two msgids in a row: the first had no msgstr.
                        return Err(PoSyntaxError::Order {
                            line: line_no,
                            what: "msgid",
                        });
                    }
                    cur.id = value;
                    cur.line = line_no;
                    slot = Slot::Id;
                }
                if !started {
                    cur.fuzzy = fuzzy_next;
                    fuzzy_next = false;
                }
                cur.obsolete = obsolete;
                started = true;
            }
            b"msgid_plural" => {
                if !started {
                    return Err(PoSyntaxError::Order {
                        line: line_no,
                        what: "msgid_plural",
                    });
                }
                cur.plural = Some(value);
                slot = Slot::Plural;
            }
            w if w == b"msgstr" || w.starts_with(b"msgstr[") => {
                if !started {
                    return Err(PoSyntaxError::Order {
                        line: line_no,
                        what: "msgstr",
                    });
                }
                let index = if w == b"msgstr" {
                    0
                } else {
                    std::str::from_utf8(&w[7..])
                        .ok()
                        .and_then(|s| s.strip_suffix(']'))
                        .and_then(|s| s.parse::<usize>().ok())
                        .ok_or_else(|| PoSyntaxError::Line {
                            line: line_no,
                            text: show(raw),
                        })?
                };
                cur.strs.push((index, value));
                has_str = true;
                slot = Slot::Str;
            }
            _ => {
                return Err(PoSyntaxError::Line {
                    line: line_no,
                    text: show(raw),
                })
            }
        }
    }
    flush(&mut cur, &mut started, &mut has_str, &mut out);
    Ok(out)
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

/// The bytes of one C-quoted PO string (`"..."` with `\n`, `\t`, `\"`, `\\`, octal, `\x`).
fn unquote(s: &[u8]) -> Option<Vec<u8>> {
    let inner = s.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        let c = inner[i];
        if c == b'"' {
            return None; // an unescaped quote inside: two strings on one line
        }
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let e = *inner.get(i + 1)?;
        i += 2;
        out.push(match e {
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            b'a' => 0x07,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'v' => 0x0b,
            b'"' | b'\\' | b'\'' | b'?' => e,
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                let mut k = 0;
                while k < 2 && inner.get(i).is_some_and(|d| (b'0'..=b'7').contains(d)) {
                    v = v * 8 + u32::from(inner[i] - b'0');
                    i += 1;
                    k += 1;
                }
                u8::try_from(v).ok()?
            }
            b'x' => {
                let mut v = 0u32;
                let start = i;
                while i - start < 2 && inner.get(i).is_some_and(u8::is_ascii_hexdigit) {
                    v = v * 16 + char::from(inner[i]).to_digit(16)?;
                    i += 1;
                }
                if i == start {
                    return None;
                }
                u8::try_from(v).ok()?
            }
            _ => return None,
        });
    }
    Some(out)
}

/// A string for a message: lossy UTF-8, at most 80 characters.
fn show(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    if s.chars().count() > 80 {
        let cut: String = s.chars().take(80).collect();
        format!("{cut}...")
    } else {
        s.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_has_no_translation() {
        let pot = b"msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n\n#: a.c:1\nmsgid \"hello\"\nmsgstr \"\"\n\nmsgid \"one\"\nmsgid_plural \"many\"\nmsgstr[0] \"\"\nmsgstr[1] \"\"\n";
        assert_eq!(untranslated_template(pot), Ok(2));
        let translated = String::from_utf8_lossy(pot).replace(
            "msgid \"hello\"\nmsgstr \"\"",
            "msgid \"hello\"\nmsgstr \"rm -rf\"",
        );
        let err = untranslated_template(translated.as_bytes()).unwrap_err();
        assert!(err.contains("hello"), "{err}");
        assert!(untranslated_template(b"msgid \"x\"\ngarbage\n").is_err());
    }

    const GIT: &str = r#"# German translations for xz.
msgid ""
msgstr ""
"Project-Id-Version: xz 5.4.0\n"
"Report-Msgid-Bugs-To: xz@tukaani.org\n"
"POT-Creation-Date: 2022-12-03 00:34+0800\n"
"Language: de\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#: src/xz/args.c:64
#, c-format
msgid "%s: Invalid argument to --block-list"
msgstr "%s: Ungültiges Argument für --block-list"

#: src/xz/args.c:74
#, c-format
msgid "%s: Too many arguments"
msgid_plural "%s: Too many arguments (%d)"
msgstr[0] "%s: Zu viele Argumente"
msgstr[1] "%s: Zu viele Argumente (%d)"

#: src/xz/args.c:80
msgid "Gone in the new template"
msgstr "Nicht mehr im Template"
"#;

    /// What msgmerge makes of GIT against a newer template: header date, references,
    /// wrapping, an obsolete entry, a new untranslated and a fuzzy-matched one.
    const MERGED: &str = r#"# German translations for xz.
msgid ""
msgstr ""
"Project-Id-Version: xz 5.4.0\n"
"Report-Msgid-Bugs-To: lasse.collin@tukaani.org\n"
"POT-Creation-Date: 2023-01-11 19:01+0200\n"
"Language: de\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#: src/xz/args.c:77
#, c-format
msgid "%s: Invalid argument to --block-list"
msgstr ""
"%s: Ungültiges Argument für "
"--block-list"

#: src/xz/args.c:87
#, c-format
msgid "%s: Too many arguments"
msgid_plural "%s: Too many arguments (%d)"
msgstr[0] "%s: Zu viele Argumente"
msgstr[1] "%s: Zu viele Argumente (%d)"

#: src/xz/args.c:99
#, fuzzy, c-format
#| msgid "Gone in the new template"
msgid "Gone from the new template"
msgstr "Nicht mehr im Template"

#: src/xz/args.c:120
msgid "Brand new"
msgstr ""

#~ msgid "Gone in the new template"
#~ msgstr "Nicht mehr im Template"
"#;

    fn judged(new: &str) -> Judged {
        compare(GIT.as_bytes(), new.as_bytes())
    }

    #[test]
    fn msgmerge_refresh_passes() {
        match judged(MERGED) {
            Judged::Same(s) => assert_eq!((s.same, s.fuzzy, s.dropped), (2, 1, 1), "{s:?}"),
            o => panic!("{o:?}"),
        }
        assert!(matches!(judged(GIT), Judged::Same(_)));
    }

    #[test]
    fn a_changed_translation_fails_naming_the_msgid() {
        let bad = MERGED.replace("\"--block-list\"", "\"--block-list %n\"");
        match judged(&bad) {
            Judged::Differs(PoDiffError::Translation { msgid, line, .. }) => {
                assert_eq!(msgid, "%s: Invalid argument to --block-list");
                assert_eq!(line, 13);
            }
            o => panic!("{o:?}"),
        }
        let bad = MERGED.replace(
            "msgstr[1] \"%s: Zu viele Argumente (%d)\"",
            "msgstr[1] \"%s\"",
        );
        assert!(matches!(
            judged(&bad),
            Judged::Differs(PoDiffError::Translation { .. })
        ));
        // The same texts under another plural index.
        let bad = MERGED.replace(
            "msgstr[0] \"%s: Zu viele Argumente\"",
            "msgstr[9] \"%s: Zu viele Argumente\"",
        );
        match judged(&bad) {
            Judged::Differs(PoDiffError::Translation { why, .. }) => {
                assert!(why.contains("indexes"), "{why}")
            }
            o => panic!("{o:?}"),
        }
        // A translation for a msgid the tag leaves untranslated.
        let bad = MERGED.replace(
            "msgid \"Brand new\"\nmsgstr \"\"",
            "msgid \"Brand new\"\nmsgstr \"Ganz neu\"",
        );
        assert!(matches!(
            judged(&bad),
            Judged::Differs(PoDiffError::Translation { .. })
        ));
        // A fuzzy entry whose text the tag never had.
        let bad = MERGED.replace(
            "msgstr \"Nicht mehr im Template\"\n\n#: src/xz/args.c:120",
            "msgstr \"rm -rf\"\n\n#: src/xz/args.c:120",
        );
        assert!(matches!(
            judged(&bad),
            Judged::Differs(PoDiffError::Translation { .. })
        ));
        // Un-fuzzying the copied translation puts a text in force the tag has for another msgid.
        let bad = MERGED.replace("#, fuzzy, c-format", "#, c-format");
        assert!(matches!(
            judged(&bad),
            Judged::Differs(PoDiffError::Translation { .. })
        ));
    }

    #[test]
    fn header_and_syntax() {
        let bad = MERGED.replace("nplurals=2; plural=(n != 1)", "nplurals=2; plural=(n > 1)");
        match judged(&bad) {
            Judged::Differs(PoDiffError::Header { field, .. }) => assert_eq!(field, "Plural-Forms"),
            o => panic!("{o:?}"),
        }
        // Reordered fields are the same header (msgmerge's own order).
        let moved = MERGED
            .replace("\"Language: de\\n\"\n", "")
            .replace("\"Plural-Forms", "\"Language: de\\n\"\n\"Plural-Forms");
        assert_ne!(moved, MERGED);
        assert!(
            matches!(judged(&moved), Judged::Same(_)),
            "{:?}",
            judged(&moved)
        );
        let bad = MERGED.replace("charset=UTF-8", "charset=ISO-8859-1");
        assert!(matches!(
            judged(&bad),
            Judged::Differs(PoDiffError::Header { .. })
        ));
        let bad = format!("{MERGED}\nthis is not po\n");
        assert!(matches!(
            judged(&bad),
            Judged::Differs(PoDiffError::Syntax(_))
        ));
        let bad = MERGED.replace(
            "msgstr[0] \"%s: Zu viele Argumente\"",
            "msgstr[0] \"%s: Zu \"viele\"",
        );
        assert!(matches!(
            judged(&bad),
            Judged::Differs(PoDiffError::Syntax(_))
        ));
        // The same msgid twice, the second with another text.
        let bad = format!("{MERGED}\nmsgid \"%s: Too many arguments\"\nmsgid_plural \"%s: Too many arguments (%d)\"\nmsgstr[0] \"x\"\nmsgstr[1] \"y\"\n");
        assert!(matches!(judged(&bad), Judged::Differs(_)));
        assert!(matches!(
            compare(b"garbage\n", MERGED.as_bytes()),
            Judged::GitUnreadable(_)
        ));
        assert_eq!(unquote(br#""a\tb\101\x42\"""#).unwrap(), b"a\tbAB\"");
        assert_eq!(unquote(br#""\q""#), None);
    }
}
