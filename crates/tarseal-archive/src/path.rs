//! Archive path normalisation and validation.
//!
//! One function turns the bytes an archive stores as a name into the path tarseal compares
//! with git, and lists what is hostile about the name itself. Nothing is silently repaired:
//! a `..` component stays in the normalised path (so `a/../README` can never be mistaken for
//! `README`) and is reported.

use crate::EntryProblem;

/// A stored name after normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedPath {
    /// The stored name, lossily decoded as UTF-8.
    pub raw: String,
    /// `/`-separated, no leading `./` or `/`, no trailing `/`, no empty or `.` components.
    pub path: String,
    /// Problems of the name itself (absolute, `..`, NUL, empty, not UTF-8).
    pub problems: Vec<EntryProblem>,
}

/// Normalises a stored name.
///
/// `zip` enables the zip rules: `\` is a separator too (Windows tools write it and Windows
/// extractors honour it), and a drive letter (`C:`) or a leading `\` makes the name absolute.
/// `is_dir` suppresses [`EntryProblem::EmptyName`] for names like `./` or `.`, which are the
/// archive root directory that `tar -C dir -cf x.tar .` writes, not a hostile name.
pub fn normalize(raw: &[u8], zip: bool, is_dir: bool) -> NormalizedPath {
    let mut problems = Vec::new();
    if raw.contains(&0) {
        problems.push(EntryProblem::NulInName);
    }
    let decoded = String::from_utf8_lossy(raw);
    if matches!(decoded, std::borrow::Cow::Owned(_)) {
        problems.push(EntryProblem::NotUtf8);
    }
    let raw_str = decoded.into_owned();

    let is_sep = |c: char| c == '/' || (zip && c == '\\');
    let bytes = raw_str.as_bytes();
    let absolute = raw_str.starts_with(is_sep)
        || (zip && bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':');
    if absolute {
        problems.push(EntryProblem::AbsolutePath);
    }

    let mut path = String::with_capacity(raw_str.len());
    let mut dotdot = false;
    for comp in raw_str.split(is_sep) {
        if comp.is_empty() || comp == "." {
            continue;
        }
        if comp == ".." {
            dotdot = true;
        }
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str(comp);
    }
    if dotdot {
        problems.push(EntryProblem::DotDot);
    }
    if raw.is_empty() || (path.is_empty() && !is_dir) {
        problems.push(EntryProblem::EmptyName);
    }
    NormalizedPath {
        raw: raw_str,
        path,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(raw: &str) -> (String, Vec<EntryProblem>) {
        let r = normalize(raw.as_bytes(), false, false);
        (r.path, r.problems)
    }

    #[test]
    fn strips_dot_slash_trailing_slash_and_empty_components() {
        assert_eq!(n("./pkg-1.0//src/./a.c").0, "pkg-1.0/src/a.c");
        assert_eq!(n("pkg/dir/").0, "pkg/dir");
        assert!(n("./pkg/dir/").1.is_empty());
    }

    #[test]
    fn flags_absolute_dotdot_nul_empty() {
        assert_eq!(
            n("/etc/passwd"),
            ("etc/passwd".into(), vec![EntryProblem::AbsolutePath])
        );
        assert_eq!(
            n("a/../../x"),
            ("a/../../x".into(), vec![EntryProblem::DotDot])
        );
        assert_eq!(n("a\0b").1, vec![EntryProblem::NulInName]);
        assert_eq!(n("").1, vec![EntryProblem::EmptyName]);
        assert_eq!(n("./").1, vec![EntryProblem::EmptyName]);
        assert!(normalize(b"./", false, true).problems.is_empty());
    }

    #[test]
    fn zip_rules_apply_only_to_zip() {
        let z = normalize(b"C:\\Windows\\x", true, false);
        assert_eq!(z.path, "C:/Windows/x");
        assert_eq!(z.problems, vec![EntryProblem::AbsolutePath]);
        assert_eq!(
            normalize(b"\\x", true, false).problems,
            vec![EntryProblem::AbsolutePath]
        );
        assert_eq!(
            normalize(b"..\\x", true, false).problems,
            vec![EntryProblem::DotDot]
        );
        assert!(normalize(b"a\\..\\x", false, false).problems.is_empty());
    }

    #[test]
    fn not_utf8_is_flagged_and_decoded_lossily() {
        let r = normalize(b"a/\xff.txt", false, false);
        assert_eq!(r.problems, vec![EntryProblem::NotUtf8]);
        assert_eq!(r.path, "a/\u{fffd}.txt");
    }
}
