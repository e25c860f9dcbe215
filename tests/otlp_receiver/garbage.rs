//! What is not a valid export gets a 4xx (gRPC: an error status), its reason is kept,
//! and the receiver carries on.

use std::io::Write as _;
use std::time::Duration;

use bytes::{Buf as _, BufMut as _};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use opentelemetry_sdk::trace::SpanExporter as _;
use prost::Message as _;

use crate::spans::{Setup, assert_batch, batch, exporter};
use crate::support::otlp::{Behaviour, Protocol, Receiver};
use crate::{post, request};

const PROTOBUF: &str = "application/x-protobuf";
const JSON: &str = "application/json";

/// A request of one span with these IDs, kind and status code.
fn one_span(trace_id: &[u8], span_id: &[u8], kind: i32, code: i32) -> Vec<u8> {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: vec![Span {
                    trace_id: trace_id.to_vec(),
                    span_id: span_id.to_vec(),
                    name: "raw".to_owned(),
                    kind,
                    status: Some(Status {
                        code,
                        message: String::new(),
                    }),
                    ..Span::default()
                }],
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    }
    .encode_to_vec()
}

fn valid() -> Vec<u8> {
    one_span(&[0x4b; 16], &[0x0f; 8], 2, 0)
}

/// The reasons `receiver` kept, as `wait_for_spans` shows them.
fn reasons(receiver: &Receiver) -> String {
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        receiver.wait_for_spans(usize::MAX, Duration::ZERO)
    }))
    .expect_err("never that many spans");
    panic
        .downcast_ref::<String>()
        .cloned()
        .expect("a formatted message")
}

#[test]
fn bytes_that_are_not_protobuf_get_400_and_the_receiver_carries_on() {
    let receiver = Receiver::start(Protocol::HttpProtobuf, Behaviour::Accept);
    for garbage in [
        &b"\xff\xff\xff\xff garbage"[..],
        b"\x0a\x05\x0a",
        &[0x0a; 64],
    ] {
        let answer = post(receiver.port(), PROTOBUF, garbage);
        assert_eq!(answer.status, 400, "{garbage:?}");
        assert_eq!(answer.content_type.as_deref(), Some(PROTOBUF));
    }
    assert!(reasons(&receiver).contains("not an ExportTraceServiceRequest"));
    let answer = post(receiver.port(), PROTOBUF, &valid());
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type.as_deref(), Some(PROTOBUF));
    assert_eq!(
        ExportTraceServiceResponse::decode(&answer.body[..]).expect("a response"),
        ExportTraceServiceResponse::default()
    );
    assert_eq!(receiver.requests(), 4);
    assert_eq!(receiver.spans().len(), 1);
}

#[test]
fn text_that_is_not_json_gets_400() {
    let receiver = Receiver::start(Protocol::HttpJson, Behaviour::Accept);
    for garbage in [&b"{not json"[..], b"", b"[]", b"\"text\"", b"\xff\xfe"] {
        let answer = post(receiver.port(), JSON, garbage);
        assert_eq!(answer.status, 400, "{:?}", String::from_utf8_lossy(garbage));
        assert_eq!(answer.content_type.as_deref(), Some(JSON));
        let body: serde_json::Value =
            serde_json::from_slice(&answer.body).expect("a JSON google.rpc.Status");
        assert!(body["message"].is_string(), "{body}");
    }
    assert!(reasons(&receiver).contains("not JSON"));
    let answer = post(receiver.port(), JSON, br#"{"resourceSpans":[]}"#);
    assert_eq!((answer.status, &answer.body[..]), (200, &b"{}"[..]));
}

/// Each receiver takes only its own encoding, so a test also proves which one the
/// exporter chose; a request with no spans is a success, as the specification says.
#[test]
fn each_http_receiver_takes_only_its_encoding() {
    let protobuf = Receiver::start(Protocol::HttpProtobuf, Behaviour::Accept);
    let json = Receiver::start(Protocol::HttpJson, Behaviour::Accept);
    assert_eq!(post(protobuf.port(), JSON, b"{}").status, 415);
    assert_eq!(post(json.port(), PROTOBUF, b"").status, 415);
    assert_eq!(post(protobuf.port(), "text/plain", b"").status, 415);
    let none = request(protobuf.port(), "POST", "/v1/traces", &[], b"");
    assert_eq!(none.status, 415);
    assert!(reasons(&protobuf).contains("this receiver takes application/x-protobuf"));
    let with_parameter = post(protobuf.port(), "application/x-protobuf; proto=x", b"");
    assert_eq!(with_parameter.status, 200, "an empty request");
    assert_eq!(
        post(json.port(), "Application/JSON; charset=utf-8", b"{}").status,
        200
    );
    assert!(protobuf.spans().is_empty() && json.spans().is_empty());
}

#[test]
fn other_paths_and_methods_are_refused() {
    let receiver = Receiver::start(Protocol::HttpProtobuf, Behaviour::Accept);
    let port = receiver.port();
    let headers = [("content-type", PROTOBUF)];
    assert_eq!(request(port, "POST", "/v1/logs", &headers, b"").status, 404);
    assert_eq!(request(port, "POST", "/", &headers, b"").status, 404);
    assert_eq!(
        request(port, "GET", "/v1/traces", &headers, b"").status,
        405
    );
    assert_eq!(
        request(port, "PUT", "/v1/traces", &headers, &valid()).status,
        405
    );
    assert_eq!(receiver.requests(), 4);
    assert!(receiver.spans().is_empty());
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

#[test]
fn compressed_bodies_gzip_only_and_within_20_mib() {
    let receiver = Receiver::start(Protocol::HttpProtobuf, Behaviour::Accept);
    let port = receiver.port();
    let send = |encoding: &str, body: &[u8]| {
        request(
            port,
            "POST",
            "/v1/traces",
            &[("content-type", PROTOBUF), ("content-encoding", encoding)],
            body,
        )
        .status
    };
    assert_eq!(send("gzip", &gzip(&valid())), 200);
    assert_eq!(send("GZIP", &gzip(&valid())), 200);
    assert_eq!(send("identity", &valid()), 200);
    assert_eq!(send("gzip", &valid()), 400, "not gzip");
    assert_eq!(send("gzip", &gzip(&valid())[..20]), 400, "cut short");
    assert_eq!(send("br", &valid()), 415);
    // 21 MiB of zeros, some 20 KiB compressed.
    let bomb = gzip(&vec![0; 21 * 1024 * 1024]);
    assert!(bomb.len() < 1024 * 1024);
    assert_eq!(send("gzip", &bomb), 413);
    assert!(reasons(&receiver).contains("over 20 MiB decompressed"));
    assert_eq!(receiver.spans().len(), 3);
}

/// Spans a collector would refuse: IDs of the wrong length or all zero, kinds and
/// status codes OTLP does not define. The whole request is refused with the reason.
#[test]
fn invalid_spans_are_refused_with_the_reason() {
    let receiver = Receiver::start(Protocol::HttpProtobuf, Behaviour::Accept);
    let cases: [(Vec<u8>, &str); 6] = [
        (
            one_span(&[1; 4], &[1; 8], 2, 0),
            "trace_id has 4 bytes, not 16",
        ),
        (one_span(&[1; 16], &[], 2, 0), "span_id has 0 bytes, not 8"),
        (one_span(&[0; 16], &[1; 8], 2, 0), "trace_id is all zero"),
        (one_span(&[1; 16], &[0; 8], 2, 0), "span_id is all zero"),
        (one_span(&[1; 16], &[1; 8], 9, 0), "unknown kind 9"),
        (one_span(&[1; 16], &[1; 8], 2, 7), "unknown status code 7"),
    ];
    for (body, reason) in &cases {
        assert_eq!(
            post(receiver.port(), PROTOBUF, body).status,
            400,
            "{reason}"
        );
        let reasons = reasons(&receiver);
        assert!(reasons.contains(reason), "{reason:?} not in {reasons}");
    }
    let mut parent = ExportTraceServiceRequest::decode(&valid()[..]).expect("valid");
    parent.resource_spans[0].scope_spans[0].spans[0].parent_span_id = vec![0; 8];
    let answer = post(receiver.port(), PROTOBUF, &parent.encode_to_vec());
    assert_eq!(answer.status, 400);
    assert!(reasons(&receiver).contains("parent_span_id is all zero"));
    assert!(receiver.spans().is_empty());
}

/// A gRPC message whose bytes are not protobuf, and one with an invalid span: error
/// statuses, and the receiver then accepts the official exporter's export.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_refuses_garbage_and_carries_on() {
    let receiver = Receiver::start(Protocol::Grpc, Behaviour::Accept);
    let channel = tonic::transport::Channel::from_shared(receiver.endpoint())
        .expect("a URI")
        .connect()
        .await
        .expect("connect over h2c");
    let mut grpc = tonic::client::Grpc::new(channel);
    let path = tonic::codegen::http::uri::PathAndQuery::from_static(
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    );
    for (body, code) in [
        (b"\xff\xff\xff\xff garbage".to_vec(), tonic::Code::Internal),
        (
            one_span(&[1; 4], &[1; 8], 2, 0),
            tonic::Code::InvalidArgument,
        ),
    ] {
        grpc.ready().await.expect("ready");
        let status = grpc
            .unary(tonic::Request::new(body), path.clone(), Raw)
            .await
            .expect_err("refused");
        assert_eq!(status.code(), code, "{status}");
    }
    assert!(reasons(&receiver).contains("trace_id has 4 bytes"));

    let exporter = exporter(Protocol::Grpc, &receiver.endpoint(), &Setup::default());
    exporter.export(batch()).await.expect("a real export");
    assert_batch(&receiver.wait_for_spans(5, Duration::from_secs(10)));
    assert_eq!(receiver.requests(), 3);
}

/// An OTLP/HTTP request to the gRPC receiver is refused outright (tonic alone would
/// answer 200 with `grpc-status` UNIMPLEMENTED, which an HTTP exporter takes for
/// success).
#[test]
fn grpc_refuses_otlp_http() {
    let receiver = Receiver::start(Protocol::Grpc, Behaviour::Accept);
    assert_eq!(post(receiver.port(), PROTOBUF, &valid()).status, 415);
    assert!(receiver.spans().is_empty());
    assert_eq!(receiver.requests(), 1);
}

/// Sends and receives gRPC message bytes as they are.
struct Raw;

impl tonic::codec::Codec for Raw {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = Raw;
    type Decoder = Raw;

    fn encoder(&mut self) -> Raw {
        Raw
    }

    fn decoder(&mut self) -> Raw {
        Raw
    }
}

impl tonic::codec::Encoder for Raw {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn encode(
        &mut self,
        item: Vec<u8>,
        dst: &mut tonic::codec::EncodeBuf<'_>,
    ) -> Result<(), tonic::Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl tonic::codec::Decoder for Raw {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn decode(
        &mut self,
        src: &mut tonic::codec::DecodeBuf<'_>,
    ) -> Result<Option<Vec<u8>>, tonic::Status> {
        let bytes = src.chunk().to_vec();
        src.advance(bytes.len());
        Ok(Some(bytes))
    }
}
