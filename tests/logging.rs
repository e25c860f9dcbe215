//! Integration tests of `twelve::log`: the JSON line format, filters, extra layers,
//! concurrency and closed stdout (in child processes), zero allocations per event.

// The counting global allocator below is the only unsafe code: it forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use serde_json::Value;

/// Counts this thread's allocations while `COUNTING` is set.
struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
    /// Set by the test from `TWELVE_ALLOC_TRACE`: print where the first allocation is.
    static TRACE_FIRST: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.try_with(Cell::get).unwrap_or(false) {
            let _ = ALLOCS.try_with(|a| a.set(a.get() + 1));
            if TRACE_FIRST.try_with(Cell::get).unwrap_or(false) && ALLOCS.with(Cell::get) == 1 {
                COUNTING.with(|c| c.set(false));
                eprintln!("{}", std::backtrace::Backtrace::force_capture());
                COUNTING.with(|c| c.set(true));
            }
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

type Lines = Arc<Mutex<Vec<u8>>>;

fn capture() -> (Lines, twelve::log::LogBuilder) {
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

fn parsed(lines: &Lines) -> Vec<Value> {
    let bytes = lines.lock().expect("lock").clone();
    let text = String::from_utf8(bytes).expect("utf-8");
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn with_logs(builder: twelve::log::LogBuilder, f: impl FnOnce()) {
    let subscriber = builder.build().expect("builds");
    tracing::subscriber::with_default(subscriber, f);
}

#[test]
fn line_format_of_the_design() {
    let (lines, builder) = capture();
    with_logs(builder.release(Some("r42".into())), || {
        let span = tracing::info_span!("request", correlation_id = "0193a1f0", route = "/orders");
        let _e = span.enter();
        tracing::info!(
            order_id = "a1b2c3",
            item_count = 3,
            ok = true,
            ratio = 0.5,
            "order confirmed"
        );
    });
    let raw = String::from_utf8(lines.lock().expect("lock").clone()).expect("utf-8");
    assert_eq!(raw.matches('\n').count(), 1);
    assert!(raw.starts_with("{\"timestamp\":\""), "{raw}");
    let line = &parsed(&lines)[0];
    let ts = line["timestamp"].as_str().expect("timestamp");
    assert_eq!(ts.len(), 27, "{ts}");
    assert!(ts.ends_with('Z') && ts.as_bytes()[19] == b'.', "{ts}");
    assert_eq!(line["level"], "info");
    assert_eq!(line["message"], "order confirmed");
    assert_eq!(line["target"], "logging");
    assert_eq!(line["service"], "order-service");
    assert_eq!(line["version"], "0.1.0");
    assert_eq!(line["release"], "r42");
    assert_eq!(line["correlation_id"], "0193a1f0");
    assert_eq!(line["route"], "/orders");
    assert_eq!(line["order_id"], "a1b2c3");
    assert_eq!(line["item_count"], 3);
    assert_eq!(line["ok"], true);
    assert_eq!(line["ratio"], 0.5);
    // Key order: core keys first, in this order.
    assert_eq!(
        first_keys(&raw, 6),
        [
            "timestamp",
            "level",
            "message",
            "target",
            "service",
            "version"
        ]
    );
}

#[test]
fn release_only_when_set_and_levels_lower_case() {
    let (lines, builder) = capture();
    with_logs(builder.level("trace"), || {
        tracing::trace!("t");
        tracing::debug!("d");
        tracing::warn!("w");
        tracing::error!("e");
    });
    let levels: Vec<String> = parsed(&lines)
        .iter()
        .inspect(|l| assert!(l.get("release").is_none()))
        .map(|l| l["level"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(levels, ["trace", "debug", "warn", "error"]);
}

#[test]
fn keys_are_unique_later_wins_core_keys_kept() {
    let (lines, builder) = capture();
    with_logs(builder, || {
        let outer = tracing::info_span!(
            "outer",
            user = "outer",
            a = 1,
            level = "span-level",
            message = "span-message"
        );
        let _o = outer.enter();
        let inner = tracing::info_span!("inner", user = "inner", b = tracing::field::Empty);
        let _i = inner.enter();
        inner.record("b", 2);
        inner.record("b", 3);
        tracing::info!(a = 10, service = "override", timestamp = "fake", "msg");
    });
    let line = &parsed(&lines)[0];
    assert_eq!(line["user"], "inner");
    assert_eq!(line["a"], 10);
    assert_eq!(line["b"], 3);
    assert_eq!(line["service"], "override");
    assert_eq!(line["level"], "info");
    assert_eq!(line["message"], "msg");
    assert_eq!(line["fields.level"], "span-level");
    // A span's `message` is one of its fields: renamed, the event's message kept.
    assert_eq!(line["fields.message"], "span-message");
    assert_eq!(line["fields.timestamp"], "fake");
    assert!(line["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
    // No duplicate keys in the raw text.
    let raw = String::from_utf8(lines.lock().expect("lock").clone()).expect("utf-8");
    for key in ["\"user\":", "\"a\":", "\"b\":", "\"service\":"] {
        assert_eq!(raw.matches(key).count(), 1, "{key} in {raw}");
    }
}

#[test]
fn odd_values_stay_valid_json() {
    let (lines, builder) = capture();
    with_logs(builder, || {
        let bytes = b"\xff\x00\"quoted\"\n".to_vec();
        let err = std::io::Error::other("disk \"full\"");
        tracing::info!(
            nan = f64::NAN,
            inf = f64::INFINITY,
            big = u128::MAX,
            neg = i64::MIN,
            bytes = ?bytes,
            text = ?String::from_utf8_lossy(&bytes),
            error = &err as &dyn std::error::Error,
            "control \u{1} and \"quotes\" and \\ and\nnewline"
        );
    });
    let line = &parsed(&lines)[0];
    let raw = String::from_utf8(lines.lock().expect("lock").clone()).expect("utf-8");
    assert!(raw.contains(&format!("\"big\":{}", u128::MAX)), "{raw}");
    assert_eq!(line["nan"], "NaN");
    assert_eq!(line["inf"], "inf");
    assert_eq!(line["neg"], i64::MIN);
    assert_eq!(line["error"], "disk \"full\"");
    assert_eq!(
        line["message"],
        "control \u{1} and \"quotes\" and \\ and\nnewline"
    );
}

#[test]
fn filters_from_level_or_directives_with_errors_naming_the_variable() {
    let (lines, builder) = capture();
    with_logs(builder.level("warn"), || {
        tracing::info!("hidden");
        tracing::warn!("shown");
    });
    assert_eq!(parsed(&lines).len(), 1);

    let (lines, builder) = capture();
    with_logs(
        builder
            .level("error")
            .directives(Some("logging=debug".into())),
        || {
            tracing::debug!("shown by RUST_LOG");
            tracing::trace!("hidden");
        },
    );
    assert_eq!(parsed(&lines).len(), 1);

    let err = twelve::log::builder()
        .level("loud")
        .filter()
        .expect_err("bad");
    assert!(
        err.to_string()
            .starts_with("LOG_LEVEL: \"loud\" is not a level"),
        "{err}"
    );
    let err = twelve::log::builder()
        .directives(Some("a=notalevel".into()))
        .filter()
        .expect_err("bad");
    assert!(err.to_string().starts_with("RUST_LOG: "), "{err}");
}

#[test]
fn a_second_layer_sees_the_same_events() {
    use tracing_subscriber::Layer;

    struct Count(Arc<Mutex<Vec<String>>>);
    impl<S: tracing::Subscriber> Layer<S> for Count {
        fn on_event(
            &self,
            event: &tracing::Event<'_>,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) {
            if let Ok(mut seen) = self.0.lock() {
                seen.push(event.metadata().target().to_string());
            }
        }
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (lines, builder) = capture();
    with_logs(builder.with_layer(Count(seen.clone())), || {
        tracing::info!("one");
        tracing::error!("two");
    });
    assert_eq!(parsed(&lines).len(), 2);
    assert_eq!(seen.lock().expect("lock").len(), 2);
}

#[test]
fn no_allocation_per_event_once_warm() {
    let (_lines, builder) = capture();
    // A sink that keeps nothing, like writing to a file descriptor.
    let builder = builder.sink(Arc::new(|line: &[u8]| {
        std::hint::black_box(line);
    }));
    with_logs(builder, || {
        let span = tracing::info_span!(
            "request",
            correlation_id = "0193a1f0-7c2e-7000-8000-000000000000"
        );
        let _e = span.enter();
        let event = || {
            tracing::info!(
                order_id = "a1b2c3",
                item_count = 3,
                ok = true,
                ratio = 0.25,
                "order confirmed"
            )
        };
        for _ in 0..10 {
            event();
        }
        TRACE_FIRST.with(|t| t.set(std::env::var_os("TWELVE_ALLOC_TRACE").is_some()));
        COUNTING.with(|c| c.set(true));
        for _ in 0..1000 {
            event();
        }
        COUNTING.with(|c| c.set(false));
    });
    assert_eq!(ALLOCS.with(Cell::get), 0, "allocations in 1000 events");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any string as message, event field, span field, or Debug of bytes: every line
    /// parses and gives the value back.
    #[test]
    fn any_content_round_trips(
        message in any::<String>(),
        field in any::<String>(),
        span_field in ".{0,2000}",
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let (lines, builder) = capture();
        with_logs(builder, || {
            let span = tracing::info_span!("s", sf = span_field.as_str());
            let _e = span.enter();
            tracing::info!(f = field.as_str(), b = ?bytes, "{}", message);
        });
        let all = parsed(&lines);
        prop_assert_eq!(all.len(), 1);
        let line = &all[0];
        prop_assert_eq!(line["message"].as_str(), Some(message.as_str()));
        prop_assert_eq!(line["f"].as_str(), Some(field.as_str()));
        prop_assert_eq!(line["sf"].as_str(), Some(span_field.as_str()));
        let debug = format!("{bytes:?}");
        prop_assert_eq!(line["b"].as_str(), Some(debug.as_str()));
    }
}

// ---- stdout, in child processes ----

fn in_child() -> bool {
    std::env::var_os("TWELVE_TEST_CHILD").is_some()
}

fn child(name: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().expect("test binary"));
    cmd.args([
        "--exact",
        name,
        "--test-threads=1",
        "--nocapture",
        "--quiet",
    ])
    .env("TWELVE_TEST_CHILD", "1");
    cmd
}

#[test]
fn child_many_threads() {
    if !in_child() {
        return;
    }
    twelve::log::builder().service("s").init().expect("init");
    let threads: Vec<_> = (0..8)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..2000 {
                    tracing::info!(
                        thread = t,
                        i,
                        padding = "x".repeat(i % 300).as_str(),
                        "line"
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
}

#[test]
fn concurrent_lines_never_interleave() {
    let out = child("child_many_threads").output().expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let json: Vec<Value> = text
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("torn line ({e}): {l}")))
        .collect();
    assert_eq!(json.len(), 16_000);
}

#[test]
fn child_closed_stdout() {
    if !in_child() {
        return;
    }
    twelve::log::builder().init().expect("init");
    std::thread::sleep(std::time::Duration::from_millis(500));
    for i in 0..20_000 {
        tracing::info!(i, "into a closed pipe");
    }
    eprintln!("CHILD DONE");
    // Exit before the test harness itself writes its summary to the closed pipe.
    std::process::exit(0);
}

#[test]
fn closed_stdout_neither_panics_nor_complains() {
    let mut proc = child("child_closed_stdout")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    // Wait for the harness's own first line, so that only twelve's writes meet the
    // closed pipe, then close it.
    if let Some(stdout) = proc.stdout.take() {
        let mut reader = std::io::BufReader::new(stdout);
        let mut line = String::new();
        for _ in 0..5 {
            line.clear();
            let read = std::io::BufRead::read_line(&mut reader, &mut line).unwrap_or(0);
            if read == 0 || line.contains("running") {
                break;
            }
        }
    }
    let out = proc.wait_with_output().expect("waits");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("CHILD DONE"), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{stderr}"
    );
}

// ---- correlation IDs and schemas ----

use twelve::correlation::{self, Context, CorrelationId, TraceContext};
use twelve::log::Schema;

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn correlation_id_on_every_line_of_the_scope_and_helper_spawned_tasks() {
    let (lines, builder) = capture();
    let id = CorrelationId::parse("req-1").expect("valid");
    with_logs(builder, || {
        current_thread().block_on(async {
            tracing::info!("before");
            CorrelationId::scope(id.clone(), async {
                tracing::info!("inside");
                correlation::spawn(async { tracing::info!("helper task") })
                    .await
                    .expect("task");
                tokio::spawn(async { tracing::info!("bare task") })
                    .await
                    .expect("task");
            })
            .await;
            CorrelationId::in_scope(CorrelationId::parse("sync-2").expect("valid"), || {
                tracing::info!("sync");
            });
        });
    });
    let ids: Vec<(String, Option<String>)> = parsed(&lines)
        .iter()
        .map(|l| {
            (
                l["message"].as_str().unwrap_or_default().to_string(),
                l.get("correlation_id")
                    .and_then(Value::as_str)
                    .map(String::from),
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            ("before".to_string(), None),
            ("inside".to_string(), Some("req-1".to_string())),
            ("helper task".to_string(), Some("req-1".to_string())),
            ("bare task".to_string(), None),
            ("sync".to_string(), Some("sync-2".to_string())),
        ]
    );
}

fn one_line_with_trace(schema: Schema, project: Option<&str>) -> (String, Value) {
    let (lines, builder) = capture();
    let builder = builder
        .schema(schema)
        .gcp_project(project.map(String::from))
        .release(Some("r7".into()));
    let context = Context {
        id: CorrelationId::parse("c-1").expect("valid"),
        trace: TraceContext::parse_traceparent(TRACEPARENT),
    };
    with_logs(builder, || {
        current_thread().block_on(correlation::scope_context(context, async {
            tracing::warn!(k = 1, "hello");
        }));
    });
    let raw = String::from_utf8(lines.lock().expect("lock").clone()).expect("utf-8");
    let line = parsed(&lines).remove(0);
    (raw, line)
}

/// The first `n` keys of a line, in the order written (read off the text, since
/// `serde_json::Value` does not keep the order).
fn first_keys(raw: &str, n: usize) -> Vec<String> {
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

/// A line where a field bears each key a field may override, in `schema`.
fn overriding_line(schema: Schema, emit: fn()) -> (String, Value) {
    let (lines, builder) = capture();
    let builder = builder.schema(schema).release(Some("r7".into()));
    let context = Context {
        id: CorrelationId::parse("c-1").expect("valid"),
        trace: TraceContext::parse_traceparent(TRACEPARENT),
    };
    with_logs(builder, || {
        current_thread().block_on(correlation::scope_context(context, async { emit() }));
    });
    let raw = String::from_utf8(lines.lock().expect("lock").clone()).expect("utf-8");
    (raw.clone(), parsed(&lines).remove(0))
}

#[test]
fn fields_override_every_overridable_key_once() {
    let (raw, line) = overriding_line(Schema::Default, || {
        let span = tracing::info_span!("s", service = "span-service", trace_id = "t");
        let _entered = span.enter();
        tracing::info!(
            target = "f-target",
            version = "f-version",
            release = "f-release",
            correlation_id = "f-id",
            span_id = "f-span",
            "msg"
        );
    });
    for (key, value) in [
        ("target", "f-target"),
        ("service", "span-service"),
        ("version", "f-version"),
        ("release", "f-release"),
        ("correlation_id", "f-id"),
        ("trace_id", "t"),
        ("span_id", "f-span"),
    ] {
        assert_eq!(line[key], value, "{key} in {raw}");
        assert_eq!(
            raw.matches(&format!("\"{key}\":")).count(),
            1,
            "{key} in {raw}"
        );
    }

    let (raw, line) = overriding_line(Schema::Ecs, || {
        tracing::info!(log.logger = "f-logger", trace.id = "f-trace", "msg");
    });
    for (key, value) in [("log.logger", "f-logger"), ("trace.id", "f-trace")] {
        assert_eq!(line[key], value, "{key} in {raw}");
        assert_eq!(
            raw.matches(&format!("\"{key}\":")).count(),
            1,
            "{key} in {raw}"
        );
    }
    // Not overridden: still there, once.
    assert_eq!(line["span.id"], "00f067aa0ba902b7");
    assert_eq!(line["service.name"], "order-service");
}

#[test]
fn default_schema_trace_keys() {
    let (raw, line) = one_line_with_trace(Schema::Default, None);
    assert_eq!(first_keys(&raw, 3), ["timestamp", "level", "message"]);
    assert_eq!(line["level"], "warn");
    assert_eq!(line["correlation_id"], "c-1");
    assert_eq!(line["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(line["span_id"], "00f067aa0ba902b7");
    assert_eq!(line["release"], "r7");
}

#[test]
fn ecs_schema() {
    let (raw, line) = one_line_with_trace(Schema::Ecs, None);
    assert_eq!(
        first_keys(&raw, 4),
        ["@timestamp", "log.level", "message", "ecs.version"]
    );
    assert_eq!(line["log.level"], "warn");
    assert_eq!(line["service.name"], "order-service");
    assert_eq!(line["service.version"], "0.1.0");
    assert_eq!(line["trace.id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(line["span.id"], "00f067aa0ba902b7");
    assert_eq!(line["log.logger"], "logging");
    assert!(line.get("timestamp").is_none() && line.get("level").is_none());
}

#[test]
fn gcp_schema() {
    let (raw, line) = one_line_with_trace(Schema::Gcp, Some("shop-prod"));
    assert_eq!(first_keys(&raw, 3), ["severity", "message", "time"]);
    assert_eq!(line["severity"], "WARNING");
    assert_eq!(
        line["logging.googleapis.com/trace"],
        "projects/shop-prod/traces/4bf92f3577b34da6a3ce929d0e0e4736"
    );
    assert_eq!(line["logging.googleapis.com/spanId"], "00f067aa0ba902b7");
    let (_, line) = one_line_with_trace(Schema::Gcp, None);
    assert_eq!(
        line["logging.googleapis.com/trace"],
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
}

#[test]
fn datadog_schema() {
    let (raw, line) = one_line_with_trace(Schema::Datadog, None);
    assert_eq!(first_keys(&raw, 3), ["status", "message", "timestamp"]);
    assert_eq!(line["status"], "warn");
    assert_eq!(line["service"], "order-service");
    assert_eq!(line["dd.trace_id"], 0xa3ce929d0e0e4736u64.to_string());
    assert_eq!(line["dd.span_id"], 0x00f067aa0ba902b7u64.to_string());
}

#[test]
fn schema_names_parse() {
    assert_eq!("ECS".parse::<Schema>(), Ok(Schema::Ecs));
    assert_eq!(" datadog ".parse::<Schema>(), Ok(Schema::Datadog));
    assert!("splunk".parse::<Schema>().is_err());
}

#[test]
fn child_panics() {
    if !in_child() {
        return;
    }
    twelve::log::builder().service("s").init().expect("init");
    twelve::log::install_panic_hook();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let outcome = rt.block_on(async {
        let id = CorrelationId::parse("job-77").expect("valid");
        correlation::spawn(async {
            CorrelationId::scope(id, async {
                let items: Vec<u8> = Vec::new();
                let _ = items[3];
            })
            .await
        })
        .await
    });
    assert!(outcome.is_err());
}

#[test]
fn panics_are_json_lines_with_the_correlation_id() {
    let out = child("child_panics").output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<Value> = stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    let line = &lines[0];
    assert_eq!(line["level"], "error");
    assert_eq!(line["message"], "panic");
    assert_eq!(line["correlation_id"], "job-77");
    assert!(
        line["panic.message"]
            .as_str()
            .is_some_and(|m| m.contains("index out of bounds")),
        "{line}"
    );
    assert!(
        line["panic.location"]
            .as_str()
            .is_some_and(|l| l.starts_with("tests/logging.rs:")),
        "{line}"
    );
    // The default hook still runs.
    assert!(String::from_utf8_lossy(&out.stderr).contains("panicked at"));
}

#[test]
fn pretty_format_and_format_names() {
    use twelve::log::Format;
    assert_eq!("PRETTY".parse::<Format>(), Ok(Format::Pretty));
    assert_eq!("json".parse::<Format>(), Ok(Format::Json));
    assert!("xml".parse::<Format>().is_err());
    // Pretty output is for humans; it builds and logs without error.
    let subscriber = twelve::log::builder()
        .format(Format::Pretty)
        .build()
        .expect("builds");
    tracing::subscriber::with_default(subscriber, || tracing::info!("for a human"));
}

#[test]
fn app_spawn_keeps_the_correlation_id_of_its_scope() {
    let (lines, builder) = capture();
    with_logs(builder, || {
        current_thread().block_on(async {
            let app = twelve::App::new(twelve::ServiceInfo::new("s", "1"), 0);
            CorrelationId::scope(CorrelationId::parse("job-5").expect("valid"), async {
                app.spawn("tracked", async { tracing::info!("in the tracked task") });
            })
            .await;
            app.shutdown().trigger();
            // Let the tracked task run.
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
        });
    });
    let all = parsed(&lines);
    let line = all
        .iter()
        .find(|l| l["message"] == "in the tracked task")
        .expect("the task logged");
    assert_eq!(line["correlation_id"], "job-5");
}
