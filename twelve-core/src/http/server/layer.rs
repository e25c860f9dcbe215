//! [`CorrelationLayer`]: the layer and its header names.

use std::sync::Arc;

use ::http::HeaderName;
use tower_layer::Layer;

use super::incoming::Names;
use super::service::CorrelationService;
use crate::http::{X_CORRELATION_ID, X_REQUEST_ID};

/// A tower layer that runs each HTTP request inside a correlation scope and logs one
/// line when it ends. See the [module docs](crate::http) for what it reads, sets and
/// logs.
///
/// ```
/// # use twelve_core as twelve;
/// use axum::http::HeaderName;
/// use twelve::http::CorrelationLayer;
///
/// // x-correlation-id, then x-request-id:
/// let default = CorrelationLayer::default();
/// // x-amzn-trace-id only:
/// let custom = CorrelationLayer::new()
///     .header(HeaderName::from_static("x-amzn-trace-id"))
///     .no_fallback_header();
/// # let _ = (default, custom);
/// ```
#[derive(Debug, Clone)]
pub struct CorrelationLayer {
    names: Arc<Names>,
}

impl Default for CorrelationLayer {
    /// Reads `x-correlation-id`, then `x-request-id`; sets `x-correlation-id`.
    fn default() -> Self {
        CorrelationLayer {
            names: Arc::new(Names {
                primary: X_CORRELATION_ID,
                fallback: Some(X_REQUEST_ID),
            }),
        }
    }
}

impl CorrelationLayer {
    /// The default layer: reads `x-correlation-id`, then `x-request-id`; sets
    /// `x-correlation-id` on the response.
    pub fn new() -> Self {
        Self::default()
    }

    /// The header read first, and set on the response (`x-correlation-id` by default).
    pub fn header(mut self, name: HeaderName) -> Self {
        Arc::make_mut(&mut self.names).primary = name;
        self
    }

    /// The header read when the first one is missing or invalid (`x-request-id` by
    /// default).
    pub fn fallback_header(mut self, name: HeaderName) -> Self {
        Arc::make_mut(&mut self.names).fallback = Some(name);
        self
    }

    /// Reads the first header only.
    pub fn no_fallback_header(mut self) -> Self {
        Arc::make_mut(&mut self.names).fallback = None;
        self
    }
}

impl<S> Layer<S> for CorrelationLayer {
    type Service = CorrelationService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CorrelationService::new(inner, self.names.clone())
    }
}
