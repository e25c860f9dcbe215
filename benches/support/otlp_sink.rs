//! An in-process OTLP/HTTP sink for the benches: `POST /v1/traces` with an
//! `application/x-protobuf` body, decoded with the official protocol type
//! (`opentelemetry-proto`'s prost `ExportTraceServiceRequest`, as the tests' receiver
//! in `tests/support/otlp.rs` decodes it) and counted; answered 200 with an empty
//! `ExportTraceServiceResponse` (400 when the body does not decode). It keeps nothing
//! but two counters, so that what a bench measures is the exporting side.
//!
//! It runs on a tokio runtime of its own with one worker thread, on `127.0.0.1`, over
//! HTTP/1.1; the decoding costs that thread CPU time, so on a small machine it competes
//! with what is measured in the same way for every stack exporting to it. Use one sink
//! for both twelve and the peer stack of a run:
//!
//! ```ignore
//! #[path = "support/otlp_sink.rs"]
//! mod otlp_sink;
//!
//! let sink = otlp_sink::OtlpSink::start();
//! // twelve: OTEL_EXPORTER_OTLP_ENDPOINT=sink.endpoint() (the exporter adds /v1/traces);
//! // a peer's exporter built in code: .with_endpoint(sink.traces_url())
//! // ... the measured requests, then flush the exporter ...
//! assert!(sink.wait_for_spans(expected, Duration::from_secs(10)));
//! ```
//!
//! What it needs (`hyper`, `hyper-util`, `http-body-util`, `prost`,
//! `opentelemetry-proto`, tokio) is among the dev-dependencies of `twelve-benches`; no
//! bench includes it yet, so `cargo clippy --all-targets` does not check it until one
//! does.

// A bench uses the part it needs.
#![allow(dead_code)]

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message as _;

/// A running sink; dropping it stops it.
pub(crate) struct OtlpSink {
    port: u16,
    counts: Arc<Counts>,
    runtime: Option<tokio::runtime::Runtime>,
}

#[derive(Default)]
struct Counts {
    requests: AtomicU64,
    spans: AtomicU64,
    refused: AtomicU64,
}

impl OtlpSink {
    /// Binds `127.0.0.1:0` and serves until dropped.
    pub(crate) fn start() -> OtlpSink {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("otlp-sink")
            .enable_io()
            .build()
            .expect("a tokio runtime for the sink");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("non-blocking");
        let port = listener.local_addr().expect("the bound address").port();
        let counts = Arc::new(Counts::default());
        let served = Arc::clone(&counts);
        runtime.spawn(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                return;
            };
            while let Ok((stream, _)) = listener.accept().await {
                let counts = Arc::clone(&served);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let counts = Arc::clone(&counts);
                        async move { Ok::<_, Infallible>(export(request, &counts).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        OtlpSink {
            port,
            counts,
            runtime: Some(runtime),
        }
    }

    /// `http://127.0.0.1:<port>`, for `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:<port>/v1/traces`, for an exporter's `with_endpoint`.
    pub(crate) fn traces_url(&self) -> String {
        format!("{}/v1/traces", self.endpoint())
    }

    /// Spans received so far.
    pub(crate) fn spans(&self) -> u64 {
        self.counts.spans.load(Ordering::Relaxed)
    }

    /// Export requests received so far (refused ones included).
    pub(crate) fn requests(&self) -> u64 {
        self.counts.requests.load(Ordering::Relaxed)
    }

    /// Requests refused: bodies that were no `ExportTraceServiceRequest`.
    pub(crate) fn refused(&self) -> u64 {
        self.counts.refused.load(Ordering::Relaxed)
    }

    /// Whether at least `n` spans arrived within `timeout`.
    pub(crate) fn wait_for_spans(&self, n: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.spans() < n {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        true
    }
}

impl Drop for OtlpSink {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn export(request: Request<Incoming>, counts: &Counts) -> Response<Full<Bytes>> {
    counts.requests.fetch_add(1, Ordering::Relaxed);
    let decoded = match request.into_body().collect().await {
        Ok(body) => ExportTraceServiceRequest::decode(body.to_bytes()).ok(),
        Err(_) => None,
    };
    let Some(decoded) = decoded else {
        counts.refused.fetch_add(1, Ordering::Relaxed);
        let mut response = Response::new(Full::default());
        *response.status_mut() = StatusCode::BAD_REQUEST;
        return response;
    };
    let spans: usize = decoded
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .map(|s| s.spans.len())
        .sum();
    counts
        .spans
        .fetch_add(u64::try_from(spans).unwrap_or(u64::MAX), Ordering::Relaxed);
    let mut response = Response::new(Full::default());
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/x-protobuf"),
    );
    response
}
