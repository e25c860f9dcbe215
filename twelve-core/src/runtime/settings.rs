//! The runtime's own settings, read from the environment like the user's.

use std::time::Duration;

use crate::config::{Config, Source};
use crate::log::{Format, Schema};

/// What `#[twelve::main]` (and [`Runtime`](super::Runtime)) read for themselves.
/// A bad value is a configuration error like any other, reported with the user's.
#[derive(Debug, Clone, twelve_macros::Config)]
#[config(crate = "crate", validate = ports_differ)]
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
    #[config(default = "json")]
    pub log_format: Format,
    /// Key names of log lines: default, ecs, gcp or datadog.
    #[config(default = "default")]
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
    /// Port of `GET /metrics` on 0.0.0.0 (feature `metrics`); `0` picks a free one,
    /// logged on `started` as `metrics_port`.
    #[cfg(feature = "metrics")]
    #[config(default = 9090)]
    pub metrics_port: u16,
    /// `false` serves no metrics (feature `metrics`).
    #[cfg(feature = "metrics")]
    #[config(default = true)]
    pub metrics_enabled: bool,
    /// The `OTEL_*` variables of OpenTelemetry trace export (feature `otel`).
    #[cfg(feature = "otel")]
    #[config(nested, prefix = "OTEL_")]
    pub otel: crate::otel::OtelSettings,
}

fn level(text: &str) -> Result<String, String> {
    let t = text.trim().to_ascii_lowercase();
    match t.as_str() {
        "trace" | "debug" | "info" | "warn" | "error" | "off" => Ok(t),
        _ => Err("expected trace, debug, info, warn, error or off".into()),
    }
}

/// `METRICS_PORT` equal to `PORT`: one of the two listeners could not bind, and the
/// error would come after `started`. A configuration error instead, naming both.
#[cfg_attr(not(feature = "metrics"), allow(clippy::unnecessary_wraps))]
fn ports_differ(settings: &RuntimeSettings) -> Result<(), crate::config::Invalid> {
    #[cfg(feature = "metrics")]
    if settings.metrics_enabled
        && settings.metrics_port != 0
        && settings.metrics_port == settings.port
    {
        return Err(crate::config::Invalid::new(
            ["port", "metrics_port"],
            "the same port twice: /metrics is served on a port of its own",
        ));
    }
    #[cfg(not(feature = "metrics"))]
    let _ = settings;
    Ok(())
}

fn directives(text: &str) -> Result<String, String> {
    crate::log::builder()
        .directives(Some(text.to_owned()))
        .filter()
        .map(|_| text.to_owned())
        .map_err(|e| e.reason().to_owned())
}

/// The settings of an empty environment: every field's `#[config(default = ...)]`, or
/// `None`. The attributes above are the one copy of the defaults.
impl Default for RuntimeSettings {
    fn default() -> Self {
        // Every field has a default or is optional, and no environment is read: the
        // load can fail only if a default above is bad, which the tests below catch.
        RuntimeSettings::from_source(&Source::from_vars(std::iter::empty::<(&str, &str)>()))
            .expect("every runtime setting has a valid default or is optional")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DefaultValue;

    #[test]
    fn default_is_the_attributes_defaults() {
        let d = RuntimeSettings::default();
        assert_eq!(d.port, 8000);
        assert_eq!(d.log_level, "info");
        assert_eq!(d.rust_log, None);
        assert_eq!(d.log_format, Format::Json);
        assert_eq!(d.log_schema, Schema::Default);
        assert_eq!(d.shutdown_delay, Duration::ZERO);
        assert_eq!(d.shutdown_timeout, Duration::from_secs(25));
        assert_eq!((d.service_name, d.release_id), (None, None));
        #[cfg(feature = "metrics")]
        assert_eq!((d.metrics_port, d.metrics_enabled), (9090, true));
    }

    #[test]
    fn default_equals_every_listed_default_set_explicitly() {
        // What `.env.example` shows as the defaults loads to `Default::default()`.
        let vars = RuntimeSettings::vars();
        assert!(vars.iter().all(|v| !v.required), "{vars:?}");
        let explicit: Vec<(String, String)> = vars
            .iter()
            .filter_map(|v| match v.default {
                Some(DefaultValue::Text(text)) => Some((v.name.clone(), text.to_owned())),
                Some(DefaultValue::Code(code)) => Some((v.name.clone(), code.to_owned())),
                None => None,
            })
            .collect();
        // With feature `metrics`, METRICS_PORT and METRICS_ENABLED too; with `otel`,
        // the 8 `OTEL_*` variables that have a default.
        let metrics = if cfg!(feature = "metrics") { 2 } else { 0 };
        let otel = if cfg!(feature = "otel") { 8 } else { 0 };
        assert_eq!(explicit.len(), 6 + metrics + otel, "{explicit:?}");
        let loaded = RuntimeSettings::from_vars(explicit).expect("the defaults load");
        assert_eq!(
            format!("{loaded:?}"),
            format!("{:?}", RuntimeSettings::default())
        );
    }

    #[cfg(feature = "metrics")]
    #[test]
    fn metrics_port_equal_to_port_is_an_error_naming_both() {
        let err = RuntimeSettings::from_vars([("PORT", "9100"), ("METRICS_PORT", "9100")])
            .expect_err("the same port");
        assert_eq!(
            err.to_string(),
            "PORT, METRICS_PORT: the same port twice: /metrics is served on a port of its own"
        );
        // Two free ports, or no metrics listener: fine.
        let free = [("PORT", "0"), ("METRICS_PORT", "0")];
        assert!(RuntimeSettings::from_vars(free).is_ok());
        let off = [
            ("PORT", "9100"),
            ("METRICS_PORT", "9100"),
            ("METRICS_ENABLED", "false"),
        ];
        assert!(RuntimeSettings::from_vars(off).is_ok());
    }

    #[test]
    fn a_bad_rust_log_names_no_variable_twice() {
        let err = RuntimeSettings::from_vars([("RUST_LOG", "info,[")]).expect_err("bad");
        let text = err.to_string();
        assert!(
            text.starts_with("RUST_LOG: invalid value \"info,[\": "),
            "{text}"
        );
        assert_eq!(text.matches("RUST_LOG").count(), 1, "{text}");
    }
}
