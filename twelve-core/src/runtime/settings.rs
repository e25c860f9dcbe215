//! The runtime's own settings, read from the environment like the user's.

use std::time::Duration;

use crate::log::{Format, Schema};

/// What `#[twelve::main]` (and [`Runtime`](super::Runtime)) read for themselves.
/// A bad value is a configuration error like any other, reported with the user's.
#[derive(Debug, Clone, twelve_macros::Config)]
#[config(crate = "crate")]
pub struct RuntimeSettings {
    /// Port that `app.listener()` binds on 0.0.0.0.
    #[config(default = 8000)]
    pub port: u16,
    /// Level filter: trace, debug, info, warn, error or off. RUST_LOG wins when set.
    #[config(with = level, default = "info")]
    pub log_level: String,
    /// Full filter directives (e.g. `info,my_crate=debug`); win over LOG_LEVEL.
    #[config(env = "RUST_LOG", with = directives)]
    pub rust_log: Option<String>,
    /// `json`, or `pretty` for a human at a terminal.
    #[config(from_str, default = "json")]
    pub log_format: Format,
    /// Key names of log lines: default, ecs, gcp or datadog.
    #[config(from_str, default = "default")]
    pub log_schema: Schema,
    /// Pre-drain delay: readiness is off while load balancers deregister the pod.
    #[config(default = "0s")]
    pub shutdown_delay: Duration,
    /// Drain deadline after the delay: past it, the process exits with code 1.
    #[config(default = "25s")]
    pub shutdown_timeout: Duration,
    /// `service` on every log line; the crate's name when unset.
    pub service_name: Option<String>,
    /// `release` on every log line, when set.
    pub release_id: Option<String>,
}

fn level(text: &str) -> Result<String, String> {
    let t = text.trim().to_ascii_lowercase();
    match t.as_str() {
        "trace" | "debug" | "info" | "warn" | "error" | "off" => Ok(t),
        _ => Err("expected trace, debug, info, warn, error or off".into()),
    }
}

fn directives(text: &str) -> Result<String, String> {
    crate::log::builder()
        .directives(Some(text.to_owned()))
        .filter()
        .map(|_| text.to_owned())
        .map_err(|e| e.to_string().trim_start_matches("RUST_LOG: ").to_owned())
}

impl Default for RuntimeSettings {
    fn default() -> Self {
        RuntimeSettings {
            port: 8000,
            log_level: "info".into(),
            rust_log: None,
            log_format: Format::Json,
            log_schema: Schema::Default,
            shutdown_delay: Duration::ZERO,
            shutdown_timeout: Duration::from_secs(25),
            service_name: None,
            release_id: None,
        }
    }
}
