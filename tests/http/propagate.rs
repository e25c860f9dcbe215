//! `PropagateCorrelationLayer`: the ID on outgoing requests, from one service to the
//! next.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, Request, Response, StatusCode};
use axum::routing::get;
use http_body_util::Empty;
use hyper_util::rt::TokioIo;
use tower::{Layer as _, ServiceExt as _};
use twelve::correlation::CorrelationId;
use twelve::http::{CorrelationLayer, PropagateCorrelationLayer};

use crate::capture::{captured, lines_of, messages};
use crate::service::{Client, app, serve, value};

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
