//! The log schemas (`default`, `ecs`, `gcp`, `datadog`), the keys fields may
//! override, and each vendor key in the form its vendor documents:
//!
//! - Cloud Logging, `LogEntry` (REST v2) and the logging agent's special JSON fields:
//!   `severity` one of the `LogSeverity` names; `logging.googleapis.com/trace` the
//!   resource name `projects/[PROJECT_ID]/traces/[TRACE_ID]`; `logging.googleapis.com/
//!   spanId` 16 lower-case hex digits (8 bytes); `logging.googleapis.com/sourceLocation`
//!   a `LogEntrySourceLocation` object `{file: string, line: int64 (a string in JSON),
//!   function: string}`; `httpRequest` an `HttpRequest` object (`requestMethod`,
//!   `requestUrl` strings, `status` an integer, `latency` a `Duration`: seconds with up
//!   to nine decimals and an `s`, `"3.5s"`), checked in `request_lines`.
//! - Datadog, "Correlate logs and traces" (OpenTelemetry): `dd.trace_id` the decimal
//!   text of the trace ID's low 64 bits, `dd.span_id` the decimal text of the span ID;
//!   `dd.service`, `dd.version`, `dd.env` (unified service tagging) as strings.

use serde_json::Value;
use twelve::correlation::{self, Context, CorrelationId, TraceContext};
use twelve::log::Schema;

use crate::{TRACEPARENT, capture, current_thread, first_keys, parsed, with_logs};

fn one_line_with_trace(schema: Schema, project: Option<&str>) -> (String, Value) {
    let (lines, builder) = capture();
    let builder = builder
        .schema(schema)
        .gcp_project(project.map(String::from))
        .datadog_env(Some("staging".into()))
        .release(Some("r7".into()));
    let context = Context {
        id: CorrelationId::parse("c-1").expect("valid"),
        trace: TraceContext::parse_traceparent(TRACEPARENT).expect("valid"),
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

/// A line where a field bears each key a field may override, in `schema`.
fn overriding_line(schema: Schema, emit: fn()) -> (String, Value) {
    let (lines, builder) = capture();
    let builder = builder.schema(schema).release(Some("r7".into()));
    let context = Context {
        id: CorrelationId::parse("c-1").expect("valid"),
        trace: TraceContext::parse_traceparent(TRACEPARENT).expect("valid"),
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
    assert_eq!(line["transaction.id"], "00f067aa0ba902b7");
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
    // This service's span is the transaction; `span.id` is for a child span only.
    assert_eq!(line["transaction.id"], "00f067aa0ba902b7");
    assert!(line.get("span.id").is_none(), "{raw}");
    assert_eq!(line["log.logger"], "logging::schemas");
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
    // The W3C sampled flag (`-01` in the traceparent), as a JSON bool.
    assert_eq!(line["logging.googleapis.com/trace_sampled"], true, "{raw}");
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
    // `FromStr` reads what the load (`ConfigValue`) does: case, `-` and `_` ignored.
    assert_eq!("Data_Dog".parse::<Schema>(), Ok(Schema::Datadog));
    assert_eq!(
        "splunk".parse::<Schema>().map_err(|e| e.to_string()),
        Err("expected default, ecs, gcp or datadog".to_string())
    );
}

/// Cloud Logging's `LogSeverity` names.
const GCP_SEVERITIES: [&str; 9] = [
    "DEFAULT",
    "DEBUG",
    "INFO",
    "NOTICE",
    "WARNING",
    "ERROR",
    "CRITICAL",
    "ALERT",
    "EMERGENCY",
];

fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A decimal integer's text as a number prints it: digits, no sign, no leading zero.
fn decimal_u64(text: &str) -> Option<u64> {
    let n: u64 = text.parse().ok()?;
    (n.to_string() == text).then_some(n)
}

#[test]
fn ecs_lines_carry_the_dataset_the_logger_and_the_call_site() {
    let (_, line) = one_line_with_trace(Schema::Ecs, None);
    assert_eq!(
        line["event.dataset"], "order-service",
        "= service.name: {line}"
    );
    assert_eq!(line["log.logger"], "logging::schemas");
    assert_eq!(line["log.origin.file.name"], "tests/logging/schemas.rs");
    assert!(
        line["log.origin.file.line"].as_u64().is_some_and(|n| n > 0),
        "{line}"
    );
    assert_eq!(line["labels.release"], "r7");
    assert_eq!(line["ecs.version"], "8.11.0");
}

#[test]
fn ecs_writes_an_error_field_as_error_message() {
    let (lines, builder) = capture();
    with_logs(builder.schema(Schema::Ecs), || {
        let err = std::io::Error::other("disk full");
        tracing::error!(error = &err as &dyn std::error::Error, "write failed");
        tracing::error!(error = 42, "a number");
    });
    let all = parsed(&lines);
    assert_eq!(all[0]["error.message"], "disk full");
    assert!(all[0].get("error").is_none(), "{}", all[0]);
    assert_eq!(all[1]["error.message"], "42", "a string, as ECS types it");
}

#[test]
fn gcp_keys_in_cloud_loggings_documented_form() {
    let (lines, builder) = capture();
    let builder = builder
        .schema(Schema::Gcp)
        .level("trace")
        .gcp_project(Some("shop-prod".into()));
    let context = Context {
        id: CorrelationId::parse("c-1").expect("valid"),
        trace: TraceContext::parse_traceparent(TRACEPARENT).expect("valid"),
    };
    with_logs(builder, || {
        current_thread().block_on(correlation::scope_context(context, async {
            tracing::trace!("t");
            tracing::debug!("d");
            tracing::info!("i");
            tracing::warn!("w");
            tracing::error!("e");
        }));
    });
    let all = parsed(&lines);
    let severities: Vec<&str> = all
        .iter()
        .map(|l| l["severity"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(severities, ["DEBUG", "DEBUG", "INFO", "WARNING", "ERROR"]);
    for line in &all {
        assert!(GCP_SEVERITIES.contains(&line["severity"].as_str().unwrap_or("")));
        let trace = line["logging.googleapis.com/trace"]
            .as_str()
            .expect("trace");
        let id = trace
            .strip_prefix("projects/shop-prod/traces/")
            .expect("the resource name form");
        assert!(is_lower_hex(id, 32), "{trace}");
        let span = line["logging.googleapis.com/spanId"]
            .as_str()
            .expect("spanId");
        assert!(is_lower_hex(span, 16), "{span}");
        let location = line["logging.googleapis.com/sourceLocation"]
            .as_object()
            .expect("an object");
        let mut keys: Vec<&str> = location.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["file", "function", "line"], "{line}");
        assert_eq!(location["file"], "tests/logging/schemas.rs");
        let number = location["line"]
            .as_str()
            .expect("int64 is a string in JSON");
        assert!(decimal_u64(number).is_some_and(|n| n > 0), "{number}");
        assert_eq!(location["function"], "logging::schemas", "the target");
        assert!(line["time"].as_str().is_some_and(|t| t.ends_with('Z')));
    }
}

#[test]
fn datadog_keys_in_datadogs_documented_form() {
    let (_, line) = one_line_with_trace(Schema::Datadog, None);
    let trace = TraceContext::parse_traceparent(TRACEPARENT).expect("valid");
    let low = u64::from_str_radix(&trace.trace_id()[16..], 16).expect("hex");
    let span = u64::from_str_radix(trace.span_id(), 16).expect("hex");
    assert_eq!(
        decimal_u64(line["dd.trace_id"].as_str().expect("a string")),
        Some(low)
    );
    assert_eq!(
        decimal_u64(line["dd.span_id"].as_str().expect("a string")),
        Some(span)
    );
    assert_eq!(line["dd.service"], "order-service");
    assert_eq!(line["dd.version"], "0.1.0");
    assert_eq!(line["dd.env"], "staging");
    assert_eq!(line["service"], "order-service");
    assert_eq!(line["logger.name"], "logging::schemas");
    // Without DD_ENV (or with it empty), no dd.env.
    let (lines, builder) = capture();
    with_logs(
        builder
            .schema(Schema::Datadog)
            .datadog_env(Some(String::new())),
        || {
            tracing::info!("no env");
        },
    );
    assert!(parsed(&lines)[0].get("dd.env").is_none());
}

#[test]
fn a_message_field_of_any_type_is_a_string() {
    for schema in crate::SCHEMAS {
        let (lines, builder) = capture();
        with_logs(builder.schema(schema), || {
            tracing::info!(message = 5);
            tracing::info!(message = true);
            tracing::info!(message = 2.5);
            tracing::info!(message = f64::NAN);
            tracing::info!(message = ?vec![1, 2]);
        });
        let messages: Vec<Value> = parsed(&lines)
            .iter()
            .map(|l| l["message"].clone())
            .collect();
        assert_eq!(
            messages,
            ["5", "true", "2.5", "NaN", "[1, 2]"],
            "{schema:?}"
        );
    }
}
