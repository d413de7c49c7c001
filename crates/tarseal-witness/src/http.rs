//! `tarseal witness`: the HTTP face of a [`Witness`] — `POST /add-checkpoint`
//! (c2sp.org/tlog-witness) and `GET /healthz`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::{Witness, WitnessError};

/// Largest request body (a checkpoint with 63 proof lines and many signatures is ~10 KiB).
pub const MAX_BODY: usize = 64 * 1024;

/// How `tarseal witness` runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The witness's name (its key name, in every cosignature line).
    pub name: String,
    /// Address to listen on (`127.0.0.1:0` picks a port).
    pub listen: String,
    /// Data directory: `witness-key` and `logs/`.
    pub data_dir: PathBuf,
    /// Verifier keys of the logs to witness (`--log`, repeatable).
    pub logs: Vec<String>,
}

/// The router of one witness.
pub fn router(w: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/healthz", get(|| async { "ok\n" }))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_BODY))
        .with_state(w)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

async fn add_checkpoint(State(w): State<Arc<Witness>>, body: Bytes) -> Response {
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        return (StatusCode::BAD_REQUEST, "malformed request: not UTF-8\n").into_response();
    };
    // The state write fsyncs: off the async threads.
    let r = tokio::task::spawn_blocking(move || w.add_checkpoint(&text, now())).await;
    match r {
        Ok(Ok(lines)) => (StatusCode::OK, lines).into_response(),
        Ok(Err(e)) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            eprintln!("tarseal witness: refused ({}): {e}", status.as_u16());
            match e {
                crate::AddError::Conflict { known, .. } | crate::AddError::Fork { known, .. } => (
                    status,
                    [(header::CONTENT_TYPE, "text/x.tlog.size")],
                    format!("{known}\n"),
                )
                    .into_response(),
                e => (status, format!("{e}\n")).into_response(),
            }
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("task: {e}\n")).into_response(),
    }
}

/// A witness bound to its address, not yet serving.
pub struct Server {
    /// The bound address.
    pub addr: SocketAddr,
    /// The witness.
    pub witness: Arc<Witness>,
    listener: tokio::net::TcpListener,
}

impl Server {
    /// Opens the data directory (creating the key on first start), binds, and prints the
    /// startup line with the verifier key on stderr.
    pub async fn bind(cfg: &Config) -> Result<Server, WitnessError> {
        let w = Witness::open(&cfg.data_dir, &cfg.name, &cfg.logs)?;
        let listener = tokio::net::TcpListener::bind(&cfg.listen)
            .await
            .map_err(|e| WitnessError::Config(format!("listening on {}: {e}", cfg.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| WitnessError::Config(e.to_string()))?;
        let origins: Vec<&str> = w.origins().collect();
        eprintln!(
            "tarseal witness: name {}, data dir {}, logs {}, listening on http://{addr}, witness key {}",
            w.name(),
            cfg.data_dir.display(),
            origins.join(" "),
            w.verifier_key()
        );
        Ok(Server {
            addr,
            witness: Arc::new(w),
            listener,
        })
    }

    /// Serves until `shutdown` completes.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, router(self.witness))
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// Completes on ctrl-c or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Runs `tarseal witness` to the end (blocking).
pub fn serve_blocking(cfg: Config) -> Result<(), WitnessError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| WitnessError::Config(e.to_string()))?;
    rt.block_on(async {
        let server = Server::bind(&cfg).await?;
        server
            .run(shutdown_signal())
            .await
            .map_err(|e| WitnessError::Config(e.to_string()))
    })
}
