//! The log's side of tlog-witness: submit a checkpoint with its consistency proof, get the
//! cosignature lines or the size the witness last cosigned (409).

use std::io::Read;
use std::time::Duration;

use tarseal_log::Hash;

/// What a witness answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// 200: its cosignature line(s), each `— <name> <base64>\n`.
    Cosigned(String),
    /// 409 with another size than the old one sent: the witness last cosigned this size;
    /// resubmit with a proof from it. (A 409 naming the old size sent is a fork: refused.)
    Conflict(u64),
}

/// Why a submission got no cosignature.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SubmitError {
    /// No HTTP answer (connection refused, timeout): the witness may be down; retry later.
    #[error("witness {url}: no answer: {reason}")]
    Unreachable { url: String, reason: String },
    /// An answer other than 200 or a 409 with a size (403, 404, 422, ...).
    #[error("witness {url} refused the checkpoint ({status}): {body}")]
    Refused {
        url: String,
        status: u16,
        body: String,
    },
    /// A 200 whose body is not signature lines.
    #[error("witness {url}: unexpected answer: {reason}")]
    BadAnswer { url: String, reason: String },
}

/// An HTTP agent whose every wait is bounded by `timeout` (a slow witness must not hold up
/// the log).
pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into()
}

/// `POST {url}/add-checkpoint` with `old`, `proof` (from `old` to the note's size) and the
/// signed checkpoint `note`.
pub fn add_checkpoint(
    agent: &ureq::Agent,
    url: &str,
    old: u64,
    proof: &[Hash],
    note: &str,
) -> Result<Submitted, SubmitError> {
    let endpoint = format!("{}/add-checkpoint", url.trim_end_matches('/'));
    let body = crate::witness::request_body(old, proof, note);
    let resp =
        agent
            .post(&endpoint)
            .send(body.as_bytes())
            .map_err(|e| SubmitError::Unreachable {
                url: url.to_string(),
                reason: e.to_string(),
            })?;
    let status = resp.status().as_u16();
    let mut buf = Vec::new();
    resp.into_body()
        .into_reader()
        .take(64 << 10)
        .read_to_end(&mut buf)
        .map_err(|e| SubmitError::Unreachable {
            url: url.to_string(),
            reason: e.to_string(),
        })?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    match status {
        200 => {
            // The lines must extend the note into a well-formed signed note.
            let ok = !text.is_empty()
                && text.ends_with('\n')
                && text.lines().all(|l| l.starts_with("\u{2014} "))
                && tarseal_log::split_note(&format!("{note}{text}")).is_ok();
            if !ok {
                return Err(SubmitError::BadAnswer {
                    url: url.to_string(),
                    reason: format!(
                        "not signature lines: {:?}",
                        text.chars().take(200).collect::<String>()
                    ),
                });
            }
            Ok(Submitted::Cosigned(text))
        }
        409 => match text.strip_suffix('\n').and_then(|s| s.parse::<u64>().ok()) {
            // The size we sent: the witness holds another tree of that size (a fork).
            Some(size) if size == old => Err(SubmitError::Refused {
                url: url.to_string(),
                status,
                body: format!(
                    "the witness cosigned another tree of size {size}: this checkpoint is a fork"
                ),
            }),
            Some(size) => Ok(Submitted::Conflict(size)),
            None => Err(SubmitError::Refused {
                url: url.to_string(),
                status,
                body: text.trim_end().to_string(),
            }),
        },
        _ => Err(SubmitError::Refused {
            url: url.to_string(),
            status,
            body: text.trim_end().to_string(),
        }),
    }
}
