//! The client side: [`PropagateCorrelationLayer`] puts the current correlation ID and
//! trace context on outgoing requests.

use std::future::Future;
use std::pin::Pin;
use std::task::{self, Poll};

use ::http::{HeaderName, HeaderValue, Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::{TRACEPARENT, TRACESTATE, X_CORRELATION_ID};
use crate::correlation;

/// A tower layer for HTTP clients: puts the current scope's context on each outgoing
/// request, as [`outgoing_headers`](crate::correlation::outgoing_headers) gives it:
///
/// - `x-correlation-id` (the header name is configurable): the scope's ID;
/// - `traceparent`: `00-<trace_id>-<parent>-<flags>`, with a **new span ID for each
///   call** as the parent, so that each callee's parent is distinct;
/// - `tracestate`, when the scope has one.
///
/// A header the request already has is kept (for `traceparent`, `tracestate` is then
/// left alone too). Outside any scope, requests go unchanged. The call must start
/// inside the scope: the headers are set in `call`.
///
/// Under `otel`, when twelve exports spans, each call is a client span (a child of the
/// current span), exported, and `traceparent` names it: see
/// [`otel`](crate::otel#what-is-exported).
///
/// ```
/// # use twelve_core as twelve;
/// use axum::http::{HeaderMap, Request, Response};
/// use tower::{Layer as _, ServiceExt as _};
/// use twelve::correlation::{Context, CorrelationId};
/// use twelve::http::PropagateCorrelationLayer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Any tower client of `http::Request`s: hyper-util's `Client`, a tonic channel...
/// let client = tower::service_fn(|request: Request<()>| async move {
///     Ok::<_, std::convert::Infallible>(Response::new(request.headers().clone()))
/// });
/// let client = PropagateCorrelationLayer::default().layer(client);
///
/// let id = CorrelationId::parse("job-7").unwrap();
/// let (sent, trace) = CorrelationId::scope(id, async {
///     let response = client.oneshot(Request::new(())).await.unwrap();
///     (response.into_body(), Context::current().unwrap().trace)
/// })
/// .await;
/// assert_eq!(sent["x-correlation-id"], "job-7");
/// let traceparent = sent["traceparent"].to_str().unwrap();
/// assert_eq!(&traceparent[3..35], trace.trace_id()); // the scope's trace
/// assert_ne!(&traceparent[36..52], trace.span_id()); // a new parent for this call
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct PropagateCorrelationLayer {
    header: HeaderName,
}

impl Default for PropagateCorrelationLayer {
    /// Sets `x-correlation-id`.
    fn default() -> Self {
        PropagateCorrelationLayer {
            header: X_CORRELATION_ID,
        }
    }
}

impl PropagateCorrelationLayer {
    /// The default layer: sets `x-correlation-id`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The header to set instead of `x-correlation-id`.
    pub fn header(mut self, name: HeaderName) -> Self {
        self.header = name;
        self
    }
}

impl<S> Layer<S> for PropagateCorrelationLayer {
    type Service = PropagateCorrelationService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        PropagateCorrelationService {
            inner,
            header: self.header.clone(),
        }
    }
}

/// The service made by [`PropagateCorrelationLayer`].
#[derive(Debug, Clone)]
pub struct PropagateCorrelationService<S> {
    inner: S,
    header: HeaderName,
}

impl<S> PropagateCorrelationService<S> {
    define_inner_service_accessors!();
}

impl<S, B, ResB> Service<Request<B>> for PropagateCorrelationService<S>
where
    S: Service<Request<B>, Response = Response<ResB>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = PropagateCorrelationFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut task::Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        #[cfg(feature = "otel")]
        let span =
            correlation::with_current(|_| crate::otel::http::open_client(&request)).flatten();
        #[cfg(not(feature = "otel"))]
        let span = NoSpan;
        let headers = request.headers_mut();
        let set_id = !headers.contains_key(&self.header);
        let set_trace = !headers.contains_key(TRACEPARENT);
        if set_id || set_trace {
            correlation::with_current(|context| {
                if set_id {
                    if let Ok(value) = HeaderValue::from_str(context.id.as_str()) {
                        headers.insert(self.header.clone(), value);
                    }
                }
                if set_trace {
                    #[cfg(feature = "otel")]
                    let traceparent = match &span {
                        Some(span) => span.traceparent(&context.trace),
                        None => correlation::traceparent(context),
                    };
                    #[cfg(not(feature = "otel"))]
                    let traceparent = correlation::traceparent(context);
                    if let Ok(value) = HeaderValue::from_bytes(&traceparent) {
                        headers.insert(TRACEPARENT, value);
                    }
                    let tracestate = context.trace.tracestate();
                    if let Some(Ok(value)) = tracestate.map(HeaderValue::from_str) {
                        headers.insert(TRACESTATE, value);
                    }
                }
            });
        }
        PropagateCorrelationFuture {
            inner: self.inner.call(request),
            span,
        }
    }
}

/// The client span of a call, under `otel`; nothing without.
#[cfg(feature = "otel")]
type CallSpan = Option<crate::otel::http::ClientSpan>;
#[cfg(not(feature = "otel"))]
type CallSpan = NoSpan;

/// No span: the call's future is the inner one, and nothing more.
#[cfg(not(feature = "otel"))]
#[derive(Debug)]
struct NoSpan;

pin_project! {
    /// The response future of [`PropagateCorrelationService`]: the inner service's;
    /// under `otel`, it also ends the call's client span with the answer's status.
    pub struct PropagateCorrelationFuture<F> {
        #[pin]
        inner: F,
        span: CallSpan,
    }
}

impl<F> std::fmt::Debug for PropagateCorrelationFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PropagateCorrelationFuture")
            .finish_non_exhaustive()
    }
}

impl<F, ResB, E> Future for PropagateCorrelationFuture<F>
where
    F: Future<Output = Result<Response<ResB>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut task::Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let poll = this.inner.poll(cx);
        #[cfg(feature = "otel")]
        if let Poll::Ready(output) = &poll {
            if let Some(span) = this.span.take() {
                span.end(output.as_ref().ok().map(|r| r.status().as_u16()));
            }
        }
        #[cfg(not(feature = "otel"))]
        let _ = this.span;
        poll
    }
}
