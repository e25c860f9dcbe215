//! The scrapes of `/metrics` in flight (feature `metrics`), counted so that the warning
//! about scrapes cut at the drain deadline names real ones.
//!
//! A scrape is in flight from its request until its body is all handed to the
//! connection: the body goes out in chunks, and the count drops when the last one is
//! taken (or the connection drops the body). An idle keep-alive connection is none, nor
//! is a connection task that merely hasn't noticed the shutdown yet.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use axum::body::{Bytes, HttpBody};
use http::{Request, Response};
use http_body::{Frame, SizeHint};

use crate::metrics::MetricsService;

/// The size of the body's chunks: the count drops at most this much (plus what hyper
/// and the kernel buffer) before the scraper has the whole body.
const CHUNK: usize = 64 * 1024;

/// [`MetricsService`], counting its scrapes in flight.
#[derive(Clone)]
pub(super) struct Scrapes {
    inner: MetricsService,
    in_flight: Arc<AtomicUsize>,
}

impl Scrapes {
    pub(super) fn new(inner: MetricsService) -> Self {
        Scrapes {
            inner,
            in_flight: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The count, shared: it stays readable after the service moved into the server.
    pub(super) fn in_flight(&self) -> Arc<AtomicUsize> {
        self.in_flight.clone()
    }
}

impl<B> tower_service::Service<Request<B>> for Scrapes {
    type Response = Response<ScrapeBody>;
    type Error = Infallible;
    type Future = Ready<Result<Response<ScrapeBody>, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        tower_service::Service::<Request<B>>::poll_ready(&mut self.inner, cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let scrape = InFlight::new(&self.in_flight);
        let Ok(response) = self.inner.call(request).into_inner();
        ready(Ok(response.map(|text| ScrapeBody {
            data: Bytes::from(text),
            _scrape: scrape,
        })))
    }
}

/// One scrape in the count, until dropped.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn new(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        InFlight(count.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The body of a scrape: the text in chunks of [`CHUNK`] bytes, its length exact (the
/// response keeps its `Content-Length`).
pub(super) struct ScrapeBody {
    data: Bytes,
    _scrape: InFlight,
}

impl HttpBody for ScrapeBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.data.is_empty() {
            return Poll::Ready(None);
        }
        let chunk = this.data.split_to(this.data.len().min(CHUNK));
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

    /// Reads one response off `stream`: its head, then (unless `head_only`) the body's
    /// `Content-Length` bytes.
    async fn read_response(stream: &mut tokio::net::TcpStream, head_only: bool) -> String {
        let mut got = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        loop {
            let text = String::from_utf8_lossy(&got).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        let l = l.to_ascii_lowercase();
                        l.strip_prefix("content-length:")
                            .map(|v| v.trim().to_owned())
                    })
                    .and_then(|v| v.parse::<usize>().ok())
                    .expect("a Content-Length");
                if head_only || body.len() >= length {
                    return text;
                }
            }
            let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut buf))
                .await
                .expect("the response in time")
                .expect("the response");
            assert!(n > 0, "the connection closed");
            got.extend_from_slice(&buf[..n]);
        }
    }

    /// The count drops to 0 by itself, within `limit`.
    async fn settles(count: &AtomicUsize, limit: Duration) -> bool {
        let start = Instant::now();
        while count.load(Ordering::Relaxed) != 0 {
            if start.elapsed() > limit {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        true
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_keep_alive_connection_between_scrapes_is_no_scrape_in_flight() {
        let scrapes = Scrapes::new(crate::metrics::metrics_service());
        let count = scrapes.in_flight();
        let router = axum::Router::new().route_service("/metrics", scrapes);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move { axum::serve(listener, router).await });
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        for method in ["GET", "HEAD", "GET"] {
            let request = format!("{method} /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            stream.write_all(request.as_bytes()).await.expect("sent");
            let response = read_response(&mut stream, method == "HEAD").await;
            assert!(response.starts_with("HTTP/1.1 200"), "{response}");
            if method == "GET" {
                assert!(response.contains("# TYPE log_events_total counter"));
            }
            // The whole body read, the connection open and idle: no scrape in flight.
            assert!(settles(&count, Duration::from_secs(10)).await);
        }
        server.abort();
    }

    #[test]
    fn the_body_comes_in_chunks_of_exact_length_and_counts_until_dropped() {
        let count = Arc::new(AtomicUsize::new(0));
        let text = "x".repeat(CHUNK * 2 + 10);
        let mut body = ScrapeBody {
            data: Bytes::from(text),
            _scrape: InFlight::new(&count),
        };
        assert_eq!(count.load(Ordering::Relaxed), 1);
        assert_eq!(body.size_hint().exact(), Some((CHUNK * 2 + 10) as u64));
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut sizes = Vec::new();
        while let Poll::Ready(Some(Ok(frame))) = Pin::new(&mut body).poll_frame(&mut cx) {
            sizes.push(frame.into_data().map(|d| d.len()).unwrap_or(0));
        }
        assert_eq!(sizes, [CHUNK, CHUNK, 10]);
        assert!(body.is_end_stream());
        drop(body);
        assert_eq!(count.load(Ordering::Relaxed), 0);
    }
}
