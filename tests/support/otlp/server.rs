//! The receiver's servers: one accept loop, each connection served by hyper (HTTP/1.1
//! and h2c). OTLP/HTTP is a handler of ours; OTLP/gRPC is `opentelemetry-proto`'s
//! generated tonic `TraceServiceServer`.

use std::convert::Infallible;
use std::io::Read as _;
use std::sync::Arc;

use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderMap};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message as _;
use tokio::net::TcpStream;
use tonic::codec::CompressionEncoding;
use tonic::codegen::Service as _;

use super::{Behaviour, Protocol, Shared, convert, json};

/// The largest body read, before and after decompression: the specification's
/// recommended limit (larger ones get 413).
const MAX_BODY: usize = 20 * 1024 * 1024;

/// Accepts connections until `stop` fires (or the [`super::Receiver`] is gone).
pub(super) async fn serve(
    listener: std::net::TcpListener,
    protocol: Protocol,
    shared: Arc<Shared>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("otlp receiver: cannot listen: {e}");
            return;
        }
    };
    loop {
        tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let shared = Arc::clone(&shared);
                    tokio::spawn(async move {
                        match protocol {
                            Protocol::HttpProtobuf => http(stream, Encoding::Protobuf, shared).await,
                            Protocol::HttpJson => http(stream, Encoding::Json, shared).await,
                            Protocol::Grpc => grpc(stream, shared).await,
                        }
                    });
                }
                // Out of file descriptors or the like: try again shortly.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            },
        }
    }
}

// OTLP/HTTP.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }
}

async fn http(stream: TcpStream, encoding: Encoding, shared: Arc<Shared>) {
    let service = hyper::service::service_fn(move |request| {
        let shared = Arc::clone(&shared);
        async move { Ok::<_, Infallible>(export_http(request, encoding, &shared).await) }
    });
    // A connection error (the client went away) ends only this connection.
    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn export_http(
    request: Request<Incoming>,
    encoding: Encoding,
    shared: &Shared,
) -> Response<Full<Bytes>> {
    shared.count_request();
    let headers = header_pairs(request.headers());
    if request.uri().path() != "/v1/traces" {
        return refuse(shared, encoding, StatusCode::NOT_FOUND, "only /v1/traces");
    }
    if request.method() != Method::POST {
        return refuse(
            shared,
            encoding,
            StatusCode::METHOD_NOT_ALLOWED,
            "POST only",
        );
    }
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if content_type.as_deref() != Some(encoding.content_type()) {
        let reason = format!(
            "content-type {content_type:?}, this receiver takes {}",
            encoding.content_type()
        );
        return refuse(
            shared,
            encoding,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &reason,
        );
    }
    let gzip = match request
        .headers()
        .get(CONTENT_ENCODING)
        .map(|v| v.to_str().map(|s| s.trim().to_ascii_lowercase()))
    {
        None => false,
        Some(Ok(e)) if e == "identity" => false,
        Some(Ok(e)) if e == "gzip" => true,
        other => {
            let reason = format!("content-encoding {other:?}: gzip or none");
            return refuse(
                shared,
                encoding,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                &reason,
            );
        }
    };
    let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(body) => body.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return refuse(
                shared,
                encoding,
                StatusCode::PAYLOAD_TOO_LARGE,
                "over 20 MiB",
            );
        }
        Err(e) => {
            let reason = format!("the body could not be read: {e}");
            return refuse(shared, encoding, StatusCode::BAD_REQUEST, &reason);
        }
    };
    match shared.behaviour() {
        Behaviour::Accept => {}
        Behaviour::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return error_response(encoding, status, "the receiver was told to answer this");
        }
        Behaviour::Hang => hang().await,
    }
    let body = if gzip {
        match gunzip(&body) {
            Ok(body) => Bytes::from(body),
            Err((status, reason)) => return refuse(shared, encoding, status, &reason),
        }
    } else {
        body
    };
    let decoded = match encoding {
        Encoding::Protobuf => ExportTraceServiceRequest::decode(body)
            .map_err(|e| format!("not an ExportTraceServiceRequest: {e}")),
        Encoding::Json => json::decode(&body),
    };
    match decoded.and_then(|request| convert::spans(&request, &headers)) {
        Ok(spans) => {
            shared.accept(spans);
            let body = match encoding {
                Encoding::Protobuf => ExportTraceServiceResponse::default().encode_to_vec(),
                Encoding::Json => b"{}".to_vec(),
            };
            response(StatusCode::OK, encoding, body)
        }
        Err(reason) => refuse(shared, encoding, StatusCode::BAD_REQUEST, &reason),
    }
}

fn gunzip(body: &[u8]) -> Result<Vec<u8>, (StatusCode, String)> {
    let mut out = Vec::new();
    let limit = u64::try_from(MAX_BODY).unwrap_or(u64::MAX) + 1;
    match flate2::read::GzDecoder::new(body)
        .take(limit)
        .read_to_end(&mut out)
    {
        Ok(_) if out.len() > MAX_BODY => Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            "over 20 MiB decompressed".to_owned(),
        )),
        Ok(_) => Ok(out),
        Err(e) => Err((StatusCode::BAD_REQUEST, format!("not gzip: {e}"))),
    }
}

/// Answers `status` and keeps `reason` for [`super::Receiver::wait_for_spans`].
fn refuse(
    shared: &Shared,
    encoding: Encoding,
    status: StatusCode,
    reason: &str,
) -> Response<Full<Bytes>> {
    shared.reject(format!("{status}: {reason}"));
    error_response(encoding, status, reason)
}

/// `google.rpc.Status` (the only fields OTLP uses), for the body of a 4xx/5xx answer.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

fn error_response(encoding: Encoding, status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    let code = grpc_code(status.as_u16()) as i32;
    let body = match encoding {
        Encoding::Protobuf => RpcStatus {
            code,
            message: message.to_owned(),
        }
        .encode_to_vec(),
        Encoding::Json => serde_json::json!({ "code": code, "message": message })
            .to_string()
            .into_bytes(),
    };
    response(status, encoding, body)
}

fn response(status: StatusCode, encoding: Encoding, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(encoding.content_type()),
    );
    response
}

// OTLP/gRPC.

async fn grpc(stream: TcpStream, shared: Arc<Shared>) {
    let server = TraceServiceServer::new(Collector {
        shared: Arc::clone(&shared),
    })
    .accept_compressed(CompressionEncoding::Gzip);
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        shared.count_request();
        let is_grpc = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/grpc"));
        let mut server = server.clone();
        let shared = Arc::clone(&shared);
        async move {
            if !is_grpc {
                // tonic would answer 200 with grpc-status UNIMPLEMENTED, which an
                // OTLP/HTTP exporter takes for success.
                shared.reject("415: not a gRPC request".to_owned());
                let mut response = Response::new(tonic::body::Body::empty());
                *response.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
                return Ok(response);
            }
            server.call(request).await
        }
    });
    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

struct Collector {
    shared: Arc<Shared>,
}

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        match self.shared.behaviour() {
            Behaviour::Accept => {}
            Behaviour::Status(code) => {
                return Err(tonic::Status::new(
                    grpc_code(code),
                    "the receiver was told to answer this",
                ));
            }
            Behaviour::Hang => hang().await,
        }
        let headers = header_pairs(&request.metadata().clone().into_headers());
        match convert::spans(request.get_ref(), &headers) {
            Ok(spans) => {
                self.shared.accept(spans);
                Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
            }
            Err(reason) => {
                self.shared.reject(format!("INVALID_ARGUMENT: {reason}"));
                Err(tonic::Status::invalid_argument(reason))
            }
        }
    }
}

/// The gRPC code for an HTTP status, as gRPC maps them (and OTLP's retryable ones).
fn grpc_code(status: u16) -> tonic::Code {
    match status {
        200 => tonic::Code::Ok,
        400 => tonic::Code::InvalidArgument,
        401 => tonic::Code::Unauthenticated,
        403 => tonic::Code::PermissionDenied,
        404 => tonic::Code::Unimplemented,
        429 => tonic::Code::ResourceExhausted,
        500 => tonic::Code::Internal,
        502 | 503 => tonic::Code::Unavailable,
        504 => tonic::Code::DeadlineExceeded,
        _ => tonic::Code::Unknown,
    }
}

// Both.

/// Never returns: the request stays unanswered until the runtime is dropped.
async fn hang() -> ! {
    let never: Infallible = std::future::pending().await;
    match never {}
}

fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}
