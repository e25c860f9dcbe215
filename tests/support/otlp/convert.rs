//! An `ExportTraceServiceRequest` (however it was encoded) to [`ReceivedSpan`]s, with
//! the checks a strict collector makes: IDs of the right length and not all zero,
//! kinds and status codes the protocol defines.

use std::collections::BTreeMap;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::Span;

use super::{AttrValue, ReceivedSpan, SpanKind, SpanStatus};

/// Every span of `request`, each with its resource, scope and the request's `headers`;
/// the reason when one is invalid (the whole request is refused then, as a collector
/// answering 400 does).
pub(super) fn spans(
    request: &ExportTraceServiceRequest,
    headers: &[(String, String)],
) -> Result<Vec<ReceivedSpan>, String> {
    let mut out = Vec::new();
    for resource_spans in &request.resource_spans {
        let resource = resource_spans
            .resource
            .as_ref()
            .map(|r| attributes(&r.attributes))
            .unwrap_or_default();
        for scope_spans in &resource_spans.scope_spans {
            let scope_name = scope_spans
                .scope
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_default();
            for span in &scope_spans.spans {
                out.push(ReceivedSpan {
                    trace_id: id(&span.trace_id, 16, "trace_id", span)?,
                    span_id: id(&span.span_id, 8, "span_id", span)?,
                    parent_span_id: if span.parent_span_id.is_empty() {
                        None
                    } else {
                        Some(id(&span.parent_span_id, 8, "parent_span_id", span)?)
                    },
                    name: span.name.clone(),
                    kind: kind(span)?,
                    attributes: attributes(&span.attributes),
                    status: status(span)?,
                    resource: resource.clone(),
                    scope_name: scope_name.clone(),
                    flags: span.flags,
                    trace_state: span.trace_state.clone(),
                    start_unix_nanos: span.start_time_unix_nano,
                    end_unix_nanos: span.end_time_unix_nano,
                    headers: headers.to_vec(),
                });
            }
        }
    }
    Ok(out)
}

/// `bytes` as lower-case hex, when it is `len` bytes and not all zero.
fn id(bytes: &[u8], len: usize, field: &str, span: &Span) -> Result<String, String> {
    if bytes.len() != len {
        return Err(format!(
            "span {:?}: {field} has {} bytes, not {len}",
            span.name,
            bytes.len()
        ));
    }
    if bytes.iter().all(|b| *b == 0) {
        return Err(format!("span {:?}: {field} is all zero", span.name));
    }
    Ok(hex(bytes))
}

pub(super) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

fn kind(span: &Span) -> Result<SpanKind, String> {
    Ok(match span.kind {
        0 => SpanKind::Unspecified,
        1 => SpanKind::Internal,
        2 => SpanKind::Server,
        3 => SpanKind::Client,
        4 => SpanKind::Producer,
        5 => SpanKind::Consumer,
        other => return Err(format!("span {:?}: unknown kind {other}", span.name)),
    })
}

fn status(span: &Span) -> Result<SpanStatus, String> {
    let Some(status) = &span.status else {
        return Ok(SpanStatus::Unset);
    };
    Ok(match status.code {
        0 => SpanStatus::Unset,
        1 => SpanStatus::Ok,
        2 => SpanStatus::Error(status.message.clone()),
        other => return Err(format!("span {:?}: unknown status code {other}", span.name)),
    })
}

fn attributes(list: &[KeyValue]) -> BTreeMap<String, AttrValue> {
    list.iter()
        .map(|kv| (kv.key.clone(), value(kv.value.as_ref())))
        .collect()
}

fn value(value: Option<&AnyValue>) -> AttrValue {
    match value.and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => AttrValue::Str(s.clone()),
        Some(any_value::Value::IntValue(i)) => AttrValue::Int(*i),
        Some(any_value::Value::DoubleValue(d)) => AttrValue::Double(*d),
        Some(any_value::Value::BoolValue(b)) => AttrValue::Bool(*b),
        _ => AttrValue::Other(json(value).to_string()),
    }
}

/// An `AnyValue` as JSON, for [`AttrValue::Other`].
fn json(value: Option<&AnyValue>) -> serde_json::Value {
    use serde_json::Value;
    match value.and_then(|v| v.value.as_ref()) {
        None => Value::Null,
        Some(any_value::Value::StringValue(s)) => Value::from(s.as_str()),
        Some(any_value::Value::IntValue(i)) => Value::from(*i),
        Some(any_value::Value::DoubleValue(d)) => Value::from(*d),
        Some(any_value::Value::BoolValue(b)) => Value::from(*b),
        Some(any_value::Value::BytesValue(b)) => Value::from(hex(b)),
        Some(any_value::Value::ArrayValue(a)) => {
            Value::Array(a.values.iter().map(|v| json(Some(v))).collect())
        }
        Some(any_value::Value::KvlistValue(l)) => Value::Object(
            l.values
                .iter()
                .map(|kv| (kv.key.clone(), json(kv.value.as_ref())))
                .collect(),
        ),
    }
}
