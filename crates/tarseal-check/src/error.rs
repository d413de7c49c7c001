//! Errors that stop a check before it reaches a verdict.

use crate::policy::PolicyError;
use tarseal_archive::ArchiveError;
use tarseal_git::{GitError, ProofError};

/// Why a check could not produce a report. [`CheckError::exit_code`] maps each to the exit codes
/// of DESIGN.md §3: proven-wrong inputs are 1, usage and I/O problems are 2.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("{0}")]
    Git(#[from] GitError),
    /// A git proof (`--proof`) that cannot be read, is damaged or lacks what the check needs.
    #[error("git proof: {0}")]
    Proof(#[from] ProofError),
    #[error("{archive}: {source}")]
    Archive {
        archive: String,
        #[source]
        source: ArchiveError,
    },
    #[error("policy {origin}: {detail}")]
    Policy {
        origin: String,
        #[source]
        detail: Box<PolicyError>,
    },
    #[error("cannot open {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
    /// A `--submodule PATH=REPO` that cannot be used (exit 2).
    #[error("--submodule {path}={repo}: {detail}")]
    Submodule {
        path: String,
        repo: String,
        detail: String,
    },
    /// The tag's signature was not accepted (exit 1). The message names the key.
    #[error("signature check failed for tag {tag}: {rejection}")]
    Signature {
        tag: String,
        #[source]
        rejection: tarseal_sig::TagRejection,
    },
}

impl CheckError {
    /// The process exit code this error stands for.
    pub fn exit_code(&self) -> i32 {
        match self {
            CheckError::Git(e) => match e {
                // The repository holds something that contradicts the request: rejected.
                GitError::Lightweight { .. } | GitError::NameMismatch { .. } => 1,
                _ => 2,
            },
            CheckError::Archive { source, .. } => match source {
                ArchiveError::Io(_) => 2,
                // Truncated, corrupt, hostile beyond reading, a bomb, a SHA-1 collision, or not
                // an archive at all: the file is proven not to be a sound release archive.
                _ => 1,
            },
            CheckError::Signature { .. } => 1,
            CheckError::Proof(e) => match e {
                ProofError::Io { .. } => 2,
                // Damaged, altered, incomplete or not a proof: nothing it says can be relied on.
                _ => 1,
            },
            CheckError::Policy { .. }
            | CheckError::Open { .. }
            | CheckError::Usage(_)
            | CheckError::Submodule { .. } => 2,
        }
    }
}
