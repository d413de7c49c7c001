//! A blocking client of the log API (the CLI's `publish`, `query` and `seal --publish`), and
//! the verification of a query answer: every inclusion proof against the answer's checkpoint,
//! the checkpoint's signature when the log's key is known.

use std::io::Read;
use std::time::Duration;

use base64::Engine;
use tarseal_log::{Hash, NoteVerifier};

use crate::app::{Published, QueryAnswer};

/// The log could not be asked, or its answer is not what the API returns. Names the URL.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The request failed (connection, TLS, timeout).
    #[error("{url}: {source}")]
    Http {
        /// The URL.
        url: String,
        /// What ureq reported.
        source: Box<ureq::Error>,
    },
    /// Reading the answer's body failed.
    #[error("{url}: {source}")]
    Read {
        /// The URL.
        url: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A 200 answer that is not the API's JSON.
    #[error("unexpected answer from the log: {0}")]
    Answer(#[from] serde_json::Error),
}

/// An HTTP answer: status and body.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The body as text (lossy UTF-8).
    pub body: String,
    /// The body's bytes (at most 64 MiB read).
    pub bytes: Vec<u8>,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(120)))
        .timeout_recv_body(Some(Duration::from_secs(600)))
        .http_status_as_error(false)
        .build()
        .into()
}

fn read(resp: ureq::http::Response<ureq::Body>, url: &str) -> Result<Answer, ClientError> {
    let status = resp.status().as_u16();
    let mut buf = Vec::new();
    resp.into_body()
        .into_reader()
        .take(64 << 20)
        .read_to_end(&mut buf)
        .map_err(|e| ClientError::Read {
            url: url.to_string(),
            source: e,
        })?;
    Ok(Answer {
        status,
        body: String::from_utf8_lossy(&buf).into_owned(),
        bytes: buf,
    })
}

/// Percent-encodes one path segment (everything but RFC 3986 unreserved characters).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `POST {server}/v1/records` with the record and its armored signature.
pub fn publish(server: &str, record: &str, signature: &str) -> Result<Answer, ClientError> {
    let url = format!("{}/v1/records", server.trim_end_matches('/'));
    let body = serde_json::json!({ "record": record, "signature": signature }).to_string();
    let resp = agent()
        .post(&url)
        .header("Content-Type", "application/json")
        .send(body.as_bytes())
        .map_err(|e| http(&url, e))?;
    read(resp, &url)
}

/// `POST {server}/v1/reports`: hands the log the check report that the seal record at
/// `index` names (`report-sha256`), for its web view.
pub fn publish_report(server: &str, index: u64, report: &str) -> Result<Answer, ClientError> {
    let url = format!("{}/v1/reports", server.trim_end_matches('/'));
    let body = serde_json::json!({ "index": index, "report": report }).to_string();
    let resp = agent()
        .post(&url)
        .header("Content-Type", "application/json")
        .send(body.as_bytes())
        .map_err(|e| http(&url, e))?;
    read(resp, &url)
}

/// Parses a 200 answer of publish.
pub fn parse_published(body: &str) -> Result<Published, ClientError> {
    Ok(serde_json::from_str(body)?)
}

fn http(url: &str, e: ureq::Error) -> ClientError {
    ClientError::Http {
        url: url.to_string(),
        source: Box::new(e),
    }
}

/// `GET {server}/v1/projects/{project}/tags/{tag}[?format=...]`.
pub fn query(
    server: &str,
    project: &str,
    tag: &str,
    format: Option<&str>,
) -> Result<Answer, ClientError> {
    let mut url = format!(
        "{}/v1/projects/{}/tags/{}",
        server.trim_end_matches('/'),
        encode_segment(project),
        encode_segment(tag)
    );
    if let Some(f) = format {
        url.push_str("?format=");
        url.push_str(f);
    }
    let resp = agent().get(&url).call().map_err(|e| http(&url, e))?;
    read(resp, &url)
}

/// `GET {server}/{path}`.
pub fn get(server: &str, path: &str) -> Result<Answer, ClientError> {
    let url = format!(
        "{}/{}",
        server.trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    let resp = agent().get(&url).call().map_err(|e| http(&url, e))?;
    read(resp, &url)
}

/// A checkpoint's body: origin, size, root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointBody {
    /// The origin line.
    pub origin: String,
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
}

/// Why a signed checkpoint or a query answer does not verify.
#[derive(Debug, thiserror::Error)]
pub enum InvalidAnswer {
    /// The pinned key is not a verifier key string.
    #[error("--log-key: {0}")]
    LogKey(#[source] tarseal_log::LogError),
    #[error("checkpoint signature: {0}")]
    Signature(#[source] tarseal_log::LogError),
    #[error("the checkpoint is not a signed note")]
    NotANote,
    #[error("checkpoint: {0}")]
    Checkpoint(#[source] tarseal_log::LogError),
    #[error("answer says tree size {answer} but its checkpoint {checkpoint}")]
    TreeSize { answer: u64, checkpoint: u64 },
    /// A record the log's name rules refuse.
    #[error("entry {index}: {source}")]
    Record {
        index: u64,
        source: crate::record::RuleError,
    },
    #[error("entry {index}: the answer's fields differ from its record")]
    Fields { index: u64 },
    #[error("entry {index}: bad proof hash")]
    ProofHash { index: u64 },
    #[error("entry {index}: logged_at: {source}")]
    LoggedAt {
        index: u64,
        source: tarseal_record::TimeError,
    },
    #[error("entry {index}: {source}")]
    Inclusion {
        index: u64,
        source: tarseal_log::LogError,
    },
}

/// Reads a signed checkpoint note: verifies it with `log_key` (a verifier key string) when
/// given, else only splits off its body (the root is then not authenticated).
pub fn open_checkpoint(note: &str, log_key: Option<&str>) -> Result<CheckpointBody, InvalidAnswer> {
    let body = match log_key {
        Some(k) => {
            let v = NoteVerifier::from_key_string(k).map_err(InvalidAnswer::LogKey)?;
            v.verify(note)
                .map_err(InvalidAnswer::Signature)?
                .to_string()
        }
        None => note
            .split_once("\n\n")
            .map(|(b, _)| format!("{b}\n"))
            .ok_or(InvalidAnswer::NotANote)?,
    };
    let c = tarseal_log::Checkpoint::parse(&body).map_err(InvalidAnswer::Checkpoint)?;
    let (origin, size, root) = (c.origin, c.size, c.root);
    Ok(CheckpointBody { origin, size, root })
}

/// Verifies a query answer: the checkpoint (its signature with `log_key`), and for every
/// record that its fields are the record's and that the leaf made of its `logged_at`, record
/// and signature is included in the checkpoint's tree (so the time is proven too).
pub fn verify_answer(
    a: &QueryAnswer,
    log_key: Option<&str>,
) -> Result<CheckpointBody, InvalidAnswer> {
    let cp = open_checkpoint(&a.checkpoint, log_key)?;
    if cp.size != a.tree_size {
        return Err(InvalidAnswer::TreeSize {
            answer: a.tree_size,
            checkpoint: cp.size,
        });
    }
    for r in &a.records {
        let index = r.index;
        let art = crate::record::parse(&r.record)
            .map_err(|source| InvalidAnswer::Record { index, source })?;
        if art.kind.name() != r.kind
            || art.project != r.project
            || art.tag != r.tag
            || art.file != r.file
            || art.sha256 != r.sha256
            || art.md5 != r.md5
        {
            return Err(InvalidAnswer::Fields { index });
        }
        let proof = decode_hashes(&r.inclusion_proof).ok_or(InvalidAnswer::ProofHash { index })?;
        let entry = tarseal_record::LogEntry {
            logged_at: r.logged_at.clone(),
            record: r.record.as_bytes().to_vec(),
            signature: r.signature.as_bytes().to_vec(),
        };
        tarseal_record::check_time(&r.logged_at)
            .map_err(|source| InvalidAnswer::LoggedAt { index, source })?;
        let leaf = tarseal_log::leaf_hash(&entry.to_bytes());
        tarseal_log::verify_inclusion(&proof, cp.size, &cp.root, r.index, &leaf)
            .map_err(|source| InvalidAnswer::Inclusion { index, source })?;
    }
    Ok(cp)
}

/// A verified answer for a project and tag: every record proven included in a checkpoint
/// signed by the pinned log key, each with its kind and the log's time.
#[derive(Debug)]
pub struct VerifiedTag {
    /// The checkpoint the proofs are against.
    pub checkpoint: CheckpointBody,
    /// That checkpoint's signed note, with any witness cosignatures (for
    /// [`tarseal_witness::WitnessPolicy::check`]).
    pub note: String,
    /// The records, in log order.
    pub records: Vec<crate::app::QueryRecord>,
}

/// Why [`query_verified`] has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// The log could not be asked (connection, HTTP status other than 200/404, bad
    /// `--log-key`): nothing is proven either way (exit 2).
    #[error("{0}")]
    Unavailable(String),
    /// The log answered, and the answer is proven wrong: a proof or the checkpoint's
    /// signature does not verify, or the fields contradict the records (exit 1).
    #[error("the log's answer does not verify: {0}")]
    Invalid(String),
}

/// Queries `project`/`tag` and verifies the answer against `log_key` (required: an answer
/// whose checkpoint is not signed by the pinned key proves nothing). `Ok(None)` when the log
/// has no record for it (404: indeterminate, never "clean").
pub fn query_verified(
    server: &str,
    project: &str,
    tag: &str,
    log_key: &str,
) -> Result<Option<VerifiedTag>, QueryError> {
    NoteVerifier::from_key_string(log_key)
        .map_err(|e| QueryError::Unavailable(format!("--log-key: {e}")))?;
    let a =
        query(server, project, tag, None).map_err(|e| QueryError::Unavailable(e.to_string()))?;
    if a.status == 404 {
        return Ok(None);
    }
    if a.status != 200 {
        return Err(QueryError::Unavailable(format!(
            "the log answered {}: {}",
            a.status,
            a.body.trim_end()
        )));
    }
    let answer: QueryAnswer = serde_json::from_str(&a.body)
        .map_err(|e| QueryError::Invalid(format!("unexpected answer from the log: {e}")))?;
    let checkpoint =
        verify_answer(&answer, Some(log_key)).map_err(|e| QueryError::Invalid(e.to_string()))?;
    Ok(Some(VerifiedTag {
        checkpoint,
        note: answer.checkpoint,
        records: answer.records,
    }))
}

/// Proves that the log's checkpoint `new` extends `old` (both already verified, e.g. with
/// [`open_checkpoint`]): fetches the consistency proof and checks it against both roots.
/// An error means the log rewrote or forked its history (or answered nonsense): either way
/// nothing it says can be trusted against `old` any more.
pub fn verify_consistency(
    server: &str,
    old: &CheckpointBody,
    new: &CheckpointBody,
) -> Result<(), QueryError> {
    if old.origin != new.origin {
        return Err(QueryError::Invalid(format!(
            "checkpoint origin changed from {:?} to {:?}",
            old.origin, new.origin
        )));
    }
    if old.size > new.size {
        return Err(QueryError::Invalid(format!(
            "the log shrank: size {} after size {}",
            new.size, old.size
        )));
    }
    let a = get(
        server,
        &format!("v1/proofs/consistency/{}/{}", old.size, new.size),
    )
    .map_err(|e| QueryError::Unavailable(e.to_string()))?;
    if a.status != 200 {
        return Err(QueryError::Unavailable(format!(
            "the log answered {} to a consistency proof request: {}",
            a.status,
            a.body.trim_end()
        )));
    }
    let ans: crate::app::ConsistencyAnswer = serde_json::from_str(&a.body)
        .map_err(|e| QueryError::Invalid(format!("unexpected consistency answer: {e}")))?;
    let proof = decode_hashes(&ans.proof)
        .ok_or_else(|| QueryError::Invalid("bad hash in the consistency proof".into()))?;
    tarseal_log::verify_consistency(&proof, new.size, &new.root, old.size, &old.root).map_err(|e| {
        QueryError::Invalid(format!(
            "checkpoint of size {} is not consistent with the one of size {} seen before: {e}",
            new.size, old.size
        ))
    })
}

/// Verifies a C2SP tlog-proof file offline (`NAME.tlog-proof`, as publish writes it): its
/// checkpoint signed by the pinned `log_key`, and the leaf it carries in its `extra` line
/// included at its index. Returns the index and the log entry (time, record, signature);
/// the caller compares the record with what it holds.
pub fn verify_tlog_proof(
    text: &[u8],
    log_key: &str,
) -> Result<(u64, tarseal_record::LogEntry), QueryError> {
    verify_tlog_proof_note(text, log_key).map(|(i, e, _)| (i, e))
}

/// As [`verify_tlog_proof`], also returning the proof's signed checkpoint note (with any
/// witness cosignatures), which the entry is proven against.
pub fn verify_tlog_proof_note(
    text: &[u8],
    log_key: &str,
) -> Result<(u64, tarseal_record::LogEntry, String), QueryError> {
    let verifier = NoteVerifier::from_key_string(log_key)
        .map_err(|e| QueryError::Unavailable(format!("--log-key: {e}")))?;
    let invalid = |e: String| QueryError::Invalid(e);
    let text = std::str::from_utf8(text).map_err(|_| invalid("not UTF-8".into()))?;
    let p = tarseal_log::TlogProof::parse(text).map_err(|e| invalid(e.to_string()))?;
    let leaf = p.extra.clone().ok_or_else(|| {
        invalid("no log entry in its extra line (made by an older tarseal?)".into())
    })?;
    p.verify(&leaf, &verifier)
        .map_err(|e| invalid(e.to_string()))?;
    let entry = tarseal_record::LogEntry::parse(&leaf).map_err(|e| invalid(e.to_string()))?;
    Ok((p.index, entry, p.checkpoint))
}

/// Proof hashes as the API gives them (standard base64, 32 bytes each); `None` if any is not.
fn decode_hashes(b64: &[String]) -> Option<Vec<Hash>> {
    b64.iter()
        .map(|h| {
            base64::engine::general_purpose::STANDARD
                .decode(h)
                .ok()
                .and_then(|v| <[u8; 32]>::try_from(v).ok())
        })
        .collect()
}
