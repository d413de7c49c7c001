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
//!
//! # Judging a key at a time the signer does not choose
//!
//! The creation time is the signer's claim: with a stolen key, or a key that expired, a
//! signer can back-date a signature into the key's validity. When the caller knows a time
//! *T* that the signer cannot choose — for tarseal, when the transparency log first recorded
//! the signature (`logged_at`, inside the Merkle leaf) — [`verify_detached_as_of`] (or
//! [`judge_as_of`] on statuses already computed) judges each key **at T as well**: a good
//! signature stays good only when it was made at or before T and the key was alive, bound
//! and not revoked at T. So an expiry or a soft revocation counts against a signature only
//! when it happened at or before T (a key that expired after the log recorded its signature
//! still vouches for it); a hard revocation voids the signature whatever the times.

use std::fmt;
use std::io::Read;
use std::time::SystemTime;

use openpgp::cert::prelude::*;
use openpgp::packet::key::PublicParts;
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
        /// The time the key was judged at: `created` for [`verify_detached`], the caller's
        /// time for [`judge_as_of`] (e.g. when the log first recorded the signature).
        judged_at: SystemTime,
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
                judged_at,
            } => {
                let what = match role {
                    KeyRole::Primary => "the certificate",
                    KeyRole::Subkey => "the signing subkey",
                };
                if judged_at == created {
                    write!(
                        f,
                        "signature by {key} made {} after {what} expired",
                        format_utc(*created)
                    )?;
                } else {
                    write!(
                        f,
                        "signature by {key} made {}: {what} had expired by {}, the time it is judged at",
                        format_utc(*created),
                        format_utc(*judged_at)
                    )?;
                }
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

/// Verifies as [`verify_detached`] with `as_of` as the reference time, then judges every
/// signature's key **at `as_of` too** ([`judge_as_of`]). `as_of` must be a time the signer
/// does not choose (tarseal: when the log first recorded this signature).
///
/// A signature counts ([`SigStatus::Good`]) only when it is good at its own creation time,
/// was made at or before `as_of`, and its key was valid at `as_of`; see [`judge_as_of`].
pub fn verify_detached_as_of<R: Read + Send + Sync>(
    keyring: &Keyring,
    signature: &[u8],
    data: R,
    as_of: SystemTime,
) -> Result<Vec<SigStatus>, VerifyError> {
    let statuses = verify_detached(keyring, signature, data, Some(as_of))?;
    Ok(statuses
        .iter()
        .map(|s| judge_as_of(keyring, s, as_of))
        .collect())
}

/// Judges one status of [`verify_detached`] again at `as_of`, a time established
/// independently of the signer (when the log first recorded the signature).
///
/// A [`SigStatus::Good`] stays good only when:
///
/// * its creation time is not after `as_of` (else [`SigStatus::NotAlive`]: a signature
///   cannot have been made after it was recorded; no clock-skew tolerance);
/// * the certificate has a valid binding under the standard policy at `as_of` and the key
///   that signed is bound in it then (else [`SigStatus::InvalidKey`]);
/// * neither the certificate nor the signing key had expired at `as_of` (else
///   [`SigStatus::Expired`] with `judged_at = as_of`);
/// * neither is revoked at `as_of`: a hard revocation (compromised, unspecified) at any
///   time, a soft one (superseded, retired) made at or before `as_of` (else
///   [`SigStatus::Revoked`]);
/// * the key is signing-capable at `as_of` (else [`SigStatus::NotSigningCapable`]).
///
/// Every other status is returned unchanged: it already fails at the signature's own time
/// (and a hard revocation fails at every time). A key missing from `keyring` (not the one
/// that verified) gives [`SigStatus::InvalidKey`].
pub fn judge_as_of(keyring: &Keyring, status: &SigStatus, as_of: SystemTime) -> SigStatus {
    let SigStatus::Good(g) = status else {
        return status.clone();
    };
    if g.created > as_of {
        return SigStatus::NotAlive {
            key: g.key.clone(),
            created: g.created,
            detail: format!(
                "made after {}, the time it is judged at (when it was first recorded)",
                format_utc(as_of)
            ),
        };
    }
    let invalid = |detail: String| SigStatus::InvalidKey {
        key: g.key.clone(),
        detail,
    };
    let Some(cert) = keyring
        .certs()
        .iter()
        .find(|c| c.fingerprint().to_hex() == g.key.primary)
    else {
        return invalid("the certificate is not in the keyring".into());
    };
    let policy = StandardPolicy::new();
    let vc = match cert.with_policy(&policy, as_of) {
        Ok(vc) => vc,
        Err(e) => {
            return invalid(format!(
                "the certificate has no valid binding at {}: {e:#}",
                format_utc(as_of)
            ))
        }
    };
    let Some(ka) = vc
        .keys()
        .find(|k| k.key().fingerprint().to_hex() == g.key.key)
    else {
        return invalid(format!(
            "the signing key is not bound to the certificate at {}",
            format_utc(as_of)
        ));
    };
    key_problem(&ka, g.key.clone(), g.created, as_of).unwrap_or_else(|| status.clone())
}

/// What makes `ka` (valid under the policy at `judged_at`) unusable for a signature made at
/// `created`, judged at `judged_at`: an expired certificate or key, a revocation, no
/// signing capability. `None` when nothing does.
fn key_problem(
    ka: &ValidErasedKeyAmalgamation<'_, PublicParts>,
    key: KeyIds,
    created: SystemTime,
    judged_at: SystemTime,
) -> Option<SigStatus> {
    let vc = ka.valid_cert();
    let role = if ka.primary() {
        KeyRole::Primary
    } else {
        KeyRole::Subkey
    };
    let expired = |role, exp: Option<SystemTime>, detail: String| {
        if exp.is_some_and(|t| t <= judged_at) {
            SigStatus::Expired {
                key: key.clone(),
                role,
                expired_at: exp,
                created,
                judged_at,
            }
        } else {
            SigStatus::InvalidKey {
                key: key.clone(),
                detail,
            }
        }
    };
    if let Err(e) = vc.alive() {
        return Some(expired(
            KeyRole::Primary,
            vc.primary_key().key_expiration_time(),
            format!("{e:#}"),
        ));
    }
    if let Err(e) = ka.alive() {
        return Some(expired(role, ka.key_expiration_time(), format!("{e:#}")));
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
        return Some(s);
    }
    if let Some(s) = revoked(ka.revocation_status(), role) {
        return Some(s);
    }
    if !ka.for_signing() {
        return Some(SigStatus::NotSigningCapable { key });
    }
    None
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

/// A second look at an [`SigStatus::InvalidKey`] for a small, in-memory message (a tag's
/// payload): a key whose **oldest surviving binding signature is younger than the signature**.
///
/// gpg replaces a key's binding self-signature when its expiry is extended (`--quick-set-expire`)
/// and exports only the new one, so a tag signed before the extension finds no binding "at the
/// signature time" in the exported certificate, although the same key made it and gpg calls it
/// good. Here the signature is judged with the certificate's **oldest** binding, as if it had
/// held since the key was created: it counts only when the key predates the signature, is a
/// signing key under that binding, had not expired by the signature time under it (nor the
/// certificate), the certificate and key are not revoked (any revocation, now or then, leaves
/// the status as it was), and the signature verifies cryptographically over `data`. Anything
/// else returns `status` unchanged.
pub fn recheck_with_oldest_binding(
    keyring: &Keyring,
    status: &SigStatus,
    signature: &[u8],
    data: &[u8],
) -> SigStatus {
    let SigStatus::InvalidKey { key, .. } = status else {
        return status.clone();
    };
    rebound(keyring, key, signature, data).unwrap_or_else(|| status.clone())
}

fn rebound(keyring: &Keyring, ids: &KeyIds, signature: &[u8], data: &[u8]) -> Option<SigStatus> {
    let policy = StandardPolicy::new();
    let cert = keyring
        .certs()
        .iter()
        .find(|c| c.fingerprint().to_hex() == ids.primary)?;
    let handle: KeyHandle = openpgp::Fingerprint::from_hex(&ids.key).ok()?.into();
    let pile = openpgp::PacketPile::from_bytes(signature).ok()?;
    for sig in pile.descendants().filter_map(|p| match p {
        openpgp::Packet::Signature(s) => Some(s),
        _ => None,
    }) {
        if !sig.get_issuers().iter().any(|i| i.aliases(&handle)) {
            continue;
        }
        let created = sig.signature_creation_time()?;
        // The times at which a binding exists, oldest first: the self-signatures' own times.
        let mut times: Vec<SystemTime> = cert
            .keys()
            .flat_map(|k| {
                k.self_signatures()
                    .filter_map(|s| s.signature_creation_time())
            })
            .chain(cert.userids().flat_map(|u| {
                u.self_signatures()
                    .filter_map(|s| s.signature_creation_time())
            }))
            .filter(|t| *t > created)
            .collect();
        times.sort();
        let bound_at = times.into_iter().find(|t| {
            cert.keys()
                .with_policy(&policy, *t)
                .key_handle(handle.clone())
                .for_signing()
                .next()
                .is_some()
        })?;
        let vc = cert.with_policy(&policy, bound_at).ok()?;
        let ka = vc.keys().key_handle(handle.clone()).for_signing().next()?;
        if ka.key().creation_time() > created {
            return None;
        }
        let expired_by = |e: Option<SystemTime>| e.is_some_and(|e| e <= created);
        if expired_by(ka.key_expiration_time())
            || expired_by(vc.primary_key().key_expiration_time())
        {
            return None;
        }
        let revoked = |r: RevocationStatus<'_>| !matches!(r, RevocationStatus::NotAsFarAsWeKnow);
        if revoked(ka.revocation_status()) || revoked(vc.revocation_status()) {
            return None;
        }
        if let Ok(now) = cert.with_policy(&policy, None) {
            if revoked(now.revocation_status()) {
                return None;
            }
        }
        sig.verify_message(ka.key(), data).ok()?;
        return Some(SigStatus::Good(GoodSignature {
            key: ids.clone(),
            user_id: vc
                .primary_userid()
                .ok()
                .map(|u| String::from_utf8_lossy(u.userid().value()).into_owned()),
            created,
            hash_algo: sig.hash_algo().to_string(),
        }));
    }
    None
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
            key_problem(&ka, key.clone(), created, created).unwrap_or_else(|| {
                SigStatus::InvalidKey {
                    key,
                    detail: format!("{error:#}"),
                }
            })
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

#[cfg(test)]
mod tests {
    use super::*;
    use openpgp::serialize::stream::{Armorer, Message, Signer};
    use openpgp::types::ReasonForRevocation;
    use std::io::Write;
    use std::time::{Duration, UNIX_EPOCH};

    const DATA: &[u8] = b"release bytes\n";
    const DAY: Duration = Duration::from_secs(86_400);

    fn t(days: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_600_000_000) + DAY * days as u32
    }

    /// A certificate made at day 0 with a signing subkey, valid for `days` (or forever).
    fn cert(days: Option<u64>) -> Cert {
        CertBuilder::new()
            .add_userid("m <m@example.org>")
            .set_cipher_suite(CipherSuite::Cv25519)
            .set_creation_time(t(0))
            .set_validity_period(days.map(|d| DAY * d as u32))
            .add_signing_subkey()
            .generate()
            .unwrap()
            .0
    }

    /// An armored detached signature over DATA by the signing subkey, created at `at` (the
    /// signer's claim; the key is judged valid at that time).
    fn sign(cert: &Cert, at: SystemTime) -> Vec<u8> {
        let p = StandardPolicy::new();
        let ka = cert
            .keys()
            .with_policy(&p, at)
            .for_signing()
            .secret()
            .next()
            .unwrap();
        let keypair = ka.key().clone().into_keypair().unwrap();
        let mut out = Vec::new();
        {
            let m = Message::new(&mut out);
            let m = Armorer::new(m)
                .kind(openpgp::armor::Kind::Signature)
                .build()
                .unwrap();
            let mut s = Signer::new(m, keypair)
                .unwrap()
                .detached()
                .creation_time(at)
                .build()
                .unwrap();
            s.write_all(DATA).unwrap();
            s.finalize().unwrap();
        }
        out
    }

    fn revoke(cert: Cert, reason: ReasonForRevocation, at: SystemTime) -> Cert {
        let mut signer = cert
            .primary_key()
            .key()
            .clone()
            .parts_into_secret()
            .unwrap()
            .into_keypair()
            .unwrap();
        let rev = CertRevocationBuilder::new()
            .set_signature_creation_time(at)
            .unwrap()
            .set_reason_for_revocation(reason, b"test")
            .unwrap()
            .build(&mut signer, &cert, None)
            .unwrap();
        cert.insert_packets(rev).unwrap().0
    }

    fn keyring(cert: &Cert) -> Keyring {
        let mut k = Keyring::new();
        k.add_cert(cert.clone());
        k
    }

    fn one(k: &Keyring, sig: &[u8], as_of: Option<SystemTime>) -> SigStatus {
        let mut v = match as_of {
            Some(at) => verify_detached_as_of(k, sig, DATA, at).unwrap(),
            None => verify_detached(k, sig, DATA, None).unwrap(),
        };
        assert_eq!(v.len(), 1);
        v.pop().unwrap()
    }

    #[test]
    fn an_expiry_before_the_recorded_time_voids_a_back_dated_signature() {
        // Valid days 0..2; signed "on day 1" (back-dated), first recorded on day 5.
        let c = cert(Some(2));
        let k = keyring(&c);
        let sig = sign(&c, t(1));
        // At its own creation time the key was valid: verify_detached accepts it.
        assert!(one(&k, &sig, None).good().is_some());
        match one(&k, &sig, Some(t(5))) {
            SigStatus::Expired {
                role,
                expired_at,
                created,
                judged_at,
                ..
            } => {
                assert_eq!(role, KeyRole::Primary);
                assert_eq!(expired_at, Some(t(2)));
                assert_eq!((created, judged_at), (t(1), t(5)));
            }
            s => panic!("{s}"),
        }
        let msg = one(&k, &sig, Some(t(5))).to_string();
        assert!(msg.contains("had expired by"), "{msg}");
    }

    #[test]
    fn an_expiry_after_the_recorded_time_does_not() {
        // Valid days 0..2; signed on day 1, recorded on day 1; the key has expired since.
        let c = cert(Some(2));
        let k = keyring(&c);
        let sig = sign(&c, t(1));
        let s = one(&k, &sig, Some(t(1) + Duration::from_secs(30)));
        assert!(s.good().is_some(), "{s}");
        // judge_as_of on a status computed earlier agrees.
        let earlier = verify_detached(&k, &sig, DATA, None).unwrap();
        assert_eq!(judge_as_of(&k, &earlier[0], t(1)), earlier[0]);
    }

    #[test]
    fn a_signature_made_after_it_was_recorded_is_not_alive() {
        let c = cert(None);
        let k = keyring(&c);
        let sig = sign(&c, t(3));
        match one(&k, &sig, Some(t(2))) {
            SigStatus::NotAlive { created, .. } => assert_eq!(created, t(3)),
            s => panic!("{s}"),
        }
        // The same, judged from a status verified "now".
        let now = verify_detached(&k, &sig, DATA, None).unwrap();
        assert!(matches!(
            judge_as_of(&k, &now[0], t(2)),
            SigStatus::NotAlive { .. }
        ));
    }

    #[test]
    fn soft_revocation_counts_only_before_the_recorded_time_hard_always() {
        let c = cert(None);
        let sig = sign(&c, t(1));
        // Soft (superseded) on day 3.
        let soft = keyring(&revoke(c.clone(), ReasonForRevocation::KeySuperseded, t(3)));
        assert!(one(&soft, &sig, Some(t(2))).good().is_some());
        match one(&soft, &sig, Some(t(4))) {
            SigStatus::Revoked {
                hard, revoked_at, ..
            } => {
                assert!(!hard);
                assert_eq!(revoked_at, Some(t(3)));
            }
            s => panic!("{s}"),
        }
        // Hard (compromised) on day 3: void even when recorded on day 2.
        let hard = keyring(&revoke(c, ReasonForRevocation::KeyCompromised, t(3)));
        assert!(matches!(
            one(&hard, &sig, Some(t(2))),
            SigStatus::Revoked { hard: true, .. }
        ));
    }

    #[test]
    fn other_statuses_pass_through_and_unknown_certificates_are_invalid() {
        let c = cert(None);
        let sig = sign(&c, t(1));
        let unknown = one(&Keyring::new(), &sig, Some(t(2)));
        assert!(matches!(unknown, SigStatus::UnknownKey { .. }), "{unknown}");
        assert_eq!(judge_as_of(&Keyring::new(), &unknown, t(2)), unknown);
        let good = one(&keyring(&c), &sig, None);
        assert!(matches!(
            judge_as_of(&Keyring::new(), &good, t(2)),
            SigStatus::InvalidKey { .. }
        ));
    }
}
