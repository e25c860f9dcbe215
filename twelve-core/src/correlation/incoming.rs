//! Reading a context from incoming headers: [`Context::from_headers`] for any
//! container of name/value pairs, and the trace rules the HTTP layer shares.

use std::sync::Arc;

use super::trace::{TraceContext, trim_ows};
use super::{Context, CorrelationId, TRACEPARENT, TRACESTATE, X_CORRELATION_ID, X_REQUEST_ID};
use super::{span, tracestate};

/// One header of a message or request: its name and value, as bytes.
///
/// Implemented for pairs `(K, V)` of anything that is `AsRef<[u8]>` (`&str`,
/// `String`, `Vec<u8>`, `http::HeaderName`/`HeaderValue`...) and for references to
/// them, so that [`Context::from_headers`] takes an `http::HeaderMap`, a
/// `Vec<(String, String)>`, a `HashMap`, an array of pairs...
pub trait HeaderPair {
    /// The header's name (compared without regard to ASCII case).
    fn name(&self) -> &[u8];
    /// The header's value.
    fn value(&self) -> &[u8];
}

impl<K: AsRef<[u8]>, V: AsRef<[u8]>> HeaderPair for (K, V) {
    fn name(&self) -> &[u8] {
        self.0.as_ref()
    }

    fn value(&self) -> &[u8] {
        self.1.as_ref()
    }
}

impl<T: HeaderPair + ?Sized> HeaderPair for &T {
    fn name(&self) -> &[u8] {
        (**self).name()
    }

    fn value(&self) -> &[u8] {
        (**self).value()
    }
}

impl Context {
    /// The context of a message or request that came with `headers`, for a queue
    /// consumer (or any receiver that is not behind `CorrelationLayer`), to run with
    /// [`scope_context`](super::scope_context):
    ///
    /// - the correlation ID of the first `x-correlation-id` header, else of the first
    ///   `x-request-id`, when valid; else a new one;
    /// - a new span of this service in the trace of `traceparent` (its parent the
    ///   sender's span, with the sender's flags and its `tracestate` when valid), or a
    ///   new trace when `traceparent` is missing, invalid, or sent more than once with
    ///   different values.
    ///
    /// Header names are compared without regard to ASCII case. Senders put these
    /// headers on with [`outgoing_headers`](super::outgoing_headers).
    ///
    /// ```
    /// # use twelve_core as twelve;
    /// use std::collections::HashMap;
    /// use twelve::correlation::Context;
    ///
    /// let mut headers = HashMap::new();
    /// headers.insert("X-Correlation-Id", "job-42");
    /// headers.insert("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    /// headers.insert("tracestate", "congo=t61rcWkgMzE");
    /// let context = Context::from_headers(&headers);
    /// assert_eq!(context.id.as_str(), "job-42");
    /// assert_eq!(context.trace.parent_span_id(), Some("00f067aa0ba902b7"));
    /// assert_eq!(context.trace.tracestate(), Some("congo=t61rcWkgMzE"));
    ///
    /// // Nothing usable: a new ID and a new trace.
    /// let context = Context::from_headers([("traceparent", "garbage")]);
    /// assert_eq!(context.id.as_str().len(), 36);
    /// assert_eq!(context.trace.parent_span_id(), None);
    /// ```
    pub fn from_headers<I>(headers: I) -> Context
    where
        I: IntoIterator,
        I::Item: HeaderPair,
    {
        let mut primary: Option<Option<CorrelationId>> = None;
        let mut fallback: Option<Option<CorrelationId>> = None;
        let mut traceparent = Traceparent::Missing;
        let mut tracestates: Vec<Vec<u8>> = Vec::new();
        for header in headers {
            let (name, value) = (header.name(), header.value());
            if name.eq_ignore_ascii_case(X_CORRELATION_ID.as_bytes()) {
                primary.get_or_insert_with(|| CorrelationId::from_bytes(value));
            } else if name.eq_ignore_ascii_case(X_REQUEST_ID.as_bytes()) {
                fallback.get_or_insert_with(|| CorrelationId::from_bytes(value));
            } else if name.eq_ignore_ascii_case(TRACEPARENT.as_bytes()) {
                traceparent.add(value);
            } else if name.eq_ignore_ascii_case(TRACESTATE.as_bytes()) {
                tracestates.push(value.to_vec());
            }
        }
        let id = primary
            .flatten()
            .or_else(|| fallback.flatten())
            .unwrap_or_else(CorrelationId::new);
        let caller = match &traceparent {
            Traceparent::One(value) => TraceContext::parse_traceparent_bytes(value),
            Traceparent::Missing | Traceparent::Conflicting => None,
        };
        let trace = this_span(caller, || {
            tracestate::combine(tracestates.iter().map(Vec::as_slice))
        });
        Context { id, trace }
    }
}

/// The `traceparent` values seen so far.
enum Traceparent {
    Missing,
    One(Vec<u8>),
    Conflicting,
}

impl Traceparent {
    fn add(&mut self, value: &[u8]) {
        let value = trim_ows(value);
        *self = match std::mem::replace(self, Traceparent::Conflicting) {
            Traceparent::Missing => Traceparent::One(value.to_vec()),
            Traceparent::One(first) if first == value => Traceparent::One(first),
            Traceparent::One(_) | Traceparent::Conflicting => Traceparent::Conflicting,
        };
    }
}

/// The span of one `traceparent` header sent once, or several times with the same
/// value; `None` when there is none, two differ, or it is invalid.
#[cfg(feature = "http")]
pub(crate) fn caller<'a>(mut values: impl Iterator<Item = &'a [u8]>) -> Option<TraceContext> {
    let first = trim_ows(values.next()?);
    if values.any(|other| trim_ows(other) != first) {
        return None;
    }
    TraceContext::parse_traceparent_bytes(first)
}

/// This service's span: a child of `caller` with the `tracestate` (only read when
/// there is a caller, as W3C asks), or a new trace.
pub(crate) fn this_span(
    caller: Option<TraceContext>,
    tracestate: impl FnOnce() -> Option<Arc<str>>,
) -> TraceContext {
    match caller {
        Some(caller) => span::child_of(&caller, tracestate()),
        None => span::root(),
    }
}

/// [`tracestate::combine`] for the HTTP layer.
#[cfg(feature = "http")]
pub(crate) fn combine_tracestate<'a>(
    values: impl IntoIterator<Item = &'a [u8]>,
) -> Option<Arc<str>> {
    tracestate::combine(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn ids_first_valid_of_each_name_primary_first() {
        let context = Context::from_headers([("X-REQUEST-ID", "b"), ("x-correlation-id", "a")]);
        assert_eq!(context.id.as_str(), "a");
        let context =
            Context::from_headers([("x-correlation-id", "bad id"), ("x-request-id", "b")]);
        assert_eq!(context.id.as_str(), "b");
        // Only the first value of a name is read.
        let context =
            Context::from_headers([("x-correlation-id", "bad id"), ("x-correlation-id", "a")]);
        assert_eq!(context.id.as_str().len(), 36);
        let bytes: [(&str, &[u8]); 1] = [("x-correlation-id", b"caf\xc3\xa9")];
        assert_eq!(Context::from_headers(bytes).id.as_str().len(), 36);
    }

    #[test]
    fn traceparent_once_or_repeated_alike_continues_the_trace() {
        for headers in [
            vec![("traceparent", VALID)],
            vec![("TraceParent", VALID)],
            vec![("traceparent", VALID), ("traceparent", VALID)],
            vec![
                ("traceparent", VALID),
                ("traceparent", &format!(" {VALID}\t")),
            ],
        ] {
            let trace = Context::from_headers(&headers).trace;
            assert_eq!(
                trace.trace_id(),
                "4bf92f3577b34da6a3ce929d0e0e4736",
                "{headers:?}"
            );
            assert_eq!(trace.parent_span_id(), Some("00f067aa0ba902b7"));
        }
        let other = "00-12345678901234567890123456789012-1234567890123456-01";
        for headers in [
            vec![("traceparent", VALID), ("traceparent", other)],
            vec![
                ("traceparent", VALID),
                ("traceparent", other),
                ("traceparent", VALID),
            ],
            vec![("traceparent", "00-x")],
            vec![("trace-parent", VALID)],
            vec![],
        ] {
            let trace = Context::from_headers(&headers).trace;
            assert_eq!(trace.parent_span_id(), None, "{headers:?}");
            assert_eq!(trace.flags(), 0x03);
            assert_ne!(trace.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
        }
    }

    #[test]
    fn tracestate_only_with_a_valid_traceparent() {
        let context = Context::from_headers([
            ("tracestate", "foo=1"),
            ("traceparent", VALID),
            ("TRACESTATE", "bar=2"),
        ]);
        assert_eq!(context.trace.tracestate(), Some("foo=1,bar=2"));
        let context = Context::from_headers([("tracestate", "foo=1")]);
        assert_eq!(context.trace.tracestate(), None);
        let context = Context::from_headers([("traceparent", VALID), ("tracestate", "FOO=1")]);
        assert_eq!(context.trace.tracestate(), None);
        assert_eq!(context.trace.parent_span_id(), Some("00f067aa0ba902b7"));
    }

    #[test]
    #[cfg(feature = "http")]
    fn caller_reads_one_value_or_equal_ones() {
        let one = [VALID.as_bytes()];
        assert!(caller(one.into_iter()).is_some());
        assert!(caller([VALID.as_bytes(), VALID.as_bytes()].into_iter()).is_some());
        assert!(caller([VALID.as_bytes(), b"00-x"].into_iter()).is_none());
        assert!(caller(std::iter::empty()).is_none());
    }
}
