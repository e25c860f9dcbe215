//! [`metrics_service`]: `GET /metrics` as a tower service, what the runtime serves on
//! `METRICS_PORT` and what you can mount on a router of your own.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::task::{Context, Poll};

use http::{Method, Request, Response, StatusCode, header};

use super::Exporter;

/// The path the runtime serves the metrics on, on `METRICS_PORT`.
pub const METRICS_PATH: &str = "/metrics";

/// The content type of the Prometheus text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A tower service answering `GET` (and `HEAD`) with the metrics in the Prometheus
/// text format ([`render`](super::render)); 405 for other methods. Installs twelve's
/// recorder first if needed (see [`install`](super::install)).
///
/// The runtime serves it on `0.0.0.0:$METRICS_PORT` already; mount it on your own
/// router when you want the metrics on another port or path too:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # use twelve_core as twelve;
/// use axum::Router;
/// use tower::ServiceExt as _;
///
/// let router: Router = Router::new().route_service("/metrics", twelve::http::metrics_service());
/// twelve::metrics::counter!("jobs_done_total").increment(2);
///
/// let request = http::Request::get("/metrics").body(axum::body::Body::empty()).unwrap();
/// let response = router.oneshot(request).await.unwrap();
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.headers()["content-type"], twelve::metrics::CONTENT_TYPE);
/// let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
/// let text = String::from_utf8(body.to_vec()).unwrap();
/// assert!(text.contains("jobs_done_total 2"));
/// assert!(text.contains("# TYPE process_cpu_seconds_total counter"));
/// # }
/// ```
pub fn metrics_service() -> MetricsService {
    MetricsService {
        exporter: Exporter::get(),
    }
}

/// The service made by [`metrics_service`].
#[derive(Clone)]
pub struct MetricsService {
    exporter: &'static Exporter,
}

impl std::fmt::Debug for MetricsService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsService").finish_non_exhaustive()
    }
}

impl<B> tower_service::Service<Request<B>> for MetricsService {
    type Response = Response<String>;
    type Error = Infallible;
    type Future = Ready<Result<Response<String>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let method = request.method();
        if method != Method::GET && method != Method::HEAD {
            let mut response = Response::new("method not allowed\n".to_owned());
            *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            response
                .headers_mut()
                .insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
            return ready(Ok(response));
        }
        let mut response = Response::new(self.exporter.render());
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static(CONTENT_TYPE),
        );
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
        ready(Ok(response))
    }
}

#[cfg(test)]
mod tests {
    use tower::ServiceExt as _;

    use super::*;

    #[tokio::test]
    async fn get_renders_and_other_methods_are_refused() {
        let get = Request::get("/metrics").body(()).expect("a request");
        let response = metrics_service().oneshot(get).await.expect("infallible");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_TYPE], CONTENT_TYPE);
        assert!(response.body().contains("# TYPE log_events_total counter"));
        let post = Request::post("/metrics").body(()).expect("a request");
        let response = metrics_service().oneshot(post).await.expect("infallible");
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers()[header::ALLOW], "GET, HEAD");
    }
}
