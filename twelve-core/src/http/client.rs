//! The client side: [`PropagateCorrelationLayer`] puts the current correlation ID on
//! outgoing requests.

use std::task::{self, Poll};

use ::http::{HeaderName, HeaderValue, Request};
use tower_layer::Layer;
use tower_service::Service;

use super::X_CORRELATION_ID;
use crate::correlation::CorrelationId;

/// A tower layer for HTTP clients: puts the current correlation ID
/// ([`CorrelationId::current`]) into each outgoing request's `x-correlation-id`, unless
/// the request already has that header. Outside any scope, requests go unchanged.
///
/// ```
/// # use twelve_core as twelve;
/// use axum::http::{Request, Response};
/// use tower::{Layer as _, ServiceExt as _};
/// use twelve::correlation::CorrelationId;
/// use twelve::http::PropagateCorrelationLayer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Any tower client of `http::Request`s: hyper-util's `Client`, a tonic channel...
/// let client = tower::service_fn(|request: Request<()>| async move {
///     let sent = request.headers().get("x-correlation-id").cloned();
///     Ok::<_, std::convert::Infallible>(Response::new(sent))
/// });
/// let client = PropagateCorrelationLayer::default().layer(client);
///
/// let id = CorrelationId::parse("job-7").unwrap();
/// let response = CorrelationId::scope(id, client.oneshot(Request::new(()))).await.unwrap();
/// assert_eq!(response.body().as_ref().unwrap(), "job-7");
/// # }
/// ```
///
/// The call must start inside the scope: the header is set in `call`.
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

impl<S, B> Service<Request<B>> for PropagateCorrelationService<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut task::Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        if !request.headers().contains_key(&self.header) {
            let value =
                CorrelationId::current().and_then(|id| HeaderValue::from_str(id.as_str()).ok());
            if let Some(value) = value {
                request.headers_mut().insert(self.header.clone(), value);
            }
        }
        self.inner.call(request)
    }
}
