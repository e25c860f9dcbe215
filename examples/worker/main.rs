//! The example worker: a job loop with no HTTP server of its own.
//!
//! Each job runs in its own correlation scope, so every line of a job carries the same
//! `correlation_id`. The health endpoints are served on `$PORT` with
//! `app.serve_health`. On SIGTERM the worker finishes the job in hand, then exits 0.
//!
//! ```sh
//! cargo run --example worker
//! ```

use twelve::App;
use twelve::correlation::CorrelationId;

mod settings;

use settings::Settings;

#[twelve::main]
async fn main(settings: Settings, app: App) -> Result<(), std::io::Error> {
    let address = app.serve_health(app.port()).await?;
    tracing::info!(%address, "health endpoints up");
    app.health().set_ready(true);
    let shutdown = app.shutdown();
    let mut job = 0u64;
    loop {
        tokio::select! {
            () = shutdown.wait() => break,
            () = tokio::time::sleep(settings.job_interval) => {}
        }
        job += 1;
        // The job in hand is not raced against shutdown: it always finishes.
        CorrelationId::scope(CorrelationId::new(), async {
            tracing::info!(job, "job started");
            tokio::time::sleep(settings.job_duration).await;
            tracing::info!(job, "job done");
        })
        .await;
    }
    tracing::info!(jobs = job, "worker stopping");
    Ok(())
}
