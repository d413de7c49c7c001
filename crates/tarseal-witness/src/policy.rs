//! The verifier's witness rule (`verify`/`query --witness-key K... --witness-threshold N`): a
//! checkpoint counts only with valid tlog-cosignatures from N distinct pinned witnesses. The
//! cosignatures must be on the very checkpoint the inclusion proof is against: a cosigned
//! older checkpoint proves nothing about a newer entry.

use tarseal_log::CosignatureVerifier;

/// Why a witness policy could not be built or is not met.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A `--witness-key` that is not a tlog-cosignature verifier key (usage error).
    #[error("--witness-key {key:?}: {reason}")]
    Key { key: String, reason: String },
    /// `--witness-threshold` above the number of distinct keys, or without keys (usage error).
    #[error("--witness-threshold {threshold} needs at least {threshold} distinct --witness-key (got {keys})")]
    Threshold { threshold: usize, keys: usize },
    /// Too few valid cosignatures (rejected).
    #[error("the checkpoint has valid cosignatures from {} of the {need} witnesses required (--witness-threshold {need}){}; missing: {}", have.len(), if have.is_empty() { String::new() } else { format!(" ({})", have.join(", ")) }, missing.join("; "))]
    Missing {
        need: usize,
        have: Vec<String>,
        missing: Vec<String>,
    },
}

impl PolicyError {
    /// Whether the error is the user's input (exit 2) rather than a rejection (exit 1).
    pub fn is_usage(&self) -> bool {
        !matches!(self, PolicyError::Missing { .. })
    }
}

/// N of the pinned witnesses.
#[derive(Debug, Clone)]
pub struct WitnessPolicy {
    witnesses: Vec<CosignatureVerifier>,
    threshold: usize,
}

impl WitnessPolicy {
    /// From the `--witness-key` strings and `--witness-threshold` (default: all of them).
    /// `Ok(None)` when neither is given (no witness required).
    pub fn new(
        keys: &[String],
        threshold: Option<usize>,
    ) -> Result<Option<WitnessPolicy>, PolicyError> {
        if keys.is_empty() && threshold.is_none() {
            return Ok(None);
        }
        let mut witnesses: Vec<CosignatureVerifier> = Vec::new();
        for k in keys {
            let v = CosignatureVerifier::from_key_string(k).map_err(|e| PolicyError::Key {
                key: k.clone(),
                reason: e.to_string(),
            })?;
            if !witnesses.contains(&v) {
                witnesses.push(v);
            }
        }
        let threshold = threshold.unwrap_or(witnesses.len());
        if threshold == 0 || threshold > witnesses.len() {
            return Err(PolicyError::Threshold {
                threshold,
                keys: witnesses.len(),
            });
        }
        Ok(Some(WitnessPolicy {
            witnesses,
            threshold,
        }))
    }

    /// The required number.
    pub fn threshold(&self) -> usize {
        self.threshold
    }

    /// Checks the signed checkpoint `note`: the names of the witnesses whose cosignature
    /// verifies, or [`PolicyError::Missing`] naming each witness short of the threshold and
    /// why (no line, or a line that does not verify).
    pub fn check(&self, note: &str) -> Result<Vec<String>, PolicyError> {
        let mut have = Vec::new();
        let mut missing = Vec::new();
        for w in &self.witnesses {
            match w.verify(note) {
                Ok(_) => have.push(w.name().to_string()),
                Err(tarseal_log::LogError::UnsignedNote(_)) => missing.push(format!(
                    "{} (no cosignature by {})",
                    w.name(),
                    w.key_string()
                )),
                Err(e) => missing.push(format!("{} ({e})", w.name())),
            }
        }
        if have.len() >= self.threshold {
            Ok(have)
        } else {
            Err(PolicyError::Missing {
                need: self.threshold,
                have,
                missing,
            })
        }
    }
}
