//! [`Schema`]: the key names (and a few value formats) that log pipelines expect.
//!
//! Everything a schema decides is data here ([`Spec`]): the layer in `json.rs` reads
//! it and knows no schema by name.

use std::fmt;
use std::str::FromStr;

/// The key names of each line, chosen with `LOG_SCHEMA`.
///
/// | schema | first keys | level | static keys | trace keys |
/// |---|---|---|---|---|
/// | `default` | `timestamp`, `level`, `message` | `info` | `target`, `service`, `version`, `release` | `trace_id`, `span_id` |
/// | `ecs` | `@timestamp`, `log.level`, `message`, `ecs.version` | `info` | `log.logger`, `service.name`, `service.version`, `event.dataset`, `labels.release`, `log.origin.file.name`, `log.origin.file.line` | `trace.id`, `span.id` |
/// | `gcp` | `severity`, `message`, `time` | `INFO`, `WARNING` | `target`, `service`, `version`, `release`, `logging.googleapis.com/sourceLocation` | `logging.googleapis.com/trace`, `logging.googleapis.com/spanId` |
/// | `datadog` | `status`, `message`, `timestamp` | `info` | `logger.name`, `service`, `version`, `release`, `dd.service`, `dd.version`, `dd.env` | `dd.trace_id`, `dd.span_id` (decimal) |
///
/// Dotted names are top-level keys, not nested objects; GCP's
/// `logging.googleapis.com/sourceLocation` and `httpRequest` are objects, as Cloud
/// Logging reads them. Request lines name their fields per schema too (see
/// `twelve::http`).
///
/// A [`ConfigValue`](crate::config::ConfigValue) with the choices `default`, `ecs`,
/// `gcp` and `datadog` (matched ignoring ASCII case, `-` and `_`, like every
/// `#[derive(ConfigValue)]` enum), so that `vars()`, `.env.example` and
/// `--check-config` list them. `FromStr` reads the same names:
///
/// ```
/// use twelve_core::config::{ConfigValue, ParseContext};
/// use twelve_core::log::Schema;
///
/// assert_eq!(" Data-Dog ".parse::<Schema>(), Ok(Schema::Datadog));
/// assert_eq!(Schema::CHOICES, ["default", "ecs", "gcp", "datadog"]);
/// let error = Schema::parse_value("splunk", &ParseContext::DEFAULT).unwrap_err();
/// assert_eq!(error, "expected one of: default, ecs, gcp, datadog");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, twelve_macros::ConfigValue)]
#[config(crate = "crate")]
#[non_exhaustive]
pub enum Schema {
    /// twelve's own key names (OpenTelemetry's semantic conventions for requests).
    #[default]
    Default,
    /// Elastic Common Schema, as the ecs-logging specification lays it out.
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

/// The names of [`ConfigValue`](crate::config::ConfigValue), so that a `LOG_SCHEMA` read
/// alone (for the error line of a load that failed) accepts what the load does.
impl FromStr for Schema {
    type Err = UnknownSchema;
    fn from_str(s: &str) -> Result<Self, UnknownSchema> {
        <Schema as crate::config::ConfigValue>::parse_value(
            s,
            &crate::config::ParseContext::DEFAULT,
        )
        .map_err(|_| UnknownSchema)
    }
}

/// The target of the request lines of `twelve::http`.
pub(crate) const REQUEST_TARGET: &str = "twelve::http";
/// The target of the panic lines.
pub(crate) const PANIC_TARGET: &str = "twelve::panic";
/// The target of the runtime's configuration lines (`configuration error`).
pub(crate) const CONFIG_TARGET: &str = "twelve::config";

/// The lines twelve writes itself, whose fields each schema names its own way; every
/// other event is [`Kind::Plain`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Plain = 0,
    Request = 1,
    Panic = 2,
    Config = 3,
}

impl Kind {
    /// The kind of an event of `target`: a length check rules out nearly every target.
    pub(crate) fn of(target: &str) -> Kind {
        if target.len() < 12 || !target.starts_with("twelve::") {
            return Kind::Plain;
        }
        match target {
            REQUEST_TARGET => Kind::Request,
            PANIC_TARGET => Kind::Panic,
            CONFIG_TARGET => Kind::Config,
            _ => Kind::Plain,
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

/// A value every line carries, set when the layer is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Static {
    Service,
    Version,
    /// `RELEASE_ID`; the key is left out when it is unset.
    Release,
    /// `DD_ENV`; the key is left out when it is unset.
    DatadogEnv,
}

/// A value of the scope's W3C trace context. A new one is a variant here, an arm in
/// `JsonLayer::push_trace_key` and an entry in a schema's `trace` list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TraceValue {
    /// The trace ID: 32 lower-case hex digits.
    TraceId,
    /// Cloud Logging's resource name `projects/<project>/traces/<trace ID>` when the
    /// project is known (`GOOGLE_CLOUD_PROJECT`), else the trace ID alone.
    GcpTrace,
    /// The span ID: 16 lower-case hex digits (under `otel`, of the current child span
    /// when one is entered, else of the scope's span).
    SpanId,
    /// The scope's own span ID, even when a child span is current (ECS's
    /// `transaction.id`).
    ScopeSpanId,
    /// The current child span's ID (under `otel`); the key is left out without one
    /// (ECS's `span.id`).
    #[cfg(feature = "otel")]
    ChildSpanId,
    /// The low 64 bits of the trace ID as a decimal string, as Datadog correlates.
    TraceIdLow64,
    /// The span ID as a decimal string, as Datadog correlates.
    SpanId64,
    /// The sampled flag as a JSON bool (Cloud Logging's `trace_sampled`).
    Sampled,
}

impl TraceValue {
    /// Whether the value is a JSON string: a field may then take the key's place (and
    /// is written as text); a key of another type (a bool such as GCP's
    /// `trace_sampled`) is reserved instead.
    pub(crate) fn is_text(self) -> bool {
        match self {
            TraceValue::TraceId
            | TraceValue::GcpTrace
            | TraceValue::SpanId
            | TraceValue::ScopeSpanId
            | TraceValue::TraceIdLow64
            | TraceValue::SpanId64 => true,
            #[cfg(feature = "otel")]
            TraceValue::ChildSpanId => true,
            TraceValue::Sampled => false,
        }
    }
}

/// Where a line says which call site logged it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    None,
    /// `log.origin.file.name` and `log.origin.file.line` (an integer).
    Ecs,
    /// `logging.googleapis.com/sourceLocation`: `{"file", "line" (int64 as text, as the
    /// LogEntry's JSON form has it), "function" (the target)}`.
    Gcp,
}

/// The name ECS gives the call site's file, and its line.
pub(crate) const ECS_ORIGIN_FILE: &str = "log.origin.file.name";
pub(crate) const ECS_ORIGIN_LINE: &str = "log.origin.file.line";
/// Cloud Logging's source location object.
pub(crate) const GCP_SOURCE_LOCATION: &str = "logging.googleapis.com/sourceLocation";

/// How a renamed field's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum How {
    /// As recorded.
    Same,
    /// As a JSON string, whatever it was recorded as.
    Text,
    /// Milliseconds (a float, to the microsecond, or an integer) as integer nanoseconds.
    Nanos,
    /// Milliseconds as a protobuf `Duration` in JSON: seconds with six decimals and an
    /// `s` (`"0.001234s"`), Cloud Logging's `httpRequest.latency`.
    Seconds,
    /// A text of lines as a JSON array of strings, one per line.
    Lines,
    /// A text of `name\0value\0name\0value...` as a JSON object of strings (NUL is
    /// the one character that no variable name, path or environment value holds).
    Pairs,
}

/// A field that a schema names its own way.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rename {
    /// The field's name, as twelve records it.
    pub(crate) from: &'static str,
    /// The key the schema gives it.
    pub(crate) to: &'static str,
    pub(crate) how: How,
    /// Whether it goes into the schema's nested object ([`Spec::nested`]).
    pub(crate) nested: bool,
}

const fn rename(from: &'static str, to: &'static str, how: How) -> Rename {
    Rename {
        from,
        to,
        how,
        nested: false,
    }
}

const fn nested(from: &'static str, to: &'static str, how: How) -> Rename {
    Rename {
        from,
        to,
        how,
        nested: true,
    }
}

/// The request line's fields, as `twelve::http` records them (`request_line!` in
/// `http/server/line.rs`; the default schema's names: OpenTelemetry's semantic
/// conventions). The tests of each schema's request line hold the two ends together.
pub(crate) mod request {
    pub(crate) const METHOD: &str = "http.request.method";
    pub(crate) const PATH: &str = "url.path";
    pub(crate) const STATUS: &str = "http.response.status_code";
    /// Milliseconds, a float to the microsecond.
    pub(crate) const DURATION: &str = "duration_ms";
}

/// The panic line's fields, as the panic hook records them.
pub(crate) mod panic {
    pub(crate) const MESSAGE: &str = "panic.message";
    /// `file:line:column`.
    pub(crate) const LOCATION: &str = "panic.location";
    pub(crate) const BACKTRACE: &str = "panic.backtrace";
}

/// The configuration lines' lists, recorded as one text with a line per item.
const CONFIG_LISTS: [Rename; 3] = [
    rename("errors", "errors", How::Lines),
    rename("warnings", "warnings", How::Lines),
    rename("config.sources", "config.sources", How::Pairs),
];

const NONE: &[Rename] = &[];

/// ECS: an `error` field is `error.message` (ECS's `error` is an object).
const ECS_ERROR: Rename = rename("error", "error.message", How::Text);
const ECS_PLAIN: &[Rename] = &[ECS_ERROR];
const ECS_REQUEST: &[Rename] = &[
    ECS_ERROR,
    rename(request::DURATION, "event.duration", How::Nanos),
];
const ECS_PANIC: &[Rename] = &[
    ECS_ERROR,
    rename(panic::MESSAGE, "error.message", How::Text),
    rename(panic::BACKTRACE, "error.stack_trace", How::Text),
];
const ECS_CONFIG: &[Rename] = &[ECS_ERROR, CONFIG_LISTS[0], CONFIG_LISTS[1], CONFIG_LISTS[2]];

/// Cloud Logging's `httpRequest` object (a `google.logging.type.HttpRequest`).
const GCP_REQUEST: &[Rename] = &[
    nested(request::METHOD, "requestMethod", How::Same),
    nested(request::PATH, "requestUrl", How::Same),
    nested(request::STATUS, "status", How::Same),
    nested(request::DURATION, "latency", How::Seconds),
];

/// Datadog's standard attributes.
const DATADOG_REQUEST: &[Rename] = &[
    rename(request::METHOD, "http.method", How::Same),
    rename(request::PATH, "http.url_details.path", How::Same),
    rename(request::STATUS, "http.status_code", How::Same),
    rename(request::DURATION, "duration", How::Nanos),
];

/// Everything a schema decides.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    pub(crate) head: [Head; 3],
    pub(crate) timestamp: &'static str,
    pub(crate) level: &'static str,
    pub(crate) message: &'static str,
    /// trace, debug, info, warn, error.
    pub(crate) levels: [&'static str; 5],
    pub(crate) target: &'static str,
    /// Keys written on every line with a value set when the layer is built, in order.
    pub(crate) statics: &'static [(&'static str, Static)],
    pub(crate) correlation: &'static str,
    /// The trace keys of a line inside a scope with a trace, in order.
    pub(crate) trace: &'static [(&'static str, TraceValue)],
    /// Fixed pairs written right after the head (`ecs.version`).
    pub(crate) fixed: &'static [(&'static str, &'static str)],
    pub(crate) origin: Origin,
    /// The object that renamed fields marked `nested` go into (`httpRequest`); empty
    /// when the schema has none.
    pub(crate) nested: &'static str,
    /// The fields each [`Kind`] of line names the schema's way, by kind. A span's fields
    /// are renamed with [`Kind::Plain`]'s.
    pub(crate) renames: [&'static [Rename]; 4],
    /// Pairs (key, JSON value) written as the last fields of a kind's lines, by kind.
    pub(crate) extras: [&'static [(&'static str, &'static str)]; 4],
}

const LOWER: [&str; 5] = ["trace", "debug", "info", "warn", "error"];

/// The ECS version the lines follow.
pub(crate) const ECS_VERSION: &str = "8.11.0";

impl Spec {
    pub(crate) fn of(schema: Schema) -> Spec {
        use Head::*;
        let default = Spec {
            head: [Timestamp, Level, Message],
            timestamp: "timestamp",
            level: "level",
            message: "message",
            levels: LOWER,
            target: "target",
            statics: &[
                ("service", Static::Service),
                ("version", Static::Version),
                ("release", Static::Release),
            ],
            correlation: "correlation_id",
            trace: &[
                ("trace_id", TraceValue::TraceId),
                ("span_id", TraceValue::SpanId),
            ],
            fixed: &[],
            origin: Origin::None,
            nested: "",
            renames: [NONE, NONE, NONE, &CONFIG_LISTS],
            extras: [&[], &[], &[], &[]],
        };
        match schema {
            Schema::Default => default,
            Schema::Ecs => Spec {
                timestamp: "@timestamp",
                level: "log.level",
                target: "log.logger",
                statics: &[
                    ("service.name", Static::Service),
                    ("service.version", Static::Version),
                    ("event.dataset", Static::Service),
                    ("labels.release", Static::Release),
                ],
                // After the W3C span of each scope lands: `transaction.id` = SpanId (the
                // request's server span), and `span.id` only for a child span.
                trace: &[
                    ("trace.id", TraceValue::TraceId),
                    // The request's (or job's) server span: this service's span of the
                    // scope. `span.id` is for a child span inside it (under `otel`).
                    ("transaction.id", TraceValue::ScopeSpanId),
                    #[cfg(feature = "otel")]
                    ("span.id", TraceValue::ChildSpanId),
                ],
                fixed: &[("ecs.version", ECS_VERSION)],
                origin: Origin::Ecs,
                renames: [ECS_PLAIN, ECS_REQUEST, ECS_PANIC, ECS_CONFIG],
                extras: [&[], &[], &[("error.type", "\"panic\"")], &[]],
                ..default
            },
            Schema::Gcp => Spec {
                head: [Level, Message, Timestamp],
                timestamp: "time",
                level: "severity",
                levels: ["DEBUG", "DEBUG", "INFO", "WARNING", "ERROR"],
                trace: &[
                    ("logging.googleapis.com/trace", TraceValue::GcpTrace),
                    ("logging.googleapis.com/spanId", TraceValue::SpanId),
                    ("logging.googleapis.com/trace_sampled", TraceValue::Sampled),
                ],
                origin: Origin::Gcp,
                nested: "httpRequest",
                renames: [NONE, GCP_REQUEST, NONE, &CONFIG_LISTS],
                ..default
            },
            Schema::Datadog => Spec {
                head: [Level, Message, Timestamp],
                level: "status",
                target: "logger.name",
                statics: &[
                    ("service", Static::Service),
                    ("version", Static::Version),
                    ("release", Static::Release),
                    ("dd.service", Static::Service),
                    ("dd.version", Static::Version),
                    ("dd.env", Static::DatadogEnv),
                ],
                trace: &[
                    ("dd.trace_id", TraceValue::TraceIdLow64),
                    ("dd.span_id", TraceValue::SpanId64),
                ],
                renames: [NONE, DATADOG_REQUEST, NONE, &CONFIG_LISTS],
                ..default
            },
        }
    }

    /// The keys that no field takes: a field named like one is written as
    /// `fields.<name>`. The head, the fixed pairs, the call site and the nested object
    /// (their types are the schema's: a field could only break them).
    pub(crate) fn reserved(&self) -> Vec<&'static str> {
        let mut keys = vec![self.timestamp, self.level, self.message];
        keys.extend(self.fixed.iter().map(|(k, _)| *k));
        match self.origin {
            Origin::None => {}
            Origin::Ecs => keys.extend([ECS_ORIGIN_FILE, ECS_ORIGIN_LINE]),
            Origin::Gcp => keys.push(GCP_SOURCE_LOCATION),
        }
        if !self.nested.is_empty() {
            keys.push(self.nested);
        }
        keys.extend(
            self.trace
                .iter()
                .filter(|(_, v)| !v.is_text())
                .map(|(k, _)| *k),
        );
        keys
    }

    /// The keys a field takes the place of (the line's own value is then left out):
    /// the target, the static keys, the correlation ID and the text trace keys, in the
    /// order of their bits in the layer's override mask (all trace keys are text for
    /// now: the bits of `trace` follow the correlation ID's in its order).
    pub(crate) fn overridable(&self) -> Vec<&'static str> {
        let mut keys = vec![self.target];
        keys.extend(self.statics.iter().map(|(k, _)| *k));
        keys.push(self.correlation);
        keys.extend(
            self.trace
                .iter()
                .filter(|(_, v)| v.is_text())
                .map(|(k, _)| *k),
        );
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Schema; 4] = [Schema::Default, Schema::Ecs, Schema::Gcp, Schema::Datadog];

    #[test]
    fn reserved_and_overridable_keys_are_distinct_in_every_schema() {
        for schema in ALL {
            let spec = Spec::of(schema);
            let mut all = spec.reserved();
            all.extend(spec.overridable());
            let mut unique = all.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(all.len(), unique.len(), "{schema:?}: {all:?}");
            // The override mask is a u32.
            assert!(spec.overridable().len() <= 32, "{schema:?}");
            // Renamed keys are neither reserved nor overridable, and no renamed field
            // is renamed twice in one kind.
            for renames in spec.renames {
                for (i, r) in renames.iter().enumerate() {
                    assert!(!all.contains(&r.to), "{schema:?}: {}", r.to);
                    assert!(
                        renames[i + 1..].iter().all(|o| o.from != r.from),
                        "{schema:?}: {}",
                        r.from
                    );
                    assert!(!r.nested || !spec.nested.is_empty(), "{schema:?}");
                }
            }
        }
    }

    #[test]
    fn kinds_by_target() {
        assert_eq!(Kind::of("twelve::http"), Kind::Request);
        assert_eq!(Kind::of("twelve::panic"), Kind::Panic);
        assert_eq!(Kind::of("twelve::config"), Kind::Config);
        for plain in [
            "",
            "twelve",
            "twelve::",
            "twelve::httpx",
            "orders::api",
            "twelve_core",
        ] {
            assert_eq!(Kind::of(plain), Kind::Plain, "{plain}");
        }
    }
}
