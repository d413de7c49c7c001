//! Checking an envelope: every signature over the PAE bytes against the keyring
//! (tarseal-sig's detached OpenPGP verification), the payload type, the statement's type
//! and predicate type, its subject's digests against the bytes in hand, and the predicate's
//! `verificationResult`. Everything found wrong is a [`Problem`]; the envelope vouches only
//! when there is none and a keyring key signed it.

use crate::dsse::Envelope;
use crate::{PAYLOAD_TYPE, PREDICATE_TYPE, STATEMENT_TYPE};
use serde_json::Value;
use tarseal_sig::{Keyring, SigStatus};

/// What is wrong with an envelope (each makes `tarseal verify` exit 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The envelope's payloadType is not in-toto's.
    #[error("payloadType is {found:?}, not {PAYLOAD_TYPE:?}")]
    PayloadType {
        /// What it says.
        found: String,
    },
    /// A signature does not verify over the PAE bytes (the payload, its type or the
    /// signature was changed).
    #[error("signature {index} (keyid {keyid}): BAD: {detail}")]
    BadSignature {
        /// Its position in `signatures`.
        index: usize,
        /// Its keyid.
        keyid: String,
        /// The verifier's words.
        detail: String,
    },
    /// A signature by a key that is not in the keyring.
    #[error("signature {index}: unknown key id {keyid} (no key of the keyring made it; the signature names {issuers})")]
    UnknownKey {
        /// Its position.
        index: usize,
        /// The envelope's keyid.
        keyid: String,
        /// The issuers the signature packet names.
        issuers: String,
    },
    /// A signature by a keyring key that cannot vouch (expired, revoked, weak, ...).
    #[error("signature {index} (keyid {keyid}): {detail}")]
    UnusableSignature {
        /// Its position.
        index: usize,
        /// Its keyid.
        keyid: String,
        /// Why, naming the key.
        detail: String,
    },
    /// The signature bytes are not an OpenPGP signature.
    #[error("signature {index} (keyid {keyid}) is not an OpenPGP signature: {detail}")]
    MalformedSignature {
        /// Its position.
        index: usize,
        /// Its keyid.
        keyid: String,
        /// Why.
        detail: String,
    },
    /// The envelope's keyid names another key than the one that signed.
    #[error("signature {index}: keyid {keyid} but signed by {signer}")]
    KeyIdMismatch {
        /// Its position.
        index: usize,
        /// The envelope's keyid.
        keyid: String,
        /// The primary fingerprint of the key that signed.
        signer: String,
    },
    /// The payload is not an in-toto statement (not JSON, wrong `_type`, no predicate...).
    #[error("the payload is not an in-toto Statement v1: {0}")]
    NotAStatement(String),
    /// The statement's predicate is not a SLSA verification summary v1.
    #[error("predicateType is {found:?}, not {PREDICATE_TYPE:?}")]
    PredicateType {
        /// What it says.
        found: String,
    },
    /// No subject names the bytes in hand.
    #[error("no subject of the statement has these bytes' digests (sha256 {sha256}); the statement names {named}")]
    Subject {
        /// The bytes' SHA-256.
        sha256: String,
        /// The subjects' names and digests, for people.
        named: String,
    },
    /// The verifier did not say PASSED.
    #[error("verificationResult is {found:?}, not \"PASSED\"")]
    NotPassed {
        /// What it says.
        found: String,
    },
}

/// One signature's verification.
#[derive(Debug, Clone)]
pub struct SignatureCheck {
    /// The envelope's keyid for it.
    pub keyid: String,
    /// The statuses of its signature packets (empty when malformed).
    pub statuses: Vec<SigStatus>,
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, Default)]
pub struct Verified {
    /// Each signature of the envelope, in order.
    pub signatures: Vec<SignatureCheck>,
    /// Everything wrong; empty means the envelope vouches (with a good signature).
    pub problems: Vec<Problem>,
    /// What a person should know that does not fail it (a subject name that differs).
    pub warnings: Vec<String>,
    /// The statement, when the payload is JSON.
    pub statement: Option<Value>,
}

impl Verified {
    /// The good statuses of keyring keys (their primaries vouch, for a threshold).
    pub fn good(&self) -> Vec<SigStatus> {
        self.signatures
            .iter()
            .flat_map(|s| s.statuses.iter())
            .filter(|s| s.good().is_some())
            .cloned()
            .collect()
    }

    /// Whether the envelope vouches for the bytes: nothing wrong and a good signature.
    pub fn vouches(&self) -> bool {
        self.problems.is_empty() && !self.good().is_empty()
    }

    /// The statement's predicate field `key` as a string, if it is one.
    pub fn predicate_str(&self, key: &str) -> Option<&str> {
        self.statement
            .as_ref()?
            .get("predicate")?
            .get(key)?
            .as_str()
    }
}

fn same_key(keyid: &str, fpr: &str) -> bool {
    let k = keyid.trim_start_matches("0x").trim_start_matches("0X");
    !k.is_empty() && k.eq_ignore_ascii_case(fpr)
}

/// Verifies `env` against `keyring` for the bytes whose digests are `sha256`/`sha512`
/// (lower-case hex) and whose file name is `name`. Signatures are checked before the
/// payload is read: an unsigned statement is never interpreted.
pub fn verify(
    env: &Envelope,
    keyring: &Keyring,
    name: &str,
    sha256: &str,
    sha512: &str,
) -> Verified {
    let mut out = Verified::default();
    let pae = env.pae();
    for (index, s) in env.signatures.iter().enumerate() {
        let keyid = s.keyid.clone();
        let statuses = match tarseal_sig::verify_detached(keyring, &s.sig, &pae[..], None) {
            Ok(st) => st,
            Err(e) => {
                out.problems.push(Problem::MalformedSignature {
                    index,
                    keyid: keyid.clone(),
                    detail: e.to_string(),
                });
                Vec::new()
            }
        };
        for st in &statuses {
            match st {
                SigStatus::Good(g) => {
                    if !same_key(&keyid, &g.key.primary) && !same_key(&keyid, &g.key.key) {
                        out.problems.push(Problem::KeyIdMismatch {
                            index,
                            keyid: keyid.clone(),
                            signer: g.key.primary.clone(),
                        });
                    }
                }
                SigStatus::Bad { detail, .. } => out.problems.push(Problem::BadSignature {
                    index,
                    keyid: keyid.clone(),
                    detail: detail.clone(),
                }),
                SigStatus::UnknownKey { issuers } => out.problems.push(Problem::UnknownKey {
                    index,
                    keyid: if keyid.is_empty() {
                        "(none)".into()
                    } else {
                        keyid.clone()
                    },
                    issuers: issuers.join(", "),
                }),
                other => out.problems.push(Problem::UnusableSignature {
                    index,
                    keyid: keyid.clone(),
                    detail: other.to_string(),
                }),
            }
        }
        out.signatures.push(SignatureCheck { keyid, statuses });
    }
    if env.payload_type != PAYLOAD_TYPE {
        out.problems.push(Problem::PayloadType {
            found: env.payload_type.clone(),
        });
    }
    if !out.problems.is_empty() {
        // A payload nobody (valid) signed is not read.
        return out;
    }
    let v: Value = match serde_json::from_slice(&env.payload) {
        Ok(v) => v,
        Err(e) => {
            out.problems
                .push(Problem::NotAStatement(format!("not JSON: {e}")));
            return out;
        }
    };
    check_statement(&mut out, &v, name, sha256, sha512);
    out.statement = Some(v);
    out
}

fn check_statement(out: &mut Verified, v: &Value, name: &str, sha256: &str, sha512: &str) {
    let ty = v.get("_type").and_then(Value::as_str).unwrap_or("");
    if ty != STATEMENT_TYPE {
        out.problems.push(Problem::NotAStatement(format!(
            "_type is {ty:?}, not {STATEMENT_TYPE:?}"
        )));
        return;
    }
    let pt = v.get("predicateType").and_then(Value::as_str).unwrap_or("");
    if pt != PREDICATE_TYPE {
        out.problems
            .push(Problem::PredicateType { found: pt.into() });
    }
    let subjects = v.get("subject").and_then(Value::as_array);
    let mut named = Vec::new();
    let mut matched = None;
    for s in subjects.into_iter().flatten() {
        let sname = s.get("name").and_then(Value::as_str).unwrap_or("");
        let d256 = s.pointer("/digest/sha256").and_then(Value::as_str);
        let d512 = s.pointer("/digest/sha512").and_then(Value::as_str);
        named.push(format!(
            "{sname:?} sha256 {} sha512 {}",
            d256.unwrap_or("-"),
            d512.unwrap_or("-")
        ));
        // Every digest it gives must be the bytes', and it must give at least one we have.
        let ok256 = d256.is_none_or(|d| d.eq_ignore_ascii_case(sha256));
        let ok512 = d512.is_none_or(|d| d.eq_ignore_ascii_case(sha512));
        if ok256 && ok512 && (d256.is_some() || d512.is_some()) && matched.is_none() {
            matched = Some(sname.to_string());
        }
    }
    match matched {
        None => out.problems.push(Problem::Subject {
            sha256: sha256.into(),
            named: if named.is_empty() {
                "no subject".into()
            } else {
                named.join("; ")
            },
        }),
        Some(n) if n != name => out.warnings.push(format!(
            "the statement's subject is named {n:?}, verifying {name:?} (same digests)"
        )),
        Some(_) => {}
    }
    let Some(pred) = v.get("predicate").and_then(Value::as_object) else {
        out.problems
            .push(Problem::NotAStatement("no predicate object".into()));
        return;
    };
    let result = pred
        .get("verificationResult")
        .and_then(Value::as_str)
        .unwrap_or("(absent)");
    if result != "PASSED" {
        out.problems.push(Problem::NotPassed {
            found: result.into(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsse::EnvelopeSignature;
    use serde_json::json;

    fn unsigned(payload: Value, ty: &str) -> Envelope {
        Envelope {
            payload_type: ty.into(),
            payload: payload.to_string().into_bytes(),
            signatures: vec![EnvelopeSignature {
                keyid: "X".into(),
                sig: b"not a signature".to_vec(),
            }],
        }
    }

    #[test]
    fn an_unsigned_payload_is_not_read() {
        let env = unsigned(json!({"_type": "x"}), "text/plain");
        let v = verify(&env, &Keyring::new(), "f", "a", "b");
        assert!(matches!(v.problems[0], Problem::MalformedSignature { .. }));
        assert!(matches!(v.problems[1], Problem::PayloadType { .. }));
        assert!(v.statement.is_none() && !v.vouches());
    }

    #[test]
    fn statement_checks() {
        let mut v = Verified::default();
        let st = json!({
            "_type": STATEMENT_TYPE,
            "predicateType": PREDICATE_TYPE,
            "subject": [{"name": "g", "digest": {"sha256": "AA", "sha512": "bb"}}],
            "predicate": {"verificationResult": "PASSED"},
        });
        check_statement(&mut v, &st, "f", "aa", "bb");
        assert!(v.problems.is_empty(), "{:?}", v.problems);
        assert_eq!(v.warnings.len(), 1, "the name differs");
        let mut v = Verified::default();
        check_statement(&mut v, &st, "g", "aa", "cc");
        assert!(matches!(&v.problems[..], [Problem::Subject { .. }]));
        let mut v = Verified::default();
        let failed = json!({
            "_type": STATEMENT_TYPE,
            "predicateType": "https://slsa.dev/provenance/v1",
            "subject": [],
            "predicate": {"verificationResult": "FAILED"},
        });
        check_statement(&mut v, &failed, "g", "aa", "bb");
        assert_eq!(v.problems.len(), 3, "{:?}", v.problems);
        assert!(v.problems[2].to_string().contains("FAILED"));
    }
}
