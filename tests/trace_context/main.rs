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
//! DESIGN: the suite passes with and without `otel`. The example `trace-service` has
//! the feature compiled in (the tests' build always has); with no endpoint set, it
//! exports nothing. [`the_suite_passes_with_otel_exporting`] runs every other test
//! again, in a child process whose services export their spans to an OTLP receiver
//! (server spans, client spans whose IDs are the callbacks' parents, the sampler's
//! flags); [`the_suite_passes_without_otel`] runs them against the same service built
//! without the feature (`tests/trace_service_plain`).
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
    let passed = run_again(harness::EXPORTING, "1".into(), "with otel");
    assert!(passed >= 40, "{passed} tests passed with otel");
}

/// Every other test of this binary, again, against the service built without `otel`
/// (`tests/trace_service_plain`, the same source as the example `trace-service`),
/// which this package's examples can't be: its dev-dependency on itself turns `otel`
/// on for them. `.ci/run` builds it (`cargo build -p twelve-trace-service-plain`) and
/// runs this test with `--ignored`.
#[test]
#[ignore = "needs `cargo build -p twelve-trace-service-plain` first; .ci/run runs it"]
fn the_suite_passes_without_otel() {
    let exe = std::env::current_exe().expect("this test binary");
    let plain = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>")
        .join("trace-service-plain");
    assert!(
        plain.exists(),
        "{} is not built: `cargo build -p twelve-trace-service-plain`",
        plain.display()
    );
    // That build is without `otel`: its runtime reads no `OTEL_*` variable.
    let mut service = support::process::Proc::start_program(
        plain.clone(),
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")],
        std::process::Stdio::null(),
    );
    service.wait_ready();
    service.signal("TERM");
    let (status, lines) = service.wait_exit(support::process::LIMIT);
    assert_eq!(status.code(), Some(0), "{lines:?}");
    let loaded = lines
        .iter()
        .find(|l| l["message"] == "config loaded")
        .expect("a config loaded line");
    let sources = loaded["config.sources"]
        .as_object()
        .expect("config.sources");
    assert!(sources.contains_key("PORT"), "{loaded}");
    assert!(
        !sources.keys().any(|k| k.starts_with("OTEL_")),
        "the plain build reads OTEL_* variables: {loaded}"
    );
    let passed = run_again(harness::SERVICE_BIN, plain.into_os_string(), "without otel");
    assert!(passed >= 40, "{passed} tests passed without otel");
}

/// Runs this binary's tests again (not the two that run it again), in a child process
/// with `var` set to `value`; panics unless they all pass. How many passed.
fn run_again(var: &str, value: std::ffi::OsString, what: &str) -> usize {
    let exe = std::env::current_exe().expect("this test binary");
    let mut run = support::process::clean_command(exe);
    run.args([
        "--skip",
        "the_suite_passes_with_otel_exporting",
        "--skip",
        "the_suite_passes_without_otel",
        "--test-threads",
        "4",
    ])
    .env(var, value);
    // Some forty tests, each starting a service: five times the limit of one.
    let output = support::process::output_within(
        &mut run,
        5 * support::process::LIMIT,
        &format!("the run of the suite {what}"),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("test result: ok. "))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no result line: {stdout}"))
}
