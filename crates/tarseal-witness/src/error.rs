//! The crate's errors: what an `add-checkpoint` request was refused for (each maps to the
//! HTTP status tlog-witness prescribes), and what a witness could not do.

/// Why a witness refused (or could not handle) an `add-checkpoint` request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AddError {
    /// The body is not `old N`, proof lines, a blank line and a signed checkpoint (400).
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The old size is larger than the checkpoint's (400).
    #[error("old size {old} is larger than the checkpoint's size {size}")]
    OldAfterNew { old: u64, size: u64 },
    /// The checkpoint's origin is not a log this witness is configured for (404).
    #[error("unknown log origin {0:?}")]
    UnknownOrigin(String),
    /// No signature by a pinned key of that log verifies (403).
    #[error("the checkpoint of {origin:?} has no valid signature by its pinned key: {reason}")]
    Forbidden { origin: String, reason: String },
    /// The old size is not the size this witness last cosigned (409, body: that size).
    #[error("old size {old} is not the size this witness last cosigned for {origin:?} ({known})")]
    Conflict {
        origin: String,
        old: u64,
        known: u64,
    },
    /// Same size as last cosigned, another root: a fork (409).
    #[error("{origin:?} at size {size} has another root than the checkpoint this witness cosigned: a fork")]
    Fork {
        origin: String,
        size: u64,
        known: u64,
    },
    /// The consistency proof does not prove the old tree is a prefix of the new (422).
    #[error("consistency proof from size {old} to {size} of {origin:?} does not verify: {reason}")]
    Inconsistent {
        origin: String,
        old: u64,
        size: u64,
        reason: String,
    },
    /// The state could not be read or made durable (500): nothing was cosigned.
    #[error(transparent)]
    Witness(#[from] WitnessError),
}

impl AddError {
    /// The HTTP status of this refusal (tlog-witness "add-checkpoint").
    pub fn status(&self) -> u16 {
        match self {
            AddError::Malformed(_) | AddError::OldAfterNew { .. } => 400,
            AddError::UnknownOrigin(_) => 404,
            AddError::Forbidden { .. } => 403,
            AddError::Conflict { .. } | AddError::Fork { .. } => 409,
            AddError::Inconsistent { .. } => 422,
            AddError::Witness(_) => 500,
        }
    }
}

/// A witness's own failure: its key, its configuration or its state directory.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WitnessError {
    /// Reading or writing a file of the data directory.
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The key file or a `--log` key does not parse.
    #[error("{what}: {source}")]
    Key {
        what: String,
        #[source]
        source: tarseal_log::LogError,
    },
    /// The key file holds a key of another name than `--name`.
    #[error("{path}: the witness key is named {found:?}, not {wanted:?} (--name); use another --data-dir or the key's name")]
    NameMismatch {
        path: std::path::PathBuf,
        found: String,
        wanted: String,
    },
    /// A stored state file that is not a checkpoint signed by the log's pinned key.
    #[error("{path}: stored state is damaged ({reason}); the witness refuses to run on it (restore it from a backup; never delete it, or the witness could cosign a fork)")]
    BadState {
        path: std::path::PathBuf,
        reason: String,
    },
    /// No `--log`, or the listener could not be bound.
    #[error("{0}")]
    Config(String),
}
