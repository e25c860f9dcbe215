//! The service under test and a real HTTP/1 client.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode};
use axum::routing::{get, post};
use http_body_util::{BodyExt as _, Empty};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use twelve::correlation::CorrelationId;
use twelve::http::CorrelationLayer;

use crate::support::process::LIMIT;

/// `future`, for at most [`LIMIT`]: a server or a layer that never answers fails the
/// test, saying `what` hung, instead of hanging it.
pub(crate) async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: nothing after {LIMIT:?}"))
}

/// Logs a line in the handler, one in a task spawned with `twelve::correlation::spawn`
/// and one in a bare `tokio::spawn`; answers with the ID the handler saw.
pub(crate) async fn work() -> String {
    let id = CorrelationId::current().map(|id| id.to_string());
    tracing::info!(step = "handler", "handler line");
    let spawned = twelve::correlation::spawn(async {
        tracing::info!(step = "spawned", "spawned line");
    });
    let _ = spawned.await;
    let seen = id.clone().unwrap_or_default();
    let bare = tokio::spawn(async move {
        tracing::info!(step = "bare", seen_id = seen, "bare spawn line");
    });
    let _ = bare.await;
    id.unwrap_or_default()
}

/// Answers with the current span, one part per line: trace ID, span ID, parent span
/// ID (`-` when none), flags (two hex digits), `tracestate` (`-` when none).
pub(crate) async fn trace() -> String {
    let Some(context) = twelve::correlation::Context::current() else {
        return "no scope".into();
    };
    let span = &context.trace;
    format!(
        "{}\n{}\n{}\n{:02x}\n{}",
        span.trace_id(),
        span.span_id(),
        span.parent_span_id().unwrap_or("-"),
        span.flags(),
        span.tracestate().unwrap_or("-"),
    )
}

/// Logs `order placed`; answers 201.
pub(crate) async fn place_order() -> (StatusCode, &'static str) {
    tracing::info!("order placed");
    (StatusCode::CREATED, "placed")
}

/// `GET /work`, `GET /trace` and `POST /orders/{id}` behind
/// `CorrelationLayer::default()`.
pub(crate) fn app() -> Router {
    Router::new()
        .route("/work", get(work))
        .route("/trace", get(trace))
        .route("/orders/{id}", post(place_order))
        .layer(CorrelationLayer::default())
}

/// Serves `router` on 127.0.0.1 with `axum::serve`, in this test's runtime.
pub(crate) async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

/// One HTTP/1 connection, requests sent one after the other.
pub(crate) struct Client {
    addr: SocketAddr,
    sender: SendRequest<Empty<Bytes>>,
}

/// A response, its body read whole.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Answer {
    /// Its `x-correlation-id`.
    pub(crate) fn id(&self) -> &str {
        self.headers
            .get("x-correlation-id")
            .expect("x-correlation-id on the response")
            .to_str()
            .expect("ASCII")
    }
}

impl Client {
    /// Connects and does the HTTP/1 handshake; the connection is driven by a task.
    pub(crate) async fn connect(addr: SocketAddr) -> Client {
        let stream = within("connect", tokio::net::TcpStream::connect(addr))
            .await
            .expect("connect");
        let (sender, connection) = within(
            "the HTTP/1 handshake",
            hyper::client::conn::http1::handshake(TokioIo::new(stream)),
        )
        .await
        .expect("HTTP/1 handshake");
        tokio::spawn(connection);
        Client { addr, sender }
    }

    /// Sends `method path` with `headers` and reads the whole response.
    pub(crate) async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, HeaderValue)],
    ) -> Answer {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", self.addr.to_string());
        for (name, value) in headers {
            request = request.header(*name, value.clone());
        }
        let request = request.body(Empty::new()).expect("a valid request");
        let what = format!("{method} {path}");
        let (parts, body) = within(&what, async {
            self.sender.ready().await.expect("connection still open");
            let response = self.sender.send_request(request).await.expect("a response");
            let (parts, body) = response.into_parts();
            (parts, body.collect().await.expect("the body").to_bytes())
        })
        .await;
        Answer {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// `GET path` with `headers`.
    pub(crate) async fn get(&mut self, path: &str, headers: &[(&str, HeaderValue)]) -> Answer {
        self.send("GET", path, headers).await
    }
}

/// A header value from text that is valid as one.
pub(crate) fn value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).expect("a valid header value")
}
