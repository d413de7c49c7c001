//! Signatures for tarseal: keyrings, verification (OpenPGP detached signatures, git tag
//! signatures in OpenPGP or SSH form), and signing.
//!
//! This crate does no I/O beyond reading the key, keyring and trust files it is given by
//! path, and the byte streams its callers pass in. No network, no CLI, no gpg or
//! ssh-keygen at run time (they are used only by the interop tests).
//!
//! Callers:
//! * `tarseal check`: [`Keyring::add_file`] for every `--keyring`, then [`verify_tag`] on
//!   the tag's `signed_payload` and `signature`; any `Err(TagRejection)` fails the check
//!   and its message names the key.
//! * `tarseal seal`: [`SigningKey::from_file`] then [`SigningKey::sign_detached`] for
//!   `NAME.asc` and `SHA256SUMS.asc`.
//! * `tarseal verify --threshold K` / `gate`: [`verify_detached`] returns one [`SigStatus`]
//!   per signature packet; [`count_distinct_keys`] (or [`TrustFile::count_trusted`], which
//!   also applies the trust file's windows) is compared with K.
//!
//! Modules: [`keyring`] (what is trusted), [`allowed_signers`] (the SSH half of it),
//! [`trust`] (the project trust file with its threshold), [`verify`] (detached OpenPGP),
//! [`tag`] (git tags), [`sign`] (secret keys and signing).
//!
//! # Crypto backend
//!
//! sequoia-openpgp refuses to compile without exactly one backend, so this crate has
//! features that select it: `crypto-rust` (default; pure Rust, nothing to install;
//! sequoia calls it experimental and not constant-time, acceptable for unattended
//! verification and signing), `crypto-nettle`, `crypto-openssl`. A binary that wants another
//! backend depends on this crate with `default-features = false` and one of those.
//!
//! # Licences
//!
//! sequoia-openpgp is **LGPL-2.0-or-later**. tarseal links it statically like every Rust
//! dependency; distributing a tarseal binary therefore carries LGPL obligations (offer the
//! means to relink against a modified sequoia, e.g. the source and build instructions).
//! `ssh-key` is Apache-2.0 OR MIT.
//!
//! # Time
//!
//! Every verdict is relative to a reference time (`at`, `None` = now) that the caller
//! chooses; key validity is judged at the signature's own time (OpenPGP creation time,
//! SSH: the tagger time), which must not be after `at`. See [`verify`] and [`tag`].
//! When the caller knows a time the signer cannot choose (when the transparency log first
//! recorded a signature), [`verify_detached_as_of`] / [`judge_as_of`] judge the key at that
//! time as well, and [`TrustFile::count_trusted_as_of`] applies the trust windows at it.

#![warn(missing_docs)]

pub mod allowed_signers;
pub mod chain;
pub mod keyring;
pub mod sign;
pub mod tag;
mod time;
pub mod trust;
pub mod verify;

pub use allowed_signers::{AllowedSigner, AllowedSigners, AllowedSignersError};
pub use keyring::{Keyring, KeyringError, KeyringFileKind};
pub use sign::{DetachedHasher, SignError, SigningKey};
pub use tag::{verify_tag, KeyName, SshSigner, TagRejection, TagSigner, GIT_NAMESPACE};
pub use time::{format_utc, parse_utc};
pub use trust::{TrustError, TrustFile, TrustedKey, TrustedKeyId};
pub use verify::{
    count_distinct_keys, judge_as_of, verify_detached, verify_detached_as_of, GoodSignature,
    KeyIds, KeyRole, SigStatus, VerifyError,
};
