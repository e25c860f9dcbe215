//! The server side: [`CorrelationLayer`] runs each request inside a correlation scope
//! and logs its line (see the [`http` module docs](super)).
//!
//! - [`layer`]: the layer and the header names it is built with;
//! - [`service`]: the service, which reads the request and scopes the inner call;
//! - [`future`]: the response future, which sets the response header and logs;
//! - [`incoming`]: reading the ID and the `traceparent` from the request headers;
//! - [`line`](mod@line): what is kept of the request for its line, and the macro that logs it.

mod future;
mod incoming;
mod layer;
mod line;
mod service;

pub use future::CorrelationFuture;
pub use layer::CorrelationLayer;
pub use service::CorrelationService;
