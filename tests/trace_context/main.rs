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
//!
//! DESIGN: the suite passes with and without `otel`. With the feature,
//! [`the_suite_passes_with_otel_exporting`] runs every other test again, in a child
//! process whose services export their spans to an OTLP receiver (server spans, client
//! spans whose IDs are the callbacks' parents, the sampler's flags).
#![cfg(all(feature = "http", feature = "axum"))]

#[path = "../support/mod.rs"]
mod support;

mod harness;

mod advanced;
mod extra;
mod suite;

/// Every other test of this binary, again, with each service exporting its spans.
#[cfg(feature = "otel")]
#[test]
fn the_suite_passes_with_otel_exporting() {
    if std::env::var_os(harness::EXPORTING).is_some() {
        return; // the run below: not again
    }
    let exe = std::env::current_exe().expect("this test binary");
    let mut run = support::process::clean_command(exe);
    run.args([
        "--skip",
        "the_suite_passes_with_otel_exporting",
        "--test-threads",
        "4",
    ])
    .env(harness::EXPORTING, "1");
    // Some forty tests, each starting a service: five times the limit of one.
    let output = support::process::output_within(
        &mut run,
        5 * support::process::LIMIT,
        "the run of the suite with otel",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let passed: usize = stdout
        .lines()
        .find_map(|l| l.strip_prefix("test result: ok. "))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no result line: {stdout}"));
    assert!(passed >= 40, "{passed} tests passed with otel: {stdout}");
}
