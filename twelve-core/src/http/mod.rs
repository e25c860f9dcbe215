//! HTTP: tower layers that give every request a correlation ID (feature `http`).
//!
//! [`CorrelationLayer`] goes on a server (axum, tonic, hyper, any tower stack over
//! `http::Request`/`http::Response`). For each request it
//!
//! - takes the ID from `x-correlation-id`, else from `x-request-id` (both names are
//!   configurable), or makes a new one ([`CorrelationId::new`], a UUID v7);
//! - reads a valid W3C `traceparent` into `trace_id` and `span_id`;
//! - runs the inner service (its `call`, and its response future from the first poll
//!   to its drop) inside the correlation scope, so every log line of the request
//!   carries `correlation_id` (and the trace IDs);
//! - sets `x-correlation-id` on the response;
//! - logs one line when the request ends: `request finished` with `http.method`,
//!   `http.path`, `http.route`, `http.status` and `duration_ms`.
//!
//! [`PropagateCorrelationLayer`] goes on a client (a tower service such as hyper-util's
//! client): it puts the current ID into the outgoing `x-correlation-id`.
//! [`CorrelationId::current_header`] serves clients that are not tower services.
//!
//! # axum
//!
//! ```
//! # use twelve_core as twelve;
//! use axum::body::Body;
//! use axum::http::Request;
//! use axum::routing::get;
//! use axum::Router;
//! use tower::ServiceExt as _; // oneshot
//! use twelve::correlation::CorrelationId;
//! use twelve::http::CorrelationLayer;
//!
//! async fn show_order() -> String {
//!     // Every `tracing` event in here carries `correlation_id`.
//!     tracing::info!("order shown");
//!     CorrelationId::current().map(|id| id.to_string()).unwrap_or_default()
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let app = Router::new()
//!     .route("/orders/{id}", get(show_order))
//!     .layer(CorrelationLayer::default());
//!
//! // A valid incoming ID is kept and echoed.
//! let request = Request::get("/orders/7")
//!     .header("x-correlation-id", "req-42")
//!     .body(Body::empty())
//!     .unwrap();
//! let response = app.clone().oneshot(request).await.unwrap();
//! assert_eq!(response.headers()["x-correlation-id"], "req-42");
//!
//! // A missing (or invalid) one is replaced by a new UUID v7.
//! let request = Request::get("/orders/7").body(Body::empty()).unwrap();
//! let response = app.oneshot(request).await.unwrap();
//! let id = response.headers()["x-correlation-id"].to_str().unwrap();
//! assert!(CorrelationId::parse(id).is_ok());
//! assert_eq!(id.len(), 36);
//! # }
//! ```
//!
//! With [`Router::layer`](https://docs.rs/axum/0.8/axum/struct.Router.html#method.layer)
//! the layer runs after routing, so with the `axum` feature the request line also has
//! `http.route`, the route template (`/orders/{id}`) from axum's `MatchedPath`. Wrapped
//! around the whole router instead (`ServiceBuilder::new().layer(..).service(router)`),
//! it runs before routing and the line has no `http.route`. Put the layer on once:
//! each copy reads the headers and logs its own line.
//!
//! # tonic and hyper
//!
//! - tonic: `Server::builder().layer(CorrelationLayer::default())`. The line's
//!   `http.status` is the HTTP status (200 for gRPC calls that reached a handler); the
//!   gRPC status travels in trailers and is not logged.
//! - hyper: `hyper_util::service::TowerToHyperService::new(CorrelationLayer::default().layer(service))`.
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
//! | `request finished` | info | the inner service returned a response | `http.method`, `http.path`, `http.route`, `http.status`, `duration_ms` |
//! | `request failed` | error | the inner service returned an error (passed through unchanged) | the same without `http.status`, plus `error` |
//! | `request panicked` | error | the inner service panicked while polled | the same without `http.status` |
//! | `request cancelled` | info | the request was dropped before it ended (the client went away) | the same without `http.status` |
//!
//! `http.path` is the path without the query string (queries often carry tokens).
//! `http.route` is there only with the `axum` feature and when axum matched a route.
//! `duration_ms` is a float.
//!
//! An incoming ID that is not 1 to 128 characters of `A-Z a-z 0-9 - _ . :` (or is not
//! ASCII text at all) is replaced by a new one and **never logged**: the request line
//! then says `http.correlation_id_rejected` (`empty`, `too_long`, `bad_character` or
//! `not_ascii`) and `http.correlation_id_rejected_len` (its length in bytes), nothing
//! more. When `x-correlation-id` is rejected, a valid `x-request-id` is used. A
//! `traceparent` that is not valid W3C, or that is sent more than once, is ignored: the
//! request is served, its lines have no trace IDs.
//!
//! With feature `metrics`, the layer also records each request that gets a response in
//! `http_server_request_duration_seconds` and counts those in flight in
//! `http_server_active_requests`, under the matched route template (see
//! `twelve::metrics`); `metrics_service` serves them.
//!
//! [`CorrelationId::new`]: crate::correlation::CorrelationId::new
//! [`CorrelationId::current_header`]: crate::correlation::CorrelationId::current_header
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
pub use client::{PropagateCorrelationLayer, PropagateCorrelationService};
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

/// `traceparent`: the W3C Trace Context header.
pub const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
