//! Panics as JSON lines.

use std::panic::PanicHookInfo;

/// Installs a panic hook that logs each panic as one `error` line with
/// `panic.message`, `panic.location` and, inside a correlation scope, the scope's
/// `correlation_id`; then runs the hook that was installed before (by default, the
/// standard message on stderr).
///
/// `#[twelve::main]` installs it; call it yourself when you set up logging by hand.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        log_panic(info);
        previous(info);
    }));
}

fn log_panic(info: &PanicHookInfo<'_>) {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("Box<dyn Any>");
    match info.location() {
        Some(location) => tracing::error!(

            panic.message = message,
            panic.location = %format_args!("{}:{}:{}", location.file(), location.line(), location.column()),
            "panic"
        ),
        None => tracing::error!(panic.message = message, "panic"),
    }
}
