//! [`CorrelationLayer`]: the server side.

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::task::{self, Poll};
use std::time::Instant;

use ::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, Uri};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::{TRACEPARENT, X_CORRELATION_ID, X_REQUEST_ID, in_scope};
use crate::correlation::{self, Context, CorrelationId, InvalidId, TraceContext};

/// The `target` of the request lines, for filters (`RUST_LOG=twelve::http=warn`).
const TARGET: &str = "twelve::http";

/// A tower layer that runs each HTTP request inside a correlation scope and logs one
/// line when it ends. See the [module docs](super) for what it reads, sets and logs.
///
/// ```
/// # use twelve_core as twelve;
/// use axum::http::HeaderName;
/// use twelve::http::CorrelationLayer;
///
/// // x-correlation-id, then x-request-id:
/// let default = CorrelationLayer::default();
/// // x-amzn-trace-id only:
/// let custom = CorrelationLayer::new()
///     .header(HeaderName::from_static("x-amzn-trace-id"))
///     .no_fallback_header();
/// # let _ = (default, custom);
/// ```
#[derive(Debug, Clone)]
pub struct CorrelationLayer {
    names: Names,
}

/// The header names a [`CorrelationLayer`] reads (and sets).
#[derive(Debug, Clone)]
struct Names {
    primary: HeaderName,
    fallback: Option<HeaderName>,
}

impl Default for CorrelationLayer {
    /// Reads `x-correlation-id`, then `x-request-id`; sets `x-correlation-id`.
    fn default() -> Self {
        CorrelationLayer {
            names: Names {
                primary: X_CORRELATION_ID,
                fallback: Some(X_REQUEST_ID),
            },
        }
    }
}

impl CorrelationLayer {
    /// The default layer: reads `x-correlation-id`, then `x-request-id`; sets
    /// `x-correlation-id` on the response.
    pub fn new() -> Self {
        Self::default()
    }

    /// The header read first, and set on the response (`x-correlation-id` by default).
    pub fn header(mut self, name: HeaderName) -> Self {
        self.names.primary = name;
        self
    }

    /// The header read when the first one is missing or invalid (`x-request-id` by
    /// default).
    pub fn fallback_header(mut self, name: HeaderName) -> Self {
        self.names.fallback = Some(name);
        self
    }

    /// Reads the first header only.
    pub fn no_fallback_header(mut self) -> Self {
        self.names.fallback = None;
        self
    }
}

impl<S> Layer<S> for CorrelationLayer {
    type Service = CorrelationService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CorrelationService {
            inner,
            names: self.names.clone(),
        }
    }
}

/// The service made by [`CorrelationLayer`]: wraps a service of `http::Request<B>` to
/// `http::Response<ResB>`.
#[derive(Debug, Clone)]
pub struct CorrelationService<S> {
    inner: S,
    names: Names,
}

impl<S> CorrelationService<S> {
    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The wrapped service, unwrapped.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, ReqB, ResB> Service<Request<ReqB>> for CorrelationService<S>
where
    S: Service<Request<ReqB>, Response = Response<ResB>>,
    S::Error: fmt::Display,
{
    type Response = Response<ResB>;
    type Error = S::Error;
    type Future = CorrelationFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut task::Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqB>) -> Self::Future {
        let start = Instant::now();
        let headers = request.headers();
        let incoming = self.names.incoming(headers);
        let context = Context {
            id: incoming.id,
            trace: traceparent(headers),
        };
        let info = RequestInfo {
            method: request.method().clone(),
            path: Path::of(request.uri()),
            #[cfg(feature = "axum")]
            route: request
                .extensions()
                .get::<axum::extract::MatchedPath>()
                .cloned(),
            start,
            rejected: incoming.rejected,
        };
        // `call` runs in the scope too: services that work or log in `call` (routers,
        // other middleware) see the ID.
        let inner = &mut self.inner;
        let future = in_scope(&context, || inner.call(request));
        let finish = Finish {
            inner: Some(future),
            polling: false,
            info,
            header: self.names.primary.clone(),
            echo: incoming.echo,
        };
        CorrelationFuture {
            inner: correlation::scoped(context, finish),
        }
    }
}

/// What the request headers gave.
struct Incoming {
    id: CorrelationId,
    /// The accepted header value, to echo without building a new one.
    echo: Option<HeaderValue>,
    rejected: Option<Rejected>,
}

/// A rejected incoming ID: why, and how long it was. Never the value itself.
#[derive(Debug, Clone, Copy)]
struct Rejected {
    reason: &'static str,
    len: usize,
}

impl Names {
    /// The first valid ID of the primary and the fallback header, or a new one. Only
    /// the first value of a repeated header is read.
    fn incoming(&self, headers: &HeaderMap) -> Incoming {
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

/// The trace of a single, valid `traceparent` header; `None` when there is none, more
/// than one (as the W3C spec asks), or an invalid one.
fn traceparent(headers: &HeaderMap) -> Option<TraceContext> {
    let mut values = headers.get_all(TRACEPARENT).into_iter();
    let first = values.next()?;
    if values.next().is_some() {
        return None;
    }
    TraceContext::parse_traceparent(first.to_str().ok()?)
}

/// The parts of the request the line needs once the response is there.
struct RequestInfo {
    method: Method,
    path: Path,
    #[cfg(feature = "axum")]
    route: Option<axum::extract::MatchedPath>,
    start: Instant,
    rejected: Option<Rejected>,
}

impl RequestInfo {
    fn route(&self) -> Option<&str> {
        #[cfg(feature = "axum")]
        return self.route.as_ref().map(axum::extract::MatchedPath::as_str);
        #[cfg(not(feature = "axum"))]
        return None;
    }

    /// Milliseconds, to the microsecond: `2.404`, not `2.4040000000000004` (shorter
    /// to print, and no false precision).
    fn duration_ms(&self) -> f64 {
        let micros = u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX);
        micros as f64 / 1e3
    }
}

/// The request's path, for its line. Copied when short, as nearly all are: a clone of
/// the `Uri` costs an atomic increment and decrement per request, or an allocation
/// where its bytes are not yet shared, and makes the response future 40 bytes larger
/// (it is moved several times per request). Hand-written for the hot path; see
/// BENCHMARKS.md, correlation layer.
enum Path {
    Short { len: u8, bytes: [u8; SHORT_PATH] },
    Long(Uri),
}

const SHORT_PATH: usize = 46;

impl Path {
    fn of(uri: &Uri) -> Path {
        let path = uri.path().as_bytes();
        let mut bytes = [0; SHORT_PATH];
        match (bytes.get_mut(..path.len()), u8::try_from(path.len())) {
            (Some(short), Ok(len)) => {
                short.copy_from_slice(path);
                Path::Short { len, bytes }
            }
            _ => Path::Long(uri.clone()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Path::Short { len, bytes } => bytes
                .get(..usize::from(*len))
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or_default(),
            Path::Long(uri) => uri.path(),
        }
    }
}

/// One request line, with the fields every kind of line has.
macro_rules! request_line {
    ($level:ident, $info:expr, { $($status:tt)* }, $($rest:tt)+) => {{
        let info: &RequestInfo = $info;
        let rejected = info.rejected;
        // `event!`: `info!(target: .., a.b = ..)` with dotted names doesn't parse.
        tracing::event!(
            target: TARGET,
            tracing::Level::$level,
            http.method = info.method.as_str(),
            http.path = info.path.as_str(),
            http.route = info.route(),
            $($status)*
            duration_ms = info.duration_ms(),
            http.correlation_id_rejected = rejected.map(|r| r.reason),
            http.correlation_id_rejected_len = rejected.map(|r| r.len),
            $($rest)+
        )
    }};
}

pin_project! {
    /// The response future of [`CorrelationService`]: the inner service's future, run
    /// inside the request's correlation scope; it sets the response header and logs
    /// the request line. Also when dropped early, it logs the line (`request
    /// cancelled` or `request panicked`) inside the scope, where it drops the inner
    /// future.
    pub struct CorrelationFuture<F> {
        // The scope is tokio's task-local future: the context is moved into the
        // task-local for each poll and back, not cloned (an atomic increment and
        // decrement per poll, measurable at this layer's cost; BENCHMARKS.md).
        #[pin]
        inner: tokio::task::futures::TaskLocalFuture<Context, Finish<F>>,
    }
}

pin_project! {
    /// The part of [`CorrelationFuture`] that runs inside the scope.
    struct Finish<F> {
        #[pin]
        inner: Option<F>,
        // Set while the inner future is polled: still set at drop, it panicked.
        polling: bool,
        info: RequestInfo,
        header: HeaderName,
        echo: Option<HeaderValue>,
    }

    impl<F> PinnedDrop for Finish<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if this.inner.is_none() {
                return; // ended, line logged
            }
            // Dropped before the end: the client went away, or the inner future
            // panicked and this drop is part of the unwinding (tokio and hyper drop a
            // panicked task's future while unwinding). `TaskLocalFuture` drops this
            // inside the scope where it can (not while the thread is torn down).
            let panicked = *this.polling;
            let info = &*this.info;
            let inner = this.inner;
            let ended = catch_unwind(AssertUnwindSafe(|| end_early(inner, info, panicked)));
            // A panic of the inner future's `Drop` or of a log layer goes on, as it
            // would have without this layer; but a second panic while unwinding would
            // abort the process, so then it stops here.
            if let Err(payload) = ended {
                if !std::thread::panicking() {
                    resume_unwind(payload);
                }
            }
        }
    }
}

/// Drops the inner future of a request that did not end, and logs its line.
fn end_early<F>(mut inner: Pin<&mut Option<F>>, info: &RequestInfo, panicked: bool) {
    inner.set(None);
    if panicked {
        request_line!(ERROR, info, {}, "request panicked");
    } else {
        request_line!(INFO, info, {}, "request cancelled");
    }
}

impl<F> fmt::Debug for CorrelationFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorrelationFuture").finish_non_exhaustive()
    }
}

impl<F, ResB, E> Future for CorrelationFuture<F>
where
    F: Future<Output = Result<Response<ResB>, E>>,
    E: fmt::Display,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut task::Context<'_>) -> Poll<Self::Output> {
        self.project().inner.poll(cx)
    }
}

impl<F, ResB, E> Future for Finish<F>
where
    F: Future<Output = Result<Response<ResB>, E>>,
    E: fmt::Display,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut task::Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut inner = this.inner;
        let Some(future) = inner.as_mut().as_pin_mut() else {
            panic!("CorrelationFuture polled after completion");
        };
        *this.polling = true;
        let poll = future.poll(cx);
        *this.polling = false;
        let Poll::Ready(mut output) = poll else {
            return Poll::Pending;
        };
        // Dropped here, inside the scope.
        inner.set(None);
        let info = &*this.info;
        match &mut output {
            Ok(response) => {
                let value = this.echo.take().or_else(|| {
                    correlation::with_current(|c| HeaderValue::from_str(c.id.as_str()).ok())
                        .flatten()
                });
                if let Some(value) = value {
                    response.headers_mut().insert(this.header.clone(), value);
                }
                let status = response.status().as_u16();
                request_line!(INFO, info, { http.status = status, }, "request finished");
            }
            Err(error) => {
                request_line!(ERROR, info, {}, error = %error, "request failed");
            }
        }
        Poll::Ready(output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_short_and_long_read_back_whole() {
        for len in [
            0,
            1,
            SHORT_PATH - 1,
            SHORT_PATH,
            SHORT_PATH + 1,
            300,
            255,
            256,
        ] {
            let path = format!("/{}", "a".repeat(len));
            let uri: Uri = format!("{path}?q=1").parse().expect("a valid URI");
            let kept = Path::of(&uri);
            assert_eq!(kept.as_str(), path, "{len}");
            assert_eq!(
                matches!(kept, Path::Short { .. }),
                path.len() <= SHORT_PATH,
                "{len}"
            );
        }
        let uri: Uri = "http://example.com".parse().expect("a valid URI");
        assert_eq!(Path::of(&uri).as_str(), "/");
    }
}
