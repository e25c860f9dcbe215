//! Request lines of `twelve::http::CorrelationLayer` under each schema: the names of
//! DESIGN's table (the default one is OpenTelemetry's semantic conventions), Cloud
//! Logging's `httpRequest` object, durations in integer nanoseconds for ECS and
//! Datadog, and the trace keys of the request's scope.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use axum::routing::post;
use serde_json::Value;
use tower::{Layer as _, ServiceExt as _};
use twelve::http::CorrelationLayer;
use twelve::log::Schema;

use crate::{SCHEMAS, TRACEPARENT, capture, current_thread, ecs_spec, parsed, raw, with_logs};

/// The lines of one `POST /orders/7?token=t` answered 201 after about 2 ms, and of
/// one request whose inner service fails, under `schema`.
fn request_lines(schema: Schema) -> (String, Vec<Value>) {
    let (lines, builder) = capture();
    with_logs(builder.schema(schema), || {
        current_thread().block_on(async {
            let router = Router::new()
                .route(
                    "/orders/{id}",
                    post(|| async {
                        std::thread::sleep(std::time::Duration::from_millis(2));
                        StatusCode::CREATED
                    }),
                )
                .layer(CorrelationLayer::default());
            let request = Request::post("/orders/7?token=t")
                .header("x-correlation-id", "req-1")
                .header("traceparent", TRACEPARENT)
                .body(Body::empty())
                .expect("request");
            let response = router.oneshot(request).await.expect("infallible");
            assert_eq!(response.status(), StatusCode::CREATED);

            let failing =
                CorrelationLayer::default().layer(tower::service_fn(|_: Request<Body>| async {
                    Err::<Response<Body>, _>(std::io::Error::other("db down"))
                }));
            let request = Request::get("/fail")
                .header("x-correlation-id", "req-2")
                .body(Body::empty())
                .expect("request");
            assert!(failing.oneshot(request).await.is_err());
        });
    });
    (raw(&lines), parsed(&lines))
}

fn finished(lines: &[Value]) -> &Value {
    lines
        .iter()
        .find(|l| l["message"] == "request finished")
        .expect("a request finished line")
}

fn failed(lines: &[Value]) -> &Value {
    lines
        .iter()
        .find(|l| l["message"] == "request failed")
        .expect("a request failed line")
}

/// The duration of the line in nanoseconds, read the schema's way.
fn nanos(schema: Schema, line: &Value) -> u64 {
    match schema {
        Schema::Ecs => line["event.duration"].as_u64().expect("integer ns"),
        Schema::Datadog => line["duration"].as_u64().expect("integer ns"),
        Schema::Gcp => {
            let text = line["httpRequest"]["latency"].as_str().expect("text");
            let secs = text.strip_suffix('s').expect("ends with s");
            let (whole, frac) = secs.split_once('.').expect("six decimals");
            assert_eq!(frac.len(), 6, "{text}");
            whole.parse::<u64>().expect("digits") * 1_000_000_000
                + frac.parse::<u64>().expect("digits") * 1000
        }
        _ => {
            let ms = line["duration_ms"].as_f64().expect("a number");
            (ms * 1e6).round() as u64
        }
    }
}

#[test]
fn each_schema_names_the_request_line_its_way() {
    for schema in SCHEMAS {
        let (_, lines) = request_lines(schema);
        let line = finished(&lines);
        let (method, path, status) = match schema {
            Schema::Gcp => {
                let http = line["httpRequest"].as_object().expect("a nested object");
                let mut keys: Vec<&str> = http.keys().map(String::as_str).collect();
                keys.sort_unstable();
                assert_eq!(keys, ["latency", "requestMethod", "requestUrl", "status"]);
                (&http["requestMethod"], &http["requestUrl"], &http["status"])
            }
            Schema::Datadog => (
                &line["http.method"],
                &line["http.url_details.path"],
                &line["http.status_code"],
            ),
            _ => (
                &line["http.request.method"],
                &line["url.path"],
                &line["http.response.status_code"],
            ),
        };
        assert_eq!(method, "POST", "{schema:?}: {line}");
        assert_eq!(path, "/orders/7", "{schema:?}: no query string: {line}");
        assert_eq!(status, 201, "{schema:?}: an integer: {line}");
        assert_eq!(line["http.route"], "/orders/{id}", "{schema:?}: {line}");
        let ns = nanos(schema, line);
        assert!(
            (2_000_000..60_000_000_000).contains(&ns),
            "{schema:?}: {ns} ns: {line}"
        );
        // Measured to the microsecond.
        assert_eq!(ns % 1000, 0, "{schema:?}: {line}");
        // No other schema's names.
        let text = line.to_string();
        for name in [
            "\"http.method\"",
            "\"http.path\"",
            "\"http.status\"",
            "\"http.status_code\"",
            "\"http.request.method\"",
            "\"url.path\"",
            "\"duration_ms\"",
            "\"event.duration\"",
            "\"duration\"",
            "\"requestMethod\"",
        ] {
            let own = match schema {
                Schema::Default => {
                    ["\"http.request.method\"", "\"url.path\"", "\"duration_ms\""].contains(&name)
                }
                Schema::Ecs => [
                    "\"http.request.method\"",
                    "\"url.path\"",
                    "\"event.duration\"",
                ]
                .contains(&name),
                Schema::Gcp => name == "\"requestMethod\"",
                _ => ["\"http.method\"", "\"http.status_code\"", "\"duration\""].contains(&name),
            };
            assert_eq!(text.contains(name), own, "{schema:?}: {name} in {text}");
        }
    }
}

#[test]
fn the_scope_ids_are_on_the_request_line_under_each_schema() {
    for schema in SCHEMAS {
        let (_, lines) = request_lines(schema);
        let line = finished(&lines);
        let (trace, span) = match schema {
            Schema::Default => ("trace_id", "span_id"),
            Schema::Ecs => ("trace.id", "transaction.id"),
            Schema::Gcp => (
                "logging.googleapis.com/trace",
                "logging.googleapis.com/spanId",
            ),
            _ => ("dd.trace_id", "dd.span_id"),
        };
        assert!(line[trace].is_string(), "{schema:?}: {line}");
        assert!(line[span].is_string(), "{schema:?}: {line}");
        assert_eq!(line["correlation_id"], "req-1", "{schema:?}: {line}");
    }
}

#[test]
fn a_failed_request_names_its_error_per_schema() {
    for schema in SCHEMAS {
        let (_, lines) = request_lines(schema);
        let line = failed(&lines);
        let key = if schema == Schema::Ecs {
            "error.message"
        } else {
            "error"
        };
        assert_eq!(line[key], "db down", "{schema:?}: {line}");
        if schema == Schema::Ecs {
            assert!(line.get("error").is_none(), "{line}");
        }
    }
}

#[test]
fn ecs_request_lines_conform_to_the_spec() {
    let spec = ecs_spec::spec();
    let (text, _) = request_lines(Schema::Ecs);
    assert_eq!(text.lines().count(), 2, "{text}");
    for line in text.lines() {
        assert_eq!(
            ecs_spec::violations(&spec, line),
            Vec::<String>::new(),
            "{line}"
        );
    }
}

#[test]
fn a_field_recorded_twice_is_one_key_in_the_nested_object_too() {
    // The same request field twice in one event: the later value wins, in GCP's
    // `httpRequest` object as at the top level (found by the unique-keys proptest).
    let (lines, builder) = capture();
    with_logs(builder.schema(Schema::Gcp), || {
        tracing::info!(
            target: "twelve::http",
            duration_ms = 1.5,
            http.request.method = "GET",
            duration_ms = 2.5,
            "request finished"
        );
    });
    let text = raw(&lines);
    let line = crate::strict::parse(text.trim_end()).expect("no key twice");
    assert_eq!(line["httpRequest"]["latency"], "0.002500s", "{text}");
    assert_eq!(line["httpRequest"]["requestMethod"], "GET", "{text}");
}
