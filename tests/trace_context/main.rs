//! The W3C trace-context test suite (github.com/w3c/trace-context, `test/`), ported:
//! the service under test is `tests/fixtures/trace_service.rs` (`CorrelationLayer` on
//! its server, `PropagateCorrelationLayer` on its client, the suite's `POST /test`
//! protocol), run as a real process on 127.0.0.1; [`harness`] plays `test.py`'s part.
//!
//! - [`suite`]: `TraceContextTest`, every test of `test.py` under its name, at
//!   `STRICT_LEVEL` 2 (the strict `tracestate` tests included);
//! - [`advanced`]: `AdvancedTest`, three callbacks per request;
//! - [`extra`]: the level-2 random flag and what DESIGN adds.
//!
//! Each test starts its own service, so that tests run in parallel and none depends on
//! another's requests.
#![cfg(all(feature = "http", feature = "axum"))]

#[path = "../support/mod.rs"]
mod support;

mod harness;

mod advanced;
mod extra;
mod suite;
