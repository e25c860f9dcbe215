//! The example web service: a stateless price-quote API.
//!
//! Every setting has a default, so `cargo run --example web` needs no setup. It listens
//! on `0.0.0.0:$PORT` (default 8000), keeps no state between requests, writes no
//! files, and stops cleanly on SIGTERM or Ctrl-C.
//!
//! ```sh
//! curl 'http://127.0.0.1:8000/quote?items=3'
//! curl http://127.0.0.1:8000/health/live
//! ```
//!
//! Until `#[twelve::main]` lands, this example does by hand what the runtime will do:
//! reading config (exit 78 on error), binding the port, and shutting down on signals.

use std::process::ExitCode;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use twelve::Config;

/// Settings of the quote service.
#[derive(Config, Debug, Clone)]
struct Settings {
    /// Port of the HTTP server.
    #[config(default = 8000)]
    port: u16,
    /// Price of one item, in cents.
    #[config(default = 250)]
    unit_price_cents: u64,
    /// Value-added tax, in percent.
    #[config(default = 20)]
    vat_percent: u64,
    /// Currency code printed in quotes.
    #[config(default = "EUR")]
    currency: String,
}

#[derive(Deserialize)]
struct QuoteQuery {
    items: u64,
}

async fn quote(State(settings): State<Settings>, Query(q): Query<QuoteQuery>) -> Json<Value> {
    let net = q.items.saturating_mul(settings.unit_price_cents);
    let vat = net.saturating_mul(settings.vat_percent) / 100;
    Json(json!({
        "items": q.items,
        "net_cents": net,
        "vat_cents": vat,
        "total_cents": net.saturating_add(vat),
        "currency": settings.currency,
    }))
}

async fn live() -> Json<Value> {
    Json(json!({ "status": "alive" }))
}

fn main() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            for problem in err.errors() {
                eprintln!("{problem}");
            }
            return ExitCode::from(78);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let port = settings.port;
    let listener = tokio::net::TcpListener::bind(("0.0.0.0", port))
        .await
        .map_err(|e| format!("cannot listen on 0.0.0.0:{port} (PORT): {e}"))?;
    let router = Router::new()
        .route("/quote", get(quote))
        .route("/health/live", get(live))
        .with_state(settings);
    println!(r#"{{"level":"info","message":"listening","port":{port}}}"#);
    axum::serve(listener, router)
        .with_graceful_shutdown(stop_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    println!(r#"{{"level":"info","message":"stopped"}}"#);
    Ok(())
}

async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
