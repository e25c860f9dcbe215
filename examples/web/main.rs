//! The example web service: a stateless price-quote API under `#[twelve::main]`.
//!
//! Every setting has a default, so `cargo run --example web` needs no setup. It listens
//! on `0.0.0.0:$PORT` (default 8000), keeps no state between requests and writes no
//! files. On SIGTERM it turns not-ready, waits `SHUTDOWN_DELAY`, drains in-flight
//! requests within `SHUTDOWN_TIMEOUT` and exits 0.
//!
//! ```sh
//! curl 'http://127.0.0.1:8000/quote?items=3'
//! curl http://127.0.0.1:8000/health/ready
//! ```

use std::time::Duration;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use twelve::App;
use twelve::http::{CorrelationLayer, health_routes};

mod settings;

use settings::Settings;

#[derive(Deserialize)]
struct QuoteQuery {
    items: u64,
}

async fn quote(State(settings): State<Settings>, Query(q): Query<QuoteQuery>) -> Json<Value> {
    let (net, vat) = price(&settings, q.items);
    Json(json!({
        "items": q.items,
        "net_cents": net,
        "vat_cents": vat,
        "total_cents": net.saturating_add(vat),
        "currency": settings.currency,
    }))
}

/// The net price and the tax of `items`. A `tracing` span of its own: with
/// `OTEL_EXPORTER_OTLP_ENDPOINT` set, an exported span, a child of the request's server
/// span, and the line logged inside it carries its `span_id`.
#[tracing::instrument(skip(settings))]
fn price(settings: &Settings, items: u64) -> (u64, u64) {
    let net = items.saturating_mul(settings.unit_price_cents);
    let vat = net.saturating_mul(settings.vat_percent) / 100;
    tracing::info!(total_cents = net.saturating_add(vat), "quote computed");
    (net, vat)
}

#[derive(Deserialize)]
struct SlowQuery {
    ms: u64,
}

/// Simulates slow work, for trying out graceful shutdown.
async fn slow(State(settings): State<Settings>, Query(q): Query<SlowQuery>) -> Json<Value> {
    let wait = Duration::from_millis(q.ms).min(settings.max_slow);
    tokio::time::sleep(wait).await;
    Json(json!({ "slept_ms": wait.as_millis() as u64 }))
}

#[twelve::main]
async fn main(settings: Settings, app: App) -> Result<(), std::io::Error> {
    let health = app.health();
    let pricing = settings.clone();
    // A readiness check: the pricing the service would quote is sane.
    health.add_check("pricing", move || {
        let ok = pricing.vat_percent <= 100 && !pricing.currency.is_empty();
        async move {
            if ok {
                Ok(())
            } else {
                Err("bad pricing settings")
            }
        }
    });
    // The layer goes on last, over every route, the health routes and axum's 404/405
    // fallbacks: every request gets its line and its x-correlation-id, and matched
    // ones carry `http.route`.
    let router = Router::new()
        .route("/quote", get(quote))
        .route("/slow", get(slow))
        .with_state(settings)
        .merge(health_routes(health.clone()))
        .layer(CorrelationLayer::default());
    let listener = app.listener().await?;
    health.set_ready(true);
    axum::serve(listener, router)
        .with_graceful_shutdown(app.shutdown().wait())
        .await
}
