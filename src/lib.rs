//! # twelve
//!
//! Make any Rust service a [twelve-factor app](https://12factor.net) by construction.
//! Add one dependency, derive your settings, and get typed config from the
//! environment with every error reported at once and secrets never printed.
//!
//! ```
//! use std::time::Duration;
//! use twelve::{Config, Secret};
//!
//! /// Settings of the order service.
//! #[derive(Config, Debug)]
//! struct Settings {
//!     /// Postgres connection string.
//!     database_url: Secret<String>,
//!     /// How long one upstream call may take.
//!     #[config(default = "2s")]
//!     upstream_timeout: Duration,
//!     /// Origins allowed by CORS, comma separated.
//!     #[config(default = "")]
//!     allowed_origins: Vec<String>,
//!     /// Turns the new checkout flow on.
//!     feature_new_checkout: Option<bool>,
//!     #[config(nested)]
//!     smtp: Smtp, // SMTP_HOST, SMTP_PORT
//! }
//!
//! #[derive(Config, Debug)]
//! struct Smtp {
//!     host: String,
//!     #[config(default = 1025)]
//!     port: u16,
//! }
//!
//! // In a service: `let settings = Settings::from_env()?;`. In tests, give the pairs:
//! let settings = Settings::from_vars([
//!     ("DATABASE_URL", "postgres://orders:hunter2@db/orders"),
//!     ("ALLOWED_ORIGINS", "https://a.example, https://b.example"),
//!     ("SMTP_HOST", "mail.internal"),
//! ])
//! .unwrap();
//! assert_eq!(settings.upstream_timeout, Duration::from_secs(2));
//! assert_eq!(settings.allowed_origins.len(), 2);
//! assert_eq!(settings.feature_new_checkout, None);
//! assert_eq!(settings.smtp.port, 1025);
//! assert!(!format!("{settings:?}").contains("hunter2"));
//!
//! // Every problem at once, each naming its variable, its type and the reason:
//! let err = Settings::from_vars([("SMTP_PORT", "70000"), ("FEATURE_NEW_CHECKOUT", "maybe")])
//!     .unwrap_err();
//! let problems: Vec<_> = err.errors().map(|p| p.var().unwrap_or_default()).collect();
//! assert_eq!(problems, ["DATABASE_URL", "FEATURE_NEW_CHECKOUT", "SMTP_HOST", "SMTP_PORT"]);
//! ```
//!
//! See [`Config`] for the names, types and sources of variables, and
//! [`config::check_env_example`] to keep a `.env.example` in sync.
//!
//! # Features
//!
//! - `macros` (default): `#[derive(Config)]`, `#[derive(ConfigValue)]` and `#[twelve::main]`.
//! - `http`: tower layers for HTTP services, in `twelve::http`: `CorrelationLayer`,
//!   `PropagateCorrelationLayer`, `health_service`.
//! - `axum`: axum integration (`http.route` on request lines, `health_routes`,
//!   `App::serve_health`); implies `http`.
//! - `metrics`: Prometheus `GET /metrics`, served by the runtime on `METRICS_PORT`:
//!   request duration and in-flight requests per route, log lines per level, process
//!   and tokio runtime metrics, and yours through [`metrics`] (the `metrics` facade);
//!   `http::metrics_service` for a router of your own; implies `axum`.
//! - `otel`: OpenTelemetry trace export over OTLP, set up by the standard `OTEL_*`
//!   variables only (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_TRACES_SAMPLER`, ...), read
//!   and checked with your settings: a server span per request and a client span per
//!   call with the HTTP semantic conventions, your `#[instrument]` spans as their
//!   children, the exported spans' IDs on log lines, a collector that fails costing
//!   the service nothing, the flush at shutdown within `SHUTDOWN_TIMEOUT`. Works
//!   without `http` (workers). Nothing is installed without an endpoint (or
//!   `OTEL_TRACES_EXPORTER=otlp`, which uses the specification's default one). See
//!   [`otel`](mod@otel).
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use twelve_core::Secret;
pub use twelve_core::config;
pub use twelve_core::config::Config;
pub use twelve_core::config::ConfigValue;
pub use twelve_core::correlation;
pub use twelve_core::health::{self, Health};
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use twelve_core::http;
pub use twelve_core::log;
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub use twelve_core::metrics;
#[cfg(feature = "otel")]
#[cfg_attr(docsrs, doc(cfg(feature = "otel")))]
pub use twelve_core::otel;
pub use twelve_core::runtime::{self, App, Runtime, ServiceInfo, Shutdown};

/// Derives [`Config`](trait@Config): typed settings from the environment.
///
/// ```
/// use twelve::Config;
///
/// #[derive(Config)]
/// #[config(prefix = "APP_")] // every name starts with APP_
/// struct Settings {
///     /// Read from APP_PORT; 8000 when unset.
///     #[config(default = 8000)]
///     port: u16,
///     /// Read from RUST_LOG, no prefix.
///     #[config(env = "RUST_LOG")]
///     log: Option<String>,
///     /// Read from APP_HOSTS, split on `;`.
///     #[config(separator = ";", default = "")]
///     hosts: Vec<String>,
///     /// Any `FromStr` type.
///     #[config(from_str, default = "info")]
///     level: Level,
///     /// Any function `fn(&str) -> Result<T, E: Display>`.
///     #[config(with = parse_ratio, default = "1/2")]
///     ratio: f64,
///     /// Read from APP_DB_URL and APP_DB_POOL.
///     #[config(nested, prefix = "DB_")]
///     db: Db,
/// }
///
/// #[derive(Config)]
/// struct Db {
///     url: twelve::Secret<String>,
///     #[config(default = 10)]
///     pool: usize,
/// }
///
/// #[derive(Debug, PartialEq)]
/// enum Level { Info, Debug }
///
/// impl std::str::FromStr for Level {
///     type Err = String;
///     fn from_str(s: &str) -> Result<Self, String> {
///         match s {
///             "info" => Ok(Level::Info),
///             "debug" => Ok(Level::Debug),
///             _ => Err("expected info or debug".into()),
///         }
///     }
/// }
///
/// fn parse_ratio(s: &str) -> Result<f64, String> {
///     let (a, b) = s.split_once('/').ok_or("expected a/b")?;
///     let a: f64 = a.trim().parse().map_err(|_| "bad numerator")?;
///     let b: f64 = b.trim().parse().map_err(|_| "bad denominator")?;
///     Ok(a / b)
/// }
///
/// let s = Settings::from_vars([("APP_DB_URL", "postgres://db"), ("APP_LEVEL", "debug")]).unwrap();
/// assert_eq!((s.port, s.level, s.ratio, s.db.pool), (8000, Level::Debug, 0.5, 10));
/// ```
///
/// # Attributes
///
/// On the struct:
/// - `prefix = "APP_"`: before every variable name of the struct.
/// - `crate = "path"`: where the `twelve` crate is, when it is renamed.
///
/// On a field:
/// - `env = "NAME"`: the whole variable name (no prefix applies).
/// - `default = "text"` (parsed like a variable) or `default = expression` (a value).
/// - `nested` (with `prefix = "..."` to replace `FIELD_`): the field is a `Config`.
/// - `separator = ";"`: for `Vec<T>` fields.
/// - `from_str`: parse with `FromStr` (each item, for `Vec<T>`).
/// - `with = path::to::function`: parse with `fn(&str) -> Result<T, E: Display>`
///   (for `Secret<T>`, the function returns `T`).
/// - `range = 1..=64` (also `a..`, `..=b`, `a..b`; `"1s"..="1h"` for a `Duration`): the
///   value must be in it.
/// - `validate = path`: `fn(&T) -> Result<(), E: Display>`, the message the reason.
///
/// On the struct, `validate = path`: `fn(&Self) -> Result<(), config::Invalid>`, a
/// check across fields run once every field parsed. Enum fields: derive
/// [`ConfigValue`](macro@ConfigValue); maps (`HashMap`, `BTreeMap`) read `key=value`
/// pairs.
///
/// Mistakes are compile errors pointing at the attribute: unknown keys (listing the
/// valid ones), duplicate keys, `default` on an `Option`, `nested` with a parsing
/// option, names that can't be variable names, and items that are not structs with
/// named fields.
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use twelve_macros::Config;

/// Derives [`ConfigValue`](trait@ConfigValue) for an enum of unit variants, so that it
/// can be a field's type: the variable names a variant, ignoring ASCII case, `-` and
/// `_`.
///
/// ```
/// use twelve::{Config, ConfigValue};
///
/// #[derive(ConfigValue, Debug, PartialEq)]
/// enum Mode {
///     FastPath,            // reads fast_path, fast-path, FASTPATH, FastPath...
///     Safe,
///     #[config(rename = "off")]
///     Disabled,            // reads off, OFF...
/// }
///
/// #[derive(Config)]
/// struct Settings {
///     #[config(default = "safe")]
///     mode: Mode,
/// }
///
/// let s = Settings::from_vars([("MODE", "Fast-Path")]).unwrap();
/// assert_eq!(s.mode, Mode::FastPath);
/// let err = Settings::from_vars([("MODE", "turbo")]).err().unwrap();
/// assert_eq!(
///     err.to_string(),
///     "MODE: invalid value \"turbo\": expected one of: fast_path, safe, off (expected Mode)"
/// );
/// assert_eq!(Settings::vars()[0].choices, ["fast_path", "safe", "off"]);
/// ```
///
/// A variant's name is its Rust name in snake case (`FastPath` is `fast_path`), or
/// `#[config(rename = "...")]`; `#[config(crate = "path")]` on the enum for a renamed
/// dependency. Compile errors: a variant carrying data, an empty enum, two variants
/// matching the same text, unknown keys.
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use twelve_macros::ConfigValue;

/// Runs `async fn main` under twelve's [`Runtime`]: config, JSON logs, signals, drain,
/// exit codes.
///
/// ```no_run
/// use twelve::{App, Config};
///
/// #[derive(Config)]
/// struct Settings {
///     #[config(default = "hello")]
///     greeting: String,
/// }
///
/// #[twelve::main]
/// async fn main(settings: Settings, app: App) -> Result<(), std::io::Error> {
///     tracing::info!(greeting = settings.greeting.as_str(), "up");
///     app.health().set_ready(true);
///     app.shutdown().wait().await; // SIGTERM
///     Ok(())
/// }
/// ```
///
/// Accepted signatures: `(settings: S, app: App)`, `(settings: S)`, `(app: App)`, `()`,
/// returning `()` or `Result<(), E>` with `E: Debug + Display`. The service name and
/// version come from your crate's `Cargo.toml`. `#[twelve::main(crate = "path")]` for a
/// renamed dependency. See [`runtime`] for the steps and the exit codes.
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use twelve_macros::main;

/// The README's Rust code, compiled and run as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[doc(hidden)]
pub mod __private {
    pub use twelve_core::__private::*;
}
