//! [`Health`]: liveness, readiness and the checks of backing services.
//!
//! Readiness says the service should get traffic: it is on when the service says so,
//! every check passes within its timeout, and shutdown has not started. Under
//! `#[twelve::main]`, `app.health()` is the service's `Health`, and the runtime turns
//! readiness off on SIGTERM. The HTTP endpoints (`/health/live`, `/health/ready`) come
//! with the `axum` and `http` features (`twelve::http`), which also render the
//! readiness report as JSON.
//!
//! Liveness has no state here: the live endpoint answers 200 whenever the process can
//! answer at all, also while not ready and while draining. A runtime so wedged that it
//! cannot is what the orchestrator's probe timeout detects, and restarts. The checks of
//! backing services belong to readiness only: a database that is down must take the
//! service out of the load balancer, not restart it in a loop.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use std::time::Duration;
//! use twelve_core::Health;
//!
//! let health = Health::new();
//! health.set_ready(true);
//! health.add_check_with_timeout("queue", Duration::from_millis(10), || async {
//!     tokio::time::sleep(Duration::from_secs(1)).await; // a backing service that hangs
//!     Ok::<(), String>(())
//! });
//! let report = health.ready_report().await;
//! assert!(!report.ok); // 503
//! assert_eq!(report.checks, [("queue".to_string(), "timed out after 10ms".to_string())]);
//!
//! health.set_shutting_down(); // what the runtime does on SIGTERM
//! assert_eq!(health.ready_report().await.status, "shutting_down");
//! # }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long one readiness check may take unless told otherwise.
pub const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

type CheckFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;
type CheckFn = Arc<dyn Fn() -> CheckFuture + Send + Sync>;

/// The health of the service, shared by the runtime, the health endpoints and your
/// code. Cheap to clone.
///
/// Readiness is `false` until you call [`set_ready(true)`](Self::set_ready) (once the
/// service can take traffic) and becomes `false` for good when shutdown starts. While
/// ready, every check added with [`add_check`](Self::add_check) must pass.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use twelve_core::Health;
///
/// let health = Health::new();
/// health.add_check("database", || async { Ok::<(), String>(()) });
/// assert_eq!(health.ready_report().await.status, "not_ready");
/// health.set_ready(true);
/// let report = health.ready_report().await;
/// assert!(report.ok);
/// assert_eq!(report.status, "ready");
/// assert_eq!(report.checks, [("database".to_string(), "ok".to_string())]);
/// # }
/// ```
#[derive(Clone, Default)]
pub struct Health {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    ready: AtomicBool,
    shutting_down: AtomicBool,
    checks: Mutex<Vec<Check>>,
}

#[derive(Clone)]
struct Check {
    name: String,
    timeout: Duration,
    run: CheckFn,
}

impl std::fmt::Debug for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Health")
            .field("ready", &self.inner.ready.load(Ordering::Relaxed))
            .field("shutting_down", &self.is_shutting_down())
            .finish_non_exhaustive()
    }
}

/// The answer of the readiness endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadyReport {
    /// `true` for HTTP 200, `false` for 503.
    pub ok: bool,
    /// `ready`, `not_ready` or `shutting_down`.
    pub status: &'static str,
    /// Each check's name and `ok` or its error (`timed out after 2s` on a timeout).
    pub checks: Vec<(String, String)>,
}

impl Health {
    /// Not ready, no checks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Says whether the service can take traffic. Ignored once shutdown has started.
    pub fn set_ready(&self, ready: bool) {
        self.inner.ready.store(ready, Ordering::SeqCst);
    }

    /// Readiness is `false` from now on, and reports `shutting_down`.
    pub fn set_shutting_down(&self) {
        self.inner.shutting_down.store(true, Ordering::SeqCst);
    }

    /// Whether shutdown has started.
    pub fn is_shutting_down(&self) -> bool {
        self.inner.shutting_down.load(Ordering::SeqCst)
    }

    /// What the service last gave [`set_ready`](Self::set_ready), without the checks
    /// (`service_ready` of the metrics).
    #[cfg(feature = "metrics")]
    pub(crate) fn is_marked_ready(&self) -> bool {
        self.inner.ready.load(Ordering::SeqCst)
    }

    /// Adds a check of a backing service, run by every readiness request, with the
    /// default timeout of 2 s. An `Err` (its `Display` text is shown) or a timeout
    /// makes the service not ready.
    pub fn add_check<F, Fut, E>(&self, name: impl Into<String>, check: F)
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: std::fmt::Display,
    {
        self.add_check_with_timeout(name, DEFAULT_CHECK_TIMEOUT, check);
    }

    /// [`add_check`](Self::add_check) with its own timeout.
    pub fn add_check_with_timeout<F, Fut, E>(
        &self,
        name: impl Into<String>,
        timeout: Duration,
        check: F,
    ) where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: std::fmt::Display,
    {
        let run: CheckFn = Arc::new(move || {
            let fut = check();
            Box::pin(async move { fut.await.map_err(|e| e.to_string()) })
        });
        let check = Check {
            name: name.into(),
            timeout,
            run,
        };
        if let Ok(mut checks) = self.inner.checks.lock() {
            checks.push(check);
        }
    }

    /// Runs the checks (concurrently, each with its timeout) and says whether the
    /// service is ready.
    pub async fn ready_report(&self) -> ReadyReport {
        let checks: Vec<Check> = self
            .inner
            .checks
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default();
        if self.is_shutting_down() {
            return ReadyReport {
                ok: false,
                status: "shutting_down",
                checks: Vec::new(),
            };
        }
        let runs = checks.iter().map(|check| {
            let fut = (check.run)();
            let timeout = check.timeout;
            async move {
                match tokio::time::timeout(timeout, fut).await {
                    Ok(Ok(())) => "ok".to_string(),
                    Ok(Err(e)) => e,
                    Err(_) => format!("timed out after {}", humantime(timeout)),
                }
            }
        });
        let results = futures_util::future::join_all(runs).await;
        let all_ok = results.iter().all(|r| r == "ok");
        let ready = self.inner.ready.load(Ordering::SeqCst) && !self.is_shutting_down();
        let checks = checks.into_iter().map(|c| c.name).zip(results).collect();
        ReadyReport {
            ok: ready && all_ok,
            status: if self.is_shutting_down() {
                "shutting_down"
            } else if ready && all_ok {
                "ready"
            } else {
                "not_ready"
            },
            checks,
        }
    }
}

fn humantime(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn checks_failures_timeouts_and_shutdown() {
        let health = Health::new();
        health.set_ready(true);
        health.add_check("db", || async { Ok::<(), String>(()) });
        health.add_check("cache", || async { Err::<(), _>("connection refused") });
        health.add_check_with_timeout("slow", Duration::from_millis(20), || async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok::<(), String>(())
        });
        let report = health.ready_report().await;
        assert!(!report.ok);
        assert_eq!(report.status, "not_ready");
        // The JSON of this report is asserted in `http::health`.
        let checks = [
            ("db", "ok"),
            ("cache", "connection refused"),
            ("slow", "timed out after 20ms"),
        ]
        .map(|(name, result)| (name.to_string(), result.to_string()));
        assert_eq!(report.checks, checks);

        health.set_shutting_down();
        health.set_ready(true); // ignored once shutting down
        let report = health.ready_report().await;
        assert!(!report.ok);
        assert_eq!(report.status, "shutting_down");
        assert_eq!(report.checks, []);
    }

    #[tokio::test]
    async fn checks_run_concurrently() {
        let health = Health::new();
        health.set_ready(true);
        for name in ["a", "b", "c", "d"] {
            health.add_check(name, || async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                Ok::<(), String>(())
            });
        }
        let start = std::time::Instant::now();
        assert!(health.ready_report().await.ok);
        // Four 300 ms checks one after the other would take 1.2 s.
        assert!(
            start.elapsed() < Duration::from_millis(1100),
            "{:?}",
            start.elapsed()
        );
    }
}
