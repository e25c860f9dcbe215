//! The request line, and errors, panics and cancellation (tower services, no network
//! needed).

use std::future::Future;
use std::pin::pin;
use std::task::Poll;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use axum::routing::get;
use tower::{Layer as _, ServiceExt as _};
use twelve::correlation::CorrelationId;
use twelve::http::CorrelationLayer;

use crate::capture::{captured, lines_of, messages, request_line};
use crate::service::{Client, app, serve, value};

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
    assert_eq!(line["http.request.method"], "POST");
    assert_eq!(line["url.path"], "/orders/7", "no query string");
    assert_eq!(line["http.route"], "/orders/{id}");
    assert_eq!(line["http.response.status_code"], 201);
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
    assert_eq!(line["url.path"], "/nowhere");
    assert_eq!(line["http.response.status_code"], 404);
    assert!(line.get("http.route").is_none(), "{line}");

    // Wrong method on a route: 405, from the route's own fallback.
    let answer = client
        .get(
            "/orders/7",
            &[("x-correlation-id", value("route-test-405"))],
        )
        .await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        request_line("route-test-405")["http.response.status_code"],
        405
    );
}

// ---------------------------------------------------------------------------------
// Errors, panics and cancellation.

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
    assert_eq!(line["http.request.method"], "GET");
    assert_eq!(line["url.path"], "/fail");
    assert!(line.get("http.response.status_code").is_none(), "{line}");
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
    assert_eq!(line["url.path"], "/slow");
    assert_eq!(line["http.route"], "/slow");
    assert!(line.get("http.response.status_code").is_none(), "{line}");
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
