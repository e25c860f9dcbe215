//! The recommended axum setup: `CorrelationLayer` added with `Router::layer` **last**,
//! after every route, `nest`, `merge`, `fallback` and `with_state`. Then every request
//! that reaches the service has its line and its `x-correlation-id`, unmatched ones
//! (404, 405) included, and matched ones carry `http.route`. A layer added before a
//! `merge` misses what the merge brings, axum's 404 fallback included: shown here too,
//! as the reason for the rule.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use twelve::health::Health;
use twelve::http::{CorrelationLayer, health_routes};

use crate::capture::{captured, lines_of, request_line};
use crate::service::{Client, serve, value};

async fn greet(State(greeting): State<&'static str>) -> &'static str {
    greeting
}

/// Routes, a nested router, state and the health routes, then the layer.
fn recommended(fallback: bool) -> Router {
    let api = Router::new().route("/orders/{id}", get(|| async { "order" }));
    let router = Router::new()
        .route("/greet", get(greet))
        .route("/orders", post(|| async { StatusCode::CREATED }))
        .nest("/api", api)
        .with_state("hello")
        .merge(health_routes(Health::new()));
    let router = if fallback {
        router.fallback(|| async { (StatusCode::NOT_FOUND, "no such page") })
    } else {
        router
    };
    router.layer(CorrelationLayer::default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_layer_last_every_request_has_its_line_and_id() {
    captured();
    for fallback in [false, true] {
        let mut client = Client::connect(serve(recommended(fallback)).await).await;
        // (method, path, status, route) — `None`: no route matched.
        let cases: [(&str, &str, u16, Option<&str>); 7] = [
            ("GET", "/greet", 200, Some("/greet")),
            ("POST", "/orders", 201, Some("/orders")),
            ("GET", "/api/orders/7", 200, Some("/api/orders/{id}")),
            ("GET", "/health/live", 200, Some("/health/live")),
            ("GET", "/nowhere", 404, None),
            ("GET", "/api/nowhere", 404, None),
            // The path matched a route, the method did not: the route is named.
            ("GET", "/orders", 405, Some("/orders")),
        ];
        for (i, (method, path, status, route)) in cases.into_iter().enumerate() {
            let id = format!("setup-{fallback}-{i}");
            let answer = client
                .send(method, path, &[("x-correlation-id", value(&id))])
                .await;
            assert_eq!(answer.status.as_u16(), status, "{method} {path}");
            assert_eq!(answer.id(), id, "{method} {path}: echoed");
            let line = request_line(&id);
            assert_eq!(line["http.response.status_code"], status, "{method} {path}");
            assert_eq!(line["url.path"], path);
            assert_eq!(line["http.request.method"], method);
            assert_eq!(
                line["http.route"].as_str(),
                route,
                "{method} {path}: {line}"
            );
            assert!(line["trace_id"].is_string(), "{line}");
        }
        if fallback {
            let answer = client.get("/nowhere", &[]).await;
            assert_eq!(answer.body, "no such page", "the user's fallback ran");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_layer_added_before_a_merge_misses_what_the_merge_brings() {
    captured();
    let router = Router::new()
        .route("/greet", get(|| async { "hello" }))
        .layer(CorrelationLayer::default())
        .merge(health_routes(Health::new()));
    let mut client = Client::connect(serve(router).await).await;
    let answer = client
        .get("/greet", &[("x-correlation-id", value("early-layer-1"))])
        .await;
    assert_eq!(answer.id(), "early-layer-1");
    assert_eq!(request_line("early-layer-1")["http.route"], "/greet");
    for (path, status) in [("/health/live", 200), ("/nowhere", 404)] {
        let id = format!("early-layer-{status}");
        let answer = client.get(path, &[("x-correlation-id", value(&id))]).await;
        assert_eq!(answer.status.as_u16(), status);
        assert!(answer.headers.get("x-correlation-id").is_none(), "{path}");
        assert!(lines_of(&id).is_empty(), "{path}: no line");
    }
}
