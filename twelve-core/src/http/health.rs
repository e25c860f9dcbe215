//! The health endpoints: `GET /health/live` and `GET /health/ready`, as a plain tower
//! service ([`health_service`]) and, with the `axum` feature, as routes
//! ([`health_routes`]).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Method, Request, Response, StatusCode, header};

use crate::health::Health;

/// The path of the liveness endpoint.
pub const LIVE_PATH: &str = "/health/live";
/// The path of the readiness endpoint.
pub const READY_PATH: &str = "/health/ready";

/// A tower service answering `GET /health/live` (200 `{"status":"alive"}`) and
/// `GET /health/ready` (200 `{"status":"ready","checks":{...}}`, or 503 with
/// `not_ready` or `shutting_down`); 404 for other paths, 405 for other methods.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use tower::ServiceExt as _;
/// use twelve_core::Health;
///
/// let health = Health::new();
/// let service = twelve_core::http::health_service(health.clone());
/// let request = http::Request::get("/health/ready").body(()).unwrap();
/// let response = service.clone().oneshot(request).await.unwrap();
/// assert_eq!(response.status(), 503);
/// assert_eq!(response.body(), r#"{"status":"not_ready","checks":{}}"#);
///
/// health.set_ready(true);
/// let request = http::Request::get("/health/ready").body(()).unwrap();
/// assert_eq!(service.oneshot(request).await.unwrap().status(), 200);
/// # }
/// ```
pub fn health_service(health: Health) -> HealthService {
    HealthService { health }
}

/// The service made by [`health_service`].
#[derive(Debug, Clone)]
pub struct HealthService {
    health: Health,
}

impl<B> tower_service::Service<Request<B>> for HealthService {
    type Response = Response<String>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<String>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let health = self.health.clone();
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        Box::pin(async move {
            if path != LIVE_PATH && path != READY_PATH {
                return Ok(json(
                    StatusCode::NOT_FOUND,
                    r#"{"status":"not_found"}"#.into(),
                ));
            }
            if method != Method::GET && method != Method::HEAD {
                return Ok(json(
                    StatusCode::METHOD_NOT_ALLOWED,
                    r#"{"status":"method_not_allowed"}"#.into(),
                ));
            }
            Ok(if path == LIVE_PATH {
                live()
            } else {
                ready(&health).await
            })
        })
    }
}

fn live() -> Response<String> {
    json(StatusCode::OK, r#"{"status":"alive"}"#.into())
}

async fn ready(health: &Health) -> Response<String> {
    let report = health.ready_report().await;
    let status = if report.ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    json(status, report.to_json())
}

fn json(status: StatusCode, body: String) -> Response<String> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// The health endpoints as axum routes, to `merge` into your router (feature `axum`).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use axum::Router;
/// use tower::ServiceExt as _;
/// use twelve_core::Health;
///
/// let health = Health::new();
/// let router: Router = Router::new().merge(twelve_core::http::health_routes(health));
/// let request = http::Request::get("/health/live").body(axum::body::Body::empty()).unwrap();
/// assert_eq!(router.oneshot(request).await.unwrap().status(), 200);
/// # }
/// ```
#[cfg(feature = "axum")]
pub fn health_routes<S: Clone + Send + Sync + 'static>(health: Health) -> axum::Router<S> {
    let service = health_service(health);
    axum::Router::new()
        .route_service(LIVE_PATH, service.clone())
        .route_service(READY_PATH, service)
}
