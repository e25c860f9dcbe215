//! The OTLP/JSON decoder: every rule of the specification's "JSON Protobuf Encoding"
//! (hex IDs either case, integer enums, 64-bit integers as numbers or strings, unknown
//! fields ignored, lowerCamelCase keys only), and everything the exporters' serializer
//! (`opentelemetry-proto`'s serde, as `opentelemetry-otlp` calls it) writes.

use std::collections::BTreeMap;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList, any_value::Value,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span};

use crate::post;
use crate::spans::str;
use crate::support::otlp::{
    AttrValue, Behaviour, Protocol, Receiver, SpanKind, SpanStatus, decode_json,
};

/// Written by hand to the specification: upper-case hex IDs (its own example's), the
/// timestamps once as numbers (as in its example) and once as strings, integers both
/// ways, every kind of `AnyValue`, unknown fields at several levels, `null`s.
const SPEC_STYLE: &str = r#"{
  "resourceSpans": [{
    "resource": {
      "attributes": [{"key": "service.name", "value": {"stringValue": "json-test"}}],
      "droppedAttributesCount": 0,
      "aFieldFromTheFuture": {"x": 1}
    },
    "schemaUrl": "https://opentelemetry.io/schemas/1.26.0",
    "scopeSpans": [{
      "scope": {"name": "json-scope", "version": "1.0.0"},
      "spans": [
        {
          "traceId": "5B8EFFF798038103D269B633813FC60C",
          "spanId": "EEE19B7EC3C1B174",
          "parentSpanId": "eee19b7ec3c1b173",
          "name": "numbers",
          "kind": 2,
          "startTimeUnixNano": 1544712660000000000,
          "endTimeUnixNano": "1544712661000000000",
          "flags": 769,
          "traceState": "a=b",
          "attributes": [
            {"key": "int.number", "value": {"intValue": 42}},
            {"key": "int.string", "value": {"intValue": "-42"}},
            {"key": "double", "value": {"doubleValue": 1.5}},
            {"key": "double.string", "value": {"doubleValue": "-Infinity"}},
            {"key": "bool", "value": {"boolValue": false}},
            {"key": "bytes", "value": {"bytesValue": "3q2+7w=="}},
            {"key": "empty", "value": {}},
            {"key": "null", "value": null},
            {"key": "kvlist", "value": {"kvlistValue": {"values": [
              {"key": "k", "value": {"stringValue": "v"}}
            ]}}},
            {"key": "array", "value": {"arrayValue": {"values": [
              {"intValue": "1"}, {"stringValue": "two"}
            ]}}}
          ],
          "events": [{"timeUnixNano": "1544712660500000000", "name": "event"}],
          "links": [{"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "EEE19B7EC3C1B172"}],
          "status": {"code": 2, "message": "bad"},
          "droppedAttributesCount": "0",
          "futureField": [1, 2, 3]
        },
        {
          "traceId": "5b8efff798038103d269b633813fc60c",
          "spanId": "eee19b7ec3c1b175",
          "parentSpanId": "",
          "name": "root",
          "kind": 1,
          "status": null,
          "attributes": null
        }
      ]
    }]
  }]
}"#;

#[test]
fn json_written_to_the_specification_is_decoded() {
    let receiver = Receiver::start(Protocol::HttpJson, Behaviour::Accept);
    let answer = post(receiver.port(), "application/json", SPEC_STYLE.as_bytes());
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    assert_eq!(answer.body, b"{}");

    let spans = receiver.spans();
    let [numbers, root] = &spans[..] else {
        panic!("two spans: {spans:#?}");
    };
    assert_eq!(numbers.trace_id, "5b8efff798038103d269b633813fc60c");
    assert_eq!(numbers.span_id, "eee19b7ec3c1b174");
    assert_eq!(numbers.parent_span_id.as_deref(), Some("eee19b7ec3c1b173"));
    assert_eq!(numbers.kind, SpanKind::Server);
    assert_eq!(numbers.start_unix_nanos, 1_544_712_660_000_000_000);
    assert_eq!(numbers.end_unix_nanos, 1_544_712_661_000_000_000);
    assert_eq!(numbers.flags, 769);
    assert_eq!(numbers.trace_state, "a=b");
    assert_eq!(numbers.status, SpanStatus::Error("bad".to_owned()));
    assert_eq!(numbers.scope_name, "json-scope");
    assert_eq!(
        numbers.resource,
        BTreeMap::from([("service.name".to_owned(), str("json-test"))])
    );
    let other = |s: &str| AttrValue::Other(s.to_owned());
    assert_eq!(
        numbers.attributes,
        BTreeMap::from([
            ("int.number".to_owned(), AttrValue::Int(42)),
            ("int.string".to_owned(), AttrValue::Int(-42)),
            ("double".to_owned(), AttrValue::Double(1.5)),
            (
                "double.string".to_owned(),
                AttrValue::Double(f64::NEG_INFINITY)
            ),
            ("bool".to_owned(), AttrValue::Bool(false)),
            ("bytes".to_owned(), other(r#""deadbeef""#)),
            ("empty".to_owned(), other("null")),
            ("null".to_owned(), other("null")),
            ("kvlist".to_owned(), other(r#"{"k":"v"}"#)),
            ("array".to_owned(), other(r#"[1,"two"]"#)),
        ])
    );
    assert_eq!(root.parent_span_id, None);
    assert_eq!(root.kind, SpanKind::Internal);
    assert_eq!(root.status, SpanStatus::Unset);
    assert!(root.attributes.is_empty());
    assert_eq!((root.start_unix_nanos, root.end_unix_nanos), (0, 0));

    let decoded = decode_json(SPEC_STYLE.as_bytes()).expect("decodes");
    let span = &decoded.resource_spans[0].scope_spans[0].spans[0];
    assert_eq!(span.events[0].time_unix_nano, 1_544_712_660_500_000_000);
    assert_eq!(
        span.links[0].span_id,
        [0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x72]
    );
}

/// What the specification rules out, with the reason the receiver gives.
#[test]
fn json_the_specification_rules_out_is_refused() {
    let span = |fields: &str| {
        format!(
            r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{
                "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
                {fields}}}]}}]}}]}}"#
        )
    };
    let cases = [
        // The standard proto3 mapping's base64, which OTLP/JSON replaces with hex.
        (
            r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{
                "traceId":"W47/95gDgQPSabYzgT/GDA==","spanId":"7uGbfsPBsXQ="}]}]}]}"#
                .to_owned(),
            "$.resourceSpans[0].scopeSpans[0].spans[0].traceId: \"W47/95gDgQPSabYzgT/GDA==\" \
             is not hex (OTLP/JSON writes IDs in hex, not base64)",
        ),
        (
            span(r#""name":"x","kind":"SPAN_KIND_SERVER""#),
            "the enum is the string \"SPAN_KIND_SERVER\"; OTLP/JSON writes enums as integers",
        ),
        (
            span(r#""status":{"code":"STATUS_CODE_ERROR"}"#),
            ".status.code: the enum is the string",
        ),
        (
            span(r#""name":5"#),
            ".spans[0].name: expected a string, got a number",
        ),
        (
            span(r#""startTimeUnixNano":"soon""#),
            ".startTimeUnixNano: expected an integer",
        ),
        (
            span(r#""startTimeUnixNano":-1"#),
            "-1 is out of range for uint64",
        ),
        (
            span(r#""attributes":[{"key":"k","value":{"intValue":"4.2"}}]"#),
            ".value.intValue: expected an integer",
        ),
        (
            span(r#""attributes":[{"key":"k","value":{"stringValue":"a","intValue":1}}]"#),
            "more than one value of the AnyValue oneof",
        ),
        (
            span(r#""attributes":[{"key":"k","value":{"bytesValue":"not base64!"}}]"#),
            "is not base64",
        ),
        (span(r#""parentSpanId":"abc""#), "not hex (an odd number"),
        ("[]".to_owned(), "$: expected an object, got an array"),
    ];
    for (json, reason) in &cases {
        let error = decode_json(json.as_bytes()).expect_err(reason);
        assert!(
            error.contains(reason),
            "{error:?} should contain {reason:?}"
        );
    }

    // The original snake_case names are no keys of OTLP/JSON: unknown fields, ignored,
    // so this span has no IDs and the receiver refuses it.
    let snake = r#"{"resource_spans":[{"scope_spans":[{"spans":[{
        "trace_id":"5b8efff798038103d269b633813fc60c","span_id":"eee19b7ec3c1b174"}]}]}]}"#;
    assert_eq!(decode_json(snake.as_bytes()), Ok(Default::default()));
    let camel_outside = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{
        "trace_id":"5b8efff798038103d269b633813fc60c","span_id":"eee19b7ec3c1b174"}]}]}]}"#;
    let decoded = decode_json(camel_outside.as_bytes()).expect("unknown fields are ignored");
    assert!(
        decoded.resource_spans[0].scope_spans[0].spans[0]
            .trace_id
            .is_empty()
    );

    let receiver = Receiver::start(Protocol::HttpJson, Behaviour::Accept);
    for (json, reason) in &cases {
        assert_eq!(
            post(receiver.port(), "application/json", json.as_bytes()).status,
            400,
            "{reason}"
        );
    }
    let answer = post(
        receiver.port(),
        "application/json",
        camel_outside.as_bytes(),
    );
    assert_eq!(answer.status, 400, "no trace_id");
    assert!(receiver.spans().is_empty());
}

/// Every field the exporters' serializer can write, written by it (`to_string_pretty`,
/// as `opentelemetry-otlp` sends it), comes back equal from the receiver's decoder; and
/// that serializer writes what the specification says (hex IDs, string timestamps,
/// integer enums), so the receiver would catch an exporter that does not.
#[test]
fn what_the_exporters_serializer_writes_decodes_to_the_same_request() {
    let kv = |key: &str, value: Value| KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(value) }),
    };
    let attributes = vec![
        kv("s", Value::StringValue("text \"quoted\" ü".to_owned())),
        kv("b", Value::BoolValue(true)),
        kv("i", Value::IntValue(i64::MIN)),
        kv("d", Value::DoubleValue(-0.125)),
        kv("bytes", Value::BytesValue(vec![0, 1, 2, 0xfe, 0xff])),
        kv(
            "array",
            Value::ArrayValue(ArrayValue {
                values: vec![
                    AnyValue {
                        value: Some(Value::IntValue(7)),
                    },
                    AnyValue {
                        value: Some(Value::StringValue("x".to_owned())),
                    },
                ],
            }),
        ),
        kv(
            "kvlist",
            Value::KvlistValue(KeyValueList {
                values: vec![kv("inner", Value::DoubleValue(2.5))],
            }),
        ),
        KeyValue {
            key: "unset".to_owned(),
            value: None,
        },
    ];
    let trace_id = vec![
        0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47,
        0x36,
    ];
    let request = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: attributes.clone(),
                dropped_attributes_count: 3,
                ..Resource::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "scope".to_owned(),
                    version: "9.9.9".to_owned(),
                    attributes: attributes.clone(),
                    dropped_attributes_count: 1,
                }),
                spans: vec![Span {
                    trace_id: trace_id.clone(),
                    span_id: vec![0, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7],
                    trace_state: "k=v".to_owned(),
                    parent_span_id: vec![0x53, 0x99, 0x5c, 0x3f, 0x42, 0xcd, 0x8a, 0xd8],
                    flags: 0x301,
                    name: "GET /quote".to_owned(),
                    kind: 2,
                    start_time_unix_nano: u64::MAX,
                    end_time_unix_nano: 1_700_000_000_123_456_789,
                    attributes: attributes.clone(),
                    dropped_attributes_count: 4,
                    events: vec![span::Event {
                        time_unix_nano: 1_700_000_000_000_000_001,
                        name: "event".to_owned(),
                        attributes: attributes.clone(),
                        dropped_attributes_count: 5,
                    }],
                    dropped_events_count: 6,
                    links: vec![span::Link {
                        trace_id,
                        span_id: vec![0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31],
                        trace_state: "l=1".to_owned(),
                        attributes,
                        dropped_attributes_count: 7,
                        flags: 0x101,
                    }],
                    dropped_links_count: 8,
                    status: Some(Status {
                        message: "boom".to_owned(),
                        code: 2,
                    }),
                }],
                schema_url: "https://opentelemetry.io/schemas/1.26.0".to_owned(),
            }],
            schema_url: "https://opentelemetry.io/schemas/1.27.0".to_owned(),
        }],
    };
    let json = serde_json::to_string_pretty(&request).expect("the exporters' serializer");
    assert_eq!(decode_json(json.as_bytes()), Ok(request.clone()), "{json}");

    for written in [
        r#""traceId": "4bf92f3577b34da6a3ce929d0e0e4736""#,
        r#""parentSpanId": "53995c3f42cd8ad8""#,
        r#""startTimeUnixNano": "18446744073709551615""#,
        r#""intValue": "-9223372036854775808""#,
        r#""kind": 2"#,
        r#""code": 2"#,
        r#""bytesValue": "AAEC/v8=""#,
    ] {
        assert!(json.contains(written), "{written} not in {json}");
    }

    // And the spans come out of the receiver as they went in.
    let receiver = Receiver::start(Protocol::HttpJson, Behaviour::Accept);
    let mut request = request;
    request.resource_spans[0].scope_spans[0].spans[0].start_time_unix_nano = 1;
    let json = serde_json::to_vec(&request).expect("serialize");
    assert_eq!(post(receiver.port(), "application/json", &json).status, 200);
    let spans = receiver.spans();
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].span_id, "00f067aa0ba902b7");
    assert_eq!(spans[0].attributes["i"], AttrValue::Int(i64::MIN));
    assert_eq!(
        spans[0].attributes["bytes"],
        AttrValue::Other(r#""000102feff""#.to_owned())
    );
    assert_eq!(spans[0].resource["s"].as_str(), Some("text \"quoted\" ü"));
}

#[test]
fn base64_bytes_values_in_either_alphabet_padded_or_not() {
    for written in ["3q2+7w==", "3q2+7w", "3q2-7w==", "3q2-7w"] {
        let json = format!(
            r#"{{"resourceSpans":[{{"resource":{{"attributes":[
                {{"key":"b","value":{{"bytesValue":"{written}"}}}}]}}}}]}}"#
        );
        let decoded = decode_json(json.as_bytes()).expect(written);
        let value = decoded.resource_spans[0]
            .resource
            .as_ref()
            .and_then(|r| r.attributes[0].value.clone())
            .and_then(|v| v.value);
        assert_eq!(
            value,
            Some(Value::BytesValue(vec![0xde, 0xad, 0xbe, 0xef])),
            "{written}"
        );
    }
}
