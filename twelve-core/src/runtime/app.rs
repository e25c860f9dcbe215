//! [`App`]: what a service gets from the runtime: shutdown, health, tracked tasks,
//! the listener, shutdown hooks.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::FutureExt as _;
use tokio_util::task::TaskTracker;

use super::shutdown::Shutdown;
use crate::correlation;
use crate::health::Health;

type Hook = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The name, version and release of the service, as they appear on every log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceInfo {
    name: String,
    version: String,
    release: Option<String>,
}

impl ServiceInfo {
    /// `#[twelve::main]` passes the user crate's `CARGO_PKG_NAME` and
    /// `CARGO_PKG_VERSION`.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        ServiceInfo {
            name: name.into(),
            version: version.into(),
            release: None,
        }
    }

    /// The service name (`SERVICE_NAME` when set).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The version of the crate.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// `RELEASE_ID`, when set.
    pub fn release(&self) -> Option<&str> {
        self.release.as_deref()
    }

    pub(crate) fn with(mut self, name: Option<String>, release: Option<String>) -> Self {
        if let Some(name) = name {
            self.name = name;
        }
        self.release = release;
        self
    }
}

/// What the result of a tracked task or of `main` means for the exit code.
#[diagnostic::on_unimplemented(
    message = "a twelve `main` or tracked task returns `()` or `Result<(), E>` with `E: Debug + Display`, not `{Self}`",
    label = "this result can't become an exit code"
)]
pub trait Outcome {
    /// `Err` with a description when the task failed.
    fn into_outcome(self) -> Result<(), String>;
}

impl Outcome for () {
    fn into_outcome(self) -> Result<(), String> {
        Ok(())
    }
}

impl<E: std::fmt::Debug + std::fmt::Display> Outcome for Result<(), E> {
    fn into_outcome(self) -> Result<(), String> {
        self.map_err(|e| {
            let display = e.to_string();
            let debug = format!("{e:?}");
            if debug == display || debug == format!("{display:?}") {
                display
            } else {
                format!("{display} ({debug})")
            }
        })
    }
}

/// The service's handle on the runtime. Cheap to clone.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    shutdown: Shutdown,
    health: Health,
    tracker: TaskTracker,
    service: ServiceInfo,
    port: u16,
    failed: AtomicBool,
    hooks: Mutex<Vec<Hook>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("service", &self.inner.service)
            .field("port", &self.inner.port)
            .field("shutdown", &self.inner.shutdown.is_triggered())
            .finish_non_exhaustive()
    }
}

impl App {
    /// An `App` for `service`, whose listener binds `port`. The runtime makes one;
    /// make your own in tests.
    pub fn new(service: ServiceInfo, port: u16) -> Self {
        App {
            inner: Arc::new(Inner {
                shutdown: Shutdown::new(),
                health: Health::new(),
                tracker: TaskTracker::new(),
                service,
                port,
                failed: AtomicBool::new(false),
                hooks: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The signal that the service should stop.
    pub fn shutdown(&self) -> Shutdown {
        self.inner.shutdown.clone()
    }

    /// The health of the service, served by the health endpoints.
    pub fn health(&self) -> Health {
        self.inner.health.clone()
    }

    /// Name, version and release.
    pub fn service(&self) -> &ServiceInfo {
        &self.inner.service
    }

    /// `PORT`.
    pub fn port(&self) -> u16 {
        self.inner.port
    }

    /// Binds `0.0.0.0:$PORT`. The error names the port and the variable.
    pub async fn listener(&self) -> std::io::Result<tokio::net::TcpListener> {
        let port = self.inner.port;
        bind(port, || {
            format!("cannot listen on 0.0.0.0:{port} (PORT={port})")
        })
        .await
    }

    /// Starts a tracked task: it keeps the correlation scope it was started in, it
    /// should stop when [`shutdown`](Self::shutdown) fires, and the runtime waits for it
    /// (within `SHUTDOWN_TIMEOUT`) before exiting. An `Err` or a panic in it is logged
    /// and stops the whole service with exit code 1.
    pub fn spawn<F>(&self, name: &str, task: F)
    where
        F: Future + Send + 'static,
        F::Output: Outcome + Send,
    {
        let app = self.clone();
        let name = name.to_owned();
        let run = async move {
            match AssertUnwindSafe(task).catch_unwind().await {
                Ok(outcome) => {
                    if let Err(error) = outcome.into_outcome() {
                        tracing::error!(
                            task = name.as_str(),
                            error = error.as_str(),
                            "task failed"
                        );
                        app.fail();
                    }
                }
                Err(_) => {
                    tracing::error!(task = name.as_str(), "task panicked");
                    app.fail();
                }
            }
        };
        // What `TaskTracker::spawn` does, in the correlation scope.
        correlation::spawn(self.inner.tracker.track_future(run));
    }

    /// Serves `GET /health/live` and `GET /health/ready` on `0.0.0.0:port`, for a
    /// worker with no HTTP server of its own (feature `axum`). The server is a tracked
    /// task: it answers `shutting_down` during the pre-drain delay and stops when
    /// [`shutdown`](Self::shutdown) fires. Returns the bound address (`port` 0 picks
    /// one).
    #[cfg(feature = "axum")]
    pub async fn serve_health(&self, port: u16) -> std::io::Result<std::net::SocketAddr> {
        let listener = bind(port, || format!("cannot serve health on 0.0.0.0:{port}")).await?;
        let address = listener.local_addr()?;
        let router: axum::Router = crate::http::health_routes(self.health());
        let shutdown = self.shutdown();
        self.spawn("health server", async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown.wait())
                .await
        });
        Ok(address)
    }

    /// Runs `hook` after the drain, before the process exits (flush a buffer, close a
    /// pool). Hooks run one after the other, in the order they were added, and share
    /// the `SHUTDOWN_TIMEOUT` budget with the drain. A hook that panics is logged like
    /// a tracked task that panics (exit code 1); the hooks after it still run.
    pub fn on_shutdown<F: Future<Output = ()> + Send + 'static>(&self, hook: F) {
        if let Ok(mut hooks) = self.inner.hooks.lock() {
            hooks.push(Box::pin(hook));
        }
    }

    /// Marks the service failed (exit code 1) and starts shutdown.
    pub(crate) fn fail(&self) {
        self.inner.failed.store(true, Ordering::SeqCst);
        self.inner.health.set_shutting_down();
        self.inner.shutdown.trigger();
    }

    pub(crate) fn failed(&self) -> bool {
        self.inner.failed.load(Ordering::SeqCst)
    }

    /// Waits for every tracked task.
    pub(crate) async fn wait_tasks(&self) {
        self.inner.tracker.close();
        self.inner.tracker.wait().await;
    }

    /// Runs the shutdown hooks, in the order they were added. A hook that panics is
    /// treated like a tracked task that panics: the panic hook has logged its panic
    /// line, `shutdown hook panicked` follows, the service is marked failed (exit code
    /// 1), and the hooks after it still run.
    pub(crate) async fn run_hooks(&self) {
        for (i, hook) in self.take_hooks().into_iter().enumerate() {
            if AssertUnwindSafe(hook).catch_unwind().await.is_err() {
                tracing::error!(hook = i + 1, "shutdown hook panicked");
                self.fail();
            }
        }
    }

    fn take_hooks(&self) -> Vec<Hook> {
        self.inner
            .hooks
            .lock()
            .map(|mut h| std::mem::take(&mut *h))
            .unwrap_or_default()
    }
}

/// Binds `0.0.0.0:port`. The error starts with `context()` (what the port was for),
/// then the OS error.
async fn bind(
    port: u16,
    context: impl FnOnce() -> String,
) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(("0.0.0.0", port))
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", context())))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::correlation::CorrelationId;

    fn app(port: u16) -> App {
        App::new(ServiceInfo::new("s", "1"), port)
    }

    #[tokio::test]
    async fn tracked_tasks_keep_their_scope_and_are_waited_for() {
        let app = app(0);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let task = |seen: Arc<Mutex<Vec<_>>>| async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if let Ok(mut seen) = seen.lock() {
                seen.push(CorrelationId::current().map(|id| id.to_string()));
            }
        };
        let id = CorrelationId::parse("job-9").expect("valid");
        CorrelationId::scope(id, async { app.spawn("scoped", task(seen.clone())) }).await;
        app.spawn("unscoped", task(seen.clone()));
        app.wait_tasks().await;
        let mut seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
        seen.sort();
        assert_eq!(seen, [None, Some("job-9".to_string())]);
        assert!(!app.failed());
    }

    #[tokio::test]
    async fn a_taken_port_is_named_in_the_error() -> std::io::Result<()> {
        let taken = std::net::TcpListener::bind("0.0.0.0:0")?;
        let port = taken.local_addr()?.port();
        let error = app(port).listener().await.expect_err("the port is taken");
        assert_eq!(error.kind(), std::io::ErrorKind::AddrInUse);
        let text = error.to_string();
        let context = format!("cannot listen on 0.0.0.0:{port} (PORT={port}): ");
        assert!(text.starts_with(&context), "{text}");
        #[cfg(feature = "axum")]
        {
            let error = app(0).serve_health(port).await.expect_err("taken");
            let text = error.to_string();
            let context = format!("cannot serve health on 0.0.0.0:{port}: ");
            assert!(text.starts_with(&context), "{text}");
        }
        Ok(())
    }
}
