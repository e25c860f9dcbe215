//! Reading the request headers: the correlation ID (from the configured names, or a
//! new one) and the W3C `traceparent` and `tracestate`.

use ::http::{HeaderMap, HeaderName, HeaderValue};

use crate::correlation::{self, CorrelationId, InvalidId, TraceContext};
use crate::http::{TRACEPARENT, TRACESTATE};

/// The header names a [`CorrelationLayer`](super::CorrelationLayer) reads (and sets
/// the primary one). Shared (`Arc`) by the layer, its services and their futures:
/// axum makes a service per request with `Layer::layer`, so a clone is paid per
/// request.
#[derive(Debug, Clone)]
pub(super) struct Names {
    pub(super) primary: HeaderName,
    pub(super) fallback: Option<HeaderName>,
}

/// What the request headers gave.
pub(super) struct Incoming {
    pub(super) id: CorrelationId,
    /// The accepted header value, to echo without building a new one.
    pub(super) echo: Option<HeaderValue>,
    pub(super) rejected: Option<Rejected>,
}

/// A rejected incoming ID: why, and how long it was. Never the value itself.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rejected {
    pub(super) reason: &'static str,
    pub(super) len: usize,
}

impl Names {
    /// The first valid ID of the primary and the fallback header, or a new one. Only
    /// the first value of a repeated header is read.
    pub(super) fn incoming(&self, headers: &HeaderMap) -> Incoming {
        let mut rejected = None;
        for name in std::iter::once(&self.primary).chain(self.fallback.as_ref()) {
            let Some(value) = headers.get(name) else {
                continue;
            };
            match accept(value) {
                Ok(id) => {
                    return Incoming {
                        id,
                        echo: Some(value.clone()),
                        rejected,
                    };
                }
                Err(reason) => {
                    rejected.get_or_insert(Rejected {
                        reason,
                        len: value.len(),
                    });
                }
            }
        }
        Incoming {
            id: CorrelationId::new(),
            echo: None,
            rejected,
        }
    }
}

/// The value as an ID, or why not (as a short static text).
fn accept(value: &HeaderValue) -> Result<CorrelationId, &'static str> {
    let bytes = value.as_bytes();
    // The length first, so that a huge value is refused without being scanned.
    if bytes.len() > correlation::MAX_LEN {
        return Err(reason(InvalidId::TooLong));
    }
    // A valid ID (the common case) is checked once, by `parse`; only a refused one is
    // looked at again, to name the reason.
    if let Some(Ok(id)) = std::str::from_utf8(bytes).ok().map(CorrelationId::parse) {
        return Ok(id);
    }
    let text = value.to_str().map_err(|_| "not_ascii")?;
    CorrelationId::parse(text).map_err(reason)
}

fn reason(invalid: InvalidId) -> &'static str {
    match invalid {
        InvalidId::Empty => "empty",
        InvalidId::TooLong => "too_long",
        InvalidId::BadCharacter => "bad_character",
    }
}

/// This service's span for the request: a child of the caller's span when the request
/// has a valid `traceparent` (once, or repeated with the same value), with its
/// `tracestate` when valid; else a new trace. Under `otel`, when twelve exports
/// spans, the server span of the request (`route`: the one axum matched).
pub(super) fn trace<B>(request: &::http::Request<B>, route: Option<&str>) -> TraceContext {
    let headers = request.headers();
    let caller = correlation::caller(
        headers
            .get_all(TRACEPARENT)
            .iter()
            .map(HeaderValue::as_bytes),
    );
    let tracestate = || {
        correlation::combine_tracestate(
            headers
                .get_all(TRACESTATE)
                .iter()
                .map(HeaderValue::as_bytes),
        )
    };
    #[cfg(feature = "otel")]
    if crate::otel::is_exporting() {
        let tracestate = caller.as_ref().and_then(|_| tracestate());
        let opened =
            crate::otel::http::open_server(caller.as_ref(), tracestate.as_deref(), request, route);
        if let Some(opened) = opened {
            return correlation::of_otel(opened, caller.as_ref(), tracestate);
        }
    }
    let _ = route;
    correlation::this_span(caller, tracestate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            primary: crate::http::X_CORRELATION_ID,
            fallback: Some(crate::http::X_REQUEST_ID),
        }
    }

    fn headers(pairs: &[(&'static str, &[u8])]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            let value = HeaderValue::from_bytes(value).expect("a header value");
            headers.append(*name, value);
        }
        headers
    }

    #[test]
    fn the_first_valid_id_wins_and_the_first_rejection_is_kept() {
        let got = names().incoming(&headers(&[
            ("x-correlation-id", b"a b"),
            ("x-request-id", b"req-1"),
        ]));
        assert_eq!(got.id.as_str(), "req-1");
        assert_eq!(
            got.echo.as_ref().map(HeaderValue::as_bytes),
            Some(&b"req-1"[..])
        );
        let rejected = got.rejected.expect("the primary was rejected");
        assert_eq!((rejected.reason, rejected.len), ("bad_character", 3));

        for (value, reason) in [
            (&b""[..], "empty"),
            (&[b'a'; 129][..], "too_long"),
            ("é".as_bytes(), "not_ascii"),
        ] {
            let got = names().incoming(&headers(&[("x-correlation-id", value)]));
            assert_eq!(got.id.as_str().len(), 36, "a new UUID v7");
            assert!(got.echo.is_none());
            let rejected = got.rejected.expect("rejected");
            assert_eq!((rejected.reason, rejected.len), (reason, value.len()));
        }
    }

    fn trace_of(headers: &HeaderMap) -> TraceContext {
        let mut request = ::http::Request::new(());
        *request.headers_mut() = headers.clone();
        trace(&request, None)
    }

    #[test]
    fn a_valid_traceparent_is_continued_a_conflicting_one_is_not() {
        let valid = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let other = b"00-12345678901234567890123456789012-1234567890123456-01";
        let span = trace_of(&headers(&[("traceparent", valid), ("tracestate", b"a=1")]));
        assert_eq!(span.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(span.parent_span_id(), Some("00f067aa0ba902b7"));
        assert_eq!(span.tracestate(), Some("a=1"));
        let twice = headers(&[("traceparent", valid), ("traceparent", valid)]);
        assert_eq!(trace_of(&twice).parent_span_id(), Some("00f067aa0ba902b7"));
        for new_trace in [
            headers(&[("traceparent", valid), ("traceparent", other)]),
            headers(&[("traceparent", b"00-x"), ("tracestate", b"a=1")]),
            HeaderMap::new(),
        ] {
            let span = trace_of(&new_trace);
            assert_eq!(span.parent_span_id(), None);
            assert_eq!(span.tracestate(), None);
            assert_eq!(span.flags(), 0x03);
        }
    }
}
