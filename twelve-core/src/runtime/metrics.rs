//! The runtime's metrics server (feature `metrics`): `GET /metrics` on
//! `0.0.0.0:$METRICS_PORT` for every binary, web service or worker.
//!
//! It starts before the service's `main` runs (a taken port is an error naming
//! `METRICS_PORT`, exit code 1) and is not a tracked task: it keeps serving through the
//! pre-drain delay and the drain, so that scrapes see the requests and tasks finish,
//! and stops after the shutdown hooks, before the `stopped` line. Scrapes still in
//! flight then get until the drain deadline; a slow scraper can't hold the exit past
//! it. Without the feature, [`MetricsServer`] is an empty type whose methods do
//! nothing.

use std::time::Instant;

use super::App;
use super::settings::RuntimeSettings;

/// The metrics server, or nothing when `METRICS_ENABLED=false`.
#[cfg(feature = "metrics")]
pub(super) struct MetricsServer {
    running: Option<Running>,
}

#[cfg(feature = "metrics")]
struct Running {
    port: u16,
    /// Scrapes in flight: requests whose body is not all handed to the connection.
    in_flight: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: tokio_util::sync::CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

#[cfg(feature = "metrics")]
impl MetricsServer {
    /// Binds `0.0.0.0:$METRICS_PORT` and serves; `Err` holds the exit code after the
    /// error line.
    pub(super) async fn start(settings: &RuntimeSettings, app: &App) -> Result<Self, u8> {
        if !settings.metrics_enabled {
            return Ok(MetricsServer { running: None });
        }
        let exporter = crate::metrics::Exporter::get();
        exporter.set_service(app.service().clone(), app.health());
        let port = settings.metrics_port;
        let bound = tokio::net::TcpListener::bind(("0.0.0.0", port))
            .await
            .and_then(|listener| Ok((listener.local_addr()?.port(), listener)));
        let (port, listener) = match bound {
            Ok(bound) => bound,
            Err(error) => {
                let error = format!(
                    "cannot serve metrics on 0.0.0.0:{port} (METRICS_PORT={port}): {error}"
                );
                tracing::error!(
                    error = error.as_str(),
                    exit_code = 1,
                    "cannot start the metrics server"
                );
                return Err(1);
            }
        };
        let scrapes = super::scrapes::Scrapes::new(crate::metrics::metrics_service());
        let in_flight = scrapes.in_flight();
        let router = axum::Router::new().route_service(crate::metrics::METRICS_PATH, scrapes);
        let stop = tokio_util::sync::CancellationToken::new();
        let serve =
            axum::serve(listener, router).with_graceful_shutdown(stop.clone().cancelled_owned());
        let task = tokio::spawn(async move {
            if let Err(error) = serve.await {
                tracing::error!(error = %error, "the metrics server failed");
            }
        });
        Ok(MetricsServer {
            running: Some(Running {
                port,
                in_flight,
                stop,
                task,
            }),
        })
    }

    /// The port it listens on (the one picked, for `METRICS_PORT=0`).
    pub(super) fn port(&self) -> Option<u16> {
        self.running.as_ref().map(|r| r.port)
    }

    /// Stops accepting, lets scrapes in flight end until `deadline`, then cuts them.
    pub(super) async fn stop(self, deadline: Instant) {
        let Some(mut running) = self.running else {
            return;
        };
        running.stop.cancel();
        let left = deadline.saturating_duration_since(Instant::now());
        if tokio::time::timeout(left, &mut running.task).await.is_err() {
            running.task.abort();
            // A scrape cut is one whose body was not all sent; an idle keep-alive
            // connection, or a connection task that has not seen the shutdown yet, is
            // none.
            let cut = running.in_flight.load(std::sync::atomic::Ordering::Relaxed);
            if cut > 0 {
                tracing::warn!(
                    scrapes = cut,
                    "scrapes of /metrics still in flight at the drain deadline were cut"
                );
            }
        }
    }
}

/// Without the feature: no server.
#[cfg(not(feature = "metrics"))]
pub(super) struct MetricsServer;

#[cfg(not(feature = "metrics"))]
impl MetricsServer {
    pub(super) async fn start(_: &RuntimeSettings, _: &App) -> Result<Self, u8> {
        Ok(MetricsServer)
    }

    pub(super) fn port(&self) -> Option<u16> {
        None
    }

    pub(super) async fn stop(self, _: Instant) {}
}
