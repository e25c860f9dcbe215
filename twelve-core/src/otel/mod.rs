//! OpenTelemetry trace export over OTLP (feature `otel`), set up by the standard
//! `OTEL_*` variables and nothing else.
//!
//! Under `#[twelve::main]` (or [`Runtime::run`](crate::Runtime::run)), when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, or
//! `OTEL_TRACES_EXPORTER=otlp` (then to the specification's default endpoint,
//! `http://localhost:4318`, or `:4317` for gRPC), the runtime installs `tracing-opentelemetry` next to the JSON log layer and an OTLP
//! exporter (`http/protobuf` by default, `http/json` or `grpc`; `https` with rustls).
//! Otherwise, or with `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`, nothing
//! is installed: no thread, no span (about 1% more instructions per request for the
//! code compiled in, BENCHMARKS.md). `OTEL_EXPORTER_OTLP_(TRACES_)COMPRESSION=gzip`
//! compresses exports; `none` is refused ([`Compression`]):
//! leave it unset.
//!
//! The variables ([`OtelSettings`]) are read by twelve's loader with the runtime's
//! and yours, in one pass: a bad value is a configuration error naming the variable
//! (exit 78), never replaced by a default. `OTEL_EXPORTER_OTLP_HEADERS` is a secret:
//! never printed, `--check-config` included.
//!
//! # What is exported
//!
//! - Each scope is a span: `CorrelationLayer` opens a **server** span per request,
//!   named `{method} {route}` (`{method}` when no route matched) with the stable HTTP
//!   semantic-convention attributes (`http.request.method`, `url.path`, `url.scheme`,
//!   `http.route`, `http.response.status_code`, `server.address`, `server.port`,
//!   `user_agent.original`; on a 5xx `error.type` and the status Error), a child of the
//!   caller's span when a valid `traceparent` came in. `PropagateCorrelationLayer`
//!   opens a **client** span per call (`{method}`, `http.request.method`,
//!   `server.address`, `server.port`, `url.full` with every query value `REDACTED`,
//!   `http.response.status_code`) and sends its ID as the callee's parent. A scope of
//!   [`CorrelationId::scope`](crate::correlation::CorrelationId::scope) is a span
//!   `scope` (internal, a new trace); one of
//!   [`Context::from_headers`](crate::correlation::Context::from_headers) a span
//!   `process` (consumer, in the producer's trace). A scope's span ends when its last
//!   clone is dropped (tasks of [`correlation::spawn`](crate::correlation::spawn) keep
//!   it open); a server span ends with the response.
//! - Your `tracing` spans (`#[instrument]`) inside a scope are children of the
//!   innermost span around them, at `info` and above (or as `RUST_LOG` says when set).
//!   The spans of the exporter's own crates (hyper, h2, tonic...) are never exported.
//! - Log lines carry the IDs of the exported spans: the scope's span, or your current
//!   span when one is entered. `outgoing_headers()` sends the current span's ID.
//! - The resource: `service.name` (`OTEL_SERVICE_NAME`, else `SERVICE_NAME`, else the
//!   crate's name), `service.version`, `service.instance.id` (a new UUID per process),
//!   `telemetry.sdk.*`, and `OTEL_RESOURCE_ATTRIBUTES`.
//! - Sampling per `OTEL_TRACES_SAMPLER` (default `parentbased_always_on`); the
//!   `sampled` flag sent downstream is the sampler's decision.
//!
//! # When the collector fails
//!
//! Nothing reaches the service: spans wait in a bounded queue
//! (`OTEL_BSP_MAX_QUEUE_SIZE`); one more is dropped and counted, never waited for.
//! Exports run on the runtime within `OTEL_EXPORTER_OTLP_TIMEOUT`; a failed batch is
//! dropped and counted. Exporter errors are `warn` lines (target `twelve::otel`), at
//! most one per kind (`connect`, `timeout`, `http_503`, `grpc_unavailable`,
//! `queue_full`...) per minute, each with `otel.spans_dropped` since the last one. The
//! SDK itself never prints.
//!
//! At shutdown, after the drain and the hooks, the spans still queued are flushed
//! within what is left of `SHUTDOWN_TIMEOUT`, never past it, before the `stopped` line.
//! A flush cut short is a `warn` line with the number of spans dropped; the exit code
//! does not change.
//!
//! # Your own OpenTelemetry setup
//!
//! With `OTEL_SDK_DISABLED=true` twelve installs nothing; give your layer to the log
//! builder, next to twelve's JSON layer (without the runtime, or with a subscriber you
//! install before it):
//!
//! ```
//! # use twelve_core as twelve;
//! use opentelemetry::trace::TracerProvider as _;
//! use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
//!
//! let exporter = InMemorySpanExporter::default();
//! let provider = SdkTracerProvider::builder()
//!     .with_simple_exporter(exporter.clone())
//!     .build();
//! let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("mine"));
//! let subscriber = twelve::log::builder()
//!     .service("order-service")
//!     .with_layer(layer)
//!     .build()
//!     .unwrap();
//! tracing::subscriber::with_default(subscriber, || {
//!     let _span = tracing::info_span!("checkout").entered();
//!     tracing::info!("order placed");
//! });
//! assert_eq!(exporter.get_finished_spans().unwrap()[0].name, "checkout");
//! ```

mod export;
#[cfg(feature = "http")]
pub(crate) mod http;
mod http_client;
mod pipeline;
mod settings;
mod spans;

pub use settings::{
    BatchSettings, Compression, OtelSettings, OtlpSettings, OtlpSignalSettings, Protocol,
    SamplerChoice, SamplerName, TracesExporter, TracesSettings,
};

pub(crate) use pipeline::{install, shutdown, start};
pub(crate) use spans::{Opened, SpanSlot, current_span, open_scope, outgoing_parent};

/// The tracer of twelve's own spans, when twelve exports spans.
pub(crate) fn tracer() -> Option<&'static opentelemetry_sdk::trace::SdkTracer> {
    pipeline::state().map(|state| &state.tracer)
}

/// Whether this process exports spans (the runtime installed the exporter).
pub fn is_exporting() -> bool {
    pipeline::state().is_some()
}
