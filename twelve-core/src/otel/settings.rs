//! The standard `OTEL_*` variables, read by twelve's own loader in the same pass as
//! the runtime's and the user's settings: a bad value is a configuration error naming
//! its variable, never a silent fallback. Defaults are the OpenTelemetry
//! specification's ("Environment Variable Specification" and "OTLP Exporter
//! Configuration"). A leaf: nothing here knows the SDK.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::Secret;
use crate::config::{Invalid, parse_percent_encoded_map};

/// The `OTEL_*` variables twelve reads (feature `otel`), a part of
/// [`RuntimeSettings`](crate::runtime::RuntimeSettings).
///
/// Spans are exported when an endpoint is set (or `OTEL_TRACES_EXPORTER=otlp`, which
/// then uses the specification's default endpoint), unless `OTEL_SDK_DISABLED=true` or
/// `OTEL_TRACES_EXPORTER=none`.
///
/// ```
/// # use twelve_core as twelve;
/// use twelve::config::Config;
/// use twelve::runtime::RuntimeSettings;
///
/// let settings = RuntimeSettings::from_vars([
///     ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
///     ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=abc%3D"),
///     ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
///     ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
/// ])
/// .unwrap();
/// let otel = &settings.otel;
/// assert!(otel.exports());
/// assert_eq!(otel.traces_endpoint().as_deref(), Some("http://collector:4318/v1/traces"));
/// assert_eq!(otel.traces_headers().expose()["api-key"], "abc="); // percent-decoded
/// assert!(!format!("{otel:?}").contains("abc")); // the headers are a secret
///
/// // Every bad value is reported, each naming its variable.
/// let err = RuntimeSettings::from_vars([
///     ("OTEL_TRACES_SAMPLER", "sometimes"),
///     ("OTEL_EXPORTER_OTLP_TIMEOUT", "10s"),
/// ])
/// .unwrap_err();
/// let text = err.to_string();
/// assert!(text.contains("OTEL_TRACES_SAMPLER: invalid value \"sometimes\""), "{text}");
/// assert!(text.contains("OTEL_EXPORTER_OTLP_TIMEOUT: invalid value \"10s\""), "{text}");
/// ```
#[derive(Debug, Clone, twelve_macros::Config)]
#[config(crate = "crate")]
pub struct OtelSettings {
    /// `true` turns OpenTelemetry off: no exporter, nothing installed (for a setup of
    /// your own, added with `twelve::log::builder().with_layer(..)`).
    #[config(default = false)]
    pub sdk_disabled: bool,
    /// `service.name` of the exported spans; SERVICE_NAME, else the crate's name, when
    /// unset.
    pub service_name: Option<String>,
    /// More resource attributes: `key=value,...`, percent-encoded (`%2C` for a comma).
    #[config(with = parse_percent_encoded_map)]
    pub resource_attributes: Option<BTreeMap<String, String>>,
    /// `OTEL_TRACES_*`: the exporter and the sampler.
    #[config(nested, prefix = "TRACES_")]
    pub traces: TracesSettings,
    /// `OTEL_EXPORTER_OTLP_*`: where and how spans are sent.
    #[config(nested, prefix = "EXPORTER_OTLP_")]
    pub otlp: OtlpSettings,
    /// `OTEL_BSP_*`: the batch span processor.
    #[config(nested, prefix = "BSP_")]
    pub bsp: BatchSettings,
}

/// `OTEL_TRACES_EXPORTER`, `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`.
#[derive(Debug, Clone, twelve_macros::Config)]
#[config(crate = "crate", validate = sampler_arg)]
pub struct TracesSettings {
    /// `otlp` or `none`; `otlp` when an endpoint is set, else `none`.
    pub exporter: Option<TracesExporter>,
    /// Which new traces are sampled; the parentbased ones follow the caller's flag.
    #[config(default = "parentbased_always_on")]
    pub sampler: SamplerName,
    /// The ratio in [0, 1] of the ratio samplers (1 when unset); read only for them.
    pub sampler_arg: Option<String>,
}

/// `OTEL_EXPORTER_OTLP_*`; the `OTEL_EXPORTER_OTLP_TRACES_*` variables win.
#[derive(Debug, Clone, twelve_macros::Config)]
#[config(crate = "crate")]
pub struct OtlpSettings {
    /// Collector URL (`http://` or `https://`); `/v1/traces` is added for HTTP.
    #[config(validate = endpoint)]
    pub endpoint: Option<String>,
    /// http/protobuf, http/json or grpc.
    #[config(default = "http/protobuf")]
    pub protocol: Protocol,
    /// Headers of every export, `key=value,...`, percent-encoded. A secret.
    #[config(with = headers)]
    pub headers: Option<Secret<BTreeMap<String, String>>>,
    /// Export timeout, in milliseconds.
    #[config(default = 10000, range = 1..)]
    pub timeout: u64,
    /// `gzip` compresses exports; unset, they are not compressed (`none` is refused:
    /// leave it unset).
    #[config(with = compression)]
    pub compression: Option<Compression>,
    /// `OTEL_EXPORTER_OTLP_TRACES_*`: the same for traces only.
    #[config(nested, prefix = "TRACES_")]
    pub traces: OtlpSignalSettings,
}

/// `OTEL_EXPORTER_OTLP_TRACES_*`: what they set wins over `OTEL_EXPORTER_OTLP_*`.
#[derive(Debug, Clone, twelve_macros::Config)]
#[config(crate = "crate")]
pub struct OtlpSignalSettings {
    /// Collector URL for traces, used as it is (no `/v1/traces` added).
    #[config(validate = endpoint)]
    pub endpoint: Option<String>,
    /// http/protobuf, http/json or grpc, for traces.
    pub protocol: Option<Protocol>,
    /// Headers of trace exports (instead of OTEL_EXPORTER_OTLP_HEADERS). A secret.
    #[config(with = headers)]
    pub headers: Option<Secret<BTreeMap<String, String>>>,
    /// Export timeout of traces, in milliseconds.
    #[config(range = 1..)]
    pub timeout: Option<u64>,
    /// `gzip` compresses trace exports (instead of OTEL_EXPORTER_OTLP_COMPRESSION).
    #[config(with = compression)]
    pub compression: Option<Compression>,
}

/// `OTEL_BSP_*`: the batch span processor.
#[derive(Debug, Clone, twelve_macros::Config)]
#[config(crate = "crate", validate = batch_fits)]
pub struct BatchSettings {
    /// Delay between two exports, in milliseconds.
    #[config(default = 5000, range = 1..)]
    pub schedule_delay: u64,
    /// Spans held for export at most; more are dropped (and counted).
    #[config(default = 2048, range = 1..)]
    pub max_queue_size: usize,
    /// Spans per export at most; at most OTEL_BSP_MAX_QUEUE_SIZE.
    #[config(default = 512, range = 1..)]
    pub max_export_batch_size: usize,
    /// Time one export may take, in milliseconds.
    #[config(default = 30000, range = 1..)]
    pub export_timeout: u64,
}

/// `OTEL_TRACES_EXPORTER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, twelve_macros::ConfigValue)]
#[config(crate = "crate")]
pub enum TracesExporter {
    /// OTLP, to `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT`.
    #[config(rename = "otlp")]
    Otlp,
    /// No export.
    #[config(rename = "none")]
    None,
}

/// `OTEL_EXPORTER_OTLP_PROTOCOL`: OTLP's transports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, twelve_macros::ConfigValue)]
#[config(crate = "crate")]
pub enum Protocol {
    /// Protobuf over HTTP (the default): `POST <endpoint>/v1/traces`.
    #[config(rename = "http/protobuf")]
    HttpProtobuf,
    /// JSON over HTTP.
    #[config(rename = "http/json")]
    HttpJson,
    /// gRPC (HTTP/2).
    #[config(rename = "grpc")]
    Grpc,
}

/// `OTEL_EXPORTER_OTLP_COMPRESSION`: the specification's `gzip` and `none`.
///
/// `gzip` (any case) is the one value: `none` is refused when read (a configuration
/// error naming the variable), because opentelemetry-otlp 0.31 reads the variable
/// itself whenever it is not told to compress, and rejects `none`, which would leave
/// the service exporting nothing. Unset, exports are not compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Compression {
    /// gzip.
    Gzip,
}

/// `OTEL_TRACES_SAMPLER`: the specification's built-in samplers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, twelve_macros::ConfigValue)]
#[config(crate = "crate")]
pub enum SamplerName {
    /// Every trace.
    #[config(rename = "always_on")]
    AlwaysOn,
    /// No trace.
    #[config(rename = "always_off")]
    AlwaysOff,
    /// A ratio of traces, by trace ID (`OTEL_TRACES_SAMPLER_ARG`).
    #[config(rename = "traceidratio")]
    TraceIdRatio,
    /// The caller's decision, else every trace (the default).
    #[config(rename = "parentbased_always_on")]
    ParentBasedAlwaysOn,
    /// The caller's decision, else no trace.
    #[config(rename = "parentbased_always_off")]
    ParentBasedAlwaysOff,
    /// The caller's decision, else a ratio of traces.
    #[config(rename = "parentbased_traceidratio")]
    ParentBasedTraceIdRatio,
}

impl SamplerName {
    /// Whether `OTEL_TRACES_SAMPLER_ARG` is this sampler's ratio.
    pub fn takes_ratio(self) -> bool {
        matches!(
            self,
            SamplerName::TraceIdRatio | SamplerName::ParentBasedTraceIdRatio
        )
    }
}

/// The sampler, with its ratio for the ratio samplers (1 when no argument is given).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SamplerChoice {
    /// The sampler.
    pub name: SamplerName,
    /// The ratio of `traceidratio` and `parentbased_traceidratio`.
    pub ratio: Option<f64>,
}

/// The specification's default endpoints, when `OTEL_TRACES_EXPORTER=otlp` is set
/// without one.
const DEFAULT_HTTP_ENDPOINT: &str = "http://localhost:4318";
const DEFAULT_GRPC_ENDPOINT: &str = "http://localhost:4317";

impl OtelSettings {
    /// Whether spans are exported: not disabled, the exporter not `none`, and an
    /// endpoint set (or `OTEL_TRACES_EXPORTER=otlp`).
    pub fn exports(&self) -> bool {
        if self.sdk_disabled {
            return false;
        }
        match self.traces.exporter {
            Some(TracesExporter::None) => false,
            Some(TracesExporter::Otlp) => true,
            None => self.otlp.traces.endpoint.is_some() || self.otlp.endpoint.is_some(),
        }
    }

    /// The protocol of trace exports: `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else
    /// `OTEL_EXPORTER_OTLP_PROTOCOL`.
    pub fn traces_protocol(&self) -> Protocol {
        self.otlp.traces.protocol.unwrap_or(self.otlp.protocol)
    }

    /// Where trace exports go, when they are exported: the traces endpoint as it is;
    /// else the generic one, with `/v1/traces` added for the HTTP protocols; else the
    /// specification's default for the protocol.
    pub fn traces_endpoint(&self) -> Option<String> {
        if !self.exports() {
            return None;
        }
        let protocol = self.traces_protocol();
        // Checked trimmed when read (`endpoint`), so used trimmed.
        if let Some(endpoint) = &self.otlp.traces.endpoint {
            return Some(endpoint.trim().to_owned());
        }
        let base = match (&self.otlp.endpoint, protocol) {
            (Some(endpoint), _) => endpoint.trim(),
            (None, Protocol::Grpc) => DEFAULT_GRPC_ENDPOINT,
            (None, _) => DEFAULT_HTTP_ENDPOINT,
        };
        Some(match protocol {
            Protocol::Grpc => base.to_owned(),
            Protocol::HttpProtobuf | Protocol::HttpJson => {
                format!("{}/v1/traces", base.trim_end_matches('/'))
            }
        })
    }

    /// The headers of trace exports: `OTEL_EXPORTER_OTLP_TRACES_HEADERS` when set, else
    /// `OTEL_EXPORTER_OTLP_HEADERS` (decoded; keys and values checked when read).
    /// A secret, like the variables.
    pub fn traces_headers(&self) -> Secret<BTreeMap<String, String>> {
        self.otlp
            .traces
            .headers
            .as_ref()
            .or(self.otlp.headers.as_ref())
            .cloned()
            .unwrap_or_else(|| Secret::new(BTreeMap::new()))
    }

    /// Whether trace exports are gzip-compressed: the traces variable first.
    pub fn traces_gzip(&self) -> bool {
        self.otlp.traces.compression.or(self.otlp.compression) == Some(Compression::Gzip)
    }

    /// The time one export may take: the OTLP timeout (traces first), and never more
    /// than `OTEL_BSP_EXPORT_TIMEOUT`.
    pub fn export_timeout(&self) -> Duration {
        let otlp = self.otlp.traces.timeout.unwrap_or(self.otlp.timeout);
        Duration::from_millis(otlp.min(self.bsp.export_timeout))
    }

    /// The sampler and its ratio (checked when read).
    pub fn sampler(&self) -> SamplerChoice {
        let name = self.traces.sampler;
        let ratio = name.takes_ratio().then(|| {
            self.traces
                .sampler_arg
                .as_deref()
                .and_then(|arg| ratio(arg).ok())
                .unwrap_or(1.0)
        });
        SamplerChoice { name, ratio }
    }
}

/// An endpoint: an absolute `http` or `https` URL with a host.
fn endpoint(text: &str) -> Result<(), String> {
    let uri: ::http::Uri = text
        .trim()
        .parse()
        .map_err(|e| format!("not a URL ({e})"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(other) => return Err(format!("the scheme must be http or https, not {other}")),
        None => return Err("expected an absolute URL such as http://collector:4318".into()),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err("the URL has no host".into());
    }
    Ok(())
}

/// Headers: percent-encoded `key=value` pairs, each a valid HTTP header name and value.
/// The messages never hold a value (the variable is a secret).
fn headers(text: &str) -> Result<BTreeMap<String, String>, String> {
    let map = parse_percent_encoded_map(text)?;
    for (i, (key, value)) in map.iter().enumerate() {
        if ::http::HeaderName::from_bytes(key.as_bytes()).is_err() {
            return Err(format!("header {} is not a valid HTTP header name", i + 1));
        }
        if ::http::HeaderValue::from_str(value).is_err() {
            return Err(format!(
                "the value of header {} is not a valid HTTP header value",
                i + 1
            ));
        }
    }
    Ok(map)
}

/// `gzip`; `none` can't be passed on to opentelemetry-otlp (see [`Compression`]).
fn compression(text: &str) -> Result<Compression, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("gzip") {
        Ok(Compression::Gzip)
    } else if text.eq_ignore_ascii_case("none") {
        Err(
            "opentelemetry-otlp 0.31 rejects `none` when it reads this variable itself: \
             leave it unset for no compression"
                .into(),
        )
    } else {
        Err("expected gzip (or the variable unset, for no compression)".into())
    }
}

/// A ratio in [0, 1].
fn ratio(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| "expected a number between 0 and 1".to_string())?;
    if !(0.0..=1.0).contains(&value) {
        return Err("expected a number between 0 and 1".into());
    }
    Ok(value)
}

/// `OTEL_TRACES_SAMPLER_ARG` is read, and checked, only for the ratio samplers.
fn sampler_arg(traces: &TracesSettings) -> Result<(), Invalid> {
    if !traces.sampler.takes_ratio() {
        return Ok(());
    }
    match traces.sampler_arg.as_deref().map(ratio) {
        Some(Err(reason)) => {
            let shown: String = traces
                .sampler_arg
                .as_deref()
                .unwrap_or_default()
                .chars()
                .take(64)
                .collect();
            Err(Invalid::new(
                ["sampler_arg"],
                format!("invalid value {shown:?} for the ratio sampler: {reason}"),
            ))
        }
        _ => Ok(()),
    }
}

/// A batch is never larger than the queue (the specification's rule; the SDK would
/// silently shrink it).
fn batch_fits(bsp: &BatchSettings) -> Result<(), Invalid> {
    if bsp.max_export_batch_size > bsp.max_queue_size {
        return Err(Invalid::new(
            ["max_export_batch_size", "max_queue_size"],
            "a batch can't be larger than the queue",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn load(vars: &[(&str, &str)]) -> Result<OtelSettings, Vec<String>> {
        #[derive(Debug, twelve_macros::Config)]
        #[config(crate = "crate")]
        struct Wrap {
            #[config(nested, prefix = "OTEL_")]
            otel: OtelSettings,
        }
        Wrap::from_vars(vars.iter().copied())
            .map(|w| w.otel)
            .map_err(|e| e.errors().map(ToString::to_string).collect())
    }

    #[test]
    fn a_misspelt_variable_is_a_look_alike_and_unread_ones_are_not() {
        let read: Vec<String> = crate::runtime::RuntimeSettings::vars()
            .into_iter()
            .map(|v| v.name)
            .collect();
        let read: Vec<&str> = read.iter().map(String::as_str).collect();
        let set = |name: &str| (name.to_owned(), crate::config::ValueSource::Env);
        let warnings = crate::config::lookalike_warnings(
            &[
                set("OTEL_EXPORTER_OTLP_ENDPIONT"),
                set("OTEL_LOGS_EXPORTER"),
                set("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"),
                set("OTEL_PROPAGATORS"),
            ],
            &read,
            "",
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].var(), "OTEL_EXPORTER_OTLP_ENDPIONT");
        assert_eq!(
            warnings[0].suggestion(),
            Some("OTEL_EXPORTER_OTLP_ENDPOINT")
        );
    }

    #[test]
    fn defaults_are_the_specifications() {
        let s = load(&[]).expect("defaults");
        assert!(!s.exports());
        assert_eq!(s.traces_endpoint(), None);
        assert_eq!(s.traces_protocol(), Protocol::HttpProtobuf);
        assert_eq!(s.export_timeout(), Duration::from_millis(10_000));
        assert_eq!(s.sampler().name, SamplerName::ParentBasedAlwaysOn);
        assert_eq!(s.sampler().ratio, None);
        assert_eq!(
            (
                s.bsp.schedule_delay,
                s.bsp.max_queue_size,
                s.bsp.max_export_batch_size,
                s.bsp.export_timeout
            ),
            (5000, 2048, 512, 30000)
        );
        assert!(s.traces_headers().expose().is_empty());
    }

    #[test]
    fn endpoints_per_signal_and_protocol() {
        let s = load(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "https://c.example:4318/")]).unwrap();
        assert_eq!(
            s.traces_endpoint().as_deref(),
            Some("https://c.example:4318/v1/traces")
        );
        let s = load(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ])
        .unwrap();
        assert_eq!(s.traces_endpoint().as_deref(), Some("http://c:4317"));
        let s = load(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:9/custom"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ])
        .unwrap();
        assert_eq!(s.traces_endpoint().as_deref(), Some("http://t:9/custom"));
        assert_eq!(s.traces_protocol(), Protocol::HttpJson);
        // otlp asked for without an endpoint: the specification's default.
        let s = load(&[("OTEL_TRACES_EXPORTER", "otlp")]).unwrap();
        assert_eq!(
            s.traces_endpoint().as_deref(),
            Some("http://localhost:4318/v1/traces")
        );
        for off in [
            vec![("OTEL_SDK_DISABLED", "true")],
            vec![("OTEL_TRACES_EXPORTER", "none")],
        ] {
            let mut vars = off.clone();
            vars.push(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"));
            let s = load(&vars).unwrap();
            assert!(!s.exports(), "{off:?}");
            assert_eq!(s.traces_endpoint(), None);
        }
    }

    #[test]
    fn traces_variables_win_and_timeouts_are_bounded_by_the_batch_processor() {
        let s = load(&[
            ("OTEL_EXPORTER_OTLP_HEADERS", "a=1,b=2"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "c=3"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2000"),
            ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "40000"),
        ])
        .unwrap();
        assert_eq!(
            s.traces_headers()
                .into_exposed()
                .into_iter()
                .collect::<Vec<_>>(),
            [("c".to_string(), "3".to_string())]
        );
        assert_eq!(s.export_timeout(), Duration::from_millis(30_000));
        let s = load(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "2000")]).unwrap();
        assert_eq!(s.export_timeout(), Duration::from_millis(2_000));
    }

    #[test]
    fn the_sampler_argument_is_read_only_for_ratio_samplers() {
        let s = load(&[
            ("OTEL_TRACES_SAMPLER", "always_on"),
            ("OTEL_TRACES_SAMPLER_ARG", "not a number"),
        ])
        .unwrap();
        assert_eq!(s.sampler().ratio, None);
        let s = load(&[
            ("OTEL_TRACES_SAMPLER", "TraceIdRatio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.5"),
        ])
        .unwrap();
        assert_eq!(s.sampler().ratio, Some(0.5));
        let s = load(&[("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")]).unwrap();
        assert_eq!(s.sampler().ratio, Some(1.0));
        for bad in ["1.5", "-0.1", "half", "NaN"] {
            let errors = load(&[
                ("OTEL_TRACES_SAMPLER", "traceidratio"),
                ("OTEL_TRACES_SAMPLER_ARG", bad),
            ])
            .unwrap_err();
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(
                errors[0].starts_with("OTEL_TRACES_SAMPLER_ARG: invalid value"),
                "{errors:?}"
            );
        }
    }

    #[test]
    fn bad_values_name_their_variables_and_never_print_headers() {
        let errors = load(&[
            ("OTEL_SDK_DISABLED", "maybe"),
            ("OTEL_TRACES_EXPORTER", "zipkin"),
            ("OTEL_TRACES_SAMPLER", "sometimes"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "ftp://c"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=s3cr3t,novalue"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "bad key=s3cr3t"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "10s"),
            ("OTEL_RESOURCE_ATTRIBUTES", "a=%zz"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "0"),
            ("OTEL_BSP_SCHEDULE_DELAY", "-1"),
        ])
        .unwrap_err();
        let text = errors.join("\n");
        for var in [
            "OTEL_SDK_DISABLED:",
            "OTEL_TRACES_EXPORTER:",
            "OTEL_TRACES_SAMPLER:",
            "OTEL_EXPORTER_OTLP_ENDPOINT:",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT:",
            "OTEL_EXPORTER_OTLP_PROTOCOL:",
            "OTEL_EXPORTER_OTLP_HEADERS:",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS:",
            "OTEL_EXPORTER_OTLP_TIMEOUT:",
            "OTEL_RESOURCE_ATTRIBUTES:",
            "OTEL_BSP_MAX_QUEUE_SIZE:",
            "OTEL_BSP_SCHEDULE_DELAY:",
        ] {
            assert!(text.contains(var), "{var} in {text}");
        }
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.contains("one of: otlp, none"), "{text}");
        let errors = load(&[
            ("OTEL_BSP_MAX_QUEUE_SIZE", "100"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "200"),
        ])
        .unwrap_err();
        assert_eq!(
            errors,
            [
                "OTEL_BSP_MAX_EXPORT_BATCH_SIZE, OTEL_BSP_MAX_QUEUE_SIZE: a batch can't be larger than the queue"
            ]
        );
    }

    #[test]
    fn compression_is_gzip_or_unset() {
        let s = load(&[("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")]).unwrap();
        assert!(s.traces_gzip());
        let s = load(&[
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
            ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "GZIP"),
        ])
        .unwrap();
        assert!(s.traces_gzip());
        assert!(!load(&[]).unwrap().traces_gzip());
        let errors = load(&[
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "none"),
            ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "zstd"),
        ])
        .unwrap_err();
        let text = errors.join("\n");
        assert!(
            text.contains("OTEL_EXPORTER_OTLP_COMPRESSION: invalid value \"none\""),
            "{text}"
        );
        assert!(text.contains("leave it unset"), "{text}");
        assert!(
            text.contains("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: invalid value \"zstd\""),
            "{text}"
        );
    }
}
