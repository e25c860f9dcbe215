//! SIGTERM and SIGINT through `signal-hook`: the first starts a graceful shutdown, the
//! second exits at once with 128 + the signal number.

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use tokio::sync::mpsc;

/// Installs the handlers; the first signal is sent on the returned channel. A second
/// signal logs one line and exits the process with 128 + its number.
pub(crate) fn listen() -> std::io::Result<mpsc::UnboundedReceiver<i32>> {
    let mut signals = Signals::new([SIGTERM, SIGINT])?;
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::Builder::new()
        .name("twelve-signals".into())
        .spawn(move || {
            let mut seen = 0;
            for signal in signals.forever() {
                seen += 1;
                if seen == 1 {
                    let _ = tx.send(signal);
                } else {
                    tracing::warn!(
                        signal = name(signal),
                        exit_code = 128 + signal,
                        "second signal: exiting now"
                    );
                    std::process::exit(128 + signal);
                }
            }
        })?;
    Ok(rx)
}

/// `SIGTERM`, `SIGINT`, or the number.
pub(crate) fn name(signal: i32) -> &'static str {
    match signal {
        SIGTERM => "SIGTERM",
        SIGINT => "SIGINT",
        _ => "signal",
    }
}
