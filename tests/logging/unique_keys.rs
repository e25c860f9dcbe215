//! No line holds a key twice, under any schema, whatever the fields are named, and
//! `message` is always a string: a property test over field names (every schema's own
//! keys among them), values of every type, spans, the kinds of lines twelve writes
//! itself (request, panic, configuration), inside and outside a traced scope. Every
//! line is read with a parser that rejects a repeated key.

use proptest::prelude::*;
use serde_json::Value;
use tracing::Level;
use tracing::field::{DebugValue, Value as TracingValue, debug};
use twelve::correlation::{self, Context, CorrelationId, TraceContext};
use twelve::log::Schema;

use crate::{SCHEMAS, TRACEPARENT, capture, current_thread, dynamic, strict, with_logs};

/// Every key some schema writes itself or renames to, and names built on them.
const KNOWN: &[&str] = &[
    "timestamp",
    "level",
    "message",
    "target",
    "service",
    "version",
    "release",
    "correlation_id",
    "trace_id",
    "span_id",
    "@timestamp",
    "log.level",
    "ecs.version",
    "log.logger",
    "service.name",
    "service.version",
    "event.dataset",
    "labels.release",
    "log.origin.file.name",
    "log.origin.file.line",
    "trace.id",
    "span.id",
    "transaction.id",
    "severity",
    "time",
    "logging.googleapis.com/trace",
    "logging.googleapis.com/spanId",
    "logging.googleapis.com/sourceLocation",
    "logging.googleapis.com/trace_sampled",
    "httpRequest",
    "status",
    "logger.name",
    "dd.service",
    "dd.version",
    "dd.env",
    "dd.trace_id",
    "dd.span_id",
    "fields.level",
    "fields.message",
    "fields.timestamp",
    "fields.@timestamp",
    "fields.ecs.version",
    "fields.severity",
    "fields.status",
    "fields.httpRequest",
    "fields.log.origin.file.line",
    "error",
    "error.message",
    "error.type",
    "error.stack_trace",
    "errors",
    "warnings",
    "panic.message",
    "panic.location",
    "panic.backtrace",
    "http.request.method",
    "url.path",
    "http.route",
    "http.response.status_code",
    "duration_ms",
    "http.method",
    "http.status_code",
    "http.url_details.path",
    "duration",
    "event.duration",
    "requestMethod",
    "latency",
    "",
];

/// The targets of the lines each schema renames fields of, and a plain one.
const TARGETS: &[&str] = &[
    "orders::api",
    "twelve::http",
    "twelve::panic",
    "twelve::config",
];

#[derive(Debug, Clone)]
enum Val {
    Str(String),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    Debug(Vec<u8>),
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(KNOWN).prop_map(String::from),
        1 => "[a-z_.@/]{1,12}",
        1 => any::<String>(),
    ]
}

fn value() -> impl Strategy<Value = Val> {
    prop_oneof![
        any::<String>().prop_map(Val::Str),
        "[0-9.]{0,8}(\n[a-z: ]{0,8}){0,3}".prop_map(Val::Str),
        any::<i64>().prop_map(Val::I64),
        any::<u64>().prop_map(Val::U64),
        any::<f64>().prop_map(Val::F64),
        prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(2.404)].prop_map(Val::F64),
        any::<bool>().prop_map(Val::Bool),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(Val::Debug),
    ]
}

/// Fields of an event or a span: names and values, in order.
type Fields = Vec<(String, Val)>;

fn fields(max: usize) -> impl Strategy<Value = Fields> {
    proptest::collection::vec((name(), value()), 0..max)
}

/// Calls `f` with the fields' values as `tracing` takes them.
fn with_values<R>(
    fields: &[(String, Val)],
    f: impl FnOnce(&[Option<&dyn TracingValue>]) -> R,
) -> R {
    let debugs: Vec<DebugValue<&Vec<u8>>> = fields
        .iter()
        .filter_map(|(_, v)| match v {
            Val::Debug(bytes) => Some(debug(bytes)),
            _ => None,
        })
        .collect();
    let mut next_debug = debugs.iter();
    let values: Vec<Option<&dyn TracingValue>> = fields
        .iter()
        .map(|(_, v)| {
            Some(match v {
                Val::Str(s) => s as &dyn TracingValue,
                Val::I64(n) => n,
                Val::U64(n) => n,
                Val::F64(n) => n,
                Val::Bool(b) => b,
                Val::Debug(_) => next_debug.next().expect("one per Debug value"),
            })
        })
        .collect();
    f(&values)
}

fn names(fields: &[(String, Val)]) -> Vec<String> {
    fields.iter().map(|(n, _)| n.clone()).collect()
}

/// The one line of an event with `event` fields inside spans with `spans`' fields.
fn one_line(
    schema: Schema,
    target: &'static str,
    traced: bool,
    spans: &[Fields],
    event: &[(String, Val)],
) -> Result<Value, String> {
    let (lines, builder) = capture();
    let builder = builder
        .schema(schema)
        .release(Some("r1".into()))
        .gcp_project(Some("shop".into()))
        .datadog_env(Some("prod".into()));
    let id = CorrelationId::parse("c-1").expect("valid");
    // Every scope is a span; `traced` says whether it continues an incoming trace.
    let context = match traced {
        true => Context {
            id,
            trace: TraceContext::parse_traceparent(TRACEPARENT).expect("valid"),
        },
        false => Context::new(id),
    };
    with_logs(builder, || {
        current_thread().block_on(correlation::scope_context(context, async {
            // Each span is made inside the ones before it.
            let mut entered = Vec::new();
            for fields in spans {
                let meta = dynamic::callsite(true, "spans", Level::INFO, &names(fields));
                let span = with_values(fields, |values| dynamic::span(meta, values));
                entered.push(span.entered());
            }
            let meta = dynamic::callsite(false, target, Level::ERROR, &names(event));
            with_values(event, |values| dynamic::event(meta, values));
            while let Some(span) = entered.pop() {
                drop(span);
            }
        }));
    });
    let text = String::from_utf8(lines.lock().expect("lock").clone()).map_err(|e| e.to_string())?;
    let mut all = strict::lines(&text)?;
    if all.len() != 1 {
        return Err(format!("{} lines: {text}", all.len()));
    }
    Ok(all.remove(0))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn every_line_has_unique_keys_and_a_string_message(
        schema in proptest::sample::select(&SCHEMAS[..]),
        target in proptest::sample::select(TARGETS),
        traced in any::<bool>(),
        spans in proptest::collection::vec(fields(4), 0..3),
        event in fields(7),
    ) {
        let line = one_line(schema, target, traced, &spans, &event);
        let line = match line {
            Ok(line) => line,
            Err(error) => return Err(TestCaseError::fail(error)),
        };
        prop_assert!(line["message"].is_string(), "{}", line);
        // The schema's own head keys are its own, whatever the fields.
        let (level, want) = match schema {
            Schema::Ecs => ("log.level", "error"),
            Schema::Gcp => ("severity", "ERROR"),
            Schema::Datadog => ("status", "error"),
            _ => ("level", "error"),
        };
        prop_assert_eq!(&line[level], want, "{}", line);
        if schema == Schema::Ecs {
            prop_assert_eq!(&line["ecs.version"], "8.11.0", "{}", line);
        }
    }
}

/// The same on chosen cases: a span field, an event field and a key of the line that
/// share a name, the `fields.` names that a reserved key's field is written under, and
/// non-string messages.
#[test]
fn chosen_collisions_under_every_schema() {
    let s = |k: &str, v: &str| (k.to_string(), Val::Str(v.to_string()));
    let cases: Vec<(Vec<Fields>, Fields)> = vec![
        (
            vec![vec![s("level", "a"), s("fields.level", "b")]],
            vec![s("level", "c"), s("fields.level", "d"), s("level", "e")],
        ),
        (
            vec![vec![s("ecs.version", "1"), s("severity", "x")]],
            vec![
                s("@timestamp", "t"),
                s("httpRequest", "h"),
                s("status", "s"),
            ],
        ),
        (
            vec![],
            vec![("message".into(), Val::I64(5)), s("dd.trace_id", "1")],
        ),
        (
            vec![vec![("message".into(), Val::Bool(true))]],
            vec![("message".into(), Val::F64(f64::NAN))],
        ),
        (
            vec![],
            vec![
                ("service".into(), Val::U64(7)),
                ("trace_id".into(), Val::Bool(false)),
                s("error", "e"),
                s("error.message", "m"),
                s("log.origin.file.line", "12"),
            ],
        ),
    ];
    for schema in SCHEMAS {
        for target in TARGETS {
            for (spans, event) in &cases {
                let line = one_line(schema, target, true, spans, event)
                    .unwrap_or_else(|e| panic!("{schema:?} {target}: {e}"));
                assert!(line["message"].is_string(), "{schema:?}: {line}");
            }
        }
    }
    // A later value wins; a field named like a reserved key keeps its value under
    // `fields.`.
    let line = one_line(
        Schema::Default,
        "orders::api",
        false,
        &cases[0].0,
        &cases[0].1,
    )
    .expect("one line");
    assert_eq!(line["level"], "error");
    assert_eq!(line["fields.level"], "e", "{line}");
    let line = one_line(Schema::Default, "orders::api", false, &[], &cases[2].1).expect("one");
    assert_eq!(line["message"], "5");
    let line = one_line(Schema::Datadog, "orders::api", true, &[], &cases[4].1).expect("one");
    assert_eq!(line["service"], "7", "a static key stays text: {line}");
    let line = one_line(Schema::Ecs, "orders::api", true, &[], &cases[4].1).expect("one");
    assert_eq!(line["error.message"], "m", "{line}");
    assert_eq!(line["fields.log.origin.file.line"], "12", "{line}");
    assert!(line["log.origin.file.line"].is_u64(), "{line}");
}
