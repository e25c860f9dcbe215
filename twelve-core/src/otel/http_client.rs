//! The HTTP client of OTLP/HTTP exports: hyper-util's pooled client over HTTP/1.1,
//! `https` with rustls (ring; the system's root certificates and Mozilla's). It runs on
//! the service's tokio runtime (the exports are spawned there); the time limit is the
//! exporter's (`super::export`). What it sees of a failure (no connection, an error
//! status) is left for the exporter's line.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use opentelemetry_http::{HttpClient, HttpError, Request, Response};

use super::export::{Failure, Shared};

/// The most of a collector's answer that is read.
const MAX_ANSWER: usize = 64 * 1024;

/// See the module docs.
pub(crate) struct OtlpHttpClient {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for OtlpHttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtlpHttpClient").finish_non_exhaustive()
    }
}

impl OtlpHttpClient {
    /// A client; TLS is set up here (the roots read once).
    pub(crate) fn new(shared: Arc<Shared>) -> Result<OtlpHttpClient, String> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        // The system's roots too (a company's own CA); ones that don't parse are skipped.
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(OtlpHttpClient { client, shared })
    }

    /// Keeps `failure` for the exporter's line.
    fn saw(&self, failure: Failure) {
        if let Ok(mut slot) = self.shared.last_failure.lock() {
            *slot = Some(failure);
        }
    }
}

#[async_trait::async_trait]
impl HttpClient for OtlpHttpClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let response = match self.client.request(request.map(Full::new)).await {
            Ok(response) => response,
            Err(error) => {
                let kind = if error.is_connect() {
                    "connect"
                } else {
                    "transport"
                };
                let text = match std::error::Error::source(&error) {
                    Some(source) => format!("{error}: {source}"),
                    None => error.to_string(),
                };
                self.saw(Failure {
                    kind: kind.into(),
                    error: text,
                });
                return Err(Box::new(error));
            }
        };
        let (parts, body) = response.into_parts();
        let body = match Limited::new(body, MAX_ANSWER).collect().await {
            Ok(body) => body.to_bytes(),
            Err(_) => Bytes::new(),
        };
        if !parts.status.is_success() {
            let status = parts.status.as_u16();
            let text: String = String::from_utf8_lossy(&body).chars().take(200).collect();
            self.saw(Failure {
                kind: format!("http_{status}"),
                error: format!("the collector answered {}: {text}", parts.status),
            });
        }
        Ok(Response::from_parts(parts, body))
    }
}
