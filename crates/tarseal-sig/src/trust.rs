//! The project trust file: which keys may sign for a project, when, and how many must.
//!
//! TOML, trusted-side (an operator-given path, or a `keyring` record of the log later;
//! never the repository being checked). Format, version 1:
//!
//! ```toml
//! # tarseal trust file
//! version = 1            # optional; only 1 exists
//! threshold = 2          # distinct keys that must sign (1 <= threshold <= number of keys)
//!
//! [[key]]
//! name = "Alice"                                           # optional label for messages
//! openpgp = "0123 4567 89AB CDEF 0123  4567 89AB CDEF 0123 4567"  # primary fingerprint
//! valid_after = 2024-01-01T00:00:00Z                       # optional, RFC 3339 (TOML
//! valid_before = "2026-01-01T00:00:00+02:00"               # date-time or string), with offset
//!
//! [[key]]
//! name = "Bob"
//! ssh = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA... bob@laptop"  # one allowed key
//! principals = ["bob@example.org"]                          # required for ssh keys
//! ```
//!
//! Rules: every table and field is checked (an unknown field is an error, so a typo such as
//! `valid_befor` cannot silently drop a restriction); each key names exactly one of
//! `openpgp` (a v4 40-hex or v6 64-hex primary fingerprint; spaces allowed, as gpg prints
//! them) or `ssh` (`keytype base64 [comment]`); a key may not appear twice (it would count
//! twice towards the threshold); `valid_before` must be after `valid_after`; times need an
//! offset (a local date-time names no instant). The window applies to the time a signature
//! is judged at (the OpenPGP signature's creation time, bounded by the log time; for SSH
//! the tagger or log time).
//!
//! The trust file names keys; the OpenPGP certificates themselves come from a keyring
//! (`gpg --export`), because a fingerprint alone cannot verify anything.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Deserialize;
use ssh_key::PublicKey;

use crate::time::{system_time, unix_from_toml};
use crate::verify::SigStatus;

/// A trust file that failed to load. Names the file and the key at fault.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The file could not be read.
    #[error("cannot read trust file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// TOML syntax, a wrong type, an unknown or missing field.
    #[error("trust file {path}: {detail}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// toml's message (with line and column).
        detail: String,
    },
    /// A key entry is invalid.
    #[error("trust file {path}: key #{index}{}: {detail}", name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default())]
    Key {
        /// The file.
        path: PathBuf,
        /// 1-based position of the `[[key]]` table.
        index: usize,
        /// Its `name`, if any.
        name: Option<String>,
        /// What is wrong.
        detail: String,
    },
    /// The threshold cannot be met or is zero.
    #[error("trust file {path}: threshold {threshold} must be between 1 and the number of keys ({keys})")]
    Threshold {
        /// The file.
        path: PathBuf,
        /// The threshold given.
        threshold: u64,
        /// The number of keys.
        keys: usize,
    },
    /// Unsupported format version.
    #[error("trust file {path}: unsupported version {version} (this tarseal reads version 1)")]
    Version {
        /// The file.
        path: PathBuf,
        /// The version given.
        version: u64,
    },
}

/// Which key a trust entry names.
#[derive(Debug, Clone, PartialEq)]
pub enum TrustedKeyId {
    /// An OpenPGP certificate, by primary fingerprint (uppercase hex, no spaces).
    OpenPgp {
        /// Uppercase hex.
        fingerprint: String,
    },
    /// An SSH public key with its principals.
    Ssh {
        /// The key.
        key: Box<PublicKey>,
        /// Who the key belongs to (for messages and allowed_signers export).
        principals: Vec<String>,
    },
}

/// One key of the trust file.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustedKey {
    /// The label, if given.
    pub name: Option<String>,
    /// The key.
    pub id: TrustedKeyId,
    /// Signatures judged before this time do not count.
    pub valid_after: Option<SystemTime>,
    /// Signatures judged after this time do not count.
    pub valid_before: Option<SystemTime>,
}

impl TrustedKey {
    /// Whether a signature judged at `time` falls inside the key's window.
    pub fn valid_at(&self, time: SystemTime) -> bool {
        self.valid_after.is_none_or(|a| time >= a) && self.valid_before.is_none_or(|b| time <= b)
    }
}

/// A parsed, validated trust file.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustFile {
    /// Distinct keys that must sign.
    pub threshold: usize,
    /// The keys, in file order.
    pub keys: Vec<TrustedKey>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: Option<u64>,
    threshold: u64,
    #[serde(default)]
    key: Vec<RawKey>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKey {
    name: Option<String>,
    openpgp: Option<String>,
    ssh: Option<String>,
    principals: Option<Vec<String>>,
    valid_after: Option<RawTime>,
    valid_before: Option<RawTime>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawTime {
    Toml(toml::value::Datetime),
    Text(String),
}

/// A `valid_after`/`valid_before` value that is not a usable instant.
#[derive(Debug, thiserror::Error)]
enum TimeFieldError {
    #[error("{field} \"{text}\" is not an RFC 3339 date-time: {source}")]
    Syntax {
        field: &'static str,
        text: String,
        source: toml::value::DatetimeParseError,
    },
    #[error("{field} {value} must be a full date-time with an offset, e.g. 2024-01-01T00:00:00Z")]
    NoOffset {
        field: &'static str,
        value: toml::value::Datetime,
    },
}

impl RawTime {
    fn resolve(&self, field: &'static str) -> Result<SystemTime, TimeFieldError> {
        let dt = match self {
            RawTime::Toml(dt) => *dt,
            RawTime::Text(s) => {
                s.parse::<toml::value::Datetime>()
                    .map_err(|e| TimeFieldError::Syntax {
                        field,
                        text: s.clone(),
                        source: e,
                    })?
            }
        };
        unix_from_toml(&dt)
            .map(system_time)
            .ok_or(TimeFieldError::NoOffset { field, value: dt })
    }
}

impl TrustFile {
    /// Reads and validates a trust file.
    pub fn from_file(path: &Path) -> Result<Self, TrustError> {
        let text = std::fs::read_to_string(path).map_err(|source| TrustError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses and validates trust-file text (`source` names it in errors).
    pub fn parse(text: &str, source: &Path) -> Result<Self, TrustError> {
        let path = source.to_owned();
        let raw: RawFile = toml::from_str(text).map_err(|e| TrustError::Syntax {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        if let Some(v) = raw.version.filter(|&v| v != 1) {
            return Err(TrustError::Version { path, version: v });
        }
        let mut keys: Vec<TrustedKey> = Vec::new();
        for (i, k) in raw.key.into_iter().enumerate() {
            let err = |detail: String| TrustError::Key {
                path: path.clone(),
                index: i + 1,
                name: k.name.clone(),
                detail,
            };
            let id = match (&k.openpgp, &k.ssh) {
                (Some(fpr), None) => {
                    if k.principals.is_some() {
                        return Err(err("principals apply to ssh keys only".into()));
                    }
                    let hex: String = fpr.chars().filter(|c| !c.is_whitespace()).collect();
                    if !(hex.len() == 40 || hex.len() == 64)
                        || !hex.chars().all(|c| c.is_ascii_hexdigit())
                    {
                        return Err(err(format!(
                            "openpgp \"{fpr}\" is not a fingerprint (40 or 64 hex digits; a short key id is not enough)"
                        )));
                    }
                    TrustedKeyId::OpenPgp {
                        fingerprint: hex.to_ascii_uppercase(),
                    }
                }
                (None, Some(line)) => {
                    let key = PublicKey::from_openssh(line.trim())
                        .map_err(|e| err(format!("ssh key does not parse: {e}")))?;
                    let principals = k.principals.clone().unwrap_or_default();
                    if principals.is_empty() || principals.iter().any(|p| p.trim().is_empty()) {
                        return Err(err("an ssh key needs non-empty principals".into()));
                    }
                    TrustedKeyId::Ssh {
                        key: Box::new(key),
                        principals,
                    }
                }
                (Some(_), Some(_)) => {
                    return Err(err("give either openpgp or ssh, not both".into()))
                }
                (None, None) => return Err(err("missing openpgp or ssh".into())),
            };
            let valid_after = k
                .valid_after
                .as_ref()
                .map(|t| t.resolve("valid_after"))
                .transpose()
                .map_err(|e| err(e.to_string()))?;
            let valid_before = k
                .valid_before
                .as_ref()
                .map(|t| t.resolve("valid_before"))
                .transpose()
                .map_err(|e| err(e.to_string()))?;
            if let (Some(a), Some(b)) = (valid_after, valid_before) {
                if b <= a {
                    return Err(err("valid_before must be after valid_after".into()));
                }
            }
            if let Some(j) = keys.iter().position(|o| same_key(&o.id, &id)) {
                return Err(err(format!(
                    "the same key as key #{} (it would count twice)",
                    j + 1
                )));
            }
            keys.push(TrustedKey {
                name: k.name,
                id,
                valid_after,
                valid_before,
            });
        }
        if raw.threshold == 0 || raw.threshold > keys.len() as u64 {
            return Err(TrustError::Threshold {
                path,
                threshold: raw.threshold,
                keys: keys.len(),
            });
        }
        Ok(TrustFile {
            threshold: raw.threshold as usize,
            keys,
        })
    }

    /// The entry for an OpenPGP primary fingerprint (hex, any case).
    pub fn openpgp_key(&self, fingerprint: &str) -> Option<&TrustedKey> {
        self.keys.iter().find(|k| {
            matches!(&k.id, TrustedKeyId::OpenPgp { fingerprint: f } if f.eq_ignore_ascii_case(fingerprint))
        })
    }

    /// The entry for an SSH key.
    pub fn ssh_key(&self, key: &ssh_key::public::KeyData) -> Option<&TrustedKey> {
        self.keys
            .iter()
            .find(|k| matches!(&k.id, TrustedKeyId::Ssh { key: pk, .. } if pk.key_data() == key))
    }

    /// Distinct trusted keys among good OpenPGP signatures whose creation time falls in
    /// the key's window: the number to compare with [`TrustFile::threshold`].
    pub fn count_trusted(&self, statuses: &[SigStatus]) -> usize {
        self.count_trusted_by(
            statuses
                .iter()
                .filter_map(SigStatus::good)
                .map(|g| (g, g.created)),
        )
    }

    /// As [`TrustFile::count_trusted`], but each signature's window is judged at the time
    /// paired with it instead of its creation time (the signer's claim): a time the signer
    /// does not choose, such as when the log first recorded the signature. Pair each
    /// status with the same time given to `tarseal_sig::judge_as_of` for it.
    pub fn count_trusted_as_of(&self, judged: &[(SigStatus, SystemTime)]) -> usize {
        self.count_trusted_by(judged.iter().filter_map(|(s, t)| s.good().map(|g| (g, *t))))
    }

    fn count_trusted_by<'a>(
        &self,
        goods: impl Iterator<Item = (&'a crate::verify::GoodSignature, SystemTime)>,
    ) -> usize {
        let mut seen: Vec<&str> = Vec::new();
        for (g, at) in goods {
            if let Some(k) = self.openpgp_key(&g.key.primary) {
                if k.valid_at(at) && !seen.contains(&g.key.primary.as_str()) {
                    seen.push(&g.key.primary);
                }
            }
        }
        seen.len()
    }
}

fn same_key(a: &TrustedKeyId, b: &TrustedKeyId) -> bool {
    match (a, b) {
        (TrustedKeyId::OpenPgp { fingerprint: x }, TrustedKeyId::OpenPgp { fingerprint: y }) => {
            x == y
        }
        (TrustedKeyId::Ssh { key: x, .. }, TrustedKeyId::Ssh { key: y, .. }) => {
            x.key_data() == y.key_data()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FPR: &str = "0123 4567 89AB CDEF 0123  4567 89AB CDEF 0123 4567";
    const ED: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIBBj/pU45WbBqc58+3ADtrMb4dnNqpE94CQZ+nuy6ID bob@laptop";

    fn parse(text: &str) -> Result<TrustFile, TrustError> {
        TrustFile::parse(text, Path::new("trust.toml"))
    }

    #[test]
    fn full_file() {
        let t = parse(&format!(
            "version = 1\nthreshold = 2\n\n[[key]]\nname = \"Alice\"\nopenpgp = \"{FPR}\"\nvalid_after = 2024-01-01T00:00:00Z\nvalid_before = \"2026-01-01T02:00:00+02:00\"\n\n[[key]]\nname = \"Bob\"\nssh = \"{ED}\"\nprincipals = [\"bob@example.org\"]\n"
        ))
        .unwrap();
        assert_eq!(t.threshold, 2);
        assert_eq!(t.keys.len(), 2);
        let a = t
            .openpgp_key("0123456789abcdef0123456789abcdef01234567")
            .unwrap();
        assert_eq!(a.name.as_deref(), Some("Alice"));
        assert_eq!(a.valid_before, Some(system_time(1_767_225_600)));
        assert!(a.valid_at(system_time(1_750_000_000)));
        assert!(!a.valid_at(system_time(1_700_000_000)));
        assert!(!a.valid_at(system_time(1_767_225_601)));
        assert!(
            matches!(&t.keys[1].id, TrustedKeyId::Ssh { principals, .. } if principals == &["bob@example.org"])
        );
    }

    fn good(primary: &str, created: SystemTime) -> SigStatus {
        SigStatus::Good(crate::verify::GoodSignature {
            key: crate::verify::KeyIds {
                key: primary.into(),
                primary: primary.into(),
            },
            user_id: None,
            created,
            hash_algo: "SHA512".into(),
        })
    }

    #[test]
    fn windows_judged_at_the_given_time_not_the_creation_time() {
        let fpr = "0123456789ABCDEF0123456789ABCDEF01234567";
        let t = parse(&format!(
            "threshold = 1\n[[key]]\nopenpgp = \"{fpr}\"\nvalid_before = 2021-01-01T00:00:00Z\n"
        ))
        .unwrap();
        let (in_window, after) = (system_time(1_600_000_000), system_time(1_700_000_000));
        // Back-dated into the window, first recorded after it closed: does not count.
        let back_dated = good(fpr, in_window);
        assert_eq!(t.count_trusted(std::slice::from_ref(&back_dated)), 1);
        assert_eq!(t.count_trusted_as_of(&[(back_dated.clone(), after)]), 0);
        // Recorded inside the window: counts, once per key.
        assert_eq!(
            t.count_trusted_as_of(&[(back_dated.clone(), in_window), (back_dated, in_window)]),
            1
        );
        // Statuses that are not good never count.
        let bad = SigStatus::Malformed { detail: "x".into() };
        assert_eq!(t.count_trusted_as_of(&[(bad, in_window)]), 0);
    }

    #[test]
    fn rejections() {
        let one = format!("[[key]]\nopenpgp = \"{FPR}\"\n");
        assert!(matches!(
            parse(&format!("threshold = 0\n{one}")),
            Err(TrustError::Threshold { .. })
        ));
        assert!(matches!(
            parse(&format!("threshold = 2\n{one}")),
            Err(TrustError::Threshold { .. })
        ));
        assert!(matches!(
            parse("threshold = 1\n"),
            Err(TrustError::Threshold { keys: 0, .. })
        ));
        assert!(matches!(
            parse(&format!("version = 2\nthreshold = 1\n{one}")),
            Err(TrustError::Version { .. })
        ));
        let e = parse(&format!("threshold = 1\nthresold = 1\n{one}")).unwrap_err();
        assert!(
            matches!(e, TrustError::Syntax { .. }) && e.to_string().contains("thresold"),
            "{e}"
        );
        let e = parse(&format!(
            "threshold = 1\n{one}valid_befor = 2024-01-01T00:00:00Z\n"
        ))
        .unwrap_err();
        assert!(e.to_string().contains("valid_befor"), "{e}");
        let e =
            parse("threshold = 1\n[[key]]\nname = \"x\"\nopenpgp = \"89ABCDEF\"\n").unwrap_err();
        assert!(
            matches!(e, TrustError::Key { index: 1, .. }) && e.to_string().contains("(x)"),
            "{e}"
        );
        let e = parse(&format!("threshold = 1\n{one}{one}")).unwrap_err();
        assert!(e.to_string().contains("key #1"), "{e}");
        let e = parse(&format!("threshold = 1\n[[key]]\nssh = \"{ED}\"\n")).unwrap_err();
        assert!(e.to_string().contains("principals"), "{e}");
        let e = parse(&format!(
            "threshold = 1\n{one}valid_after = 2024-01-01T00:00:00\n"
        ))
        .unwrap_err();
        assert!(e.to_string().contains("offset"), "{e}");
        let e = parse(&format!(
            "threshold = 1\n{one}valid_after = 2025-01-01T00:00:00Z\nvalid_before = 2024-01-01T00:00:00Z\n"
        ))
        .unwrap_err();
        assert!(e.to_string().contains("after valid_after"), "{e}");
        let e = parse(&format!(
            "threshold = 1\n[[key]]\nopenpgp = \"{FPR}\"\nssh = \"{ED}\"\n"
        ))
        .unwrap_err();
        assert!(e.to_string().contains("not both"), "{e}");
    }
}
