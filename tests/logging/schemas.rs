//! The log schemas (`default`, `ecs`, `gcp`, `datadog`) and the keys fields may
//! override.

use serde_json::Value;
use twelve::correlation::{self, Context, CorrelationId, TraceContext};
use twelve::log::Schema;

use crate::{TRACEPARENT, capture, current_thread, first_keys, parsed, with_logs};

fn one_line_with_trace(schema: Schema, project: Option<&str>) -> (String, Value) {
    let (lines, builder) = capture();
    let builder = builder
        .schema(schema)
        .gcp_project(project.map(String::from))
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
