//! Setting the SDK up from [`OtelSettings`], once per process: the resource, the
//! sampler, the batch processor behind twelve's queue bound and exporter wrapper
//! (`super::export`), the tracer of twelve's own spans and the `tracing-opentelemetry`
//! layer for the user's; the exporter once the runtime runs; the flush at shutdown.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_otlp::{WithExportConfig as _, WithHttpConfig as _, WithTonicConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::resource::TelemetryResourceDetector;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, Sampler, SdkTracer, SdkTracerProvider,
    SpanExporter as _,
};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::{FilterExt as _, filter_fn};

use super::export::{Export, Queue, Shared, TARGET};
use super::http_client::OtlpHttpClient;
use super::settings::{OtelSettings, Protocol, SamplerChoice, SamplerName};
use crate::Secret;
use crate::log::BoxedLayer;
use crate::runtime::ServiceInfo;

/// What is installed, when twelve exports spans.
pub(crate) struct State {
    /// The tracer of twelve's own spans (instrumentation scope `twelve`).
    pub(crate) tracer: SdkTracer,
    provider: SdkTracerProvider,
    shared: Arc<Shared>,
    plan: Plan,
}

/// Where and how spans are sent.
#[derive(Debug, Clone)]
struct Plan {
    endpoint: String,
    protocol: Protocol,
    /// A secret: `Plan`'s `Debug` never shows them.
    headers: Secret<BTreeMap<String, String>>,
    /// `OTEL_EXPORTER_OTLP_(TRACES_)COMPRESSION=gzip`, passed explicitly (the SDK then
    /// does not read the variables). Without it they are unset, twelve having refused
    /// every other value; only one set to an empty text (unset to twelve) reaches the
    /// SDK, which refuses it: the exporter error line says so.
    gzip: bool,
    timeout: Duration,
    resource: Resource,
    sampler: SamplerChoice,
}

static STATE: OnceLock<State> = OnceLock::new();

/// What is installed, if anything.
pub(crate) fn state() -> Option<&'static State> {
    STATE.get()
}

/// Crates on the exporter's own path: their spans are never exported (an export
/// would make spans that make exports...).
const EXPORTER_STACK: [&str; 11] = [
    "h2",
    "hyper",
    "hyper_util",
    "hyper_rustls",
    "tonic",
    "tower",
    "rustls",
    "opentelemetry",
    "opentelemetry_sdk",
    "opentelemetry_otlp",
    "opentelemetry_http",
];

fn in_exporter_stack(target: &str) -> bool {
    EXPORTER_STACK.iter().any(|name| {
        target
            .strip_prefix(name)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    })
}

/// Sets the SDK up when `settings` ask for export, and returns the `tracing` layer of
/// the user's spans; `None` (and nothing installed, no thread started) otherwise.
/// `directives` (`RUST_LOG`) filter the user's spans when set; else spans at `info`
/// and above are exported.
pub(crate) fn install(
    settings: &OtelSettings,
    info: &ServiceInfo,
    directives: Option<&str>,
) -> Option<BoxedLayer> {
    let endpoint = settings.traces_endpoint()?;
    if STATE.get().is_some() {
        return None;
    }
    let plan = Plan {
        endpoint,
        protocol: settings.traces_protocol(),
        headers: settings.traces_headers(),
        gzip: settings.traces_gzip(),
        timeout: settings.export_timeout(),
        resource: resource(settings, info),
        sampler: settings.sampler(),
    };
    let bsp = &settings.bsp;
    let shared = Shared::new(bsp.max_queue_size, plan.timeout);
    let config = BatchConfigBuilder::default()
        .with_max_queue_size(bsp.max_queue_size)
        .with_max_export_batch_size(bsp.max_export_batch_size)
        .with_scheduled_delay(Duration::from_millis(bsp.schedule_delay))
        .build();
    let batch = BatchSpanProcessor::builder(Export::new(shared.clone()))
        .with_batch_config(config)
        .build();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(Queue::new(batch, shared.clone()))
        .with_sampler(sampler(plan.sampler))
        .with_resource(plan.resource.clone())
        .build();
    let tracer = provider.tracer_with_scope(
        InstrumentationScope::builder(super::spans::SCOPE_NAME)
            .with_version(env!("CARGO_PKG_VERSION"))
            .build(),
    );
    let users = provider.tracer_with_scope(
        InstrumentationScope::builder(info.name().to_owned())
            .with_version(info.version().to_owned())
            .build(),
    );
    let filter = directives
        .and_then(|d| EnvFilter::builder().parse(d).ok())
        .unwrap_or_else(|| EnvFilter::new("info"))
        .and(filter_fn(|meta| !in_exporter_stack(meta.target())));
    let layer = tracing_opentelemetry::layer()
        .with_tracer(users)
        .with_threads(false)
        .with_tracked_inactivity(false)
        .with_filter(filter)
        .boxed();
    let state = State {
        tracer,
        provider,
        shared,
        plan,
    };
    STATE.set(state).ok()?;
    Some(layer)
}

/// The resource: `service.name` (OTEL_SERVICE_NAME, else a `service.name` of
/// OTEL_RESOURCE_ATTRIBUTES, else SERVICE_NAME, else the crate's name),
/// `service.version` (the crate's), `service.instance.id` (a new UUID per process),
/// `telemetry.sdk.*`, then what OTEL_RESOURCE_ATTRIBUTES adds (which may replace the
/// version and the instance ID).
fn resource(settings: &OtelSettings, info: &ServiceInfo) -> Resource {
    let mut builder = Resource::builder_empty()
        .with_detector(Box::new(TelemetryResourceDetector))
        .with_attributes([
            KeyValue::new("service.name", info.name().to_owned()),
            KeyValue::new("service.version", info.version().to_owned()),
            KeyValue::new(
                "service.instance.id",
                uuid::Uuid::now_v7().hyphenated().to_string(),
            ),
        ]);
    if let Some(attributes) = &settings.resource_attributes {
        builder = builder.with_attributes(
            attributes
                .iter()
                .map(|(k, v)| KeyValue::new(k.clone(), v.clone())),
        );
    }
    if let Some(name) = &settings.service_name {
        builder = builder.with_service_name(name.clone());
    }
    builder.build()
}

/// The SDK's sampler for `choice`.
fn sampler(choice: SamplerChoice) -> Sampler {
    let ratio = || Sampler::TraceIdRatioBased(choice.ratio.unwrap_or(1.0));
    match choice.name {
        SamplerName::AlwaysOn => Sampler::AlwaysOn,
        SamplerName::AlwaysOff => Sampler::AlwaysOff,
        SamplerName::TraceIdRatio => ratio(),
        SamplerName::ParentBasedAlwaysOn => Sampler::ParentBased(Box::new(Sampler::AlwaysOn)),
        SamplerName::ParentBasedAlwaysOff => Sampler::ParentBased(Box::new(Sampler::AlwaysOff)),
        SamplerName::ParentBasedTraceIdRatio => Sampler::ParentBased(Box::new(ratio())),
    }
}

/// Starts exporting on the runtime of `handle` (the gRPC channel is made in it), and
/// says so in one line; an exporter that can't be built is a line too, and its spans
/// are dropped (counted).
pub(crate) fn start(handle: &tokio::runtime::Handle) {
    let Some(state) = STATE.get() else { return };
    let plan = &state.plan;
    let _entered = handle.enter();
    match exporter(plan, &state.shared) {
        Ok(mut exporter) => {
            exporter.set_resource(&plan.resource);
            state.shared.start(handle.clone(), exporter);
            tracing::event!(
                target: TARGET,
                tracing::Level::INFO,
                otel.endpoint = shown_endpoint(&plan.endpoint).as_str(),
                otel.protocol = protocol_name(plan.protocol),
                otel.sampler = sampler_name(plan.sampler).as_str(),
                "exporting traces over OTLP"
            );
        }
        Err(error) => {
            tracing::event!(
                target: TARGET,
                tracing::Level::ERROR,
                otel.endpoint = shown_endpoint(&plan.endpoint).as_str(),
                error = error.as_str(),
                "the OTLP exporter can't be built: no span is exported"
            );
        }
    }
}

/// The OTLP exporter of `plan`.
fn exporter(plan: &Plan, shared: &Arc<Shared>) -> Result<opentelemetry_otlp::SpanExporter, String> {
    let builder = opentelemetry_otlp::SpanExporter::builder();
    let exporter = match plan.protocol {
        Protocol::HttpProtobuf | Protocol::HttpJson => {
            let protocol = match plan.protocol {
                Protocol::HttpJson => opentelemetry_otlp::Protocol::HttpJson,
                _ => opentelemetry_otlp::Protocol::HttpBinary,
            };
            let headers: HashMap<String, String> =
                plan.headers.expose().clone().into_iter().collect();
            let mut builder = builder
                .with_http()
                .with_http_client(OtlpHttpClient::new(shared.clone())?)
                .with_endpoint(plan.endpoint.clone())
                .with_protocol(protocol)
                .with_timeout(plan.timeout)
                .with_headers(headers);
            if plan.gzip {
                builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
            }
            builder.build()
        }
        Protocol::Grpc => {
            let mut endpoint = tonic::transport::Endpoint::from_shared(plan.endpoint.clone())
                .map_err(|e| e.to_string())?
                .timeout(plan.timeout)
                .connect_timeout(plan.timeout);
            if plan.endpoint.starts_with("https:") {
                endpoint = endpoint
                    .tls_config(tonic::transport::ClientTlsConfig::new().with_enabled_roots())
                    .map_err(|e| e.to_string())?;
            }
            let mut metadata = tonic::metadata::MetadataMap::new();
            for (key, value) in plan.headers.expose() {
                let key = tonic::metadata::MetadataKey::from_bytes(key.as_bytes())
                    .map_err(|_| "a header name is not valid gRPC metadata".to_string())?;
                let value = tonic::metadata::MetadataValue::try_from(value.as_str())
                    .map_err(|_| "a header value is not valid gRPC metadata".to_string())?;
                metadata.insert(key, value);
            }
            let mut builder = builder
                .with_tonic()
                .with_channel(endpoint.connect_lazy())
                .with_metadata(metadata)
                .with_timeout(plan.timeout);
            if plan.gzip {
                builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
            }
            builder.build()
        }
    };
    exporter.map_err(|e| e.to_string())
}

/// The endpoint as a line may show it: without user information.
fn shown_endpoint(endpoint: &str) -> String {
    match endpoint.parse::<::http::Uri>() {
        Ok(uri) => match uri.authority() {
            Some(authority) if authority.as_str().contains('@') => {
                let host = authority.as_str().rsplit('@').next().unwrap_or_default();
                endpoint.replacen(authority.as_str(), host, 1)
            }
            _ => endpoint.to_owned(),
        },
        Err(_) => String::new(),
    }
}

fn protocol_name(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::HttpProtobuf => "http/protobuf",
        Protocol::HttpJson => "http/json",
        Protocol::Grpc => "grpc",
    }
}

fn sampler_name(choice: SamplerChoice) -> String {
    let name = match choice.name {
        SamplerName::AlwaysOn => "always_on",
        SamplerName::AlwaysOff => "always_off",
        SamplerName::TraceIdRatio => "traceidratio",
        SamplerName::ParentBasedAlwaysOn => "parentbased_always_on",
        SamplerName::ParentBasedAlwaysOff => "parentbased_always_off",
        SamplerName::ParentBasedTraceIdRatio => "parentbased_traceidratio",
    };
    match choice.ratio {
        Some(ratio) => format!("{name}:{ratio}"),
        None => name.to_owned(),
    }
}

/// The flush at shutdown, within `remaining` (what is left of SHUTDOWN_TIMEOUT after
/// the drain), never longer: every span not exported by then is dropped, and a `warn`
/// line says how many. Spans the collector refused during the flush are a `warn` line
/// too.
pub(crate) async fn shutdown(remaining: Duration) {
    let Some(state) = STATE.get() else { return };
    let started = Instant::now();
    let shared = &state.shared;
    if shared.pending() == 0 {
        // Nothing queued, nothing being exported: nothing to wait for.
        shared.close();
        return;
    }
    let dropped_before = shared.dropped();
    shared.set_deadline(started + remaining);
    let provider = state.provider.clone();
    let flush = tokio::task::spawn_blocking(move || {
        // The SDK's own complaints (a timed-out shutdown) go nowhere.
        tracing::subscriber::with_default(tracing::subscriber::NoSubscriber::default(), || {
            provider.shutdown_with_timeout(remaining)
        })
    });
    // The SDK's own result says nothing more than what is left in the queue.
    let _ = tokio::time::timeout(remaining, flush).await;
    shared.close();
    let pending = shared.pending();
    let refused = shared.dropped().saturating_sub(dropped_before);
    let flush_ms = started.elapsed().as_secs_f64() * 1000.0;
    if pending > 0 {
        tracing::event!(
            target: TARGET,
            tracing::Level::WARN,
            otel.spans_dropped = pending as u64 + refused,
            flush_ms = (flush_ms * 1000.0).round() / 1000.0,
            time_left_ms = remaining.as_millis() as u64,
            "span flush cut short by SHUTDOWN_TIMEOUT: spans dropped"
        );
    } else if refused > 0 {
        tracing::event!(
            target: TARGET,
            tracing::Level::WARN,
            otel.spans_dropped = refused,
            flush_ms = (flush_ms * 1000.0).round() / 1000.0,
            "span flush: the collector took no spans, spans dropped"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exporters_own_crates_are_never_exported() {
        for target in [
            "h2",
            "h2::proto",
            "hyper_util::client",
            "tonic::transport",
            "opentelemetry_sdk",
        ] {
            assert!(in_exporter_stack(target), "{target}");
        }
        for target in [
            "h2o",
            "my_app",
            "tonic_app::api",
            "hyperloop",
            "twelve::http",
        ] {
            assert!(!in_exporter_stack(target), "{target}");
        }
    }

    #[test]
    fn https_endpoints_get_an_exporter_with_rustls_over_each_protocol() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let _entered = runtime.enter();
        for protocol in [Protocol::HttpProtobuf, Protocol::HttpJson, Protocol::Grpc] {
            let plan = Plan {
                endpoint: "https://collector.example:4318/v1/traces".into(),
                protocol,
                headers: Secret::new([("api-key".to_string(), "k".to_string())].into()),
                gzip: protocol != Protocol::HttpJson,
                timeout: Duration::from_secs(1),
                resource: Resource::builder_empty().build(),
                sampler: SamplerChoice {
                    name: SamplerName::AlwaysOn,
                    ratio: None,
                },
            };
            let shared = Shared::new(8, plan.timeout);
            assert!(exporter(&plan, &shared).is_ok(), "{protocol:?}");
        }
    }

    #[test]
    fn endpoints_are_shown_without_user_information() {
        assert_eq!(
            shown_endpoint("https://user:pw@c.example:4318/v1/traces"),
            "https://c.example:4318/v1/traces"
        );
        assert_eq!(shown_endpoint("http://c:4318"), "http://c:4318");
    }
}
