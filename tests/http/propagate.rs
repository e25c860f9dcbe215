//! `PropagateCorrelationLayer` and `outgoing_headers`: the ID and the trace context on
//! outgoing requests, from one service to the next.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, Request, Response, StatusCode};
use axum::routing::get;
use http_body_util::Empty;
use hyper_util::rt::TokioIo;
use tower::{Layer as _, ServiceExt as _};
use twelve::correlation::{self, Context, CorrelationId};
use twelve::http::{CorrelationLayer, PropagateCorrelationLayer};

use crate::capture::{captured, lines_of, messages};
use crate::service::{Client, app, serve, value};

#[tokio::test]
async fn propagate_puts_the_current_id_on_outgoing_requests() {
    let sent: Arc<Mutex<Vec<HeaderMap>>> = Arc::default();
    let record = sent.clone();
    let client = tower::service_fn(move |request: Request<()>| {
        let record = record.clone();
        async move {
            record.lock().expect("lock").push(request.headers().clone());
            Ok::<_, Infallible>(Response::new(()))
        }
    });
    let client = PropagateCorrelationLayer::default().layer(client);

    // Inside a scope: the ID is added.
    let id = CorrelationId::parse("outgoing-1").expect("valid");
    CorrelationId::scope(id, client.clone().oneshot(Request::new(())))
        .await
        .expect("sent");
    // Outside any scope: nothing is added.
    client
        .clone()
        .oneshot(Request::new(()))
        .await
        .expect("sent");
    // A header already there is kept.
    let id = CorrelationId::parse("outgoing-2").expect("valid");
    let mut request = Request::new(());
    request
        .headers_mut()
        .insert("x-correlation-id", value("set-by-caller"));
    CorrelationId::scope(id.clone(), client.clone().oneshot(request))
        .await
        .expect("sent");
    // Another header name.
    let custom = PropagateCorrelationLayer::new()
        .header(HeaderName::from_static("x-request-id"))
        .layer(client.into_inner());
    CorrelationId::scope(id, custom.oneshot(Request::new(())))
        .await
        .expect("sent");

    let sent = sent.lock().expect("lock");
    assert_eq!(sent.len(), 4);
    assert_eq!(sent[0]["x-correlation-id"], "outgoing-1");
    assert!(sent[1].get("x-correlation-id").is_none());
    assert_eq!(sent[2]["x-correlation-id"], "set-by-caller");
    assert_eq!(sent[3]["x-request-id"], "outgoing-2");
    assert!(sent[3].get("x-correlation-id").is_none());
    // The trace goes out in every request made inside a scope, none outside.
    for (i, headers) in sent.iter().enumerate() {
        assert_eq!(
            headers.contains_key("traceparent"),
            i != 1,
            "{i}: {headers:?}"
        );
        assert!(!headers.contains_key("tracestate"), "{i}: none came in");
    }
}

/// The `traceparent` of `headers`, split: version, trace ID, parent, flags.
fn traceparent(headers: &HeaderMap) -> [String; 4] {
    let value = headers["traceparent"].to_str().expect("ASCII");
    let parts: Vec<&str> = value.split('-').collect();
    assert_eq!(parts.len(), 4, "{value}");
    assert_eq!(value.len(), 55, "{value}");
    [0, 1, 2, 3].map(|i| parts[i].to_owned())
}

#[tokio::test]
async fn each_outgoing_call_carries_the_trace_with_a_parent_of_its_own() {
    let sent: Arc<Mutex<Vec<HeaderMap>>> = Arc::default();
    let record = sent.clone();
    let client = tower::service_fn(move |request: Request<()>| {
        let record = record.clone();
        async move {
            record.lock().expect("lock").push(request.headers().clone());
            Ok::<_, Infallible>(Response::new(()))
        }
    });
    let client = PropagateCorrelationLayer::default().layer(client);
    let incoming = Context::from_headers([
        ("x-correlation-id", "trace-out-1"),
        (
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
        ),
        ("tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"),
    ]);
    let span_id = incoming.trace.span_id().to_owned();
    let call = client.clone();
    let (via_fn_1, via_fn_2) = correlation::scope_context(incoming, async move {
        for _ in 0..3 {
            call.clone().oneshot(Request::new(())).await.expect("sent");
        }
        // A traceparent set by the caller is kept, tracestate left alone with it.
        let mut request = Request::new(());
        request.headers_mut().insert(
            "traceparent",
            value("00-12345678901234567890123456789012-1234567890123456-01"),
        );
        call.oneshot(request).await.expect("sent");
        (
            correlation::outgoing_headers(),
            correlation::outgoing_headers(),
        )
    })
    .await;

    let sent = sent.lock().expect("lock");
    assert_eq!(sent.len(), 4);
    let mut parents = std::collections::HashSet::new();
    for headers in &sent[..3] {
        assert_eq!(headers["x-correlation-id"], "trace-out-1");
        let [version, trace_id, parent, flags] = traceparent(headers);
        assert_eq!(version, "00");
        assert_eq!(trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_ne!(parent, "00f067aa0ba902b7", "not the caller's span");
        assert_ne!(parent, span_id, "a new span ID per call");
        assert_eq!(flags, "00", "the caller's flags");
        assert_eq!(
            headers["tracestate"],
            "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
        );
        parents.insert(parent);
    }
    assert_eq!(parents.len(), 3, "three calls, three parents");
    assert_eq!(
        sent[3]["traceparent"],
        "00-12345678901234567890123456789012-1234567890123456-01"
    );
    assert!(sent[3].get("tracestate").is_none());
    assert_eq!(sent[3]["x-correlation-id"], "trace-out-1");

    // outgoing_headers: the same headers for any other client.
    for headers in [&via_fn_1, &via_fn_2] {
        let pairs: Vec<(&str, &str)> = headers.iter().collect();
        let names: Vec<&str> = pairs.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, ["x-correlation-id", "traceparent", "tracestate"]);
        assert_eq!(pairs[0].1, "trace-out-1");
        assert!(
            pairs[1]
                .1
                .starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-")
        );
        assert!(pairs[1].1.ends_with("-00"));
        assert_eq!(pairs[2].1, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    }
    assert_ne!(via_fn_1.get("traceparent"), via_fn_2.get("traceparent"));
    // The consumer of a message carrying them continues the trace.
    let consumer = Context::from_headers(&via_fn_1);
    assert_eq!(consumer.id.as_str(), "trace-out-1");
    assert_eq!(
        consumer.trace.trace_id(),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    assert_eq!(
        consumer.trace.parent_span_id(),
        via_fn_1.get("traceparent").map(|t| &t[36..52])
    );
    assert_eq!(
        consumer.trace.tracestate(),
        Some("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
    );
    assert!(
        correlation::outgoing_headers().is_empty(),
        "outside any scope"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_travels_from_one_service_to_the_next() {
    captured();
    // Downstream: a plain router with the layer.
    let downstream = serve(app()).await;
    // Upstream: its handler calls downstream with a propagating hyper client.
    let upstream = Router::new()
        .route(
            "/call",
            get(move || async move {
                // A one-connection-per-request hyper client, as a tower service.
                let client = tower::service_fn(move |request: Request<Empty<Bytes>>| async move {
                    let stream = tokio::net::TcpStream::connect(downstream).await?;
                    let (mut sender, connection) =
                        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
                    tokio::spawn(connection);
                    Ok::<_, Box<dyn std::error::Error + Send + Sync>>(
                        sender.send_request(request).await?,
                    )
                });
                let client = PropagateCorrelationLayer::default().layer(client);
                let request = Request::get("/work")
                    .header("host", downstream.to_string())
                    .body(Empty::new())
                    .expect("request");
                let response = client.oneshot(request).await.expect("downstream answers");
                response.headers()["x-correlation-id"]
                    .to_str()
                    .unwrap_or_default()
                    .to_owned()
            }),
        )
        .layer(CorrelationLayer::default());
    let mut client = Client::connect(serve(upstream).await).await;
    let answer = client
        .get("/call", &[("x-correlation-id", value("hop-test-1"))])
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, "hop-test-1", "downstream got the same ID");
    let lines = lines_of("hop-test-1");
    // One trace across both services, a span each.
    let traces: std::collections::HashSet<&str> = lines
        .iter()
        .filter_map(|l| l["trace_id"].as_str())
        .collect();
    assert_eq!(traces.len(), 1, "{lines:#?}");
    let spans: std::collections::HashSet<&str> =
        lines.iter().filter_map(|l| l["span_id"].as_str()).collect();
    assert_eq!(spans.len(), 2, "{lines:#?}");
    assert_eq!(
        messages(&lines),
        [
            "handler line",
            "spawned line",
            "request finished",
            "request finished"
        ],
        "downstream's lines, then upstream's: {lines:#?}"
    );
}
