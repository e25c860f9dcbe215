//! Logs: one JSON object per line on stdout.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//!
//! let lines = Arc::new(Mutex::new(Vec::<u8>::new()));
//! let sink = lines.clone();
//! let subscriber = twelve_core::log::builder()
//!     .service("order-service")
//!     .version("0.1.0")
//!     .sink(Arc::new(move |line: &[u8]| sink.lock().unwrap().extend_from_slice(line)))
//!     .build()
//!     .unwrap();
//! tracing::subscriber::with_default(subscriber, || {
//!     let span = tracing::info_span!("request", correlation_id = "0193a1f0");
//!     let _entered = span.enter();
//!     tracing::info!(order_id = "a1b2c3", item_count = 3, "order confirmed");
//! });
//! let text = String::from_utf8(lines.lock().unwrap().clone()).unwrap();
//! let line: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
//! assert_eq!(line["message"], "order confirmed");
//! assert_eq!(line["service"], "order-service");
//! assert_eq!(line["correlation_id"], "0193a1f0");
//! assert_eq!(line["item_count"], 3);
//! ```
//!
//! Each line holds `timestamp` (RFC 3339 UTC, microseconds), `level` (lower case),
//! `message` (always a string), `target`, the static `service`, `version` and
//! `release` (when set), the scope's `correlation_id`, `trace_id` and `span_id`, then
//! the fields of every entered span from root to leaf and the event's own fields,
//! flattened to the top level. Numbers and bools stay JSON numbers and bools; every
//! string is escaped, so any content yields valid JSON.
//!
//! No line holds a key twice, under any [`Schema`], whatever the fields are named:
//! a later field wins over an earlier one of the same name; a field named like one of
//! the line's own static or trace keys (`service`, `target`, `trace_id`...) takes its
//! place (written as text); a field named like a key whose form the schema fixes (the
//! timestamp, level and message keys, `ecs.version`, `log.origin.file.*`,
//! `logging.googleapis.com/sourceLocation`, `httpRequest`) is written as
//! `fields.<name>`.
//!
//! Panics ([`install_panic_hook`]) are one `error` line with `panic.message`,
//! `panic.location` and, when `RUST_BACKTRACE`/`RUST_LIB_BACKTRACE` ask for one,
//! `panic.backtrace`; under `Format::Json` nothing else is printed, so that stdout and
//! stderr hold JSON lines only.

mod entered;
mod escape;
mod fields;
mod json;
mod panic;
mod schema;
mod time;

use std::fmt;

use tracing::level_filters::LevelFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::{EnvFilter, Layer, Registry};

pub use json::{JsonLayer, LineSink, stdout_sink};
pub use panic::install_panic_hook;
pub(crate) use schema::CONFIG_TARGET;
#[cfg(feature = "http")]
pub(crate) use schema::REQUEST_TARGET;
pub use schema::{Schema, UnknownSchema};

/// How lines look, chosen with `LOG_FORMAT`.
///
/// A [`ConfigValue`](crate::config::ConfigValue) with the choices `json` and `pretty`
/// (matched ignoring ASCII case, `-` and `_`, like every `#[derive(ConfigValue)]` enum),
/// so that `vars()`, `.env.example` and `--check-config` list them. `FromStr` reads
/// the same names:
///
/// ```
/// use twelve_core::config::{ConfigValue, ParseContext};
/// use twelve_core::log::Format;
///
/// assert_eq!("Pretty".parse::<Format>(), Ok(Format::Pretty));
/// assert_eq!(Format::CHOICES, ["json", "pretty"]);
/// let error = Format::parse_value("xml", &ParseContext::DEFAULT).unwrap_err();
/// assert_eq!(error, "expected one of: json, pretty");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, twelve_macros::ConfigValue)]
#[config(crate = "crate")]
#[non_exhaustive]
pub enum Format {
    /// One JSON object per line (the default; what log pipelines read).
    #[default]
    Json,
    /// Multi-line, coloured output for a human at a terminal.
    Pretty,
}

/// The names of [`ConfigValue`](crate::config::ConfigValue), so that a `LOG_FORMAT` read
/// alone (for the error line of a load that failed) accepts what the load does.
impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        <Format as crate::config::ConfigValue>::parse_value(
            s,
            &crate::config::ParseContext::DEFAULT,
        )
        .map_err(|_| "expected json or pretty".into())
    }
}

/// Appends `s` to `out` as a quoted, escaped JSON string (for the health endpoints).
#[cfg(feature = "http")]
pub(crate) fn push_json_string(out: &mut String, s: &str) {
    escape::quoted(out, s);
}

/// A layer of yours, added next to twelve's with [`LogBuilder::with_layer`].
pub type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// Starts configuring twelve's logging.
pub fn builder() -> LogBuilder {
    LogBuilder {
        service: String::from("unknown"),
        version: String::from("0.0.0"),
        release: None,
        level: String::from("info"),
        directives: None,
        schema: Schema::Default,
        format: Format::Json,
        gcp_project: std::env::var("GOOGLE_CLOUD_PROJECT").ok(),
        datadog_env: std::env::var("DD_ENV").ok(),
        sink: None,
        layers: Vec::new(),
    }
}

/// Configures twelve's logging: static fields, level, where lines go, extra layers.
pub struct LogBuilder {
    service: String,
    version: String,
    release: Option<String>,
    level: String,
    directives: Option<String>,
    schema: Schema,
    format: Format,
    gcp_project: Option<String>,
    datadog_env: Option<String>,
    sink: Option<LineSink>,
    layers: Vec<BoxedLayer>,
}

impl fmt::Debug for LogBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogBuilder")
            .field("service", &self.service)
            .field("version", &self.version)
            .field("release", &self.release)
            .field("level", &self.level)
            .field("directives", &self.directives)
            .field("schema", &self.schema)
            .field("format", &self.format)
            .field("gcp_project", &self.gcp_project)
            .field("datadog_env", &self.datadog_env)
            .field("layers", &self.layers.len())
            .finish_non_exhaustive()
    }
}

/// A logging setting that can't be used; names the variable it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogError {
    var: &'static str,
    reason: String,
}

impl LogError {
    /// Why the setting can't be used, without the variable's name.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.var, self.reason)
    }
}

impl std::error::Error for LogError {}

impl LogBuilder {
    /// `service` on every line.
    pub fn service(mut self, name: impl Into<String>) -> Self {
        self.service = name.into();
        self
    }

    /// `version` on every line.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// `release` on every line, when set.
    pub fn release(mut self, release: Option<String>) -> Self {
        self.release = release;
        self
    }

    /// The level filter, as `LOG_LEVEL` gives it: `trace`, `debug`, `info`, `warn`,
    /// `error` or `off`.
    pub fn level(mut self, level: impl Into<String>) -> Self {
        self.level = level.into();
        self
    }

    /// Full filter directives, as `RUST_LOG` gives them (`info,my_crate=debug`); they
    /// win over [`level`](Self::level) when set and not empty.
    pub fn directives(mut self, directives: Option<String>) -> Self {
        self.directives = directives.filter(|d| !d.trim().is_empty());
        self
    }

    /// The key names, as `LOG_SCHEMA` gives them.
    pub fn schema(mut self, schema: Schema) -> Self {
        self.schema = schema;
        self
    }

    /// JSON lines (the default) or pretty output for a terminal, as `LOG_FORMAT` gives it.
    /// Pretty output always goes to stdout.
    pub fn format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// The Google Cloud project of `LOG_SCHEMA=gcp` trace keys; read from
    /// `GOOGLE_CLOUD_PROJECT` by default.
    pub fn gcp_project(mut self, project: Option<String>) -> Self {
        self.gcp_project = project;
        self
    }

    /// `dd.env` of `LOG_SCHEMA=datadog` lines (left out when unset or empty); read from
    /// `DD_ENV` by default.
    pub fn datadog_env(mut self, env: Option<String>) -> Self {
        self.datadog_env = env;
        self
    }

    /// Where lines go; stdout by default.
    pub fn sink(mut self, sink: LineSink) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Adds a layer of yours (OpenTelemetry, a test capture, ...) that sees every event
    /// and span, next to twelve's. The level filter applies to twelve's layer only.
    pub fn with_layer<L: Layer<Registry> + Send + Sync + 'static>(mut self, layer: L) -> Self {
        self.layers.push(Box::new(layer));
        self
    }

    /// The filter from the directives or the level.
    pub fn filter(&self) -> Result<EnvFilter, LogError> {
        if let Some(directives) = &self.directives {
            return EnvFilter::builder()
                .parse(directives)
                .map_err(|e| LogError {
                    var: "RUST_LOG",
                    reason: e.to_string(),
                });
        }
        let level: LevelFilter = self.level.trim().parse().map_err(|_| LogError {
            var: "LOG_LEVEL",
            reason: format!(
                "{:?} is not a level: use trace, debug, info, warn, error or off",
                self.level
            ),
        })?;
        Ok(EnvFilter::default().add_directive(level.into()))
    }

    /// twelve's JSON layer alone, for a subscriber you assemble yourself.
    pub fn json_layer(&self) -> JsonLayer {
        let statics = json::Statics {
            service: &self.service,
            version: &self.version,
            release: self.release.as_deref(),
            gcp_project: self.gcp_project.as_deref(),
            datadog_env: self.datadog_env.as_deref().filter(|e| !e.is_empty()),
        };
        JsonLayer::new(
            self.schema,
            statics,
            self.sink.clone().unwrap_or_else(stdout_sink),
        )
    }

    /// The whole subscriber: a `Registry` with twelve's filtered JSON layer and yours.
    pub fn build(self) -> Result<impl tracing::Subscriber + Send + Sync + 'static, LogError> {
        let filter = self.filter()?;
        let ours = match self.format {
            Format::Json => self.json_layer().with_filter(filter).boxed(),
            Format::Pretty => tracing_subscriber::fmt::layer()
                .pretty()
                .with_writer(std::io::stdout)
                .with_filter(filter)
                .boxed(),
        };
        let mut layers: Vec<BoxedLayer> = vec![ours];
        layers.extend(self.layers);
        Ok(Registry::default().with(layers))
    }

    /// Builds the subscriber and installs it as the global default. Fails when the
    /// settings are bad or a global subscriber is already set. The format chosen here
    /// is the one [`install_panic_hook`] follows: under `Format::Pretty` the standard
    /// panic message is printed too, under `Format::Json` only the JSON line.
    pub fn init(self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let format = self.format;
        tracing::subscriber::set_global_default(self.build()?)?;
        panic::keep_standard_message(format == Format::Pretty);
        Ok(())
    }
}
