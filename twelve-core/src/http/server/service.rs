//! [`CorrelationService`]: reads the request, and calls the inner service inside the
//! request's correlation scope.

use std::fmt;
use std::sync::Arc;
use std::task::{self, Poll};
use std::time::Instant;

use ::http::{Request, Response};
use tower_service::Service;

use super::future::CorrelationFuture;
use super::incoming::{self, Names};
use super::line::{Path, RequestInfo};
use crate::correlation::{self, Context};

/// The service made by [`CorrelationLayer`](super::CorrelationLayer): wraps a service
/// of `http::Request<B>` to `http::Response<ResB>`.
#[derive(Debug, Clone)]
pub struct CorrelationService<S> {
    inner: S,
    names: Arc<Names>,
}

impl<S> CorrelationService<S> {
    pub(super) fn new(inner: S, names: Arc<Names>) -> Self {
        CorrelationService { inner, names }
    }

    define_inner_service_accessors!();
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
            trace: incoming::trace(headers),
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
            #[cfg(feature = "metrics")]
            metrics: crate::metrics::Started::new(request.method()),
        };
        // `call` runs in the scope too: services that work or log in `call` (routers,
        // other middleware) see the ID. The future runs in it from the first poll on;
        // the context is lent to `call` and given to the future, not cloned.
        let mut scope = Some(context);
        let inner = &mut self.inner;
        let future = correlation::enter(&mut scope, || inner.call(request));
        CorrelationFuture::new(future, scope, info, self.names.clone(), incoming.echo)
    }
}
