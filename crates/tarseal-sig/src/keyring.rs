//! Keyrings: the keys a verification trusts, loaded from files given by path.
//!
//! * OpenPGP certificates exactly as `gpg --export` writes them: binary (packets back to
//!   back, many certificates in one file) or `--armor` (one `PUBLIC KEY BLOCK` holding many
//!   certificates; several blocks one after the other, as `cat a.asc b.asc` makes, are read
//!   too). Secret key material, if a file holds any, is dropped on load. A certificate seen
//!   twice (two files, or two exports of one key) is merged, so revocations and new subkeys
//!   in a newer export are honoured.
//! * SSH keys in git's `allowed_signers` form ([`crate::allowed_signers`]).
//!
//! The keyring must come from the trusted side (a path the operator names), never from the
//! repository or archive being checked: this module reads only the paths it is given.

use std::path::{Path, PathBuf};

use openpgp::cert::prelude::*;
use openpgp::parse::Parse;
use openpgp::Cert;
use sequoia_openpgp as openpgp;

use crate::allowed_signers::{AllowedSigners, AllowedSignersError};

/// Why a keyring file was not loaded. Names the file.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    /// The file could not be read.
    #[error("cannot read keyring {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a valid OpenPGP certificate collection.
    #[error("keyring {path}: certificate #{index} is not valid OpenPGP: {detail}")]
    OpenPgp {
        /// The file.
        path: PathBuf,
        /// 1-based position of the failing certificate in the file.
        index: usize,
        /// What sequoia reported.
        detail: String,
    },
    /// The file holds no key at all (an empty `gpg --export` writes nothing).
    #[error("keyring {path} holds no key (an empty `gpg --export`? an allowed_signers file with only comments?)")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A malformed allowed_signers file.
    #[error(transparent)]
    AllowedSigners(#[from] AllowedSignersError),
}

/// What kind of file [`Keyring::add_file`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyringFileKind {
    /// OpenPGP certificates (binary or armored); carries how many.
    OpenPgp(usize),
    /// An allowed_signers file; carries how many usable lines.
    AllowedSigners(usize),
}

/// The keys a verification trusts: OpenPGP certificates and SSH allowed signers.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    certs: Vec<Cert>,
    ssh: AllowedSigners,
}

impl Keyring {
    /// An empty keyring (every signature then verifies as `UnknownKey`).
    pub fn new() -> Self {
        Self::default()
    }

    /// One keyring from every file of `files` (each as [`Keyring::add_file`]); `None` when
    /// none was given, so that a caller can tell "no `--keyring`" from an empty keyring.
    pub fn from_files<P: AsRef<Path>>(files: &[P]) -> Result<Option<Keyring>, KeyringError> {
        if files.is_empty() {
            return Ok(None);
        }
        let mut keyring = Keyring::new();
        for f in files {
            keyring.add_file(f.as_ref())?;
        }
        Ok(Some(keyring))
    }

    /// Loads a file, telling OpenPGP (armor header or a binary packet tag: first byte with
    /// the high bit set) from allowed_signers (text) by its first bytes. This is what a
    /// `--keyring FILE` flag wants: one flag for both kinds.
    pub fn add_file(&mut self, path: &Path) -> Result<KeyringFileKind, KeyringError> {
        let bytes = read(path)?;
        let start = bytes
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(bytes.len());
        let rest = &bytes[start..];
        if rest.first().is_some_and(|b| b & 0x80 != 0) || rest.starts_with(b"-----BEGIN PGP") {
            self.add_openpgp_bytes(&bytes, path)
                .map(KeyringFileKind::OpenPgp)
        } else {
            let text = String::from_utf8_lossy(&bytes);
            let parsed = AllowedSigners::parse_named(&text, path)?;
            if parsed.is_empty() && parsed.notes().is_empty() {
                // An empty `gpg --export` lands here too: either way the file names no key.
                return Err(KeyringError::Empty {
                    path: path.to_owned(),
                });
            }
            let n = parsed.signers().len();
            self.ssh.extend(parsed);
            Ok(KeyringFileKind::AllowedSigners(n))
        }
    }

    /// Loads OpenPGP certificates from a file (`gpg --export [--armor]`); returns how many.
    pub fn add_openpgp_file(&mut self, path: &Path) -> Result<usize, KeyringError> {
        let bytes = read(path)?;
        self.add_openpgp_bytes(&bytes, path)
    }

    /// Loads OpenPGP certificates from bytes (`source` names them in errors); returns how
    /// many. All or nothing: on error the keyring is unchanged.
    pub fn add_openpgp_bytes(
        &mut self,
        bytes: &[u8],
        source: &Path,
    ) -> Result<usize, KeyringError> {
        let mut loaded = Vec::new();
        for block in armor_blocks(bytes) {
            for (i, cert) in CertParser::from_bytes(block)
                .map_err(|e| KeyringError::OpenPgp {
                    path: source.to_owned(),
                    index: loaded.len() + 1,
                    detail: format!("{e:#}"),
                })?
                .enumerate()
            {
                let cert = cert.map_err(|e| KeyringError::OpenPgp {
                    path: source.to_owned(),
                    index: loaded.len() + i + 1,
                    detail: format!("{e:#}"),
                })?;
                loaded.push(cert.strip_secret_key_material());
            }
        }
        if loaded.is_empty() {
            return Err(KeyringError::Empty {
                path: source.to_owned(),
            });
        }
        let n = loaded.len();
        for cert in loaded {
            self.insert(cert);
        }
        Ok(n)
    }

    /// Adds one certificate (merged with a copy already present).
    pub fn add_cert(&mut self, cert: Cert) {
        self.insert(cert.strip_secret_key_material());
    }

    fn insert(&mut self, cert: Cert) {
        if let Some(have) = self
            .certs
            .iter_mut()
            .find(|c| c.fingerprint() == cert.fingerprint())
        {
            // Both are copies of the same certificate, so merging cannot fail.
            if let Ok(merged) = have.clone().merge_public(cert) {
                *have = merged;
            }
        } else {
            self.certs.push(cert);
        }
    }

    /// Loads an allowed_signers file; returns how many usable lines it had.
    pub fn add_allowed_signers_file(&mut self, path: &Path) -> Result<usize, KeyringError> {
        let before = self.ssh.signers().len();
        self.ssh.add_file(path)?;
        Ok(self.ssh.signers().len() - before)
    }

    /// Appends already-parsed allowed signers.
    pub fn add_allowed_signers(
        &mut self,
        text: &str,
        source: &Path,
    ) -> Result<usize, KeyringError> {
        let before = self.ssh.signers().len();
        self.ssh.add_str(text, source)?;
        Ok(self.ssh.signers().len() - before)
    }

    /// The OpenPGP certificates (public parts only).
    pub fn certs(&self) -> &[Cert] {
        &self.certs
    }

    /// The SSH allowed signers (and their notes, e.g. ignored `cert-authority` lines).
    pub fn allowed_signers(&self) -> &AllowedSigners {
        &self.ssh
    }

    /// Primary-key fingerprints (uppercase hex) of the OpenPGP certificates, for listings.
    pub fn openpgp_fingerprints(&self) -> Vec<String> {
        self.certs
            .iter()
            .map(|c| c.fingerprint().to_hex())
            .collect()
    }

    /// Whether the keyring holds no key of either kind.
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty() && self.ssh.is_empty()
    }
}

fn read(path: &Path) -> Result<Vec<u8>, KeyringError> {
    std::fs::read(path).map_err(|source| KeyringError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Splits concatenated armor blocks (sequoia's armor reader stops after the first one).
/// Binary input is returned whole.
fn armor_blocks(bytes: &[u8]) -> Vec<&[u8]> {
    const BEGIN: &[u8] = b"-----BEGIN PGP";
    let mut starts = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        if bytes[pos..].starts_with(BEGIN) {
            starts.push(pos);
        }
        pos += bytes[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len() - pos, |e| e + 1);
    }
    let first_non_ws = bytes.iter().position(|b| !b.is_ascii_whitespace());
    if starts.is_empty() || first_non_ws != Some(starts[0]) {
        return vec![bytes];
    }
    starts
        .iter()
        .enumerate()
        .map(|(i, &s)| &bytes[s..starts.get(i + 1).copied().unwrap_or(bytes.len())])
        .collect()
}
