//! The release-sigs branch's one path form: `sigs/<project>/<tag>/<file>.<KEYID16>.asc`, a
//! detached armored OpenPGP signature over the release file `<file>` by the key whose
//! primary fingerprint ends in `KEYID16` (16 upper-case hex digits).

/// A path of the branch, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigPath {
    /// The project directory.
    pub project: String,
    /// The tag directory.
    pub tag: String,
    /// The release file the signature is over.
    pub file: String,
    /// The last 16 hex digits of the signer's primary fingerprint, upper case.
    pub keyid16: String,
}

/// Why a path is not a signature path. Says what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigPathError {
    /// Not four components.
    #[error("not of the form sigs/<project>/<tag>/<file>.<KEYID16>.asc")]
    Shape,
    /// The first component is not `sigs`.
    #[error("not under sigs/")]
    NotUnderSigs,
    /// An empty, `.` or `..` component.
    #[error("bad path component {0:?}")]
    Component(String),
    /// A component that would change what a URL or path names.
    #[error("path component {0:?} holds a control character or one of ? # % \\")]
    Character(String),
    /// No `.asc` suffix.
    #[error("the file name does not end in .asc")]
    NotAsc,
    /// No key id before `.asc`.
    #[error("no .<KEYID16> before .asc")]
    NoKeyId,
    /// The key id is not 16 upper-case hex digits.
    #[error("{0:?} is not a key id of 16 upper-case hex digits")]
    KeyId(String),
    /// Nothing before the key id.
    #[error("no release file name")]
    NoFileName,
}

/// Parses `sigs/<project>/<tag>/<file>.<KEYID16>.asc`; the error says what is wrong.
pub fn parse_sig_path(path: &str) -> Result<SigPath, SigPathError> {
    let parts: Vec<&str> = path.split('/').collect();
    let [sigs, project, tag, name] = parts[..] else {
        return Err(SigPathError::Shape);
    };
    if sigs != "sigs" {
        return Err(SigPathError::NotUnderSigs);
    }
    for c in [project, tag, name] {
        if c.is_empty() || c == "." || c == ".." {
            return Err(SigPathError::Component(c.into()));
        }
        // The file name becomes part of a URL (--url-base) and a path: nothing that could
        // change what either names.
        if c.chars().any(|ch| ch.is_control() || "?#%\\".contains(ch)) {
            return Err(SigPathError::Character(c.into()));
        }
    }
    let stem = name.strip_suffix(".asc").ok_or(SigPathError::NotAsc)?;
    let (file, keyid) = stem.rsplit_once('.').ok_or(SigPathError::NoKeyId)?;
    if keyid.len() != 16
        || !keyid
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
    {
        return Err(SigPathError::KeyId(keyid.into()));
    }
    if file.is_empty() {
        return Err(SigPathError::NoFileName);
    }
    Ok(SigPath {
        project: project.into(),
        tag: tag.into(),
        file: file.into(),
        keyid16: keyid.into(),
    })
}

/// The last 16 hex digits of a fingerprint, upper case.
pub fn keyid16(fingerprint: &str) -> String {
    let f = fingerprint.to_ascii_uppercase();
    f[f.len().saturating_sub(16)..].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sig_paths() {
        let p = parse_sig_path("sigs/nova/27.1.0/nova-27.1.0.tar.gz.0123456789ABCDEF.asc").unwrap();
        assert_eq!(p.project, "nova");
        assert_eq!(p.tag, "27.1.0");
        assert_eq!(p.file, "nova-27.1.0.tar.gz");
        assert_eq!(p.keyid16, "0123456789ABCDEF");
        for bad in [
            "README",
            "sigs/nova/27.1.0/x.tar.gz.asc",
            "sigs/nova/27.1.0/x.tar.gz.0123456789abcdef.asc",
            "sigs/nova/27.1.0/x.tar.gz.0123456789ABCDEF",
            "sigs/nova/a/b/x.0123456789ABCDEF.asc",
            "sigs/nova/../x.0123456789ABCDEF.asc",
            "other/nova/1/x.0123456789ABCDEF.asc",
            "sigs/nova/1/.0123456789ABCDEF.asc",
            "sigs/nova/1/x.tar.gz?a.0123456789ABCDEF.asc",
            "sigs/nova/1/x#.0123456789ABCDEF.asc",
            "sigs/nova/1\n/x.0123456789ABCDEF.asc",
        ] {
            assert!(parse_sig_path(bad).is_err(), "{bad}");
        }
        assert_eq!(
            keyid16("0123456789abcdef0123456789abcdef01234567"),
            "89ABCDEF01234567"
        );
    }
}
