//! The health endpoints: `GET /health/live` and `GET /health/ready`, as a plain tower
//! service ([`health_service`]) and, with the `axum` feature, as routes
//! ([`health_routes`]); and the JSON of the readiness report.
//!
//! The live endpoint has no state to read: it answers 200 `{"status":"alive"}` to
//! every request it gets, also while the service is not ready and while it drains, so
//! that a slow backing service or a shutdown never gets the process restarted. A
//! runtime too wedged to answer fails the probe by its timeout.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Method, Request, Response, StatusCode, header};

use crate::health::{Health, ReadyReport};
use crate::log::push_json_string;

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
    json(status, ready_json(&report))
}

/// The readiness body: `{"status":"ready","checks":{"db":"ok"}}`.
fn ready_json(report: &ReadyReport) -> String {
    let mut out = String::from("{\"status\":");
    push_json_string(&mut out, report.status);
    out.push_str(",\"checks\":{");
    for (i, (name, result)) in report.checks.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_string(&mut out, name);
        out.push(':');
        push_json_string(&mut out, result);
    }
    out.push_str("}}");
    out
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tower::ServiceExt as _;

    use super::*;

    async fn get(health: &Health, path: &str) -> (StatusCode, String) {
        let request = Request::get(path).body(()).expect("a request");
        let response = health_service(health.clone())
            .oneshot(request)
            .await
            .unwrap_or_else(|never| match never {});
        (response.status(), response.into_body())
    }

    #[tokio::test]
    async fn ready_renders_every_check_and_live_answers_whatever_readiness_says() {
        let alive = (StatusCode::OK, r#"{"status":"alive"}"#.to_string());
        let health = Health::new();
        health.add_check("database", || async { Ok::<(), String>(()) });
        assert_eq!(get(&health, LIVE_PATH).await, alive, "not ready yet");
        health.set_ready(true);
        assert_eq!(
            get(&health, READY_PATH).await,
            (
                StatusCode::OK,
                r#"{"status":"ready","checks":{"database":"ok"}}"#.to_string()
            )
        );

        let health = Health::new();
        health.set_ready(true);
        health.add_check("db", || async { Ok::<(), String>(()) });
        health.add_check("cache", || async { Err::<(), _>("connection refused") });
        health.add_check_with_timeout("slow", Duration::from_millis(20), || async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok::<(), String>(())
        });
        assert_eq!(
            get(&health, READY_PATH).await,
            (
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"status":"not_ready","checks":{"db":"ok","cache":"connection refused","slow":"timed out after 20ms"}}"#.to_string()
            )
        );
        assert_eq!(get(&health, LIVE_PATH).await, alive, "a check fails");

        health.set_shutting_down();
        assert_eq!(
            get(&health, READY_PATH).await,
            (
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"status":"shutting_down","checks":{}}"#.to_string()
            )
        );
        assert_eq!(get(&health, LIVE_PATH).await, alive, "draining");
    }

    #[test]
    fn check_names_and_errors_are_escaped() {
        let report = ReadyReport {
            ok: false,
            status: "not_ready",
            checks: vec![("q\"1".to_string(), "line\nbreak".to_string())],
        };
        assert_eq!(
            ready_json(&report),
            r#"{"status":"not_ready","checks":{"q\"1":"line\nbreak"}}"#
        );
    }
}
