//! OTLP/JSON to the protocol's prost types, written to the OTLP specification
//! ("JSON Protobuf Encoding", opentelemetry-proto `docs/specification.md`) rather than
//! with the serde derives of `opentelemetry-proto`, which are what the Rust exporters
//! encode with: a test that decoded with them could not see an encoding bug they share,
//! and they refuse valid OTLP/JSON (numeric 64-bit integers, as in the specification's
//! own example, string doubles, `null` lists, URL-safe base64).
//! The rules:
//!
//! - the proto3 JSON mapping, keys in lowerCamelCase only (the original snake_case
//!   names are not valid, so they are unknown fields);
//! - `traceId`, `spanId` and `parentSpanId` (spans and links) are case-insensitive hex,
//!   not base64; every other `bytes` (`bytesValue`) is base64, standard or URL-safe,
//!   padded or not;
//! - enums (`kind`, `status.code`) are integers; their names are refused;
//! - 64-bit integers are decimal strings or numbers, 32-bit ones numbers or strings;
//!   doubles numbers or strings (`"NaN"`, `"Infinity"`, `"-Infinity"` included);
//! - unknown fields are ignored; `null` is the field's default; an `AnyValue` may be
//!   empty, but not carry two values.
//!
//! Events and links are decoded too, so that their IDs are checked, though
//! [`super::ReceivedSpan`] does not show them.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList, any_value,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span};
use serde_json::{Map, Value};

type Object = Map<String, Value>;
type Result<T> = std::result::Result<T, String>;

/// Decodes an OTLP/JSON `ExportTraceServiceRequest`; the error names the field.
pub(super) fn decode(body: &[u8]) -> Result<ExportTraceServiceRequest> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let o = object(&value, "$")?;
    Ok(ExportTraceServiceRequest {
        resource_spans: list(o, "resourceSpans", "$", resource_spans)?,
    })
}

fn resource_spans(v: &Value, path: &str) -> Result<ResourceSpans> {
    let o = object(v, path)?;
    Ok(ResourceSpans {
        resource: message(o, "resource", path, resource)?,
        scope_spans: list(o, "scopeSpans", path, scope_spans)?,
        schema_url: string(o, "schemaUrl", path)?,
    })
}

fn resource(v: &Value, path: &str) -> Result<Resource> {
    let o = object(v, path)?;
    Ok(Resource {
        attributes: list(o, "attributes", path, key_value)?,
        dropped_attributes_count: uint32(o, "droppedAttributesCount", path)?,
        ..Resource::default()
    })
}

fn scope_spans(v: &Value, path: &str) -> Result<ScopeSpans> {
    let o = object(v, path)?;
    Ok(ScopeSpans {
        scope: message(o, "scope", path, scope)?,
        spans: list(o, "spans", path, span)?,
        schema_url: string(o, "schemaUrl", path)?,
    })
}

fn scope(v: &Value, path: &str) -> Result<InstrumentationScope> {
    let o = object(v, path)?;
    Ok(InstrumentationScope {
        name: string(o, "name", path)?,
        version: string(o, "version", path)?,
        attributes: list(o, "attributes", path, key_value)?,
        dropped_attributes_count: uint32(o, "droppedAttributesCount", path)?,
    })
}

fn span(v: &Value, path: &str) -> Result<Span> {
    let o = object(v, path)?;
    Ok(Span {
        trace_id: hex_id(o, "traceId", path)?,
        span_id: hex_id(o, "spanId", path)?,
        trace_state: string(o, "traceState", path)?,
        parent_span_id: hex_id(o, "parentSpanId", path)?,
        flags: uint32(o, "flags", path)?,
        name: string(o, "name", path)?,
        kind: enumeration(o, "kind", path)?,
        start_time_unix_nano: uint64(o, "startTimeUnixNano", path)?,
        end_time_unix_nano: uint64(o, "endTimeUnixNano", path)?,
        attributes: list(o, "attributes", path, key_value)?,
        dropped_attributes_count: uint32(o, "droppedAttributesCount", path)?,
        events: list(o, "events", path, event)?,
        dropped_events_count: uint32(o, "droppedEventsCount", path)?,
        links: list(o, "links", path, link)?,
        dropped_links_count: uint32(o, "droppedLinksCount", path)?,
        status: message(o, "status", path, status)?,
    })
}

fn event(v: &Value, path: &str) -> Result<span::Event> {
    let o = object(v, path)?;
    Ok(span::Event {
        time_unix_nano: uint64(o, "timeUnixNano", path)?,
        name: string(o, "name", path)?,
        attributes: list(o, "attributes", path, key_value)?,
        dropped_attributes_count: uint32(o, "droppedAttributesCount", path)?,
    })
}

fn link(v: &Value, path: &str) -> Result<span::Link> {
    let o = object(v, path)?;
    Ok(span::Link {
        trace_id: hex_id(o, "traceId", path)?,
        span_id: hex_id(o, "spanId", path)?,
        trace_state: string(o, "traceState", path)?,
        attributes: list(o, "attributes", path, key_value)?,
        dropped_attributes_count: uint32(o, "droppedAttributesCount", path)?,
        flags: uint32(o, "flags", path)?,
    })
}

fn status(v: &Value, path: &str) -> Result<Status> {
    let o = object(v, path)?;
    Ok(Status {
        message: string(o, "message", path)?,
        code: enumeration(o, "code", path)?,
    })
}

fn key_value(v: &Value, path: &str) -> Result<KeyValue> {
    let o = object(v, path)?;
    Ok(KeyValue {
        key: string(o, "key", path)?,
        value: message(o, "value", path, any)?,
    })
}

fn any(v: &Value, path: &str) -> Result<AnyValue> {
    use any_value::Value as V;
    let o = object(v, path)?;
    let mut value = None;
    for key in [
        "stringValue",
        "boolValue",
        "intValue",
        "doubleValue",
        "arrayValue",
        "kvlistValue",
        "bytesValue",
    ] {
        let Some(field) = get(o, key) else { continue };
        if value.is_some() {
            return Err(format!("{path}: more than one value of the AnyValue oneof"));
        }
        let path = &format!("{path}.{key}");
        value = Some(match key {
            "stringValue" => V::StringValue(
                field
                    .as_str()
                    .ok_or_else(|| expected("a string", field, path))?
                    .to_owned(),
            ),
            "boolValue" => V::BoolValue(
                field
                    .as_bool()
                    .ok_or_else(|| expected("a boolean", field, path))?,
            ),
            "intValue" => V::IntValue(int64(field, path)?),
            "doubleValue" => V::DoubleValue(double(field, path)?),
            "arrayValue" => {
                let o = object(field, path)?;
                V::ArrayValue(ArrayValue {
                    values: list(o, "values", path, any)?,
                })
            }
            "kvlistValue" => {
                let o = object(field, path)?;
                V::KvlistValue(KeyValueList {
                    values: list(o, "values", path, key_value)?,
                })
            }
            _ => V::BytesValue(base64(field, path)?),
        });
    }
    Ok(AnyValue { value })
}

// Field access. `null` is the default value of any field (proto3 JSON).

fn get<'a>(o: &'a Object, key: &str) -> Option<&'a Value> {
    o.get(key).filter(|v| !v.is_null())
}

fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Object> {
    v.as_object().ok_or_else(|| expected("an object", v, path))
}

fn list<T>(
    o: &Object,
    key: &str,
    path: &str,
    item: fn(&Value, &str) -> Result<T>,
) -> Result<Vec<T>> {
    let Some(v) = get(o, key) else {
        return Ok(Vec::new());
    };
    let path = format!("{path}.{key}");
    let items = v.as_array().ok_or_else(|| expected("an array", v, &path))?;
    items
        .iter()
        .enumerate()
        .map(|(i, v)| item(v, &format!("{path}[{i}]")))
        .collect()
}

fn message<T>(
    o: &Object,
    key: &str,
    path: &str,
    decode: fn(&Value, &str) -> Result<T>,
) -> Result<Option<T>> {
    get(o, key)
        .map(|v| decode(v, &format!("{path}.{key}")))
        .transpose()
}

fn string(o: &Object, key: &str, path: &str) -> Result<String> {
    match get(o, key) {
        None => Ok(String::new()),
        Some(v) => v
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| expected("a string", v, &format!("{path}.{key}"))),
    }
}

/// A trace or span ID: hex, either case (an empty string is an empty ID).
fn hex_id(o: &Object, key: &str, path: &str) -> Result<Vec<u8>> {
    let Some(v) = get(o, key) else {
        return Ok(Vec::new());
    };
    let path = format!("{path}.{key}");
    let s = v
        .as_str()
        .ok_or_else(|| expected("a hex string", v, &path))?;
    let digit = |c: u8| char::from(c).to_digit(16).map(|d| d as u8);
    if s.len() % 2 != 0 {
        return Err(format!(
            "{path}: {s:?} is not hex (an odd number of digits)"
        ));
    }
    s.as_bytes()
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| {
            format!("{path}: {s:?} is not hex (OTLP/JSON writes IDs in hex, not base64)")
        })
}

fn enumeration(o: &Object, key: &str, path: &str) -> Result<i32> {
    let Some(v) = get(o, key) else {
        return Ok(0);
    };
    let path = format!("{path}.{key}");
    if let Some(name) = v.as_str() {
        return Err(format!(
            "{path}: the enum is the string {name:?}; OTLP/JSON writes enums as integers"
        ));
    }
    v.as_i64()
        .and_then(|i| i32::try_from(i).ok())
        .ok_or_else(|| expected("an enum integer", v, &path))
}

fn uint32(o: &Object, key: &str, path: &str) -> Result<u32> {
    let Some(v) = get(o, key) else {
        return Ok(0);
    };
    let path = format!("{path}.{key}");
    integer(v, &path).and_then(|i| {
        u32::try_from(i).map_err(|_| format!("{path}: {i} is out of range for uint32"))
    })
}

fn uint64(o: &Object, key: &str, path: &str) -> Result<u64> {
    let Some(v) = get(o, key) else {
        return Ok(0);
    };
    let path = format!("{path}.{key}");
    integer(v, &path).and_then(|i| {
        u64::try_from(i).map_err(|_| format!("{path}: {i} is out of range for uint64"))
    })
}

fn int64(v: &Value, path: &str) -> Result<i64> {
    integer(v, path).and_then(|i| {
        i64::try_from(i).map_err(|_| format!("{path}: {i} is out of range for int64"))
    })
}

/// An integer written as a JSON number (an integral one, exponent allowed) or as a
/// decimal string, as proto3 JSON accepts for every integer type.
fn integer(v: &Value, path: &str) -> Result<i128> {
    let parsed = match v {
        Value::Number(n) => n
            .as_u64()
            .map(i128::from)
            .or_else(|| n.as_i64().map(i128::from))
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 2f64.powi(63))
                    .map(|f| f as i128)
            }),
        Value::String(s) => s.parse::<i128>().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| expected("an integer (a number or a decimal string)", v, path))
}

fn double(v: &Value, path: &str) -> Result<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            other => other.parse().ok().filter(|f: &f64| f.is_finite()),
        },
        _ => None,
    }
    .ok_or_else(|| expected("a double", v, path))
}

fn base64(v: &Value, path: &str) -> Result<Vec<u8>> {
    let config =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let s = v
        .as_str()
        .ok_or_else(|| expected("a base64 string", v, path))?;
    GeneralPurpose::new(&base64::alphabet::STANDARD, config)
        .decode(s)
        .or_else(|_| GeneralPurpose::new(&base64::alphabet::URL_SAFE, config).decode(s))
        .map_err(|e| format!("{path}: {s:?} is not base64: {e}"))
}

fn expected(what: &str, got: &Value, path: &str) -> String {
    let got = match got {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    format!("{path}: expected {what}, got {got}")
}
