//! One trace across two processes: the trace-service fixture calling a second one
//! through `PropagateCorrelationLayer`, both exporting to one receiver.

use crate::helpers::{line, request, span, start, text, wait_lines, wait_trace};
use crate::support::otlp::{Behaviour, Protocol, Receiver, SpanKind};

#[test]
fn the_callees_server_span_is_a_child_of_the_callers_client_span() {
    let receiver = Receiver::start(Protocol::HttpProtobuf, Behaviour::Accept);
    let front = start(
        "trace-service",
        &receiver,
        "http/protobuf",
        &[("SERVICE_NAME", "front")],
        true,
    );
    let back = start(
        "trace-service",
        &receiver,
        "http/protobuf",
        &[("SERVICE_NAME", "back")],
        true,
    );
    let body = format!(
        r#"[{{"url": "http://127.0.0.1:{}/test", "arguments": []}}]"#,
        back.port
    );
    let answer = request(
        front.port,
        "POST",
        "/test",
        &[("x-correlation-id", "two-services")],
        Some(&body),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);

    let front_lines = wait_lines(&front, "two-services", "request finished");
    let front_line = line(&front_lines, "request finished");
    let trace_id = front_line["trace_id"]
        .as_str()
        .expect("trace_id")
        .to_owned();
    let spans = wait_trace(&receiver, &trace_id, 3);
    assert_eq!(spans.len(), 3, "{spans:#?}");
    let servers: Vec<_> = spans
        .iter()
        .filter(|s| s.kind == SpanKind::Server)
        .collect();
    let front_server = servers
        .iter()
        .find(|s| s.resource["service.name"].as_str() == Some("front"))
        .expect("front's server span");
    let back_server = servers
        .iter()
        .find(|s| s.resource["service.name"].as_str() == Some("back"))
        .expect("back's server span");
    let client = span(&spans, "POST");
    assert_eq!(client.kind, SpanKind::Client);
    assert_eq!(client.resource["service.name"].as_str(), Some("front"));

    // front's server span starts the trace; its client span is its child; back's
    // server span is the client span's child.
    assert_eq!(front_server.parent_span_id, None);
    assert_eq!(front_server.name, "POST /test");
    assert_eq!(
        client.parent_span_id.as_deref(),
        Some(front_server.span_id.as_str())
    );
    assert_eq!(
        back_server.parent_span_id.as_deref(),
        Some(client.span_id.as_str())
    );
    assert_eq!(
        text(client, "url.full"),
        format!("http://127.0.0.1:{}/test", back.port)
    );

    // Each process has an instance ID of its own.
    assert_ne!(
        front_server.resource["service.instance.id"],
        back_server.resource["service.instance.id"]
    );

    // The lines of each process name its own exported span; back got front's
    // correlation ID.
    assert_eq!(front_line["span_id"], front_server.span_id.as_str());
    let back_lines = wait_lines(&back, "two-services", "request finished");
    let back_line = line(&back_lines, "request finished");
    assert_eq!(back_line["trace_id"], trace_id.as_str());
    assert_eq!(back_line["span_id"], back_server.span_id.as_str());
}
