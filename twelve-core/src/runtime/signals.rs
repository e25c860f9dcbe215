//! SIGTERM and SIGINT through `signal-hook`: the first starts a graceful shutdown, the
//! second exits at once with 128 + the signal number.
//!
//! No thread is started for this at start-up (a thread of its own cost ~0.1 ms of the
//! time to ready, and a fourth thread competing with the workers for the cores while
//! they start). The handlers:
//!
//! 1. exit at once with 128 + the signal when an earlier signal is still *pending*
//!    (`register_conditional_shutdown`): the runtime never took it, so it is wedged, and
//!    a second signal must still end the process;
//! 2. note the signal's number and mark it pending (`flag`);
//! 3. write a byte to a socket that the runtime reads (`low_level::pipe`).
//!
//! The runtime reads the first byte, clears *pending* and starts the shutdown, and
//! hands the socket to a watchdog thread started only then. A second signal is read by
//! that thread, which logs why and exits with 128 + its number, even when the runtime
//! is busy or stuck in the drain.

use std::fmt;
use std::io::Read as _;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};

/// The signals that start a shutdown.
const SIGNALS: [i32; 2] = [SIGTERM, SIGINT];

/// The runtime's end of the signal handlers (see the module docs).
pub(crate) struct Listener {
    socket: Option<tokio::net::UnixStream>,
    last: Arc<AtomicUsize>,
    pending: Arc<AtomicBool>,
}

/// Installs the handlers. Must run inside the tokio runtime.
pub(crate) fn listen() -> std::io::Result<Listener> {
    let (read, write) = UnixStream::pair()?;
    read.set_nonblocking(true)?;
    write.set_nonblocking(true)?;
    let last = Arc::new(AtomicUsize::new(0));
    let pending = Arc::new(AtomicBool::new(false));
    for signal in SIGNALS {
        // Order matters: handlers run in the order they were registered.
        signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, pending.clone())?;
        signal_hook::flag::register_usize(signal, last.clone(), signal_number(signal))?;
        signal_hook::flag::register(signal, pending.clone())?;
        signal_hook::low_level::pipe::register(signal, write.try_clone()?)?;
    }
    Ok(Listener {
        socket: Some(tokio::net::UnixStream::from_std(read)?),
        last,
        pending,
    })
}

impl Listener {
    /// The first signal. Waits forever if the socket fails (no signal can be told
    /// apart then; the handlers still exit on a second one).
    pub(crate) async fn recv(&mut self) -> Option<i32> {
        let socket = self.socket.as_ref()?;
        let mut byte = [0u8; 1];
        loop {
            if socket.readable().await.is_err() {
                return std::future::pending().await;
            }
            match socket.try_read(&mut byte) {
                Ok(1..) => break,
                Ok(0) => return std::future::pending().await,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(_) => return std::future::pending().await,
            }
        }
        // Taken: from now on a second signal is the watchdog's to handle.
        self.pending.store(false, Ordering::SeqCst);
        let signal = i32::try_from(self.last.load(Ordering::SeqCst)).unwrap_or(SIGTERM);
        if let Some(socket) = self.socket.take() {
            self.watch_for_second(socket);
        }
        Some(signal)
    }

    /// Starts the thread that exits on a second signal.
    fn watch_for_second(&self, socket: tokio::net::UnixStream) {
        let last = self.last.clone();
        let pending = self.pending.clone();
        let socket = socket
            .into_std()
            .and_then(|s| s.set_nonblocking(false).map(|()| s));
        let Ok(mut socket) = socket else {
            // Without the socket, the handlers exit on a second signal themselves.
            pending.store(true, Ordering::SeqCst);
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("twelve-signals".into())
            .spawn(move || {
                let mut byte = [0u8; 1];
                loop {
                    match socket.read(&mut byte) {
                        Ok(1..) => break,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        // Closed or failed: the handlers must do it.
                        _ => {
                            pending.store(true, Ordering::SeqCst);
                            return;
                        }
                    }
                }
                let signal = i32::try_from(last.load(Ordering::SeqCst)).unwrap_or(SIGTERM);
                tracing::warn!(
                    signal = %Name(signal),
                    exit_code = 128 + signal,
                    "second signal: exiting now"
                );
                std::process::exit(128 + signal);
            });
        if spawned.is_err() {
            self.pending.store(true, Ordering::SeqCst);
        }
    }
}

fn signal_number(signal: i32) -> usize {
    usize::try_from(signal).unwrap_or(0)
}

/// A signal as the logs name it: `SIGTERM`, `SIGINT`, or the number of any other
/// (`10`).
pub(crate) struct Name(pub(crate) i32);

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            SIGTERM => f.write_str("SIGTERM"),
            SIGINT => f.write_str("SIGINT"),
            other => write!(f, "{other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_are_named_and_others_numbered() {
        assert_eq!(Name(SIGTERM).to_string(), "SIGTERM");
        assert_eq!(Name(SIGINT).to_string(), "SIGINT");
        assert_eq!(Name(64).to_string(), "64");
    }
}
