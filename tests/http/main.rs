//! Integration tests of `twelve::http`: real axum routers served on 127.0.0.1, called
//! with hyper's HTTP/1 client; log lines captured through `twelve::log` and read as
//! JSON. Tests run in parallel and share one capture: each reads only the lines of its
//! own correlation IDs.
#![cfg(all(feature = "http", feature = "axum"))]

#[path = "../support/mod.rs"]
mod support;

mod capture;
mod service;

mod allocations;
mod axum_setup;
mod incoming_ids;
mod propagate;
mod request_line;
mod traceparent;

#[global_allocator]
static GLOBAL: support::alloc::Counting = support::alloc::Counting;

/// A valid W3C `traceparent`.
const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
