//! The examples, run as real processes: started from their built binaries, spoken to
//! over HTTP on 127.0.0.1, stopped with real signals, their stdout read line by line
//! (`tests/support/process.rs`). Every stdout line of every run must be a JSON object.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

mod support;
use support::process::{
    Client, LIMIT, Proc, clean_command, config_errors, connect, example, get, output_within,
};

/// The `message` of a log line.
fn message(line: &Value) -> &str {
    line["message"].as_str().unwrap_or_default()
}

fn find<'a>(lines: &'a [Value], msg: &str) -> Option<&'a Value> {
    lines.iter().find(|l| message(l) == msg)
}

#[test]
fn web_serves_quotes_and_stops_cleanly_on_sigterm() {
    let mut web = Proc::start("web", &[("VAT_PERCENT", "10")]);
    web.wait_ready();
    let (status, body) = get(web.port, "/quote?items=3").expect("answers");
    assert_eq!(status, 200);
    let quote: Value = serde_json::from_str(&body).expect("json body");
    assert_eq!(quote["total_cents"], 825);
    // Bad input is a 400, and the service keeps serving.
    assert_eq!(get(web.port, "/quote?items=many").map(|r| r.0), Some(400));
    let (status, body) = get(web.port, "/health/ready").expect("answers");
    assert_eq!(status, 200);
    assert_eq!(body, r#"{"status":"ready","checks":{"pricing":"ok"}}"#);
    assert_eq!(get(web.port, "/health/live").map(|r| r.0), Some(200));

    web.signal("TERM");
    let (status, lines) = web.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
    let started = find(&lines, "started").expect("started line");
    assert!(started["startup_ms"].as_f64().is_some(), "{started}");
    assert_eq!(started["service"], "twelve", "the user crate's name");
    let stopped = find(&lines, "stopped").expect("stopped line");
    assert!(stopped["shutdown_ms"].as_f64().is_some(), "{stopped}");
    assert!(find(&lines, "quote computed").is_some());
}

#[test]
fn sigterm_during_a_request_drains_it_with_readiness_off() {
    let mut web = Proc::start("web", &[("SHUTDOWN_DELAY", "700ms")]);
    web.wait_ready();
    let port = web.port;
    let in_flight = std::thread::spawn(move || get(port, "/slow?ms=1500"));
    std::thread::sleep(Duration::from_millis(200));
    web.signal("TERM");
    std::thread::sleep(Duration::from_millis(200));
    // During the delay: still serving, but not ready.
    let (status, body) = get(web.port, "/health/ready").expect("answers during the delay");
    assert_eq!(status, 503);
    assert!(body.contains("\"shutting_down\""), "{body}");
    assert_eq!(get(web.port, "/quote?items=1").map(|r| r.0), Some(200));
    let (status, body) = in_flight
        .join()
        .expect("thread")
        .expect("the request completes");
    assert_eq!((status, body.as_str()), (200, r#"{"slept_ms":1500}"#));
    let (status, lines) = web.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
    assert!(find(&lines, "stopped").is_some());
}

#[test]
fn a_second_sigterm_exits_at_once_with_143() {
    let mut web = Proc::start("web", &[("SHUTDOWN_DELAY", "20s")]);
    web.wait_ready();
    web.signal("TERM");
    std::thread::sleep(Duration::from_millis(300));
    web.signal("TERM");
    let (status, lines) = web.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(143));
    let forced = find(&lines, "second signal: exiting now").expect("a line says why");
    assert_eq!(forced["exit_code"], 143);
}

#[test]
fn a_second_signal_exits_even_when_the_runtime_is_wedged() {
    let probe = Proc::start("probe", &[("PROBE_MODE", "wedged")]);
    let started = Instant::now();
    while !probe.lines().iter().any(|l| l.contains("\"wedged\"")) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no `wedged` line"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    probe.signal("TERM");
    std::thread::sleep(Duration::from_millis(300));
    probe.signal("TERM");
    let (status, lines) = probe.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(143));
    // Lines written before the forced exit are all there, whole.
    assert!(find(&lines, "started").is_some() && find(&lines, "wedged").is_some());
}

#[test]
fn sigint_twice_exits_with_130() {
    let mut web = Proc::start("web", &[("SHUTDOWN_DELAY", "20s")]);
    web.wait_ready();
    web.signal("INT");
    std::thread::sleep(Duration::from_millis(300));
    web.signal("INT");
    let (status, _) = web.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(130));
}

#[test]
fn the_drain_deadline_cuts_a_slow_request_and_exits_1() {
    let mut web = Proc::start("web", &[("SHUTDOWN_TIMEOUT", "300ms")]);
    web.wait_ready();
    let port = web.port;
    let in_flight = std::thread::spawn(move || get(port, "/slow?ms=5000"));
    std::thread::sleep(Duration::from_millis(200));
    web.signal("TERM");
    let (status, lines) = web.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(1));
    let line = lines
        .iter()
        .find(|l| message(l).starts_with("drain deadline passed"))
        .expect("the deadline is logged");
    assert_eq!(line["level"], "error");
    assert_eq!(
        find(&lines, "stopped").map(|l| l["exit_code"].clone()),
        Some(1.into())
    );
    let _ = in_flight.join();
}

#[test]
fn every_config_error_in_one_json_line_and_exit_78() {
    let web = Proc::start(
        "web",
        &[
            ("PORT", "http"),
            ("LOG_SCHEMA", "splunk"),
            ("VAT_PERCENT", "-3"),
            ("MAX_SLOW", "10"),
        ],
    );
    let (status, lines) = web.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(78));
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert_eq!(line["level"], "error");
    assert_eq!(line["message"], "configuration error");
    assert_eq!(line["error_count"], 4);
    // One string per problem, each naming its variable.
    let errors = config_errors(line);
    assert_eq!(errors.len(), 4, "{errors:?}");
    for var in ["PORT", "LOG_SCHEMA", "VAT_PERCENT", "MAX_SLOW"] {
        assert_eq!(
            errors
                .iter()
                .filter(|e| e.starts_with(&format!("{var}: invalid value")))
                .count(),
            1,
            "{var} in {errors:?}"
        );
    }
}

#[test]
fn a_panic_in_main_is_a_json_line_and_exit_101() {
    let probe = Proc::start("probe", &[("PROBE_MODE", "panic")]);
    let (status, lines) = probe.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(101));
    let panic = find(&lines, "panic").expect("panic line");
    assert_eq!(panic["level"], "error");
    assert!(
        panic["panic.message"]
            .as_str()
            .is_some_and(|m| m.contains("on purpose"))
    );
    assert!(find(&lines, "stopped").is_some());
}

#[test]
fn an_error_from_main_or_a_tracked_task_exits_1() {
    for mode in ["error", "task_error", "task_panic"] {
        let probe = Proc::start("probe", &[("PROBE_MODE", mode)]);
        let (status, lines) = probe.wait_exit(Duration::from_secs(10));
        assert_eq!(status.code(), Some(1), "{mode}: {lines:?}");
        assert!(
            lines.iter().any(|l| l["level"] == "error"),
            "{mode}: an error line: {lines:?}"
        );
    }
}

#[test]
fn tracked_tasks_and_hooks_finish_before_exit_0() {
    let mut probe = Proc::start("probe", &[("PROBE_MODE", "hook")]);
    probe.wait_ready_by_log();
    probe.signal("TERM");
    let (status, lines) = probe.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0));
    let order: Vec<&str> = lines.iter().map(message).collect();
    let pos = |m: &str| order.iter().position(|x| *x == m).unwrap_or(usize::MAX);
    assert!(pos("tracked task stopping") < pos("hook ran"), "{order:?}");
    assert!(pos("hook ran") < pos("stopped"), "{order:?}");
}

#[test]
fn a_main_that_ignores_shutdown_is_cut_at_the_deadline() {
    let mut probe = Proc::start(
        "probe",
        &[
            ("PROBE_MODE", "ignore_shutdown"),
            ("SHUTDOWN_TIMEOUT", "200ms"),
        ],
    );
    probe.wait_ready_by_log();
    probe.signal("TERM");
    let (status, _) = probe.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(1));
}

#[test]
fn rolling_deploy_under_load_fails_no_request() {
    let mut web = Proc::start("web", &[("SHUTDOWN_DELAY", "1s")]);
    web.wait_ready();
    let port = web.port;
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..16)
        .map(|_| {
            let (stop, ok, failures) = (stop.clone(), ok.clone(), failures.clone());
            std::thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(20);
                let mut client = match Client::connect(port) {
                    Ok(c) => c,
                    Err(e) => return failures.lock().expect("lock").push(e.to_string()),
                };
                while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                    match client.get("/quote?items=2") {
                        Ok(200) => {
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(other) => failures
                            .lock()
                            .expect("lock")
                            .push(format!("status {other}")),
                        Err(e) => {
                            failures.lock().expect("lock").push(e.to_string());
                            return;
                        }
                    }
                }
            })
        })
        .collect();
    // A load balancer's view: poll readiness and stop sending once it fails.
    let poller = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if !matches!(get(port, "/health/ready"), Some((200, _))) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            stop.store(true, Ordering::SeqCst);
        })
    };
    std::thread::sleep(Duration::from_millis(700));
    let before = ok.load(Ordering::Relaxed);
    web.signal("TERM");
    poller.join().expect("poller");
    for c in clients {
        c.join().expect("client");
    }
    let (status, _) = web.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
    let failures = failures.lock().expect("lock");
    assert!(
        failures.is_empty(),
        "{} failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(
        before > 100,
        "the load ran: {before} requests before SIGTERM"
    );
}

#[test]
fn migrate_runs_to_completion_with_the_same_config_and_logs() {
    let migrate = Proc::start(
        "migrate",
        &[("MIGRATION_STEPS", "2"), ("RELEASE_ID", "r-9")],
    );
    let (status, lines) = migrate.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
    let steps: Vec<&Value> = lines
        .iter()
        .filter(|l| message(l) == "migration step applied")
        .collect();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["database"], "[REDACTED]");
    assert!(
        lines
            .iter()
            .all(|l| l["release"] == "r-9" && l["service"] == "twelve")
    );
    assert!(find(&lines, "stopped").is_some_and(|l| l["exit_code"] == 0));
}

#[test]
fn log_format_pretty_prints_for_a_human() {
    // A clean environment, METRICS_PORT=0 included: not 9090, which anything on the
    // machine may hold (feature `metrics`).
    let mut migrate = clean_command(example("migrate"));
    migrate
        .env("LOG_FORMAT", "pretty")
        .env("MIGRATION_STEPS", "1")
        .env("TWELVE_DOTENV", "0")
        .current_dir(std::env::temp_dir());
    let output = output_within(&mut migrate, LIMIT, "migrate with LOG_FORMAT=pretty");
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("migration done"), "{text}");
    assert!(text.contains("INFO"), "{text}");
    // The secret stays redacted in this format too.
    assert!(
        text.contains("[REDACTED]") && !text.contains("postgres://"),
        "{text}"
    );
    assert!(
        text.lines().all(|l| !l.trim_start().starts_with('{')),
        "no JSON lines: {text}"
    );
}

#[test]
fn the_runtime_works_without_the_macro() {
    let mut proc = Proc::start(
        "no-macro",
        &[("SERVICE_NAME", "renamed"), ("RELEASE_ID", "r1")],
    );
    proc.wait_ready_by_log();
    proc.signal("TERM");
    let (status, lines) = proc.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0));
    let hello = find(&lines, "hello").expect("the user's line");
    assert_eq!(hello["greeting"], "hand-rolled");
    assert_eq!(hello["service"], "renamed");
    assert_eq!(hello["version"], "9.9.9");
    assert_eq!(hello["release"], "r1");
}

#[test]
fn worker_finishes_the_job_in_hand_on_sigterm() {
    let mut worker = Proc::start(
        "worker",
        &[
            ("JOB_INTERVAL", "50ms"),
            ("JOB_DURATION", "600ms"),
            ("SHUTDOWN_DELAY", "300ms"),
        ],
    );
    worker.wait_ready();
    // Wait until a job is in hand.
    let start = Instant::now();
    while !worker.lines().iter().any(|l| l.contains("\"job started\"")) {
        assert!(start.elapsed() < Duration::from_secs(20), "no job started");
        std::thread::sleep(Duration::from_millis(10));
    }
    worker.signal("TERM");
    std::thread::sleep(Duration::from_millis(100));
    let (status, body) =
        get(worker.port, "/health/ready").expect("health answers during the delay");
    assert_eq!(
        (status, body.as_str()),
        (503, r#"{"status":"shutting_down","checks":{}}"#)
    );
    let (status, lines) = worker.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
    let started: Vec<&Value> = lines
        .iter()
        .filter(|l| message(l) == "job started")
        .collect();
    let done: Vec<&Value> = lines.iter().filter(|l| message(l) == "job done").collect();
    assert!(!started.is_empty());
    assert_eq!(started.len(), done.len(), "every started job finished");
    for (s, d) in started.iter().zip(&done) {
        assert_eq!(s["job"], d["job"]);
        assert_eq!(
            s["correlation_id"], d["correlation_id"],
            "one scope per job"
        );
        assert!(
            s["correlation_id"]
                .as_str()
                .is_some_and(|id| id.len() == 36)
        );
    }
    let ids: std::collections::HashSet<&str> = started
        .iter()
        .filter_map(|l| l["correlation_id"].as_str())
        .collect();
    assert_eq!(ids.len(), started.len(), "a new ID per job");
}

#[test]
fn web_requests_carry_the_correlation_id_on_every_line() {
    let mut web = Proc::start("web", &[]);
    web.wait_ready();
    let mut stream = connect(web.port);
    write!(
        stream,
        "GET /quote?items=2 HTTP/1.1\r\nHost: x\r\nx-correlation-id: it-42\r\n\
         traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n\
         Connection: close\r\n\r\n"
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response
            .to_ascii_lowercase()
            .contains("x-correlation-id: it-42"),
        "{response}"
    );
    // A hostile ID is replaced, never logged, and the service keeps serving.
    let mut stream = connect(web.port);
    write!(
        stream,
        "GET /quote?items=1 HTTP/1.1\r\nHost: x\r\nx-correlation-id: {}\r\nConnection: close\r\n\r\n",
        "\"}<evil>".repeat(50)
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    web.signal("TERM");
    let (status, lines) = web.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
    let of_request: Vec<&Value> = lines
        .iter()
        .filter(|l| l["correlation_id"] == "it-42")
        .collect();
    let messages: Vec<&str> = of_request.iter().map(|l| message(l)).collect();
    assert_eq!(messages, ["quote computed", "request finished"]);
    for line in &of_request {
        assert_eq!(line["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    }
    let finished = of_request[1];
    assert_eq!(finished["http.request.method"], "GET");
    assert_eq!(finished["url.path"], "/quote");
    assert_eq!(finished["http.route"], "/quote");
    assert_eq!(finished["http.response.status_code"], 200);
    assert!(lines.iter().all(|l| !l.to_string().contains("evil")));
}

#[test]
fn web_logs_every_request_unmatched_ones_included() {
    let mut web = Proc::start("web", &[]);
    web.wait_ready();
    // (path, method, status, route): the recommended setup, the layer last.
    let cases = [
        ("/quote?items=1", "GET", 200, Some("/quote")),
        ("/health/live", "GET", 200, Some("/health/live")),
        ("/nowhere", "GET", 404, None),
        ("/quote", "POST", 405, Some("/quote")),
    ];
    for (i, (path, method, status, _)) in cases.iter().enumerate() {
        let mut stream = connect(web.port);
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: x\r\nx-correlation-id: unmatched-{i}\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        assert!(
            response.starts_with(&format!("HTTP/1.1 {status}")),
            "{response}"
        );
        assert!(
            response
                .to_ascii_lowercase()
                .contains(&format!("x-correlation-id: unmatched-{i}")),
            "{response}"
        );
    }
    web.signal("TERM");
    let (status, lines) = web.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
    for (i, (path, method, status, route)) in cases.iter().enumerate() {
        let id = format!("unmatched-{i}");
        let line = lines
            .iter()
            .find(|l| l["correlation_id"] == id.as_str() && message(l) == "request finished")
            .unwrap_or_else(|| panic!("no request line for {method} {path}"));
        assert_eq!(line["http.response.status_code"], *status, "{line}");
        assert_eq!(line["http.route"].as_str(), *route, "{line}");
        assert_eq!(line["trace_id"].as_str().map(str::len), Some(32), "{line}");
    }
}

#[test]
fn the_worker_continues_the_trace_each_message_came_with() {
    let mut worker = Proc::start(
        "worker",
        &[("JOB_INTERVAL", "20ms"), ("JOB_DURATION", "10ms")],
    );
    worker.wait_ready();
    let start = Instant::now();
    while worker
        .lines()
        .iter()
        .filter(|l| l.contains("\"job done\""))
        .count()
        < 3
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no three jobs done"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    worker.signal("TERM");
    let (status, lines) = worker.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
    let of = |msg: &str, job: &Value| -> Option<Value> {
        lines
            .iter()
            .find(|l| message(l) == msg && &l["job"] == job)
            .cloned()
    };
    let mut traces = std::collections::HashSet::new();
    for done in lines.iter().filter(|l| message(l) == "job done") {
        let job = &done["job"];
        let queued = of("job queued", job).expect("the producer's line");
        let started = of("job started", job).expect("the consumer's line");
        for line in [&started, done] {
            // The producer's ID and trace, the consumer's own span.
            assert_eq!(line["correlation_id"], queued["correlation_id"], "{line}");
            assert_eq!(line["trace_id"], queued["trace_id"], "{line}");
            assert_ne!(line["span_id"], queued["span_id"], "{line}");
            assert_eq!(line["span_id"], started["span_id"], "one span per job");
        }
        assert_eq!(queued["trace_id"].as_str().map(str::len), Some(32));
        traces.insert(queued["trace_id"].to_string());
    }
    assert!(traces.len() >= 3, "a trace per job: {traces:?}");
}

#[test]
fn an_idle_keep_alive_connection_does_not_hold_the_drain_open() {
    let mut web = Proc::start("web", &[("SHUTDOWN_TIMEOUT", "20s")]);
    web.wait_ready();
    let mut idle = Client::connect(web.port).expect("connect");
    assert_eq!(idle.get("/quote?items=1").expect("answer"), 200);
    // The connection stays open and idle while the service stops.
    let start = Instant::now();
    web.signal("TERM");
    let (status, _) = web.wait_exit(Duration::from_secs(15));
    assert_eq!(status.code(), Some(0));
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "exit took {:?}: the idle connection held the drain",
        start.elapsed()
    );
    drop(idle);
}

#[test]
fn a_port_in_use_is_a_clear_error_naming_the_port() {
    let taken = TcpListener::bind("0.0.0.0:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let web = Proc::start("web", &[("PORT", &port)]);
    let (status, lines) = web.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(1));
    let error = find(&lines, "main returned an error").expect("the error is logged");
    let text = error["error"].as_str().unwrap_or_default();
    assert!(
        text.contains(&format!("cannot listen on 0.0.0.0:{port} (PORT={port})")),
        "{text}"
    );
}
