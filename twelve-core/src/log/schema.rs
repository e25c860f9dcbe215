//! [`Schema`]: the key names (and a few value formats) that log pipelines expect.

use std::fmt;
use std::str::FromStr;

/// The key names of each line, chosen with `LOG_SCHEMA`.
///
/// | schema | first keys | level | trace keys |
/// |---|---|---|---|
/// | `default` | `timestamp`, `level`, `message` | `info` | `trace_id`, `span_id` |
/// | `ecs` | `@timestamp`, `log.level`, `message`, `ecs.version` | `info` | `trace.id`, `span.id` |
/// | `gcp` | `severity`, `message`, `time` | `INFO`, `WARNING` | `logging.googleapis.com/trace`, `logging.googleapis.com/spanId` |
/// | `datadog` | `status`, `message`, `timestamp` | `info` | `dd.trace_id`, `dd.span_id` (decimal) |
///
/// Dotted names are top-level keys, not nested objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Schema {
    /// twelve's own key names.
    #[default]
    Default,
    /// Elastic Common Schema.
    Ecs,
    /// Google Cloud Logging structured logs.
    Gcp,
    /// Datadog.
    Datadog,
}

/// `LOG_SCHEMA` holds a name that is not a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSchema;

impl fmt::Display for UnknownSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("expected default, ecs, gcp or datadog")
    }
}

impl std::error::Error for UnknownSchema {}

impl FromStr for Schema {
    type Err = UnknownSchema;
    fn from_str(s: &str) -> Result<Self, UnknownSchema> {
        match s.trim().to_ascii_lowercase().as_str() {
            "default" => Ok(Schema::Default),
            "ecs" => Ok(Schema::Ecs),
            "gcp" => Ok(Schema::Gcp),
            "datadog" => Ok(Schema::Datadog),
            _ => Err(UnknownSchema),
        }
    }
}

/// One of the three core keys, in the order a schema writes them.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Head {
    Timestamp,
    Level,
    Message,
}

/// How the trace and span IDs of a W3C `traceparent` are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TraceFormat {
    /// Lower-case hex, as received.
    Hex,
    /// `projects/<project>/traces/<hex>` when the project is known, else the hex.
    Gcp(Option<String>),
    /// Decimal strings of the low 64 bits.
    Decimal,
}

/// Everything a schema decides.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    pub(crate) head: [Head; 3],
    pub(crate) timestamp: &'static str,
    pub(crate) level: &'static str,
    pub(crate) message: &'static str,
    pub(crate) target: &'static str,
    /// trace, debug, info, warn, error.
    pub(crate) levels: [&'static str; 5],
    pub(crate) service: &'static str,
    pub(crate) version: &'static str,
    pub(crate) release: &'static str,
    pub(crate) correlation: &'static str,
    pub(crate) trace: &'static str,
    pub(crate) span: &'static str,
    pub(crate) trace_format: TraceFormat,
    /// Fixed pairs written right after the head (`ecs.version`).
    pub(crate) fixed: &'static [(&'static str, &'static str)],
}

const LOWER: [&str; 5] = ["trace", "debug", "info", "warn", "error"];

impl Spec {
    pub(crate) fn of(schema: Schema, gcp_project: Option<String>) -> Spec {
        use Head::*;
        let default = Spec {
            head: [Timestamp, Level, Message],
            timestamp: "timestamp",
            level: "level",
            message: "message",
            target: "target",
            levels: LOWER,
            service: "service",
            version: "version",
            release: "release",
            correlation: "correlation_id",
            trace: "trace_id",
            span: "span_id",
            trace_format: TraceFormat::Hex,
            fixed: &[],
        };
        match schema {
            Schema::Default => default,
            Schema::Ecs => Spec {
                timestamp: "@timestamp",
                level: "log.level",
                target: "log.logger",
                service: "service.name",
                version: "service.version",
                release: "labels.release",
                trace: "trace.id",
                span: "span.id",
                fixed: &[("ecs.version", "8.11.0")],
                ..default
            },
            Schema::Gcp => Spec {
                head: [Level, Message, Timestamp],
                timestamp: "time",
                level: "severity",
                levels: ["DEBUG", "DEBUG", "INFO", "WARNING", "ERROR"],
                trace: "logging.googleapis.com/trace",
                span: "logging.googleapis.com/spanId",
                trace_format: TraceFormat::Gcp(gcp_project.filter(|p| !p.is_empty())),
                ..default
            },
            Schema::Datadog => Spec {
                head: [Level, Message, Timestamp],
                level: "status",
                target: "logger.name",
                trace: "dd.trace_id",
                span: "dd.span_id",
                trace_format: TraceFormat::Decimal,
                ..default
            },
        }
    }

    /// Whether a field named `key` would overwrite a core key.
    pub(crate) fn is_core(&self, key: &str) -> bool {
        key == self.timestamp || key == self.level || key == self.message
    }
}
