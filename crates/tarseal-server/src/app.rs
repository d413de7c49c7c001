//! The HTTP API (axum): the write endpoint `POST /v1/records`, the C2SP tlog-tiles read
//! side (`/checkpoint`, `/tile/...`), the query index, health and the OpenAPI document.
//!
//! Every route is in [`ROUTES`]; the router is built from that list only, and a test checks
//! that it equals the paths of docs/openapi.yaml.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::logkey::LogKey;
use crate::record;
use crate::store::{Appended, Entry, NewEntry, Store, StoreError, StoreReader, StoredCheckpoint};
use crate::trust::Trust;
use tarseal_record::LogEntry;

/// Largest request body accepted (HTTP 413 beyond).
pub const MAX_BODY: usize = 64 * 1024;
/// Largest check report accepted by `POST /v1/reports` (a report of a 5,000-file release
/// is about 1 MB).
pub const MAX_REPORT: usize = 16 * 1024 * 1024;
/// Requests handled at once per process; more wait (a simple rate limit).
pub const MAX_CONCURRENT: usize = 256;

/// (method, OpenAPI path, handler name). The router is built from this list.
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/v1/records"),
    ("post", "/v1/reports"),
    ("get", "/checkpoint"),
    ("get", "/tile/{tile_path}"),
    ("get", "/v1/projects/{project}/tags/{tag}"),
    ("get", "/v1/digests/sha256/{hex}"),
    ("get", "/v1/proofs/consistency/{old}/{new}"),
    ("get", "/healthz"),
    ("get", "/openapi.yaml"),
    // The web view for people (crate::web): HTML, or JSON with `Accept: application/json`.
    ("get", "/"),
    ("get", "/static/style.css"),
    ("get", "/search"),
    ("get", "/projects/{project}"),
    ("get", "/projects/{project}/keys.asc"),
    ("get", "/projects/{project}/tags/{tag}"),
    ("get", "/log"),
    ("get", "/log/entries/{index}"),
    ("get", "/log/entries/{index}/{part}"),
];

/// The OpenAPI document, served at `/openapi.yaml`.
pub const OPENAPI: &str = include_str!("../../../docs/openapi.yaml");

/// Shared state of the handlers.
pub struct App {
    /// The store.
    pub store: Arc<dyn Store>,
    /// Who may publish: replaced as a whole by [`App::reload_trust`] (SIGHUP), so a request
    /// sees one consistent configuration.
    pub trust: std::sync::RwLock<Arc<Trust>>,
    /// The trust directory, re-read on reload (`None`: no directory, nobody may publish).
    pub trust_dir: Option<std::path::PathBuf>,
    /// The log's signing key.
    pub key: LogKey,
    /// Publishes per client address (429 beyond).
    pub limiter: crate::ratelimit::Limiter,
    /// The witnesses each new checkpoint goes to (`--witness`), if any.
    pub witnesses: Option<Arc<crate::witnessing::Witnesses>>,
    /// The static tiles directory written after each batch (`--tiles-dir`), if any.
    pub tiles: Option<crate::tilesdir::TilesDir>,
    /// Where publishes wait for their batch (see [`sequence`]).
    pub sequencer: tokio::sync::mpsc::Sender<Pending>,
}

/// Why [`App::reload_trust`] kept the configuration in force.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The server runs without a trust directory.
    #[error("no trust directory to reload")]
    NoTrustDir,
    /// The directory as it is now does not load.
    #[error(transparent)]
    Load(#[from] crate::trust::TrustDirError),
}

impl App {
    /// Re-reads the trust directory and swaps it in; on any error the current configuration
    /// stays (a half-edited directory must not lock every project out). Returns the projects.
    pub fn reload_trust(&self) -> Result<Vec<String>, ReloadError> {
        let Some(dir) = &self.trust_dir else {
            return Err(ReloadError::NoTrustDir);
        };
        let t = Trust::load(dir)?;
        let projects = t.projects().map(str::to_string).collect();
        *self
            .trust
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(t);
        Ok(projects)
    }

    /// The checkpoint to publish: the store's newest, with the witnesses' cosignatures when
    /// they have cosigned it.
    pub fn current_checkpoint(&self) -> Result<StoredCheckpoint, StoreError> {
        let latest = self.store.latest_checkpoint()?;
        Ok(match &self.witnesses {
            Some(w) => w.current(latest),
            None => latest,
        })
    }

    /// After sequencing: `cp` with the cosignatures of the witnesses that answered in time.
    pub fn cosign(&self, cp: StoredCheckpoint) -> StoredCheckpoint {
        match &self.witnesses {
            Some(w) => w.cosign(&*self.store, &cp),
            None => cp,
        }
    }

    /// The current trust configuration.
    pub fn trust(&self) -> Arc<Trust> {
        self.trust
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

type Shared = Arc<App>;

/// The router with every route of [`ROUTES`], the body limit and the concurrency limit.
pub fn router(app: Arc<App>) -> Router {
    let mut r: Router<Shared> = Router::new();
    // Reports are larger than records: their own body limit, before the general one.
    let reports: Router<Shared> = Router::new()
        .route("/v1/reports", post(crate::web::post_report))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_REPORT))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_REPORT));
    for (method, path) in ROUTES {
        r = match (*method, *path) {
            ("post", "/v1/records") => r.route(path, post(post_record)),
            ("post", "/v1/reports") => r,
            ("get", "/checkpoint") => r.route(path, get(checkpoint)),
            // tlog-tiles paths have several segments: `{tile_path}` matches the rest.
            ("get", "/tile/{tile_path}") => r.route("/tile/{*tile_path}", get(tile)),
            ("get", "/v1/projects/{project}/tags/{tag}") => r.route(path, get(project_tag)),
            ("get", "/v1/digests/sha256/{hex}") => r.route(path, get(digest)),
            ("get", "/v1/proofs/consistency/{old}/{new}") => r.route(path, get(consistency)),
            ("get", "/healthz") => r.route(path, get(|| async { "ok\n" })),
            ("get", "/openapi.yaml") => r.route(
                path,
                get(|| async { ([(header::CONTENT_TYPE, "application/yaml")], OPENAPI) }),
            ),
            ("get", "/") => r.route(path, get(crate::web::home)),
            ("get", "/static/style.css") => r.route(path, get(crate::web::style)),
            ("get", "/search") => r.route(path, get(crate::web::search)),
            ("get", "/projects/{project}") => r.route(path, get(crate::web::project)),
            ("get", "/projects/{project}/keys.asc") => r.route(path, get(crate::web::keys)),
            // A tag may hold `/`: `{tag}` matches the rest of the path.
            ("get", "/projects/{project}/tags/{tag}") => {
                r.route("/projects/{project}/tags/{*tag}", get(crate::web::release))
            }
            ("get", "/log") => r.route(path, get(crate::web::log)),
            ("get", "/log/entries/{index}") => r.route(path, get(crate::web::entry)),
            ("get", "/log/entries/{index}/{part}") => r.route(path, get(crate::web::entry_part)),
            other => unreachable!("route {other:?} has no handler"),
        };
    }
    r.layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_BODY))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .merge(reports)
        .layer(tower::limit::ConcurrencyLimitLayer::new(MAX_CONCURRENT))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(app)
}

/// An error answer: a status and a JSON body `{"error": ..., ...}`.
struct ApiError {
    status: StatusCode,
    body: serde_json::Value,
}

impl ApiError {
    fn new(status: StatusCode, msg: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: serde_json::json!({ "error": msg.into() }),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        tracing::error!(error = %e, "store");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error: {e}"),
        )
    }
}

impl From<tarseal_log::LogError> for ApiError {
    fn from(e: tarseal_log::LogError) -> ApiError {
        StoreError::from(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

/// Runs blocking store work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("task: {e}")))?
}

/// The body of `POST /v1/records`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    record: String,
    signature: String,
}

/// The answer to a publish (200).
#[derive(Serialize, Deserialize, Debug)]
pub struct Published {
    /// The entry's index.
    pub index: u64,
    /// Whether the record was already in the log (nothing new written).
    pub existing: bool,
    /// When the log first recorded it (UTC, `YYYY-MM-DDTHH:MM:SSZ`; inside the leaf).
    pub logged_at: String,
    /// SHA-256 of the record text (hex).
    pub record_sha256: String,
    /// The checkpoint the proof is against.
    pub checkpoint: String,
    /// The C2SP tlog-proof of the entry (its `extra` line holds the leaf bytes).
    pub tlog_proof: String,
}

async fn post_record(
    State(app): State<Shared>,
    ConnectInfo(client): ConnectInfo<std::net::SocketAddr>,
    body: Bytes,
) -> Result<Response, ApiError> {
    if let Err(secs) = app.limiter.take(client.ip(), std::time::Instant::now()) {
        let mut r = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("too many publishes from {}: retry in {secs} s", client.ip()),
        )
        .into_response();
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return Ok(r);
    }
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, m);
    let text = std::str::from_utf8(&body).map_err(|e| bad(format!("body is not UTF-8: {e}")))?;
    let req: PublishBody = serde_json::from_str(text).map_err(|e| {
        bad(format!(
            "body is not JSON {{\"record\": \"...\", \"signature\": \"...\"}}: {e}"
        ))
    })?;
    let art = record::parse(&req.record).map_err(|e| bad(format!("record: {e}")))?;
    let app2 = app.clone();
    let e = blocking(move || {
        let signer = app2
            .trust()
            .authorize(
                &art.project,
                req.record.as_bytes(),
                req.signature.as_bytes(),
            )
            .map_err(|f| ApiError::new(StatusCode::FORBIDDEN, f.0))?;
        let record_sha256 = hex::encode(Sha256::digest(req.record.as_bytes()));
        // The log's own clock, inside the leaf: what "when the log first recorded it" means
        // for the gate's key-validity judgement (never the signer's claimed time).
        let entry = LogEntry {
            logged_at: tarseal_sig::format_utc(std::time::SystemTime::now()),
            record: req.record.into_bytes(),
            signature: req.signature.into_bytes(),
        };
        Ok(NewEntry {
            leaf: entry.to_bytes(),
            record_sha256,
            kind: art.kind.name().to_string(),
            project: art.project,
            tag: art.tag,
            file: art.file,
            sha256: art.sha256,
            md5: art.md5,
            signer,
        })
    })
    .await?;
    // Sequenced with whatever else arrived meanwhile; answered once durable.
    let (done, wait) = tokio::sync::oneshot::channel();
    let record_sha256 = e.record_sha256.clone();
    let (kind, project, tag, file, leaf) = (
        e.kind.clone(),
        e.project.clone(),
        e.tag.clone(),
        e.file.clone(),
        e.leaf.clone(),
    );
    app.sequencer
        .send(Pending { entry: e, done })
        .await
        .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the log is shutting down"))?;
    let (appended, cp) = wait
        .await
        .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the log is shutting down"))?
        .map_err(ApiError::from)?;
    blocking(move || {
        let (index, existing) = match appended {
            Appended::New(i, _) => {
                tracing::info!(index = i, kind = %kind, project = %project, tag = %tag, file = %file, "appended");
                (i, false)
            }
            Appended::Existing(i) => (i, true),
            Appended::Conflict(i) => {
                return Err(ApiError {
                    status: StatusCode::CONFLICT,
                    body: serde_json::json!({
                        "error": format!(
                            "entry {i} already holds a {kind} record for project {project:?} tag {tag:?} file {file:?} with a different sha256 (first write wins)"
                        ),
                        "existing_index": i,
                    }),
                })
            }
        };
        // A replay answers with the entry as first logged (its time, not this request's).
        let leaf = if existing {
            app.store
                .records(index, index + 1)?
                .pop()
                .ok_or_else(|| StoreError::Corrupt(format!("entry {index} missing")))?
        } else {
            leaf
        };
        let logged_at = LogEntry::parse(&leaf)
            .map_err(|err| StoreError::Corrupt(format!("entry {index}: {err}")))?
            .logged_at;
        let proof = tarseal_log::inclusion_proof(cp.size, index, &StoreReader(&*app.store))?;
        let tlog_proof = crate::logkey::tlog_proof(index, &proof, &cp.note, &leaf);
        Ok(axum::Json(Published {
            index,
            existing,
            record_sha256,
            logged_at,
            checkpoint: cp.note,
            tlog_proof,
        })
        .into_response())
    })
    .await
}

/// One publish waiting for its batch: the entry and where its outcome goes (with the
/// checkpoint to prove it against, cosigned when witnesses answered).
pub struct Pending {
    entry: NewEntry,
    done: tokio::sync::oneshot::Sender<Result<(Appended, StoredCheckpoint), StoreError>>,
}

/// The sequencer (group commit): takes every publish waiting (up to `max_batch`), appends
/// them in one transaction with one fsync, submits the batch's checkpoint to the witnesses,
/// writes the tiles directory, then answers each. Publishes arriving meanwhile form the
/// next batch. Ends when the [`App`] is gone (its sender dropped).
pub async fn sequence(
    app: std::sync::Weak<App>,
    mut rx: tokio::sync::mpsc::Receiver<Pending>,
    max_batch: usize,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < max_batch.max(1) {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        let Some(app) = app.upgrade() else { break };
        let (entries, waiting): (Vec<NewEntry>, Vec<_>) =
            batch.into_iter().map(|p| (p.entry, p.done)).unzip();
        let r = tokio::task::spawn_blocking(move || app.commit_batch(&entries)).await;
        match r {
            Ok(Ok((outcomes, cp))) => {
                for (done, a) in waiting.into_iter().zip(outcomes) {
                    let _ = done.send(Ok((a, cp.clone())));
                }
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "batch not appended");
                let msg = e.to_string();
                for done in waiting {
                    let _ = done.send(Err(StoreError::Db(msg.clone())));
                }
            }
            Err(e) => {
                for done in waiting {
                    let _ = done.send(Err(StoreError::Db(format!("sequencer task: {e}"))));
                }
            }
        }
    }
}

impl App {
    /// One batch (blocking): append durably, then cosign and write the tiles for the new
    /// checkpoint; returns each outcome and the checkpoint (cosigned) to prove against.
    fn commit_batch(
        &self,
        entries: &[NewEntry],
    ) -> Result<(Vec<Appended>, StoredCheckpoint), StoreError> {
        let key = &self.key;
        let sign = |size: u64, root: &tarseal_log::Hash| key.sign_checkpoint(size, root);
        let outcomes = self.store.append_batch(entries, &sign)?;
        let new = outcomes.iter().find_map(|a| match a {
            Appended::New(_, cp) => Some(cp.clone()),
            _ => None,
        });
        let cp = match new {
            Some(cp) => {
                let cp = self.cosign(cp);
                self.write_tiles(&cp);
                cp
            }
            None => self.current_checkpoint()?,
        };
        Ok((outcomes, cp))
    }

    /// Writes `cp` and its tiles to `--tiles-dir` (errors are logged: the database stays
    /// the log; the next batch writes what is missing).
    pub fn write_tiles(&self, cp: &StoredCheckpoint) {
        if let Some(t) = &self.tiles {
            if let Err(e) = t.publish(&*self.store, cp) {
                tracing::error!(error = %e, "tiles directory not written");
            }
        }
    }
}

fn text(status: StatusCode, cache: &'static str, body: impl Into<axum::body::Body>) -> Response {
    let mut r = (status, body.into()).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    r
}

async fn checkpoint(State(app): State<Shared>) -> Result<Response, ApiError> {
    let cp = blocking(move || Ok(app.current_checkpoint()?)).await?;
    Ok(text(StatusCode::OK, "no-cache", cp.note))
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

async fn tile(
    State(app): State<Shared>,
    Path(tile_path): Path<String>,
) -> Result<Response, ApiError> {
    let path = format!("tile/{tile_path}");
    let not_found = |m: String| ApiError::new(StatusCode::NOT_FOUND, m);
    blocking(move || {
        let size = app.store.latest_checkpoint()?.size;
        if path.starts_with("tile/entries/") {
            let (index, width) = tarseal_log::parse_entries_tile_path(&path)
                .map_err(|e| not_found(e.to_string()))?;
            let start = index
                .checked_mul(256)
                .ok_or_else(|| not_found("no such tile".into()))?;
            let end = start + u64::from(width);
            if end > size {
                return Err(not_found(format!(
                    "{path} is not in the tree of size {size}"
                )));
            }
            let records = app.store.records(start, end)?;
            let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
            let data = tarseal_log::encode_entry_bundle(&refs)?;
            let cache = if width == 256 { IMMUTABLE } else { "no-cache" };
            return Ok(octets(data, cache));
        }
        let t = tarseal_log::TileId::parse(&path).map_err(|e| not_found(e.to_string()))?;
        if !t.exists_in(size) {
            return Err(not_found(format!(
                "{path} is not in the tree of size {size}"
            )));
        }
        let data = tarseal_log::read_tile(&t, size, &StoreReader(&*app.store))?;
        Ok(octets(
            data,
            if t.is_full() { IMMUTABLE } else { "no-cache" },
        ))
    })
    .await
}

fn octets(data: Vec<u8>, cache: &'static str) -> Response {
    let mut r = data.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    r
}

/// `?format=json|sha256sums|md5sums`.
#[derive(Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

/// One record of a query answer, with its inclusion proof.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct QueryRecord {
    /// Entry index.
    pub index: u64,
    /// The record's kind: `build`, `artifact`, `cosign` or `upload`.
    pub kind: String,
    /// When the log first recorded it (part of the leaf, so proven with it).
    pub logged_at: String,
    /// `project`.
    pub project: String,
    /// `tag`.
    pub tag: String,
    /// `file`.
    pub file: String,
    /// `sha256` of the artifact.
    pub sha256: String,
    /// `md5` of the artifact (informational).
    pub md5: String,
    /// The accepted signer's primary fingerprint.
    pub signer: String,
    /// The record text (inside the leaf, with `logged_at` and `signature`).
    pub record: String,
    /// Its armored signature as submitted.
    pub signature: String,
    /// Inclusion proof against `checkpoint` (base64 hashes, leaf to root).
    pub inclusion_proof: Vec<String>,
}

/// The JSON answer of the query endpoints.
#[derive(Serialize, Deserialize, Debug)]
pub struct QueryAnswer {
    /// The signed checkpoint every proof is against.
    pub checkpoint: String,
    /// Its tree size.
    pub tree_size: u64,
    /// The records found (never empty: no record is a 404).
    pub records: Vec<QueryRecord>,
}

fn answer(
    app: &App,
    entries: Vec<Entry>,
    what: String,
    format: Option<String>,
) -> Result<Response, ApiError> {
    let cp: StoredCheckpoint = app.current_checkpoint()?;
    // Entries appended after this checkpoint was read are left for the next query.
    let entries: Vec<Entry> = entries.into_iter().filter(|e| e.index < cp.size).collect();
    if entries.is_empty() {
        return Ok(text(
            StatusCode::NOT_FOUND,
            "no-cache",
            format!(
                "indeterminate: no record for {what} in the log (tree size {})\n",
                cp.size
            ),
        ));
    }
    match format.as_deref().unwrap_or("json") {
        f @ ("sha256sums" | "md5sums") => {
            // Every kind's digest of a file is listed; if a build and a seal disagree, both
            // lines are there and `sha256sum -c` fails on one of them, as it should.
            let mut lines: Vec<String> = entries
                .iter()
                .filter(|e| f != "md5sums" || e.md5 != "-")
                .map(|e| {
                    let h = if f == "md5sums" { &e.md5 } else { &e.sha256 };
                    format!("{h}  {}\n", e.file)
                })
                .collect();
            lines.sort();
            lines.dedup();
            Ok(text(StatusCode::OK, "no-cache", lines.concat()))
        }
        "json" => {
            let mut records = Vec::new();
            for e in entries {
                let proof =
                    tarseal_log::inclusion_proof(cp.size, e.index, &StoreReader(&*app.store))?;
                let entry = LogEntry::parse(&e.leaf)
                    .map_err(|err| StoreError::Corrupt(format!("entry {}: {err}", e.index)))?;
                records.push(QueryRecord {
                    index: e.index,
                    kind: e.kind,
                    logged_at: entry.logged_at,
                    project: e.project,
                    tag: e.tag,
                    file: e.file,
                    sha256: e.sha256,
                    md5: e.md5,
                    signer: e.signer,
                    record: String::from_utf8_lossy(&entry.record).into_owned(),
                    signature: String::from_utf8_lossy(&entry.signature).into_owned(),
                    inclusion_proof: proof.iter().map(|h| crate::logkey::b64(h)).collect(),
                });
            }
            Ok(axum::Json(QueryAnswer {
                checkpoint: cp.note,
                tree_size: cp.size,
                records,
            })
            .into_response())
        }
        other => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("format {other:?} is not json, sha256sums or md5sums"),
        )),
    }
}

async fn project_tag(
    State(app): State<Shared>,
    Path((project, tag)): Path<(String, String)>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, m);
    record::check_project(&project).map_err(|e| bad(e.to_string()))?;
    record::check_tag(&tag).map_err(|e| bad(e.to_string()))?;
    blocking(move || {
        let entries = app.store.by_project_tag(&project, &tag)?;
        answer(
            &app,
            entries,
            format!("project {project:?} tag {tag:?}"),
            q.format,
        )
    })
    .await
}

async fn digest(
    State(app): State<Shared>,
    Path(hex): Path<String>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    let hex = hex.to_ascii_lowercase();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "not a SHA-256 in hex",
        ));
    }
    blocking(move || {
        let entries = app.store.by_sha256(&hex)?;
        answer(&app, entries, format!("sha256 {hex}"), q.format)
    })
    .await
}

/// A consistency proof between two tree sizes (RFC 9162 §2.1.4), for clients that keep the
/// last checkpoint they verified (`tarseal query --checkpoint-file`). The same proof can be
/// computed from the tiles; this saves a client the tile arithmetic.
#[derive(Serialize, Deserialize, Debug)]
pub struct ConsistencyAnswer {
    /// The older size.
    pub old: u64,
    /// The newer size.
    pub new: u64,
    /// The proof hashes (base64), RFC 9162 order.
    pub proof: Vec<String>,
}

async fn consistency(
    State(app): State<Shared>,
    Path((old, new)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, m);
    let num = |s: &str| -> Result<u64, ApiError> {
        if s.is_empty()
            || s.len() > 20
            || !s.bytes().all(|b| b.is_ascii_digit())
            || (s.len() > 1 && s.starts_with('0'))
        {
            return Err(bad(format!(
                "{s:?} is not a tree size (decimal, no leading zeros)"
            )));
        }
        s.parse()
            .map_err(|_| bad(format!("{s:?} is not a tree size")))
    };
    let (old, new) = (num(&old)?, num(&new)?);
    if old > new {
        return Err(bad(format!("old size {old} is larger than new size {new}")));
    }
    blocking(move || {
        let cp = app.store.latest_checkpoint()?;
        if new > cp.size {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("the tree has {} entries, not {new}", cp.size),
            ));
        }
        let proof = tarseal_log::consistency_proof(new, old, &StoreReader(&*app.store))?;
        Ok(axum::Json(ConsistencyAnswer {
            old,
            new,
            proof: proof.iter().map(|h| crate::logkey::b64(h)).collect(),
        })
        .into_response())
    })
    .await
}
