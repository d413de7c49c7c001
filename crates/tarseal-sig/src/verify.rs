//! Verification of detached OpenPGP signatures over a byte stream.
//!
//! [`verify_detached`] streams the data once through sequoia's `DetachedVerifier` (memory
//! stays bounded whatever the file's size) and returns **one [`SigStatus`] per signature
//! packet**, so a file co-signed by several maintainers reports each of them, and a caller
//! can count distinct good keys for a threshold ([`count_distinct_keys`]).
//!
//! When a key counts as valid: sequoia's `StandardPolicy`, with the key's state judged **at
//! the signature's creation time** — a key that expired after it signed still vouches for
//! what it signed; a key that had expired when it signed does not. Revocations: a *hard*
//! revocation (key compromised, or no/unspecified reason) voids every signature the key
//! ever made; a *soft* one (superseded, retired, user id no longer valid) voids only
//! signatures made after it. Because the creation time is the signer's claim, the caller
//! bounds it with the reference time `at`: a signature "made" after `at` is rejected
//! ([`SigStatus::NotAlive`]). The gate passes the log time there, so a stolen key cannot
//! back-date a signature to before its revocation... except when the revocation is soft,
//! which is the meaning of soft.

use std::fmt;
use std::io::Read;
use std::time::SystemTime;

use openpgp::cert::prelude::*;
use openpgp::packet::Signature;
use openpgp::parse::stream::{
    DetachedVerifierBuilder, MessageLayer, MessageStructure, VerificationError, VerificationHelper,
};
use openpgp::parse::Parse;
use openpgp::policy::StandardPolicy;
use openpgp::types::{RevocationStatus, RevocationType};
use openpgp::{Cert, KeyHandle};
use sequoia_openpgp as openpgp;

use crate::keyring::Keyring;
use crate::time::format_utc;

/// The key that made (or claims to have made) a signature.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyIds {
    /// Fingerprint (uppercase hex) of the key that made the signature: the signing subkey,
    /// or the primary key when it signed itself.
    pub key: String,
    /// Fingerprint of the certificate's primary key: the identity that counts for a
    /// threshold and that a keyring lists.
    pub primary: String,
}

impl fmt::Display for KeyIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key == self.primary {
            write!(f, "OpenPGP key {}", self.key)
        } else {
            write!(f, "OpenPGP subkey {} of {}", self.key, self.primary)
        }
    }
}

/// A signature that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoodSignature {
    /// Who signed.
    pub key: KeyIds,
    /// The certificate's primary user id (at the signature time), if it has one.
    pub user_id: Option<String>,
    /// The signature's creation time (the signer's claim, bounded by the reference time).
    pub created: SystemTime,
    /// The hash algorithm, e.g. `SHA512`.
    pub hash_algo: String,
}

/// Which key of a certificate a status is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    /// The certificate's primary key (or the certificate as a whole).
    Primary,
    /// The subkey that made the signature.
    Subkey,
}

/// The outcome for one signature packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigStatus {
    /// Cryptographically valid, by a valid signing-capable key of the keyring.
    Good(GoodSignature),
    /// The cryptographic check failed: the data (or the signature) was changed.
    Bad {
        /// The key the signature names.
        key: KeyIds,
        /// What failed.
        detail: String,
    },
    /// The primary key or the signing subkey had expired when the signature was made.
    Expired {
        /// The key the signature names.
        key: KeyIds,
        /// Which of the two had expired.
        role: KeyRole,
        /// When it expired, if known.
        expired_at: Option<SystemTime>,
        /// The signature's creation time.
        created: SystemTime,
    },
    /// The certificate or the signing subkey is revoked: hard (compromised, unspecified)
    /// for every signature, soft (superseded, retired) for signatures made after it.
    Revoked {
        /// The key the signature names.
        key: KeyIds,
        /// Whether the certificate or only the subkey is revoked.
        role: KeyRole,
        /// Hard revocation (key compromised or no/unspecified reason).
        hard: bool,
        /// The reason code as text (`KeyCompromised`, `KeySuperseded`, ...).
        reason: String,
        /// The human-readable message in the revocation, if any.
        message: String,
        /// When the revocation was made.
        revoked_at: Option<SystemTime>,
        /// The signature's creation time.
        created: SystemTime,
    },
    /// No key in the keyring has the signature's issuer.
    UnknownKey {
        /// The issuer key ids / fingerprints the signature names (uppercase hex).
        issuers: Vec<String>,
    },
    /// The key that signed has no signing capability (e.g. an encryption subkey).
    NotSigningCapable {
        /// The key the signature names.
        key: KeyIds,
    },
    /// The signature's hash algorithm (SHA-1, MD5...) or the key's public-key algorithm
    /// or binding is rejected by sequoia's `StandardPolicy` at the signature time.
    WeakAlgorithm {
        /// The key the signature names.
        key: KeyIds,
        /// What the policy rejected.
        detail: String,
    },
    /// The signature claims to be made after the reference time (or has expired itself).
    NotAlive {
        /// The key the signature names.
        key: KeyIds,
        /// The signature's creation time.
        created: SystemTime,
        /// Why.
        detail: String,
    },
    /// The key was not valid at the signature time for another reason (e.g. the signature
    /// predates the key, or the key has no valid binding at that time).
    InvalidKey {
        /// The key the signature names.
        key: KeyIds,
        /// Why.
        detail: String,
    },
    /// The signature packet cannot be used (no creation time, unknown version...).
    Malformed {
        /// Why.
        detail: String,
    },
}

impl SigStatus {
    /// The good signature, if this is one.
    pub fn good(&self) -> Option<&GoodSignature> {
        match self {
            SigStatus::Good(g) => Some(g),
            _ => None,
        }
    }

    /// The key this status is about, when the keyring had it.
    pub fn key(&self) -> Option<&KeyIds> {
        match self {
            SigStatus::Good(g) => Some(&g.key),
            SigStatus::Bad { key, .. }
            | SigStatus::Expired { key, .. }
            | SigStatus::Revoked { key, .. }
            | SigStatus::NotSigningCapable { key }
            | SigStatus::WeakAlgorithm { key, .. }
            | SigStatus::NotAlive { key, .. }
            | SigStatus::InvalidKey { key, .. } => Some(key),
            SigStatus::UnknownKey { .. } | SigStatus::Malformed { .. } => None,
        }
    }
}

impl fmt::Display for SigStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigStatus::Good(g) => {
                write!(f, "good signature by {}", g.key)?;
                if let Some(uid) = &g.user_id {
                    write!(f, " \"{uid}\"")?;
                }
                write!(f, " made {}", format_utc(g.created))
            }
            SigStatus::Bad { key, detail } => {
                write!(f, "BAD signature by {key}: the signed data or the signature was altered ({detail})")
            }
            SigStatus::Expired {
                key,
                role,
                expired_at,
                created,
            } => {
                let what = match role {
                    KeyRole::Primary => "the certificate",
                    KeyRole::Subkey => "the signing subkey",
                };
                write!(
                    f,
                    "signature by {key} made {} after {what} expired",
                    format_utc(*created)
                )?;
                if let Some(t) = expired_at {
                    write!(f, " (expired {})", format_utc(*t))?;
                }
                Ok(())
            }
            SigStatus::Revoked {
                key,
                role,
                hard,
                reason,
                message,
                revoked_at,
                created,
            } => {
                let what = match role {
                    KeyRole::Primary => "certificate",
                    KeyRole::Subkey => "signing subkey",
                };
                let kind = if *hard { "hard" } else { "soft" };
                write!(
                    f,
                    "signature by {key}: the {what} is revoked ({kind}, reason {reason}"
                )?;
                if !message.is_empty() {
                    write!(f, ": \"{message}\"")?;
                }
                write!(f, ")")?;
                if let Some(t) = revoked_at {
                    write!(f, " since {}", format_utc(*t))?;
                }
                write!(f, "; signature made {}", format_utc(*created))
            }
            SigStatus::UnknownKey { issuers } => {
                if issuers.is_empty() {
                    write!(f, "signature names no issuer key; cannot find a key for it")
                } else {
                    write!(
                        f,
                        "signature by unknown key {}: not in the keyring",
                        issuers.join(" / ")
                    )
                }
            }
            SigStatus::NotSigningCapable { key } => {
                write!(f, "signature by {key}, which is not a signing-capable key")
            }
            SigStatus::WeakAlgorithm { key, detail } => {
                write!(
                    f,
                    "signature by {key} uses an algorithm the policy rejects: {detail}"
                )
            }
            SigStatus::NotAlive {
                key,
                created,
                detail,
            } => write!(
                f,
                "signature by {key} made {} is not valid at the reference time: {detail}",
                format_utc(*created)
            ),
            SigStatus::InvalidKey { key, detail } => {
                write!(
                    f,
                    "signature by {key}: the key is not valid at the signature time: {detail}"
                )
            }
            SigStatus::Malformed { detail } => write!(f, "unusable signature packet: {detail}"),
        }
    }
}

/// The detached signature itself, or reading the data, failed: no per-signature verdict.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The signature file is not an OpenPGP signature (or holds no signature packet).
    #[error("not a detached OpenPGP signature: {detail}")]
    Malformed {
        /// What sequoia reported.
        detail: String,
    },
    /// Reading the signed data failed.
    #[error("reading the signed data: {0}")]
    Io(#[from] std::io::Error),
}

/// Verifies a detached OpenPGP signature (armored or binary, one or more signature packets)
/// over `data`, streaming. `at` is the reference time (`None` = now): signatures claiming a
/// later creation time are rejected.
pub fn verify_detached<R: Read + Send + Sync>(
    keyring: &Keyring,
    signature: &[u8],
    data: R,
    at: Option<SystemTime>,
) -> Result<Vec<SigStatus>, VerifyError> {
    let policy = StandardPolicy::new();
    let at = at.unwrap_or_else(SystemTime::now);
    let helper = Helper {
        certs: keyring.certs(),
        statuses: Vec::new(),
        at,
    };
    let malformed = |e: anyhow::Error| VerifyError::Malformed {
        detail: format!("{e:#}"),
    };
    let mut verifier = DetachedVerifierBuilder::from_bytes(signature)
        .map_err(malformed)?
        .with_policy(&policy, Some(at), helper)
        .map_err(malformed)?;
    if let Err(e) = verifier.verify_reader(data) {
        return Err(match e.downcast::<std::io::Error>() {
            Ok(io) => VerifyError::Io(io),
            Err(e) => malformed(e),
        });
    }
    let statuses = verifier.into_helper().statuses;
    if statuses.is_empty() {
        return Err(VerifyError::Malformed {
            detail: "no signature packet".into(),
        });
    }
    Ok(statuses)
}

/// Counts the **distinct keys** among good signatures, for `--threshold K`: a subkey and
/// its primary are one key (the certificate), and a certificate that signed twice counts
/// once.
pub fn count_distinct_keys(statuses: &[SigStatus]) -> usize {
    let mut primaries: Vec<&str> = statuses
        .iter()
        .filter_map(|s| s.good().map(|g| g.key.primary.as_str()))
        .collect();
    primaries.sort_unstable();
    primaries.dedup();
    primaries.len()
}

struct Helper<'k> {
    certs: &'k [Cert],
    statuses: Vec<SigStatus>,
    at: SystemTime,
}

impl VerificationHelper for Helper<'_> {
    fn get_certs(&mut self, ids: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
        Ok(self
            .certs
            .iter()
            .filter(|c| {
                c.keys()
                    .any(|k| ids.iter().any(|id| id.aliases(k.key().key_handle())))
            })
            .cloned()
            .collect())
    }

    fn check(&mut self, structure: MessageStructure) -> openpgp::Result<()> {
        for layer in structure.into_iter() {
            if let MessageLayer::SignatureGroup { results } = layer {
                for r in results {
                    let status =
                        match r {
                            Ok(good) => SigStatus::Good(GoodSignature {
                                key: key_ids(good.ka.key().fingerprint().to_hex(), good.ka.cert()),
                                user_id: good.ka.valid_cert().primary_userid().ok().map(|u| {
                                    String::from_utf8_lossy(u.userid().value()).into_owned()
                                }),
                                created: good.sig.signature_creation_time().unwrap_or(self.at),
                                hash_algo: good.sig.hash_algo().to_string(),
                            }),
                            Err(e) => classify(e, self.at),
                        };
                    self.statuses.push(status);
                }
            }
        }
        Ok(())
    }
}

fn key_ids(key: String, cert: &Cert) -> KeyIds {
    KeyIds {
        key,
        primary: cert.fingerprint().to_hex(),
    }
}

fn is_policy_violation(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<openpgp::Error>(),
            Some(openpgp::Error::PolicyViolation(..))
        )
    })
}

/// The subkey (or primary) of `cert` that the signature names.
fn issuer_in(sig: &Signature, cert: &Cert) -> String {
    let issuers = sig.get_issuers();
    cert.keys()
        .find(|k| issuers.iter().any(|i| i.aliases(k.key().key_handle())))
        .map(|k| k.key().fingerprint().to_hex())
        .unwrap_or_else(|| cert.fingerprint().to_hex())
}

fn classify(e: VerificationError<'_>, at: SystemTime) -> SigStatus {
    match e {
        VerificationError::MissingKey { sig } => SigStatus::UnknownKey {
            issuers: sig.get_issuers().iter().map(|h| h.to_hex()).collect(),
        },
        VerificationError::UnboundKey { sig, cert, error } => {
            let key = key_ids(issuer_in(sig, cert), cert);
            if is_policy_violation(&error) {
                SigStatus::WeakAlgorithm {
                    key,
                    detail: format!("{error:#}"),
                }
            } else {
                SigStatus::InvalidKey {
                    key,
                    detail: format!("{error:#}"),
                }
            }
        }
        VerificationError::BadKey { sig, ka, error } => {
            let key = key_ids(ka.key().fingerprint().to_hex(), ka.cert());
            let created = sig.signature_creation_time().unwrap_or(at);
            let vc = ka.valid_cert();
            if vc.alive().is_err() {
                let exp = vc.primary_key().key_expiration_time();
                if exp.is_some_and(|t| t <= created) {
                    return SigStatus::Expired {
                        key,
                        role: KeyRole::Primary,
                        expired_at: exp,
                        created,
                    };
                }
                return SigStatus::InvalidKey {
                    key,
                    detail: format!("{error:#}"),
                };
            }
            if ka.alive().is_err() {
                let exp = ka.key_expiration_time();
                if exp.is_some_and(|t| t <= created) {
                    return SigStatus::Expired {
                        key,
                        role: if ka.primary() {
                            KeyRole::Primary
                        } else {
                            KeyRole::Subkey
                        },
                        expired_at: exp,
                        created,
                    };
                }
                return SigStatus::InvalidKey {
                    key,
                    detail: format!("{error:#}"),
                };
            }
            let revoked = |status: RevocationStatus<'_>, role| {
                if let RevocationStatus::Revoked(revs) = status {
                    let rev = revs.first()?;
                    let (reason, message) = match rev.reason_for_revocation() {
                        Some((r, m)) => (r, String::from_utf8_lossy(m).into_owned()),
                        None => (
                            openpgp::types::ReasonForRevocation::Unspecified,
                            String::new(),
                        ),
                    };
                    Some(SigStatus::Revoked {
                        key: key.clone(),
                        role,
                        hard: reason.revocation_type() == RevocationType::Hard,
                        reason: format!("{reason:?}"),
                        message,
                        revoked_at: rev.signature_creation_time(),
                        created,
                    })
                } else {
                    None
                }
            };
            if let Some(s) = revoked(vc.revocation_status(), KeyRole::Primary) {
                return s;
            }
            let role = if ka.primary() {
                KeyRole::Primary
            } else {
                KeyRole::Subkey
            };
            if let Some(s) = revoked(ka.revocation_status(), role) {
                return s;
            }
            if !ka.for_signing() {
                return SigStatus::NotSigningCapable { key };
            }
            SigStatus::InvalidKey {
                key,
                detail: format!("{error:#}"),
            }
        }
        VerificationError::BadSignature { sig, ka, error } => {
            let key = key_ids(ka.key().fingerprint().to_hex(), ka.cert());
            if is_policy_violation(&error) {
                SigStatus::WeakAlgorithm {
                    key,
                    detail: format!("{error:#}"),
                }
            } else if sig.signature_alive(at, None).is_err() {
                SigStatus::NotAlive {
                    key,
                    created: sig.signature_creation_time().unwrap_or(at),
                    detail: format!("{error:#}"),
                }
            } else {
                SigStatus::Bad {
                    key,
                    detail: format!("{error:#}"),
                }
            }
        }
        VerificationError::MalformedSignature { error, .. } => SigStatus::Malformed {
            detail: format!("{error:#}"),
        },
        VerificationError::UnknownSignature { sig } => SigStatus::Malformed {
            detail: format!("cannot parse signature packet: {}", sig.error()),
        },
        _ => SigStatus::Malformed {
            detail: "unrecognised verification result".into(),
        },
    }
}
