//! The scope: the current [`Context`] of a task, carried by the future it wraps
//! ([`Scoped`]), and tasks spawned with it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{self, Poll};

use pin_project_lite::pin_project;
use tokio::task::futures::TaskLocalFuture;

use super::Context;

tokio::task_local! {
    static CURRENT: Context;
}

pin_project! {
    /// A future run inside a correlation scope: made by [`scope_context`] and
    /// [`CorrelationId::scope`](super::CorrelationId::scope). On each poll it moves the
    /// context into the task-local and back out (never cloning it), and it drops the
    /// future inside the scope too.
    #[must_use = "futures do nothing unless polled"]
    pub struct Scoped<F> {
        #[pin]
        inner: TaskLocalFuture<Context, F>,
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut task::Context<'_>) -> Poll<F::Output> {
        self.project().inner.poll(cx)
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
    Scoped {
        inner: CURRENT.scope(context, future),
    }
}

/// Runs `f` now, on this thread, inside the scope `context`.
pub(crate) fn sync_scope<R>(context: Context, f: impl FnOnce() -> R) -> R {
    CURRENT.sync_scope(context, f)
}

/// Calls `f` with the current context, without cloning it; `None` outside any scope.
pub(crate) fn with_current<R>(f: impl FnOnce(&Context) -> R) -> Option<R> {
    CURRENT.try_with(f).ok()
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
