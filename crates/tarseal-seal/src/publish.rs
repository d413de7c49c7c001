//! Publishing to the transparency log from the files seal, record and sigs write: a record
//! file and its `.asc` sent to the log, the log's C2SP tlog-proof kept beside it
//! (`NAME.tlog-proof`, what `verify --log-key` checks offline); and a record signed and
//! sent in one step (cosign and upload records, which have no file of their own).

use std::path::{Path, PathBuf};
use tarseal_server::app::Published;
use tarseal_server::client::{self, ClientError};
use tarseal_sig::SigningKey;

/// Why a record was not published (exit 2). A refusal by the log is not an error but a
/// [`Publication::Refused`].
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The record or its signature file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The record's path ends in no file name.
    #[error("record path has no file name")]
    NoFileName,
    /// The log could not be asked, or answered 200 with something else than the API's JSON.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The tlog-proof could not be written beside the record.
    #[error("cannot write {}: {source}", path.display())]
    WriteProof {
        /// The proof file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Signing the record failed.
    #[error(transparent)]
    Sign(#[from] tarseal_sig::SignError),
    /// The log refused the record ([`publish_record`], which has no file to keep).
    #[error("the log answered {status}: {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The log's `error`, or its body.
        message: String,
    },
}

/// What became of `NAME.report.json` (found beside the record), handed to the log for its
/// web view once the record is logged. The record is logged whatever happens here.
#[derive(Debug)]
pub enum ReportHandover {
    /// The log kept it.
    Kept,
    /// The log answered another status than 200.
    Refused {
        /// The report file.
        path: PathBuf,
        /// HTTP status.
        status: u16,
        /// The log's answer, trimmed.
        body: String,
    },
    /// It could not be sent.
    NotSent {
        /// The report file.
        path: PathBuf,
        /// Why.
        error: ClientError,
    },
}

/// What the log did with a record file.
#[derive(Debug)]
pub enum Publication {
    /// Logged (now or before): its entry index, and where the proof was written.
    Logged {
        /// The entry's index in the log.
        index: u64,
        /// Whether the log already held it (nothing new written).
        existing: bool,
        /// `NAME.tlog-proof` beside the record.
        proof: PathBuf,
        /// `NAME.report.json` handed over, when there is one beside the record.
        report: Option<ReportHandover>,
    },
    /// The log answered something else than 200.
    Refused {
        /// HTTP status.
        status: u16,
        /// The log's `error`, or its body.
        message: String,
        /// 429 and 5xx say nothing about the record: try again later (exit 2, not 1).
        transient: bool,
    },
}

/// The log's `error` field of a refusal, or its body.
fn refusal_message(body: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
}

/// Publishes `record` (+ `.asc` beside it) to the log at `server` and writes
/// `NAME.tlog-proof` beside it (NAME = the record's name without `.seal`).
pub fn publish_file(record: &Path, server: &str) -> Result<Publication, PublishError> {
    let text = std::fs::read_to_string(record).map_err(|e| PublishError::Read {
        path: record.to_path_buf(),
        source: e,
    })?;
    let asc_path = PathBuf::from(format!("{}.asc", record.display()));
    let sig = std::fs::read_to_string(&asc_path).map_err(|e| PublishError::Read {
        path: asc_path.clone(),
        source: e,
    })?;
    let a = client::publish(server, &text, &sig)?;
    if a.status != 200 {
        let message = refusal_message(&a.body).unwrap_or(a.body);
        return Ok(Publication::Refused {
            status: a.status,
            message,
            transient: a.status >= 500 || a.status == 429,
        });
    }
    let p = client::parse_published(&a.body)?;
    let name = record
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.strip_suffix(".seal").unwrap_or(n).to_string())
        .ok_or(PublishError::NoFileName)?;
    let proof_path = record.with_file_name(format!("{name}.tlog-proof"));
    std::fs::write(&proof_path, &p.tlog_proof).map_err(|e| PublishError::WriteProof {
        path: proof_path.clone(),
        source: e,
    })?;
    Ok(Publication::Logged {
        index: p.index,
        existing: p.existing,
        proof: proof_path,
        report: hand_over_report(record, &name, server, p.index),
    })
}

/// Hands the log `NAME.report.json` from beside the record, for its web view; `None` when
/// there is no such file.
fn hand_over_report(record: &Path, name: &str, server: &str, index: u64) -> Option<ReportHandover> {
    let path = record.with_file_name(format!("{name}.report.json"));
    let report = std::fs::read_to_string(&path).ok()?;
    Some(match client::publish_report(server, index, &report) {
        Ok(a) if a.status == 200 => ReportHandover::Kept,
        Ok(a) => ReportHandover::Refused {
            path,
            status: a.status,
            body: a.body.trim().to_string(),
        },
        Err(error) => ReportHandover::NotSent { path, error },
    })
}

/// Signs `record` with `key` and `POST`s it to the log; the log's answer on 200, a
/// [`PublishError::Refused`] otherwise.
pub fn publish_record(
    server: &str,
    key: &SigningKey,
    record: &str,
) -> Result<Published, PublishError> {
    let sig = key.sign_detached(record.as_bytes())?;
    let a = client::publish(server, record, &sig)?;
    if a.status != 200 {
        let message = refusal_message(&a.body).unwrap_or_else(|| a.body.trim_end().to_string());
        return Err(PublishError::Refused {
            status: a.status,
            message,
        });
    }
    Ok(client::parse_published(&a.body)?)
}
