//! A real OTLP receiver, started by a test on 127.0.0.1: what an OpenTelemetry
//! Collector would be, since none can be installed here. It decodes what an exporter
//! sends with the official protocol types (`opentelemetry-proto`'s prost messages and
//! its generated tonic server) and keeps every span it accepted, for the test to read.
//!
//! ```ignore
//! let receiver = support::otlp::Receiver::start(Protocol::HttpProtobuf, Behaviour::Accept);
//! // run a service with OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint()
//! let spans = receiver.wait_for_spans(2, Duration::from_secs(10));
//! assert_eq!(spans[0].kind, SpanKind::Server);
//! ```
//!
//! - [`Protocol::HttpProtobuf`] and [`Protocol::HttpJson`]: `POST /v1/traces` (HTTP/1.1
//!   or h2c), the body gzip-compressed or not. Each accepts only its own encoding (the
//!   other gets 415), so a test also proves which encoding the exporter chose. OTLP/JSON
//!   is decoded by `json` to the rules of the OTLP specification, independently of the
//!   serde code the exporters use to write it.
//! - [`Protocol::Grpc`] serves `opentelemetry.proto.collector.trace.v1.TraceService/Export`,
//!   the generated tonic server (gzip accepted) on an HTTP/2 connection.
//!
//! A request that cannot be decoded, or carries an invalid span (IDs of the wrong
//! length or all zero, an unknown kind or status code), is answered 400 (gRPC:
//! `INVALID_ARGUMENT`, or tonic's own `INTERNAL` for bytes that are not protobuf) and
//! its reason is kept for the panic message of [`Receiver::wait_for_spans`]. Only
//! requests answered 200 add spans: a request answered with [`Behaviour::Status`] or
//! held by [`Behaviour::Hang`] is counted by [`Receiver::requests`] but its spans are
//! not kept, as a collector that refused them would not have them.

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

mod convert;
mod json;
mod server;

/// Decodes an OTLP/JSON `ExportTraceServiceRequest` as the receiver does (for tests
/// of the decoder itself).
pub(crate) fn decode_json(
    body: &[u8],
) -> Result<opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest, String> {
    json::decode(body)
}

/// Spans kept at most; later ones are counted and dropped.
const MAX_SPANS: usize = 100_000;
/// Reasons for refused requests kept at most (the latest).
const MAX_REJECTIONS: usize = 20;

/// The OTLP transport and encoding a [`Receiver`] speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// OTLP/HTTP, binary protobuf (`application/x-protobuf`); `http/protobuf`.
    HttpProtobuf,
    /// OTLP/HTTP, JSON (`application/json`); `http/json`.
    HttpJson,
    /// OTLP/gRPC; `grpc`.
    Grpc,
}

/// How a [`Receiver`] answers export requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Behaviour {
    /// Decode, keep the spans, answer 200 with an empty `ExportTraceServiceResponse`.
    Accept,
    /// Answer every request with this HTTP status (and a `google.rpc.Status` body); over
    /// gRPC with the matching code (503 `UNAVAILABLE`, 500 `INTERNAL`, 429
    /// `RESOURCE_EXHAUSTED`, 504 `DEADLINE_EXCEEDED`, 400 `INVALID_ARGUMENT`, 401
    /// `UNAUTHENTICATED`, 403 `PERMISSION_DENIED`, 404 `UNIMPLEMENTED`, else `UNKNOWN`).
    Status(u16),
    /// Read the request, never answer: the connection stays open until the exporter
    /// gives up or the receiver is dropped.
    Hang,
}

/// The kind of a received span (OTLP `Span.SpanKind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SpanKind {
    /// `SPAN_KIND_SERVER` (2).
    Server,
    /// `SPAN_KIND_CLIENT` (3).
    Client,
    /// `SPAN_KIND_INTERNAL` (1).
    Internal,
    /// `SPAN_KIND_PRODUCER` (4).
    Producer,
    /// `SPAN_KIND_CONSUMER` (5).
    Consumer,
    /// `SPAN_KIND_UNSPECIFIED` (0).
    Unspecified,
}

/// The status of a received span (OTLP `Status`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SpanStatus {
    /// `STATUS_CODE_UNSET` (or no status at all).
    Unset,
    /// `STATUS_CODE_OK`.
    Ok,
    /// `STATUS_CODE_ERROR`, with its message (empty when none was sent).
    Error(String),
}

/// An attribute value (OTLP `AnyValue`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum AttrValue {
    /// `stringValue`.
    Str(String),
    /// `intValue`.
    Int(i64),
    /// `doubleValue`.
    Double(f64),
    /// `boolValue`.
    Bool(bool),
    /// Anything else, as compact JSON text: an array `["a",1]`, a key-value list
    /// `{"k":"v"}`, bytes as a lower-case hex string, an empty value as `null`.
    Other(String),
}

impl AttrValue {
    /// The string, when this is a [`AttrValue::Str`].
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, when this is an [`AttrValue::Int`].
    pub(crate) fn as_i64(&self) -> Option<i64> {
        match self {
            AttrValue::Int(i) => Some(*i),
            _ => None,
        }
    }
}

/// One span as the receiver got it, with what surrounded it in the request.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ReceivedSpan {
    /// 32 lower-case hex digits.
    pub(crate) trace_id: String,
    /// 16 lower-case hex digits.
    pub(crate) span_id: String,
    /// 16 lower-case hex digits; `None` for a root span (an empty `parent_span_id`).
    pub(crate) parent_span_id: Option<String>,
    /// The span's name.
    pub(crate) name: String,
    /// The span's kind.
    pub(crate) kind: SpanKind,
    /// The span's attributes (for a repeated key, the last one).
    pub(crate) attributes: BTreeMap<String, AttrValue>,
    /// The span's status.
    pub(crate) status: SpanStatus,
    /// The attributes of the resource the span came with.
    pub(crate) resource: BTreeMap<String, AttrValue>,
    /// The name of its instrumentation scope (empty when none).
    pub(crate) scope_name: String,
    /// `Span.flags` as sent: W3C trace flags in the low byte, bits 8 and 9 for
    /// "parent is remote known" and "parent is remote".
    pub(crate) flags: u32,
    /// The W3C `tracestate`, as sent.
    pub(crate) trace_state: String,
    /// Start, nanoseconds since the Unix epoch.
    pub(crate) start_unix_nanos: u64,
    /// End, nanoseconds since the Unix epoch.
    pub(crate) end_unix_nanos: u64,
    /// The HTTP request headers (gRPC: the metadata) of the export request that carried
    /// it, names lower-case, in the order received.
    pub(crate) headers: Vec<(String, String)>,
}

/// A running OTLP receiver on `127.0.0.1:<port>`, on a thread and a tokio runtime of
/// its own. Dropping it stops the server (hung requests included) and joins the thread;
/// the port then refuses connections.
pub(crate) struct Receiver {
    shared: Arc<Shared>,
    port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    /// Binds `127.0.0.1:0` and serves `protocol`, answering as `behaviour` says. The
    /// port accepts connections when this returns.
    pub(crate) fn start(protocol: Protocol, behaviour: Behaviour) -> Receiver {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let port = listener.local_addr().expect("the bound address").port();
        let shared = Arc::new(Shared {
            behaviour: Mutex::new(behaviour),
            state: Mutex::new(State::default()),
            arrived: Condvar::new(),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime for the receiver");
        let server_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("otlp-receiver-{port}"))
            .spawn(move || {
                runtime.block_on(server::serve(listener, protocol, server_shared, stopped));
                // Dropping the runtime drops every connection task, hung ones included.
                drop(runtime);
            })
            .expect("the receiver's thread");
        Receiver {
            shared,
            port,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:<port>`: the base endpoint, as `OTEL_EXPORTER_OTLP_ENDPOINT`
    /// takes it (the HTTP exporters append `/v1/traces`).
    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Requests received so far, whatever their outcome (refused, hung or malformed
    /// ones included).
    pub(crate) fn requests(&self) -> usize {
        self.shared.state().requests
    }

    /// Every span accepted so far, in arrival order.
    pub(crate) fn spans(&self) -> Vec<ReceivedSpan> {
        self.shared.state().spans.clone()
    }

    /// Waits until at least `n` spans have been accepted and returns them all; panics
    /// after `timeout` with what it has (spans, requests, reasons for refusals).
    pub(crate) fn wait_for_spans(&self, n: usize, timeout: Duration) -> Vec<ReceivedSpan> {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.state();
        loop {
            if state.spans.len() >= n {
                return state.spans.clone();
            }
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            state = self
                .shared
                .arrived
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        let names: Vec<&str> = state.spans.iter().map(|s| s.name.as_str()).collect();
        panic!(
            "expected at least {n} spans within {timeout:?} on port {}, got {} in {} \
             requests ({} dropped over the limit): {names:?}; refused requests: {:?}; \
             spans: {:#?}",
            self.port,
            state.spans.len(),
            state.requests,
            state.dropped,
            state.rejections,
            state.spans,
        );
    }

    /// Answers the requests from now on as `behaviour` says (requests already hung stay
    /// hung).
    pub(crate) fn set_behaviour(&self, behaviour: Behaviour) {
        *self
            .shared
            .behaviour
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = behaviour;
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            // An error only means the server is gone already.
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            // A panic there has been printed; panicking in drop would abort.
            let _ = thread.join();
        }
    }
}

/// What the server thread and the test share.
struct Shared {
    behaviour: Mutex<Behaviour>,
    state: Mutex<State>,
    /// Notified whenever spans are added.
    arrived: Condvar,
}

#[derive(Default)]
struct State {
    requests: usize,
    spans: Vec<ReceivedSpan>,
    /// Spans accepted over [`MAX_SPANS`], not kept.
    dropped: usize,
    /// Why the latest refused requests were refused.
    rejections: Vec<String>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn behaviour(&self) -> Behaviour {
        *self
            .behaviour
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn count_request(&self) {
        self.state().requests += 1;
    }

    fn accept(&self, spans: Vec<ReceivedSpan>) {
        let mut state = self.state();
        let room = MAX_SPANS.saturating_sub(state.spans.len());
        let kept = spans.len().min(room);
        state.dropped += spans.len() - kept;
        state.spans.extend(spans.into_iter().take(kept));
        drop(state);
        self.arrived.notify_all();
    }

    fn reject(&self, reason: String) {
        let mut state = self.state();
        if state.rejections.len() == MAX_REJECTIONS {
            state.rejections.remove(0);
        }
        state.rejections.push(reason);
    }
}
