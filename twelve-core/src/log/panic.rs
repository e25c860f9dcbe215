//! Panics as JSON lines.

use std::panic::PanicHookInfo;
use std::sync::atomic::{AtomicBool, Ordering};

use super::schema::{PANIC_TARGET, panic as field};

/// Whether the standard panic message is printed after the JSON line: only under
/// `LOG_FORMAT=pretty` (see [`keep_standard_message`]).
static STANDARD_MESSAGE: AtomicBool = AtomicBool::new(false);

/// Sets whether the panic hook also prints the standard message (on stderr): under
/// `Format::Pretty`, not under `Format::Json`. `LogBuilder::init` calls it.
pub(crate) fn keep_standard_message(on: bool) {
    STANDARD_MESSAGE.store(on, Ordering::Relaxed);
}

/// Installs a panic hook that logs each panic as one `error` line (target
/// `twelve::panic`) with `panic.message`, `panic.location`, `panic.backtrace` (a
/// string, when `RUST_BACKTRACE` or `RUST_LIB_BACKTRACE` ask for one, as
/// [`std::backtrace::Backtrace::capture`] reads them) and, inside a correlation scope,
/// the scope's `correlation_id` and trace IDs.
///
/// Under `LOG_FORMAT=json` (the default) that line is all: the hook that was installed
/// before (by default, the standard message on stderr) does not run, so that a
/// container's whole output is JSON lines. It does run under `LOG_FORMAT=pretty`, and
/// whenever no subscriber would write the line (none is installed, or its filter is
/// off for `twelve::panic` errors), so that a panic is never silent.
///
/// `#[twelve::main]` installs it; call it yourself when you set up logging by hand.
/// Installed once per process: later calls do nothing (so a panic is one line, not
/// one per call).
pub fn install_panic_hook() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let written = log_panic(info);
        if !written || STANDARD_MESSAGE.load(Ordering::Relaxed) {
            previous(info);
        }
    }));
}

/// Logs the panic; `false` when no subscriber takes the line.
fn log_panic(info: &PanicHookInfo<'_>) -> bool {
    if !tracing::enabled!(target: PANIC_TARGET, tracing::Level::ERROR) {
        return false;
    }
    let listened =
        tracing::dispatcher::get_default(|d| !d.is::<tracing::subscriber::NoSubscriber>());
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("Box<dyn Any>");
    let location = info
        .location()
        .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
    let backtrace = std::backtrace::Backtrace::capture();
    let backtrace = (backtrace.status() == std::backtrace::BacktraceStatus::Captured)
        .then(|| backtrace.to_string());
    // The names of `schema::panic`, which the schemas rename (ECS: `error.*`).
    tracing::event!(
        target: PANIC_TARGET,
        tracing::Level::ERROR,
        { field::MESSAGE } = message,
        { field::LOCATION } = location.as_deref(),
        { field::BACKTRACE } = backtrace.as_deref(),
        "panic"
    );
    listened
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::layer::SubscriberExt as _;

    use crate::log::json::capture;
    use crate::log::schema::Schema;

    #[test]
    fn installed_twice_a_panic_is_still_one_line() {
        let (layer, lines) = capture(Schema::Default);
        let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
        super::install_panic_hook();
        super::install_panic_hook();
        tracing::dispatcher::with_default(&dispatch, || {
            let result = std::panic::catch_unwind(|| panic!("once"));
            assert!(result.is_err());
        });
        let lines = lines.lock().expect("lock");
        let panics = lines.iter().filter(|l| l.contains("\"once\"")).count();
        assert_eq!(panics, 1, "{lines:?}");
    }
}
