//! The HTTP layers' spans (features `otel` and `http`): a server span per request
//! (`CorrelationLayer`) and a client span per call (`PropagateCorrelationLayer`), with
//! the stable HTTP semantic conventions (semantic-conventions 1.26+: `http.request.method`,
//! `url.*`, `server.*`, `http.response.status_code`, `error.type`).

use std::borrow::Cow;

use ::http::{HeaderMap, Method, Request, Uri, header};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt as _};
use opentelemetry::{Context, KeyValue};

use super::spans::{self, Opened, SpanSlot};
use crate::correlation::TraceContext;

/// The method as the conventions name it: the known ones, else `_OTHER` (so that no
/// client can make new span names).
fn method_name(method: &Method) -> Option<&'static str> {
    Some(match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => return None,
    })
}

/// `http.request.method` (and `http.request.method_original` for an unknown one), and
/// the method part of the span name (`HTTP` for an unknown one).
fn method_attributes(method: &Method, attributes: &mut Vec<KeyValue>) -> &'static str {
    match method_name(method) {
        Some(name) => {
            attributes.push(KeyValue::new("http.request.method", name));
            name
        }
        None => {
            attributes.push(KeyValue::new("http.request.method", "_OTHER"));
            attributes.push(KeyValue::new(
                "http.request.method_original",
                method.as_str().to_owned(),
            ));
            "HTTP"
        }
    }
}

/// The host and port of the request: the URI's authority (HTTP/2, absolute forms),
/// else the `Host` header; the port, when not written, the scheme's.
fn address(uri: &Uri, headers: &HeaderMap, scheme: &str) -> Option<(String, i64)> {
    let from_host;
    let authority = match uri.authority() {
        Some(authority) => authority,
        None => {
            let host = headers.get(header::HOST)?.to_str().ok()?;
            from_host = host.parse::<::http::uri::Authority>().ok()?;
            &from_host
        }
    };
    let port = authority
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    let host = authority.host();
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    Some((host.to_owned(), i64::from(port)))
}

/// The server span of `request` (the route axum matched, if any), in the trace of
/// `caller` (with its `tracestate`) or a new one.
pub(crate) fn open_server<B>(
    caller: Option<&TraceContext>,
    tracestate: Option<&str>,
    request: &Request<B>,
    route: Option<&str>,
) -> Option<Opened> {
    let tracer = super::tracer()?;
    let mut attributes = Vec::with_capacity(9);
    let method = method_attributes(request.method(), &mut attributes);
    let uri = request.uri();
    let scheme = uri.scheme_str().unwrap_or("http");
    attributes.push(KeyValue::new("url.path", uri.path().to_owned()));
    attributes.push(KeyValue::new(
        "url.scheme",
        if scheme == "https" { "https" } else { "http" },
    ));
    let name: Cow<'static, str> = match route {
        Some(route) => {
            attributes.push(KeyValue::new("http.route", route.to_owned()));
            Cow::Owned(format!("{method} {route}"))
        }
        None => Cow::Borrowed(method),
    };
    if let Some((host, port)) = address(uri, request.headers(), scheme) {
        attributes.push(KeyValue::new("server.address", host));
        attributes.push(KeyValue::new("server.port", port));
    }
    if let Some(agent) = request
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
    {
        attributes.push(KeyValue::new("user_agent.original", agent.to_owned()));
    }
    let parent = match caller {
        Some(caller) => spans::remote(caller, tracestate),
        None => Context::new(),
    };
    let builder = spans::builder(name, SpanKind::Server, attributes);
    Some(spans::start(tracer, builder, &parent))
}

/// Ends the server span of the current scope: with the response's status (`Ok`), or
/// as failed (`Err`: the `error.type`). Nothing when twelve exports no spans.
pub(crate) fn end_current(outcome: Result<u16, &'static str>) {
    if !super::is_exporting() {
        return;
    }
    crate::correlation::with_current(|context| match outcome {
        Ok(status) => end_server(&context.trace.otel, status),
        Err(error_type) => end_server_failed(&context.trace.otel, error_type),
    });
}

/// Ends the server span `slot` with the response's `status`: a 5xx sets `error.type`
/// (the code as text) and the status Error (a 4xx is the client's error, not the
/// server's).
pub(crate) fn end_server(slot: &SpanSlot, status: u16) {
    slot.with_span(|span| {
        span.set_attribute(KeyValue::new(
            "http.response.status_code",
            i64::from(status),
        ));
        if status >= 500 {
            span.set_attribute(KeyValue::new("error.type", status.to_string()));
            span.set_status(Status::error(""));
        }
        span.end();
    });
}

/// Ends the server span `slot` of a request that failed without a response: the
/// inner service's error, or a panic.
pub(crate) fn end_server_failed(slot: &SpanSlot, error_type: &'static str) {
    slot.with_span(|span| {
        span.set_attribute(KeyValue::new("error.type", error_type));
        span.set_status(Status::error(""));
        span.end();
    });
}

/// A client span, open while its call runs.
pub(crate) struct ClientSpan {
    cx: Context,
}

impl ClientSpan {
    /// The `traceparent` of the call: the span's trace and ID, its sampled flag and the
    /// scope's `random` flag.
    pub(crate) fn traceparent(&self, scope: &TraceContext) -> [u8; 55] {
        let span = self.cx.span();
        let context = span.span_context();
        let trace = TraceContext::from_parts(
            crate::correlation::hex128(u128::from_be_bytes(context.trace_id().to_bytes())),
            crate::correlation::hex64(u64::from_be_bytes(context.span_id().to_bytes())),
            None,
            0,
            None,
        );
        let flags = (scope.flags() & TraceContext::RANDOM) | u8::from(context.is_sampled());
        crate::correlation::traceparent_of(&trace, &trace.span_id_hex(), flags)
    }

    /// Ends the span with the answer's `status` (4xx and 5xx are errors of a call), or
    /// as failed (`None`: no answer).
    pub(crate) fn end(self, status: Option<u16>) {
        let span = self.cx.span();
        match status {
            Some(status) => {
                span.set_attribute(KeyValue::new(
                    "http.response.status_code",
                    i64::from(status),
                ));
                if status >= 400 {
                    span.set_attribute(KeyValue::new("error.type", status.to_string()));
                    span.set_status(Status::error(""));
                }
            }
            None => {
                span.set_attribute(KeyValue::new("error.type", "_OTHER"));
                span.set_status(Status::error(""));
            }
        }
        span.end();
    }
}

impl Drop for ClientSpan {
    fn drop(&mut self) {
        // A call dropped before its answer: the span ends without a status code.
        self.cx.span().end();
    }
}

/// The client span of a call of `request`, a child of the current span (the user's,
/// or the scope's), when twelve exports spans.
pub(crate) fn open_client<B>(request: &Request<B>) -> Option<ClientSpan> {
    let tracer = super::tracer()?;
    let mut attributes = Vec::with_capacity(5);
    let method = method_attributes(request.method(), &mut attributes);
    let uri = request.uri();
    let scheme = uri.scheme_str().unwrap_or("http");
    if let Some((host, port)) = address(uri, request.headers(), scheme) {
        attributes.push(KeyValue::new(
            "url.full",
            full_url(scheme, &host, port, uri),
        ));
        attributes.push(KeyValue::new("server.address", host));
        attributes.push(KeyValue::new("server.port", port));
    }
    let builder = spans::builder(Cow::Borrowed(method), SpanKind::Client, attributes);
    let cx = spans::start_context(tracer, builder, &Context::current());
    Some(ClientSpan { cx })
}

/// `url.full`: without user information, and with every query value replaced by
/// `REDACTED` (keys kept). The semantic conventions name a few signature parameters;
/// twelve redacts them all, since any parameter may carry a token.
fn full_url(scheme: &str, host: &str, port: i64, uri: &Uri) -> String {
    let default = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    let mut url = if default {
        format!("{scheme}://{host}{}", uri.path())
    } else {
        format!("{scheme}://{host}:{port}{}", uri.path())
    };
    if let Some(query) = uri.query() {
        url.push('?');
        for (i, pair) in query.split('&').enumerate() {
            if i > 0 {
                url.push('&');
            }
            // Every value: a token in a query string is no rarer than a signature.
            match pair.split_once('=') {
                Some((key, _)) => {
                    url.push_str(key);
                    url.push_str("=REDACTED");
                }
                None => url.push_str(pair),
            }
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_from_the_uri_or_the_host_header() {
        let uri: Uri = "/a".parse().unwrap();
        let mut headers = HeaderMap::new();
        assert_eq!(address(&uri, &headers, "http"), None);
        headers.insert(header::HOST, "example.com:8080".parse().unwrap());
        assert_eq!(
            address(&uri, &headers, "http"),
            Some(("example.com".into(), 8080))
        );
        headers.insert(header::HOST, "[::1]".parse().unwrap());
        assert_eq!(address(&uri, &headers, "https"), Some(("::1".into(), 443)));
        let uri: Uri = "http://u:p@svc:81/x".parse().unwrap();
        assert_eq!(address(&uri, &headers, "http"), Some(("svc".into(), 81)));
    }

    #[test]
    fn full_urls_drop_credentials_and_redact_every_query_value() {
        let uri: Uri = "https://u:p@s3.example/b/k?X-Goog-Signature=abc&part=2&sig=x"
            .parse()
            .unwrap();
        assert_eq!(
            full_url("https", "s3.example", 443, &uri),
            "https://s3.example/b/k?X-Goog-Signature=REDACTED&part=REDACTED&sig=REDACTED"
        );
        let uri: Uri = "/p".parse().unwrap();
        assert_eq!(full_url("http", "::1", 8080, &uri), "http://[::1]:8080/p");
    }

    #[test]
    fn unknown_methods_are_other() {
        let mut attributes = Vec::new();
        let method = Method::from_bytes(b"PURGE").unwrap();
        assert_eq!(method_attributes(&method, &mut attributes), "HTTP");
        assert_eq!(attributes.len(), 2);
        assert_eq!(method_attributes(&Method::GET, &mut Vec::new()), "GET");
    }
}
