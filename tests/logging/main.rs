//! Integration tests of `twelve::log`: the JSON line format, filters, extra layers,
//! each schema's keys (checked against the ecs-logging specification and the vendors'
//! documented forms), unique keys whatever the fields are named (a property test read
//! with a parser that rejects a repeated key), request lines, concurrency and closed
//! stdout (in child processes), panics and configuration errors in real processes,
//! zero allocations per event.

use std::sync::{Arc, Mutex};

use serde_json::Value;

#[path = "../support/mod.rs"]
mod support;

mod allocations;
mod correlation;
mod dynamic;
mod ecs_spec;
mod format;
mod processes;
mod request_lines;
mod schemas;
mod stdout;
mod strict;
mod unique_keys;

#[global_allocator]
static GLOBAL: support::alloc::Counting = support::alloc::Counting;

/// A valid W3C `traceparent`.
const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// Every schema.
const SCHEMAS: [twelve::log::Schema; 4] = [
    twelve::log::Schema::Default,
    twelve::log::Schema::Ecs,
    twelve::log::Schema::Gcp,
    twelve::log::Schema::Datadog,
];

/// The bytes a capturing sink received.
pub(crate) type Lines = Arc<Mutex<Vec<u8>>>;

/// A log builder (service `order-service`, version `0.1.0`) whose lines go to the
/// returned buffer.
pub(crate) fn capture() -> (Lines, twelve::log::LogBuilder) {
    let lines: Lines = Arc::default();
    let sink = lines.clone();
    let builder = twelve::log::builder()
        .service("order-service")
        .version("0.1.0")
        .sink(Arc::new(move |line: &[u8]| {
            if let Ok(mut l) = sink.lock() {
                l.extend_from_slice(line);
            }
        }));
    (lines, builder)
}

/// The captured lines, each parsed as JSON (by the parser that rejects a key twice).
pub(crate) fn parsed(lines: &Lines) -> Vec<Value> {
    let bytes = lines.lock().expect("lock").clone();
    let text = String::from_utf8(bytes).expect("utf-8");
    text.lines()
        .map(|l| strict::parse(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// The captured text.
pub(crate) fn raw(lines: &Lines) -> String {
    String::from_utf8(lines.lock().expect("lock").clone()).expect("utf-8")
}

/// Runs `f` with the subscriber `builder` builds as the thread's default.
pub(crate) fn with_logs(builder: twelve::log::LogBuilder, f: impl FnOnce()) {
    let subscriber = builder.build().expect("builds");
    tracing::subscriber::with_default(subscriber, f);
}

/// A current-thread tokio runtime with every driver.
pub(crate) fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The first `n` keys of a line, in the order written (read off the text, since
/// `serde_json::Value` does not keep the order).
pub(crate) fn first_keys(raw: &str, n: usize) -> Vec<String> {
    let mut keys = Vec::new();
    let mut rest = raw.trim().trim_start_matches('{');
    while keys.len() < n {
        let Some(start) = rest.find('"') else { break };
        let after = &rest[start + 1..];
        let Some(end) = after.find("\":") else { break };
        keys.push(after[..end].to_string());
        let tail = &after[end + 2..];
        // Skip the value: a string or a bare token.
        rest = if let Some(stripped) = tail.strip_prefix('"') {
            let mut i = 0;
            let bytes = stripped.as_bytes();
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            &stripped[(i + 1).min(stripped.len())..]
        } else {
            &tail[tail.find(',').unwrap_or(tail.len())..]
        };
    }
    keys
}
