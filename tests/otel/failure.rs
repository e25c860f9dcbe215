//! A collector that is down, hangs or answers 503 costs no request anything: every
//! request answers 200, quickly; drops are counted and exporter errors are JSON lines,
//! at most one per kind per minute (the SDK writes nothing, stderr stays empty); the
//! flush at shutdown never holds the exit past `SHUTDOWN_TIMEOUT`.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{SCHEDULE_DELAY, request};
use crate::support::otlp::{Behaviour, Protocol, Receiver};
use crate::support::process::{Proc, free_port};

/// A request may take this long at most (generous: a loaded 2-core machine).
const SLOW: Duration = Duration::from_secs(2);

/// Starts web exporting to `endpoint` (stderr to a file), makes `n` requests spread
/// over several export periods, each timed; stops it with SIGTERM and returns its
/// lines, its stderr, the time from the signal to the exit, and the exit code.
fn run_against(
    endpoint: &str,
    protocol: &str,
    vars: &[(&str, &str)],
    n: usize,
) -> (Vec<Value>, String, Duration, Option<i32>) {
    let stderr_path = std::env::temp_dir().join(format!(
        "twelve-otel-stderr-{}-{}",
        std::process::id(),
        free_port()
    ));
    let stderr = std::fs::File::create(&stderr_path).expect("a stderr file");
    let mut all = vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
        ("OTEL_BSP_SCHEDULE_DELAY", SCHEDULE_DELAY),
    ];
    all.extend_from_slice(vars);
    let mut web = Proc::start_with_stderr("web", &all, Stdio::from(stderr));
    web.wait_ready();
    let mut slowest = Duration::ZERO;
    for i in 0..n {
        let start = Instant::now();
        let answer = request(web.port, "GET", "/quote?items=1", &[], None);
        slowest = slowest.max(start.elapsed());
        assert_eq!(answer.status, 200, "request {i}");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(slowest < SLOW, "the slowest request took {slowest:?}");
    let signalled = Instant::now();
    web.signal("TERM");
    let (status, lines) = web.wait_exit(Duration::from_secs(30));
    let took = signalled.elapsed();
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    let _ = std::fs::remove_file(&stderr_path);
    (lines, stderr, took, status.code())
}

/// The `warn` lines of failed exports of `kind`.
fn failures<'a>(lines: &'a [Value], kind: &str) -> Vec<&'a Value> {
    lines
        .iter()
        .filter(|l| l["target"] == "twelve::otel" && l["otel.error.kind"] == kind)
        .collect()
}

/// The line saying the flush at shutdown was cut short, if any.
fn cut_short(lines: &[Value]) -> Option<&Value> {
    lines
        .iter()
        .find(|l| l["message"] == "span flush cut short by SHUTDOWN_TIMEOUT: spans dropped")
}

#[test]
fn a_collector_that_is_down() {
    // Nothing listens there.
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let (lines, stderr, took, code) = run_against(&endpoint, "http/protobuf", &[], 40);
    assert_eq!(code, Some(0));
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(stderr, "", "the SDK never prints");
    // Many exports failed; one line said so (one per kind per minute).
    let failed = failures(&lines, "connect");
    assert_eq!(failed.len(), 1, "{lines:#?}");
    let line = failed[0];
    assert_eq!(line["level"], "warn");
    assert!(line["otel.spans_dropped"].as_u64() >= Some(1), "{line}");
    assert!(
        line["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{line}"
    );
    // The flush at shutdown finds the collector down too: said, not a changed code.
    let stopped = lines.iter().position(|l| l["message"] == "stopped");
    assert!(stopped.is_some());
}

#[test]
fn a_collector_that_answers_503() {
    let receiver = Receiver::start(Protocol::HttpProtobuf, Behaviour::Status(503));
    let (lines, stderr, _, code) = run_against(&receiver.endpoint(), "http/protobuf", &[], 40);
    assert_eq!(code, Some(0));
    assert_eq!(stderr, "");
    assert!(receiver.requests() >= 3, "{} exports", receiver.requests());
    assert!(receiver.spans().is_empty());
    let failed = failures(&lines, "http_503");
    assert_eq!(failed.len(), 1, "{lines:#?}");
    assert!(
        failed[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("503")),
        "{}",
        failed[0]
    );
}

#[test]
fn a_grpc_collector_that_answers_unavailable() {
    let receiver = Receiver::start(Protocol::Grpc, Behaviour::Status(503));
    let (lines, stderr, _, code) = run_against(&receiver.endpoint(), "grpc", &[], 30);
    assert_eq!(code, Some(0));
    assert_eq!(stderr, "");
    assert!(receiver.requests() >= 2);
    assert_eq!(failures(&lines, "grpc_unavailable").len(), 1, "{lines:#?}");
}

#[test]
fn a_collector_that_hangs_holds_neither_requests_nor_the_exit() {
    let receiver = Receiver::start(Protocol::HttpProtobuf, Behaviour::Hang);
    // Exports may wait a minute; the drain deadline is 2 s.
    let (lines, stderr, took, code) = run_against(
        &receiver.endpoint(),
        "http/protobuf",
        &[
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "60000"),
            ("OTEL_BSP_EXPORT_TIMEOUT", "60000"),
            ("SHUTDOWN_TIMEOUT", "2s"),
        ],
        30,
    );
    assert_eq!(code, Some(0), "a cut flush does not change the exit code");
    assert_eq!(stderr, "");
    assert!(
        took < Duration::from_secs(2) + Duration::from_secs(3),
        "exit took {took:?}"
    );
    let line = cut_short(&lines).unwrap_or_else(|| panic!("no cut-short line: {lines:#?}"));
    assert_eq!(line["level"], "warn");
    assert!(line["otel.spans_dropped"].as_u64() >= Some(1), "{line}");
    let cut = lines.iter().position(|l| l == line);
    let stopped = lines.iter().position(|l| l["message"] == "stopped");
    assert!(cut < stopped, "the line comes before `stopped`");
}

#[test]
fn a_full_queue_drops_and_counts_without_waiting() {
    let receiver = Receiver::start(Protocol::HttpProtobuf, Behaviour::Hang);
    let (lines, stderr, _, code) = run_against(
        &receiver.endpoint(),
        "http/protobuf",
        &[
            ("OTEL_BSP_MAX_QUEUE_SIZE", "4"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "60000"),
            ("SHUTDOWN_TIMEOUT", "1s"),
        ],
        30,
    );
    assert_eq!(code, Some(0));
    assert_eq!(stderr, "");
    let full = failures(&lines, "queue_full");
    assert_eq!(full.len(), 1, "{lines:#?}");
    assert!(full[0]["otel.spans_dropped"].as_u64() >= Some(1));
}

#[test]
fn a_collector_that_comes_back_gets_the_spans_that_follow() {
    let receiver = Receiver::start(Protocol::HttpProtobuf, Behaviour::Status(503));
    let web = crate::helpers::start("web", &receiver, "http/protobuf", &[], true);
    assert_eq!(
        request(web.port, "GET", "/quote?items=1", &[], None).status,
        200
    );
    let start = Instant::now();
    while receiver.requests() == 0 && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    receiver.set_behaviour(Behaviour::Accept);
    assert_eq!(
        request(web.port, "GET", "/quote?items=1", &[], None).status,
        200
    );
    let spans = receiver.wait_for_spans(2, crate::helpers::SPANS_WITHIN);
    assert!(spans.iter().any(|s| s.name == "GET /quote"));
}
