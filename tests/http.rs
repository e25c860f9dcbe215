//! Integration tests of `twelve::http`: real axum routers served on 127.0.0.1, called
//! with hyper's HTTP/1 client; log lines captured through `twelve::log` and read as
//! JSON. Tests run in parallel and share one capture: each reads only the lines of its
//! own correlation IDs.
#![cfg(all(feature = "http", feature = "axum"))]
// The counting global allocator at the end is the only unsafe code: it forwards to
// `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::Poll;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use axum::routing::{get, post};
use http_body_util::{BodyExt as _, Empty};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tower::{Layer as _, ServiceExt as _};
use twelve::correlation::CorrelationId;
use twelve::http::{CorrelationLayer, PropagateCorrelationLayer};

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

// ---------------------------------------------------------------------------------
// Log capture: one global subscriber per test binary, every line kept as bytes.

fn captured() -> &'static Mutex<Vec<Vec<u8>>> {
    static LINES: OnceLock<Arc<Mutex<Vec<Vec<u8>>>>> = OnceLock::new();
    LINES.get_or_init(|| {
        let lines: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
        let sink = lines.clone();
        let subscriber = twelve::log::builder()
            .service("http-tests")
            .version("0.0.1")
            .level("info")
            .sink(Arc::new(move |line: &[u8]| {
                if let Ok(mut lines) = sink.lock() {
                    lines.push(line.to_vec());
                }
            }))
            .build()
            .expect("log settings are valid");
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        lines
    })
}

/// Every captured line, each checked to be one JSON object.
fn all_lines() -> Vec<Value> {
    let raw = captured().lock().expect("capture lock").clone();
    raw.iter()
        .map(|line| {
            assert!(line.ends_with(b"\n"), "a line ends with a newline");
            let text = std::str::from_utf8(line).expect("lines are UTF-8");
            let value: Value = serde_json::from_str(text.trim_end())
                .unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
            assert!(value.is_object(), "not an object: {text}");
            value
        })
        .collect()
}

/// The captured lines whose `correlation_id` is `id`.
fn lines_of(id: &str) -> Vec<Value> {
    all_lines()
        .into_iter()
        .filter(|l| l["correlation_id"] == id)
        .collect()
}

/// The one request line (`request …` from target `twelve::http`) of `id`.
fn request_line(id: &str) -> Value {
    let lines: Vec<Value> = lines_of(id)
        .into_iter()
        .filter(|l| l["target"] == "twelve::http")
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "exactly one request line for {id}: {lines:#?}"
    );
    lines.into_iter().next().expect("one line")
}

fn messages(lines: &[Value]) -> Vec<&str> {
    lines
        .iter()
        .map(|l| l["message"].as_str().unwrap_or_default())
        .collect()
}

fn assert_uuid_v7(id: &str) {
    let bytes = id.as_bytes();
    assert_eq!(bytes.len(), 36, "{id}");
    for (i, b) in bytes.iter().enumerate() {
        match i {
            8 | 13 | 18 | 23 => assert_eq!(*b, b'-', "{id}"),
            _ => assert!(b.is_ascii_hexdigit() && !b.is_ascii_uppercase(), "{id}"),
        }
    }
    assert_eq!(bytes[14], b'7', "version 7: {id}");
    assert!(b"89ab".contains(&bytes[19]), "RFC 4122 variant: {id}");
}

// ---------------------------------------------------------------------------------
// The service under test and a real HTTP/1 client.

/// Logs a line in the handler, one in a task spawned with `twelve::correlation::spawn`
/// and one in a bare `tokio::spawn`; answers with the ID the handler saw.
async fn work() -> String {
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

async fn place_order() -> (StatusCode, &'static str) {
    tracing::info!("order placed");
    (StatusCode::CREATED, "placed")
}

fn app() -> Router {
    Router::new()
        .route("/work", get(work))
        .route("/orders/{id}", post(place_order))
        .layer(CorrelationLayer::default())
}

/// Serves `router` on 127.0.0.1 with `axum::serve`, in this test's runtime.
async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

/// One HTTP/1 connection, requests sent one after the other.
struct Client {
    addr: SocketAddr,
    sender: SendRequest<Empty<Bytes>>,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn id(&self) -> &str {
        self.headers
            .get("x-correlation-id")
            .expect("x-correlation-id on the response")
            .to_str()
            .expect("ASCII")
    }
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("HTTP/1 handshake");
        tokio::spawn(connection);
        Client { addr, sender }
    }

    async fn send(&mut self, method: &str, path: &str, headers: &[(&str, HeaderValue)]) -> Answer {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", self.addr.to_string());
        for (name, value) in headers {
            request = request.header(*name, value.clone());
        }
        let request = request.body(Empty::new()).expect("a valid request");
        self.sender.ready().await.expect("connection still open");
        let response = self.sender.send_request(request).await.expect("a response");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("the body").to_bytes();
        Answer {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    async fn get(&mut self, path: &str, headers: &[(&str, HeaderValue)]) -> Answer {
        self.send("GET", path, headers).await
    }
}

fn value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).expect("a valid header value")
}

// ---------------------------------------------------------------------------------
// Incoming IDs.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valid_incoming_id_is_kept_echoed_and_on_every_line_of_the_request() {
    captured();
    let mut client = Client::connect(serve(app()).await).await;
    let id = "order-svc:req_42.retry-1";
    let answer = client
        .get("/work", &[("x-correlation-id", value(id))])
        .await;

    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.id(), id, "echoed");
    assert_eq!(answer.body, id, "the handler saw it");
    let lines = lines_of(id);
    assert_eq!(
        messages(&lines),
        ["handler line", "spawned line", "request finished"],
        "{lines:#?}"
    );
    for line in &lines {
        assert_eq!(line["service"], "http-tests");
        assert!(
            line.get("trace_id").is_none(),
            "no traceparent, no trace: {line}"
        );
    }

    // A bare `tokio::spawn` does not carry the scope: documented, and true.
    let bare: Vec<Value> = all_lines()
        .into_iter()
        .filter(|l| l["seen_id"] == id)
        .collect();
    assert_eq!(bare.len(), 1, "{bare:#?}");
    assert!(bare[0].get("correlation_id").is_none(), "{}", bare[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_request_id_is_the_fallback() {
    captured();
    let mut client = Client::connect(serve(app()).await).await;
    let id = "fallback-req-1";
    let answer = client.get("/work", &[("x-request-id", value(id))]).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.id(), id, "echoed in x-correlation-id");
    assert_eq!(
        messages(&lines_of(id)),
        ["handler line", "spawned line", "request finished"]
    );

    // Both present: x-correlation-id wins.
    let answer = client
        .get(
            "/work",
            &[
                ("x-correlation-id", value("primary-wins-1")),
                ("x-request-id", value("fallback-loses-1")),
            ],
        )
        .await;
    assert_eq!(answer.id(), "primary-wins-1");
    assert!(lines_of("fallback-loses-1").is_empty());

    // An invalid x-correlation-id with a valid x-request-id: the valid one is used, and
    // the line says a value was rejected, not what it was.
    let answer = client
        .get(
            "/work",
            &[
                ("x-correlation-id", value("not valid!")),
                ("x-request-id", value("fallback-used-1")),
            ],
        )
        .await;
    assert_eq!(answer.id(), "fallback-used-1");
    let line = request_line("fallback-used-1");
    assert_eq!(line["http.correlation_id_rejected"], "bad_character");
    assert_eq!(line["http.correlation_id_rejected_len"], 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_id_is_replaced_by_a_new_uuid_v7() {
    captured();
    let mut client = Client::connect(serve(app()).await).await;
    let first = client.get("/work", &[]).await;
    let second = client.get("/work", &[]).await;
    for answer in [&first, &second] {
        assert_eq!(answer.status, StatusCode::OK);
        assert_uuid_v7(answer.id());
        assert_eq!(answer.body, answer.id(), "the handler ran with the same ID");
        assert_eq!(
            messages(&lines_of(answer.id())),
            ["handler line", "spawned line", "request finished"]
        );
        let line = request_line(answer.id());
        assert!(
            line.get("http.correlation_id_rejected").is_none(),
            "nothing rejected: {line}"
        );
    }
    assert_ne!(first.id(), second.id(), "one ID per request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_names_are_configurable() {
    captured();
    let layer = CorrelationLayer::new()
        .header(HeaderName::from_static("x-trace-tag"))
        .no_fallback_header();
    let router = Router::new().route("/work", get(work)).layer(layer);
    let mut client = Client::connect(serve(router).await).await;

    let answer = client
        .get("/work", &[("x-trace-tag", value("custom-name-1"))])
        .await;
    assert_eq!(answer.headers["x-trace-tag"], "custom-name-1");
    assert!(answer.headers.get("x-correlation-id").is_none());
    assert_eq!(request_line("custom-name-1")["http.status"], 200);

    // No fallback: x-request-id is not read.
    let answer = client
        .get("/work", &[("x-request-id", value("ignored-fallback-1"))])
        .await;
    let id = answer.headers["x-trace-tag"].to_str().expect("ASCII");
    assert_uuid_v7(id);
    assert!(lines_of("ignored-fallback-1").is_empty());

    // Another fallback name.
    let layer = CorrelationLayer::default().fallback_header(HeaderName::from_static("x-amzn-id"));
    let router = Router::new().route("/work", get(work)).layer(layer);
    let mut client = Client::connect(serve(router).await).await;
    let answer = client
        .get("/work", &[("x-amzn-id", value("amzn-fallback-1"))])
        .await;
    assert_eq!(answer.id(), "amzn-fallback-1");
}

// ---------------------------------------------------------------------------------
// traceparent.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_traceparent_puts_trace_and_span_ids_on_every_line() {
    captured();
    let mut client = Client::connect(serve(app()).await).await;
    let id = "traced-request-1";
    let answer = client
        .get(
            "/work",
            &[
                ("x-correlation-id", value(id)),
                ("traceparent", value(TRACEPARENT)),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let lines = lines_of(id);
    assert_eq!(
        messages(&lines),
        ["handler line", "spawned line", "request finished"]
    );
    for line in &lines {
        assert_eq!(
            line["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736",
            "{line}"
        );
        assert_eq!(line["span_id"], "00f067aa0ba902b7", "{line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_traceparent_is_ignored_and_the_request_served() {
    captured();
    let mut client = Client::connect(serve(app()).await).await;
    let malformed = [
        "garbage",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        "",
    ];
    for (i, traceparent) in malformed.iter().enumerate() {
        let id = format!("bad-traceparent-{i}");
        let answer = client
            .get(
                "/work",
                &[
                    ("x-correlation-id", value(&id)),
                    ("traceparent", value(traceparent)),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{traceparent:?}");
        assert_eq!(answer.id(), id);
        let lines = lines_of(&id);
        assert_eq!(lines.len(), 3, "{traceparent:?}: {lines:#?}");
        for line in &lines {
            assert!(line.get("trace_id").is_none(), "{traceparent:?}: {line}");
            assert!(line.get("span_id").is_none(), "{traceparent:?}: {line}");
        }
    }

    // Non-ASCII bytes, and a valid header sent twice (invalid per W3C): ignored too.
    let answer = client
        .get(
            "/work",
            &[
                ("x-correlation-id", value("bad-traceparent-bytes")),
                (
                    "traceparent",
                    HeaderValue::from_bytes(b"00-\xff\xfe-01").expect("obs-text"),
                ),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let answer = client
        .get(
            "/work",
            &[
                ("x-correlation-id", value("two-traceparents")),
                ("traceparent", value(TRACEPARENT)),
                ("traceparent", value(TRACEPARENT)),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    for id in ["bad-traceparent-bytes", "two-traceparents"] {
        let lines = lines_of(id);
        assert_eq!(lines.len(), 3, "{lines:#?}");
        assert!(
            lines.iter().all(|l| l.get("trace_id").is_none()),
            "{lines:#?}"
        );
    }
}

// ---------------------------------------------------------------------------------
// Hostile headers.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_ids_are_replaced_never_logged_and_the_service_keeps_serving() {
    captured();
    let mut client = Client::connect(serve(app()).await).await;
    let long = "hostile-".repeat(1250);
    assert_eq!(long.len(), 10_000);
    let cases: Vec<(&str, HeaderValue, &str)> = vec![
        ("10,000 characters", value(&long), "too_long"),
        ("129 characters", value(&"h".repeat(129)), "too_long"),
        (
            "non-ASCII bytes",
            HeaderValue::from_bytes(b"caf\xc3\xa9-\xff\xfe-hostile").expect("obs-text"),
            "not_ascii",
        ),
        ("a tab", value("hostile\tid-with-tab"), "bad_character"),
        (
            "JSON-breaking quotes",
            value(r#"hostile"},{"level":"error","message":"pwned"#),
            "bad_character",
        ),
        ("a backslash", value(r"hostile\u0000id\"), "bad_character"),
        (
            "markup",
            value("<script>alert('hostile')</script>"),
            "bad_character",
        ),
        ("spaces", value("hostile id with spaces"), "bad_character"),
        ("empty", value(""), "empty"),
    ];
    let mut ids = Vec::new();
    for (what, hostile, reason) in &cases {
        for header in ["x-correlation-id", "x-request-id"] {
            let answer = client.get("/work", &[(header, hostile.clone())]).await;
            assert_eq!(answer.status, StatusCode::OK, "{what} in {header}");
            let id = answer.id().to_owned();
            assert_uuid_v7(&id);
            assert_eq!(
                answer.body, id,
                "{what} in {header}: the handler had the new ID"
            );
            let lines = lines_of(&id);
            assert_eq!(
                messages(&lines),
                ["handler line", "spawned line", "request finished"],
                "{what} in {header}"
            );
            let line = request_line(&id);
            assert_eq!(
                line["http.correlation_id_rejected"], *reason,
                "{what} in {header}"
            );
            assert_eq!(
                line["http.correlation_id_rejected_len"],
                hostile.len(),
                "{what}"
            );
            ids.push(id);
        }
    }

    // Still serving, on the same connection.
    let answer = client
        .get("/work", &[("x-correlation-id", value("after-hostile-1"))])
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.id(), "after-hostile-1");

    // No line anywhere holds a hostile value, raw or decoded (every line is JSON:
    // `all_lines` checks that).
    let raw = captured().lock().expect("capture lock").clone();
    let decoded = all_lines();
    for (what, hostile, _) in cases.iter().filter(|(_, v, _)| !v.is_empty()) {
        let bytes = hostile.as_bytes();
        let text = String::from_utf8_lossy(bytes);
        for line in &raw {
            assert!(
                !line.windows(bytes.len()).any(|w| w == bytes),
                "{what} logged raw: {}",
                String::from_utf8_lossy(line)
            );
        }
        for line in &decoded {
            assert!(!holds(line, &text), "{what} logged: {line}");
        }
    }
    assert_eq!(ids.len(), cases.len() * 2);
}

/// Whether any key or string value of `line` contains `text`.
fn holds(line: &Value, text: &str) -> bool {
    match line {
        Value::String(s) => s.contains(text),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains(text) || holds(v, text)),
        Value::Array(items) => items.iter().any(|v| holds(v, text)),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------
// The request line.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_line_has_method_path_route_status_and_duration() {
    captured();
    let mut client = Client::connect(serve(app()).await).await;
    let answer = client
        .send(
            "POST",
            "/orders/7?token=secret-in-query",
            &[("x-correlation-id", value("route-test-1"))],
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    assert_eq!(
        messages(&lines_of("route-test-1")),
        ["order placed", "request finished"]
    );
    let line = request_line("route-test-1");
    assert_eq!(line["level"], "info");
    assert_eq!(line["message"], "request finished");
    assert_eq!(line["http.method"], "POST");
    assert_eq!(line["http.path"], "/orders/7", "no query string");
    assert_eq!(line["http.route"], "/orders/{id}");
    assert_eq!(line["http.status"], 201);
    let duration = line["duration_ms"]
        .as_f64()
        .expect("duration_ms is a number");
    assert!((0.0..60_000.0).contains(&duration), "{duration}");
    // To the microsecond: at most three decimals.
    let text = line["duration_ms"].to_string();
    assert!(
        text.split_once('.')
            .is_none_or(|(_, decimals)| decimals.len() <= 3),
        "{text}"
    );
    assert!(!line.to_string().contains("secret-in-query"));

    // No route matched: 404, no http.route.
    let answer = client
        .get("/nowhere", &[("x-correlation-id", value("route-test-404"))])
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.id(), "route-test-404");
    let line = request_line("route-test-404");
    assert_eq!(line["http.path"], "/nowhere");
    assert_eq!(line["http.status"], 404);
    assert!(line.get("http.route").is_none(), "{line}");

    // Wrong method on a route: 405, from the route's own fallback.
    let answer = client
        .get(
            "/orders/7",
            &[("x-correlation-id", value("route-test-405"))],
        )
        .await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(request_line("route-test-405")["http.status"], 405);
}

// ---------------------------------------------------------------------------------
// Errors, panics and cancellation (tower services, no network needed).

#[tokio::test]
async fn an_inner_error_is_logged_at_error_and_passed_through() {
    captured();
    let failing = tower::service_fn(|_: Request<Body>| async {
        tracing::info!("about to fail");
        Err::<Response<Body>, _>(std::io::Error::other("backend down"))
    });
    let service = CorrelationLayer::default().layer(failing);
    let request = Request::get("/fail")
        .header("x-correlation-id", "error-test-1")
        .body(Body::empty())
        .expect("request");
    let error = service
        .oneshot(request)
        .await
        .expect_err("the error passes through");
    assert_eq!(error.to_string(), "backend down");

    assert_eq!(
        messages(&lines_of("error-test-1")),
        ["about to fail", "request failed"]
    );
    let line = request_line("error-test-1");
    assert_eq!(line["level"], "error");
    assert_eq!(line["error"], "backend down");
    assert_eq!(line["http.method"], "GET");
    assert_eq!(line["http.path"], "/fail");
    assert!(line.get("http.status").is_none(), "{line}");
    assert!(line["duration_ms"].is_number());
}

#[tokio::test]
async fn a_dropped_request_logs_one_cancelled_line_with_its_id() {
    captured();
    let router = Router::new()
        .route(
            "/slow",
            get(|| async {
                tracing::info!("slow handler started");
                std::future::pending::<()>().await;
            }),
        )
        .layer(CorrelationLayer::default());
    let request = Request::get("/slow")
        .header("x-correlation-id", "cancel-test-1")
        .body(Body::empty())
        .expect("request");
    {
        let mut call = pin!(router.oneshot(request));
        std::future::poll_fn(|cx| {
            assert!(call.as_mut().poll(cx).is_pending());
            Poll::Ready(())
        })
        .await;
    } // dropped here, as hyper drops it when the client goes away
    assert_eq!(
        messages(&lines_of("cancel-test-1")),
        ["slow handler started", "request cancelled"]
    );
    let line = request_line("cancel-test-1");
    assert_eq!(line["level"], "info");
    assert_eq!(line["http.path"], "/slow");
    assert_eq!(line["http.route"], "/slow");
    assert!(line.get("http.status").is_none(), "{line}");
}

#[tokio::test]
async fn a_panicking_handler_logs_one_panicked_line_with_its_id() {
    captured();
    let router = Router::new()
        .route(
            "/boom",
            get(|| async {
                tracing::info!("about to panic");
                if CorrelationId::current().is_some() {
                    panic!("handler panicked on purpose");
                }
            }),
        )
        .layer(CorrelationLayer::default());
    let request = Request::get("/boom")
        .header("x-correlation-id", "panic-test-1")
        .body(Body::empty())
        .expect("request");
    let joined = tokio::spawn(router.oneshot(request)).await;
    assert!(joined.expect_err("the task panicked").is_panic());
    assert_eq!(
        messages(&lines_of("panic-test-1")),
        ["about to panic", "request panicked"]
    );
    assert_eq!(request_line("panic-test-1")["level"], "error");
}

// ---------------------------------------------------------------------------------
// PropagateCorrelationLayer.

#[tokio::test]
async fn propagate_puts_the_current_id_on_outgoing_requests() {
    let sent: Arc<Mutex<Vec<HeaderMap>>> = Arc::default();
    let record = sent.clone();
    let client = tower::service_fn(move |request: Request<()>| {
        let record = record.clone();
        async move {
            record.lock().expect("lock").push(request.headers().clone());
            Ok::<_, Infallible>(Response::new(()))
        }
    });
    let client = PropagateCorrelationLayer::default().layer(client);

    // Inside a scope: the ID is added.
    let id = CorrelationId::parse("outgoing-1").expect("valid");
    CorrelationId::scope(id, client.clone().oneshot(Request::new(())))
        .await
        .expect("sent");
    // Outside any scope: nothing is added.
    client
        .clone()
        .oneshot(Request::new(()))
        .await
        .expect("sent");
    // A header already there is kept.
    let id = CorrelationId::parse("outgoing-2").expect("valid");
    let mut request = Request::new(());
    request
        .headers_mut()
        .insert("x-correlation-id", value("set-by-caller"));
    CorrelationId::scope(id.clone(), client.clone().oneshot(request))
        .await
        .expect("sent");
    // Another header name.
    let custom = PropagateCorrelationLayer::new()
        .header(HeaderName::from_static("x-request-id"))
        .layer(client.into_inner());
    CorrelationId::scope(id, custom.oneshot(Request::new(())))
        .await
        .expect("sent");

    let sent = sent.lock().expect("lock");
    assert_eq!(sent.len(), 4);
    assert_eq!(sent[0]["x-correlation-id"], "outgoing-1");
    assert!(sent[1].get("x-correlation-id").is_none());
    assert_eq!(sent[2]["x-correlation-id"], "set-by-caller");
    assert_eq!(sent[3]["x-request-id"], "outgoing-2");
    assert!(sent[3].get("x-correlation-id").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_travels_from_one_service_to_the_next() {
    captured();
    // Downstream: a plain router with the layer.
    let downstream = serve(app()).await;
    // Upstream: its handler calls downstream with a propagating hyper client.
    let upstream = Router::new()
        .route(
            "/call",
            get(move || async move {
                // A one-connection-per-request hyper client, as a tower service.
                let client = tower::service_fn(move |request: Request<Empty<Bytes>>| async move {
                    let stream = tokio::net::TcpStream::connect(downstream).await?;
                    let (mut sender, connection) =
                        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
                    tokio::spawn(connection);
                    Ok::<_, Box<dyn std::error::Error + Send + Sync>>(
                        sender.send_request(request).await?,
                    )
                });
                let client = PropagateCorrelationLayer::default().layer(client);
                let request = Request::get("/work")
                    .header("host", downstream.to_string())
                    .body(Empty::new())
                    .expect("request");
                let response = client.oneshot(request).await.expect("downstream answers");
                response.headers()["x-correlation-id"]
                    .to_str()
                    .unwrap_or_default()
                    .to_owned()
            }),
        )
        .layer(CorrelationLayer::default());
    let mut client = Client::connect(serve(upstream).await).await;
    let answer = client
        .get("/call", &[("x-correlation-id", value("hop-test-1"))])
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, "hop-test-1", "downstream got the same ID");
    let lines = lines_of("hop-test-1");
    assert_eq!(
        messages(&lines),
        [
            "handler line",
            "spawned line",
            "request finished",
            "request finished"
        ],
        "downstream's lines, then upstream's: {lines:#?}"
    );
}

// ---------------------------------------------------------------------------------
// Allocations: the layer's own cost per request is the ID and nothing else.

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.try_with(Cell::get).unwrap_or(false) {
            let _ = ALLOCS.try_with(|a| a.set(a.get() + 1));
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// How many allocations `f` makes on this thread.
fn allocations(f: impl FnOnce()) -> usize {
    ALLOCS.with(|a| a.set(0));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCS.with(Cell::get)
}

#[test]
fn the_layer_allocates_the_id_and_the_response_header_only() {
    use tower::Service as _;

    // Logging's own cost is measured in tests/logging.rs (none per line): off here.
    let _no_logs = tracing::subscriber::set_default(tracing::subscriber::NoSubscriber::default());
    // The inner service hands out a response prepared outside the count, with room
    // for the header: what is counted is the layer's work.
    let next: Rc<RefCell<Option<Response<()>>>> = Rc::default();
    let slot = next.clone();
    let inner = tower::service_fn(move |_: Request<()>| {
        std::future::ready(Ok::<_, Infallible>(
            slot.borrow_mut().take().unwrap_or_default(),
        ))
    });
    let mut service = CorrelationLayer::default().layer(inner);
    // New IDs draw from a per-thread generator, made (one allocation) on this thread's
    // first ID: not per request.
    let _ = twelve::correlation::CorrelationId::new();

    // Static header values and URIs: cloning them allocates nothing, as cloning the
    // shared buffers hyper parses into allocates nothing.
    type Headers = &'static [(&'static str, &'static str)];
    let cases: [(&str, Headers, usize); 5] = [
        ("a valid ID", &[("x-correlation-id", "req-42")], 1),
        ("a valid fallback ID", &[("x-request-id", "req-43")], 1),
        (
            "a valid ID and traceparent",
            &[("x-correlation-id", "req-44"), ("traceparent", TRACEPARENT)],
            1,
        ),
        ("no ID: a new one and its header value", &[], 2),
        (
            "a rejected ID: a new one and its header value",
            &[("x-correlation-id", "bad id")],
            2,
        ),
    ];
    for (what, headers, expected) in cases {
        let mut request = Request::get(axum::http::Uri::from_static("/orders/7"));
        for (name, value) in headers {
            request = request.header(*name, HeaderValue::from_static(value));
        }
        let request = request.body(()).expect("request");
        let mut response = Response::new(());
        response.headers_mut().reserve(4);
        *next.borrow_mut() = Some(response);

        let mut output = None;
        let count = allocations(|| {
            let future = pin!(service.call(request));
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            if let Poll::Ready(result) = future.poll(&mut cx) {
                output = Some(result);
            }
        });
        let response = output.expect("ready at once").expect("Ok");
        assert!(
            response.headers().contains_key("x-correlation-id"),
            "{what}"
        );
        assert_eq!(count, expected, "{what}");
    }
}
