//! HTTP: tower layers that give every request a correlation ID (feature `http`).
//!
//! [`CorrelationLayer`] goes on a server (axum, tonic, hyper, any tower stack over
//! `http::Request`/`http::Response`). For each request it
//!
//! - takes the ID from `x-correlation-id`, else from `x-request-id` (both names are
//!   configurable), or makes a new one ([`CorrelationId::new`], a UUID v7);
//! - makes the request a W3C Trace Context span of this service: a new span ID, whose
//!   parent is the caller's span when a valid `traceparent` came in (its trace, its
//!   flags, and its `tracestate` when valid), else a new trace (flags `03`); see
//!   [`correlation`](crate::correlation);
//! - runs the inner service (its `call`, and its response future from the first poll
//!   to its drop) inside the correlation scope, so every log line of the request
//!   carries `correlation_id`, `trace_id` and `span_id` (this service's span);
//! - sets `x-correlation-id` on the response;
//! - logs one line when the request ends: `request finished` with
//!   `http.request.method`, `url.path`, `http.route`, `http.response.status_code` and
//!   `duration_ms` (each log schema's own names, see below).
//!
//! [`PropagateCorrelationLayer`] goes on a client (a tower service such as hyper-util's
//! client): it puts the current ID into the outgoing `x-correlation-id`, and the trace
//! into `traceparent` (a new span ID per call as the parent) and `tracestate`.
//! [`outgoing_headers`] gives the same headers to clients that are not tower services.
//!
//! # axum
//!
//! Add the layer with [`Router::layer`](https://docs.rs/axum/0.8/axum/struct.Router.html#method.layer)
//! **last**, after every `route`, `nest`, `merge`, `fallback` and `with_state`: it then
//! wraps every route and axum's own fallbacks, so every request that reaches the
//! service has its line and its `x-correlation-id`, unmatched ones (404, and 405 for a
//! wrong method) included, and, with the `axum` feature, matched ones carry
//! `http.route`, the route template (`/orders/{id}`) from axum's `MatchedPath` (a 405
//! carries the route its path matched; a 404 none).
//!
//! ```
//! # use twelve_core as twelve;
//! use axum::body::Body;
//! use axum::http::Request;
//! use axum::routing::get;
//! use axum::Router;
//! use tower::ServiceExt as _; // oneshot
//! use twelve::correlation::{Context, CorrelationId};
//! use twelve::health::Health;
//! use twelve::http::{health_routes, CorrelationLayer};
//!
//! async fn show_order() -> String {
//!     // Every `tracing` event in here carries `correlation_id`, `trace_id`, `span_id`.
//!     tracing::info!("order shown");
//!     CorrelationId::current().map(|id| id.to_string()).unwrap_or_default()
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let app = Router::new()
//!     .route("/orders/{id}", get(show_order))
//!     .merge(health_routes(Health::new()))
//!     .layer(CorrelationLayer::default()); // last
//!
//! // A valid incoming ID is kept and echoed.
//! let request = Request::get("/orders/7")
//!     .header("x-correlation-id", "req-42")
//!     .body(Body::empty())
//!     .unwrap();
//! let response = app.clone().oneshot(request).await.unwrap();
//! assert_eq!(response.headers()["x-correlation-id"], "req-42");
//!
//! // A missing (or invalid) one is replaced by a new UUID v7, also on a 404.
//! let request = Request::get("/nowhere").body(Body::empty()).unwrap();
//! let response = app.clone().oneshot(request).await.unwrap();
//! assert_eq!(response.status(), 404);
//! let id = response.headers()["x-correlation-id"].to_str().unwrap();
//! assert!(CorrelationId::parse(id).is_ok());
//! assert_eq!(id.len(), 36);
//!
//! // The caller's trace goes on in a span of this service.
//! let app = Router::new()
//!     .route("/span", get(|| async {
//!         let trace = Context::current().unwrap().trace;
//!         format!("{} {}", trace.trace_id(), trace.parent_span_id().unwrap_or("-"))
//!     }))
//!     .layer(CorrelationLayer::default());
//! let request = Request::get("/span")
//!     .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
//!     .body(Body::empty())
//!     .unwrap();
//! let body = app.oneshot(request).await.unwrap().into_body();
//! let body = axum::body::to_bytes(body, 1024).await.unwrap();
//! assert_eq!(body, "4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7");
//! # }
//! ```
//!
//! A layer added before a `merge` (or a `fallback`) misses what comes after it, axum's
//! 404 fallback included: a merged router brings its own. Wrapped around the whole
//! router instead (`ServiceBuilder::new().layer(..).service(router)`), the layer runs
//! before routing and lines have no `http.route`. Put the layer on once: each copy
//! reads the headers and logs its own line.
//!
//! # tonic and hyper
//!
//! - tonic: `Server::builder().layer(CorrelationLayer::default())`. The line's
//!   `http.response.status_code` is the HTTP status (200 for gRPC calls that reached a handler); the
//!   gRPC status travels in trailers and is not logged.
//! - hyper: `hyper_util::service::TowerToHyperService::new(CorrelationLayer::default().layer(service))`.
//!
//! # OpenTelemetry (feature `otel`)
//!
//! When the runtime exports spans (`OTEL_EXPORTER_OTLP_ENDPOINT` set), the request's
//! span is an exported server span named `{method} {route}`, with the HTTP semantic
//! conventions' attributes, and each call through [`PropagateCorrelationLayer`] an
//! exported client span whose ID the callee gets as its parent. Nothing changes in how
//! the layers are set up; see [`otel`](crate::otel#what-is-exported).
//!
//! # Tasks spawned by a handler
//!
//! The scope is carried by the request's future. A task started with a bare
//! `tokio::spawn` inside a handler does **not** carry the ID: its lines have no
//! `correlation_id`. Start it with [`correlation::spawn`]
//! (or `App::spawn` under `#[twelve::main]`) and it keeps the ID and the trace:
//!
//! ```
//! # use twelve_core as twelve;
//! async fn place_order() -> &'static str {
//!     twelve::correlation::spawn(async {
//!         tracing::info!("confirmation mail sent"); // has correlation_id
//!     });
//!     tokio::spawn(async {
//!         tracing::info!("cache warmed"); // has NO correlation_id
//!     });
//!     "placed"
//! }
//! ```
//!
//! # What is logged, and what never is
//!
//! Exactly one line per request, with target `twelve::http` (silence them with
//! `RUST_LOG=info,twelve::http=warn`), inside the request's scope:
//!
//! | message | level | when | fields |
//! |---|---|---|---|
//! | `request finished` | info | the inner service returned a response | `http.request.method`, `url.path`, `http.route`, `http.response.status_code`, `duration_ms` |
//! | `request failed` | error | the inner service returned an error (passed through unchanged) | the same without the status, plus `error` |
//! | `request panicked` | error | the inner service panicked while polled | the same without the status |
//! | `request cancelled` | info | the request was dropped before it ended (the client went away) | the same without the status |
//!
//! `url.path` is the path without the query string (queries often carry tokens).
//! `http.route` is there only with the `axum` feature and when axum matched a route.
//! `duration_ms` is a float (milliseconds, to the microsecond).
//!
//! Those are the default schema's names (OpenTelemetry's semantic conventions); each
//! `LOG_SCHEMA` writes its own:
//!
//! | schema | method | path | route | status | duration |
//! |---|---|---|---|---|---|
//! | default | `http.request.method` | `url.path` | `http.route` | `http.response.status_code` | `duration_ms` |
//! | ecs | `http.request.method` | `url.path` | `http.route` | `http.response.status_code` | `event.duration` (ns, integer) |
//! | gcp | `httpRequest.requestMethod` | `httpRequest.requestUrl` | `http.route` | `httpRequest.status` | `httpRequest.latency` (`"0.001234s"`) |
//! | datadog | `http.method` | `http.url_details.path` | `http.route` | `http.status_code` | `duration` (ns, integer) |
//!
//! (`httpRequest` is a nested object, as Cloud Logging reads it; the other names are
//! top-level dotted keys.) Under ECS, `error` is written `error.message`.
//!
//! An incoming ID that is not 1 to 128 characters of `A-Z a-z 0-9 - _ . :` (or is not
//! ASCII text at all) is replaced by a new one and **never logged**: the request line
//! then says `http.correlation_id_rejected` (`empty`, `too_long`, `bad_character` or
//! `not_ascii`) and `http.correlation_id_rejected_len` (its length in bytes), nothing
//! more. When `x-correlation-id` is rejected, a valid `x-request-id` is used. A
//! `traceparent` that is not valid W3C, or that is sent more than once with different
//! values, is ignored (and the `tracestate` with it): the request starts a new trace.
//!
//! With feature `metrics`, the layer also records each request that gets a response in
//! `http_server_request_duration_seconds` and counts those in flight in
//! `http_server_active_requests`, under the matched route template (see
//! `twelve::metrics`); `metrics_service` serves them.
//!
//! [`CorrelationId::new`]: crate::correlation::CorrelationId::new
//! [`outgoing_headers`]: crate::correlation::outgoing_headers
//! [`correlation::spawn`]: crate::correlation::spawn

#[macro_use]
mod macros;

mod client;
mod health;
mod server;

use ::http::HeaderName;

/// `GET /metrics` as a tower service (feature `metrics`); see [`crate::metrics`].
#[cfg(feature = "metrics")]
pub use crate::metrics::{METRICS_PATH, MetricsService, metrics_service};
pub use client::{
    PropagateCorrelationFuture, PropagateCorrelationLayer, PropagateCorrelationService,
};
#[cfg(feature = "axum")]
pub use health::health_routes;
pub use health::{HealthService, LIVE_PATH, READY_PATH, health_service};
pub use server::{CorrelationFuture, CorrelationLayer, CorrelationService};

/// `x-correlation-id`: where [`CorrelationLayer`] looks first, and what it sets on the
/// response; where [`PropagateCorrelationLayer`] puts the ID.
pub const X_CORRELATION_ID: HeaderName = HeaderName::from_static("x-correlation-id");

/// `x-request-id`: where [`CorrelationLayer`] looks when `x-correlation-id` is missing
/// or invalid.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// `traceparent`: the W3C Trace Context header of the caller's span.
pub const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

/// `tracestate`: the W3C Trace Context header of vendor-specific trace data.
pub const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");
