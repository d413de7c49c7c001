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
        if rest.first().is_some_and(|b| b & 0x80 != 0)
            || rest.starts_with(b"-----BEGIN PGP")
            || has_armor_line(rest)
        {
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

/// Splits the armored blocks out of a file as `gpg --import` finds them: every block from its
/// `-----BEGIN PGP ...-----` line to its `-----END PGP ...-----` line, whatever text lies
/// before, between or after (OpenStack's published key files hold `gpg --list-keys` output
/// before the block; `cat a.asc b.asc` gives several blocks). Sequoia's armor reader stops
/// after the first block and refuses leading text, hence the split. Binary input (no
/// BEGIN line) is returned whole.
fn armor_blocks(bytes: &[u8]) -> Vec<&[u8]> {
    const BEGIN: &[u8] = b"-----BEGIN PGP";
    const END: &[u8] = b"-----END PGP";
    let mut blocks = Vec::new();
    let mut start: Option<usize> = None;
    let mut pos = 0;
    while pos < bytes.len() {
        let line_end = bytes[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |e| pos + e + 1);
        let line = bytes[pos..line_end].trim_ascii_start();
        if line.starts_with(BEGIN) {
            // A BEGIN without its END before the next BEGIN: keep what we had (sequoia
            // names the truncation).
            if let Some(s) = start {
                blocks.push(&bytes[s..pos]);
            }
            start = Some(pos);
        } else if line.starts_with(END) {
            if let Some(s) = start.take() {
                blocks.push(&bytes[s..line_end]);
            }
        }
        pos = line_end;
    }
    if let Some(s) = start {
        blocks.push(&bytes[s..]);
    }
    if blocks.is_empty() {
        return vec![bytes];
    }
    blocks
}

/// Whether `bytes` hold an armored OpenPGP block on a line of its own, anywhere (text before
/// it is allowed, as `gpg --import` allows it).
fn has_armor_line(bytes: &[u8]) -> bool {
    bytes.split(|&b| b == b'\n').any(|l| {
        l.trim_ascii_start()
            .starts_with(b"-----BEGIN PGP PUBLIC KEY BLOCK-----")
    })
}

#[cfg(test)]
mod tests {
    use super::armor_blocks;

    #[test]
    fn blocks_embedded_in_text_are_found() {
        let text = b"pub   rsa4096 2024-03-01 [SC] [expires: 2026-03-01]\n      ABCDEF\nuid  [ unknown] OpenStack Infra\n\n-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\ntrailing words\n-----BEGIN PGP PUBLIC KEY BLOCK-----\nBBBB\n-----END PGP PUBLIC KEY BLOCK-----\n";
        let b = armor_blocks(text);
        assert_eq!(b.len(), 2);
        assert!(b[0].starts_with(b"-----BEGIN") && b[0].ends_with(b"BLOCK-----\n"));
        assert!(std::str::from_utf8(b[0]).unwrap().contains("AAAA"));
        assert!(!std::str::from_utf8(b[0]).unwrap().contains("trailing"));
        assert!(std::str::from_utf8(b[1]).unwrap().contains("BBBB"));
        // Binary (no armor): whole.
        assert_eq!(armor_blocks(b"\x99\x01\x02").len(), 1);
        assert!(super::has_armor_line(text));
        assert!(!super::has_armor_line(b"alice ssh-ed25519 AAAA\n"));
    }
}
