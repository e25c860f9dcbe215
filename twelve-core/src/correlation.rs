//! Correlation IDs: one ID per request or job, on every log line emitted inside its
//! scope.
//!
//! ```
//! use twelve_core::correlation::CorrelationId;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let id = CorrelationId::new(); // a UUID v7: sortable by time
//! CorrelationId::scope(id.clone(), async move {
//!     assert_eq!(CorrelationId::current(), Some(id));
//!     // every `tracing` event here carries `correlation_id`
//! })
//! .await;
//! assert_eq!(CorrelationId::current(), None);
//!
//! assert!(CorrelationId::parse("req-42:retry.1").is_ok());
//! assert!(CorrelationId::parse("<script>").is_err());
//! # }
//! ```
//!
//! A scope is carried by the future it wraps, across `.await`s and threads. A task
//! started with a bare `tokio::spawn` does **not** inherit it; start it with
//! [`spawn`] (or `App::spawn` under `#[twelve::main]`) to keep the ID.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

/// The most characters an incoming ID may have.
pub const MAX_LEN: usize = 128;

/// An ID that ties together every log line of one request or job.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CorrelationId(Arc<str>);

/// Why a text was refused as a [`CorrelationId`]. It never holds the text itself, so
/// that a hostile header value is never logged raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidId {
    /// Empty.
    Empty,
    /// More than 128 characters.
    TooLong,
    /// A character outside `A-Z a-z 0-9 - _ . :`.
    BadCharacter,
}

impl fmt::Display for InvalidId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InvalidId::Empty => "empty correlation ID",
            InvalidId::TooLong => "correlation ID longer than 128 characters",
            InvalidId::BadCharacter => {
                "correlation ID with a character outside A-Z a-z 0-9 - _ . :"
            }
        })
    }
}

impl std::error::Error for InvalidId {}

/// The context of one scope: the correlation ID and, when the request carried a valid
/// W3C `traceparent`, its trace and parent span IDs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The correlation ID.
    pub id: CorrelationId,
    /// The W3C trace, if any.
    pub trace: Option<TraceContext>,
}

/// The IDs of a valid W3C `traceparent` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceContext {
    trace_id: [u8; 32],
    span_id: [u8; 16],
}

impl TraceContext {
    /// Parses `00-<32 hex>-<16 hex>-<2 hex>` (lower-case hex, IDs not all zero, version
    /// not `ff`; later versions may append fields). `None` for anything else.
    pub fn parse_traceparent(header: &str) -> Option<TraceContext> {
        let h = header.trim().as_bytes();
        if h.len() < 55 || h[2] != b'-' || h[35] != b'-' || h[52] != b'-' {
            return None;
        }
        let version = &h[0..2];
        if !is_hex(version) || version == b"ff" || (version == b"00" && h.len() != 55) {
            return None;
        }
        if h.len() > 55 && h[55] != b'-' {
            return None;
        }
        let (trace, span, flags) = (&h[3..35], &h[36..52], &h[53..55]);
        if !is_hex(trace) || !is_hex(span) || !is_hex(flags) {
            return None;
        }
        if trace.iter().all(|&b| b == b'0') || span.iter().all(|&b| b == b'0') {
            return None;
        }
        let mut ctx = TraceContext {
            trace_id: [0; 32],
            span_id: [0; 16],
        };
        ctx.trace_id.copy_from_slice(trace);
        ctx.span_id.copy_from_slice(span);
        Some(ctx)
    }

    /// The 32 lower-case hex digits of the trace ID.
    pub fn trace_id(&self) -> &str {
        std::str::from_utf8(&self.trace_id).unwrap_or_default()
    }

    /// The 16 lower-case hex digits of the parent span ID.
    pub fn span_id(&self) -> &str {
        std::str::from_utf8(&self.span_id).unwrap_or_default()
    }

    /// The low 64 bits of the trace ID, as Datadog correlates them.
    pub fn trace_id_low_u64(&self) -> u64 {
        u64::from_str_radix(&self.trace_id()[16..], 16).unwrap_or(0)
    }

    /// The span ID as a number, as Datadog correlates it.
    pub fn span_id_u64(&self) -> u64 {
        u64::from_str_radix(self.span_id(), 16).unwrap_or(0)
    }
}

fn is_hex(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
}

/// For each byte, whether an ID may hold it: `A-Z a-z 0-9 - _ . :`. A table, not a
/// chain of comparisons: every request with an incoming ID is checked with it.
static ID_BYTE: [u8; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':') {
            table[b] = 1;
        }
        b += 1;
    }
    table
};

/// Whether every byte is one an ID may hold (so the text is ASCII and never needs
/// escaping in JSON). Eight bytes at a time without a branch per byte.
fn is_id(bytes: &[u8]) -> bool {
    let ok = |b: &u8| ID_BYTE[usize::from(*b)];
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        if word.iter().fold(1, |all, b| all & ok(b)) == 0 {
            return false;
        }
    }
    words.remainder().iter().fold(1, |all, b| all & ok(b)) == 1
}

tokio::task_local! {
    static CURRENT: Context;
}

impl CorrelationId {
    /// A new ID: a UUID v7 (time-ordered), e.g. `0193a1f0-7c2e-7a31-8f0e-3b9c1d2e4f5a`.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let text = uuid::Uuid::now_v7().hyphenated().encode_lower(&mut buf);
        CorrelationId(Arc::from(&*text))
    }

    /// Accepts 1 to 128 characters of `A-Z a-z 0-9 - _ . :`.
    pub fn parse(text: &str) -> Result<Self, InvalidId> {
        if text.is_empty() {
            return Err(InvalidId::Empty);
        }
        if text.len() > MAX_LEN {
            return Err(InvalidId::TooLong);
        }
        if !is_id(text.as_bytes()) {
            return Err(InvalidId::BadCharacter);
        }
        Ok(CorrelationId(Arc::from(text)))
    }

    /// The ID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ID of the scope this code runs in, if any.
    pub fn current() -> Option<CorrelationId> {
        with_current(|c| c.id.clone())
    }

    /// `("x-correlation-id", id)` for the current scope: for HTTP clients that are not
    /// tower services (see `PropagateCorrelationLayer` for those).
    pub fn current_header() -> Option<(&'static str, String)> {
        with_current(|c| ("x-correlation-id", c.id.as_str().to_owned()))
    }

    /// Runs `future` inside a scope with this ID: for queue consumers, jobs, and any
    /// work that is not an HTTP request.
    pub fn scope<F: Future>(id: CorrelationId, future: F) -> impl Future<Output = F::Output> {
        scope_context(Context { id, trace: None }, future)
    }

    /// Runs `f` inside a scope with this ID, for synchronous code.
    pub fn in_scope<R>(id: CorrelationId, f: impl FnOnce() -> R) -> R {
        sync_scope(Context { id, trace: None }, f)
    }
}

/// Runs `future` inside the scope `context`. The returned future is tokio's
/// task-local future: on each poll it moves the context into the task-local and back
/// out (never cloning it), and it drops `future` inside the scope too.
pub fn scope_context<F: Future>(
    context: Context,
    future: F,
) -> tokio::task::futures::TaskLocalFuture<Context, F> {
    CURRENT.scope(context, future)
}

/// Runs `f` now, on this thread, inside the scope `context`.
pub(crate) fn sync_scope<R>(context: Context, f: impl FnOnce() -> R) -> R {
    CURRENT.sync_scope(context, f)
}

/// Calls `f` with the current context, without cloning it; `None` outside any scope.
pub(crate) fn with_current<R>(f: impl FnOnce(&Context) -> R) -> Option<R> {
    CURRENT.try_with(f).ok()
}

/// `tokio::spawn` that keeps the current scope's correlation ID (and trace) in the new
/// task.
pub fn spawn<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match with_current(Context::clone) {
        Some(context) => tokio::spawn(scope_context(context, future)),
        None => tokio::spawn(future),
    }
}

impl fmt::Display for CorrelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CorrelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CorrelationId({})", self.0)
    }
}

impl std::str::FromStr for CorrelationId {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, InvalidId> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rules() {
        assert!(CorrelationId::parse("a").is_ok());
        assert!(CorrelationId::parse(&"a".repeat(128)).is_ok());
        assert_eq!(
            CorrelationId::parse(&"a".repeat(129)),
            Err(InvalidId::TooLong)
        );
        assert_eq!(CorrelationId::parse(""), Err(InvalidId::Empty));
        for bad in ["a b", "a\nb", "é", "a/b", "a\"b", "\u{0}"] {
            assert_eq!(
                CorrelationId::parse(bad),
                Err(InvalidId::BadCharacter),
                "{bad:?}"
            );
        }
        // Every byte value in every position, across the word size.
        for len in [1, 7, 8, 9, 16, 36] {
            for b in 0..=255u8 {
                for pos in 0..len {
                    let mut text = vec![b'a'; len];
                    text[pos] = b;
                    let allowed = b.is_ascii_alphanumeric() || b"-_.:".contains(&b);
                    assert_eq!(is_id(&text), allowed, "{b:#x} at {pos} of {len}");
                }
            }
        }
        let id = CorrelationId::new();
        assert_eq!(id.as_str().len(), 36);
        assert_eq!(CorrelationId::parse(id.as_str()), Ok(id));
    }

    #[test]
    fn traceparent() {
        let t = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let ctx = TraceContext::parse_traceparent(t).expect("valid");
        assert_eq!(ctx.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(ctx.span_id(), "00f067aa0ba902b7");
        assert_eq!(ctx.trace_id_low_u64(), 0xa3ce929d0e0e4736);
        assert_eq!(ctx.span_id_u64(), 0x00f067aa0ba902b7);
        for bad in [
            "",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "zz-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            assert_eq!(TraceContext::parse_traceparent(bad), None, "{bad:?}");
        }
        // A later version may append fields.
        assert!(TraceContext::parse_traceparent(&format!("01{}-what", &t[2..])).is_some());
    }

    #[test]
    fn sync_scope_runs_inside_the_context_and_restores_the_outer_one() {
        let current = || with_current(Context::clone);
        let trace = TraceContext::parse_traceparent(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        );
        let inner = Context {
            id: CorrelationId::parse("inner").expect("valid"),
            trace,
        };
        assert_eq!(current(), None);
        let seen = sync_scope(inner.clone(), current);
        assert_eq!(seen, Some(inner.clone()));
        assert_eq!(current(), None);

        let outer = CorrelationId::parse("outer").expect("valid");
        CorrelationId::in_scope(outer.clone(), || {
            let seen = sync_scope(inner.clone(), CorrelationId::current);
            assert_eq!(seen, Some(inner.id.clone()));
            assert_eq!(CorrelationId::current(), Some(outer));
        });
    }
}
