//! The three OTLP protocols, each against a receiver that takes only its own encoding
//! (so a span arriving proves the exporter spoke it).

use crate::helpers::{Call, SCHEDULE_DELAY, span, traced};
use crate::support::otlp::{Behaviour, Protocol, Receiver, SpanKind};
use crate::support::process::Proc;

fn exports_over(protocol: Protocol, name: &str, per_signal: bool) {
    exports_compressed(protocol, name, per_signal, false);
}

/// With `gzip`, `OTEL_EXPORTER_OTLP_COMPRESSION=gzip`: the receiver sees the body's
/// encoding in its headers (and decodes it).
fn exports_compressed(protocol: Protocol, name: &str, per_signal: bool, gzip: bool) {
    let receiver = Receiver::start(protocol, Behaviour::Accept);
    let endpoint = receiver.endpoint();
    let traces_endpoint = match protocol {
        Protocol::Grpc => endpoint.clone(),
        _ => format!("{endpoint}/v1/traces"),
    };
    // Per signal: the generic variables point elsewhere, the traces ones win.
    let other = if name == "grpc" { "http/json" } else { "grpc" };
    let mut vars: Vec<(&str, &str)> = if per_signal {
        vec![
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                traces_endpoint.as_str(),
            ),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", name),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-tenant=t%201"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", other),
            ("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=generic"),
        ]
    } else {
        vec![
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", name),
            ("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=t%201"),
        ]
    };
    vars.push(("OTEL_BSP_SCHEDULE_DELAY", SCHEDULE_DELAY));
    if gzip {
        vars.push(("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"));
    }
    let mut service = Proc::start("web", &vars);
    service.wait_ready();
    let call = Call::get("/quote?items=1", "over-protocol");
    let (_, spans) = traced(&service, &receiver, call, 200, "trace_id", 2);
    let server = span(&spans, "GET /quote");
    assert_eq!(server.kind, SpanKind::Server);
    assert_eq!(
        span(&spans, "price").parent_span_id.as_deref(),
        Some(server.span_id.as_str())
    );
    // The headers of the variable went with the export.
    let tenant = server
        .headers
        .iter()
        .find(|(n, _)| n == "x-tenant")
        .map(|(_, v)| v.as_str());
    assert_eq!(tenant, Some("t 1"), "{:?}", server.headers);
    let encoding = match protocol {
        Protocol::Grpc => "grpc-encoding",
        _ => "content-encoding",
    };
    let sent = server
        .headers
        .iter()
        .find(|(n, _)| n == encoding)
        .map(|(_, v)| v.as_str());
    if gzip {
        assert_eq!(sent, Some("gzip"), "{:?}", server.headers);
    } else {
        assert_ne!(sent, Some("gzip"), "{:?}", server.headers);
    }
}

#[test]
fn http_protobuf() {
    exports_over(Protocol::HttpProtobuf, "http/protobuf", false);
}

#[test]
fn http_json() {
    exports_over(Protocol::HttpJson, "http/json", false);
}

#[test]
fn grpc() {
    exports_over(Protocol::Grpc, "grpc", false);
}

#[test]
fn the_traces_variables_win_over_the_generic_ones() {
    exports_over(Protocol::HttpJson, "http/json", true);
    exports_over(Protocol::Grpc, "grpc", true);
}

#[test]
fn gzip_compression_over_http_and_grpc() {
    exports_compressed(Protocol::HttpProtobuf, "http/protobuf", false, true);
    exports_compressed(Protocol::Grpc, "grpc", false, true);
}
