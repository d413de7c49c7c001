//! Signing: a secret key loaded from a file, and ASCII-armored detached signatures.
//!
//! The key file is what `gpg --export-secret-keys [--armor] KEY` writes, **without** a
//! passphrase (tarseal runs unattended; passphrase support is not implemented). A file
//! that group or others may read is refused (`chmod 600 FILE`), like ssh refuses loose
//! private keys. [`SigningKey`]'s `Debug` prints fingerprints only, never key material.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use openpgp::armor;
use openpgp::cert::prelude::*;
use openpgp::parse::Parse;
use openpgp::policy::StandardPolicy;
use openpgp::serialize::stream::{Armorer, Message, Signer};
use openpgp::types::{HashAlgorithm, RevocationStatus};
use openpgp::Cert;
use sequoia_openpgp as openpgp;

/// Why a key could not be loaded or a signature not made. Names the file and key.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The key file could not be read.
    #[error("cannot read secret key file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Group or others may access the key file.
    #[error("secret key file {path} is accessible by group or others (mode {mode:04o}); run `chmod 600 {path}`")]
    Permissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Not an OpenPGP secret key.
    #[error("secret key file {path} is not an OpenPGP key: {detail}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// The file holds several certificates; which one to sign with is ambiguous.
    #[error("secret key file {path} holds {count} keys ({fingerprints}); export only the one to sign with")]
    Ambiguous {
        /// The file.
        path: PathBuf,
        /// How many.
        count: usize,
        /// Their primary fingerprints, comma-separated.
        fingerprints: String,
    },
    /// The file has only public keys.
    #[error("{path} holds no secret key material for {fingerprint} (use `gpg --export-secret-keys`, not `--export`)")]
    NoSecretKey {
        /// The file.
        path: PathBuf,
        /// The certificate.
        fingerprint: String,
    },
    /// The signing key is protected by a passphrase.
    #[error("the secret signing key {key} in {path} is encrypted with a passphrase, and tarseal has no passphrase support: export it without a passphrase (`gpg --export-secret-keys` after `gpg --passwd` to an empty one) into a file only this user can read")]
    Encrypted {
        /// The file.
        path: PathBuf,
        /// The (sub)key fingerprint.
        key: String,
    },
    /// No valid, signing-capable key with secret material (expired, revoked, none).
    #[error("{path}: certificate {fingerprint} has no usable signing key: {detail}")]
    NoSigningKey {
        /// The file.
        path: PathBuf,
        /// The certificate.
        fingerprint: String,
        /// Why.
        detail: String,
    },
    /// Signing failed (or reading the data).
    #[error("signing with {key} failed: {detail}")]
    Sign {
        /// The signing (sub)key.
        key: String,
        /// Why.
        detail: String,
    },
    /// Reading the data to sign failed.
    #[error("reading the data to sign: {0}")]
    Read(#[from] std::io::Error),
}

/// A secret signing key. `Debug` shows fingerprints and the file only.
pub struct SigningKey {
    cert: Cert,
    path: PathBuf,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("fingerprint", &self.cert.fingerprint().to_hex())
            .field("path", &self.path)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl SigningKey {
    /// Loads a secret key file after checking that only its owner can access it.
    pub fn from_file(path: &Path) -> Result<Self, SignError> {
        let io = |source| SignError::Io {
            path: path.to_owned(),
            source,
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).map_err(io)?.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(SignError::Permissions {
                    path: path.to_owned(),
                    mode: mode & 0o7777,
                });
            }
        }
        let bytes = std::fs::read(path).map_err(io)?;
        Self::from_bytes(&bytes, path)
    }

    /// Parses a secret key from bytes (`source` names it in errors). No permission check:
    /// for keys that never touched a file.
    pub fn from_bytes(bytes: &[u8], source: &Path) -> Result<Self, SignError> {
        let parse = |e: anyhow::Error| SignError::Parse {
            path: source.to_owned(),
            detail: format!("{e:#}"),
        };
        let certs = CertParser::from_bytes(bytes)
            .map_err(parse)?
            .collect::<openpgp::Result<Vec<Cert>>>()
            .map_err(parse)?;
        let cert = match certs.len() {
            0 => {
                return Err(SignError::Parse {
                    path: source.to_owned(),
                    detail: "no key in the file".into(),
                })
            }
            1 => certs.into_iter().next().expect("one"),
            n => {
                return Err(SignError::Ambiguous {
                    path: source.to_owned(),
                    count: n,
                    fingerprints: certs
                        .iter()
                        .map(|c| c.fingerprint().to_hex())
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }
        };
        if !cert.is_tsk() {
            return Err(SignError::NoSecretKey {
                path: source.to_owned(),
                fingerprint: cert.fingerprint().to_hex(),
            });
        }
        let key = Self {
            cert,
            path: source.to_owned(),
        };
        // Fail at load time, not after hashing a large file.
        key.select(SystemTime::now())?;
        Ok(key)
    }

    /// The certificate's primary fingerprint.
    pub fn fingerprint(&self) -> String {
        self.cert.fingerprint().to_hex()
    }

    /// The fingerprint of the (sub)key a signature made now would use.
    pub fn signing_key_fingerprint(&self) -> Result<String, SignError> {
        self.select(SystemTime::now())
            .map(|k| k.key().fingerprint().to_hex())
    }

    /// The public certificate, ASCII-armored, for publishing next to signatures.
    pub fn public_cert_armored(&self) -> String {
        use openpgp::serialize::SerializeInto;
        let bytes = self
            .cert
            .clone()
            .strip_secret_key_material()
            .armored()
            .to_vec()
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    fn select(
        &self,
        time: SystemTime,
    ) -> Result<ValidErasedKeyAmalgamation<'_, openpgp::packet::key::PublicParts>, SignError> {
        let none = |detail: String| SignError::NoSigningKey {
            path: self.path.clone(),
            fingerprint: self.fingerprint(),
            detail,
        };
        let vc = self
            .cert
            .with_policy(STANDARD, time)
            .map_err(|e| none(format!("{e:#}")))?;
        vc.alive()
            .map_err(|e| none(format!("the certificate is not alive: {e:#}")))?;
        if let RevocationStatus::Revoked(_) = vc.revocation_status() {
            return Err(none("the certificate is revoked".into()));
        }
        let mut encrypted = None;
        let mut candidates = 0;
        let mut best: Option<ValidErasedKeyAmalgamation<'_, _>> = None;
        for ka in vc.keys().for_signing().alive().revoked(false) {
            candidates += 1;
            match ka.key().optional_secret() {
                Some(s) if s.is_encrypted() => {
                    encrypted.get_or_insert(ka.key().fingerprint().to_hex());
                }
                // Like gpg: the newest usable signing subkey, the primary key only when no
                // subkey can sign (gpg looks at subkeys first; a subkey made in the same second
                // as its primary must still win).
                Some(_)
                    if best.as_ref().is_none_or(|b| {
                        let (t, bt) = (ka.key().creation_time(), b.key().creation_time());
                        t > bt || (t == bt && b.primary() && !ka.primary())
                    }) =>
                {
                    best = Some(ka);
                }
                Some(_) => {}
                None => {}
            }
        }
        if let Some(ka) = best {
            return Ok(ka);
        }
        if let Some(key) = encrypted {
            return Err(SignError::Encrypted {
                path: self.path.clone(),
                key,
            });
        }
        Err(none(if candidates == 0 {
            "no signing-capable key that is alive and not revoked".into()
        } else {
            "the signing-capable keys have no secret material in this file (gpg stub?)".into()
        }))
    }

    /// Signs `data` (streaming) and returns an ASCII-armored detached signature
    /// (`-----BEGIN PGP SIGNATURE-----`), SHA-512, accepted by `gpg --verify`.
    pub fn sign_detached<R: Read>(&self, data: R) -> Result<String, SignError> {
        self.sign_detached_at(data, SystemTime::now())
    }

    /// As [`SigningKey::sign_detached`], with an explicit signature creation time (the key
    /// must be valid then). For reproducible tests and for records that carry their time.
    pub fn sign_detached_at<R: Read>(
        &self,
        data: R,
        time: SystemTime,
    ) -> Result<String, SignError> {
        let out = self.sign_detached_inner(data, time, true)?;
        String::from_utf8(out).map_err(|e| SignError::Sign {
            key: self.fingerprint(),
            detail: format!("armored signature not UTF-8: {e}"),
        })
    }

    /// As [`SigningKey::sign_detached`], but the signature packet in binary form (no armor):
    /// what a container that carries raw signature bytes holds (a DSSE envelope's `sig`,
    /// base64), and what `gpg --verify SIG DATA` also accepts.
    pub fn sign_detached_binary<R: Read>(&self, data: R) -> Result<Vec<u8>, SignError> {
        self.sign_detached_inner(data, SystemTime::now(), false)
    }

    fn sign_detached_inner<R: Read>(
        &self,
        mut data: R,
        time: SystemTime,
        armored: bool,
    ) -> Result<Vec<u8>, SignError> {
        let ka = self.select(time)?;
        let key_fpr = ka.key().fingerprint().to_hex();
        let fail = |e: anyhow::Error| SignError::Sign {
            key: key_fpr.clone(),
            detail: format!("{e:#}"),
        };
        let keypair = ka
            .key()
            .clone()
            .parts_into_secret()
            .and_then(|k| k.into_keypair())
            .map_err(fail)?;
        let mut out = Vec::new();
        {
            let mut message = Message::new(&mut out);
            if armored {
                message = Armorer::new(message)
                    .kind(armor::Kind::Signature)
                    .build()
                    .map_err(fail)?;
            }
            let mut signer = Signer::new(message, keypair)
                .map_err(fail)?
                .detached()
                .hash_algo(HashAlgorithm::SHA512)
                .map_err(fail)?
                .creation_time(time)
                .build()
                .map_err(fail)?;
            std::io::copy(&mut data, &mut signer)?;
            signer.flush()?;
            signer.finalize().map_err(fail)?;
        }
        Ok(out)
    }
}

/// The running hash of a detached signature whose data is fed piecemeal, possibly on another
/// thread, so that one read of a file both checks it and signs it (`tarseal seal`).
///
/// Made by [`SigningKey::start_detached`], fed with [`DetachedHasher::update`], turned into an
/// armored signature by [`SigningKey::finish_detached`]. The signing (sub)key and the creation
/// time are fixed when it starts, because a version 6 key would need its salt hashed first.
pub struct DetachedHasher {
    ctx: openpgp::crypto::hash::Context,
    time: SystemTime,
    key: openpgp::Fingerprint,
    bytes: u64,
}

impl DetachedHasher {
    /// Feeds the next bytes of the data being signed.
    pub fn update(&mut self, data: &[u8]) {
        self.ctx.update(data);
        self.bytes += data.len() as u64;
    }

    /// Bytes fed so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The plain SHA-512 of the bytes fed so far. A version 4 signature hashes the data with
    /// nothing before it (the signature's own fields come after, at finish), so a copy of
    /// the running context, finalised now, is the data's SHA-512: `tarseal seal` takes the
    /// file's SHA-512 from here instead of hashing the file with SHA-512 twice. `None` if
    /// the context is not a plain SHA-512 one.
    pub fn data_sha512(&self) -> Option<[u8; 64]> {
        if self.ctx.algo() != HashAlgorithm::SHA512 {
            return None;
        }
        let mut out = [0u8; 64];
        self.ctx.clone().digest(&mut out).ok()?;
        Some(out)
    }
}

impl fmt::Debug for DetachedHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DetachedHasher")
            .field("key", &self.key.to_hex())
            .field("bytes", &self.bytes)
            .finish()
    }
}

impl SigningKey {
    /// Starts a detached signature over data that will be fed to the returned hasher. `None`
    /// when the signing key is not version 4 (a version 6 signature hashes a salt first, which
    /// sequoia's prehashed signing does not set up): then sign a stream with
    /// [`SigningKey::sign_detached`] instead.
    pub fn start_detached(&self, time: SystemTime) -> Result<Option<DetachedHasher>, SignError> {
        let ka = self.select(time)?;
        if ka.key().version() != 4 {
            return Ok(None);
        }
        let key = ka.key().fingerprint();
        let ctx = HashAlgorithm::SHA512
            .context()
            .map_err(|e| SignError::Sign {
                key: key.to_hex(),
                detail: format!("{e:#}"),
            })?
            .for_signature(4);
        Ok(Some(DetachedHasher {
            ctx,
            time,
            key,
            bytes: 0,
        }))
    }

    /// Finishes a signature started with [`SigningKey::start_detached`]: the same ASCII-armored
    /// detached signature [`SigningKey::sign_detached_at`] makes over the same bytes.
    pub fn finish_detached(&self, hasher: DetachedHasher) -> Result<String, SignError> {
        let ka = self.select(hasher.time)?;
        let key_fpr = ka.key().fingerprint().to_hex();
        let fail = |e: anyhow::Error| SignError::Sign {
            key: key_fpr.clone(),
            detail: format!("{e:#}"),
        };
        if ka.key().fingerprint() != hasher.key {
            return Err(fail(anyhow::anyhow!(
                "the signing key changed between start and finish ({} then {key_fpr})",
                hasher.key.to_hex()
            )));
        }
        let mut keypair = ka
            .key()
            .clone()
            .parts_into_secret()
            .and_then(|k| k.into_keypair())
            .map_err(fail)?;
        let sig = openpgp::packet::signature::SignatureBuilder::new(
            openpgp::types::SignatureType::Binary,
        )
        .set_signature_creation_time(hasher.time)
        .map_err(fail)?
        .sign_hash(&mut keypair, hasher.ctx)
        .map_err(fail)?;
        let mut out = Vec::new();
        {
            let mut w =
                armor::Writer::new(&mut out, armor::Kind::Signature).map_err(|e| fail(e.into()))?;
            openpgp::serialize::Serialize::serialize(&openpgp::Packet::from(sig), &mut w)
                .map_err(fail)?;
            w.finalize().map_err(|e| fail(e.into()))?;
        }
        String::from_utf8(out).map_err(|e| fail(e.into()))
    }
}

static STANDARD: &StandardPolicy<'static> = &StandardPolicy::new();

#[cfg(test)]
mod tests {
    use super::*;
    use openpgp::serialize::SerializeInto;

    #[test]
    fn data_sha512_is_the_plain_digest_and_the_signature_still_verifies() {
        let (cert, _) = CertBuilder::new()
            .add_userid("s <s@example.org>")
            .set_cipher_suite(CipherSuite::Cv25519)
            .set_creation_time(SystemTime::now() - std::time::Duration::from_secs(60))
            .add_signing_subkey()
            .generate()
            .unwrap();
        let tsk = cert.as_tsk().armored().to_vec().unwrap();
        let key = SigningKey::from_bytes(&tsk, Path::new("test-key")).unwrap();
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut h = key.start_detached(SystemTime::now()).unwrap().unwrap();
        for chunk in data.chunks(65_536) {
            h.update(chunk);
        }
        let mut want = HashAlgorithm::SHA512.context().unwrap().for_digest();
        want.update(&data);
        assert_eq!(
            h.data_sha512().unwrap().to_vec(),
            want.into_digest().unwrap()
        );
        // Taking the digest leaves the signature's context untouched.
        let sig = key.finish_detached(h).unwrap();
        let mut keyring = crate::Keyring::new();
        keyring
            .add_openpgp_bytes(key.public_cert_armored().as_bytes(), Path::new("pub"))
            .unwrap();
        let statuses = crate::verify_detached(&keyring, sig.as_bytes(), &data[..], None).unwrap();
        assert_eq!(statuses.len(), 1);
        assert!(statuses[0].good().is_some(), "{:?}", statuses[0]);
    }
}
