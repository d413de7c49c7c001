//! C2SP tlog-proof files (c2sp.org/tlog-proof, "Format"): an offline proof that one entry is in
//! the log, conventionally `NAME.tlog-proof`:
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! [extra <base64>]
//! index <decimal>
//! <base64 hash>            (zero or more: the RFC 6962 §2.1.1 inclusion proof, leaf side first)
//!
//! <signed checkpoint note, verbatim>
//! ```

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::checkpoint::Checkpoint;
use crate::merkle::{leaf_hash, verify_inclusion, Hash};
use crate::note::NoteVerifier;
use crate::LogError;

/// First line of a tlog-proof file.
pub const TLOG_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// Inclusion proofs of a tree of at most 2^64 leaves have at most 64 hashes.
const MAX_PROOF_HASHES: usize = 64;

/// An offline proof for one log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    /// Zero-based index of the entry in the log.
    pub index: u64,
    /// Inclusion proof of the entry in the checkpoint's tree.
    pub proof: Vec<Hash>,
    /// The log's signed checkpoint note (with any cosignatures), verbatim.
    pub checkpoint: String,
    /// Opaque, unauthenticated extra data (the `extra` line); applications MUST NOT trust it.
    pub extra: Option<Vec<u8>>,
}

impl TlogProof {
    /// The file text.
    pub fn encode(&self) -> String {
        let mut out = format!("{TLOG_PROOF_HEADER}\n");
        if let Some(extra) = &self.extra {
            out.push_str(&format!("extra {}\n", B64.encode(extra)));
        }
        out.push_str(&format!("index {}\n", self.index));
        for h in &self.proof {
            out.push_str(&B64.encode(h));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    /// Parses a tlog-proof file (the checkpoint is kept verbatim, verified by
    /// [`verify`](Self::verify)).
    pub fn parse(text: &str) -> Result<TlogProof, LogError> {
        let bad = LogError::ProofFile;
        let mut rest = text;
        let mut next_line = |what: &'static str| -> Result<&str, LogError> {
            let (line, after) = rest.split_once('\n').ok_or(bad(what))?;
            rest = after;
            Ok(line)
        };
        if next_line("no header line")? != TLOG_PROOF_HEADER {
            return Err(bad("first line is not c2sp.org/tlog-proof@v1"));
        }
        let mut line = next_line("no index line")?;
        let mut extra = None;
        if let Some(b64) = line.strip_prefix("extra ") {
            extra = Some(B64.decode(b64).map_err(|_| bad("extra is not base64"))?);
            line = next_line("no index line")?;
        }
        let index = line
            .strip_prefix("index ")
            .filter(|d| {
                !d.is_empty()
                    && d.bytes().all(|b| b.is_ascii_digit())
                    && (*d == "0" || !d.starts_with('0'))
            })
            .and_then(|d| d.parse::<u64>().ok())
            .ok_or(bad("no index line with a decimal without leading zeroes"))?;
        let mut proof = Vec::new();
        loop {
            let line = next_line("no empty line before the checkpoint")?;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_HASHES {
                return Err(bad("more than 64 proof hashes"));
            }
            let h: Hash = B64
                .decode(line)
                .ok()
                .and_then(|h| h.try_into().ok())
                .ok_or(bad("proof line is not base64 of 32 bytes"))?;
            proof.push(h);
        }
        if rest.is_empty() {
            return Err(bad("no checkpoint"));
        }
        Ok(TlogProof {
            index,
            proof,
            checkpoint: rest.to_owned(),
            extra,
        })
    }

    /// Verifies that `entry` is at [`index`](Self::index) in the tree of the checkpoint, and
    /// that the checkpoint is signed by `verifier`; returns the checkpoint.
    ///
    /// The caller must still check the checkpoint's origin (the log it expects) and, to detect
    /// a split view, its consistency with checkpoints seen before.
    pub fn verify(&self, entry: &[u8], verifier: &NoteVerifier) -> Result<Checkpoint, LogError> {
        let body = verifier.verify(&self.checkpoint)?;
        let checkpoint = Checkpoint::parse(body)?;
        verify_inclusion(
            &self.proof,
            checkpoint.size,
            &checkpoint.root,
            self.index,
            &leaf_hash(entry),
        )?;
        Ok(checkpoint)
    }
}
