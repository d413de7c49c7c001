//! The data of each page: plain structs the server fills from the store, rendered as HTML by
//! [`crate::pages`] or sent as JSON as they are (`Accept: application/json`), so that both
//! answers always hold the same data.

use serde::{Deserialize, Serialize};

/// The log's state as the newest checkpoint tells it.
#[derive(Serialize, Debug, Clone, Default)]
pub struct LogHead {
    /// The log's origin (first line of its checkpoints).
    pub origin: String,
    /// Tree size: how many entries the checkpoint commits to.
    pub size: u64,
    /// The root hash, base64 as in the checkpoint.
    pub root: String,
    /// The signed checkpoint as served at `/checkpoint`.
    pub checkpoint: String,
    /// Who signed it: the log itself, then any witness cosignatures.
    pub signatures: Vec<NoteSigner>,
    /// When the log recorded its newest entry (the checkpoint carries no time of its own).
    pub latest_logged_at: Option<String>,
}

/// One signature line of the checkpoint. Shown as the signer's name and key id; the
/// signature itself is verified by clients (`tarseal verify --witness-key`), not by a page.
#[derive(Serialize, Debug, Clone)]
pub struct NoteSigner {
    /// The key name (the log's origin, or a witness's name).
    pub name: String,
    /// The 4-byte key id, hex.
    pub key_id: String,
    /// `log` for the log's own key, `cosignature` for every other line.
    pub role: String,
}

/// One log entry in a list.
#[derive(Serialize, Debug, Clone)]
pub struct EntryRow {
    /// Entry index.
    pub index: u64,
    /// Record kind: build, artifact, cosign or upload.
    pub kind: String,
    /// When the log first recorded it (inside the leaf).
    pub logged_at: String,
    /// Project.
    pub project: String,
    /// Tag.
    pub tag: String,
    /// File name.
    pub file: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// The primary fingerprint whose signature the log accepted.
    pub signer: String,
}

/// One project in the home page's list.
#[derive(Serialize, Debug, Clone)]
pub struct ProjectRow {
    /// Name.
    pub project: String,
    /// Distinct tags with records.
    pub tags: u64,
    /// Its newest entry.
    pub latest: u64,
}

/// `/`: the log, a search form, recent entries and every project.
#[derive(Serialize, Debug, Clone)]
pub struct HomeView {
    /// The log's state.
    pub log: LogHead,
    /// The newest entries, newest first.
    pub recent: Vec<EntryRow>,
    /// Every project, by name.
    pub projects: Vec<ProjectRow>,
}

/// One tag of a project.
#[derive(Serialize, Debug, Clone)]
pub struct TagRow {
    /// The tag.
    pub tag: String,
    /// Its newest entry's index (tags are listed newest first by it).
    pub latest: u64,
    /// When the log recorded that entry.
    pub latest_logged_at: String,
    /// The file names with records, sorted.
    pub files: Vec<String>,
    /// The record kinds seen, in life order (build, artifact, cosign, upload).
    pub kinds: Vec<String>,
}

/// One key of a project's trust file.
#[derive(Serialize, Debug, Clone)]
pub struct TrustKeyRow {
    /// The label in the trust file, if any.
    pub label: Option<String>,
    /// OpenPGP primary fingerprint, or the SSH key's type and principals.
    pub id: String,
    /// Window start (UTC), if any.
    pub valid_after: Option<String>,
    /// Window end (UTC), if any.
    pub valid_before: Option<String>,
}

/// Who may publish for a project, from the log's trust directory.
#[derive(Serialize, Debug, Clone)]
pub struct ProjectKeys {
    /// Distinct keys that must co-sign (for `gate`; publishing needs one).
    pub threshold: usize,
    /// The keys.
    pub keys: Vec<TrustKeyRow>,
}

/// A project's page.
#[derive(Serialize, Debug, Clone)]
pub struct ProjectView {
    /// Name.
    pub project: String,
    /// Its tags, newest first.
    pub tags: Vec<TagRow>,
    /// Its keyring, when the log is configured for it.
    pub keys: Option<ProjectKeys>,
}

/// A record of a release file, with its fields as the record states them.
#[derive(Serialize, Debug, Clone)]
pub struct RecordView {
    /// The entry.
    pub entry: EntryRow,
    /// `(key, value)` in the record's canonical order.
    pub fields: Vec<(String, String)>,
}

/// What a check report (`NAME.report.json`) says, when the log holds it.
#[derive(Serialize, Debug, Clone)]
pub struct ReportSummary {
    /// The report's verdict.
    pub verdict: String,
    /// The profile used.
    pub profile: Option<String>,
    /// Entries by how they were vouched for (`git`, `reproduced`, ..., `name-only`).
    pub vouched_by: Vec<(String, u64)>,
    /// Files accepted by name only.
    pub trust_surface_files: u64,
    /// Their bytes.
    pub trust_surface_bytes: u64,
    /// Their paths.
    pub trust_surface_paths: Vec<String>,
}

/// Paths of the trust surface listed on a page at most (the count is always whole).
pub const MAX_LISTED_PATHS: usize = 500;

impl ReportSummary {
    /// What a person needs from a check report (`tarseal.report/v1` or later): verdict,
    /// profile, how entries were vouched for, and the trust surface. `None` when the value
    /// is not a report. Reads only fields, so a later schema with more fields still reads.
    pub fn from_report(v: &serde_json::Value) -> Option<ReportSummary> {
        let verdict = v.get("verdict")?.as_str()?.to_string();
        let profile = v
            .pointer("/policy/profile")
            .and_then(|p| p.as_str())
            .map(str::to_string);
        let mut vouched: std::collections::BTreeMap<String, u64> = Default::default();
        if let Some(obj) = v.pointer("/summary/vouched_by").and_then(|o| o.as_object()) {
            for (k, n) in obj {
                vouched.insert(k.clone(), n.as_u64().unwrap_or(0));
            }
        } else {
            for list in ["entries", "findings"] {
                for item in v.get(list).and_then(|l| l.as_array()).into_iter().flatten() {
                    if let Some(by) = item.get("vouched_by").and_then(|b| b.as_str()) {
                        *vouched.entry(by.to_string()).or_default() += 1;
                    }
                }
                if !vouched.is_empty() {
                    break;
                }
            }
            if vouched.is_empty() {
                if let Some(n) = v.pointer("/summary/matched").and_then(|n| n.as_u64()) {
                    vouched.insert("git".into(), n);
                }
            }
        }
        let num = |p: &str| v.pointer(p).and_then(|n| n.as_u64());
        let (files, bytes, paths) = if let Some(ts) = v.get("trust_surface") {
            let paths: Vec<String> = ts
                .get("paths")
                .and_then(|p| p.as_array())
                .into_iter()
                .flatten()
                .filter_map(|p| p.as_str().map(str::to_string))
                .take(MAX_LISTED_PATHS)
                .collect();
            (
                num("/trust_surface/files").unwrap_or(paths.len() as u64),
                num("/trust_surface/bytes").unwrap_or(0),
                paths,
            )
        } else {
            (
                num("/summary/not_backed_files").unwrap_or(0),
                num("/summary/not_backed_bytes").unwrap_or(0),
                Vec::new(),
            )
        };
        Some(ReportSummary {
            verdict,
            profile,
            vouched_by: vouched.into_iter().collect(),
            trust_surface_files: files,
            trust_surface_bytes: bytes,
            trust_surface_paths: paths,
        })
    }
}

/// One file of a release.
#[derive(Serialize, Debug, Clone)]
pub struct FileView {
    /// File name.
    pub file: String,
    /// Size in bytes, as the seal (or build) record states it.
    pub size: Option<String>,
    /// SHA-256 (of the seal record; of the first record when there is none).
    pub sha256: String,
    /// SHA-512, if a record states it.
    pub sha512: Option<String>,
    /// MD5, if a record states it (informational).
    pub md5: Option<String>,
    /// The commit the tag points at (seal record).
    pub commit: Option<String>,
    /// The tag object's id (seal record).
    pub tag_object: Option<String>,
    /// The check's verdict (seal record).
    pub verdict: Option<String>,
    /// SHA-256 of the check report (seal record).
    pub report_sha256: Option<String>,
    /// The report's summary, when the log holds the report.
    pub report: Option<ReportSummary>,
    /// Records whose SHA-256 differs from another record's for the same file: a build
    /// and a seal of different bytes are both kept, and a person must see it.
    pub digests_differ: bool,
    /// Every record of this file: build, seal, co-signatures, uploads.
    pub records: Vec<RecordView>,
    /// The command a user runs to check their copy against this log.
    pub verify_command: String,
}

/// A release's page: every file of a project's tag.
#[derive(Serialize, Debug, Clone)]
pub struct ReleaseView {
    /// Project.
    pub project: String,
    /// Tag.
    pub tag: String,
    /// The log's state the proofs are against.
    pub log: LogHead,
    /// The files, by name.
    pub files: Vec<FileView>,
}

/// A checkpoint in the log page's list.
#[derive(Serialize, Debug, Clone)]
pub struct CheckpointRow {
    /// Tree size.
    pub size: u64,
    /// Root hash, base64.
    pub root: String,
}

/// The log page: checkpoints, consistency links and entries by index.
#[derive(Serialize, Debug, Clone)]
pub struct LogView {
    /// The log's state.
    pub log: LogHead,
    /// The newest checkpoints, newest first.
    pub checkpoints: Vec<CheckpointRow>,
    /// How many checkpoints the log has signed in all.
    pub checkpoints_total: usize,
    /// The entries shown, by index.
    pub entries: Vec<EntryRow>,
    /// The first index shown.
    pub start: u64,
    /// Entries per page.
    pub page: u64,
}

/// One entry's page.
#[derive(Serialize, Debug, Clone)]
pub struct EntryView {
    /// The entry.
    pub entry: EntryRow,
    /// The record's fields, in canonical order.
    pub fields: Vec<(String, String)>,
    /// The record text.
    pub record: String,
    /// Its armored signature.
    pub signature: String,
    /// The tree size the entry's inclusion proof is against.
    pub tree_size: u64,
}

/// What a search asked for (every field may be left empty).
#[derive(Serialize, Deserialize, Debug, Clone, Default)]
#[serde(default)]
pub struct SearchQuery {
    /// Project name.
    pub project: String,
    /// Tag.
    pub tag: String,
    /// SHA-256 of a file (hex).
    pub sha256: String,
}

/// A search's answer, when it is not a single page to go to.
#[derive(Serialize, Debug, Clone)]
pub struct SearchView {
    /// What was asked.
    pub query: SearchQuery,
    /// Entries found.
    pub results: Vec<EntryRow>,
    /// Why nothing was found, or what was wrong with the query.
    pub message: Option<String>,
}
