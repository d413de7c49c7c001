//! The witness's decision on one `add-checkpoint` request (c2sp.org/tlog-witness), in the
//! order the spec gives: parse; known origin (404); a valid signature by a pinned key of that
//! origin (403); old size not above the new (400); old size equal to the size last cosigned
//! (409 with that size); same size needs the same root (409); the consistency proof (422);
//! then persist, then cosign. The check and the write happen under one lock, so two requests
//! can never roll the state back (the race the spec describes).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use tarseal_log::{Checkpoint, CosignatureSigner, CosignatureVerifier, Hash, NoteVerifier};

use crate::state::StateDir;
use crate::{AddError, WitnessError};

/// At most 63 consistency proof lines (tlog-witness: the client MUST NOT send more).
const MAX_PROOF_LINES: usize = 63;

/// A witness: its cosigning key, the logs it witnesses (origin → pinned keys) and its state.
pub struct Witness {
    signer: CosignatureSigner,
    logs: BTreeMap<String, Vec<NoteVerifier>>,
    state: StateDir,
    /// Serialises check-and-persist across requests.
    lock: Mutex<()>,
}

/// One parsed `add-checkpoint` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    /// The `old` size.
    pub old: u64,
    /// The consistency proof from `old` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note.
    pub note: &'a str,
}

fn decimal(s: &str) -> Option<u64> {
    let ok = !s.is_empty()
        && s.len() <= 20
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'));
    ok.then(|| s.parse().ok()).flatten()
}

/// Parses an `add-checkpoint` body: `old N\n`, up to 63 base64 hash lines, `\n`, the note.
pub fn parse_request(body: &str) -> Result<Request<'_>, AddError> {
    let bad = |m: &str| AddError::Malformed(m.to_string());
    let (first, mut rest) = body
        .split_once('\n')
        .ok_or_else(|| bad("no old size line"))?;
    let old = first
        .strip_prefix("old ")
        .and_then(decimal)
        .ok_or_else(|| bad("first line is not `old <decimal without leading zeroes>`"))?;
    let mut proof = Vec::new();
    loop {
        let (line, after) = rest
            .split_once('\n')
            .ok_or_else(|| bad("no empty line before the checkpoint"))?;
        rest = after;
        if line.is_empty() {
            break;
        }
        if proof.len() == MAX_PROOF_LINES {
            return Err(bad("more than 63 consistency proof lines"));
        }
        let h: Hash = B64
            .decode(line)
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or_else(|| bad("a consistency proof line is not base64 of 32 bytes"))?;
        proof.push(h);
    }
    if old == 0 && !proof.is_empty() {
        return Err(bad("the proof must be empty when the old size is 0"));
    }
    Ok(Request {
        old,
        proof,
        note: rest,
    })
}

/// The body of an `add-checkpoint` request (the log's side).
pub fn request_body(old: u64, proof: &[Hash], note: &str) -> String {
    let mut s = format!("old {old}\n");
    for h in proof {
        s.push_str(&B64.encode(h));
        s.push('\n');
    }
    s.push('\n');
    s.push_str(note);
    s
}

impl Witness {
    /// A witness over `data_dir` (its key, created on first start for `name`, and its
    /// state), witnessing the logs whose verifier keys are `log_keys` (the key name is the
    /// log's origin; several keys may share one).
    pub fn open(data_dir: &Path, name: &str, log_keys: &[String]) -> Result<Witness, WitnessError> {
        if log_keys.is_empty() {
            return Err(WitnessError::Config(
                "no --log: give the verifier key of each log to witness".into(),
            ));
        }
        std::fs::create_dir_all(data_dir).map_err(|source| WitnessError::Io {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let signer = crate::key::load_or_create(data_dir, name)?;
        let mut logs: BTreeMap<String, Vec<NoteVerifier>> = BTreeMap::new();
        for k in log_keys {
            let v = NoteVerifier::from_key_string(k).map_err(|source| WitnessError::Key {
                what: format!("--log {k:?}"),
                source,
            })?;
            logs.entry(v.name().to_string()).or_default().push(v);
        }
        let w = Witness {
            signer,
            logs,
            state: StateDir::open(data_dir)?,
            lock: Mutex::new(()),
        };
        // A damaged state file must stop the witness now, not at the next request.
        for origin in w.logs.keys() {
            w.known(origin)?;
        }
        Ok(w)
    }

    /// The verifier key clients pin (`--witness-key`).
    pub fn verifier_key(&self) -> String {
        self.signer.verifier().key_string()
    }

    /// The verifier of this witness's cosignatures.
    pub fn verifier(&self) -> CosignatureVerifier {
        self.signer.verifier()
    }

    /// The witness's name.
    pub fn name(&self) -> &str {
        self.signer.name()
    }

    /// The origins witnessed.
    pub fn origins(&self) -> impl Iterator<Item = &str> {
        self.logs.keys().map(String::as_str)
    }

    fn verify_note<'a>(&self, note: &'a str) -> Result<(Checkpoint, &'a str), AddError> {
        let parsed = tarseal_log::split_note(note)
            .map_err(|e| AddError::Malformed(format!("checkpoint: {e}")))?;
        let cp = Checkpoint::parse(parsed.text)
            .map_err(|e| AddError::Malformed(format!("checkpoint: {e}")))?;
        let keys = self
            .logs
            .get(&cp.origin)
            .ok_or_else(|| AddError::UnknownOrigin(cp.origin.clone()))?;
        let mut reason = String::new();
        for k in keys {
            match k.verify(note) {
                Ok(text) => return Ok((cp, text)),
                Err(e) => reason = e.to_string(),
            }
        }
        Err(AddError::Forbidden {
            origin: cp.origin,
            reason,
        })
    }

    /// The (size, root) last cosigned for `origin`: (0, empty root) when none. The stored
    /// note is re-verified: a state file is only as good as the log's signature on it.
    pub fn known(&self, origin: &str) -> Result<(u64, Hash), WitnessError> {
        let Some(note) = self.state.load(origin)? else {
            return Ok((0, tarseal_log::empty_root()));
        };
        let bad = |reason: String| WitnessError::BadState {
            path: self.state.path(origin),
            reason,
        };
        let (cp, _) = self.verify_note(&note).map_err(|e| bad(e.to_string()))?;
        if cp.origin != origin {
            return Err(bad(format!("holds a checkpoint of {:?}", cp.origin)));
        }
        Ok((cp.size, cp.root))
    }

    /// Handles one `add-checkpoint` body at time `now` (POSIX seconds): the cosignature
    /// line(s) to answer with, once the new state is durable.
    pub fn add_checkpoint(&self, body: &str, now: u64) -> Result<String, AddError> {
        let req = parse_request(body)?;
        let (cp, _) = self.verify_note(req.note)?;
        if req.old > cp.size {
            return Err(AddError::OldAfterNew {
                old: req.old,
                size: cp.size,
            });
        }
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let (known, known_root) = self.known(&cp.origin)?;
        if req.old != known {
            return Err(AddError::Conflict {
                origin: cp.origin,
                old: req.old,
                known,
            });
        }
        if req.old == cp.size {
            if cp.root != known_root {
                return Err(AddError::Fork {
                    origin: cp.origin,
                    size: cp.size,
                    known,
                });
            }
        } else {
            tarseal_log::verify_consistency(&req.proof, cp.size, &cp.root, known, &known_root)
                .map_err(|e| AddError::Inconsistent {
                    origin: cp.origin.clone(),
                    old: known,
                    size: cp.size,
                    reason: e.to_string(),
                })?;
            self.state.store(&cp.origin, req.note)?;
        }
        let cosigned = self
            .signer
            .cosign(req.note, now)
            .map_err(|e| AddError::Malformed(format!("checkpoint: {e}")))?;
        Ok(cosigned[req.note.len()..].to_string())
    }
}
