//! OpenTelemetry export (feature `otel`), tested as real processes: the examples and
//! the trace-service fixture run under `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a real
//! OTLP receiver started by the test (`support::otlp`: the official protobuf types,
//! HTTP and gRPC), which keeps what it accepted.
//!
//! - [`export`]: what a request exports (resource, names, kinds, attributes, parents)
//!   and that log lines carry the exported spans' IDs;
//! - [`two_services`]: one trace across two processes through `PropagateCorrelationLayer`;
//! - [`worker`]: a service with no HTTP (scopes of a queue consumer);
//! - [`sampling`]: `always_off` and the ratio samplers, and the flag sent downstream;
//! - [`protocols`]: `http/protobuf`, `http/json` and `grpc`;
//! - [`failure`]: a collector down, hanging or answering 503 costs no request
//!   anything, and the flush at shutdown never outlasts `SHUTDOWN_TIMEOUT`;
//! - [`settings`]: bad `OTEL_*` values (all named, exit 78), nothing installed without
//!   an endpoint or with `OTEL_SDK_DISABLED`, the headers never printed.
#![cfg(all(feature = "otel", feature = "axum"))]

#[path = "../support/mod.rs"]
mod support;

mod helpers;

mod export;
mod failure;
mod protocols;
mod sampling;
mod settings;
mod two_services;
mod worker;
