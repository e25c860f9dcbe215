//! What a request exports: examples/web (its `/quote` handler calls an
//! `#[instrument]`ed function) and the trace-service fixture, under an endpoint.

use std::time::Duration;

use crate::helpers::{
    Call, Callbacks, header, int, line, request, span, start, text, traced, wait_lines, wait_trace,
};
use crate::support::otlp::{Behaviour, Protocol, Receiver, SpanKind, SpanStatus};

const CALLER_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

#[test]
fn a_request_is_a_server_span_with_the_http_conventions_and_lines_carry_the_exported_ids() {
    let receiver = Receiver::start(Protocol::HttpProtobuf, Behaviour::Accept);
    let web = start(
        "web",
        &receiver,
        "http/protobuf",
        &[
            ("SERVICE_NAME", "quotes"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "deployment.environment.name=test,team=core%2Cpay",
            ),
        ],
        true,
    );
    let traceparent = format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01");
    let answer = request(
        web.port,
        "GET",
        "/quote?items=2",
        &[
            ("x-correlation-id", "otel-quote"),
            ("traceparent", &traceparent),
            ("tracestate", "congo=t61rcWkgMzE"),
            ("user-agent", "otel-test/1.0"),
        ],
        None,
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("x-correlation-id"), Some("otel-quote"));

    let spans = wait_trace(&receiver, CALLER_TRACE, 2);
    let server = span(&spans, "GET /quote");
    assert_eq!(server.kind, SpanKind::Server);
    assert_eq!(server.parent_span_id.as_deref(), Some(CALLER_SPAN));
    assert_eq!(server.scope_name, "twelve");
    assert_eq!(server.status, SpanStatus::Unset);
    assert_eq!(text(server, "http.request.method"), "GET");
    assert_eq!(text(server, "url.path"), "/quote");
    assert_eq!(text(server, "url.scheme"), "http");
    assert_eq!(text(server, "http.route"), "/quote");
    assert_eq!(int(server, "http.response.status_code"), 200);
    assert_eq!(text(server, "server.address"), "127.0.0.1");
    assert_eq!(int(server, "server.port"), i64::from(web.port));
    assert_eq!(text(server, "user_agent.original"), "otel-test/1.0");
    assert!(!server.attributes.contains_key("error.type"));
    assert!(server.end_unix_nanos >= server.start_unix_nanos);
    assert_eq!(server.trace_state, "congo=t61rcWkgMzE");
    assert_eq!(server.flags & 0xff, 0x01, "sampled, as the caller was");

    // The `#[instrument]`ed function: a child of the server span.
    let price = span(&spans, "price");
    assert_eq!(price.kind, SpanKind::Internal);
    assert_eq!(
        price.parent_span_id.as_deref(),
        Some(server.span_id.as_str())
    );
    assert_eq!(price.scope_name, "quotes");
    // `#[instrument]` records its arguments with `Debug`.
    assert_eq!(price.attributes["items"].as_str(), Some("2"), "{price:#?}");

    // The resource.
    for exported in [server, price] {
        let resource = &exported.resource;
        assert_eq!(resource["service.name"].as_str(), Some("quotes"));
        assert_eq!(resource["service.version"].as_str(), Some("0.1.0"));
        let instance = resource["service.instance.id"].as_str().unwrap_or_default();
        assert_eq!(instance.len(), 36, "a UUID: {instance}");
        assert_eq!(resource["telemetry.sdk.language"].as_str(), Some("rust"));
        assert_eq!(
            resource["telemetry.sdk.name"].as_str(),
            Some("opentelemetry")
        );
        assert!(resource["telemetry.sdk.version"].as_str().is_some());
        assert_eq!(
            resource["deployment.environment.name"].as_str(),
            Some("test")
        );
        assert_eq!(
            resource["team"].as_str(),
            Some("core,pay"),
            "percent-decoded"
        );
    }

    // Log lines name the exported spans: the request line the server span, the line
    // logged inside `price` the `price` span.
    let lines = wait_lines(&web, "otel-quote", "request finished");
    let finished = line(&lines, "request finished");
    assert_eq!(finished["trace_id"], CALLER_TRACE);
    assert_eq!(finished["span_id"], server.span_id.as_str());
    let computed = line(&lines, "quote computed");
    assert_eq!(computed["trace_id"], CALLER_TRACE);
    assert_eq!(computed["span_id"], price.span_id.as_str());

    // An unmatched request: a span named by its method alone, no route.
    let call = Call::get("/nowhere", "otel-404");
    let (lines, spans) = traced(&web, &receiver, call, 404, "trace_id", 1);
    let finished = line(&lines, "request finished");
    let unmatched = &spans[0];
    assert_eq!(unmatched.name, "GET");
    assert_eq!(unmatched.kind, SpanKind::Server);
    assert_eq!(unmatched.parent_span_id, None, "a new trace");
    assert_eq!(finished["span_id"], unmatched.span_id.as_str());
    assert_eq!(int(unmatched, "http.response.status_code"), 404);
    assert!(!unmatched.attributes.contains_key("http.route"));
    assert_eq!(
        unmatched.status,
        SpanStatus::Unset,
        "a 4xx is the client's error"
    );
}

#[test]
fn otel_service_name_wins_and_the_ecs_lines_name_the_scope_and_the_child_span() {
    let receiver = Receiver::start(Protocol::HttpProtobuf, Behaviour::Accept);
    let web = start(
        "web",
        &receiver,
        "http/protobuf",
        &[
            ("SERVICE_NAME", "quotes"),
            ("OTEL_SERVICE_NAME", "quotes-otel"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "service.name=ignored,service.version=9",
            ),
            ("LOG_SCHEMA", "ecs"),
        ],
        true,
    );
    let call = Call::get("/quote?items=1", "otel-ecs");
    let (lines, spans) = traced(&web, &receiver, call, 200, "trace.id", 2);
    let computed = line(&lines, "quote computed");
    let server = span(&spans, "GET /quote");
    let price = span(&spans, "price");
    assert_eq!(
        server.resource["service.name"].as_str(),
        Some("quotes-otel")
    );
    assert_eq!(server.resource["service.version"].as_str(), Some("9"));
    assert_eq!(computed["transaction.id"], server.span_id.as_str());
    assert_eq!(computed["span.id"], price.span_id.as_str());
    let finished = line(&lines, "request finished");
    assert_eq!(finished["transaction.id"], server.span_id.as_str());
    assert!(finished.get("span.id").is_none(), "{finished}");
}

#[test]
fn a_5xx_is_an_error_and_a_failed_call_a_failed_client_span() {
    let receiver = Receiver::start(Protocol::HttpProtobuf, Behaviour::Accept);
    let service = start("trace-service", &receiver, "http/protobuf", &[], true);
    // A call to a port nobody listens on: the service answers 502.
    let closed = crate::support::process::free_port();
    let body = format!(r#"[{{"url": "http://127.0.0.1:{closed}/x", "arguments": []}}]"#);
    let call = Call {
        method: "POST",
        path: "/test",
        id: "otel-502",
        body: Some(&body),
    };
    let (_, spans) = traced(&service, &receiver, call, 502, "trace_id", 2);
    let server = span(&spans, "POST /test");
    assert_eq!(int(server, "http.response.status_code"), 502);
    assert_eq!(text(server, "error.type"), "502");
    assert!(matches!(server.status, SpanStatus::Error(_)), "{server:#?}");
    let client = span(&spans, "POST");
    assert_eq!(client.kind, SpanKind::Client);
    assert_eq!(
        client.parent_span_id.as_deref(),
        Some(server.span_id.as_str())
    );
    assert_eq!(text(client, "error.type"), "_OTHER");
    assert!(matches!(client.status, SpanStatus::Error(_)));
    assert!(!client.attributes.contains_key("http.response.status_code"));
}

#[test]
fn a_client_span_per_call_each_sent_as_the_callees_parent() {
    let receiver = Receiver::start(Protocol::HttpProtobuf, Behaviour::Accept);
    let service = start("trace-service", &receiver, "http/protobuf", &[], true);
    let callbacks = Callbacks::start();
    let url = format!("{}?sig=secret&page=2", callbacks.url());
    let body =
        format!(r#"[{{"url": "{url}", "arguments": []}}, {{"url": "{url}", "arguments": []}}]"#);
    let traceparent = format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01");
    let answer = request(
        service.port,
        "POST",
        "/test",
        &[("traceparent", &traceparent)],
        Some(&body),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let spans = wait_trace(&receiver, CALLER_TRACE, 3);
    let server = span(&spans, "POST /test");
    let clients: Vec<_> = spans
        .iter()
        .filter(|s| s.kind == SpanKind::Client)
        .collect();
    assert_eq!(clients.len(), 2, "{spans:#?}");
    let received = callbacks.received();
    assert_eq!(received.len(), 2);
    for client in &clients {
        assert_eq!(client.name, "POST");
        assert_eq!(
            client.parent_span_id.as_deref(),
            Some(server.span_id.as_str())
        );
        assert_eq!(text(client, "http.request.method"), "POST");
        assert_eq!(text(client, "server.address"), "127.0.0.1");
        assert_eq!(int(client, "server.port"), i64::from(callbacks.port));
        assert_eq!(
            text(client, "url.full"),
            format!(
                "http://127.0.0.1:{}/callback?sig=REDACTED&page=REDACTED",
                callbacks.port
            )
        );
        assert_eq!(int(client, "http.response.status_code"), 200);
    }
    // Each call names its own client span as the parent, in the caller's trace.
    let sent: Vec<&str> = received
        .iter()
        .map(|h| header(h, "traceparent").expect("traceparent"))
        .collect();
    let mut exported: Vec<String> = clients
        .iter()
        .map(|c| format!("00-{CALLER_TRACE}-{}-01", c.span_id))
        .collect();
    let mut sent_sorted: Vec<String> = sent.iter().map(|s| s.to_string()).collect();
    exported.sort();
    sent_sorted.sort();
    assert_eq!(sent_sorted, exported);
    drop(service);
    std::thread::sleep(Duration::from_millis(10));
}
