//! Failure isolation: what stands between the SDK's batch span processor and the OTLP
//! exporter, so that a collector that is down, hangs or answers errors costs no
//! request anything.
//!
//! - [`Queue`] (a span processor around the batch processor): a span that ends while
//!   `OTEL_BSP_MAX_QUEUE_SIZE` spans wait for export is dropped and counted, never
//!   waited for (the batch processor's own channel then never fills).
//! - [`Export`] (the exporter the batch processor calls, on its own thread): each batch
//!   is sent on the service's tokio runtime, with no `tracing` subscriber (the
//!   exporter's own crates log nowhere), within the export timeout (and never past the
//!   shutdown deadline). A batch that fails is dropped and counted; the batch processor
//!   is told it succeeded, so that the SDK reports nothing itself.
//! - [`Shared::report`]: exporter errors as JSON lines, at most one per kind per
//!   minute, each with the number of spans dropped since the last line of its kind.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use opentelemetry::Context;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{BatchSpanProcessor, Span, SpanData, SpanExporter, SpanProcessor};
use tracing::instrument::WithSubscriber as _;

/// How often at most one kind of error is logged.
pub(crate) const REPORT_EVERY: Duration = Duration::from_secs(60);

/// The `target` of twelve's OpenTelemetry lines.
pub(crate) const TARGET: &str = "twelve::otel";

/// What the processor, the exporter and the runtime share.
pub(crate) struct Shared {
    /// Spans accepted and not yet exported (or dropped by a failed export).
    pending: AtomicUsize,
    max_queue: usize,
    /// Spans dropped over the process's life.
    dropped: AtomicU64,
    /// Per kind of export error: when it was last logged, and spans dropped since.
    reports: Mutex<HashMap<String, Report>>,
    /// The queue-full kind, apart and lock-free: it is met once per span while a
    /// collector is down. Spans dropped since its last line, and when that line was
    /// written (milliseconds after `born`, plus one; 0: never).
    queue_full_dropped: AtomicU64,
    queue_full_last: AtomicU64,
    born: Instant,
    /// The time no export may run past (set at shutdown).
    deadline: Mutex<Option<Instant>>,
    /// Set once the flush at shutdown is over: later failures are counted, not logged
    /// (the `stopped` line is the last).
    closed: AtomicBool,
    /// The runtime the exports run on, and the exporter (set once it runs).
    runtime: OnceLock<(
        tokio::runtime::Handle,
        Arc<opentelemetry_otlp::SpanExporter>,
    )>,
    /// What the HTTP client saw of the last failed export (the exporter only gives a
    /// text): set by it, taken by [`Export`]. Exports never run concurrently.
    pub(crate) last_failure: Mutex<Option<Failure>>,
    timeout: Duration,
}

/// How an export failed, for the line (and its kind, for the once-a-minute rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    /// `timeout`, `connect`, `http_503`, `grpc_unavailable`, `queue_full`, ...
    pub(crate) kind: String,
    /// What went wrong, for a human (no header value is ever in it).
    pub(crate) error: String,
}

#[derive(Debug, Default)]
struct Report {
    /// When a line of this kind was last written.
    last: Option<Instant>,
    /// Spans dropped since.
    dropped: u64,
}

impl Shared {
    pub(crate) fn new(max_queue: usize, timeout: Duration) -> Arc<Shared> {
        Arc::new(Shared {
            pending: AtomicUsize::new(0),
            max_queue,
            dropped: AtomicU64::new(0),
            reports: Mutex::new(HashMap::new()),
            queue_full_dropped: AtomicU64::new(0),
            queue_full_last: AtomicU64::new(0),
            born: Instant::now(),
            deadline: Mutex::new(None),
            closed: AtomicBool::new(false),
            runtime: OnceLock::new(),
            last_failure: Mutex::new(None),
            timeout,
        })
    }

    /// The runtime exports run on, and the exporter; once.
    pub(crate) fn start(
        &self,
        handle: tokio::runtime::Handle,
        exporter: opentelemetry_otlp::SpanExporter,
    ) {
        let _ = self.runtime.set((handle, Arc::new(exporter)));
    }

    /// No export runs past `deadline` from now on.
    pub(crate) fn set_deadline(&self, deadline: Instant) {
        if let Ok(mut slot) = self.deadline.lock() {
            *slot = Some(deadline);
        }
    }

    /// Nothing is logged from now on (the flush at shutdown is over).
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }

    /// Spans accepted and not exported yet.
    pub(crate) fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }

    /// Spans dropped so far.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The time the next export may take.
    fn export_timeout(&self) -> Duration {
        let deadline = self.deadline.lock().ok().and_then(|d| *d);
        match deadline {
            Some(deadline) => self
                .timeout
                .min(deadline.saturating_duration_since(Instant::now())),
            None => self.timeout,
        }
    }

    /// Counts `spans` dropped for `failure` (a failed export), and logs it unless a
    /// line of its kind was written less than a minute ago.
    pub(crate) fn report(&self, failure: Failure, spans: usize) {
        let spans = spans as u64;
        self.dropped.fetch_add(spans, Ordering::Relaxed);
        if self.closed.load(Ordering::Acquire) {
            return;
        }
        let now = Instant::now();
        let due = {
            let Ok(mut reports) = self.reports.lock() else {
                return;
            };
            let report = reports.entry(failure.kind.clone()).or_default();
            report.dropped += spans;
            match report.last {
                Some(last) if now.duration_since(last) < REPORT_EVERY => None,
                _ => {
                    report.last = Some(now);
                    Some(std::mem::take(&mut report.dropped))
                }
            }
        };
        let Some(dropped) = due else { return };
        tracing::event!(
            target: TARGET,
            tracing::Level::WARN,
            otel.error.kind = failure.kind.as_str(),
            otel.spans_dropped = dropped,
            otel.spans_dropped_total = self.dropped(),
            error = failure.error.as_str(),
            "span export failed: spans dropped (one line per minute at most per kind)"
        );
    }

    /// Counts a span dropped because the queue is full, and logs it unless a line of
    /// its kind was written less than a minute ago. No lock and no allocation unless
    /// a line is due: this runs for every span while the collector is down.
    fn report_queue_full(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
        self.queue_full_dropped.fetch_add(1, Ordering::Relaxed);
        if self.closed.load(Ordering::Acquire) {
            return;
        }
        let now = u64::try_from(self.born.elapsed().as_millis())
            .unwrap_or(u64::MAX - 1)
            .saturating_add(1);
        let last = self.queue_full_last.load(Ordering::Relaxed);
        let every = u64::try_from(REPORT_EVERY.as_millis()).unwrap_or(u64::MAX);
        if last != 0 && now.saturating_sub(last) < every {
            return;
        }
        // One thread writes the line; the others' spans are in the next one.
        if self
            .queue_full_last
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return;
        }
        let dropped = self.queue_full_dropped.swap(0, Ordering::Relaxed);
        let error = format!(
            "{} spans wait for export (OTEL_BSP_MAX_QUEUE_SIZE)",
            self.max_queue
        );
        tracing::event!(
            target: TARGET,
            tracing::Level::WARN,
            otel.error.kind = QUEUE_FULL,
            otel.spans_dropped = dropped,
            otel.spans_dropped_total = self.dropped(),
            error = error.as_str(),
            "span queue full: spans dropped (one line per minute at most)"
        );
    }
}

/// The kind of a span dropped because the queue was full.
pub(crate) const QUEUE_FULL: &str = "queue_full";

/// The batch processor behind a bound on the spans waiting for export.
#[derive(Debug)]
pub(crate) struct Queue {
    inner: BatchSpanProcessor,
    shared: Arc<Shared>,
}

impl Queue {
    pub(crate) fn new(inner: BatchSpanProcessor, shared: Arc<Shared>) -> Queue {
        Queue { inner, shared }
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("pending", &self.pending())
            .field("dropped", &self.dropped())
            .finish_non_exhaustive()
    }
}

impl SpanProcessor for Queue {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.inner.on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        if !span.span_context.is_sampled() {
            return;
        }
        let shared = &self.shared;
        if shared.pending.fetch_add(1, Ordering::AcqRel) >= shared.max_queue {
            shared.pending.fetch_sub(1, Ordering::AcqRel);
            shared.report_queue_full();
            return;
        }
        self.inner.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// The exporter the batch processor calls: see the module docs.
#[derive(Debug)]
pub(crate) struct Export {
    shared: Arc<Shared>,
}

impl Export {
    pub(crate) fn new(shared: Arc<Shared>) -> Export {
        Export { shared }
    }
}

impl SpanExporter for Export {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let spans = batch.len();
        let shared = &self.shared;
        let outcome = match shared.runtime.get() {
            None => Err(Failure {
                kind: "not_started".into(),
                error: "the exporter is not running".into(),
            }),
            Some((handle, exporter)) => {
                let exporter = exporter.clone();
                let timeout = shared.export_timeout();
                let task = handle.spawn(
                    async move { tokio::time::timeout(timeout, exporter.export(batch)).await }
                        .with_subscriber(tracing::subscriber::NoSubscriber::default()),
                );
                match task.await {
                    Ok(Ok(Ok(()))) => Ok(()),
                    Ok(Ok(Err(error))) => Err(classify(
                        shared.last_failure.lock().ok().and_then(|mut f| f.take()),
                        &error.to_string(),
                    )),
                    Ok(Err(_elapsed)) => Err(Failure {
                        kind: "timeout".into(),
                        error: format!(
                            "no answer within {} ms (OTEL_EXPORTER_OTLP_TIMEOUT, OTEL_BSP_EXPORT_TIMEOUT)",
                            timeout.as_millis()
                        ),
                    }),
                    Err(join) => Err(Failure {
                        kind: "cancelled".into(),
                        error: join.to_string(),
                    }),
                }
            }
        };
        if let Err(failure) = outcome {
            shared.report(failure, spans);
        }
        shared.pending.fetch_sub(spans, Ordering::AcqRel);
        // Never an error: the SDK would report it itself.
        Ok(())
    }

    fn shutdown_with_timeout(&mut self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// The kind of a failed export: what the HTTP client saw, else read from the
/// exporter's text (gRPC: `code: '<description>'`).
fn classify(seen: Option<Failure>, text: &str) -> Failure {
    if let Some(seen) = seen {
        return seen;
    }
    let error: String = text.chars().take(512).collect();
    if let Some(code) = grpc_code(text) {
        return Failure {
            kind: format!("grpc_{code}"),
            error,
        };
    }
    Failure {
        kind: "other".into(),
        error,
    }
}

/// The gRPC status code named in a tonic status's text, in snake case.
fn grpc_code(text: &str) -> Option<String> {
    let start = text.find("code: '")? + "code: '".len();
    let description = &text[start..];
    let description = &description[..description.find('\'')?];
    (0..=16)
        .map(tonic::Code::from_i32)
        .find(|code| code.description() == description)
        .map(|code| snake(&format!("{code:?}")))
}

/// `UpperCamel` as `upper_camel`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_codes_are_read_from_the_status_text() {
        let status = tonic::Status::unavailable("connection refused");
        assert_eq!(
            grpc_code(&status.to_string()).as_deref(),
            Some("unavailable")
        );
        let status = tonic::Status::deadline_exceeded("slow");
        assert_eq!(
            classify(None, &format!("InternalFailure({status})")).kind,
            "grpc_deadline_exceeded"
        );
        assert_eq!(classify(None, "boom").kind, "other");
        let seen = Failure {
            kind: "http_503".into(),
            error: "503".into(),
        };
        assert_eq!(classify(Some(seen.clone()), "anything"), seen);
    }

    #[test]
    fn one_line_per_kind_per_minute_counts_every_drop() {
        let shared = Shared::new(10, Duration::from_secs(1));
        let failure = |kind: &str| Failure {
            kind: kind.into(),
            error: String::new(),
        };
        shared.report(failure("timeout"), 3);
        shared.report(failure("timeout"), 4);
        shared.report(failure("http_503"), 1);
        assert_eq!(shared.dropped(), 8);
        let reports = shared.reports.lock().expect("lock");
        // The first of each kind was logged (nothing held back); the second timeout
        // waits for the next minute.
        assert_eq!(reports["timeout"].dropped, 4);
        assert_eq!(reports["http_503"].dropped, 0);
    }

    #[test]
    fn a_full_queue_is_one_line_a_minute_without_the_lock() {
        let shared = Shared::new(10, Duration::from_secs(1));
        for _ in 0..1000 {
            shared.report_queue_full();
        }
        assert_eq!(shared.dropped(), 1000);
        // The first was logged; 999 wait for the next line, none went through the
        // per-kind map of export errors.
        assert_eq!(shared.queue_full_dropped.load(Ordering::Relaxed), 999);
        assert_ne!(shared.queue_full_last.load(Ordering::Relaxed), 0);
        assert!(shared.reports.lock().expect("lock").is_empty());
    }
}
