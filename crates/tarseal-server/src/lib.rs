//! tarseal-server: the transparency log service behind `tarseal serve`.
//!
//! Depends on the core (tarseal-log for the Merkle math and formats, tarseal-sig for
//! signatures); nothing in the core depends on it. Modules: [`store`] (the store trait),
//! [`sqlite`] (the default store), [`pg`] (PostgreSQL, for several instances), [`trust`] (who may publish), [`record`] (what may be
//! published), [`logkey`] (the log's key, checkpoints, proofs), [`app`] (the HTTP API), and
//! [`client`] (the blocking client the CLI's `publish` and `query` use).
//!
//! API: docs/api.md and docs/openapi.yaml.

pub mod app;
pub mod client;
pub mod logkey;
pub mod pg;
pub mod ratelimit;
pub mod record;
mod sql;
pub mod sqlite;
pub mod store;
pub mod tilesdir;
pub mod trust;
pub mod web;
pub mod witnessing;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use app::App;
use store::Store;

/// How `tarseal serve` runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Data directory: the log key, the SQLite database by default.
    pub data_dir: PathBuf,
    /// Address to listen on (`127.0.0.1:0` picks a port).
    pub listen: String,
    /// `sqlite:PATH` or `postgres://...`; `None` = `DATA_DIR/tarseal.db`.
    pub db: Option<String>,
    /// The trust directory (`<project>.toml` + `<project>.keys`); `None` = `DATA_DIR/trust`.
    pub trust_dir: Option<PathBuf>,
    /// The log's origin (its key name) when the key is created.
    pub origin: String,
    /// Publishes allowed per client address.
    pub publish_rate: ratelimit::RateLimit,
    /// Witness URLs each new checkpoint is submitted to (`--witness`).
    pub witnesses: Vec<String>,
    /// Bound on each witness request.
    pub witness_timeout: std::time::Duration,
    /// The static tiles directory (`--tiles-dir`).
    pub tiles_dir: Option<PathBuf>,
    /// Most publishes sequenced in one transaction (1: one fsync per publish).
    pub batch_max: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("tarseal-data"),
            listen: "127.0.0.1:8470".into(),
            db: None,
            trust_dir: None,
            origin: "tarseal.localhost/log".into(),
            publish_rate: ratelimit::RateLimit::default(),
            witnesses: Vec::new(),
            witness_timeout: std::time::Duration::from_secs(5),
            tiles_dir: None,
            batch_max: 256,
        }
    }
}

/// Why `tarseal serve` could not start or stopped serving. The messages name the path,
/// address or database concerned.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("creating {}: {source}", path.display())]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `--db` is neither `sqlite:PATH` nor a PostgreSQL URL.
    #[error("--db {db:?}: expected sqlite:PATH or postgres://...")]
    DbUrl { db: String },
    #[error(transparent)]
    Trust(#[from] trust::TrustDirError),
    #[error(transparent)]
    LogKey(#[from] logkey::LogKeyError),
    #[error("{}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        source: store::StoreError,
    },
    #[error("PostgreSQL: {0}")]
    Postgres(#[source] store::StoreError),
    /// Writing the empty tree's checkpoint failed.
    #[error(transparent)]
    Init(store::StoreError),
    /// A blocking task of the start-up panicked or was cancelled.
    #[error(transparent)]
    Task(#[from] tokio::task::JoinError),
    #[error("log key still shared")]
    KeyShared,
    #[error("listening on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    /// The listener's own address, the tokio runtime, or serving itself.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Tiles(#[from] tilesdir::TilesError),
}

/// A server bound to its address, not yet serving.
pub struct Server {
    /// The bound address.
    pub addr: SocketAddr,
    /// The log's verifier key string.
    pub verifier_key: String,
    /// The store (tests inspect it).
    pub store: Arc<dyn Store>,
    app: Arc<App>,
    listener: tokio::net::TcpListener,
}

impl Server {
    /// Opens the data directory, the store, the trust directory and the key, and binds.
    /// Prints the startup line (data dir, database, URL, log key) on stderr.
    pub async fn bind(cfg: &Config) -> Result<Server, ServeError> {
        std::fs::create_dir_all(&cfg.data_dir).map_err(|source| ServeError::DataDir {
            path: cfg.data_dir.clone(),
            source,
        })?;
        enum Db {
            Sqlite(PathBuf),
            Postgres(String),
        }
        let db = match cfg.db.as_deref() {
            None => Db::Sqlite(cfg.data_dir.join("tarseal.db")),
            Some(s) if s.starts_with("sqlite:") => Db::Sqlite(PathBuf::from(&s["sqlite:".len()..])),
            Some(s) if s.starts_with("postgres://") || s.starts_with("postgresql://") => {
                Db::Postgres(s.to_string())
            }
            Some(s) => return Err(ServeError::DbUrl { db: s.to_string() }),
        };
        let trust_dir = cfg
            .trust_dir
            .clone()
            .unwrap_or_else(|| cfg.data_dir.join("trust"));
        let has_trust_dir = trust_dir.exists() || cfg.trust_dir.is_some();
        let trust = if has_trust_dir {
            trust::Trust::load(&trust_dir)?
        } else {
            trust::Trust::default()
        };
        let key = logkey::LogKey::load_or_create(&cfg.data_dir, &cfg.origin)?;
        let (store, db_name): (Arc<dyn Store>, String) = match &db {
            Db::Sqlite(p) => (
                Arc::new(
                    sqlite::SqliteStore::open(p).map_err(|source| ServeError::Sqlite {
                        path: p.clone(),
                        source,
                    })?,
                ),
                format!("sqlite:{}", p.display()),
            ),
            Db::Postgres(url) => {
                let url = url.clone();
                // The sync client must not run on the async threads.
                let store = tokio::task::spawn_blocking(move || pg::PgStore::open(&url))
                    .await?
                    .map_err(ServeError::Postgres)?;
                (Arc::new(store), "postgres (--db)".to_string())
            }
        };
        let key = Arc::new(key);
        {
            let (store, key) = (store.clone(), key.clone());
            tokio::task::spawn_blocking(move || {
                let sign = |size: u64, root: &tarseal_log::Hash| key.sign_checkpoint(size, root);
                store.init(&sign).map_err(ServeError::Init)
            })
            .await??;
        }
        let key = Arc::try_unwrap(key).map_err(|_| ServeError::KeyShared)?;
        let listener = tokio::net::TcpListener::bind(&cfg.listen)
            .await
            .map_err(|source| ServeError::Listen {
                addr: cfg.listen.clone(),
                source,
            })?;
        let addr = listener.local_addr()?;
        let verifier_key = key.verifier_key();
        let projects: Vec<&str> = trust.projects().collect();
        eprintln!(
            "tarseal serve: data dir {}, database {}, trust dir {} (projects: {}), listening on http://{addr}, log key {verifier_key}",
            cfg.data_dir.display(),
            db_name,
            trust_dir.display(),
            if projects.is_empty() { "none".to_string() } else { projects.join(", ") },
        );
        let tiles = match &cfg.tiles_dir {
            Some(d) => Some(tilesdir::TilesDir::open(d)?),
            None => None,
        };
        let (sequencer, pending) = tokio::sync::mpsc::channel(4096);
        let app = Arc::new(App {
            store: store.clone(),
            trust: std::sync::RwLock::new(Arc::new(trust)),
            trust_dir: has_trust_dir.then(|| trust_dir.clone()),
            limiter: ratelimit::Limiter::new(cfg.publish_rate),
            key,
            witnesses: (!cfg.witnesses.is_empty()).then(|| {
                Arc::new(witnessing::Witnesses::new(
                    &cfg.witnesses,
                    cfg.witness_timeout,
                ))
            }),
            tiles,
            sequencer,
        });
        tokio::spawn(app::sequence(Arc::downgrade(&app), pending, cfg.batch_max));
        {
            // The tiles of what is already logged (e.g. --tiles-dir added later, or after a
            // crash before the last batch's tiles were written).
            let app = app.clone();
            tokio::task::spawn_blocking(move || {
                if let Ok(cp) = app.current_checkpoint() {
                    app.write_tiles(&cp);
                }
            })
            .await?;
        }
        if app.witnesses.is_some() {
            // The background retry: a weak handle, so it ends with the server.
            let weak = Arc::downgrade(&app);
            std::thread::spawn(move || loop {
                let Some(app) = weak.upgrade() else { break };
                if let Some(w) = &app.witnesses {
                    match w.retry(&*app.store) {
                        Ok(()) => {
                            if let Ok(cp) = app.current_checkpoint() {
                                app.write_tiles(&cp);
                            }
                        }
                        Err(e) => tracing::error!(error = %e, "witness retry"),
                    }
                }
                drop(app);
                std::thread::sleep(witnessing::RETRY_EVERY);
            });
        }
        Ok(Server {
            addr,
            verifier_key,
            store,
            app,
            listener,
        })
    }

    /// Serves until `shutdown` completes, then finishes the requests under way.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        #[cfg(unix)]
        {
            // SIGHUP re-reads the trust directory (add a project or rotate its keys without
            // a restart); a broken directory keeps the configuration in force.
            // A weak handle: the task must not keep the store alive past the server.
            let app = Arc::downgrade(&self.app);
            if let Ok(mut hup) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            {
                tokio::spawn(async move {
                    while hup.recv().await.is_some() {
                        let Some(app) = app.upgrade() else { break };
                        let r = tokio::task::spawn_blocking(move || app.reload_trust()).await;
                        match r {
                            Ok(Ok(projects)) => {
                                tracing::info!(projects = %projects.join(","), "trust directory reloaded")
                            }
                            Ok(Err(e)) => {
                                tracing::error!(error = %e, "trust directory NOT reloaded; the previous configuration stays")
                            }
                            Err(e) => tracing::error!(error = %e, "trust reload task"),
                        }
                    }
                });
            }
        }
        axum::serve(
            self.listener,
            app::router(self.app).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    }
}

/// Completes on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
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
    tracing::info!("shutting down");
}

/// Runs `tarseal serve` to the end (blocking): logs to stderr (`RUST_LOG`, default info).
pub fn serve_blocking(cfg: Config) -> Result<(), ServeError> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let server = Server::bind(&cfg).await?;
        server.run(shutdown_signal()).await?;
        Ok(())
    })
}
