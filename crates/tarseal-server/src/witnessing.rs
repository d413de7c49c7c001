//! The log's use of witnesses (`tarseal serve --witness URL`): after sequencing, each new
//! checkpoint goes to every witness with a consistency proof from the size that witness last
//! cosigned (c2sp.org/tlog-witness), and `/checkpoint`, query answers and proofs carry the
//! cosignatures that came back.
//!
//! A witness that is down must not stop publishing: each request is bounded by a timeout; a
//! witness that failed is left out of the publish path and retried in the background (every
//! [`RETRY_EVERY`]) with the newest checkpoint until it answers again. Its cosignatures are
//! then merged into the published checkpoint.

use std::sync::Mutex;
use std::time::Duration;

use tarseal_witness::submit::{self, SubmitError, Submitted};

use crate::store::{Store, StoreReader, StoredCheckpoint};

/// How often witnesses that failed are tried again.
pub const RETRY_EVERY: Duration = Duration::from_secs(2);

/// One witness's answer to a round: the size cosigned and the cosignature lines.
type Submission = Result<(u64, String), SubmitError>;

/// What the log knows of one witness.
#[derive(Debug, Clone)]
struct Known {
    url: String,
    /// The size it last cosigned, when known (else the first request says old 0 and learns
    /// it from the 409).
    size: Option<u64>,
    /// Whether its last request failed (then it is only tried in the background).
    down: bool,
}

/// The witnesses of a log and the newest checkpoint with their cosignatures.
pub struct Witnesses {
    agent: ureq::Agent,
    known: Mutex<Vec<Known>>,
    /// The newest checkpoint published, with every cosignature gathered for it (held only
    /// briefly: readers of `/checkpoint` never wait for a witness).
    published: Mutex<Option<StoredCheckpoint>>,
    /// Serialises rounds of submission: a witness must see sizes in order.
    round: Mutex<()>,
}

/// Merges the signature lines of `lines` not already in `note`.
fn merge(note: &str, lines: &str) -> String {
    let mut out = note.to_string();
    for l in lines.lines() {
        let line = format!("{l}\n");
        if !note.contains(&line) {
            out.push_str(&line);
        }
    }
    out
}

impl Witnesses {
    /// The witnesses at `urls`, each request bounded by `timeout`.
    pub fn new(urls: &[String], timeout: Duration) -> Witnesses {
        Witnesses {
            agent: submit::agent(timeout),
            known: Mutex::new(
                urls.iter()
                    .map(|u| Known {
                        url: u.clone(),
                        size: None,
                        down: false,
                    })
                    .collect(),
            ),
            published: Mutex::new(None),
            round: Mutex::new(()),
        }
    }

    /// Whether any witness is configured.
    pub fn is_empty(&self) -> bool {
        self.known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    /// One witness, one checkpoint: submits with a proof from the size it last cosigned,
    /// learning that size from a 409 once.
    fn submit_one(&self, store: &dyn Store, k: &Known, cp: &StoredCheckpoint) -> Submission {
        let mut old = k.size.unwrap_or(0).min(cp.size);
        for _ in 0..2 {
            let proof = if old == 0 || old == cp.size {
                Vec::new()
            } else {
                tarseal_log::consistency_proof(cp.size, old, &StoreReader(store)).map_err(|e| {
                    SubmitError::BadAnswer {
                        url: k.url.clone(),
                        reason: format!("no consistency proof from {old}: {e}"),
                    }
                })?
            };
            match submit::add_checkpoint(&self.agent, &k.url, old, &proof, &cp.note)? {
                Submitted::Cosigned(lines) => return Ok((cp.size, lines)),
                Submitted::Conflict(size) if size != old && size <= cp.size => old = size,
                Submitted::Conflict(size) => {
                    return Err(SubmitError::Refused {
                        url: k.url.clone(),
                        status: 409,
                        body: format!(
                            "the witness last cosigned size {size}, which this log's checkpoint of size {} does not extend",
                            cp.size
                        ),
                    })
                }
            }
        }
        Err(SubmitError::Refused {
            url: k.url.clone(),
            status: 409,
            body: "the witness's size kept changing".into(),
        })
    }

    /// Submits `cp` to the witnesses that are up (in parallel, each bounded by the timeout)
    /// and returns it with the cosignatures gathered; it becomes the published checkpoint.
    /// `background`: submit to the witnesses that are down instead (the retry).
    fn round(
        &self,
        store: &dyn Store,
        cp: &StoredCheckpoint,
        background: bool,
    ) -> StoredCheckpoint {
        let _round = self.round.lock().unwrap_or_else(|e| e.into_inner());
        let published = self
            .published
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        // Never go back to an older checkpoint (a slow round for an older batch).
        if let Some(p) = &published {
            if p.size > cp.size {
                return p.clone();
            }
        }
        let mut base = match published {
            Some(p) if p.size == cp.size && p.root == cp.root => p,
            _ => cp.clone(),
        };
        let targets: Vec<(usize, Known)> = self
            .known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .enumerate()
            .filter(|(_, k)| k.down == background)
            .collect();
        let results: Vec<(usize, Submission)> = std::thread::scope(|s| {
            let handles: Vec<_> = targets
                .iter()
                .map(|(i, k)| (*i, s.spawn(|| self.submit_one(store, k, cp))))
                .collect();
            handles
                .into_iter()
                .map(|(i, h)| {
                    (
                        i,
                        h.join().unwrap_or_else(|_| {
                            Err(SubmitError::BadAnswer {
                                url: String::new(),
                                reason: "submission thread panicked".into(),
                            })
                        }),
                    )
                })
                .collect()
        });
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        for (i, r) in results {
            match r {
                Ok((size, lines)) => {
                    if known[i].down {
                        tracing::info!(witness = %known[i].url, size, "witness answers again");
                    }
                    known[i].size = Some(size);
                    known[i].down = false;
                    base.note = merge(&base.note, &lines);
                }
                Err(e) => {
                    if !known[i].down {
                        tracing::warn!(error = %e, "witness left out; retried in the background");
                    }
                    known[i].down = true;
                }
            }
        }
        drop(known);
        *self.published.lock().unwrap_or_else(|e| e.into_inner()) = Some(base.clone());
        base
    }

    /// Cosigning for a newly sequenced checkpoint (the publish path).
    pub fn cosign(&self, store: &dyn Store, cp: &StoredCheckpoint) -> StoredCheckpoint {
        self.round(store, cp, false)
    }

    /// The newest published checkpoint when it is `latest` (same size and root), with its
    /// cosignatures; else `latest` itself.
    pub fn current(&self, latest: StoredCheckpoint) -> StoredCheckpoint {
        match self
            .published
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            Some(p) if p.size == latest.size && p.root == latest.root => p.clone(),
            _ => latest,
        }
    }

    /// The background retry, once: witnesses that are down get the newest checkpoint; and
    /// a newest checkpoint no round covered yet (e.g. at start) goes to all.
    pub fn retry(&self, store: &dyn Store) -> Result<(), crate::store::StoreError> {
        let latest = store.latest_checkpoint()?;
        let covered = self
            .published
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_some_and(|p| p.size == latest.size && p.root == latest.root);
        if !covered {
            self.round(store, &latest, false);
        }
        let any_down = self
            .known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|k| k.down);
        if any_down {
            self.round(store, &latest, true);
        }
        Ok(())
    }
}
