//! twelve's own spans, opened with the SDK's tracer directly (not through a `tracing`
//! span: no registry slot, no fields rendered for the log layer): the scope's span
//! ([`open_scope`]), and the HTTP layers' server and client spans (`super::http`).
//! Their IDs become the scope's [`TraceContext`], so that log lines, outgoing headers
//! and the exported span agree; [`SpanSlot`] keeps the span in the context.
//!
//! Also here: what the current OpenTelemetry span is, for outgoing headers and log
//! lines ([`outgoing_parent`], [`current_span`]). The `tracing` spans of the user are
//! OpenTelemetry spans through `tracing-opentelemetry`, which makes each entered span
//! the current OpenTelemetry context; the scope makes its own span current while it
//! runs (`correlation::scope::enter`). So the current context is always the innermost
//! span that is exported.

use std::borrow::Cow;
use std::str::FromStr as _;
use std::sync::Arc;

use opentelemetry::Context;
use opentelemetry::trace::{
    SpanBuilder, SpanContext, SpanId, SpanKind, TraceContextExt as _, TraceFlags, TraceId,
    TraceState, Tracer as _,
};
use opentelemetry_sdk::trace::SdkTracer;

use crate::correlation::{TraceContext, hex64, hex128};

/// The OpenTelemetry span a scope's [`TraceContext`] is, shared by its clones: the span
/// ends when it is ended explicitly (the server span, at the response) or when the last
/// clone is dropped. Ignored by `==` (the IDs say which span it is).
#[derive(Clone, Default)]
pub(crate) struct SpanSlot(Option<Arc<Handle>>);

impl PartialEq for SpanSlot {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for SpanSlot {}

/// The context holding the span; the span ends when the handle is dropped.
pub(crate) struct Handle {
    cx: Context,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.cx.span().end();
    }
}

impl SpanSlot {
    /// The OpenTelemetry context of the span, to make it current (a clone: two atomic
    /// increments).
    pub(crate) fn context(&self) -> Option<Context> {
        self.0.as_ref().map(|handle| handle.cx.clone())
    }

    /// Calls `f` with the span, when there is one.
    #[cfg(feature = "http")]
    pub(crate) fn with_span(&self, f: impl FnOnce(opentelemetry::trace::SpanRef<'_>)) {
        if let Some(handle) = &self.0 {
            f(handle.cx.span());
        }
    }

    /// Whether there is a span.
    pub(crate) fn is_some(&self) -> bool {
        self.0.is_some()
    }
}

/// A span just opened: its IDs as lower-case hex, the sampler's decision, and the slot
/// that keeps it.
pub(crate) struct Opened {
    pub(crate) trace_id: [u8; 32],
    pub(crate) span_id: [u8; 16],
    pub(crate) sampled: bool,
    pub(crate) slot: SpanSlot,
}

/// The target of twelve's own spans (their instrumentation scope is `twelve`).
pub(crate) const SCOPE_NAME: &str = "twelve";

/// Opens `builder`'s span under `parent` with `tracer`, kept in a slot that ends it
/// when dropped.
pub(crate) fn start(tracer: &SdkTracer, builder: SpanBuilder, parent: &Context) -> Opened {
    let cx = start_context(tracer, builder, parent);
    let (trace_id, span_id, sampled) = ids(cx.span().span_context());
    Opened {
        trace_id,
        span_id,
        sampled,
        slot: SpanSlot(Some(Arc::new(Handle { cx }))),
    }
}

/// Opens `builder`'s span under `parent` with `tracer`: the context holding it.
pub(crate) fn start_context(tracer: &SdkTracer, builder: SpanBuilder, parent: &Context) -> Context {
    parent.with_span(tracer.build_with_context(builder, parent))
}

/// A span context's IDs as hex, and whether it is sampled.
fn ids(context: &SpanContext) -> ([u8; 32], [u8; 16], bool) {
    (
        hex128(u128::from_be_bytes(context.trace_id().to_bytes())),
        hex64(u64::from_be_bytes(context.span_id().to_bytes())),
        context.is_sampled(),
    )
}

/// The context of the caller's span `caller` (a remote parent), with `tracestate`.
pub(crate) fn remote(caller: &TraceContext, tracestate: Option<&str>) -> Context {
    let trace_id = TraceId::from_bytes(
        u128::from_str_radix(caller.trace_id(), 16)
            .unwrap_or_default()
            .to_be_bytes(),
    );
    let span_id = SpanId::from_bytes(
        u64::from_str_radix(caller.span_id(), 16)
            .unwrap_or_default()
            .to_be_bytes(),
    );
    let state = tracestate
        .and_then(|state| TraceState::from_str(state).ok())
        .unwrap_or_default();
    let context = SpanContext::new(
        trace_id,
        span_id,
        TraceFlags::new(caller.flags()),
        true,
        state,
    );
    Context::new().with_remote_span_context(context)
}

/// The span of a scope, when twelve exports spans: a new trace (`caller` `None`), or a
/// child of the caller's span (a message's `traceparent`, with its `tracestate`).
/// `scope` (internal) for a scope that starts a trace, `process` (consumer) for one
/// that continues the trace of a message.
pub(crate) fn open_scope(caller: Option<(&TraceContext, Option<&str>)>) -> Option<Opened> {
    let tracer = super::tracer()?;
    let (name, kind, parent) = match caller {
        None => ("scope", SpanKind::Internal, Context::new()),
        Some((caller, tracestate)) => ("process", SpanKind::Consumer, remote(caller, tracestate)),
    };
    let builder = SpanBuilder::from_name(Cow::Borrowed(name)).with_kind(kind);
    Some(start(tracer, builder, &parent))
}

/// A builder for one of twelve's spans: its name, kind and attributes.
#[cfg(feature = "http")]
pub(crate) fn builder(
    name: impl Into<Cow<'static, str>>,
    kind: SpanKind,
    attributes: Vec<opentelemetry::KeyValue>,
) -> SpanBuilder {
    SpanBuilder::from_name(name)
        .with_kind(kind)
        .with_attributes(attributes)
}

/// The current OpenTelemetry span, when it is valid and of `trace`'s trace: its ID
/// (hex) and whether it is sampled. Else, when `trace` is an exported span itself, its
/// own. `None` when twelve exports no spans.
pub(crate) fn outgoing_parent(trace: &TraceContext) -> Option<([u8; 16], bool)> {
    super::tracer()?;
    let current = Context::map_current(|cx| {
        let span = cx.span();
        let context = span.span_context();
        if !context.is_valid() {
            return None;
        }
        let (trace_id, span_id, sampled) = ids(context);
        (trace_id == trace.trace_id_hex()).then_some((span_id, sampled))
    });
    current.or_else(|| {
        trace
            .otel
            .is_some()
            .then(|| (trace.span_id_hex(), trace.sampled()))
    })
}

/// The span a log line inside the scope `scope` names, when it is not the scope's own:
/// the current OpenTelemetry span (a `tracing` span of the user's, exported), with the
/// scope's `random` flag and `tracestate`. `None` when twelve exports no spans, or the
/// current span is the scope's own (the common case: the line names `scope`).
pub(crate) fn current_span(scope: &TraceContext) -> Option<TraceContext> {
    super::tracer()?;
    Context::map_current(|cx| {
        let span = cx.span();
        let context = span.span_context();
        if !context.is_valid() {
            return None;
        }
        let (trace_id, span_id, sampled) = ids(context);
        if span_id == scope.span_id_hex() && trace_id == scope.trace_id_hex() {
            return None;
        }
        let flags = (scope.flags() & TraceContext::RANDOM) | u8::from(sampled);
        Some(TraceContext::from_parts(
            trace_id,
            span_id,
            None,
            flags,
            scope.tracestate_shared().cloned(),
        ))
    })
}
