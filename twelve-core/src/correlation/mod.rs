//! Correlation IDs and W3C Trace Context: one ID and one span per request or job, on
//! every log line emitted inside its scope, and carried to the next service.
//!
//! ```
//! use twelve_core::correlation::{Context, CorrelationId};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let id = CorrelationId::new(); // a UUID v7: sortable by time
//! CorrelationId::scope(id.clone(), async move {
//!     assert_eq!(CorrelationId::current(), Some(id));
//!     // every `tracing` event here carries `correlation_id`, `trace_id`, `span_id`
//!     let trace = Context::current().unwrap().trace;
//!     assert_eq!(trace.trace_id().len(), 32); // a new trace...
//!     assert_eq!(trace.span_id().len(), 16); // ...and this service's span in it
//! })
//! .await;
//! assert_eq!(CorrelationId::current(), None);
//!
//! assert!(CorrelationId::parse("req-42:retry.1").is_ok());
//! assert!(CorrelationId::parse("<script>").is_err());
//! # }
//! ```
//!
//! # Trace context
//!
//! Every scope is a [W3C Trace Context](https://www.w3.org/TR/trace-context-2/) span of
//! this service ([`TraceContext`]): a trace ID, a span ID of its own, the caller's span
//! as its parent when a valid `traceparent` came in, the trace flags and the
//! `tracestate`. A request or message without a valid `traceparent` starts a new
//! trace. What comes in is read by `CorrelationLayer` (HTTP servers) and by
//! [`Context::from_headers`] (queue consumers, with [`scope_context`]); what goes out
//! is written by `PropagateCorrelationLayer` (tower clients) and
//! [`outgoing_headers`] (any other client or producer).
//!
//! A scope is carried by the future it wraps, across `.await`s and threads. A task
//! started with a bare `tokio::spawn` does **not** inherit it; start it with
//! [`spawn`] (or `App::spawn` under `#[twelve::main]`) to keep the ID and the span.

mod id;
mod incoming;
mod outgoing;
mod scope;
mod span;
mod trace;
mod tracestate;

pub use id::{CorrelationId, InvalidId, MAX_LEN};
pub use incoming::HeaderPair;
#[cfg(feature = "http")]
pub(crate) use incoming::{caller, combine_tracestate, this_span};
#[cfg(feature = "http")]
pub(crate) use outgoing::traceparent;
#[cfg(all(feature = "http", feature = "otel"))]
pub(crate) use outgoing::traceparent_of;
pub use outgoing::{Iter, OutgoingHeaders, outgoing_headers};
#[cfg(feature = "http")]
pub(crate) use scope::enter;
pub(crate) use scope::with_current;
pub use scope::{Scoped, scope_context, spawn};
#[cfg(all(feature = "http", feature = "otel"))]
pub(crate) use span::of_otel;
#[cfg(feature = "otel")]
pub(crate) use span::{hex64, hex128};
pub use trace::TraceContext;

/// `x-correlation-id`.
const X_CORRELATION_ID: &str = "x-correlation-id";
/// `x-request-id`.
const X_REQUEST_ID: &str = "x-request-id";
/// `traceparent`.
const TRACEPARENT: &str = "traceparent";
/// `tracestate`.
const TRACESTATE: &str = "tracestate";

/// The context of one scope: its correlation ID and its span (this service's span of
/// a W3C trace).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The correlation ID.
    pub id: CorrelationId,
    /// The span of this scope.
    pub trace: TraceContext,
}

impl Context {
    /// A context with `id` that starts a new trace (random trace ID, a new span, flags
    /// `03`: sampled and random), as [`CorrelationId::scope`] does.
    pub fn new(id: CorrelationId) -> Context {
        Context {
            id,
            trace: span::root(),
        }
    }

    /// A clone of the context of the scope this code runs in, if any.
    pub fn current() -> Option<Context> {
        with_current(Context::clone)
    }
}
