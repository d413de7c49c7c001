//! The attestation role (concept: "say what was verified, in the form packagers' tools read").
//!
//! `tarseal seal` writes `NAME.intoto.jsonl`: one [DSSE] envelope (payload type
//! [`PAYLOAD_TYPE`]) holding an [in-toto Statement v1] whose subject is the sealed file (name,
//! SHA-256, SHA-512) and whose predicate is a [SLSA verification summary v1] (VSA): the
//! verifier (tarseal and its version), when, the resource, the policy (with its digest), the
//! signed tag and the commit it was compared with as inputs, `verificationResult`, and the
//! check's trust surface as an extension field ([`TRUST_SURFACE_FIELD`]). The envelope is
//! signed over DSSE's pre-authentication encoding ([`pae`]) by the seal's OpenPGP key, a
//! binary detached signature whose `keyid` is the key's primary fingerprint.
//!
//! This crate is pure: [`statement`] builds the statement's bytes from a [`Summary`], [`dsse`]
//! owns PAE and the envelope (written as one JSON line, parsed strictly), and [`verify`] checks
//! an envelope against a keyring (tarseal-sig) and the digests of the bytes in hand. No I/O.
//!
//! docs/formats.md ("The attestation") describes the format field by field.
//!
//! [DSSE]: https://github.com/secure-systems-lab/dsse/blob/master/envelope.md
//! [in-toto Statement v1]: https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md
//! [SLSA verification summary v1]: https://slsa.dev/spec/v1.0/verification_summary
//!
//! ```
//! use tarseal_attest::{dsse::Envelope, pae, PAYLOAD_TYPE};
//! // The test vector of the DSSE protocol.
//! assert_eq!(
//!     pae("http://example.com/HelloWorld", b"hello world"),
//!     b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
//! );
//! let env = Envelope::parse(br#"{"payload":"aGVsbG8gd29ybGQ=","payloadType":"http://example.com/HelloWorld","signatures":[{"sig":"AAEC"}]}"#)?;
//! assert_eq!(env.payload, b"hello world");
//! assert_eq!(env.signatures[0].sig, [0, 1, 2]);
//! assert_ne!(env.payload_type, PAYLOAD_TYPE);
//! # Ok::<(), tarseal_attest::dsse::EnvelopeError>(())
//! ```

#![warn(missing_docs)]

pub mod dsse;
pub mod statement;
pub mod verify;

pub use dsse::{pae, Envelope, EnvelopeError, EnvelopeSignature};
pub use statement::{Resource, Summary, TrustSurface};
pub use verify::{verify, Problem, SignatureCheck, Verified};

/// DSSE `payloadType` of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// The statement's `_type`.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The statement's `predicateType`: SLSA verification summary, version 1.
pub const PREDICATE_TYPE: &str = "https://slsa.dev/verification_summary/v1";
/// `predicate.verifier.id`: tarseal's seal, under the project's repository URL.
pub const VERIFIER_ID: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/seal");
/// `predicate.policy.uri` is this followed by the profile's name (tarseal's built-in profile
/// with the project rules the check read; the policy's `content` says which).
pub const POLICY_URI_BASE: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/policy/");
/// The extension field of the predicate holding the trust surface (VSA parsing rules:
/// extension fields are named by URIs; consumers ignore fields they do not know).
pub const TRUST_SURFACE_FIELD: &str = concat!(
    env!("CARGO_PKG_REPOSITORY"),
    "/attestation/trust-surface/v1"
);
/// `verifiedLevels` of a pass whose tag signature was verified against the keyring: every
/// file of the archive is the tag's, or accepted by the named policy (SLSA allows custom
/// values that do not start with `SLSA_`).
pub const LEVEL_SIGNED_TAG: &str = "TARSEAL_CONTENT_MATCHES_SIGNED_TAG";
/// `verifiedLevels` of a pass without a verified tag signature (`--allow-unsigned`).
pub const LEVEL_UNSIGNED_TAG: &str = "TARSEAL_CONTENT_MATCHES_TAG";
/// The file name suffix seal writes the envelope under (`NAME.intoto.jsonl`).
pub const FILE_SUFFIX: &str = ".intoto.jsonl";
