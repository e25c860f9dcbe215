//! [`Shutdown`]: the signal that tells every part of the service to stop.

use tokio_util::sync::CancellationToken;

/// Fires once when the service should stop: after the first SIGTERM/SIGINT and the
/// pre-drain delay, when the main future returns, or when a tracked task fails.
///
/// Cheap to clone; every clone sees the same signal.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let shutdown = twelve_core::Shutdown::new();
/// let child = shutdown.child();
/// assert!(!child.is_triggered());
/// shutdown.trigger();
/// child.wait().await; // returns at once
/// assert!(child.is_triggered());
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Shutdown {
    token: CancellationToken,
}

impl Shutdown {
    /// A signal that has not fired.
    pub fn new() -> Self {
        Self::default()
    }

    /// Waits until the signal fires (at once if it has). Pass it to
    /// `axum::serve(..).with_graceful_shutdown(app.shutdown().wait())`.
    pub fn wait(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        self.token.clone().cancelled_owned()
    }

    /// Whether the signal has fired.
    pub fn is_triggered(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Fires the signal: the whole service starts stopping.
    pub fn trigger(&self) {
        self.token.cancel();
    }

    /// A signal that fires with this one, and can also be fired alone (to stop one
    /// part of the service without stopping the rest).
    pub fn child(&self) -> Shutdown {
        Shutdown {
            token: self.token.child_token(),
        }
    }
}
