//! git's `allowed_signers` file (`gpg.ssh.allowedSignersFile`, ssh-keygen(1) "ALLOWED
//! SIGNERS"): which SSH keys may sign, for which principals and namespaces, and when.
//!
//! `ssh-key` has no parser for it, so this is a small one that follows OpenSSH's
//! `sshsig.c` (`parse_principals_key_and_options`, `sshsigopt_parse`):
//!
//! ```text
//! # comment
//! alice@example.org,*@example.net namespaces="git,file",valid-after="20240101" ssh-ed25519 AAAA... comment
//! "bob example" ssh-ed25519 AAAA...
//! ```
//!
//! * principals: one field, comma-separated patterns with `*` and `?`, `!` negates; the
//!   field may be double-quoted.
//! * options (optional, comma-separated, names case-insensitive): `namespaces="a,b"`
//!   (patterns), `valid-after="YYYYMMDD[HHMM[SS]][Z]"`, `valid-before=...`,
//!   `cert-authority`. Values may be quoted, and a quoted value may contain commas and
//!   spaces. An unknown option is an error (as in ssh-keygen).
//! * `cert-authority` lines are **ignored with a note** ([`AllowedSigners::notes`]): they
//!   trust SSH *certificates* signed by that CA, and tarseal does not verify SSH
//!   certificates. Ignoring (not trusting) is the safe direction.
//! * times without `Z` are read as UTC here (ssh-keygen reads them in local time): write
//!   the `Z` to get the same answer from both tools on any machine.

use std::fmt;
use std::path::{Path, PathBuf};

use ssh_key::PublicKey;

use crate::time::parse_ssh_time;

/// One usable line of an allowed_signers file.
#[derive(Clone, PartialEq)]
pub struct AllowedSigner {
    /// The file it came from (empty when parsed from a string).
    pub source: PathBuf,
    /// 1-based line number, for messages.
    pub line: usize,
    /// The principals field as written (comma-separated patterns).
    pub principals: String,
    /// `namespaces=` patterns; `None` means every namespace is allowed (as in ssh-keygen).
    pub namespaces: Option<String>,
    /// `valid-after=`, seconds since the epoch (UTC).
    pub valid_after: Option<i64>,
    /// `valid-before=`, seconds since the epoch (UTC).
    pub valid_before: Option<i64>,
    /// The public key.
    pub key: PublicKey,
}

impl fmt::Debug for AllowedSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AllowedSigner")
            .field("source", &self.source)
            .field("line", &self.line)
            .field("principals", &self.principals)
            .field("namespaces", &self.namespaces)
            .field("valid_after", &self.valid_after)
            .field("valid_before", &self.valid_before)
            .field("key", &self.fingerprint())
            .finish()
    }
}

impl AllowedSigner {
    /// The key's fingerprint as `ssh-keygen -l` prints it (`SHA256:...`).
    pub fn fingerprint(&self) -> String {
        self.key.fingerprint(ssh_key::HashAlg::Sha256).to_string()
    }

    /// Whether `principal` matches the principals patterns (ssh's `match_pattern_list`: a
    /// matching negated pattern wins over any positive match).
    pub fn matches_principal(&self, principal: &str) -> bool {
        match_pattern_list(principal, &self.principals)
    }

    /// Whether signatures in `namespace` are allowed by this line.
    pub fn allows_namespace(&self, namespace: &str) -> bool {
        self.namespaces
            .as_deref()
            .is_none_or(|ns| match_pattern_list(namespace, ns))
    }

    /// Where `time` (seconds since the epoch) falls with respect to the validity window.
    pub fn window(&self, time: i64) -> Window {
        match (self.valid_after, self.valid_before) {
            (Some(a), _) if time < a => Window::NotYetValid { valid_after: a },
            (_, Some(b)) if time > b => Window::Expired { valid_before: b },
            _ => Window::Valid,
        }
    }
}

/// Position of a time relative to a `valid-after`/`valid-before` window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Inside the window (or no window).
    Valid,
    /// Before `valid-after`.
    NotYetValid {
        /// Seconds since the epoch.
        valid_after: i64,
    },
    /// After `valid-before`.
    Expired {
        /// Seconds since the epoch.
        valid_before: i64,
    },
}

/// A line the parser accepted but did not turn into a trusted key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// File (empty when parsed from a string).
    pub source: PathBuf,
    /// 1-based line number.
    pub line: usize,
    /// What happened and why.
    pub message: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}",
            self.source.display(),
            self.line,
            self.message
        )
    }
}

/// What is wrong with one line of an allowed_signers file (OpenSSH's rules).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// A quoted principals field without its closing quote.
    #[error("unterminated quote in principals")]
    UnterminatedPrincipals,
    /// Text right after the closing quote of the principals.
    #[error("text after closing quote of principals")]
    AfterQuote,
    /// No principals field.
    #[error("missing principals")]
    MissingPrincipals,
    /// An empty principals field.
    #[error("empty principals")]
    EmptyPrincipals,
    /// No key.
    #[error("missing key")]
    MissingKey,
    /// Options but no key after them.
    #[error("missing key after options")]
    MissingKeyAfterOptions,
    /// A second `namespaces` clause.
    #[error("multiple \"namespaces\" clauses")]
    MultipleNamespaces,
    /// A time that is not `YYYYMMDD[HHMM[SS]][Z]`.
    #[error("invalid {option} time \"{value}\" (want YYYYMMDD[HHMM[SS]][Z])")]
    Time {
        /// `valid-after` or `valid-before`.
        option: String,
        /// The value.
        value: String,
    },
    /// A second `valid-after` or `valid-before` clause.
    #[error("multiple \"{0}\" clauses")]
    MultipleTimes(String),
    /// `cert-authority=...`.
    #[error("cert-authority takes no value")]
    CertAuthorityValue,
    /// An option that needs a value without one.
    #[error("option \"{0}\" needs a value")]
    NeedsValue(String),
    /// An option OpenSSH does not know here.
    #[error("unknown option \"{0}\"")]
    UnknownOption(String),
    /// `valid-before` not after `valid-after`.
    #[error("\"valid-before\" time is before \"valid-after\"")]
    WindowInverted,
    /// A key type without key data.
    #[error("key of type {0} has no key data")]
    NoKeyData(String),
    /// Key data that does not parse.
    #[error("invalid key of type {ty}: {detail}")]
    InvalidKey {
        /// The key type.
        ty: String,
        /// What ssh-key reported.
        detail: String,
    },
    /// Key data of another type than named.
    #[error("key type {ty} does not match the key data ({actual})")]
    KeyTypeMismatch {
        /// The type named.
        ty: String,
        /// The data's type.
        actual: String,
    },
    /// An option without a name.
    #[error("empty option name")]
    EmptyOptionName,
    /// A quoted option value without its closing quote.
    #[error("unterminated quote in option \"{0}\"")]
    UnterminatedOption(String),
    /// A quote where none belongs.
    #[error("unexpected quote in option \"{0}\"")]
    UnexpectedQuote(String),
    /// Something else than `,` or white space after an option.
    #[error("unexpected character after option \"{0}\"")]
    AfterOption(String),
    /// A `,` that ends the options.
    #[error("unexpected end of options after ','")]
    TrailingComma,
}

/// A malformed allowed_signers file. Names the file and the 1-based line.
#[derive(Debug, thiserror::Error)]
pub enum AllowedSignersError {
    /// The file could not be read.
    #[error("cannot read allowed signers file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A line does not parse.
    #[error("{}:{line}: {reason}", path.display())]
    Line {
        /// The file (empty when parsed from a string).
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: LineError,
    },
}

/// A parsed allowed_signers file (or several, appended).
#[derive(Debug, Clone, Default)]
pub struct AllowedSigners {
    signers: Vec<AllowedSigner>,
    notes: Vec<Note>,
}

impl AllowedSigners {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads and parses a file, appending its lines to this set.
    pub fn add_file(&mut self, path: &Path) -> Result<(), AllowedSignersError> {
        let text = std::fs::read_to_string(path).map_err(|source| AllowedSignersError::Io {
            path: path.to_owned(),
            source,
        })?;
        self.add_str(&text, path)
    }

    /// Parses `text` (named `source` in messages), appending its lines to this set. All or
    /// nothing: on error nothing is added.
    pub fn add_str(&mut self, text: &str, source: &Path) -> Result<(), AllowedSignersError> {
        let mut signers = Vec::new();
        let mut notes = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let err = |reason: LineError| AllowedSignersError::Line {
                path: source.to_owned(),
                line,
                reason,
            };
            match parse_line(raw).map_err(err)? {
                Parsed::Blank => {}
                Parsed::CertAuthority => notes.push(Note {
                    source: source.to_owned(),
                    line,
                    message: "cert-authority line ignored: tarseal does not verify SSH \
                              certificates, so keys certified by this CA are not trusted"
                        .into(),
                }),
                Parsed::Signer(mut s) => {
                    s.source = source.to_owned();
                    s.line = line;
                    signers.push(*s);
                }
            }
        }
        self.signers.extend(signers);
        self.notes.extend(notes);
        Ok(())
    }

    /// Parses one file's text.
    pub fn parse(text: &str) -> Result<Self, AllowedSignersError> {
        let mut s = Self::new();
        s.add_str(text, Path::new(""))?;
        Ok(s)
    }

    /// Parses one file's text, naming it `source` in messages.
    pub fn parse_named(text: &str, source: &Path) -> Result<Self, AllowedSignersError> {
        let mut s = Self::new();
        s.add_str(text, source)?;
        Ok(s)
    }

    /// Appends another set.
    pub fn extend(&mut self, other: AllowedSigners) {
        self.signers.extend(other.signers);
        self.notes.extend(other.notes);
    }

    /// Every usable line, in file order.
    pub fn signers(&self) -> &[AllowedSigner] {
        &self.signers
    }

    /// Lines accepted but ignored (`cert-authority`), for the caller to show.
    pub fn notes(&self) -> &[Note] {
        &self.notes
    }

    /// The lines whose key is `key` (the key material; comments do not matter).
    pub fn lines_for_key<'a>(
        &'a self,
        key: &'a ssh_key::public::KeyData,
    ) -> impl Iterator<Item = &'a AllowedSigner> + 'a {
        self.signers.iter().filter(move |s| s.key.key_data() == key)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.signers.is_empty()
    }
}

enum Parsed {
    Blank,
    CertAuthority,
    Signer(Box<AllowedSigner>),
}

/// Splits the next whitespace-delimited token, honouring double quotes (OpenSSH's
/// `strdelimw`). Returns (token, rest).
fn next_token(s: &str) -> Result<Option<(String, &str)>, LineError> {
    let s = s.trim_start_matches([' ', '\t']);
    if s.is_empty() {
        return Ok(None);
    }
    if let Some(rest) = s.strip_prefix('"') {
        let end = rest.find('"').ok_or(LineError::UnterminatedPrincipals)?;
        let after = &rest[end + 1..];
        if !(after.is_empty() || after.starts_with([' ', '\t'])) {
            return Err(LineError::AfterQuote);
        }
        return Ok(Some((rest[..end].to_string(), after)));
    }
    let end = s.find([' ', '\t']).unwrap_or(s.len());
    Ok(Some((s[..end].to_string(), &s[end..])))
}

/// Key type names that start the key field (anything else in that position is options).
fn looks_like_key_type(tok: &str) -> bool {
    tok.starts_with("ssh-")
        || tok.starts_with("ecdsa-sha2-")
        || tok.starts_with("sk-ssh-")
        || tok.starts_with("sk-ecdsa-")
}

fn parse_line(raw: &str) -> Result<Parsed, LineError> {
    let line = raw.trim_start_matches([' ', '\t']).trim_end_matches('\r');
    if line.is_empty() || line.starts_with('#') {
        return Ok(Parsed::Blank);
    }
    let (principals, rest) = next_token(line)?.ok_or(LineError::MissingPrincipals)?;
    if principals.is_empty() {
        return Err(LineError::EmptyPrincipals);
    }
    let rest = rest.trim_start_matches([' ', '\t']);
    if rest.is_empty() {
        return Err(LineError::MissingKey);
    }
    let first_end = rest.find([' ', '\t']).unwrap_or(rest.len());
    let (opts, key_text) = if looks_like_key_type(&rest[..first_end]) {
        (None, rest)
    } else {
        let (opts, after) = split_options(rest)?;
        let after = after.trim_start_matches([' ', '\t']);
        if after.is_empty() {
            return Err(LineError::MissingKeyAfterOptions);
        }
        (Some(opts), after)
    };
    let mut signer = AllowedSigner {
        source: PathBuf::new(),
        line: 0,
        principals,
        namespaces: None,
        valid_after: None,
        valid_before: None,
        // Replaced below; parse the key first so the error order matches ssh-keygen's.
        key: parse_key(key_text)?,
    };
    let mut cert_authority = false;
    for (name, value) in opts.unwrap_or_default() {
        let lower = name.to_ascii_lowercase();
        match (lower.as_str(), value) {
            ("cert-authority", None) => cert_authority = true,
            ("namespaces", Some(v)) => {
                if signer.namespaces.replace(v).is_some() {
                    return Err(LineError::MultipleNamespaces);
                }
            }
            ("valid-after" | "valid-before", Some(v)) => {
                let t = parse_ssh_time(&v).ok_or_else(|| LineError::Time {
                    option: lower.clone(),
                    value: v.clone(),
                })?;
                let slot = if lower == "valid-after" {
                    &mut signer.valid_after
                } else {
                    &mut signer.valid_before
                };
                if slot.replace(t).is_some() {
                    return Err(LineError::MultipleTimes(lower));
                }
            }
            ("cert-authority", Some(_)) => return Err(LineError::CertAuthorityValue),
            ("namespaces" | "valid-after" | "valid-before", None) => {
                return Err(LineError::NeedsValue(name))
            }
            _ => return Err(LineError::UnknownOption(name)),
        }
    }
    if let (Some(a), Some(b)) = (signer.valid_after, signer.valid_before) {
        if b <= a {
            return Err(LineError::WindowInverted);
        }
    }
    if cert_authority {
        return Ok(Parsed::CertAuthority);
    }
    Ok(Parsed::Signer(Box::new(signer)))
}

/// Parses `keytype base64 [comment]`.
fn parse_key(text: &str) -> Result<PublicKey, LineError> {
    let mut parts = text.split([' ', '\t']).filter(|p| !p.is_empty());
    let ty = parts.next().ok_or(LineError::MissingKey)?;
    let b64 = parts
        .next()
        .ok_or_else(|| LineError::NoKeyData(ty.to_string()))?;
    let key =
        PublicKey::from_openssh(&format!("{ty} {b64}")).map_err(|e| LineError::InvalidKey {
            ty: ty.to_string(),
            detail: e.to_string(),
        })?;
    if key.algorithm().as_str() != ty {
        return Err(LineError::KeyTypeMismatch {
            ty: ty.to_string(),
            actual: key.algorithm().to_string(),
        });
    }
    Ok(key)
}

/// Splits the options field: `name[=value]` items separated by commas, values optionally
/// double-quoted (quoted values may contain commas and spaces). Returns the options and the
/// text after the field.
#[allow(clippy::type_complexity)]
fn split_options(s: &str) -> Result<(Vec<(String, Option<String>)>, &str), LineError> {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    loop {
        let start = i;
        while i < bytes.len() && !matches!(bytes[i], b'=' | b',' | b' ' | b'\t' | b'"') {
            i += 1;
        }
        let name = &s[start..i];
        if name.is_empty() {
            return Err(LineError::EmptyOptionName);
        }
        let mut value = None;
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            if i < bytes.len() && bytes[i] == b'"' {
                i += 1;
                let vstart = i;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += 1;
                }
                if i >= bytes.len() {
                    return Err(LineError::UnterminatedOption(name.to_string()));
                }
                value = Some(s[vstart..i].to_string());
                i += 1;
            } else {
                let vstart = i;
                while i < bytes.len() && !matches!(bytes[i], b',' | b' ' | b'\t' | b'"') {
                    i += 1;
                }
                value = Some(s[vstart..i].to_string());
            }
        } else if i < bytes.len() && bytes[i] == b'"' {
            return Err(LineError::UnexpectedQuote(name.to_string()));
        }
        out.push((name.to_string(), value));
        if i >= bytes.len() || matches!(bytes[i], b' ' | b'\t') {
            return Ok((out, &s[i..]));
        }
        if bytes[i] != b',' {
            return Err(LineError::AfterOption(name.to_string()));
        }
        i += 1;
        if i >= bytes.len() || matches!(bytes[i], b' ' | b'\t') {
            return Err(LineError::TrailingComma);
        }
    }
}

/// ssh's `match_pattern` (`*` any run, `?` any one character).
fn match_pattern(s: &str, pat: &str) -> bool {
    fn go(s: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some(('*', rest)) => (0..=s.len()).any(|i| go(&s[i..], rest)),
            Some(('?', rest)) => !s.is_empty() && go(&s[1..], rest),
            Some((c, rest)) => s.first() == Some(c) && go(&s[1..], rest),
        }
    }
    let s: Vec<char> = s.chars().collect();
    let p: Vec<char> = pat.chars().collect();
    go(&s, &p)
}

/// ssh's `match_pattern_list`: comma-separated patterns, `!pattern` negates and a
/// negated match wins.
pub(crate) fn match_pattern_list(s: &str, list: &str) -> bool {
    let mut matched = false;
    for pat in list.split(',') {
        if let Some(neg) = pat.strip_prefix('!') {
            if match_pattern(s, neg) {
                return false;
            }
        } else if match_pattern(s, pat) {
            matched = true;
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIBBj/pU45WbBqc58+3ADtrMb4dnNqpE94CQZ+nuy6ID";

    const RSA: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCjZWlhX3GH7YVfspVlRMFiO8ibbSHFHamPUU6aHoyvC7OtgM7R9hK5E3x1URF6OFYWHvX+/oSGXVU9RgCfA1OhdXZ8eT1EY5a9REWcWDfNpzbxaaqzdqnV8Ew+q9YPoSYTB2u+Erj2kEiSqOZdnqgaMXs1ZyPHRvbwnWDEyduGH3FJtFqZ+U4PWhX4RmB371lNmycvtxUqDZTMn2ZfuoF7pwr1Qb2WZRYNwi59mflBY+Agj9MrSFV/YtST8rVzqfg7Vqs3TdKga1EZrFDGkhRpbpgVzIA5b12yXB0SOMtM4lXtO64bLFoQO5y/JGI5TjO46uGBTsPdljBSgdbT1UEH";
    const ECDSA: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBJ9pofMqDMSXEuJOWX8fIhaq+BIh4rciortPdoBBL66D2piEOclVNJJJToIM3/s0/TBjkPvy99sLgzoSJcFAH/w=";

    fn parse_err(text: &str) -> (usize, String) {
        match AllowedSigners::parse(text).unwrap_err() {
            AllowedSignersError::Line { line, reason, .. } => (line, reason.to_string()),
            e => panic!("{e}"),
        }
    }

    #[test]
    fn plain_and_comments() {
        let text = format!("# comment\n\n   \nalice@example.org {ED} alice's laptop\n");
        let s = AllowedSigners::parse(&text).unwrap();
        assert_eq!(s.signers().len(), 1);
        let a = &s.signers()[0];
        assert_eq!(a.line, 4);
        assert_eq!(a.principals, "alice@example.org");
        assert!(a.allows_namespace("git"));
        assert!(a.fingerprint().starts_with("SHA256:"));
    }

    #[test]
    fn options_quoted_and_wildcards() {
        let text = format!(
            "*@example.org,!mallory@example.org,b?b@x namespaces=\"git,file\",valid-after=\"20240101\",VALID-BEFORE=20250101Z {ED}\n\
             \"carol c\" namespaces=\"file, other\" {ED}\n"
        );
        let s = AllowedSigners::parse(&text).unwrap();
        let a = &s.signers()[0];
        assert!(a.matches_principal("alice@example.org"));
        assert!(!a.matches_principal("mallory@example.org"));
        assert!(a.matches_principal("bob@x"));
        assert!(!a.matches_principal("boob@x"));
        assert!(a.allows_namespace("git"));
        assert!(a.allows_namespace("file"));
        assert!(!a.allows_namespace("gitx"));
        assert_eq!(a.valid_after, Some(1_704_067_200));
        assert_eq!(a.valid_before, Some(1_735_689_600));
        assert_eq!(
            a.window(1_704_067_199),
            Window::NotYetValid {
                valid_after: 1_704_067_200
            }
        );
        assert_eq!(a.window(1_704_067_200), Window::Valid);
        assert_eq!(
            a.window(1_735_689_601),
            Window::Expired {
                valid_before: 1_735_689_600
            }
        );
        let c = &s.signers()[1];
        assert_eq!(c.principals, "carol c");
        assert!(!c.allows_namespace("git"));
        assert_eq!(c.namespaces.as_deref(), Some("file, other"));
    }

    #[test]
    fn cert_authority_is_ignored_with_a_note() {
        let text = format!("*@example.org cert-authority {ED}\nalice {ED}\n");
        let s = AllowedSigners::parse(&text).unwrap();
        assert_eq!(s.signers().len(), 1);
        assert_eq!(s.notes().len(), 1);
        assert_eq!(s.notes()[0].line, 1);
        assert!(s.notes()[0].message.contains("cert-authority"));
    }

    #[test]
    fn malformed_lines_name_the_line() {
        assert_eq!(parse_err(&format!("ok {ED}\nalice\n")).0, 2);
        let (line, reason) = parse_err(&format!("\n\nalice bogus=1 {ED}\n"));
        assert_eq!(line, 3);
        assert!(reason.contains("unknown option \"bogus\""), "{reason}");
        let (line, reason) = parse_err("# c\nalice ssh-ed25519 AAAAnotbase64!!\n");
        assert_eq!(line, 2);
        assert!(reason.contains("invalid key"), "{reason}");
        let (_, reason) = parse_err(&format!("alice valid-after=2024 {ED}\n"));
        assert!(reason.contains("valid-after"), "{reason}");
        let (_, reason) = parse_err(&format!("alice namespaces=\"git {ED}\n"));
        assert!(reason.contains("unterminated"), "{reason}");
        let (_, reason) = parse_err(&format!("alice namespaces=git,namespaces=file {ED}\n"));
        assert!(reason.contains("multiple"), "{reason}");
        let (_, reason) = parse_err(&format!(
            "alice valid-after=20250101,valid-before=20240101 {ED}\n"
        ));
        assert!(reason.contains("before"), "{reason}");
        let (_, reason) = parse_err("alice namespaces=git\n");
        assert!(reason.contains("missing key"), "{reason}");
        let (_, reason) = parse_err(&format!("\"alice {ED}\n"));
        assert!(reason.contains("unterminated"), "{reason}");
        let (_, reason) = parse_err(
            "alice ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIIBBj/pU45WbBqc58+3ADtrMb4dnNqpE94CQZ+nuy6ID\n",
        );
        assert!(reason.contains("invalid key of type ssh-rsa"), "{reason}");
        let (_, reason) = parse_err(&format!("alice namespaces=git, {ED}\n"));
        assert!(reason.contains("end of options"), "{reason}");
    }

    #[test]
    fn rsa_and_ecdsa_keys_parse() {
        let text = format!("a {RSA}\nb {ECDSA}\n");
        let s = AllowedSigners::parse(&text).unwrap();
        assert_eq!(s.signers()[0].key.algorithm().as_str(), "ssh-rsa");
        assert_eq!(
            s.signers()[1].key.algorithm().as_str(),
            "ecdsa-sha2-nistp256"
        );
    }

    #[test]
    fn pattern_lists() {
        assert!(match_pattern_list("git", "git,file"));
        assert!(match_pattern_list("git", "g*"));
        assert!(!match_pattern_list("git", "!git,*"));
        assert!(!match_pattern_list("git", ""));
    }
}
