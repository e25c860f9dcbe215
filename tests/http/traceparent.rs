//! Trace context in: every request is a span of this service, in the caller's trace
//! when a valid `traceparent` came in (its flags and valid `tracestate` kept), in a new
//! trace otherwise; its trace and span IDs are on every line of the request.

use axum::http::{HeaderValue, StatusCode};
use serde_json::Value;

use crate::TRACEPARENT;
use crate::capture::{captured, lines_of, messages};
use crate::service::{Answer, Client, app, serve, value};

/// The span the `/trace` handler saw: trace ID, span ID, parent, flags, tracestate.
struct Seen {
    trace_id: String,
    span_id: String,
    parent: String,
    flags: String,
    tracestate: String,
}

fn seen(answer: &Answer) -> Seen {
    assert_eq!(answer.status, StatusCode::OK);
    let parts: Vec<&str> = answer.body.split('\n').collect();
    assert_eq!(parts.len(), 5, "{:?}", answer.body);
    Seen {
        trace_id: parts[0].into(),
        span_id: parts[1].into(),
        parent: parts[2].into(),
        flags: parts[3].into(),
        tracestate: parts[4].into(),
    }
}

fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && text.bytes().any(|b| b != b'0')
}

/// Every line of `lines` carries `trace_id` and `span_id`, the same on all; returns
/// them.
fn one_span(lines: &[Value]) -> (String, String) {
    assert!(!lines.is_empty());
    let trace_id = lines[0]["trace_id"].as_str().unwrap_or_default().to_owned();
    let span_id = lines[0]["span_id"].as_str().unwrap_or_default().to_owned();
    assert!(is_hex(&trace_id, 32), "{}", lines[0]);
    assert!(is_hex(&span_id, 16), "{}", lines[0]);
    for line in lines {
        assert_eq!(line["trace_id"], trace_id.as_str(), "{line}");
        assert_eq!(line["span_id"], span_id.as_str(), "{line}");
    }
    (trace_id, span_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_traceparent_puts_its_trace_and_this_services_span_on_every_line() {
    captured();
    let mut client = Client::connect(serve(app()).await).await;
    let id = "traced-request-1";
    let answer = client
        .get(
            "/work",
            &[
                ("x-correlation-id", value(id)),
                ("traceparent", value(TRACEPARENT)),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let lines = lines_of(id);
    assert_eq!(
        messages(&lines),
        ["handler line", "spawned line", "request finished"]
    );
    let (trace_id, span_id) = one_span(&lines);
    assert_eq!(trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_ne!(
        span_id, "00f067aa0ba902b7",
        "this service's span, not the caller's"
    );

    // The handler sees the caller's span as the parent, and the caller's flags.
    let answer = client
        .get(
            "/trace",
            &[
                ("x-correlation-id", value("traced-request-2")),
                ("traceparent", value(TRACEPARENT)),
            ],
        )
        .await;
    let span = seen(&answer);
    assert_eq!(span.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(span.parent, "00f067aa0ba902b7");
    assert_eq!(span.flags, "01");
    assert_eq!(span.tracestate, "-");
    let (_, line_span) = one_span(&lines_of("traced-request-2"));
    assert_eq!(
        span.span_id, line_span,
        "the lines carry the handler's span"
    );
    assert_ne!(span.span_id, span_id, "a new span per request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_malformed_or_conflicting_traceparent_starts_a_new_trace() {
    captured();
    let mut client = Client::connect(serve(app()).await).await;
    let malformed = [
        "garbage",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        "",
    ];
    let mut traces = std::collections::HashSet::new();
    for (i, traceparent) in malformed.iter().enumerate() {
        let id = format!("bad-traceparent-{i}");
        let answer = client
            .get(
                "/work",
                &[
                    ("x-correlation-id", value(&id)),
                    ("traceparent", value(traceparent)),
                    ("tracestate", value("congo=t61rcWkgMzE")),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{traceparent:?}");
        assert_eq!(answer.id(), id);
        let lines = lines_of(&id);
        assert_eq!(lines.len(), 3, "{traceparent:?}: {lines:#?}");
        let (trace_id, _) = one_span(&lines);
        assert_ne!(
            trace_id, "4bf92f3577b34da6a3ce929d0e0e4736",
            "{traceparent:?}"
        );
        traces.insert(trace_id);
    }
    assert_eq!(traces.len(), malformed.len(), "a new trace each time");

    // What the handler sees of a new trace: no parent, flags 03, no tracestate (one
    // that came without a valid traceparent is dropped).
    let other = value("00-12345678901234567890123456789012-1234567890123456-01");
    let cases: [(&str, Vec<(&str, HeaderValue)>); 4] = [
        ("none", vec![("tracestate", value("congo=t61rcWkgMzE"))]),
        (
            "non-ASCII bytes",
            vec![(
                "traceparent",
                HeaderValue::from_bytes(b"00-\xff\xfe-01").expect("obs-text"),
            )],
        ),
        (
            "two different",
            vec![
                ("traceparent", value(TRACEPARENT)),
                ("traceparent", other.clone()),
            ],
        ),
        (
            "a valid one between two others",
            vec![
                ("traceparent", other.clone()),
                ("traceparent", value(TRACEPARENT)),
                ("traceparent", other),
            ],
        ),
    ];
    for (what, headers) in cases {
        let span = seen(&client.get("/trace", &headers).await);
        assert!(is_hex(&span.trace_id, 32), "{what}");
        assert!(is_hex(&span.span_id, 16), "{what}");
        assert_ne!(span.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736", "{what}");
        assert_ne!(span.trace_id, "12345678901234567890123456789012", "{what}");
        assert_eq!(span.parent, "-", "{what}");
        assert_eq!(span.flags, "03", "{what}: sampled and random");
        assert_eq!(span.tracestate, "-", "{what}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_traceparent_twice_is_one_caller() {
    captured();
    let mut client = Client::connect(serve(app()).await).await;
    let answer = client
        .get(
            "/trace",
            &[
                ("traceparent", value(TRACEPARENT)),
                ("traceparent", value(TRACEPARENT)),
            ],
        )
        .await;
    let span = seen(&answer);
    assert_eq!(span.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(span.parent, "00f067aa0ba902b7");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_are_kept_but_the_undefined_ones() {
    captured();
    let mut client = Client::connect(serve(app()).await).await;
    for (sent, kept) in [
        ("00", "00"),
        ("01", "01"),
        ("02", "02"),
        ("03", "03"),
        ("ff", "03"),
        ("08", "00"),
    ] {
        let traceparent = format!("{}{sent}", &TRACEPARENT[..53]);
        let span = seen(
            &client
                .get("/trace", &[("traceparent", value(&traceparent))])
                .await,
        );
        assert_eq!(span.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736", "{sent}");
        assert_eq!(span.flags, kept, "{sent}");
    }
    // A later version is read as far as version 00 goes.
    let later = format!("cc{}-and-more", &TRACEPARENT[2..]);
    let span = seen(
        &client
            .get("/trace", &[("traceparent", value(&later))])
            .await,
    );
    assert_eq!(span.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(span.parent, "00f067aa0ba902b7");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_tracestate_is_kept_verbatim_an_invalid_one_dropped_whole() {
    captured();
    let mut client = Client::connect(serve(app()).await).await;
    let cases: [(&[&str], &str); 6] = [
        (&["congo=t61rcWkgMzE"], "congo=t61rcWkgMzE"),
        (
            &["rojo=00f067aa0ba902b7, congo=t61rcWkgMzE"],
            "rojo=00f067aa0ba902b7, congo=t61rcWkgMzE",
        ),
        (
            &["foo=1,bar=2", "rojo=1", "baz=3"],
            "foo=1,bar=2,rojo=1,baz=3",
        ),
        (&["foo=1", ""], "foo=1"),
        (&["foo=1", "FOO=1"], "-"),
        (&["foo=1", "foo=2"], "-"),
    ];
    for (sent, kept) in cases {
        let mut headers = vec![("traceparent", value(TRACEPARENT))];
        headers.extend(sent.iter().map(|v| ("tracestate", value(v))));
        let span = seen(&client.get("/trace", &headers).await);
        assert_eq!(span.tracestate, kept, "{sent:?}");
        assert_eq!(
            span.parent, "00f067aa0ba902b7",
            "{sent:?}: the trace goes on"
        );
    }
}
