//! Metrics (feature `metrics`): the [`metrics`](https://docs.rs/metrics) facade,
//! re-exported here, and twelve's Prometheus exporter behind it.
//!
//! Under `#[twelve::main]` (or [`Runtime`](crate::Runtime)) the runtime serves
//! `GET /metrics` on `0.0.0.0:$METRICS_PORT` (default 9090, `0` picks a free port,
//! logged on `started` as `metrics_port`; `METRICS_ENABLED=false` serves nothing), in
//! the Prometheus text format, for every binary: web service, worker or one-off. On
//! a router of your own, [`http::metrics_service`](crate::http::metrics_service) serves the
//! same text.
//!
//! Your own metrics go through the same facade and appear on the same endpoint:
//!
//! ```
//! # use twelve_core as twelve;
//! use twelve::metrics::{counter, describe_counter, histogram};
//!
//! twelve::metrics::install(); // what the runtime does before your main runs
//! describe_counter!("orders_placed_total", "Orders placed, by payment method.");
//! counter!("orders_placed_total", "payment" => "card").increment(1);
//! histogram!("order_value_euros").record(42.0);
//!
//! let text = twelve::metrics::render();
//! assert!(text.contains("# HELP orders_placed_total Orders placed, by payment method."));
//! assert!(text.contains("orders_placed_total{payment=\"card\"} 1"));
//! assert!(text.contains("order_value_euros_count 1"));
//! ```
//!
//! A direct `metrics` dependency of the same version (0.24) reaches the same
//! registry. As Prometheus' naming rules ask, your counters get the `_total` suffix
//! when their name lacks it, and a unit you describe (`describe_histogram!(name,
//! Unit::Seconds, ..)`) becomes a suffix (`_seconds`) when the name lacks it; your
//! histograms are rendered as summaries (quantiles 0, 0.5, 0.9, 0.95, 0.99, 0.999, 1),
//! since twelve can't know their scale.
//!
//! # What twelve records
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `http_server_request_duration_seconds` | histogram, the OpenTelemetry buckets ([`DURATION_BUCKETS`]) | `http_request_method`, `http_response_status_code`, `http_route` |
//! | `http_server_active_requests` | gauge | `http_request_method` |
//! | `log_events_total` | counter | `level` |
//! | `process_cpu_seconds_total`, `process_resident_memory_bytes`, `process_virtual_memory_bytes`, `process_open_fds`, `process_max_fds`, `process_threads`, `process_start_time_seconds` | the standard process collector's (Linux, from `/proc`) | |
//! | `tokio_workers`, `tokio_alive_tasks`, `tokio_global_queue_depth` | gauge (tokio's stable runtime metrics) | |
//! | `service_info` | gauge, always 1 | `service`, `version`, `release` |
//! | `service_ready` | gauge, 1 or 0 (0 from the first shutdown signal on) | |
//!
//! The HTTP metrics come from [`CorrelationLayer`](crate::http::CorrelationLayer):
//! every request it sees that gets a response is observed once it has it.
//! `http_route` is axum's matched route template (`/orders/{id}`); every request that
//! matched no route shares one series with `http_route=""`, and a method outside the
//! nine of RFC 9110 is `_OTHER`, so no client can grow the number of series. A
//! request that ends without a response (the client went away, the inner service
//! failed or panicked) counts in `http_server_active_requests` while it runs and is
//! not observed in the histogram.
//!
//! `log_events_total` counts the lines twelve's JSON layer writes (after the level
//! filter) from the moment the exporter is installed: under the runtime, before your
//! `main` runs, so every line of the service. `service_info` and `service_ready` are
//! there under the runtime, which knows the service and its health.
//!
//! The process and runtime metrics, `log_events_total` and the `service_*` gauges are
//! read when a scrape comes: they cost nothing in between.

mod endpoint;
mod exporter;
mod http;
mod log_events;
mod process;
mod text;
mod tokio_runtime;

pub use ::metrics::*;

pub use endpoint::{CONTENT_TYPE, METRICS_PATH, MetricsService, metrics_service};
pub(crate) use exporter::Exporter;
pub(crate) use http::Started;
pub(crate) use log_events::count as count_log_event;

/// The upper bounds (seconds) of the buckets of `http_server_request_duration_seconds`:
/// those the OpenTelemetry semantic conventions give for `http.server.request.duration`.
pub const DURATION_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// Installs twelve's recorder as the global `metrics` recorder, unless it is already
/// installed. From then on the [`CorrelationLayer`](crate::http::CorrelationLayer)
/// records, the JSON layer counts its lines, and your `counter!` calls reach it (made
/// before, they went to the `metrics` crate's no-op recorder).
///
/// The runtime calls it before your `main` runs (unless `METRICS_ENABLED=false`), and
/// so do [`render`] and [`metrics_service`]: call it yourself without the runtime, in
/// tests for instance. Returns `false` when another recorder was installed first: then
/// twelve's metrics still render, yours go to that recorder (and a warning is logged).
pub fn install() -> bool {
    Exporter::get();
    Exporter::is_global()
}

/// The metrics as `GET /metrics` serves them, in the Prometheus text format (version
/// 0.0.4). Installs twelve's recorder first if needed (see [`install`]).
pub fn render() -> String {
    Exporter::get().render()
}
