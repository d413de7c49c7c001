//! Stamped man pages: a tracked roff page whose only change from git's is its `.TH` line
//! carrying the release's version and a date.
//!
//! Release scripts rewrite the title line of every man page they ship: curl's `maketgz` runs
//! `scripts/updatemanpages.pl`, which turns git's
//! `.TH curl_easy_init 3 "4 March 2002" "libcurl 7.8.1" "libcurl Manual"` into
//! `.TH curl_easy_init 3 "January 02, 2023" "libcurl 7.88.1" "libcurl Manual"` (487 files in
//! curl 7.88.1). Accepting such files by name would let any line of them change; comparing them
//! with git's leaves exactly one question per file, and this module answers it: every line is
//! git's, except `.TH` lines whose name, section and manual arguments are git's, whose date
//! argument is a plain date, and whose source argument is git's product name followed by the
//! release's version (from the tag name or git's `AC_INIT`). Nothing else may differ, with one
//! exception named in the report: updatemanpages.pl prints its rewritten line with an extra
//! newline, so one empty line directly after a stamped `.TH` line is tolerated (an empty line
//! in roff is a vertical space, it carries no text or request).

use std::fmt;

/// Longest date argument accepted: longer "dates" are text, not a stamp.
const MAX_DATE: usize = 40;

/// What a successful comparison established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamped {
    /// The stamped `.TH` lines (1-based, in the release's file).
    pub lines: Vec<usize>,
    /// The release versions the stamps carry.
    pub version: String,
    /// The dates the stamps carry.
    pub dates: Vec<String>,
    /// How many empty lines were tolerated after stamped lines.
    pub inserted_blank: usize,
}

impl fmt::Display for Stamped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.lines.iter().map(|l| l.to_string()).collect();
        write!(
            f,
            "git's bytes except the .TH line{} {} (version {}, date {})",
            if self.lines.len() == 1 { "" } else { "s" },
            lines.join(", "),
            self.version,
            self.dates.join(", ")
        )?;
        if self.inserted_blank > 0 {
            write!(
                f,
                " and {} empty line{} after it (updatemanpages.pl prints a second newline)",
                self.inserted_blank,
                if self.inserted_blank == 1 { "" } else { "s" }
            )?;
        }
        Ok(())
    }
}

/// Why a file is not git's plus version/date stamps. Lines are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StampError {
    /// A line differs and is no `.TH` stamp of git's line.
    #[error("line {line} differs from git's line {git_line}: release {release:?}, git {git:?}")]
    Differs {
        /// Line in the release's file.
        line: usize,
        /// The line git has there.
        git_line: usize,
        /// The release's line (shortened).
        release: String,
        /// Git's line (shortened).
        git: String,
    },
    /// A `.TH` line that changed in a way other than its version and date.
    #[error("line {line}: .TH line changed beyond its version and date: {why} (release {release:?}, git {git:?})")]
    NotAStamp {
        /// Line in the release's file.
        line: usize,
        /// Which argument is wrong and how.
        why: String,
        /// The release's line (shortened).
        release: String,
        /// Git's line (shortened).
        git: String,
    },
    /// The release's file has lines past the end of git's.
    #[error("line {line}: the release adds lines after the end of git's file ({release:?})")]
    Added {
        /// First added line.
        line: usize,
        /// Its text (shortened).
        release: String,
    },
    /// The release's file ends before git's.
    #[error(
        "the release's file ends at line {line}, git's goes on with line {git_line} ({git:?})"
    )]
    Removed {
        /// The release's line count + 1.
        line: usize,
        /// Git's first line the release lacks.
        git_line: usize,
        /// Its text (shortened).
        git: String,
    },
    /// The bytes are git's: nothing is stamped (the check is for modified files).
    #[error("no .TH line differs from git's")]
    NothingStamped,
}

/// Compares the release's man page `new` with git's `old`; `versions` are the release's
/// version spellings (never empty for a meaningful answer).
pub fn compare(old: &[u8], new: &[u8], versions: &[String]) -> Result<Stamped, StampError> {
    let old: Vec<&[u8]> = old.split_inclusive(|&b| b == b'\n').collect();
    let new: Vec<&[u8]> = new.split_inclusive(|&b| b == b'\n').collect();
    let (mut i, mut j) = (0, 0);
    let mut out = Stamped {
        lines: Vec::new(),
        version: String::new(),
        dates: Vec::new(),
        inserted_blank: 0,
    };
    while i < old.len() && j < new.len() {
        if old[i] == new[j] {
            i += 1;
            j += 1;
            continue;
        }
        if !(is_th(old[i]) && is_th(new[j])) {
            return Err(StampError::Differs {
                line: j + 1,
                git_line: i + 1,
                release: show(new[j]),
                git: show(old[i]),
            });
        }
        let not_a_stamp = |why: String| StampError::NotAStamp {
            line: j + 1,
            why,
            release: show(new[j]),
            git: show(old[i]),
        };
        // Both keep their line end: a stamp changes arguments, not where the line ends.
        if old[i].ends_with(b"\n") != new[j].ends_with(b"\n") {
            return Err(not_a_stamp("the line end changed".into()));
        }
        let (version, date) = stamp_of(old[i], new[j], versions).map_err(not_a_stamp)?;
        out.lines.push(j + 1);
        out.version = version;
        out.dates.push(date);
        // updatemanpages.pl prints "$line\n" . "\n": one empty line more than git's run.
        let blanks =
            |v: &[&[u8]], from: usize| v[from..].iter().take_while(|l| **l == b"\n").count();
        let (ob, nb) = (blanks(&old, i + 1), blanks(&new, j + 1));
        if nb == ob + 1 {
            out.inserted_blank += 1;
        } else if nb != ob {
            let line = j + 1 + nb.min(ob) + 1;
            return Err(StampError::Differs {
                line,
                git_line: i + 1 + nb.min(ob) + 1,
                release: new.get(line - 1).map_or_else(String::new, |l| show(l)),
                git: old
                    .get(i + nb.min(ob) + 1)
                    .map_or_else(String::new, |l| show(l)),
            });
        }
        i += 1 + ob;
        j += 1 + nb;
    }
    if j < new.len() {
        return Err(StampError::Added {
            line: j + 1,
            release: show(new[j]),
        });
    }
    if i < old.len() {
        return Err(StampError::Removed {
            line: j + 1,
            git_line: i + 1,
            git: show(old[i]),
        });
    }
    if out.lines.is_empty() {
        return Err(StampError::NothingStamped);
    }
    Ok(out)
}

/// A roff `.TH` request line (`.TH` then a space or tab).
fn is_th(line: &[u8]) -> bool {
    line.strip_prefix(b".TH")
        .is_some_and(|r| matches!(r.first(), Some(b' ' | b'\t')))
}

/// The version and date the release's `.TH` line `new` stamps into git's `old`, or why it is
/// something else.
fn stamp_of(old: &[u8], new: &[u8], versions: &[String]) -> Result<(String, String), String> {
    let (Ok(old), Ok(new)) = (std::str::from_utf8(old), std::str::from_utf8(new)) else {
        return Err("not UTF-8".into());
    };
    let (o, n) = (th_args(old), th_args(new));
    if o.len() < 4 {
        return Err(format!(
            "git's line has {} arguments, no source argument to stamp",
            o.len()
        ));
    }
    if o.len() != n.len() {
        return Err(format!("{} arguments, git's has {}", n.len(), o.len()));
    }
    for (k, what) in [(0, "name"), (1, "section")] {
        if o[k] != n[k] {
            return Err(format!("the {what} changed ({:?} → {:?})", o[k], n[k]));
        }
    }
    if o[4..] != n[4..] {
        return Err("the manual argument changed".into());
    }
    let date = &n[2];
    if date.is_empty()
        || date.len() > MAX_DATE
        || !date.bytes().any(|b| b.is_ascii_digit())
        || !date
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b" ,./-".contains(&b))
    {
        return Err(format!("date {date:?} is not a plain date"));
    }
    // The source argument: git's product name (git's argument, or it without its last word,
    // the old version) and the release's version.
    let Some((product, version)) = n[3].rsplit_once(' ') else {
        return Err(format!("source {:?} carries no version", n[3]));
    };
    let old_product = o[3].rsplit_once(' ').map(|(p, _)| p);
    if product.is_empty() || !(product == o[3] || Some(product) == old_product) {
        return Err(format!("product {product:?} is not git's ({:?})", o[3]));
    }
    if !versions.iter().any(|v| v == version) {
        return Err(format!(
            "version {version:?} is not the release's ({})",
            if versions.is_empty() {
                "unknown".to_string()
            } else {
                versions.join(" or ")
            }
        ));
    }
    Ok((version.to_string(), date.clone()))
}

/// The arguments of a `.TH` line as roff reads them: separated by spaces or tabs, a `"`
/// starting one runs to the next lone `"` (`""` inside is a quote).
fn th_args(line: &str) -> Vec<String> {
    let rest = line.trim_end_matches(['\n', '\r']);
    let rest = rest.strip_prefix(".TH").unwrap_or(rest);
    let mut args = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ' ' || *c == '\t') {
            chars.next();
        }
        let Some(&c) = chars.peek() else { break };
        let mut arg = String::new();
        if c == '"' {
            chars.next();
            while let Some(c) = chars.next() {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        arg.push('"');
                        continue;
                    }
                    break;
                }
                arg.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ' ' || c == '\t' {
                    break;
                }
                arg.push(c);
                chars.next();
            }
        }
        args.push(arg);
    }
    args
}

/// A line for a message: lossy UTF-8, without its line end, at most 120 characters.
fn show(line: &[u8]) -> String {
    let s = String::from_utf8_lossy(line);
    let s = s.trim_end_matches(['\n', '\r']);
    if s.chars().count() > 120 {
        let cut: String = s.chars().take(120).collect();
        format!("{cut}...")
    } else {
        s.to_string()
    }
}

/// The spellings of the release's version: the tag's (`v7.88.1`, `curl-7_88_1` read with
/// dots for underscores) and git's `AC_INIT` version when it is a literal.
pub fn release_versions(tag: Option<&str>, configure_ac: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |v: String| {
        if !v.is_empty() && !out.contains(&v) {
            out.push(v);
        }
    };
    if let Some(t) = tag {
        let v = super::checks::tag_version(t);
        if v.starts_with(|c: char| c.is_ascii_digit()) {
            add(v.to_string());
            if v.contains('_') && v.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
                add(v.replace('_', "."));
            }
        }
    }
    if let Some(v) = configure_ac.and_then(ac_init_version) {
        add(v);
    }
    out
}

/// The second argument of `AC_INIT` when it is a literal version (`[5.4.1]`, `5.4.1`); not
/// an m4 expansion (`m4_esyscmd(...)`, `-` as curl writes it).
fn ac_init_version(configure_ac: &str) -> Option<String> {
    let after = &configure_ac[configure_ac.find("AC_INIT(")? + "AC_INIT(".len()..];
    let mut depth = 0i32;
    let mut args = vec![String::new()];
    for c in after.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth <= 0 => args.push(String::new()),
            ')' if depth <= 0 => break,
            _ => {
                if let Some(a) = args.last_mut() {
                    a.push(c);
                }
            }
        }
        if args.len() > 2 {
            break;
        }
    }
    let v = args.get(1)?.trim();
    (v.starts_with(|c: char| c.is_ascii_digit())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".+~-".contains(&b)))
    .then(|| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIT: &str = ".\\\" comment\n.TH curl_easy_init 3 \"4 March 2002\" \"libcurl 7.8.1\" \"libcurl Manual\"\n.SH NAME\ncurl_easy_init - Start a libcurl easy session\n";

    fn v() -> Vec<String> {
        vec!["7.88.1".into()]
    }

    fn stamped(line: &str) -> String {
        GIT.replace(
            ".TH curl_easy_init 3 \"4 March 2002\" \"libcurl 7.8.1\" \"libcurl Manual\"",
            line,
        )
    }

    #[test]
    fn curl_stamp_with_its_extra_newline_passes() {
        let new = stamped(
            ".TH curl_easy_init 3 \"January 02, 2023\" \"libcurl 7.88.1\" \"libcurl Manual\"\n",
        );
        let s = compare(GIT.as_bytes(), new.as_bytes(), &v()).unwrap();
        assert_eq!(s.lines, vec![2]);
        assert_eq!(s.inserted_blank, 1);
        assert_eq!(s.dates, vec!["January 02, 2023"]);
        let new =
            stamped(".TH curl_easy_init 3 \"2023-01-02\" \"libcurl 7.88.1\" \"libcurl Manual\"");
        assert_eq!(
            compare(GIT.as_bytes(), new.as_bytes(), &v())
                .unwrap()
                .inserted_blank,
            0
        );
    }

    #[test]
    fn anything_else_fails_naming_the_line() {
        let th = ".TH curl_easy_init 3 \"January 02, 2023\" \"libcurl 7.88.1\" \"libcurl Manual\"";
        // Stamp plus one other changed line.
        let new = stamped(th).replace("Start a libcurl", "Start an evil");
        match compare(GIT.as_bytes(), new.as_bytes(), &v()) {
            Err(StampError::Differs { line: 4, .. }) => {}
            o => panic!("{o:?}"),
        }
        // Two empty lines inserted: one more than updatemanpages.pl writes.
        let new = stamped(&format!("{th}\n\n"));
        assert!(matches!(
            compare(GIT.as_bytes(), new.as_bytes(), &v()),
            Err(StampError::Differs { .. })
        ));
        // A line appended, a line dropped.
        let new = format!("{}.so evil\n", stamped(th));
        assert!(matches!(
            compare(GIT.as_bytes(), new.as_bytes(), &v()),
            Err(StampError::Added { line: 5, .. })
        ));
        let new = stamped(th).replace("curl_easy_init - Start a libcurl easy session\n", "");
        assert!(matches!(
            compare(GIT.as_bytes(), new.as_bytes(), &v()),
            Err(StampError::Removed { .. })
        ));
        for (bad, what) in [
            (
                ".TH curl_easy_init 3 \"January 02, 2023\" \"libcurl 7.88.2\" \"libcurl Manual\"",
                "version",
            ),
            (
                ".TH curl_easy_init 3 \"January 02, 2023\" \"evil 7.88.1\" \"libcurl Manual\"",
                "product",
            ),
            (
                ".TH curl_easy_init 1 \"January 02, 2023\" \"libcurl 7.88.1\" \"libcurl Manual\"",
                "section",
            ),
            (
                ".TH other 3 \"January 02, 2023\" \"libcurl 7.88.1\" \"libcurl Manual\"",
                "name",
            ),
            (
                ".TH curl_easy_init 3 \"January 02, 2023\" \"libcurl 7.88.1\" \"evil Manual\"",
                "manual",
            ),
            (
                ".TH curl_easy_init 3 \"\\X'tty: link'\" \"libcurl 7.88.1\" \"libcurl Manual\"",
                "date",
            ),
            (
                ".TH curl_easy_init 3 \"January 02, 2023\" \"libcurl 7.88.1\" \"libcurl Manual\" x",
                "arguments",
            ),
            (
                ".TH curl_easy_init 3 \"January 02, 2023\" \"libcurl\" \"libcurl Manual\"",
                "version",
            ),
        ] {
            match compare(GIT.as_bytes(), stamped(bad).as_bytes(), &v()) {
                Err(StampError::NotAStamp { line: 2, why, .. }) => {
                    assert!(why.contains(what), "{bad}: {why}")
                }
                o => panic!("{bad}: {o:?}"),
            }
        }
        // A non-.TH line changed (a .SH heading) is no stamp even if it holds a version.
        let new = GIT.replace(".SH NAME", ".SH NAME 7.88.1");
        assert!(matches!(
            compare(GIT.as_bytes(), new.as_bytes(), &v()),
            Err(StampError::Differs { line: 3, .. })
        ));
        assert_eq!(
            compare(GIT.as_bytes(), GIT.as_bytes(), &v()),
            Err(StampError::NothingStamped)
        );
    }

    #[test]
    fn versions_from_the_tag_and_ac_init() {
        assert_eq!(
            release_versions(Some("curl-7_88_1"), None),
            vec!["7_88_1", "7.88.1"]
        );
        assert_eq!(
            release_versions(Some("v5.4.1"), Some("AC_INIT([XZ Utils], [5.4.1], [x@y])")),
            vec!["5.4.1"]
        );
        assert_eq!(
            release_versions(Some("release"), Some("AC_INIT([p],[2.0-rc1])")),
            vec!["2.0-rc1"]
        );
        assert!(release_versions(None, Some("AC_INIT([curl], [-], [x])")).is_empty());
        assert!(release_versions(None, Some("AC_INIT([p], m4_esyscmd([x]))")).is_empty());
    }

    #[test]
    fn th_arguments_as_roff_reads_them() {
        assert_eq!(
            th_args(".TH a 1 \"x \"\"q\"\" y\" b\tc\n"),
            vec!["a", "1", "x \"q\" y", "b", "c"]
        );
    }
}
