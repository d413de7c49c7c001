//! tarseal-monitor: the monitor role of the transparency log (`tarseal monitor`).
//!
//! A log protects a project only if someone reads it. The monitor keeps, in a state file,
//! the last checkpoint it verified and the right edge of that tree (the roots of its
//! complete subtrees, at most 64 hashes: a [`Frontier`]). Each run it fetches the signed
//! checkpoint, reads every new entry from the C2SP tlog-tiles read path (`tile/entries/...`,
//! checked against the level-0 hash tiles `tile/0/...`), folds the new leaves into the
//! frontier and requires the result to be the new checkpoint's root. That one comparison
//! proves both that the new tree extends the one in the state (no fork, no rewrite) and
//! that the entries served are the tree's; a smaller tree is a rollback. Any of these is
//! [`MonitorError::Inconsistent`] (exit 1), and the state is not advanced.
//!
//! It reads only static paths (`checkpoint`, `tile/...`), so a plain web server over the
//! directory `tarseal serve --tiles-dir` writes is a complete read path for it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use tarseal_log::{Checkpoint, Hash, NoteVerifier};

/// Schema of the state file.
pub const STATE_SCHEMA: &str = "tarseal.monitor-state/v1";
/// Schema of `tarseal monitor --format json`.
pub const REPORT_SCHEMA: &str = "tarseal.monitor/v1";

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MonitorError {
    /// The log is proven to misbehave (fork, rollback, a tile that does not hash to the
    /// tree, a checkpoint not signed by the pinned key): exit 1.
    #[error("INCONSISTENT: {0}")]
    Inconsistent(String),
    /// The log could not be read (network, HTTP status): nothing proven either way (exit 2).
    #[error("{0}")]
    Unavailable(String),
    /// The state file or an argument is unusable (exit 2).
    #[error("{0}")]
    Input(String),
}

impl MonitorError {
    /// The exit code (0 pass, 1 rejected, 2 usage or I/O).
    pub fn exit_code(&self) -> u8 {
        match self {
            MonitorError::Inconsistent(_) => 1,
            _ => 2,
        }
    }
}

/// The roots of the complete subtrees of a tree, left to right (their sizes are the powers
/// of two of the tree size's binary digits, largest first): all a monitor needs to extend
/// the tree and compute its root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// (level, hash), levels strictly decreasing.
    nodes: Vec<(u8, Hash)>,
}

impl Frontier {
    /// The tree size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Adds one leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut node = (0u8, leaf);
        while let Some(&(level, left)) = self.nodes.last() {
            if level != node.0 {
                break;
            }
            self.nodes.pop();
            node = (level + 1, tarseal_log::node_hash(&left, &node.1));
        }
        self.nodes.push(node);
        self.size += 1;
    }

    /// The RFC 6962 root (the empty root for size 0).
    pub fn root(&self) -> Hash {
        let mut it = self.nodes.iter().rev();
        let Some(&(_, mut h)) = it.next() else {
            return tarseal_log::empty_root();
        };
        for (_, left) in it {
            h = tarseal_log::node_hash(left, &h);
        }
        h
    }

    /// The hashes, left to right (for the state file).
    pub fn hashes(&self) -> Vec<Hash> {
        self.nodes.iter().map(|&(_, h)| h).collect()
    }

    /// From a size and its subtree roots (as [`hashes`](Self::hashes) gives them).
    pub fn from_hashes(size: u64, hashes: &[Hash]) -> Option<Frontier> {
        let levels: Vec<u8> = (0..64u8).rev().filter(|l| size >> l & 1 == 1).collect();
        (levels.len() == hashes.len()).then(|| Frontier {
            size,
            nodes: levels.into_iter().zip(hashes.iter().copied()).collect(),
        })
    }
}

#[derive(Serialize, Deserialize)]
struct StateFile {
    schema: String,
    /// The last verified checkpoint (signed note, with any cosignatures).
    checkpoint: String,
    /// [`Frontier::hashes`] of its tree, base64.
    frontier: Vec<String>,
}

/// One new record seen.
#[derive(Debug, Clone, Serialize)]
pub struct SeenRecord {
    /// Entry index.
    pub index: u64,
    /// When the log recorded it.
    pub logged_at: String,
    /// `build`, `artifact`, `cosign`, `upload` (or `unparsed` for a leaf that is not a
    /// tarseal record).
    pub kind: String,
    /// `project`.
    pub project: String,
    /// `tag`.
    pub tag: String,
    /// `file`.
    pub file: String,
    /// `sha256` of the artifact.
    pub sha256: String,
    /// Who signed it: the primary fingerprint of a `--keyring` key, else the issuer the
    /// OpenPGP signature names.
    pub signer: String,
    /// With `--keyring` and `--project`: a record of that project not signed by a keyring
    /// key ("someone published for your project").
    pub foreign: bool,
}

/// What a run found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// [`REPORT_SCHEMA`].
    pub schema: &'static str,
    /// The log's origin.
    pub origin: String,
    /// The tree size in the state before the run (0 without a state).
    pub old_size: u64,
    /// The verified tree size now (stored in the state).
    pub new_size: u64,
    /// New records (of `--project` only, when given), in log order.
    pub records: Vec<SeenRecord>,
    /// Records of `--project` signed outside `--keyring`.
    pub foreign: usize,
}

/// How to run.
pub struct Options<'a> {
    /// Base URL of the log (or of a static server over its tiles directory).
    pub server: &'a str,
    /// The log's verifier key, pinned.
    pub log_key: &'a str,
    /// The state file (created on first run).
    pub state: &'a Path,
    /// Only report records of this project.
    pub project: Option<&'a str>,
    /// Keys allowed to sign for `project`.
    pub keyring: Option<&'a tarseal_sig::Keyring>,
    /// Bound on each HTTP request.
    pub timeout: Duration,
}

struct Fetcher {
    agent: ureq::Agent,
    base: String,
}

impl Fetcher {
    /// `Ok(None)` on 404.
    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, MonitorError> {
        let url = format!("{}/{path}", self.base);
        let resp = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| MonitorError::Unavailable(format!("{url}: {e}")))?;
        let status = resp.status().as_u16();
        if status == 404 {
            return Ok(None);
        }
        if status != 200 {
            return Err(MonitorError::Unavailable(format!("{url}: HTTP {status}")));
        }
        let mut buf = Vec::new();
        resp.into_body()
            .into_reader()
            .take(1 << 24)
            .read_to_end(&mut buf)
            .map_err(|e| MonitorError::Unavailable(format!("{url}: {e}")))?;
        Ok(Some(buf))
    }

    fn need(&self, path: &str) -> Result<Vec<u8>, MonitorError> {
        self.get(path)?.ok_or_else(|| {
            MonitorError::Inconsistent(format!(
                "{}/{path} is missing, but the checkpoint's tree has it",
                self.base
            ))
        })
    }
}

/// A checkpoint note's signature by `key`, then its body (both failures are the log
/// format's own errors).
fn open_note(note: &str, key: &NoteVerifier) -> Result<Checkpoint, tarseal_log::LogError> {
    Checkpoint::parse(key.verify(note)?)
}

fn load_state(
    path: &Path,
    key: &NoteVerifier,
) -> Result<Option<(Checkpoint, Frontier, String)>, MonitorError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(MonitorError::Input(format!("{}: {e}", path.display()))),
    };
    let bad = |why: String| {
        MonitorError::Input(format!("{}: not a monitor state: {why}", path.display()))
    };
    let st: StateFile = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    if st.schema != STATE_SCHEMA {
        return Err(bad(format!("schema {:?}", st.schema)));
    }
    let cp = open_note(&st.checkpoint, key).map_err(|e| bad(format!("checkpoint: {e}")))?;
    let hashes: Vec<Hash> = st
        .frontier
        .iter()
        .map(|h| B64.decode(h).ok().and_then(|v| v.try_into().ok()))
        .collect::<Option<_>>()
        .ok_or_else(|| bad("frontier hash is not base64 of 32 bytes".into()))?;
    let frontier = Frontier::from_hashes(cp.size, &hashes)
        .ok_or_else(|| bad("frontier does not fit the tree size".into()))?;
    if frontier.root() != cp.root {
        return Err(bad("frontier does not hash to the checkpoint's root".into()));
    }
    Ok(Some((cp, frontier, st.checkpoint)))
}

fn save_state(path: &Path, note: &str, frontier: &Frontier) -> Result<(), MonitorError> {
    let st = StateFile {
        schema: STATE_SCHEMA.to_string(),
        checkpoint: note.to_string(),
        frontier: frontier.hashes().iter().map(|h| B64.encode(h)).collect(),
    };
    let text = serde_json::to_string_pretty(&st).expect("state serialises");
    let io = |e: std::io::Error| MonitorError::Input(format!("{}: {e}", path.display()));
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(io)?;
    std::io::Write::write_all(&mut tmp, format!("{text}\n").as_bytes()).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    std::fs::File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(io)?;
    Ok(())
}

fn signer_of(
    record: &[u8],
    signature: &[u8],
    keyring: Option<&tarseal_sig::Keyring>,
) -> (String, bool) {
    let empty = tarseal_sig::Keyring::new();
    let k = keyring.unwrap_or(&empty);
    match tarseal_sig::verify_detached(k, signature, record, None) {
        Ok(st) => {
            if let Some(g) = st.iter().find_map(|s| s.good()) {
                return (g.key.primary.clone(), true);
            }
            let names: Vec<String> = st
                .iter()
                .map(|s| match s {
                    tarseal_sig::SigStatus::UnknownKey { issuers } => issuers.join(","),
                    other => other.to_string(),
                })
                .collect();
            (names.join("; "), false)
        }
        Err(e) => (format!("unreadable signature: {e}"), false),
    }
}

/// One run (see the crate documentation). On success the state holds the new checkpoint.
pub fn run(opts: &Options<'_>) -> Result<Report, MonitorError> {
    let key = NoteVerifier::from_key_string(opts.log_key)
        .map_err(|e| MonitorError::Input(format!("--log-key: {e}")))?;
    let fetch = Fetcher {
        agent: ureq::Agent::config_builder()
            .timeout_global(Some(opts.timeout))
            .http_status_as_error(false)
            .build()
            .into(),
        base: opts.server.trim_end_matches('/').to_string(),
    };
    let old = load_state(opts.state, &key)?;
    let note_bytes = fetch
        .get("checkpoint")?
        .ok_or_else(|| MonitorError::Unavailable(format!("{}/checkpoint: 404", fetch.base)))?;
    let note = String::from_utf8(note_bytes)
        .map_err(|_| MonitorError::Inconsistent("the checkpoint is not UTF-8".into()))?;
    let cp = open_note(&note, &key).map_err(|e| {
        MonitorError::Inconsistent(format!("the checkpoint is not signed by --log-key: {e}"))
    })?;
    let (old_size, mut frontier) = match &old {
        Some((old_cp, frontier, _)) => {
            if old_cp.origin != cp.origin {
                return Err(MonitorError::Inconsistent(format!(
                    "origin changed from {:?} to {:?}",
                    old_cp.origin, cp.origin
                )));
            }
            if cp.size < old_cp.size {
                return Err(MonitorError::Inconsistent(format!(
                    "rollback: the log's checkpoint has size {} after size {} (kept in {})",
                    cp.size,
                    old_cp.size,
                    opts.state.display()
                )));
            }
            (old_cp.size, frontier.clone())
        }
        None => (0, Frontier::default()),
    };
    let mut records = Vec::new();
    let mut foreign = 0;
    let w = u64::from(tarseal_log::TILE_WIDTH);
    let mut index = old_size;
    while index < cp.size {
        let tile = index / w;
        let width = (cp.size - tile * w).min(w) as u16;
        let epath = tarseal_log::entries_tile_path(tile, width);
        let bundle = fetch.need(&epath)?;
        let entries = tarseal_log::decode_entry_bundle(&bundle)
            .map_err(|e| MonitorError::Inconsistent(format!("{epath}: {e}")))?;
        if entries.len() != usize::from(width) {
            return Err(MonitorError::Inconsistent(format!(
                "{epath} holds {} entries, not {width}",
                entries.len()
            )));
        }
        let tpath = tarseal_log::TileId {
            level: 0,
            index: tile,
            width,
        }
        .path();
        let hashes = fetch.need(&tpath)?;
        if hashes.len() != usize::from(width) * tarseal_log::HASH_SIZE {
            return Err(MonitorError::Inconsistent(format!(
                "{tpath} is {} bytes, not {}",
                hashes.len(),
                usize::from(width) * tarseal_log::HASH_SIZE
            )));
        }
        for (i, leaf) in entries.iter().enumerate() {
            let at = tile * w + i as u64;
            let h = tarseal_log::leaf_hash(leaf);
            if hashes[i * 32..(i + 1) * 32] != h {
                return Err(MonitorError::Inconsistent(format!(
                    "{tpath}: hash {i} is not the hash of entry {at} in {epath}"
                )));
            }
            if at < index {
                continue;
            }
            frontier.push(h);
            let r = seen(at, leaf, opts);
            if r.foreign {
                foreign += 1;
            }
            if opts.project.is_none_or(|p| p == r.project) {
                records.push(r);
            }
        }
        index = tile * w + u64::from(width);
    }
    if frontier.root() != cp.root {
        return Err(MonitorError::Inconsistent(if old_size == cp.size {
            format!(
                "fork: the log's checkpoint of size {} has another root than the one kept in {}",
                cp.size,
                opts.state.display()
            )
        } else {
            format!(
                "the tree of size {} is not the one of size {old_size} kept in {} extended by the entries served: a fork, or tiles that do not hash to the checkpoint's root",
                cp.size,
                opts.state.display()
            )
        }));
    }
    if old
        .as_ref()
        .is_none_or(|(c, _, n)| c.size != cp.size || *n != note)
    {
        save_state(opts.state, &note, &frontier)?;
    }
    Ok(Report {
        schema: REPORT_SCHEMA,
        origin: cp.origin,
        old_size,
        new_size: cp.size,
        records,
        foreign,
    })
}

fn seen(index: u64, leaf: &[u8], opts: &Options<'_>) -> SeenRecord {
    let unparsed = |why: String| SeenRecord {
        index,
        logged_at: String::new(),
        kind: "unparsed".into(),
        project: String::new(),
        tag: String::new(),
        file: String::new(),
        sha256: String::new(),
        signer: why,
        foreign: false,
    };
    let entry = match tarseal_record::LogEntry::parse(leaf) {
        Ok(e) => e,
        Err(e) => return unparsed(format!("not a log entry: {e}")),
    };
    let text = String::from_utf8_lossy(&entry.record).into_owned();
    let rec = match tarseal_record::Record::parse(&text) {
        Ok(r) => r,
        Err(e) => return unparsed(format!("not a record: {e}")),
    };
    let (signer, good) = signer_of(&entry.record, &entry.signature, opts.keyring);
    let project = rec.get("project").to_string();
    let foreign = opts.keyring.is_some() && opts.project.is_some_and(|p| p == project) && !good;
    SeenRecord {
        index,
        logged_at: entry.logged_at,
        kind: rec.kind.name().to_string(),
        project,
        tag: rec.get("tag").to_string(),
        file: rec.get("file").to_string(),
        sha256: rec.get("sha256").to_string(),
        signer,
        foreign,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frontier_matches_the_tree_hash_at_every_size() {
        let mut stored: Vec<Hash> = Vec::new();
        let mut f = Frontier::default();
        assert_eq!(f.root(), tarseal_log::empty_root());
        for n in 0..600u64 {
            let leaf = tarseal_log::leaf_hash(&n.to_be_bytes());
            stored.extend(tarseal_log::stored_hashes_for_leaf(n, &leaf, &stored).unwrap());
            f.push(leaf);
            assert_eq!(
                f.root(),
                tarseal_log::tree_hash(n + 1, &stored).unwrap(),
                "size {}",
                n + 1
            );
            let back = Frontier::from_hashes(f.size(), &f.hashes()).unwrap();
            assert_eq!(back, f);
        }
        assert!(Frontier::from_hashes(3, &[[0; 32]]).is_none());
    }
}
