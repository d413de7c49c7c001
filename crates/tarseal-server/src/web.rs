//! The web view's adapter: reads the store and the trust configuration, fills the views of
//! `tarseal-web` and answers with HTML, or with the same view as JSON when the client asks
//! for `application/json`. Routes are in [`crate::app::ROUTES`] like every other.
//!
//! Pages read only committed state, and only entries below the newest checkpoint's size,
//! so a page never shows an entry its proofs do not cover yet.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tarseal_record::{LogEntry, Record};
use tarseal_web::model::{
    CheckpointRow, EntryRow, EntryView, FileView, HomeView, LogHead, LogView, NoteSigner,
    ProjectKeys, ProjectRow, ProjectView, RecordView, ReleaseView, SearchQuery, SearchView, TagRow,
    TrustKeyRow,
};

use crate::app::App;
use crate::store::{Entry, StoreError, StoreReader, StoredCheckpoint};

type Shared = Arc<App>;

/// Entries on the home page's "recent" list.
const RECENT: u64 = 20;
/// Entries per log page.
const PAGE: u64 = 100;
/// Checkpoints listed on the log page.
const CHECKPOINTS: usize = 20;

/// Why a page cannot be shown: a status and a message for the person (or program) asking.
struct Missing(StatusCode, String);

impl From<StoreError> for Missing {
    fn from(e: StoreError) -> Missing {
        tracing::error!(error = %e, "store (web)");
        Missing(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error: {e}"),
        )
    }
}

/// Whether the client prefers JSON: it names `application/json` and not `text/html`.
fn wants_json(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains("application/json") && !accept.contains("text/html")
}

/// Headers every page carries: the strict CSP and its companions.
fn page_headers(r: &mut Response, content_type: &'static str) {
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(tarseal_web::CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
}

/// The view as HTML (rendered by `render`) or JSON, as the client asked.
fn respond<V: Serialize>(headers: &HeaderMap, view: &V, render: fn(&V) -> String) -> Response {
    if wants_json(headers) {
        let mut r = axum::Json(view).into_response();
        page_headers(&mut r, "application/json");
        r
    } else {
        let mut r = render(view).into_response();
        page_headers(&mut r, "text/html; charset=utf-8");
        r
    }
}

fn finish(headers: &HeaderMap, a: Result<Response, Missing>) -> Response {
    match a {
        Ok(r) => r,
        Err(Missing(status, msg)) => {
            let mut r = if wants_json(headers) {
                (status, axum::Json(serde_json::json!({ "error": msg }))).into_response()
            } else {
                (status, tarseal_web::not_found(&msg)).into_response()
            };
            let ct = if wants_json(headers) {
                "application/json"
            } else {
                "text/html; charset=utf-8"
            };
            page_headers(&mut r, ct);
            r
        }
    }
}

/// Runs a page's store work on a blocking thread.
async fn run(
    headers: HeaderMap,
    f: impl FnOnce(&HeaderMap) -> Result<Response, Missing> + Send + 'static,
) -> Response {
    let h = headers.clone();
    let out = tokio::task::spawn_blocking(move || f(&h)).await;
    match out {
        Ok(a) => finish(&headers, a),
        Err(e) => finish(
            &headers,
            Err(Missing(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("task: {e}"),
            )),
        ),
    }
}

/// The log's state from a stored checkpoint: origin, size and root from its text, and who
/// signed it (the log's own key, then witness cosignatures) from its signature lines.
fn log_head(app: &App, cp: &StoredCheckpoint) -> Result<LogHead, Missing> {
    let note = tarseal_log::split_note(&cp.note)
        .map_err(|e| StoreError::Corrupt(format!("checkpoint {}: {e}", cp.size)))?;
    let origin = note.text.lines().next().unwrap_or("").to_string();
    let signatures = note
        .signatures
        .iter()
        .map(|s| NoteSigner {
            name: s.name.to_string(),
            key_id: format!("{:08x}", s.id),
            role: if s.name == app.key.origin() {
                "log".into()
            } else {
                "cosignature".into()
            },
        })
        .collect();
    let latest_logged_at = if cp.size == 0 {
        None
    } else {
        app.store
            .records(cp.size - 1, cp.size)?
            .pop()
            .and_then(|leaf| LogEntry::parse(&leaf).ok())
            .map(|e| e.logged_at)
    };
    Ok(LogHead {
        origin,
        size: cp.size,
        root: crate::logkey::b64(&cp.root),
        checkpoint: cp.note.clone(),
        signatures,
        latest_logged_at,
    })
}

/// An entry's row; `logged_at` comes from its leaf.
fn row(e: &Entry) -> Result<EntryRow, Missing> {
    let leaf = LogEntry::parse(&e.leaf)
        .map_err(|err| StoreError::Corrupt(format!("entry {}: {err}", e.index)))?;
    Ok(EntryRow {
        index: e.index,
        kind: e.kind.clone(),
        logged_at: leaf.logged_at,
        project: e.project.clone(),
        tag: e.tag.clone(),
        file: e.file.clone(),
        sha256: e.sha256.clone(),
        signer: e.signer.clone(),
    })
}

/// The record inside an entry's leaf, its fields in canonical order, and the leaf.
fn record_of(e: &Entry) -> Result<(Vec<(String, String)>, LogEntry), Missing> {
    let leaf = LogEntry::parse(&e.leaf)
        .map_err(|err| StoreError::Corrupt(format!("entry {}: {err}", e.index)))?;
    let text = std::str::from_utf8(&leaf.record)
        .map_err(|err| StoreError::Corrupt(format!("entry {}: record: {err}", e.index)))?;
    let rec = Record::parse(text)
        .map_err(|err| StoreError::Corrupt(format!("entry {}: record: {err}", e.index)))?;
    let fields = rec
        .kind
        .keys()
        .iter()
        .zip(&rec.values)
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    Ok((fields, leaf))
}

fn visible(entries: Vec<Entry>, size: u64) -> Vec<Entry> {
    entries.into_iter().filter(|e| e.index < size).collect()
}

/// `GET /`.
pub(crate) async fn home(State(app): State<Shared>, headers: HeaderMap) -> Response {
    run(headers, move |h| {
        let cp = app.store.latest_checkpoint()?;
        let log = log_head(&app, &cp)?;
        let mut recent = Vec::new();
        for e in app
            .store
            .entries(cp.size.saturating_sub(RECENT), cp.size)?
            .iter()
            .rev()
        {
            recent.push(row(e)?);
        }
        let projects = app
            .store
            .projects()?
            .into_iter()
            .filter(|p| p.latest < cp.size)
            .map(|p| ProjectRow {
                project: p.project,
                tags: p.tags,
                latest: p.latest,
            })
            .collect();
        let view = HomeView {
            log,
            recent,
            projects,
        };
        Ok(respond(h, &view, tarseal_web::home))
    })
    .await
}

/// `GET /static/style.css`.
pub(crate) async fn style() -> Response {
    let mut r = tarseal_web::STYLE.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

fn trust_keys(app: &App, project: &str) -> Option<ProjectKeys> {
    let trust = app.trust();
    let p = trust.project(project)?;
    let tf = p.trust_file();
    Some(ProjectKeys {
        threshold: tf.threshold,
        keys: tf
            .keys
            .iter()
            .map(|k| TrustKeyRow {
                label: k.name.clone(),
                id: match &k.id {
                    tarseal_sig::TrustedKeyId::OpenPgp { fingerprint } => fingerprint.clone(),
                    tarseal_sig::TrustedKeyId::Ssh { key, principals } => format!(
                        "ssh {} ({})",
                        key.algorithm().as_str(),
                        principals.join(", ")
                    ),
                },
                valid_after: k.valid_after.map(tarseal_sig::format_utc),
                valid_before: k.valid_before.map(tarseal_sig::format_utc),
            })
            .collect(),
    })
}

/// `GET /projects/{project}`.
pub(crate) async fn project(
    State(app): State<Shared>,
    Path(project): Path<String>,
    headers: HeaderMap,
) -> Response {
    run(headers, move |h| {
        let cp = app.store.latest_checkpoint()?;
        let entries = visible(app.store.by_project(&project)?, cp.size);
        let keys = trust_keys(&app, &project);
        if entries.is_empty() && keys.is_none() {
            return Err(Missing(
                StatusCode::NOT_FOUND,
                format!("The log has no record and no trust file for project {project:?}."),
            ));
        }
        struct Acc {
            latest: u64,
            logged_at: String,
            files: BTreeSet<String>,
            kinds: BTreeSet<usize>,
        }
        let mut tags: BTreeMap<String, Acc> = BTreeMap::new();
        for e in &entries {
            let r = row(e)?;
            let kind_order = tarseal_record::Kind::ALL
                .iter()
                .position(|k| k.name() == e.kind)
                .unwrap_or(usize::MAX);
            let acc = tags.entry(e.tag.clone()).or_insert(Acc {
                latest: e.index,
                logged_at: r.logged_at.clone(),
                files: BTreeSet::new(),
                kinds: BTreeSet::new(),
            });
            if e.index >= acc.latest {
                acc.latest = e.index;
                acc.logged_at = r.logged_at;
            }
            acc.files.insert(e.file.clone());
            acc.kinds.insert(kind_order);
        }
        let mut rows: Vec<TagRow> = tags
            .into_iter()
            .map(|(tag, a)| TagRow {
                tag,
                latest: a.latest,
                latest_logged_at: a.logged_at,
                files: a.files.into_iter().collect(),
                kinds: a
                    .kinds
                    .into_iter()
                    .map(|i| {
                        tarseal_record::Kind::ALL
                            .get(i)
                            .map_or("unknown", |k| k.name())
                            .to_string()
                    })
                    .collect(),
            })
            .collect();
        rows.sort_by_key(|t| std::cmp::Reverse(t.latest));
        let view = ProjectView {
            project,
            tags: rows,
            keys,
        };
        Ok(respond(h, &view, tarseal_web::project))
    })
    .await
}

/// `GET /projects/{project}/keys.asc`: the certificates of the project's trust file.
pub(crate) async fn keys(State(app): State<Shared>, Path(project): Path<String>) -> Response {
    let trust = app.trust();
    match trust.project(&project) {
        Some(p) => {
            let mut r = p.certificates().to_vec().into_response();
            page_headers(&mut r, "application/pgp-keys");
            r
        }
        None => finish(
            &HeaderMap::new(),
            Err(Missing(
                StatusCode::NOT_FOUND,
                format!("The log has no trust file for project {project:?}."),
            )),
        ),
    }
}

/// Quotes a word for a POSIX shell when it holds anything but safe characters.
fn sh(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._+-/:=@,".contains(&b));
    if safe {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The base URL clients reached this server at (the `Host` header; `http` — a TLS proxy in
/// front should rewrite it).
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("LOG-HOST");
    format!("http://{host}")
}

fn files_of(
    app: &App,
    headers: &HeaderMap,
    project: &str,
    tag: &str,
    entries: &[Entry],
) -> Result<Vec<FileView>, Missing> {
    let mut by_file: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for e in entries {
        by_file.entry(e.file.as_str()).or_default().push(e);
    }
    let log_key = app.key.verifier_key();
    let server = base_url(headers);
    let mut files = Vec::new();
    for (file, es) in by_file {
        let mut records = Vec::new();
        for e in &es {
            let (fields, _) = record_of(e)?;
            records.push(RecordView {
                entry: row(e)?,
                fields,
            });
        }
        let get = |r: &RecordView, k: &str| {
            r.fields
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        // The seal (artifact record) speaks for the file; without one, the build record.
        let primary = records
            .iter()
            .find(|r| r.entry.kind == "artifact")
            .or_else(|| records.iter().find(|r| r.entry.kind == "build"))
            .unwrap_or(&records[0]);
        let sha256 = primary.entry.sha256.clone();
        let digests_differ = records.iter().any(|r| r.entry.sha256 != sha256);
        let seal = records.iter().find(|r| r.entry.kind == "artifact");
        let verify_command = format!(
            "tarseal verify {} --keyring {} --server {} --project {} --tag {} --log-key {}",
            sh(file),
            sh(&format!("{project}-keys.asc")),
            sh(&server),
            sh(project),
            sh(tag),
            sh(&log_key)
        );
        files.push(FileView {
            file: file.to_string(),
            size: get(primary, "size"),
            sha512: get(primary, "sha512"),
            md5: get(primary, "md5").filter(|m| m != "-"),
            commit: seal.and_then(|r| get(r, "commit")),
            tag_object: seal.and_then(|r| get(r, "tag-object")),
            verdict: seal.and_then(|r| get(r, "verdict")),
            report_sha256: seal.and_then(|r| get(r, "report-sha256")),
            report: match seal.and_then(|r| get(r, "report-sha256")) {
                Some(d) => app
                    .store
                    .report(&d)?
                    .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                    .and_then(|v| tarseal_web::model::ReportSummary::from_report(&v)),
                None => None,
            },
            sha256,
            digests_differ,
            verify_command,
            records,
        });
    }
    Ok(files)
}

/// `GET /projects/{project}/tags/{tag}`: the release page.
pub(crate) async fn release(
    State(app): State<Shared>,
    Path((project, tag)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    run(headers, move |h| {
        let cp = app.store.latest_checkpoint()?;
        let entries = visible(app.store.by_project_tag(&project, &tag)?, cp.size);
        if entries.is_empty() {
            return Err(Missing(
                StatusCode::NOT_FOUND,
                format!("The log has no record for project {project:?} tag {tag:?}."),
            ));
        }
        let files = files_of(&app, h, &project, &tag, &entries)?;
        let view = ReleaseView {
            log: log_head(&app, &cp)?,
            project,
            tag,
            files,
        };
        Ok(respond(h, &view, tarseal_web::release))
    })
    .await
}

/// `?start=N` of the log page.
#[derive(Deserialize)]
pub(crate) struct StartQuery {
    start: Option<u64>,
}

/// `GET /log`.
pub(crate) async fn log(
    State(app): State<Shared>,
    Query(q): Query<StartQuery>,
    headers: HeaderMap,
) -> Response {
    run(headers, move |h| {
        let cp = app.store.latest_checkpoint()?;
        // Newest page by default; pages start at multiples of PAGE so links stay stable.
        let start = q
            .start
            .unwrap_or_else(|| cp.size.saturating_sub(1) / PAGE * PAGE)
            .min(cp.size);
        let mut entries = Vec::new();
        for e in &app
            .store
            .entries(start, start.saturating_add(PAGE).min(cp.size))?
        {
            entries.push(row(e)?);
        }
        let all = app.store.checkpoints()?;
        let checkpoints = all
            .iter()
            .rev()
            .filter(|c| c.size <= cp.size)
            .take(CHECKPOINTS)
            .map(|c| CheckpointRow {
                size: c.size,
                root: crate::logkey::b64(&c.root),
            })
            .collect();
        let view = LogView {
            log: log_head(&app, &cp)?,
            checkpoints,
            checkpoints_total: all.len(),
            entries,
            start,
            page: PAGE,
        };
        Ok(respond(h, &view, tarseal_web::log))
    })
    .await
}

fn one_entry(app: &App, index: &str) -> Result<(Entry, StoredCheckpoint), Missing> {
    let bad = || {
        Missing(
            StatusCode::NOT_FOUND,
            format!("{index:?} is not an entry index."),
        )
    };
    if index.is_empty() || index.len() > 20 || !index.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let i: u64 = index.parse().map_err(|_| bad())?;
    let cp = app.store.latest_checkpoint()?;
    if i >= cp.size {
        return Err(Missing(
            StatusCode::NOT_FOUND,
            format!(
                "The log has {} entries; entry {i} is not one of them.",
                cp.size
            ),
        ));
    }
    let e = app
        .store
        .entries(i, i + 1)?
        .pop()
        .ok_or_else(|| StoreError::Corrupt(format!("entry {i} missing")))?;
    Ok((e, cp))
}

/// `GET /log/entries/{index}`.
pub(crate) async fn entry(
    State(app): State<Shared>,
    Path(index): Path<String>,
    headers: HeaderMap,
) -> Response {
    run(headers, move |h| {
        let (e, cp) = one_entry(&app, &index)?;
        let (fields, leaf) = record_of(&e)?;
        let view = EntryView {
            entry: row(&e)?,
            fields,
            record: String::from_utf8_lossy(&leaf.record).into_owned(),
            signature: String::from_utf8_lossy(&leaf.signature).into_owned(),
            tree_size: cp.size,
        };
        Ok(respond(h, &view, tarseal_web::entry))
    })
    .await
}

/// `GET /log/entries/{index}/{part}`: `record`, `signature`, `tlog-proof`, `sha256`,
/// `sha512` or `md5` — the files a user would otherwise find beside the tarball.
pub(crate) async fn entry_part(
    State(app): State<Shared>,
    Path((index, part)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    run(headers, move |_| {
        let (e, cp) = one_entry(&app, &index)?;
        let (fields, leaf) = record_of(&e)?;
        let field = |k: &str| fields.iter().find(|(key, _)| key == k).map(|(_, v)| v);
        let (body, ct): (Vec<u8>, &'static str) = match part.as_str() {
            "record" => (leaf.record.clone(), "text/plain; charset=utf-8"),
            "report" => match field("report-sha256").map(|d| app.store.report(d)).transpose()? {
                Some(Some(r)) => (r, "application/json"),
                _ => {
                    return Err(Missing(
                        StatusCode::NOT_FOUND,
                        format!("The log holds no check report for entry {}.", e.index),
                    ))
                }
            },
            "signature" => (leaf.signature.clone(), "application/pgp-signature"),
            "tlog-proof" => {
                let proof =
                    tarseal_log::inclusion_proof(cp.size, e.index, &StoreReader(&*app.store))
                        .map_err(StoreError::from)?;
                let text = crate::logkey::tlog_proof(e.index, &proof, &cp.note, &e.leaf);
                (text.into_bytes(), "text/plain; charset=utf-8")
            }
            "sha256" | "sha512" | "md5" => match field(part.as_str()).filter(|v| *v != "-") {
                Some(h) => (
                    format!("{h}  {}\n", e.file).into_bytes(),
                    "text/plain; charset=utf-8",
                ),
                None => {
                    return Err(Missing(
                        StatusCode::NOT_FOUND,
                        format!("Entry {} states no {part}.", e.index),
                    ))
                }
            },
            other => {
                return Err(Missing(
                    StatusCode::NOT_FOUND,
                    format!(
                        "{other:?} is not a part of an entry (record, signature, tlog-proof, report, sha256, sha512, md5)."
                    ),
                ))
            }
        };
        let mut r = body.into_response();
        page_headers(&mut r, ct);
        Ok(r)
    })
    .await
}

/// `GET /search?project=&tag=&sha256=`: straight to the page when the answer is one page.
pub(crate) async fn search(
    State(app): State<Shared>,
    Query(q): Query<SearchQuery>,
    headers: HeaderMap,
) -> Response {
    run(headers, move |h| {
        let q = SearchQuery {
            project: q.project.trim().to_string(),
            tag: q.tag.trim().to_string(),
            sha256: q.sha256.trim().to_ascii_lowercase(),
        };
        let answer = |message: Option<String>, results: Vec<EntryRow>| {
            let view = SearchView {
                query: q.clone(),
                results,
                message,
            };
            Ok(respond(h, &view, tarseal_web::search))
        };
        let go = |to: String| {
            let mut r = StatusCode::SEE_OTHER.into_response();
            if let Ok(v) = HeaderValue::from_str(&to) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            Ok(r)
        };
        if !q.sha256.is_empty() {
            if q.sha256.len() != 64 || !q.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return answer(Some("A SHA-256 is 64 hex digits.".into()), Vec::new());
            }
            let cp = app.store.latest_checkpoint()?;
            let found = visible(app.store.by_sha256(&q.sha256)?, cp.size);
            let releases: BTreeSet<(&str, &str)> = found
                .iter()
                .map(|e| (e.project.as_str(), e.tag.as_str()))
                .collect();
            if let [(p, t)] = releases.into_iter().collect::<Vec<_>>()[..] {
                if !wants_json(h) {
                    return go(tarseal_web::href::release(p, t));
                }
            }
            let mut rows = Vec::new();
            for e in &found {
                rows.push(row(e)?);
            }
            let msg = rows
                .is_empty()
                .then(|| format!("No record names SHA-256 {}.", q.sha256));
            return answer(msg, rows);
        }
        if q.project.is_empty() {
            return answer(
                Some("Give a project (and a tag), or a SHA-256.".into()),
                Vec::new(),
            );
        }
        if let Err(e) = crate::record::check_project(&q.project) {
            return answer(Some(e), Vec::new());
        }
        if q.tag.is_empty() {
            return go(tarseal_web::href::project(&q.project));
        }
        if let Err(e) = crate::record::check_tag(&q.tag) {
            return answer(Some(e), Vec::new());
        }
        go(tarseal_web::href::release(&q.project, &q.tag))
    })
    .await
}

/// The body of `POST /v1/reports`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportBody {
    /// The seal record's entry.
    index: u64,
    /// The report JSON, exactly the bytes whose SHA-256 the seal record names.
    report: String,
}

/// `POST /v1/reports`: keeps a check report for the web view. Accepted only when the seal
/// (artifact) record at `index` names the report's SHA-256, so the log keeps nothing that no
/// signed record vouches for; the report itself is not in the tree (its digest is).
pub(crate) async fn post_report(
    State(app): State<Shared>,
    axum::extract::ConnectInfo(client): axum::extract::ConnectInfo<std::net::SocketAddr>,
    body: axum::body::Bytes,
) -> Response {
    let json = || {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        h
    };
    if let Err(secs) = app.limiter.take(client.ip(), std::time::Instant::now()) {
        return finish(
            &json(),
            Err(Missing(
                StatusCode::TOO_MANY_REQUESTS,
                format!("too many publishes from {}: retry in {secs} s", client.ip()),
            )),
        );
    }
    run(json(), move |_| {
        let bad = |m: String| Missing(StatusCode::BAD_REQUEST, m);
        let req: ReportBody = serde_json::from_slice(&body).map_err(|e| {
            bad(format!(
                "body is not {{\"index\": N, \"report\": \"...\"}}: {e}"
            ))
        })?;
        serde_json::from_str::<serde_json::Value>(&req.report)
            .map_err(|e| bad(format!("report is not JSON: {e}")))?;
        let (e, _) = one_entry(&app, &req.index.to_string())?;
        let (fields, _) = record_of(&e)?;
        let named = fields
            .iter()
            .find(|(k, _)| k == "report-sha256")
            .map(|(_, v)| v.clone());
        let digest = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(req.report.as_bytes()))
        };
        match named {
            Some(n) if n == digest => {}
            Some(n) => {
                return Err(bad(format!(
                    "entry {} names report-sha256 {n}; this report's SHA-256 is {digest}",
                    e.index
                )))
            }
            None => {
                return Err(bad(format!(
                    "entry {} is a {} record, which names no report",
                    e.index, e.kind
                )))
            }
        }
        app.store.put_report(&digest, req.report.as_bytes())?;
        let mut r =
            axum::Json(serde_json::json!({ "index": e.index, "sha256": digest })).into_response();
        page_headers(&mut r, "application/json");
        Ok(r)
    })
    .await
}
