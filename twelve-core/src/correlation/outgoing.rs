//! Outgoing calls: the headers that carry the current context to the next service
//! ([`outgoing_headers`]), and the `traceparent` of one call.

use std::sync::Arc;

use super::scope::with_current;
use super::{Context, CorrelationId, TRACEPARENT, TRACESTATE, X_CORRELATION_ID, span};

/// The length of a version-00 `traceparent`.
pub(crate) const TRACEPARENT_LEN: usize = 55;

/// The headers an outgoing call (or a message to a queue) from the current scope
/// should carry, for clients that are not tower services (reqwest, ureq, a queue
/// producer; tower clients use `PropagateCorrelationLayer`):
///
/// - `x-correlation-id`: the scope's ID;
/// - `traceparent`: `00-<trace_id>-<parent>-<flags>`, the parent a **new span ID for
///   each call**, so that each callee has its own parent;
/// - `tracestate`, when the scope has one.
///
/// Empty outside any scope. Call it once per call: each call has its own `parent`.
///
/// ```
/// # use twelve_core as twelve;
/// use twelve::correlation::{self, Context, CorrelationId};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let id = CorrelationId::parse("job-7").unwrap();
/// CorrelationId::scope(id, async {
///     let headers = correlation::outgoing_headers();
///     // e.g. reqwest: for (name, value) in &headers { request = request.header(name, value) }
///     assert_eq!(headers.get("x-correlation-id"), Some("job-7"));
///     let traceparent = headers.get("traceparent").unwrap();
///     let trace = &Context::current().unwrap().trace;
///     assert_eq!(&traceparent[3..35], trace.trace_id());
///     assert_eq!(&traceparent[53..], "03"); // a trace started here: sampled, random
///
///     // A consumer of a message with these headers continues the trace.
///     let received = Context::from_headers(&headers);
///     assert_eq!(received.trace.trace_id(), trace.trace_id());
/// })
/// .await;
/// assert!(correlation::outgoing_headers().is_empty());
/// # }
/// ```
pub fn outgoing_headers() -> OutgoingHeaders {
    OutgoingHeaders {
        inner: with_current(|context| Outgoing {
            id: context.id.clone(),
            traceparent: traceparent(context),
            tracestate: context.trace.tracestate_shared().cloned(),
        }),
    }
}

/// The `traceparent` value of one outgoing call from `context`: version 00, the trace,
/// a new parent span ID (under `otel`, the current span's), the flags.
pub(crate) fn traceparent(context: &Context) -> [u8; TRACEPARENT_LEN] {
    let trace = &context.trace;
    let (parent, flags) = span::outgoing_parent(trace);
    traceparent_of(trace, &parent, flags)
}

/// The `traceparent` value naming the span `parent` (16 hex digits) of `trace`'s trace,
/// with `flags`.
pub(crate) fn traceparent_of(
    trace: &super::TraceContext,
    parent: &[u8; 16],
    flags: u8,
) -> [u8; TRACEPARENT_LEN] {
    let mut value = [b'-'; TRACEPARENT_LEN];
    value[0..2].copy_from_slice(b"00");
    value[3..35].copy_from_slice(&trace.trace_id_hex());
    value[36..52].copy_from_slice(parent);
    value[53] = HEX[usize::from(flags >> 4)];
    value[54] = HEX[usize::from(flags & 0x0f)];
    value
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The headers of one outgoing call, from [`outgoing_headers`]: iterate over it
/// (by reference for `(&str, &str)` pairs, by value for `(&str, String)`), or
/// [`get`](OutgoingHeaders::get) one by name.
#[derive(Debug, Clone)]
pub struct OutgoingHeaders {
    inner: Option<Outgoing>,
}

#[derive(Debug, Clone)]
struct Outgoing {
    id: CorrelationId,
    traceparent: [u8; TRACEPARENT_LEN],
    tracestate: Option<Arc<str>>,
}

impl OutgoingHeaders {
    /// The headers as `(name, value)` pairs, names in lower case: `x-correlation-id`,
    /// `traceparent`, then `tracestate` when there is one.
    pub fn iter(&self) -> Iter<'_> {
        let pairs = match &self.inner {
            Some(outgoing) => [
                Some((X_CORRELATION_ID, outgoing.id.as_str())),
                Some((
                    TRACEPARENT,
                    std::str::from_utf8(&outgoing.traceparent).unwrap_or_default(),
                )),
                outgoing
                    .tracestate
                    .as_deref()
                    .map(|state| (TRACESTATE, state)),
            ],
            None => [None, None, None],
        };
        Iter {
            pairs: pairs.into_iter().flatten(),
        }
    }

    /// The value of the header `name` (lower case), if it is sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// Whether there is nothing to send (outside any scope).
    pub fn is_empty(&self) -> bool {
        self.inner.is_none()
    }

    /// How many headers there are to send.
    pub fn len(&self) -> usize {
        self.iter().count()
    }
}

/// The `(name, value)` pairs of [`OutgoingHeaders`], borrowed.
#[derive(Debug)]
pub struct Iter<'a> {
    pairs: std::iter::Flatten<std::array::IntoIter<Option<(&'static str, &'a str)>, 3>>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'static str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        self.pairs.next()
    }
}

impl<'a> IntoIterator for &'a OutgoingHeaders {
    type Item = (&'static str, &'a str);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for OutgoingHeaders {
    type Item = (&'static str, String);
    type IntoIter = std::vec::IntoIter<(&'static str, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
            .map(|(name, value)| (name, value.to_owned()))
            .collect::<Vec<_>>()
            .into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::correlation::scope::sync_scope;

    #[test]
    fn each_call_has_its_own_parent_and_the_scopes_trace_and_flags() {
        let context = Context::from_headers([
            ("x-correlation-id", "out-1"),
            (
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
            ),
            ("tracestate", "congo=t61rcWkgMzE"),
        ]);
        let span_id = context.trace.span_id().to_owned();
        let (first, second) = sync_scope(context, || (outgoing_headers(), outgoing_headers()));
        let pairs: Vec<(&str, &str)> = first.iter().collect();
        assert_eq!(pairs.len(), 3);
        assert_eq!(pairs[0], ("x-correlation-id", "out-1"));
        assert_eq!(pairs[2], ("tracestate", "congo=t61rcWkgMzE"));
        let (a, b) = (
            first.get("traceparent").unwrap_or_default(),
            second.get("traceparent").unwrap_or_default(),
        );
        for value in [a, b] {
            assert_eq!(value.len(), 55);
            assert!(value.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"));
            assert!(value.ends_with("-00"), "the caller's flags");
            assert_ne!(&value[36..52], "00f067aa0ba902b7");
            assert_ne!(&value[36..52], span_id);
        }
        assert_ne!(a, b, "a new parent per call");
        let owned: Vec<(&str, String)> = second.clone().into_iter().collect();
        assert_eq!(owned.len(), second.len());

        let outside = outgoing_headers();
        assert!(outside.is_empty());
        assert_eq!(outside.len(), 0);
        assert_eq!(outside.iter().count(), 0);
    }
}
