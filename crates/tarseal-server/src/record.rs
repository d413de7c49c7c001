//! The submitted record: strict parsing of a canonical `tarseal/v1 KIND` record
//! (docs/formats.md) and the rules the log adds (no path traversal, no control characters in
//! project, tag or file; digests in lower-case hex; an artifact's verdict is `pass`; a
//! co-signature carries an armored OpenPGP signature).
//!
//! The canonical syntax is `tarseal-record`'s (the same crate `tarseal seal` writes with); this
//! module adds what the log requires on top.

pub use tarseal_record::{Kind, LogEntry, HEADER, KEYS};

use base64::Engine;

/// Why the log refuses a record: not canonical, or against one of the log's rules. Says
/// which field and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// Not a canonical record.
    #[error(transparent)]
    Syntax(#[from] tarseal_record::RecordError),
    /// A project name the log does not accept.
    #[error(
        "project name {0:?} is not allowed (letters, digits, . _ + -; not starting with . or -)"
    )]
    Project(String),
    /// A tag name the log does not accept.
    #[error("tag name {0:?} is not allowed (control characters, white space, backslashes, empty, . or .. components)")]
    Tag(String),
    /// A file name the log does not accept.
    #[error("file name {0:?} is not allowed (a plain file name without directory)")]
    File(String),
    /// `sha256` is not lower-case hex of 64 digits.
    #[error("sha256 is not 64 lower-case hex digits")]
    Sha256,
    /// An artifact record whose verdict is not `pass`.
    #[error("verdict is not \"pass\"")]
    Verdict,
    /// A cosign record whose signature is not base64.
    #[error("signature is not base64")]
    SignatureBase64,
    /// A cosign record whose signature is not an armored `.asc`.
    #[error("signature is not an armored OpenPGP signature (base64 of the .asc)")]
    SignatureArmor,
    /// A cosign record whose cosigner is not a fingerprint.
    #[error("cosigner is not a 40-digit upper-case hex fingerprint")]
    Cosigner,
}

/// The fields of a record the log indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// What the record says happened.
    pub kind: Kind,
    /// `project`.
    pub project: String,
    /// `tag`.
    pub tag: String,
    /// `file`.
    pub file: String,
    /// `sha256` of the artifact (lower-case hex).
    pub sha256: String,
    /// `md5` of the artifact (informational; `-` for kinds without one).
    pub md5: String,
    /// `signer`: the fingerprint the record claims (the signature decides, not this).
    pub signer: String,
}

/// Parses a record strictly: byte-for-byte canonical, and project/tag/file are safe names.
pub fn parse(text: &str) -> Result<Artifact, RuleError> {
    let record = tarseal_record::Record::parse(text)?;
    let get = |k: &str| record.get(k).to_string();
    let a = Artifact {
        kind: record.kind,
        project: get("project"),
        tag: get("tag"),
        file: get("file"),
        sha256: get("sha256"),
        md5: record.try_get("md5").unwrap_or("-").to_string(),
        signer: get("signer"),
    };
    check_project(&a.project)?;
    check_tag(&a.tag)?;
    check_file(&a.file)?;
    if a.sha256.len() != 64
        || !a
            .sha256
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return Err(RuleError::Sha256);
    }
    if a.kind == Kind::Artifact && get("verdict") != "pass" {
        return Err(RuleError::Verdict);
    }
    if a.kind == Kind::Cosign {
        let sig = base64::engine::general_purpose::STANDARD
            .decode(get("signature"))
            .map_err(|_| RuleError::SignatureBase64)?;
        if !sig.starts_with(b"-----BEGIN PGP SIGNATURE-----") {
            return Err(RuleError::SignatureArmor);
        }
        let fpr = get("cosigner");
        if fpr.len() != 40
            || !fpr
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase())
        {
            return Err(RuleError::Cosigner);
        }
    }
    Ok(a)
}

/// A project name: `[A-Za-z0-9._+-]`, 1..=128 bytes, not starting with `.` or `-`.
pub fn check_project(p: &str) -> Result<(), RuleError> {
    let ok = !p.is_empty()
        && p.len() <= 128
        && !p.starts_with(['.', '-'])
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(RuleError::Project(p.to_string()))
    }
}

/// A tag name: printable, no white space, no `\`, `/`-separated components none of which
/// is empty, `.` or `..`; at most 256 bytes.
pub fn check_tag(t: &str) -> Result<(), RuleError> {
    let ok = !t.is_empty()
        && t.len() <= 256
        && !t
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        && t.split('/').all(|c| !c.is_empty() && c != "." && c != "..");
    if ok {
        Ok(())
    } else {
        Err(RuleError::Tag(t.to_string()))
    }
}

/// A file name: no directory, not `.`/`..`, no control characters or white space at the ends.
pub fn check_file(f: &str) -> Result<(), RuleError> {
    let ok = !f.is_empty()
        && f.len() <= 255
        && f != "."
        && f != ".."
        && !f.contains(['/', '\\'])
        && !f.chars().any(char::is_control);
    if ok {
        Ok(())
    } else {
        Err(RuleError::File(f.to_string()))
    }
}

#[cfg(test)]
pub(crate) fn sample(project: &str, tag: &str, file: &str, sha256: &str) -> String {
    let mut s = String::from(HEADER);
    s.push('\n');
    for k in KEYS {
        let v = match k {
            "project" => project.to_string(),
            "tag" => tag.to_string(),
            "file" => file.to_string(),
            "sha256" => sha256.to_string(),
            "verdict" => "pass".to_string(),
            _ => format!("v-{k}"),
        };
        s.push_str(&format!("{k} {v}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let h = "a".repeat(64);
        assert!(parse(&sample("nova", "27.1.0", "nova-27.1.0.tar.gz", &h)).is_ok());
        assert!(parse(&sample("nova", "release/1", "n.tar.gz", &h)).is_ok());
        for (p, t, f) in [
            ("../etc", "1", "f"),
            ("nova", "../../x", "f"),
            ("nova", "a/./b", "f"),
            ("nova", "1", "../f"),
            ("nova", "1", "a/b"),
            (".hidden", "1", "f"),
            ("nova", "a\u{7f}b", "f"),
            ("nova", "a\u{200b}\u{85}", "f"),
        ] {
            assert!(parse(&sample(p, t, f, &h)).is_err(), "{p} {t} {f}");
        }
        assert!(parse(&sample("nova", "1", "f", &"A".repeat(64))).is_err());
        assert!(parse(&sample("nova", "1", "f", &h).replace('\n', "\r\n")).is_err());
    }
}
