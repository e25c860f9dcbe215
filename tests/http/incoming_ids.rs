//! Incoming IDs: kept, echoed, the fallback header, new ones, configurable names,
//! hostile values.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::routing::get;
use serde_json::Value;
use twelve::http::CorrelationLayer;

use crate::capture::{all_lines, assert_uuid_v7, captured, lines_of, messages, request_line};
use crate::service::{Client, app, serve, value, work};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valid_incoming_id_is_kept_echoed_and_on_every_line_of_the_request() {
    captured();
    let mut client = Client::connect(serve(app()).await).await;
    let id = "order-svc:req_42.retry-1";
    let answer = client
        .get("/work", &[("x-correlation-id", value(id))])
        .await;

    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.id(), id, "echoed");
    assert_eq!(answer.body, id, "the handler saw it");
    let lines = lines_of(id);
    assert_eq!(
        messages(&lines),
        ["handler line", "spawned line", "request finished"],
        "{lines:#?}"
    );
    // No traceparent: a new trace, the same span on every line (the spawned task's
    // too).
    let (trace_id, span_id) = (&lines[0]["trace_id"], &lines[0]["span_id"]);
    assert_eq!(trace_id.as_str().map(str::len), Some(32), "{}", lines[0]);
    assert_eq!(span_id.as_str().map(str::len), Some(16), "{}", lines[0]);
    for line in &lines {
        assert_eq!(line["service"], "http-tests");
        assert_eq!(&line["trace_id"], trace_id, "{line}");
        assert_eq!(&line["span_id"], span_id, "{line}");
    }

    // A bare `tokio::spawn` does not carry the scope: documented, and true.
    let bare: Vec<Value> = all_lines()
        .into_iter()
        .filter(|l| l["seen_id"] == id)
        .collect();
    assert_eq!(bare.len(), 1, "{bare:#?}");
    assert!(bare[0].get("correlation_id").is_none(), "{}", bare[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_request_id_is_the_fallback() {
    captured();
    let mut client = Client::connect(serve(app()).await).await;
    let id = "fallback-req-1";
    let answer = client.get("/work", &[("x-request-id", value(id))]).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.id(), id, "echoed in x-correlation-id");
    assert_eq!(
        messages(&lines_of(id)),
        ["handler line", "spawned line", "request finished"]
    );

    // Both present: x-correlation-id wins.
    let answer = client
        .get(
            "/work",
            &[
                ("x-correlation-id", value("primary-wins-1")),
                ("x-request-id", value("fallback-loses-1")),
            ],
        )
        .await;
    assert_eq!(answer.id(), "primary-wins-1");
    assert!(lines_of("fallback-loses-1").is_empty());

    // An invalid x-correlation-id with a valid x-request-id: the valid one is used, and
    // the line says a value was rejected, not what it was.
    let answer = client
        .get(
            "/work",
            &[
                ("x-correlation-id", value("not valid!")),
                ("x-request-id", value("fallback-used-1")),
            ],
        )
        .await;
    assert_eq!(answer.id(), "fallback-used-1");
    let line = request_line("fallback-used-1");
    assert_eq!(line["http.correlation_id_rejected"], "bad_character");
    assert_eq!(line["http.correlation_id_rejected_len"], 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_id_is_replaced_by_a_new_uuid_v7() {
    captured();
    let mut client = Client::connect(serve(app()).await).await;
    let first = client.get("/work", &[]).await;
    let second = client.get("/work", &[]).await;
    for answer in [&first, &second] {
        assert_eq!(answer.status, StatusCode::OK);
        assert_uuid_v7(answer.id());
        assert_eq!(answer.body, answer.id(), "the handler ran with the same ID");
        assert_eq!(
            messages(&lines_of(answer.id())),
            ["handler line", "spawned line", "request finished"]
        );
        let line = request_line(answer.id());
        assert!(
            line.get("http.correlation_id_rejected").is_none(),
            "nothing rejected: {line}"
        );
    }
    assert_ne!(first.id(), second.id(), "one ID per request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_names_are_configurable() {
    captured();
    let layer = CorrelationLayer::new()
        .header(HeaderName::from_static("x-trace-tag"))
        .no_fallback_header();
    let router = Router::new().route("/work", get(work)).layer(layer);
    let mut client = Client::connect(serve(router).await).await;

    let answer = client
        .get("/work", &[("x-trace-tag", value("custom-name-1"))])
        .await;
    assert_eq!(answer.headers["x-trace-tag"], "custom-name-1");
    assert!(answer.headers.get("x-correlation-id").is_none());
    assert_eq!(
        request_line("custom-name-1")["http.response.status_code"],
        200
    );

    // No fallback: x-request-id is not read.
    let answer = client
        .get("/work", &[("x-request-id", value("ignored-fallback-1"))])
        .await;
    let id = answer.headers["x-trace-tag"].to_str().expect("ASCII");
    assert_uuid_v7(id);
    assert!(lines_of("ignored-fallback-1").is_empty());

    // Another fallback name.
    let layer = CorrelationLayer::default().fallback_header(HeaderName::from_static("x-amzn-id"));
    let router = Router::new().route("/work", get(work)).layer(layer);
    let mut client = Client::connect(serve(router).await).await;
    let answer = client
        .get("/work", &[("x-amzn-id", value("amzn-fallback-1"))])
        .await;
    assert_eq!(answer.id(), "amzn-fallback-1");
}

// ---------------------------------------------------------------------------------
// Hostile headers.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_ids_are_replaced_never_logged_and_the_service_keeps_serving() {
    captured();
    let mut client = Client::connect(serve(app()).await).await;
    let long = "hostile-".repeat(1250);
    assert_eq!(long.len(), 10_000);
    let cases: Vec<(&str, HeaderValue, &str)> = vec![
        ("10,000 characters", value(&long), "too_long"),
        ("129 characters", value(&"h".repeat(129)), "too_long"),
        (
            "non-ASCII bytes",
            HeaderValue::from_bytes(b"caf\xc3\xa9-\xff\xfe-hostile").expect("obs-text"),
            "not_ascii",
        ),
        ("a tab", value("hostile\tid-with-tab"), "bad_character"),
        (
            "JSON-breaking quotes",
            value(r#"hostile"},{"level":"error","message":"pwned"#),
            "bad_character",
        ),
        ("a backslash", value(r"hostile\u0000id\"), "bad_character"),
        (
            "markup",
            value("<script>alert('hostile')</script>"),
            "bad_character",
        ),
        ("spaces", value("hostile id with spaces"), "bad_character"),
        ("empty", value(""), "empty"),
    ];
    let mut ids = Vec::new();
    for (what, hostile, reason) in &cases {
        for header in ["x-correlation-id", "x-request-id"] {
            let answer = client.get("/work", &[(header, hostile.clone())]).await;
            assert_eq!(answer.status, StatusCode::OK, "{what} in {header}");
            let id = answer.id().to_owned();
            assert_uuid_v7(&id);
            assert_eq!(
                answer.body, id,
                "{what} in {header}: the handler had the new ID"
            );
            let lines = lines_of(&id);
            assert_eq!(
                messages(&lines),
                ["handler line", "spawned line", "request finished"],
                "{what} in {header}"
            );
            let line = request_line(&id);
            assert_eq!(
                line["http.correlation_id_rejected"], *reason,
                "{what} in {header}"
            );
            assert_eq!(
                line["http.correlation_id_rejected_len"],
                hostile.len(),
                "{what}"
            );
            ids.push(id);
        }
    }

    // Still serving, on the same connection.
    let answer = client
        .get("/work", &[("x-correlation-id", value("after-hostile-1"))])
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.id(), "after-hostile-1");

    // No line anywhere holds a hostile value, raw or decoded (every line is JSON:
    // `all_lines` checks that).
    let raw = captured().lock().expect("capture lock").clone();
    let decoded = all_lines();
    for (what, hostile, _) in cases.iter().filter(|(_, v, _)| !v.is_empty()) {
        let bytes = hostile.as_bytes();
        let text = String::from_utf8_lossy(bytes);
        for line in &raw {
            assert!(
                !line.windows(bytes.len()).any(|w| w == bytes),
                "{what} logged raw: {}",
                String::from_utf8_lossy(line)
            );
        }
        for line in &decoded {
            assert!(!holds(line, &text), "{what} logged: {line}");
        }
    }
    assert_eq!(ids.len(), cases.len() * 2);
}

/// Whether any key or string value of `line` contains `text`.
fn holds(line: &Value, text: &str) -> bool {
    match line {
        Value::String(s) => s.contains(text),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains(text) || holds(v, text)),
        Value::Array(items) => items.iter().any(|v| holds(v, text)),
        _ => false,
    }
}
