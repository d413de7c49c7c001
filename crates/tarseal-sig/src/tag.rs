//! Verification of a git tag's signature, OpenPGP or SSH, against a [`Keyring`].
//!
//! Input is what `tarseal-git` hands over: the tag object's `signed_payload` (the object
//! without the signature block) and the `signature` block, split the way git splits them.
//!
//! * `-----BEGIN PGP SIGNATURE-----`: a detached OpenPGP signature over the payload,
//!   judged as in [`crate::verify`] (key state at the signature's creation time). The tag is
//!   accepted when at least one signature packet is good.
//! * `-----BEGIN SSH SIGNATURE-----`: SSHSIG in namespace `git`. The key must be on a line
//!   of the allowed_signers whose `namespaces` permit `git` and whose `valid-after` /
//!   `valid-before` window holds the **tagger time**: SSHSIG carries no timestamp, so, like
//!   git (which passes `-Overify-time=<tagger time>` to `ssh-keygen -Y verify`), the time the
//!   tag claims is the one judged. That time is the signer's claim; the reference time
//!   (`at`) bounds it (a tagger time after `at` is rejected as not yet valid). A tag without
//!   a tagger is judged at `at`.
//!
//! Principals are reported, not matched against the tagger's e-mail: git does not do that
//! either (it asks `ssh-keygen -Y find-principals` which principals the key has).

use std::fmt;
use std::path::PathBuf;
use std::time::SystemTime;

use ssh_key::{PublicKey, SshSig};

use crate::allowed_signers::Window;
use crate::keyring::Keyring;
use crate::time::{format_utc, system_time, unix_secs};
use crate::verify::{verify_detached, GoodSignature, KeyIds, KeyRole, SigStatus, VerifyError};

/// The SSHSIG namespace git signs tags and commits in.
pub const GIT_NAMESPACE: &str = "git";

/// Who signed an accepted tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagSigner {
    /// An OpenPGP signature verified.
    OpenPgp(GoodSignature),
    /// An SSH signature verified.
    Ssh(SshSigner),
}

impl fmt::Display for TagSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TagSigner::OpenPgp(g) => write!(f, "{}", SigStatus::Good(g.clone())),
            TagSigner::Ssh(s) => write!(f, "good SSH signature by {s}"),
        }
    }
}

/// The allowed_signers line that accepted an SSH signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshSigner {
    /// `SHA256:...`, as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    /// The key type, e.g. `ssh-ed25519`.
    pub algorithm: String,
    /// The principals field of the line.
    pub principals: String,
    /// The allowed_signers file and line.
    pub source: PathBuf,
    /// 1-based line number.
    pub line: usize,
}

impl fmt::Display for SshSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SSH key {} {} ({})",
            self.algorithm, self.fingerprint, self.principals
        )
    }
}

/// The key a rejection is about, so a message can name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyName {
    /// An OpenPGP key found in the keyring.
    OpenPgp(KeyIds),
    /// An OpenPGP issuer not in the keyring (key ids / fingerprints from the signature).
    OpenPgpIssuer(Vec<String>),
    /// An SSH key (`SHA256:...` fingerprint), with its principals when the keyring has it.
    Ssh {
        /// `SHA256:...`.
        fingerprint: String,
        /// The principals field of its allowed_signers line, when there is one.
        principals: Option<String>,
    },
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyName::OpenPgp(k) => write!(f, "{k}"),
            KeyName::OpenPgpIssuer(ids) if ids.is_empty() => write!(f, "an unnamed OpenPGP key"),
            KeyName::OpenPgpIssuer(ids) => write!(f, "OpenPGP key {}", ids.join(" / ")),
            KeyName::Ssh {
                fingerprint,
                principals: Some(p),
            } => write!(f, "SSH key {fingerprint} ({p})"),
            KeyName::Ssh {
                fingerprint,
                principals: None,
            } => write!(f, "SSH key {fingerprint}"),
        }
    }
}

/// Why a tag's signature was not accepted. Each variant names the key at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagRejection {
    /// The tag carries no signature block.
    #[error("the tag is not signed")]
    Unsigned,
    /// The signature block cannot be parsed (or is of an unsupported kind).
    #[error("the tag's signature cannot be read: {detail}")]
    Malformed {
        /// Why.
        detail: String,
    },
    /// The signing key is not in the keyring (allowed_signers, for SSH).
    #[error("the tag is signed by {key}, which is not in the keyring")]
    UnknownKey {
        /// The key.
        key: KeyName,
    },
    /// The cryptographic check failed: the tag object was changed after signing.
    #[error("BAD signature by {key} on the tag: the tag object was altered ({detail})")]
    BadSignature {
        /// The key.
        key: KeyName,
        /// What failed.
        detail: String,
    },
    /// The key had expired at the signing time (OpenPGP: signature creation time; SSH: the
    /// tagger time past `valid-before`).
    #[error("the tag's signing key {key} had expired: {detail}")]
    Expired {
        /// The key.
        key: KeyName,
        /// When and why.
        detail: String,
    },
    /// The key was not yet valid, or not valid for another reason, at the signing time.
    #[error("the tag's signing key {key} is not valid at the signing time: {detail}")]
    KeyNotValid {
        /// The key.
        key: KeyName,
        /// Why.
        detail: String,
    },
    /// The key is revoked (hard, or soft before the signature).
    #[error("the tag's signing key {key} is revoked: {detail}")]
    Revoked {
        /// The key.
        key: KeyName,
        /// Hard or soft, reason, time.
        detail: String,
    },
    /// The key that signed may not sign (OpenPGP subkey without the signing flag).
    #[error("the tag was signed by {key}, which is not signing-capable")]
    NotSigningCapable {
        /// The key.
        key: KeyName,
    },
    /// A hash or public-key algorithm the policy rejects (e.g. SHA-1).
    #[error("the tag's signature by {key} uses a rejected algorithm: {detail}")]
    WeakAlgorithm {
        /// The key.
        key: KeyName,
        /// What was rejected.
        detail: String,
    },
    /// SSH: the signature is not in namespace `git`, or the allowed_signers line does not
    /// permit `git`.
    #[error("the tag's SSH signature by {key} is not valid for namespace \"git\": {detail}")]
    WrongNamespace {
        /// The key.
        key: KeyName,
        /// The signature's namespace, or the line's `namespaces=`.
        detail: String,
    },
}

impl TagRejection {
    /// The key the rejection is about, if the signature named one.
    pub fn key(&self) -> Option<&KeyName> {
        match self {
            TagRejection::Unsigned | TagRejection::Malformed { .. } => None,
            TagRejection::UnknownKey { key }
            | TagRejection::BadSignature { key, .. }
            | TagRejection::Expired { key, .. }
            | TagRejection::KeyNotValid { key, .. }
            | TagRejection::Revoked { key, .. }
            | TagRejection::NotSigningCapable { key }
            | TagRejection::WeakAlgorithm { key, .. }
            | TagRejection::WrongNamespace { key, .. } => Some(key),
        }
    }
}

/// Verifies a tag's signature. `tagger_time` is the tag's tagger time in seconds since the
/// epoch (used for SSH validity windows); `at` is the reference time (`None` = now).
pub fn verify_tag(
    keyring: &Keyring,
    signed_payload: &[u8],
    signature: Option<&[u8]>,
    tagger_time: Option<i64>,
    at: Option<SystemTime>,
) -> Result<TagSigner, TagRejection> {
    let Some(signature) = signature.filter(|s| !s.iter().all(u8::is_ascii_whitespace)) else {
        return Err(TagRejection::Unsigned);
    };
    let start = signature
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    let head = &signature[start..];
    if head.starts_with(b"-----BEGIN SSH SIGNATURE-----") {
        verify_ssh(keyring, signed_payload, head, tagger_time, at)
    } else if head.starts_with(b"-----BEGIN PGP SIGNATURE-----") {
        verify_openpgp(keyring, signed_payload, head, at)
    } else {
        let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
        Err(TagRejection::Malformed {
            detail: format!(
                "unsupported signature block \"{}\" (want a PGP or SSH signature)",
                String::from_utf8_lossy(first).trim_end()
            ),
        })
    }
}

fn verify_openpgp(
    keyring: &Keyring,
    payload: &[u8],
    signature: &[u8],
    at: Option<SystemTime>,
) -> Result<TagSigner, TagRejection> {
    let statuses = match verify_detached(keyring, signature, payload, at) {
        Ok(s) => s,
        Err(VerifyError::Malformed { detail }) => return Err(TagRejection::Malformed { detail }),
        Err(VerifyError::Io(e)) => {
            return Err(TagRejection::Malformed {
                detail: e.to_string(),
            })
        }
    };
    // A tag signed before its key's expiry was extended (gpg keeps only the new binding):
    // judged with the oldest binding the certificate still has (the payload is small).
    let statuses: Vec<SigStatus> = statuses
        .iter()
        .map(|st| crate::verify::recheck_with_oldest_binding(keyring, st, signature, payload))
        .collect();
    if let Some(good) = statuses.iter().find_map(SigStatus::good) {
        return Ok(TagSigner::OpenPgp(good.clone()));
    }
    // No good signature: report the most telling failure (an unknown key only when no
    // signature names a key of the keyring).
    let worst = statuses
        .iter()
        .find(|s| !matches!(s, SigStatus::UnknownKey { .. }))
        .unwrap_or(&statuses[0]);
    Err(rejection_from_status(worst))
}

/// Maps an OpenPGP status (not `Good`) to the tag rejection that names the same key.
pub fn rejection_from_status(status: &SigStatus) -> TagRejection {
    let name = |k: &KeyIds| KeyName::OpenPgp(k.clone());
    match status {
        SigStatus::Good(g) => TagRejection::Malformed {
            detail: format!(
                "internal: good signature by {} mapped to a rejection",
                g.key
            ),
        },
        SigStatus::Bad { key, detail } => TagRejection::BadSignature {
            key: name(key),
            detail: detail.clone(),
        },
        SigStatus::Expired {
            key,
            role,
            expired_at,
            created,
            ..
        } => TagRejection::Expired {
            key: name(key),
            detail: format!(
                "{} expired {}, the signature was made {}",
                match role {
                    KeyRole::Primary => "the certificate",
                    KeyRole::Subkey => "the signing subkey",
                },
                expired_at.map_or_else(|| "earlier".into(), format_utc),
                format_utc(*created)
            ),
        },
        s @ SigStatus::Revoked { key, .. } => TagRejection::Revoked {
            key: name(key),
            detail: s.to_string(),
        },
        SigStatus::UnknownKey { issuers } => TagRejection::UnknownKey {
            key: KeyName::OpenPgpIssuer(issuers.clone()),
        },
        SigStatus::NotSigningCapable { key } => TagRejection::NotSigningCapable { key: name(key) },
        SigStatus::WeakAlgorithm { key, detail } => TagRejection::WeakAlgorithm {
            key: name(key),
            detail: detail.clone(),
        },
        s @ (SigStatus::NotAlive { key, .. } | SigStatus::InvalidKey { key, .. }) => {
            TagRejection::KeyNotValid {
                key: name(key),
                detail: s.to_string(),
            }
        }
        SigStatus::Malformed { detail } => TagRejection::Malformed {
            detail: detail.clone(),
        },
    }
}

fn verify_ssh(
    keyring: &Keyring,
    payload: &[u8],
    signature: &[u8],
    tagger_time: Option<i64>,
    at: Option<SystemTime>,
) -> Result<TagSigner, TagRejection> {
    let text = std::str::from_utf8(signature).map_err(|_| TagRejection::Malformed {
        detail: "SSH signature block is not UTF-8".into(),
    })?;
    let sig = SshSig::from_pem(text.trim()).map_err(|e| TagRejection::Malformed {
        detail: format!("SSH signature does not parse: {e}"),
    })?;
    let key = PublicKey::from(sig.public_key().clone());
    let fingerprint = key.fingerprint(ssh_key::HashAlg::Sha256).to_string();
    let lines: Vec<_> = keyring
        .allowed_signers()
        .lines_for_key(sig.public_key())
        .collect();
    let name = KeyName::Ssh {
        fingerprint: fingerprint.clone(),
        principals: lines.first().map(|l| l.principals.clone()),
    };
    if lines.is_empty() {
        return Err(TagRejection::UnknownKey { key: name });
    }
    if sig.namespace() != GIT_NAMESPACE {
        return Err(TagRejection::WrongNamespace {
            key: name,
            detail: format!(
                "the signature was made for namespace \"{}\"",
                sig.namespace()
            ),
        });
    }
    key.verify(GIT_NAMESPACE, payload, &sig)
        .map_err(|e| TagRejection::BadSignature {
            key: name.clone(),
            detail: e.to_string(),
        })?;
    let at_secs = unix_secs(at.unwrap_or_else(SystemTime::now));
    let when = tagger_time.unwrap_or(at_secs);
    let mut first_refusal = None;
    for line in &lines {
        let name = KeyName::Ssh {
            fingerprint: fingerprint.clone(),
            principals: Some(line.principals.clone()),
        };
        let place = format!("{}:{}", line.source.display(), line.line);
        let refusal = if !line.allows_namespace(GIT_NAMESPACE) {
            Some(TagRejection::WrongNamespace {
                key: name,
                detail: format!(
                    "{place} restricts it to namespaces=\"{}\"",
                    line.namespaces.as_deref().unwrap_or_default()
                ),
            })
        } else if when > at_secs {
            Some(TagRejection::KeyNotValid {
                key: name,
                detail: format!(
                    "the tagger time {} is after the reference time {}",
                    format_utc(system_time(when)),
                    format_utc(system_time(at_secs))
                ),
            })
        } else {
            match line.window(when) {
                Window::Valid => None,
                Window::Expired { valid_before } => Some(TagRejection::Expired {
                    key: name,
                    detail: format!(
                        "{place}: valid-before {}, tagger time {}",
                        format_utc(system_time(valid_before)),
                        format_utc(system_time(when))
                    ),
                }),
                Window::NotYetValid { valid_after } => Some(TagRejection::KeyNotValid {
                    key: name,
                    detail: format!(
                        "{place}: valid-after {}, tagger time {}",
                        format_utc(system_time(valid_after)),
                        format_utc(system_time(when))
                    ),
                }),
            }
        };
        match refusal {
            None => {
                return Ok(TagSigner::Ssh(SshSigner {
                    fingerprint,
                    algorithm: key.algorithm().to_string(),
                    principals: line.principals.clone(),
                    source: line.source.clone(),
                    line: line.line,
                }))
            }
            Some(r) => {
                first_refusal.get_or_insert(r);
            }
        }
    }
    Err(first_refusal.expect("at least one line"))
}
