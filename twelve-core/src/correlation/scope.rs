//! The scope: the current [`Context`] of a task, carried by the future it wraps
//! ([`Scoped`]), and tasks spawned with it.
//!
//! The current context lives in a thread-local; a [`Scoped`] future holds its context
//! and moves it into the thread-local for each poll and back out (never cloning it),
//! as tokio's `task_local!` does. It is written here rather than taken from tokio so
//! that a scope can be entered from a slot and left again without giving the context
//! up (the HTTP layer runs the inner service's `call` in the scope of the response
//! future it then returns: no clone per request), and with less bookkeeping per poll
//! (BENCHMARKS.md, correlation layer).

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{self, Poll};

use pin_project_lite::pin_project;

use super::Context;

thread_local! {
    /// The context of the scope that runs on this thread, if any.
    static CURRENT: RefCell<Option<Context>> = const { RefCell::new(None) };
}

/// Runs `f` with `slot` as the current context: swaps it into the thread-local, and
/// back out when `f` returns or unwinds (so an outer scope is restored as it was).
/// Where the thread-local is gone (a thread being torn down) or in use, `f` runs
/// without the scope. Under `otel`, when the scope's span is an OpenTelemetry span,
/// that span is also the current OpenTelemetry context while `f` runs, so that the
/// `tracing` spans opened inside are its children.
pub(crate) fn enter<R>(slot: &mut Option<Context>, f: impl FnOnce() -> R) -> R {
    struct Leave<'a> {
        slot: &'a mut Option<Context>,
    }
    impl Drop for Leave<'_> {
        fn drop(&mut self) {
            swap(self.slot);
        }
    }
    #[cfg(feature = "otel")]
    let otel = slot
        .as_ref()
        .and_then(|context| context.trace.otel.context());
    if !swap(slot) {
        return f();
    }
    let _leave = Leave { slot };
    // Dropped before `_leave`: the OpenTelemetry context is left first.
    #[cfg(feature = "otel")]
    let _attached = otel.map(opentelemetry::Context::attach);
    f()
}

/// Swaps `slot` with the thread-local; whether it could.
fn swap(slot: &mut Option<Context>) -> bool {
    CURRENT
        .try_with(|current| match current.try_borrow_mut() {
            Ok(mut current) => {
                std::mem::swap(slot, &mut *current);
                true
            }
            Err(_) => false,
        })
        .unwrap_or(false)
}

pin_project! {
    /// A future run inside a correlation scope: made by [`scope_context`] and
    /// [`CorrelationId::scope`](super::CorrelationId::scope). On each poll it moves the
    /// context into the scope and back out (never cloning it), and it drops the
    /// future inside the scope too.
    #[must_use = "futures do nothing unless polled"]
    pub struct Scoped<F> {
        slot: Option<Context>,
        #[pin]
        future: Option<F>,
    }

    impl<F> PinnedDrop for Scoped<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if std::mem::needs_drop::<F>() && this.future.is_some() {
                let mut future = this.future;
                enter(this.slot, || future.set(None));
            }
        }
    }
}

impl<F> Scoped<F> {
    /// `future` in the scope `context`.
    pub(crate) fn new(context: Context, future: F) -> Self {
        Self::in_slot(Some(context), future)
    }

    /// `future` in the scope of `slot`, a context that [`enter`] may have lent to
    /// work done before the future was made.
    pub(crate) fn in_slot(slot: Option<Context>, future: F) -> Self {
        Scoped {
            slot,
            future: Some(future),
        }
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut task::Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let mut future = this.future;
        enter(this.slot, || {
            let Some(inner) = future.as_mut().as_pin_mut() else {
                panic!("`Scoped` polled after completion");
            };
            let poll = inner.poll(cx);
            if poll.is_ready() {
                // Dropped inside the scope.
                future.set(None);
            }
            poll
        })
    }
}

impl<F> fmt::Debug for Scoped<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scoped").finish_non_exhaustive()
    }
}

/// Runs `future` inside the scope `context`: every log line it emits carries the
/// context's correlation ID and trace. With [`Context::from_headers`], a queue
/// consumer continues the trace of the producer that sent the message.
///
/// ```
/// # use twelve_core as twelve;
/// use twelve::correlation::{self, Context, CorrelationId};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // The headers a message came with (any container of name/value pairs).
/// let headers = vec![
///     ("x-correlation-id".to_string(), "order-7".to_string()),
///     (
///         "traceparent".to_string(),
///         "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_string(),
///     ),
/// ];
/// let context = Context::from_headers(&headers);
/// correlation::scope_context(context, async {
///     let current = Context::current().unwrap();
///     assert_eq!(current.id.as_str(), "order-7");
///     assert_eq!(current.trace.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
///     tracing::info!("order shipped"); // carries correlation_id, trace_id, span_id
/// })
/// .await;
/// # }
/// ```
pub fn scope_context<F: Future>(context: Context, future: F) -> Scoped<F> {
    Scoped::new(context, future)
}

/// Runs `f` now, on this thread, inside the scope `context`.
pub(crate) fn sync_scope<R>(context: Context, f: impl FnOnce() -> R) -> R {
    enter(&mut Some(context), f)
}

/// Calls `f` with the current context, without cloning it; `None` outside any scope
/// (and while a scope is being entered or left on this thread).
pub(crate) fn with_current<R>(f: impl FnOnce(&Context) -> R) -> Option<R> {
    CURRENT
        .try_with(|current| match current.try_borrow() {
            Ok(current) => current.as_ref().map(f),
            Err(_) => None,
        })
        .ok()
        .flatten()
}

/// `tokio::spawn` that keeps the current scope's correlation ID and span in the new
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::correlation::{CorrelationId, TraceContext};

    #[test]
    fn sync_scope_runs_inside_the_context_and_restores_the_outer_one() {
        let current = || with_current(Context::clone);
        let trace = TraceContext::parse_traceparent(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .expect("valid");
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
