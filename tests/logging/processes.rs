//! Real processes (the `probe` fixture under `#[twelve::main]`): panics wherever they
//! happen leave only JSON lines on stdout *and* stderr; backtraces when asked for; the
//! standard panic text only under `LOG_FORMAT=pretty`; the configuration-error line in
//! the schema asked for; `DD_ENV` and `GOOGLE_CLOUD_PROJECT` read from the environment.

use std::io::Read as _;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::process::{clean_command, config_errors, example, free_port, send_signal};
use crate::{ecs_spec, strict};

/// What a run of the probe left.
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Every line of stdout and of stderr, each parsed as a JSON object (by the parser
    /// that rejects a key twice); fails naming the first line that is not.
    fn json_lines(&self) -> Vec<Value> {
        let mut all = Vec::new();
        for (stream, text) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            for line in text.lines() {
                match strict::parse(line) {
                    Ok(value @ Value::Object(_)) => all.push(value),
                    Ok(other) => panic!("{stream}: not an object: {other}\n{self}"),
                    Err(e) => panic!("{stream}: not a JSON line ({e})\n{self}"),
                }
            }
        }
        all
    }

    /// The one line whose `message` is `message`.
    fn line(&self, message: &str) -> Value {
        let found: Vec<Value> = self
            .json_lines()
            .into_iter()
            .filter(|l| l["message"] == message)
            .collect();
        assert_eq!(found.len(), 1, "one {message:?} line\n{self}");
        found.into_iter().next().unwrap_or_default()
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.status.code(),
            self.stdout,
            self.stderr
        )
    }
}

/// Runs the probe in `mode` with `vars` (on top of a clean environment: none of the
/// caller's settings, metrics on a free port); with `signal`, sends SIGTERM once
/// it has logged `started`. At most 20 s.
fn probe(mode: &str, vars: &[(&str, &str)], signal: bool) -> Run {
    let mut cmd = clean_command(example("probe"));
    cmd.env("PORT", free_port().to_string())
        .env("PROBE_MODE", mode)
        .env("TWELVE_DOTENV", "0");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the probe is built by cargo test");
    let collect = |mut pipe: Box<dyn std::io::Read + Send>, into: Arc<Mutex<Vec<u8>>>| {
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut all) = into.lock() {
                    all.extend_from_slice(&buf[..n]);
                }
            }
        })
    };
    let (out, err) = (Arc::default(), Arc::default());
    let readers = [
        collect(
            Box::new(child.stdout.take().expect("stdout")),
            Arc::clone(&out),
        ),
        collect(
            Box::new(child.stderr.take().expect("stderr")),
            Arc::clone(&err),
        ),
    ];
    let text = |bytes: &Arc<Mutex<Vec<u8>>>| {
        String::from_utf8_lossy(&bytes.lock().expect("lock")).into_owned()
    };
    let start = Instant::now();
    let mut signalled = !signal;
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status;
        }
        if !signalled && text(&out).contains("\"started\"") {
            send_signal(child.id(), "TERM");
            signalled = true;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("{mode}: no exit within 20 s\n{}{}", text(&out), text(&err));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    for reader in readers {
        let _ = reader.join();
    }
    Run {
        status,
        stdout: text(&out),
        stderr: text(&err),
    }
}

#[test]
fn a_panic_anywhere_leaves_only_json_lines_on_stdout_and_stderr() {
    for (mode, signal, code, says) in [
        ("panic", false, 101, "the probe panicked on purpose"),
        ("handler_panic", false, 0, "the handler panicked on purpose"),
        ("task_panic", false, 1, "index out of bounds"),
        (
            "blocking_panic",
            false,
            1,
            "the blocking closure panicked on purpose",
        ),
        ("shutdown_panic", true, 1, "index out of bounds"),
        // Like a tracked task's panic: exit 1 (see the next test).
        (
            "hook_panic",
            true,
            1,
            "the shutdown hook panicked on purpose",
        ),
    ] {
        let run = probe(mode, &[], signal);
        assert_eq!(run.status.code(), Some(code), "{mode}\n{run}");
        let panic = run.line("panic");
        assert_eq!(panic["level"], "error", "{mode}: {panic}");
        assert!(
            panic["panic.message"]
                .as_str()
                .is_some_and(|m| m.contains(says)),
            "{mode}: {panic}"
        );
        assert!(
            panic["panic.location"]
                .as_str()
                .is_some_and(|l| l.contains(".rs:")),
            "{mode}: {panic}"
        );
        assert!(
            panic.get("panic.backtrace").is_none(),
            "{mode}: not asked: {panic}"
        );
        // Nothing but JSON, and none of the standard hook's text.
        assert!(!run.stderr.contains("panicked at"), "{mode}\n{run}");
        assert!(!run.stdout.contains("panicked at"), "{mode}\n{run}");
        if mode == "handler_panic" {
            // In the request's scope: its correlation ID and trace.
            assert!(
                panic["correlation_id"]
                    .as_str()
                    .is_some_and(|id| id.starts_with("probe-")),
                "{panic}"
            );
            assert_eq!(panic["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
            assert_eq!(run.line("request panicked")["http.route"], "/panic");
        }
    }
}

/// DESIGN "Runtime" step 6 and "Nothing is lost": a shutdown hook that panics does not
/// end the process there. Its panic line, then `shutdown hook panicked`; the next hook
/// still runs; `stopped` is the last line, with the exit code of a failed tracked task.
#[test]
fn a_panicking_shutdown_hook_is_logged_the_next_hook_runs_and_stopped_is_last() {
    let run = probe("hook_panic", &[], true);
    assert_eq!(run.status.code(), Some(1), "{run}");
    let lines = run.json_lines();
    let messages: Vec<&str> = lines.iter().filter_map(|l| l["message"].as_str()).collect();
    let at = |message: &str| {
        messages
            .iter()
            .position(|m| *m == message)
            .unwrap_or_else(|| panic!("no {message:?} line\n{run}"))
    };
    assert!(at("panic") < at("shutdown hook panicked"), "{run}");
    assert!(at("shutdown hook panicked") < at("hook ran"), "{run}");
    assert_eq!(messages.last(), Some(&"stopped"), "{run}");
    let failed = run.line("shutdown hook panicked");
    assert_eq!(
        (failed["level"].as_str(), failed["hook"].as_u64()),
        (Some("error"), Some(1))
    );
    let stopped = run.line("stopped");
    assert_eq!(stopped["exit_code"], 1, "{stopped}");
    assert!(stopped["shutdown_ms"].is_number(), "{stopped}");
    assert!(!run.stderr.contains("panicked at"), "{run}");
}

#[test]
fn a_backtrace_when_rust_backtrace_or_rust_lib_backtrace_asks() {
    for vars in [
        &[("RUST_BACKTRACE", "1")][..],
        &[("RUST_BACKTRACE", "full")],
        &[("RUST_LIB_BACKTRACE", "1")],
    ] {
        let run = probe("panic", vars, false);
        let panic = run.line("panic");
        let backtrace = panic["panic.backtrace"].as_str().unwrap_or_default();
        assert!(backtrace.lines().count() > 1, "{vars:?}: {panic}");
        assert!(!run.stderr.contains("stack backtrace"), "{vars:?}\n{run}");
    }
    for vars in [
        &[("RUST_BACKTRACE", "0")][..],
        &[("RUST_BACKTRACE", "1"), ("RUST_LIB_BACKTRACE", "0")],
    ] {
        let run = probe("panic", vars, false);
        assert!(
            run.line("panic").get("panic.backtrace").is_none(),
            "{vars:?}\n{run}"
        );
    }
}

#[test]
fn an_ecs_panic_line_is_an_ecs_error_and_conforms_to_the_spec() {
    let spec = ecs_spec::spec();
    let run = probe(
        "panic",
        &[("LOG_SCHEMA", "ecs"), ("RUST_BACKTRACE", "1")],
        false,
    );
    let panic = run.line("panic");
    assert_eq!(panic["log.level"], "error");
    assert_eq!(panic["error.type"], "panic");
    assert_eq!(panic["error.message"], "the probe panicked on purpose");
    assert!(
        panic["error.stack_trace"]
            .as_str()
            .is_some_and(|t| t.lines().count() > 1),
        "{panic}"
    );
    assert!(panic.get("panic.message").is_none(), "{panic}");
    for line in run.stdout.lines() {
        assert_eq!(
            ecs_spec::violations(&spec, line),
            Vec::<String>::new(),
            "{line}"
        );
    }
    assert_eq!(run.stderr, "");
}

#[test]
fn under_log_format_pretty_the_standard_panic_text_is_kept() {
    let run = probe("panic", &[("LOG_FORMAT", "pretty")], false);
    assert_eq!(run.status.code(), Some(101), "{run}");
    assert!(run.stderr.contains("panicked at"), "{run}");
    assert!(
        run.stderr.contains("the probe panicked on purpose"),
        "{run}"
    );
}

#[test]
fn the_configuration_error_line_is_in_the_schema_asked_for_with_an_array_of_errors() {
    let spec = ecs_spec::spec();
    let run = probe(
        "clean",
        &[
            ("PORT", "http"),
            ("LOG_SCHEMA", "ecs"),
            ("SHUTDOWN_DELAY", "5"),
        ],
        false,
    );
    assert_eq!(run.status.code(), Some(78), "{run}");
    let line = run.line("configuration error");
    assert_eq!(line["log.level"], "error", "ECS, as asked: {line}");
    assert_eq!(line["error_count"], 2);
    let errors = config_errors(&line);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with("PORT: invalid value \"http\""),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with("SHUTDOWN_DELAY: invalid value \"5\""),
        "{errors:?}"
    );
    assert_eq!(
        ecs_spec::violations(&spec, run.stdout.trim_end()),
        Vec::<String>::new()
    );

    let run = probe("clean", &[("PORT", "http"), ("LOG_SCHEMA", "gcp")], false);
    assert_eq!(run.line("configuration error")["severity"], "ERROR");

    // LOG_SCHEMA itself bad: the default schema, and its problem is listed.
    let run = probe(
        "clean",
        &[("PORT", "http"), ("LOG_SCHEMA", "splunk")],
        false,
    );
    let line = run.line("configuration error");
    assert_eq!(line["level"], "error");
    let errors = line["errors"].as_array().expect("an array");
    assert_eq!(errors.len(), 2, "{line}");
    assert!(
        errors[1]
            .as_str()
            .is_some_and(|e| e.starts_with("LOG_SCHEMA: ")),
        "{line}"
    );
}

#[test]
fn dd_env_and_google_cloud_project_come_from_the_environment() {
    let run = probe(
        "clean",
        &[
            ("PORT", "http"),
            ("LOG_SCHEMA", "datadog"),
            ("DD_ENV", "staging"),
        ],
        false,
    );
    let line = run.line("configuration error");
    assert_eq!(line["dd.env"], "staging", "{line}");
    assert_eq!(line["status"], "error");

    let run = probe(
        "request",
        &[("LOG_SCHEMA", "gcp"), ("GOOGLE_CLOUD_PROJECT", "shop-prod")],
        false,
    );
    assert_eq!(run.status.code(), Some(0), "{run}");
    let line = run.line("request finished");
    assert_eq!(
        line["logging.googleapis.com/trace"],
        "projects/shop-prod/traces/4bf92f3577b34da6a3ce929d0e0e4736",
        "{line}"
    );
    assert_eq!(line["httpRequest"]["requestUrl"], "/ok");
    assert_eq!(line["httpRequest"]["status"], 200);
}
