//! The examples, run as real processes: started from their built binaries, spoken to
//! over HTTP on 127.0.0.1, stopped with real signals.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `target/<profile>/examples/<name>`, built by `cargo test` before the tests run.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    profile_dir.join("examples").join(name)
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// A plain HTTP/1.1 GET; the status code and body, or `None` if nothing answers.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response.split("\r\n\r\n").nth(1)?.to_string();
    Some((status, body))
}

/// Polls until the service answers, for at most 30 s.
fn wait_ready(child: &mut Child, port: u16) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if let Some((200, _)) = get(port, "/health/live") {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("exited before ready: {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("not ready after 30 s");
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Waits at most 20 s for the exit; kills the child past that.
fn wait_exit(mut child: Child) -> (std::process::ExitStatus, String, String) {
    let start = Instant::now();
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("did not exit within 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn start_web(vars: &[(&str, &str)]) -> Child {
    let mut cmd = Command::new(example("web"));
    cmd.env("TWELVE_DOTENV", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.spawn().expect("the web example is built by cargo test")
}

#[test]
fn web_serves_quotes_and_stops_on_sigterm() {
    let port = free_port();
    let port_text = port.to_string();
    let mut child = start_web(&[("PORT", &port_text), ("VAT_PERCENT", "10")]);
    wait_ready(&mut child, port);
    let (status, body) = get(port, "/quote?items=3").expect("answers");
    assert_eq!(status, 200);
    let quote: serde_json::Value = serde_json::from_str(&body).expect("json body");
    assert_eq!(quote["net_cents"], 750);
    assert_eq!(quote["vat_cents"], 75);
    assert_eq!(quote["total_cents"], 825);
    // A bad query is a 400, and the service keeps serving.
    let (status, _) = get(port, "/quote?items=many").expect("answers");
    assert_eq!(status, 400);
    assert_eq!(get(port, "/health/live").map(|r| r.0), Some(200));

    signal(&child, "TERM");
    let (status, stdout, _) = wait_exit(child);
    assert!(status.success(), "{status}");
    for line in stdout.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("every stdout line is JSON");
    }
    assert!(stdout.contains("\"stopped\""), "{stdout}");
}

#[test]
fn web_reports_every_config_error_and_exits_78() {
    let child = start_web(&[
        ("PORT", "http"),
        ("VAT_PERCENT", "-3"),
        ("UNIT_PRICE_CENTS", ""),
    ]);
    let (status, _, stderr) = wait_exit(child);
    assert_eq!(status.code(), Some(78));
    assert!(stderr.contains("PORT: invalid value \"http\""), "{stderr}");
    assert!(
        stderr.contains("VAT_PERCENT: invalid value \"-3\""),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
}
