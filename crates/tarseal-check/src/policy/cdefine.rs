//! Version headers stamped at release time: a tracked C header whose only change from git's is
//! `#define` lines carrying the release's version and date.
//!
//! curl's `maketgz` runs sed over `include/curl/curlver.h` (`LIBCURL_VERSION "7.88.1"`,
//! `LIBCURL_VERSION_NUM 0x075801`, `..._MAJOR/_MINOR/_PATCH`, `LIBCURL_TIMESTAMP
//! "2023-02-20"`) and `src/tool_version.h` (`CURL_VERSION "7.88.1"`). Accepting these files by
//! name would let any C line change; this module lets exactly those lines differ: every line
//! is git's, except `#define NAME VALUE` lines whose NAME is git's line's NAME and says what
//! the value must be — `*_VERSION` the release's version in quotes, `*_VERSION_NUM` its
//! `0xMMmmpp` form, `*_VERSION_MAJOR`/`_MINOR`/`_PATCH` its numbers, `*_TIMESTAMP` a quoted
//! `YYYY-MM-DD` date. The release's version comes from the tag (its name or git's AC_INIT),
//! never from the file.

use std::fmt;

/// What a successful comparison established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defines {
    /// The stamped lines (1-based), with their names.
    pub lines: Vec<(usize, String)>,
    pub version: String,
    pub date: Option<String>,
}

impl fmt::Display for Defines {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self
            .lines
            .iter()
            .map(|(n, name)| format!("{n} ({name})"))
            .collect();
        write!(
            f,
            "git's bytes except the #define line{} {} stamped with version {}",
            if lines.len() == 1 { "" } else { "s" },
            lines.join(", "),
            self.version
        )?;
        if let Some(d) = &self.date {
            write!(f, " and date {d}")?;
        }
        Ok(())
    }
}

/// Why a header is not git's plus version/date defines. Lines are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefineError {
    #[error("the release's file has {release} lines, git's {git}: lines were added or removed")]
    LineCount { release: usize, git: usize },
    #[error(
        "line {line} differs and is not a #define of git's line: release {release:?}, git {git:?}"
    )]
    Differs {
        line: usize,
        release: String,
        git: String,
    },
    #[error("line {line}: #define {name} is no version or date define (only *_VERSION, *_VERSION_NUM, *_VERSION_MAJOR/_MINOR/_PATCH and *_TIMESTAMP may be stamped)")]
    Name { line: usize, name: String },
    #[error("line {line}: #define {name} {value} does not hold the release's version (expected {expected})")]
    Value {
        line: usize,
        name: String,
        value: String,
        expected: String,
    },
    #[error("line {line}: #define {name} {value} is not a quoted YYYY-MM-DD date")]
    Date {
        line: usize,
        name: String,
        value: String,
    },
}

fn short(s: &str) -> String {
    s.chars().take(100).collect()
}

/// `#define NAME VALUE` (one space each, as the sed writes it) → (NAME, VALUE).
fn define(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("#define ")?;
    let (name, value) = rest.split_once(' ')?;
    (!name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'))
    .then_some((name, value))
}

/// major, minor, patch of `7.88.1` (the patch up to a `-`, as maketgz cuts it).
fn parts(v: &str) -> Option<[u32; 3]> {
    let mut it = v.split('.');
    let a = it.next()?.parse().ok()?;
    let b = it.next()?.parse().ok()?;
    let c = it.next()?.split('-').next()?.parse().ok()?;
    Some([a, b, c])
}

fn is_date(v: &str) -> bool {
    let Some(d) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return false;
    };
    let b = d.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&d[5..7].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&d[8..10].parse::<u32>().unwrap_or(0))
}

/// The value `name` must hold for version `v`, or `None` when `name` is not a version define.
fn expected(name: &str, v: &str) -> Option<Option<String>> {
    let p = parts(v);
    let num = |i: usize| p.map(|p| p[i].to_string());
    Some(if name.ends_with("_VERSION") {
        Some(format!("\"{v}\""))
    } else if name.ends_with("_VERSION_NUM") {
        p.map(|[a, b, c]| format!("0x{a:02x}{b:02x}{c:02x}"))
    } else if name.ends_with("_VERSION_MAJOR") {
        num(0)
    } else if name.ends_with("_VERSION_MINOR") {
        num(1)
    } else if name.ends_with("_VERSION_PATCH") {
        num(2)
    } else {
        return None;
    })
}

/// Compares git's header with the release's; `versions` are the release versions the tag
/// names (any one of them, the same for every line).
pub fn compare(git: &[u8], release: &[u8], versions: &[String]) -> Result<Defines, DefineError> {
    let g = String::from_utf8_lossy(git);
    let r = String::from_utf8_lossy(release);
    let gl: Vec<&str> = g.split_inclusive('\n').collect();
    let rl: Vec<&str> = r.split_inclusive('\n').collect();
    if gl.len() != rl.len() {
        return Err(DefineError::LineCount {
            release: rl.len(),
            git: gl.len(),
        });
    }
    let mut best: Option<DefineError> = None;
    // Each candidate version in turn: every stamped line must hold the same one.
    for v in versions {
        match compare_one(&gl, &rl, v) {
            Ok(d) => return Ok(d),
            Err(e) => {
                // A structural difference is the same for every version: report it at once.
                if !matches!(e, DefineError::Value { .. }) {
                    return Err(e);
                }
                best.get_or_insert(e);
            }
        }
    }
    Err(best.unwrap_or(DefineError::Value {
        line: 0,
        name: String::new(),
        value: String::new(),
        expected: "a release version from the tag (none known)".into(),
    }))
}

fn compare_one(gl: &[&str], rl: &[&str], v: &str) -> Result<Defines, DefineError> {
    let mut out = Defines {
        lines: Vec::new(),
        version: v.to_string(),
        date: None,
    };
    for (i, (g, r)) in gl.iter().zip(rl).enumerate() {
        if g == r {
            continue;
        }
        let line = i + 1;
        let body = |s: &str| s.trim_end_matches('\n').to_string();
        let ending = |s: &str| s.len() - s.trim_end_matches(['\n', '\r']).len();
        let differs = || DefineError::Differs {
            line,
            release: short(&body(r)),
            git: short(&body(g)),
        };
        if ending(g) != ending(r) || g.ends_with("\r\n") != r.ends_with("\r\n") {
            return Err(differs());
        }
        let gb = g.trim_end_matches(['\n', '\r']);
        let rb = r.trim_end_matches(['\n', '\r']);
        let (Some((gn, _)), Some((rn, value))) = (define(gb), define(rb)) else {
            return Err(differs());
        };
        if gn != rn {
            return Err(differs());
        }
        let name = rn.to_string();
        if name.ends_with("_TIMESTAMP") {
            if !is_date(value) {
                return Err(DefineError::Date {
                    line,
                    name,
                    value: short(value),
                });
            }
            out.date = Some(value.trim_matches('"').to_string());
        } else {
            match expected(&name, v) {
                None => return Err(DefineError::Name { line, name }),
                Some(want) if want.as_deref() == Some(value) => {}
                Some(want) => {
                    return Err(DefineError::Value {
                        line,
                        name,
                        value: short(value),
                        expected: want
                            .unwrap_or_else(|| format!("a version with three numbers, not {v}")),
                    })
                }
            }
        }
        out.lines.push((line, name));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIT: &str = "/* curl */\n#define LIBCURL_COPYRIGHT \"Daniel\"\n#define LIBCURL_VERSION \"7.88.1-DEV\"\n#define LIBCURL_VERSION_MAJOR 7\n#define LIBCURL_VERSION_MINOR 88\n#define LIBCURL_VERSION_PATCH 1\n#define LIBCURL_VERSION_NUM 0x075801\n#define LIBCURL_TIMESTAMP \"[unreleased]\"\n#define CURL_VERSION LIBCURL_VERSION\nint x;\n";

    fn v() -> Vec<String> {
        vec!["7_88_1".into(), "7.88.1".into()]
    }

    fn release(edit: &[(&str, &str)]) -> String {
        let mut s = GIT.to_string();
        for (a, b) in edit {
            assert!(s.contains(a), "{a}");
            s = s.replacen(a, b, 1);
        }
        s
    }

    #[test]
    fn curls_stamps_pass() {
        let r = release(&[
            ("\"7.88.1-DEV\"", "\"7.88.1\""),
            ("\"[unreleased]\"", "\"2023-02-20\""),
            ("CURL_VERSION LIBCURL_VERSION", "CURL_VERSION \"7.88.1\""),
        ]);
        let d = compare(GIT.as_bytes(), r.as_bytes(), &v()).unwrap();
        assert_eq!(d.version, "7.88.1");
        assert_eq!(d.date.as_deref(), Some("2023-02-20"));
        assert_eq!(d.lines.len(), 3);
        let r = release(&[
            ("VERSION_PATCH 1", "VERSION_PATCH 1"),
            ("0x075801", "0x075801"),
        ]);
        assert!(compare(GIT.as_bytes(), r.as_bytes(), &v())
            .unwrap()
            .lines
            .is_empty());
    }

    #[test]
    fn anything_else_fails() {
        for (edit, what) in [
            (("\"7.88.1-DEV\"", "\"7.88.2\""), "Value"),
            (("\"7.88.1-DEV\"", "\"7.88.1\" /* x */"), "Value"),
            (("0x075801", "0x075802"), "Value"),
            (("MINOR 88", "MINOR 89"), "Value"),
            (("\"[unreleased]\"", "\"2023-13-20\""), "Date"),
            (("\"[unreleased]\"", "\"2023-02-20\"; system(x)"), "Date"),
            (("COPYRIGHT \"Daniel\"", "COPYRIGHT \"Mallory\""), "Name"),
            (("int x;", "int x = 1;"), "Differs"),
            (
                ("#define LIBCURL_VERSION \"", "#define  LIBCURL_VERSION \""),
                "Differs",
            ),
            (("int x;\n", "int x;\nint y;\n"), "LineCount"),
            (
                ("CURL_VERSION LIBCURL_VERSION", "CURL_VERSIONX \"7.88.1\""),
                "Differs",
            ),
        ] {
            let r = release(&[edit]);
            let e = compare(GIT.as_bytes(), r.as_bytes(), &v()).unwrap_err();
            assert!(format!("{e:?}").starts_with(what), "{edit:?}: {e:?}");
        }
        // Two versions in one file: each line must hold the same one.
        let r = release(&[
            ("\"7.88.1-DEV\"", "\"7.88.1\""),
            ("CURL_VERSION LIBCURL_VERSION", "CURL_VERSION \"7_88_1\""),
        ]);
        assert!(compare(GIT.as_bytes(), r.as_bytes(), &v()).is_err());
    }
}
