//! [`CorrelationFuture`]: the response future. It runs the inner future inside the
//! request's scope, sets the response header and logs the request line, also when the
//! request ends early.

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::task::{self, Poll};

use std::sync::Arc;

use ::http::{HeaderValue, Response};
use pin_project_lite::pin_project;

use super::incoming::Names;
use super::line::{RequestInfo, request_line};
use crate::correlation::{self, Context};

pin_project! {
    /// The response future of [`CorrelationService`](super::CorrelationService): the
    /// inner service's future, run inside the request's correlation scope; it sets the
    /// response header and logs the request line. Also when dropped early, it logs the
    /// line (`request cancelled` or `request panicked`) inside the scope, where it
    /// drops the inner future.
    pub struct CorrelationFuture<F> {
        // The scope moves the context into the task-local for each poll and back,
        // not cloned (an atomic increment and decrement per poll, measurable at this
        // layer's cost; BENCHMARKS.md).
        #[pin]
        inner: correlation::Scoped<Finish<F>>,
    }
}

impl<F, ResB, E> CorrelationFuture<F>
where
    F: Future<Output = Result<Response<ResB>, E>>,
    E: fmt::Display,
{
    /// `future` (the inner service's) in the scope `scope` (the request's context,
    /// lent to the inner service's `call`); `echo` is the accepted incoming ID to set
    /// as the primary header of `names` on the response (when `None`, the scope's ID).
    pub(super) fn new(
        future: F,
        scope: Option<Context>,
        info: RequestInfo,
        names: Arc<Names>,
        echo: Option<HeaderValue>,
    ) -> Self {
        let finish = Finish {
            inner: Some(future),
            polling: false,
            info,
            names,
            echo,
        };
        CorrelationFuture {
            inner: correlation::Scoped::in_slot(scope, finish),
        }
    }
}

pin_project! {
    /// The part of [`CorrelationFuture`] that runs inside the scope.
    struct Finish<F> {
        #[pin]
        inner: Option<F>,
        // Set while the inner future is polled: still set at drop, it panicked.
        polling: bool,
        info: RequestInfo,
        names: Arc<Names>,
        echo: Option<HeaderValue>,
    }

    impl<F> PinnedDrop for Finish<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if this.inner.is_none() {
                return; // ended, line logged
            }
            // Dropped before the end: the client went away, or the inner future
            // panicked and this drop is part of the unwinding (tokio and hyper drop a
            // panicked task's future while unwinding). `TaskLocalFuture` drops this
            // inside the scope where it can (not while the thread is torn down).
            let panicked = *this.polling;
            let info = &*this.info;
            let inner = this.inner;
            let ended = catch_unwind(AssertUnwindSafe(|| end_early(inner, info, panicked)));
            // A panic of the inner future's `Drop` or of a log layer goes on, as it
            // would have without this layer; but a second panic while unwinding would
            // abort the process, so then it stops here.
            if let Err(payload) = ended {
                if !std::thread::panicking() {
                    resume_unwind(payload);
                }
            }
        }
    }
}

/// Drops the inner future of a request that did not end, and logs its line.
fn end_early<F>(mut inner: Pin<&mut Option<F>>, info: &RequestInfo, panicked: bool) {
    inner.set(None);
    if panicked {
        #[cfg(feature = "otel")]
        crate::otel::http::end_current(Err("panic"));
        request_line!(ERROR, info, {}, message = "request panicked");
    } else {
        request_line!(INFO, info, {}, message = "request cancelled");
    }
}

impl<F> fmt::Debug for CorrelationFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorrelationFuture").finish_non_exhaustive()
    }
}

impl<F, ResB, E> Future for CorrelationFuture<F>
where
    F: Future<Output = Result<Response<ResB>, E>>,
    E: fmt::Display,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut task::Context<'_>) -> Poll<Self::Output> {
        self.project().inner.poll(cx)
    }
}

impl<F, ResB, E> Future for Finish<F>
where
    F: Future<Output = Result<Response<ResB>, E>>,
    E: fmt::Display,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut task::Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut inner = this.inner;
        let Some(future) = inner.as_mut().as_pin_mut() else {
            panic!("CorrelationFuture polled after completion");
        };
        *this.polling = true;
        let poll = future.poll(cx);
        *this.polling = false;
        let Poll::Ready(mut output) = poll else {
            return Poll::Pending;
        };
        // Dropped here, inside the scope.
        inner.set(None);
        let info = &*this.info;
        match &mut output {
            Ok(response) => {
                let value = this.echo.take().or_else(|| {
                    correlation::with_current(|c| HeaderValue::from_str(c.id.as_str()).ok())
                        .flatten()
                });
                if let Some(value) = value {
                    response.headers_mut().insert(&this.names.primary, value);
                }
                let status = response.status().as_u16();
                #[cfg(feature = "metrics")]
                info.metrics.finish(info.route(), status, info.start);
                request_line!(INFO, info, { http.response.status_code = status, }, message = "request finished");
                #[cfg(feature = "otel")]
                crate::otel::http::end_current(Ok(status));
            }
            Err(error) => {
                request_line!(ERROR, info, {}, error = %error, message = "request failed");
                #[cfg(feature = "otel")]
                crate::otel::http::end_current(Err("_OTHER"));
            }
        }
        Poll::Ready(output)
    }
}
