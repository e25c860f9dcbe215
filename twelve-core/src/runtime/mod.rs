//! The runtime behind `#[twelve::main]`: [`Runtime`] reads the config, installs the
//! logs, handles signals, drains and exits with a meaningful code.
//!
//! ```
//! use std::process::ExitCode;
//! use twelve_core::{App, Runtime, ServiceInfo};
//!
//! fn main() -> ExitCode {
//!     Runtime::new(ServiceInfo::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")))
//!         .run(|_settings: (), app: App| async move {
//!             app.health().set_ready(true);
//!             // A service serves here until SIGTERM; this one stops itself.
//!             app.shutdown().trigger();
//!             app.shutdown().wait().await;
//!             Ok::<(), std::io::Error>(())
//!         })
//! }
//! ```
//!
//! In order: (1) the runtime's settings and yours are read together and every problem
//! is reported at once; (2) JSON logs and the panic hook are installed; (3) on a config
//! error, one `error` line lists every problem and the exit code is 78; (4) a
//! multi-thread tokio runtime starts, SIGTERM/SIGINT handlers are installed, and a
//! `started` line gives `startup_ms`; (5) your future runs. On the first signal,
//! readiness turns false, `SHUTDOWN_DELAY` passes, then `app.shutdown()` fires; your
//! future and every tracked task have `SHUTDOWN_TIMEOUT` to finish. A second signal
//! exits at once. (6) Shutdown hooks run, a `stopped` line gives `shutdown_ms`, and
//! the process exits.
//!
//! Exit codes: 0 clean stop; 1 `main` or a tracked task returned an error, a tracked
//! task or a shutdown hook panicked, or the drain deadline passed; 78 configuration
//! error; 101 panic in the main future; 128 + signal when a second signal forced the
//! exit (130 SIGINT, 143 SIGTERM).
//!
//! A panic in a shutdown hook (`app.on_shutdown(..)`) is treated as a tracked task's
//! is: the hooks run after the drain, on the runtime's behalf, like the tasks it
//! tracks, so they fail the same way. The panic line is logged, then `shutdown hook
//! panicked` (with the hook's place, 1-based, in the order they were added); the hooks
//! after it still run; `stopped` is logged as on every other path, with exit code 1
//! (or the code `main` already gave, 101 when it panicked). 101 stays the code of a
//! panic in the main future alone, so that it tells a crash of the service apart from
//! a failed clean-up.
//!
//! With feature `metrics`, the runtime also serves `GET /metrics` on
//! `0.0.0.0:$METRICS_PORT` (see `twelve::metrics`): it starts before your future runs
//! (a taken port is an error line naming `METRICS_PORT`, exit code 1; `started` gives
//! the port as `metrics_port`), keeps serving through the delay and the drain, and
//! stops after the hooks, letting scrapes in flight finish until the drain deadline.

mod app;
mod cli;
mod metrics;
#[cfg(feature = "metrics")]
mod scrapes;
mod settings;
mod shutdown;
mod signals;

use std::future::Future;
use std::process::ExitCode;
use std::time::{Duration, Instant};

pub use app::{App, Outcome, ServiceInfo};
pub use settings::RuntimeSettings;
pub use shutdown::Shutdown;

use self::metrics::MetricsServer;
use crate::config::{Config, Loader, Source};

/// Exit code of a configuration error (sysexits `EX_CONFIG`).
pub const EXIT_CONFIG: u8 = 78;
/// Exit code of a panic in the main future.
pub const EXIT_PANIC: u8 = 101;

/// Runs a service: the six steps of `#[twelve::main]`, callable without the macro.
#[derive(Debug, Clone)]
pub struct Runtime {
    info: ServiceInfo,
    cli: bool,
}

impl Runtime {
    /// A runtime for the service `info` (its name and version).
    pub fn new(info: ServiceInfo) -> Self {
        Runtime { info, cli: true }
    }

    /// Whether [`run`](Self::run) acts on the release-stage flags (on by default):
    /// started with the single argument `--check-config`, the program reads both
    /// settings as a start would, prints the report (one JSON line `config checked`,
    /// or a table under `LOG_FORMAT=pretty`) and exits 0 when valid, 78 when not,
    /// without running `main` or binding anything; with `--env-example` it prints the
    /// `.env.example` of both settings and exits 0. Any other arguments are left to
    /// the program. `#[twelve::main(cli = false)]` is `.cli(false)`.
    pub fn cli(mut self, on: bool) -> Self {
        self.cli = on;
        self
    }

    /// Runs `main` with the settings `S` read from the environment (use `()` for
    /// none) and the [`App`], and returns the exit code.
    pub fn run<S, F, Fut>(self, main: F) -> ExitCode
    where
        S: Config,
        F: FnOnce(S, App) -> Fut,
        Fut: Future + Send + 'static,
        Fut::Output: Outcome + Send + 'static,
    {
        let started = Instant::now();
        let source = Source::from_env();
        if self.cli {
            if let Some(action) = cli::action(std::env::args_os()) {
                let (text, code) = cli::run::<S>(action, &self.info, &source);
                print_all(&text);
                return ExitCode::from(code);
            }
        }
        // One pass reads the runtime's settings and the user's, so one error lists both.
        // Logging is installed before the result is reported: from the runtime's
        // settings when they loaded, else from the defaults (which then log the error).
        // The report (names and sources, no values) gives the `config loaded` line.
        let mut loader = Loader::with_report(&source, false);
        let runtime_loaded = RuntimeSettings::__load(&mut loader, "");
        let user = S::__load(&mut loader, "");
        let logging = runtime_loaded
            .clone()
            .unwrap_or_else(|| logging_of_a_failed_load(&source));
        let info = self
            .info
            .clone()
            .with(logging.service_name.clone(), logging.release_id.clone());
        let (result, report) = loader.finish_report(runtime_loaded.zip(user), S::__prefix());
        // With `otel`, the exporter's layer when the load succeeded and asks for export.
        #[cfg(feature = "otel")]
        let extra = result.as_ref().ok().and_then(|(runtime, _)| {
            crate::otel::install(&runtime.otel, &info, runtime.rust_log.as_deref())
        });
        #[cfg(not(feature = "otel"))]
        let extra = None;
        install_logging(&logging, &info, extra);

        let (runtime_settings, settings) = match result {
            Ok(loaded) => {
                log_config_loaded(&report);
                loaded
            }
            Err(error) => {
                log_config_error(&error);
                return ExitCode::from(EXIT_CONFIG);
            }
        };

        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(error) => {
                tracing::error!(error = %error, exit_code = 1, "cannot start the tokio runtime");
                return ExitCode::FAILURE;
            }
        };
        // The exporter runs on this runtime (a gRPC channel is made in it).
        #[cfg(feature = "otel")]
        crate::otel::start(runtime.handle());
        let code = runtime.block_on(async move {
            let mut signals = match signals::listen() {
                Ok(signals) => signals,
                Err(error) => {
                    tracing::error!(error = %error, exit_code = 1, "cannot install signal handlers");
                    return 1;
                }
            };
            let app = App::new(info, runtime_settings.port);
            let metrics = match MetricsServer::start(&runtime_settings, &app).await {
                Ok(metrics) => metrics,
                Err(code) => return code,
            };
            let user = tokio::spawn(main(settings, app.clone()));
            tracing::info!(
                startup_ms = millis(started.elapsed()),
                port = runtime_settings.port,
                metrics_port = metrics.port(),
                "started"
            );
            drive(app, user, &mut signals, &runtime_settings, metrics).await
        });
        // Tasks that ignore the shutdown signal must not hold the exit.
        runtime.shutdown_timeout(Duration::from_millis(100));
        ExitCode::from(code)
    }
}

/// `config loaded` with `config.sources`, then one `warn` per look-alike variable and
/// per problem of the `.env` file.
fn log_config_loaded(report: &crate::config::Report) {
    let sources = cli::sources_pairs(report);
    tracing::event!(
        target: "twelve::config",
        tracing::Level::INFO,
        config.sources = sources.as_str(),
        "config loaded"
    );
    for warning in report.warnings() {
        tracing::warn!(
            target: "twelve::config",
            var = warning.var(),
            suggestion = warning.suggestion(),
            "{warning}"
        );
    }
    for problem in report.source_problems() {
        tracing::warn!(target: "twelve::config", "{problem}");
    }
}

/// Writes `text` to stdout whole; a closed stdout is no error worth more than the code.
fn print_all(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// The runtime's settings for logging the error of a load that failed: each of
/// `LOG_SCHEMA`, `LOG_FORMAT`, `SERVICE_NAME` and `RELEASE_ID` that is valid on its own
/// is used (so the error line is written in the schema asked for), the rest are the
/// defaults.
fn logging_of_a_failed_load(source: &Source) -> RuntimeSettings {
    let value = |name: &str| {
        source
            .get(name)
            .ok()
            .flatten()
            .map(|found| found.value)
            .filter(|v| !v.trim().is_empty())
    };
    let mut settings = RuntimeSettings::default();
    if let Some(schema) = value("LOG_SCHEMA").and_then(|v| v.parse().ok()) {
        settings.log_schema = schema;
    }
    if let Some(format) = value("LOG_FORMAT").and_then(|v| v.parse().ok()) {
        settings.log_format = format;
    }
    settings.service_name = value("SERVICE_NAME");
    settings.release_id = value("RELEASE_ID");
    settings
}

/// The `configuration error` line: `errors` is an array of strings, one problem each
/// (the JSON layer turns the text of one problem per line into the array).
fn log_config_error(error: &crate::config::ConfigError) {
    let problems: Vec<String> = error
        .errors()
        .map(|problem| problem.to_string().replace('\n', " "))
        .collect();
    tracing::error!(
        target: crate::log::CONFIG_TARGET,
        error_count = problems.len(),
        errors = problems.join("\n").as_str(),
        exit_code = EXIT_CONFIG,
        "configuration error"
    );
}

/// Installs the logs, with `extra` (the OpenTelemetry layer under `otel`) next to them.
fn install_logging(
    settings: &RuntimeSettings,
    info: &ServiceInfo,
    extra: Option<crate::log::BoxedLayer>,
) {
    let mut builder = crate::log::builder()
        .service(info.name())
        .version(info.version())
        .release(info.release().map(String::from))
        .level(settings.log_level.clone())
        .directives(settings.rust_log.clone())
        .format(settings.log_format)
        .schema(settings.log_schema);
    if let Some(layer) = extra {
        builder = builder.with_layer(layer);
    }
    let result = builder.init();
    // A subscriber the program installed itself wins; twelve's panic hook still logs
    // through it.
    let _ = result;
    crate::log::install_panic_hook();
}

/// Steps 5 and 6: run until the main future ends, a task fails or a signal comes;
/// then drain within the deadline, run the hooks, and say the exit code.
async fn drive<T: Outcome>(
    app: App,
    mut user: tokio::task::JoinHandle<T>,
    signals: &mut signals::Listener,
    settings: &RuntimeSettings,
    metrics: MetricsServer,
) -> u8 {
    let shutdown = app.shutdown();
    let (early, signal) = tokio::select! {
        result = &mut user => (Some(result), None),
        Some(signal) = signals.recv() => (None, Some(signal)),
        () = shutdown.wait() => (None, None),
    };
    // Not ready from now on, whatever stopped the service; on a signal, before the
    // pre-drain delay, so that load balancers take the service out during it.
    app.health().set_shutting_down();
    if let Some(signal) = signal {
        tracing::info!(
            signal = %signals::Name(signal),
            shutdown_delay_ms = millis(settings.shutdown_delay),
            "shutdown signal received: not ready, draining after the delay"
        );
        // A zero delay skips the timer, whose 1 ms tick would round it up.
        if !settings.shutdown_delay.is_zero() {
            tokio::time::sleep(settings.shutdown_delay).await;
        }
    }
    let draining = Instant::now();
    shutdown.trigger();

    let deadline = settings.shutdown_timeout;
    let drain = async {
        let result = match early {
            Some(result) => result,
            None => (&mut user).await,
        };
        app.wait_tasks().await;
        app.run_hooks().await;
        result
    };
    let mut code = match tokio::time::timeout(deadline, drain).await {
        Ok(Ok(outcome)) => match outcome.into_outcome() {
            Ok(()) => 0,
            Err(error) => {
                tracing::error!(error = error.as_str(), "main returned an error");
                1
            }
        },
        Ok(Err(join)) if join.is_panic() => {
            tracing::error!("main panicked");
            EXIT_PANIC
        }
        Ok(Err(_)) => 1,
        Err(_) => {
            tracing::error!(
                shutdown_timeout_ms = millis(deadline),
                "drain deadline passed: requests or tasks still running were cut"
            );
            1
        }
    };
    if code == 0 && app.failed() {
        code = 1;
    }
    // After the drain and the hooks, so that the last scrapes see the final counts;
    // the spans still queued are flushed meanwhile, within what is left of the deadline.
    #[cfg(feature = "otel")]
    tokio::join!(
        metrics.stop(draining + deadline),
        crate::otel::shutdown(deadline.saturating_sub(draining.elapsed())),
    );
    #[cfg(not(feature = "otel"))]
    metrics.stop(draining + deadline).await;
    tracing::info!(
        shutdown_ms = millis(draining.elapsed()),
        exit_code = code,
        "stopped"
    );
    code
}

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0
}
