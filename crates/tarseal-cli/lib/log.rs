//! The transparency log from the client's side: publish a record file (and keep the log's
//! proof beside it), make and publish the build job's record, and query a project's tag with
//! every answer proven (inclusion proofs, the checkpoint's signature by the pinned log key,
//! consistency with a checkpoint kept from before, each record's own signature).
//!
//! Publishing and querying need a running log (`tarseal serve`), hence `no_run`:
//!
//! ```no_run
//! use tarseal::log::{self, Publication};
//! let server = "http://127.0.0.1:8470";
//! // NAME.seal + NAME.seal.asc, as `tarseal seal` wrote them; the proof lands beside them.
//! match log::publish_file("demo-1.0.tar.gz.seal".as_ref(), server)? {
//!     Publication::Logged { index, proof, .. } => println!("entry {index}, proof {}", proof.display()),
//!     Publication::Refused { status, message, .. } => eprintln!("refused ({status}): {message}"),
//! }
//! // Every record proven included in a checkpoint signed by the pinned key.
//! let (answer, checkpoint) = log::query(server, "demo", "v1.0", Some("tarseal.localhost/log+..."))?;
//! for (file, records) in log::disagreements(&answer.records) {
//!     eprintln!("{file}: {} records name different bytes", records.len());
//! }
//! println!("{} records at tree size {}", answer.records.len(), checkpoint.size);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::{Path, PathBuf};
pub use tarseal_seal::atomic::AtomicError;
pub use tarseal_seal::{
    publish_file, publish_record, write_build_record, BuildError, BuildOptions, BuildRecord,
    Publication, PublishError, ReportHandover,
};
pub use tarseal_server::app::{Published, QueryAnswer, QueryRecord};
pub use tarseal_server::client::{
    open_checkpoint, query_verified, verify_answer, verify_consistency, verify_tlog_proof,
    CheckpointBody, ClientError, InvalidAnswer, QueryError, VerifiedTag,
};
pub use tarseal_verify::logview::{disagreements, findings, kind_label, LogFinding};

/// Why a query has no verified answer. [`AnswerError::exit_code`] is the command's.
#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    /// The log could not be asked.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The log has no record of the project's tag (404: indeterminate, never "clean").
    #[error("{0}")]
    NotFound(String),
    /// Another HTTP status than 200 or 404.
    #[error("the log answered {status}: {body}")]
    Status {
        /// The status.
        status: u16,
        /// Its body, trimmed.
        body: String,
    },
    /// A 200 answer that is not the API's JSON.
    #[error("unexpected answer from the log: {0}")]
    Unexpected(serde_json::Error),
    /// The answer is proven wrong: a proof or the checkpoint's signature fails.
    #[error("the log's answer does not verify: {0}")]
    Invalid(#[source] InvalidAnswer),
}

impl AnswerError {
    /// 3 for no record, 1 for an answer proven wrong, 2 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            AnswerError::NotFound(_) => 3,
            AnswerError::Invalid(_) => 1,
            _ => 2,
        }
    }
}

/// Asks the log for `project`/`tag` and verifies the answer: every inclusion proof, and
/// with `log_key` the checkpoint's signature (without it the root is not authenticated).
pub fn query(
    server: &str,
    project: &str,
    tag: &str,
    log_key: Option<&str>,
) -> Result<(QueryAnswer, CheckpointBody), AnswerError> {
    let a = tarseal_server::client::query(server, project, tag, None)?;
    if a.status == 404 {
        return Err(AnswerError::NotFound(a.body.trim_end().to_string()));
    }
    if a.status != 200 {
        return Err(AnswerError::Status {
            status: a.status,
            body: a.body.trim_end().to_string(),
        });
    }
    let answer: QueryAnswer = serde_json::from_str(&a.body).map_err(AnswerError::Unexpected)?;
    let cp = verify_answer(&answer, log_key).map_err(AnswerError::Invalid)?;
    Ok((answer, cp))
}

/// The checkpoint kept in `state` (re-verified with `key`: a state file is only as good as
/// its signature), proven consistent with `cp` by the log; `None` when there is none yet.
pub fn check_kept_checkpoint(
    state: &Path,
    key: &str,
    server: &str,
    cp: &CheckpointBody,
) -> Result<Option<CheckpointBody>, QueryError> {
    let old = match std::fs::read_to_string(state) {
        Ok(text) => open_checkpoint(&text, Some(key)).map_err(|e| {
            QueryError::Unavailable(format!(
                "{}: not a checkpoint signed by --log-key: {e}",
                state.display()
            ))
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(QueryError::Unavailable(format!(
                "cannot read {}: {e}",
                state.display()
            )))
        }
    };
    verify_consistency(server, &old, cp)?;
    Ok(Some(old))
}

/// Replaces the kept checkpoint with `note` (all or nothing).
pub fn keep_checkpoint(state: &Path, note: &str) -> Result<(), AtomicError> {
    let dir = match state.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = state
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    tarseal_seal::atomic::write_all(&dir, &[(name, note.as_bytes())]).map(|_| ())
}

/// Whether a logged record's own signature is by a keyring key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordSigner {
    /// A good signature by a keyring key: the record counts.
    Keyring,
    /// No keyring key signed it (the statuses, for people): left out.
    Other(String),
}

/// A logged record whose signature rejects the whole answer.
#[derive(Debug, thiserror::Error)]
pub enum RecordRejection {
    /// Its signature is not an OpenPGP signature.
    #[error("entry {index}: its signature: {source}")]
    Unusable {
        /// The entry.
        index: u64,
        /// The cause.
        source: tarseal_sig::VerifyError,
    },
    /// A BAD signature by a keyring key.
    #[error("entry {index}: {status}")]
    Bad {
        /// The entry.
        index: u64,
        /// The status, for people.
        status: String,
    },
}

/// Judges one logged record's own signature against `keyring`.
pub fn record_signer(
    keyring: &tarseal_sig::Keyring,
    r: &QueryRecord,
) -> Result<RecordSigner, RecordRejection> {
    let st =
        tarseal_sig::verify_detached(keyring, r.signature.as_bytes(), r.record.as_bytes(), None)
            .map_err(|e| RecordRejection::Unusable {
                index: r.index,
                source: e,
            })?;
    if let Some(bad) = st
        .iter()
        .find(|s| matches!(s, tarseal_sig::SigStatus::Bad { .. }))
    {
        return Err(RecordRejection::Bad {
            index: r.index,
            status: bad.to_string(),
        });
    }
    if st.iter().any(|s| s.good().is_some()) {
        return Ok(RecordSigner::Keyring);
    }
    let why: Vec<String> = st.iter().map(|s| s.to_string()).collect();
    Ok(RecordSigner::Other(why.join("; ")))
}
