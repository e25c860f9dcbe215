//! What the tests send: a batch of SDK span data with every field set to a known value,
//! the official OTLP exporter for each protocol, and the check that the receiver gave
//! back exactly that batch.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, UNIX_EPOCH};

use opentelemetry::trace::{
    SpanContext, SpanId, SpanKind as OtelKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{Array, InstrumentationScope, KeyValue, StringValue, Value};
use opentelemetry_otlp::{
    Compression, WithExportConfig as _, WithHttpConfig as _, WithTonicConfig as _,
};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanExporter as _, SpanLinks};

use crate::support::otlp::{AttrValue, Protocol, ReceivedSpan, SpanKind, SpanStatus};

pub(crate) const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
/// The caller's span: the server span's remote parent.
pub(crate) const REMOTE_PARENT: &str = "53995c3f42cd8ad8";
pub(crate) const SERVER_SPAN: &str = "00f067aa0ba902b7";
pub(crate) const CLIENT_SPAN: &str = "b7ad6b7169203331";
const INTERNAL_SPAN: &str = "1f2e3d4c5b6a7988";
const PRODUCER_SPAN: &str = "a1a2a3a4a5a6a7a8";
const CONSUMER_SPAN: &str = "0102030405060708";
pub(crate) const SCOPE: &str = "otlp-receiver-test";
pub(crate) const TRACE_STATE: &str = "vendor=v1,other=v2";
/// 2023-11-14T22:13:20.123456789Z.
pub(crate) const START: u64 = 1_700_000_000_123_456_789;

/// How the exporter is set up.
pub(crate) struct Setup {
    pub(crate) headers: Vec<(&'static str, &'static str)>,
    pub(crate) gzip: bool,
    pub(crate) timeout: Duration,
}

impl Default for Setup {
    fn default() -> Setup {
        Setup {
            headers: Vec::new(),
            gzip: false,
            timeout: Duration::from_secs(5),
        }
    }
}

/// The official exporter for `protocol`, aimed at `endpoint` (a receiver's base
/// endpoint), with [`resource`] set. Must be built inside a tokio runtime (tonic's
/// channel and hyper's client spawn onto it).
pub(crate) fn exporter(
    protocol: Protocol,
    endpoint: &str,
    setup: &Setup,
) -> opentelemetry_otlp::SpanExporter {
    let builder = opentelemetry_otlp::SpanExporter::builder();
    let built = match protocol {
        Protocol::Grpc => {
            let mut metadata = tonic::metadata::MetadataMap::new();
            for (name, value) in &setup.headers {
                metadata.insert(*name, value.parse().expect("an ASCII metadata value"));
            }
            let builder = builder
                .with_tonic()
                .with_endpoint(endpoint)
                .with_timeout(setup.timeout)
                .with_metadata(metadata);
            if setup.gzip {
                builder.with_compression(Compression::Gzip).build()
            } else {
                builder.build()
            }
        }
        Protocol::HttpProtobuf | Protocol::HttpJson => {
            let builder = builder
                .with_http()
                // A programmatic endpoint is the full URL.
                .with_endpoint(format!("{endpoint}/v1/traces"))
                .with_protocol(if protocol == Protocol::HttpJson {
                    opentelemetry_otlp::Protocol::HttpJson
                } else {
                    opentelemetry_otlp::Protocol::HttpBinary
                })
                .with_timeout(setup.timeout)
                .with_http_client(
                    opentelemetry_http::hyper::HyperClient::with_default_connector(
                        setup.timeout,
                        None,
                    ),
                )
                .with_headers(
                    setup
                        .headers
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect::<HashMap<_, _>>(),
                );
            if setup.gzip {
                builder.with_compression(Compression::Gzip).build()
            } else {
                builder.build()
            }
        }
    };
    let mut exporter = built.expect("the OTLP exporter");
    exporter.set_resource(&resource());
    exporter
}

pub(crate) fn resource() -> Resource {
    Resource::builder_empty()
        .with_attributes([
            KeyValue::new("service.name", "otlp-receiver-test"),
            KeyValue::new("service.version", "1.2.3"),
            KeyValue::new("service.instance.id", "instance-1"),
            KeyValue::new("host.cpus", 2_i64),
        ])
        .build()
}

/// Five spans of one trace, one of each kind: a server span (remote parent, error
/// status, every scalar attribute type and an array, a tracestate) and its children.
pub(crate) fn batch() -> Vec<SpanData> {
    let server = data(
        SERVER_SPAN,
        REMOTE_PARENT,
        true,
        "GET /quote",
        OtelKind::Server,
        vec![
            KeyValue::new("http.request.method", "GET"),
            KeyValue::new("http.response.status_code", 500_i64),
            KeyValue::new("sample.ratio", 0.25),
            KeyValue::new("sample.kept", true),
            KeyValue::new(
                "sample.tags",
                Value::Array(Array::String(vec![
                    StringValue::from("a"),
                    StringValue::from("b"),
                ])),
            ),
        ],
        Status::error("boom"),
    );
    let client = data(
        CLIENT_SPAN,
        SERVER_SPAN,
        false,
        "GET",
        OtelKind::Client,
        vec![KeyValue::new("server.port", 8080_i64)],
        Status::Ok,
    );
    let internal = data(
        INTERNAL_SPAN,
        SERVER_SPAN,
        false,
        "quote.lookup",
        OtelKind::Internal,
        Vec::new(),
        Status::Unset,
    );
    let producer = data(
        PRODUCER_SPAN,
        SERVER_SPAN,
        false,
        "quotes publish",
        OtelKind::Producer,
        Vec::new(),
        Status::Unset,
    );
    let consumer = data(
        CONSUMER_SPAN,
        PRODUCER_SPAN,
        false,
        "quotes process",
        OtelKind::Consumer,
        Vec::new(),
        Status::Unset,
    );
    vec![server, client, internal, producer, consumer]
}

fn data(
    span_id: &str,
    parent: &str,
    parent_is_remote: bool,
    name: &'static str,
    kind: OtelKind,
    attributes: Vec<KeyValue>,
    status: Status,
) -> SpanData {
    let trace_state = TraceState::from_key_value([("vendor", "v1"), ("other", "v2")])
        .expect("a valid tracestate");
    SpanData {
        span_context: SpanContext::new(
            TraceId::from_hex(TRACE_ID).expect("hex"),
            SpanId::from_hex(span_id).expect("hex"),
            TraceFlags::SAMPLED,
            false,
            trace_state,
        ),
        parent_span_id: SpanId::from_hex(parent).expect("hex"),
        parent_span_is_remote: parent_is_remote,
        span_kind: kind,
        name: name.into(),
        start_time: UNIX_EPOCH + Duration::from_nanos(START),
        end_time: UNIX_EPOCH + Duration::from_nanos(START + 1_500_000),
        attributes,
        dropped_attributes_count: 0,
        events: SpanEvents::default(),
        links: SpanLinks::default(),
        status,
        instrumentation_scope: InstrumentationScope::builder(SCOPE)
            .with_version("0.1.0")
            .build(),
    }
}

/// Checks that `received` is exactly [`batch`] with [`resource`].
pub(crate) fn assert_batch(received: &[ReceivedSpan]) {
    assert_eq!(received.len(), 5, "{received:#?}");
    let by_name = |name: &str| {
        received
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no span {name:?} in {received:#?}"))
    };
    let expected_resource = BTreeMap::from([
        ("service.name".to_owned(), str("otlp-receiver-test")),
        ("service.version".to_owned(), str("1.2.3")),
        ("service.instance.id".to_owned(), str("instance-1")),
        ("host.cpus".to_owned(), AttrValue::Int(2)),
    ]);

    let server = by_name("GET /quote");
    assert_eq!(server.trace_id, TRACE_ID);
    assert_eq!(server.span_id, SERVER_SPAN);
    assert_eq!(server.parent_span_id.as_deref(), Some(REMOTE_PARENT));
    assert_eq!(server.kind, SpanKind::Server);
    assert_eq!(server.status, SpanStatus::Error("boom".to_owned()));
    assert_eq!(
        server.attributes,
        BTreeMap::from([
            ("http.request.method".to_owned(), str("GET")),
            ("http.response.status_code".to_owned(), AttrValue::Int(500)),
            ("sample.ratio".to_owned(), AttrValue::Double(0.25)),
            ("sample.kept".to_owned(), AttrValue::Bool(true)),
            (
                "sample.tags".to_owned(),
                AttrValue::Other(r#"["a","b"]"#.to_owned())
            ),
        ])
    );
    assert_eq!(
        server.attributes["http.request.method"].as_str(),
        Some("GET")
    );
    assert_eq!(
        server.attributes["http.response.status_code"].as_i64(),
        Some(500)
    );
    // Sampled, and "parent is remote" known (0x100) and set (0x200).
    assert_eq!(server.flags, 0x301);
    assert_eq!(server.trace_state, TRACE_STATE);
    assert_eq!(server.start_unix_nanos, START);
    assert_eq!(server.end_unix_nanos, START + 1_500_000);

    let client = by_name("GET");
    assert_eq!(client.span_id, CLIENT_SPAN);
    assert_eq!(client.parent_span_id.as_deref(), Some(SERVER_SPAN));
    assert_eq!(client.kind, SpanKind::Client);
    assert_eq!(client.status, SpanStatus::Ok);
    assert_eq!(client.attributes["server.port"], AttrValue::Int(8080));
    assert_eq!(client.flags, 0x101);

    let kinds: Vec<(&str, SpanKind, &str)> = received
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.kind,
                s.parent_span_id.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("GET /quote", SpanKind::Server, REMOTE_PARENT),
            ("GET", SpanKind::Client, SERVER_SPAN),
            ("quote.lookup", SpanKind::Internal, SERVER_SPAN),
            ("quotes publish", SpanKind::Producer, SERVER_SPAN),
            ("quotes process", SpanKind::Consumer, PRODUCER_SPAN),
        ],
        "kinds and parents, in the order sent"
    );
    for span in received {
        assert_eq!(span.trace_id, TRACE_ID, "{span:#?}");
        assert_eq!(span.resource, expected_resource, "{span:#?}");
        assert_eq!(span.scope_name, SCOPE, "{span:#?}");
        if span.kind != SpanKind::Server && span.kind != SpanKind::Client {
            assert_eq!(span.status, SpanStatus::Unset, "{span:#?}");
            assert_eq!(span.flags, 0x101, "{span:#?}");
        }
    }
}

pub(crate) fn str(s: &str) -> AttrValue {
    AttrValue::Str(s.to_owned())
}

/// The value of header `name` (lower-case) on `span`'s export request.
pub(crate) fn header<'a>(span: &'a ReceivedSpan, name: &str) -> Option<&'a str> {
    span.headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}
