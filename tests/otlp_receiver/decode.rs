//! The receiver gives back exactly what the official exporter sent, over each protocol.

use std::time::Duration;

use opentelemetry::trace::{
    Span as _, SpanKind as OtelKind, Status, TraceContextExt as _, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanExporter as _};

use crate::spans::{Setup, assert_batch, batch, exporter, header, resource, str};
use crate::support::otlp::{AttrValue, Behaviour, Protocol, Receiver, SpanKind, SpanStatus};

const WAIT: Duration = Duration::from_secs(10);

/// Exports [`batch`] once with headers (and gzip when asked) and checks every field
/// of every span, and the export request's headers on each.
async fn round_trip(protocol: Protocol, gzip: bool) {
    let receiver = Receiver::start(protocol, Behaviour::Accept);
    let setup = Setup {
        headers: vec![("authorization", "Bearer s3cret"), ("x-tenant", "blue")],
        gzip,
        ..Setup::default()
    };
    let exporter = exporter(protocol, &receiver.endpoint(), &setup);
    exporter.export(batch()).await.expect("the export succeeds");

    let spans = receiver.wait_for_spans(5, WAIT);
    assert_batch(&spans);
    assert_eq!(receiver.requests(), 1, "one batch, one request");
    for span in &spans {
        assert_eq!(
            header(span, "authorization"),
            Some("Bearer s3cret"),
            "{span:#?}"
        );
        assert_eq!(header(span, "x-tenant"), Some("blue"), "{span:#?}");
        let content_type = header(span, "content-type").unwrap_or_default();
        match protocol {
            Protocol::HttpProtobuf => assert_eq!(content_type, "application/x-protobuf"),
            Protocol::HttpJson => assert_eq!(content_type, "application/json"),
            Protocol::Grpc => assert!(content_type.starts_with("application/grpc")),
        }
        let encoding = match protocol {
            Protocol::Grpc => header(span, "grpc-encoding"),
            _ => header(span, "content-encoding"),
        };
        assert_eq!(encoding, gzip.then_some("gzip"), "{span:#?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_protobuf_gives_back_every_field() {
    round_trip(Protocol::HttpProtobuf, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_protobuf_gzip() {
    round_trip(Protocol::HttpProtobuf, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_json_gives_back_every_field() {
    round_trip(Protocol::HttpJson, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_json_gzip() {
    round_trip(Protocol::HttpJson, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_gives_back_every_field() {
    round_trip(Protocol::Grpc, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_gzip() {
    round_trip(Protocol::Grpc, true).await;
}

/// Spans made by an SDK tracer provider (the simple processor exports each as it
/// ends) arrive with their IDs, parent link, kinds, attributes and status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_of_an_sdk_tracer_provider_keep_their_parent_link() {
    for protocol in [Protocol::HttpProtobuf, Protocol::HttpJson, Protocol::Grpc] {
        let receiver = Receiver::start(protocol, Behaviour::Accept);
        let provider = SdkTracerProvider::builder()
            .with_resource(resource())
            .with_simple_exporter(exporter(protocol, &receiver.endpoint(), &Setup::default()))
            .build();
        let tracer = provider.tracer("sdk-scope");
        let parent = tracer
            .span_builder("parent")
            .with_kind(OtelKind::Server)
            .with_attributes([KeyValue::new("step", 1_i64)])
            .start(&tracer);
        let cx = Context::current_with_span(parent);
        let mut child = tracer
            .span_builder("child")
            .with_kind(OtelKind::Client)
            .start_with_context(&tracer, &cx);
        child.set_status(Status::error("down"));
        child.end();
        cx.span().end();

        let spans = receiver.wait_for_spans(2, WAIT);
        let [child, parent] = &spans[..] else {
            panic!("{protocol:?}: two spans, the child ending first: {spans:#?}");
        };
        assert_eq!(
            (child.name.as_str(), parent.name.as_str()),
            ("child", "parent")
        );
        assert_eq!(child.trace_id, parent.trace_id, "{protocol:?}");
        assert_eq!(
            child.parent_span_id.as_ref(),
            Some(&parent.span_id),
            "{protocol:?}"
        );
        assert_eq!(parent.parent_span_id, None, "{protocol:?}: a root span");
        assert_ne!(child.span_id, parent.span_id);
        assert_eq!(child.trace_id.len(), 32);
        assert_eq!(child.span_id.len(), 16);
        assert_eq!(
            (parent.kind, child.kind),
            (SpanKind::Server, SpanKind::Client)
        );
        assert_eq!(parent.attributes.get("step"), Some(&AttrValue::Int(1)));
        assert_eq!(child.status, SpanStatus::Error("down".to_owned()));
        assert_eq!(parent.status, SpanStatus::Unset);
        assert_eq!(parent.scope_name, "sdk-scope");
        assert_eq!(
            parent.resource.get("service.name"),
            Some(&str("otlp-receiver-test"))
        );
        // Sampled, with a local parent (or none): "is remote" known, not set.
        assert_eq!((parent.flags, child.flags), (0x101, 0x101), "{protocol:?}");
        assert!(parent.start_unix_nanos <= child.start_unix_nanos);
        assert!(child.end_unix_nanos <= parent.end_unix_nanos);
        assert!(
            parent.start_unix_nanos > 1_600_000_000_000_000_000,
            "a real clock"
        );
        assert_eq!(receiver.requests(), 2, "{protocol:?}: one export per span");
        provider.shutdown().expect("the provider shuts down");
    }
}

/// `spans()` returns what arrived so far, in arrival order, across requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_accumulate_in_arrival_order() {
    let receiver = Receiver::start(Protocol::HttpProtobuf, Behaviour::Accept);
    assert!(receiver.spans().is_empty());
    let exporter = exporter(
        Protocol::HttpProtobuf,
        &receiver.endpoint(),
        &Setup::default(),
    );
    let mut first = batch();
    let second = first.split_off(2);
    exporter.export(first).await.expect("first export");
    assert_eq!(receiver.wait_for_spans(2, WAIT).len(), 2);
    exporter.export(second).await.expect("second export");
    let spans = receiver.wait_for_spans(5, WAIT);
    assert_batch(&spans);
    assert_eq!(spans, receiver.spans());
    assert_eq!(receiver.requests(), 2);
}
