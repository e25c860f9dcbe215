//! An admin one-off (twelve-factor XII): the same config and logs as the services,
//! run to completion, exit 0.
//!
//! ```sh
//! cargo run --example migrate
//! ```
//!
//! In a service crate this is `src/bin/migrate.rs` with the same `#[twelve::main]`,
//! sharing the service's settings module, so that the two never drift. Here its
//! settings live in `settings.rs` beside it.

use std::time::Duration;

use twelve::App;

mod settings;

use settings::Settings;

#[twelve::main]
async fn main(settings: Settings, app: App) -> Result<(), String> {
    tracing::info!(steps = settings.migration_steps, "migration starting");
    for step in 1..=settings.migration_steps {
        if app.shutdown().is_triggered() {
            return Err(format!("interrupted before step {step}"));
        }
        // Stands for one schema change; a real one would use `database_url.expose()`.
        tokio::time::sleep(Duration::from_millis(10)).await;
        tracing::info!(step, database = %settings.database_url, "migration step applied");
    }
    tracing::info!("migration done");
    Ok(())
}
