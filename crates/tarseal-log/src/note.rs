//! C2SP signed-note (c2sp.org/signed-note) with Ed25519 keys, and the key strings of
//! `golang.org/x/mod/sumdb/note`:
//!
//! - verifier key: `<name>+<hex8 key ID>+<base64(0x01 ‖ 32-byte public key)>`
//! - signer key:   `PRIVATE+KEY+<name>+<hex8 key ID>+<base64(0x01 ‖ 32-byte seed)>`
//!
//! A signed note is the text (ending in a newline), a blank line, then signature lines
//! `— <name> <base64(4-byte big-endian key ID ‖ signature)>` (signed-note "Format").

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::LogError;

/// Signature type byte of Ed25519 note signatures (signed-note "Signature types").
const ALG_ED25519: u8 = 0x01;
/// Prefix of each signature line: em dash (U+2014) and a space (signed-note "Format").
const SIG_PREFIX: &str = "\u{2014} ";
/// Signature lines accepted per note. signed-note "Format": verifiers SHOULD limit them and
/// MUST accept at least 16; 100 is x/mod note's limit.
const MAX_SIGNATURES: usize = 100;
const PRIVATE_PREFIX: &str = "PRIVATE+KEY+";

/// Key names MUST be non-empty and MUST NOT contain Unicode spaces or `+` (signed-note
/// "Format"). Control characters are not allowed anywhere in a note either.
fn check_name(name: &str) -> Result<(), LogError> {
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
    {
        return Err(LogError::KeyName(name.to_owned()));
    }
    Ok(())
}

/// signed-note "Signatures", Ed25519: `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]`, big-endian.
fn key_id(name: &str, public: &[u8; 32]) -> u32 {
    key_id_for(name, ALG_ED25519, public)
}

/// `SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]`, big-endian (signed-note "Signatures";
/// tlog-cosignature "Format" for type 0x04).
fn key_id_for(name: &str, alg: u8, public: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', alg]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// Strict standard base64 (RFC 4648 §4, padded, canonical).
fn b64_decode(s: &str) -> Option<Vec<u8>> {
    B64.decode(s).ok()
}

/// `<name>+<hex8>+<base64(0x01 ‖ 32 bytes)>` → (name, key ID, key bytes).
fn parse_key_fields(s: &str) -> Result<(&str, u32, [u8; 32]), LogError> {
    parse_typed_key_fields(s, ALG_ED25519)
}

/// `<name>+<hex8>+<base64(alg ‖ 32 bytes)>` → (name, key ID, key bytes).
fn parse_typed_key_fields(s: &str, want_alg: u8) -> Result<(&str, u32, [u8; 32]), LogError> {
    let mut parts = s.splitn(3, '+');
    let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(LogError::Key("expected <name>+<key ID>+<key>"));
    };
    check_name(name).map_err(|_| LogError::Key("invalid key name"))?;
    if id.len() != 8 || !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(LogError::Key("key ID is not 8 lowercase hex digits"));
    }
    let id = u32::from_str_radix(id, 16).map_err(|_| LogError::Key("key ID is not hex"))?;
    let key = b64_decode(key).ok_or(LogError::Key("key is not base64"))?;
    let [alg, rest @ ..] = key.as_slice() else {
        return Err(LogError::Key("key is empty"));
    };
    if *alg != want_alg {
        return Err(LogError::Key("not a key of the expected signature type"));
    }
    let bytes: [u8; 32] = rest
        .try_into()
        .map_err(|_| LogError::Key("Ed25519 key is not 32 bytes"))?;
    Ok((name, id, bytes))
}

/// Signs note texts with an Ed25519 key (signed-note "Ed25519 signatures").
pub struct NoteSigner {
    name: String,
    id: u32,
    key: SigningKey,
}

impl std::fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoteSigner")
            .field("name", &self.name)
            .field("id", &format_args!("{:08x}", self.id))
            .finish_non_exhaustive()
    }
}

impl NoteSigner {
    /// A signer from a 32-byte Ed25519 secret key (seed) and a key name.
    pub fn new(name: &str, seed: &[u8; 32]) -> Result<NoteSigner, LogError> {
        check_name(name)?;
        let key = SigningKey::from_bytes(seed);
        let id = key_id(name, key.verifying_key().as_bytes());
        Ok(NoteSigner {
            name: name.to_owned(),
            id,
            key,
        })
    }

    /// A signer from a signer key string `PRIVATE+KEY+<name>+<hex8>+<base64(0x01 ‖ seed)>`;
    /// the key ID must be the one computed from the name and the public key.
    pub fn from_key_string(s: &str) -> Result<NoteSigner, LogError> {
        let rest = s
            .trim_end_matches(['\n', '\r'])
            .strip_prefix(PRIVATE_PREFIX)
            .ok_or(LogError::Key("signer key does not start with PRIVATE+KEY+"))?;
        let (name, id, seed) = parse_key_fields(rest)?;
        let signer = NoteSigner::new(name, &seed)?;
        if signer.id != id {
            return Err(LogError::Key("key ID does not match the key"));
        }
        Ok(signer)
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// The signer key string (secret: `PRIVATE+KEY+...`).
    pub fn key_string(&self) -> String {
        let mut key = vec![ALG_ED25519];
        key.extend_from_slice(self.key.as_bytes());
        format!(
            "{PRIVATE_PREFIX}{}+{:08x}+{}",
            self.name,
            self.id,
            B64.encode(key)
        )
    }

    /// The verifier for this signer.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// The signature line for `text` (without checking `text`): `— <name> <base64>\n`.
    pub fn signature_line(&self, text: &str) -> String {
        let sig = self.key.sign(text.as_bytes());
        let mut blob = self.id.to_be_bytes().to_vec();
        blob.extend_from_slice(&sig.to_bytes());
        format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(blob))
    }

    /// The signed note for `text`: the text, a blank line, this key's signature line. `text`
    /// must be a valid note text: ending in a newline, without control characters other than
    /// newline (signed-note "Format").
    pub fn sign(&self, text: &str) -> Result<String, LogError> {
        check_text(text)?;
        Ok(format!("{text}\n{}", self.signature_line(text)))
    }

    /// Adds this key's signature to an already signed note (a cosignature by another key, for
    /// example), after checking the note's format. The signature covers the note text.
    pub fn cosign(&self, note: &str) -> Result<String, LogError> {
        let parsed = split_note(note)?;
        check_text(parsed.text)?;
        Ok(format!("{note}{}", self.signature_line(parsed.text)))
    }
}

/// Verifies notes signed by one Ed25519 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl NoteVerifier {
    /// A verifier from a verifier key string `<name>+<hex8>+<base64(0x01 ‖ public key)>`; the key
    /// ID must be the one computed from the name and the key.
    pub fn from_key_string(s: &str) -> Result<NoteVerifier, LogError> {
        let (name, id, public) = parse_key_fields(s.trim_end_matches(['\n', '\r']))?;
        if key_id(name, &public) != id {
            return Err(LogError::Key("key ID does not match the key"));
        }
        let key = VerifyingKey::from_bytes(&public)
            .map_err(|_| LogError::Key("not a valid Ed25519 public key"))?;
        Ok(NoteVerifier {
            name: name.to_owned(),
            id,
            key,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// The verifier key string.
    pub fn key_string(&self) -> String {
        let mut key = vec![ALG_ED25519];
        key.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id, B64.encode(key))
    }

    /// Verifies a signed note and returns its text (the body, with its final newline).
    ///
    /// signed-note "Signatures": lines by other keys (another name or another key ID) are
    /// ignored; every line by this key must verify (a failing one rejects the note, as does
    /// the same key signing twice); at least one must be present.
    pub fn verify<'a>(&self, note: &'a str) -> Result<&'a str, LogError> {
        let parsed = split_note(note)?;
        let mut verified = false;
        for sig in &parsed.signatures {
            if sig.name != self.name || sig.id != self.id {
                continue;
            }
            if verified {
                return Err(LogError::Note("two signatures by the same key"));
            }
            let bytes: [u8; 64] = sig
                .signature
                .as_slice()
                .try_into()
                .map_err(|_| LogError::BadSignature(self.name.clone()))?;
            let signature = ed25519_dalek::Signature::from_bytes(&bytes);
            self.key
                .verify_strict(parsed.text.as_bytes(), &signature)
                .map_err(|_| LogError::BadSignature(self.name.clone()))?;
            verified = true;
        }
        if !verified {
            return Err(LogError::UnsignedNote(self.name.clone()));
        }
        Ok(parsed.text)
    }
}

/// A freshly generated key pair from the operating system's random source: (signer key string,
/// verifier key string).
pub fn generate_signer(name: &str) -> Result<(String, String), LogError> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| LogError::Random(e.to_string()))?;
    let signer = NoteSigner::new(name, &seed)?;
    Ok((signer.key_string(), signer.verifier().key_string()))
}

/// One signature line of a note, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature<'a> {
    /// The key name.
    pub name: &'a str,
    /// The key ID (the first 4 bytes, big-endian).
    pub id: u32,
    /// The signature bytes after the key ID.
    pub signature: Vec<u8>,
}

/// A note split into its text and signature lines, unverified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnverifiedNote<'a> {
    /// The note text, with its final newline. MUST be ignored until a signature is verified.
    pub text: &'a str,
    /// The signature lines, in order.
    pub signatures: Vec<NoteSignature<'a>>,
}

/// No ASCII control characters but newline (signed-note "Format").
fn check_chars(s: &str) -> Result<(), LogError> {
    if s.chars().any(|c| c.is_ascii_control() && c != '\n') {
        return Err(LogError::Note("control character"));
    }
    Ok(())
}

fn check_text(text: &str) -> Result<(), LogError> {
    check_chars(text)?;
    if !text.ends_with('\n') {
        return Err(LogError::Note("text does not end in a newline"));
    }
    Ok(())
}

/// Splits a signed note into text and signature lines (signed-note "Format": the text is
/// separated from the signatures by the last empty line), checking the syntax but not the
/// signatures.
pub fn split_note(note: &str) -> Result<UnverifiedNote<'_>, LogError> {
    check_chars(note)?;
    let split = note
        .rfind("\n\n")
        .ok_or(LogError::Note("no blank line before the signatures"))?;
    let text = &note[..split + 1];
    let sigs = &note[split + 2..];
    if sigs.is_empty() {
        return Err(LogError::Note("no signature lines"));
    }
    let Some(sigs) = sigs.strip_suffix('\n') else {
        return Err(LogError::Note("signature line does not end in a newline"));
    };
    let mut signatures = Vec::new();
    for line in sigs.split('\n') {
        if signatures.len() == MAX_SIGNATURES {
            return Err(LogError::Note("too many signatures"));
        }
        let rest = line.strip_prefix(SIG_PREFIX).ok_or(LogError::Note(
            "signature line does not start with '\u{2014} '",
        ))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or(LogError::Note("signature line has no signature"))?;
        check_name(name).map_err(|_| LogError::Note("invalid key name in a signature line"))?;
        let blob = b64_decode(b64).ok_or(LogError::Note("signature is not base64"))?;
        if blob.len() < 5 {
            return Err(LogError::Note("signature is too short"));
        }
        signatures.push(NoteSignature {
            name,
            id: u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]),
            signature: blob[4..].to_vec(),
        });
    }
    Ok(UnverifiedNote { text, signatures })
}

/// Signature type byte of Ed25519 timestamped witness cosignatures (tlog-cosignature).
const ALG_COSIGNATURE_V1: u8 = 0x04;

/// The message an Ed25519 cosignature signs (tlog-cosignature "Ed25519 signed message"):
/// `cosignature/v1\ntime <timestamp>\n` and the whole checkpoint note text.
fn cosignature_message(timestamp: u64, text: &str) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{text}")
}

/// Largest cosignature timestamp (tlog-cosignature: MUST NOT exceed 2^63 - 1).
const MAX_TIMESTAMP: u64 = i64::MAX as u64;

/// A witness's Ed25519 cosigner (c2sp.org/tlog-cosignature, type 0x04). The caller supplies
/// the time: this crate reads no clock.
pub struct CosignatureSigner {
    name: String,
    id: u32,
    key: SigningKey,
}

impl std::fmt::Debug for CosignatureSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CosignatureSigner")
            .field("name", &self.name)
            .field("id", &format_args!("{:08x}", self.id))
            .finish_non_exhaustive()
    }
}

impl CosignatureSigner {
    /// A cosigner from a 32-byte Ed25519 seed and a key name.
    pub fn new(name: &str, seed: &[u8; 32]) -> Result<CosignatureSigner, LogError> {
        check_name(name)?;
        let key = SigningKey::from_bytes(seed);
        let id = key_id_for(name, ALG_COSIGNATURE_V1, key.verifying_key().as_bytes());
        Ok(CosignatureSigner {
            name: name.to_owned(),
            id,
            key,
        })
    }

    /// A cosigner from its key string `PRIVATE+KEY+<name>+<hex8>+<base64(0x04 ‖ seed)>` (the
    /// signer-key format of signed-note with the tlog-cosignature type byte); the key ID must
    /// be the one computed from the name and the public key.
    pub fn from_key_string(s: &str) -> Result<CosignatureSigner, LogError> {
        let rest = s
            .trim_end_matches(['\n', '\r'])
            .strip_prefix(PRIVATE_PREFIX)
            .ok_or(LogError::Key("signer key does not start with PRIVATE+KEY+"))?;
        let (name, id, seed) = parse_typed_key_fields(rest, ALG_COSIGNATURE_V1)?;
        let signer = CosignatureSigner::new(name, &seed)?;
        if signer.id != id {
            return Err(LogError::Key("key ID does not match the key"));
        }
        Ok(signer)
    }

    /// A fresh cosigner from the operating system's random source.
    pub fn generate(name: &str) -> Result<CosignatureSigner, LogError> {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).map_err(|e| LogError::Random(e.to_string()))?;
        CosignatureSigner::new(name, &seed)
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The signer key string (secret: `PRIVATE+KEY+...`), read back by
    /// [`from_key_string`](Self::from_key_string).
    pub fn key_string(&self) -> String {
        let mut key = vec![ALG_COSIGNATURE_V1];
        key.extend_from_slice(self.key.as_bytes());
        format!(
            "{PRIVATE_PREFIX}{}+{:08x}+{}",
            self.name,
            self.id,
            B64.encode(key)
        )
    }

    /// The verifier for this cosigner.
    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// Appends this cosigner's signature line, made at `timestamp` (POSIX seconds), to a signed
    /// note whose text is a checkpoint. The caller must have checked the checkpoint first (its
    /// signature by the log, its consistency with what the witness saw before).
    pub fn cosign(&self, note: &str, timestamp: u64) -> Result<String, LogError> {
        if timestamp > MAX_TIMESTAMP {
            return Err(LogError::Note("cosignature timestamp exceeds 2^63 - 1"));
        }
        let parsed = split_note(note)?;
        check_text(parsed.text)?;
        let sig = self
            .key
            .sign(cosignature_message(timestamp, parsed.text).as_bytes());
        let mut blob = self.id.to_be_bytes().to_vec();
        blob.extend_from_slice(&timestamp.to_be_bytes());
        blob.extend_from_slice(&sig.to_bytes());
        Ok(format!(
            "{note}{SIG_PREFIX}{} {}\n",
            self.name,
            B64.encode(blob)
        ))
    }
}

/// Verifies a witness's Ed25519 cosignature (c2sp.org/tlog-cosignature, type 0x04) on a
/// checkpoint note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignatureVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl CosignatureVerifier {
    /// From a verifier key string `<name>+<hex8>+<base64(0x04 ‖ public key)>`
    /// (tlog-cosignature "Format": Ed25519 keys MAY be encoded as vkeys with type 0x04).
    pub fn from_key_string(s: &str) -> Result<CosignatureVerifier, LogError> {
        let (name, id, public) =
            parse_typed_key_fields(s.trim_end_matches(['\n', '\r']), ALG_COSIGNATURE_V1)?;
        if key_id_for(name, ALG_COSIGNATURE_V1, &public) != id {
            return Err(LogError::Key("key ID does not match the key"));
        }
        let key = VerifyingKey::from_bytes(&public)
            .map_err(|_| LogError::Key("not a valid Ed25519 public key"))?;
        Ok(CosignatureVerifier {
            name: name.to_owned(),
            id,
            key,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The verifier key string.
    pub fn key_string(&self) -> String {
        let mut key = vec![ALG_COSIGNATURE_V1];
        key.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id, B64.encode(key))
    }

    /// Verifies this witness's cosignature on a note and returns the note text and the
    /// cosignature's timestamp. The same rules as [`NoteVerifier::verify`]: other keys' lines
    /// are ignored, a failing or repeated line of this key rejects the note.
    pub fn verify<'a>(&self, note: &'a str) -> Result<(&'a str, u64), LogError> {
        let parsed = split_note(note)?;
        let mut found = None;
        for sig in &parsed.signatures {
            if sig.name != self.name || sig.id != self.id {
                continue;
            }
            if found.is_some() {
                return Err(LogError::Note("two signatures by the same key"));
            }
            let bad = || LogError::BadSignature(self.name.clone());
            // timestamped_signature: u64 timestamp (big-endian) ‖ 64-byte Ed25519 signature.
            let (ts, sig_bytes) = (sig.signature.len() == 72)
                .then(|| sig.signature.split_at(8))
                .ok_or_else(bad)?;
            let timestamp = u64::from_be_bytes(ts.try_into().map_err(|_| bad())?);
            if timestamp > MAX_TIMESTAMP {
                return Err(bad());
            }
            let bytes: [u8; 64] = sig_bytes.try_into().map_err(|_| bad())?;
            let signature = ed25519_dalek::Signature::from_bytes(&bytes);
            self.key
                .verify_strict(
                    cosignature_message(timestamp, parsed.text).as_bytes(),
                    &signature,
                )
                .map_err(|_| bad())?;
            found = Some(timestamp);
        }
        let timestamp = found.ok_or_else(|| LogError::UnsignedNote(self.name.clone()))?;
        Ok((parsed.text, timestamp))
    }
}
