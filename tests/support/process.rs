//! The example binaries (`examples/` and the fixtures in `tests/fixtures/`) run as real
//! processes: started on a free port, their stdout read line by line, stopped with real
//! signals, spoken to over HTTP/1.1 on 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// `target/<profile>/examples/<name>`, built by `cargo test` before the tests run.
pub(crate) fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    let path = profile_dir.join("examples").join(name);
    // `cargo test` builds every example first; `cargo test --test examples` alone
    // does not.
    assert!(
        path.exists(),
        "{} is not built: run the whole `cargo test --workspace --all-features`, or \
         `cargo build --examples --all-features` first",
        path.display()
    );
    path
}

/// A port free on 127.0.0.1 right now.
pub(crate) fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// A running example: its stdout collected line by line in the background.
pub(crate) struct Proc {
    child: Child,
    /// The `PORT` it was given.
    pub(crate) port: u16,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Proc {
    /// Starts example `name` on a free `PORT`, without `.env` and without the
    /// caller's log and shutdown settings, then `vars` on top; stderr is dropped. With
    /// feature `metrics` the runtime also serves `/metrics`: on a free port
    /// (`METRICS_PORT=0`, see [`Proc::metrics_port`]) unless `vars` say otherwise, so
    /// that examples started side by side don't all want 9090.
    pub(crate) fn start(name: &str, vars: &[(&str, &str)]) -> Proc {
        Proc::start_with_stderr(name, vars, Stdio::null())
    }

    /// [`Proc::start`] with the child's stderr going to `stderr` (a file, to check
    /// that nothing is written there).
    pub(crate) fn start_with_stderr(name: &str, vars: &[(&str, &str)], stderr: Stdio) -> Proc {
        let port = free_port();
        let mut cmd = Command::new(example(name));
        cmd.env("PORT", port.to_string())
            .env("TWELVE_DOTENV", "0")
            .env_remove("RUST_LOG")
            .env_remove("LOG_LEVEL")
            .env_remove("SHUTDOWN_DELAY")
            .env_remove("SHUTDOWN_TIMEOUT")
            .env("METRICS_PORT", "0")
            .env_remove("METRICS_ENABLED")
            .stdout(Stdio::piped())
            .stderr(stderr);
        // No OpenTelemetry setting of the caller's: a test sets the ones it wants.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("OTEL_") {
                cmd.env_remove(key);
            }
        }
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("the examples are built by cargo test");
        let stdout = child.stdout.take().expect("stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Ok(mut l) = sink.lock() {
                    l.push(line);
                }
            }
        });
        Proc {
            child,
            port,
            lines,
            reader: Some(reader),
        }
    }

    /// Polls `/health/ready` until 200, for at most 30 s.
    pub(crate) fn wait_ready(&mut self) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if let Some((200, _)) = get(self.port, "/health/ready") {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("exited before ready: {status}; {:?}", self.lines());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("not ready after 30 s");
    }

    /// For services without HTTP: waits for the `started` line.
    pub(crate) fn wait_ready_by_log(&mut self) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if self
                .lines()
                .iter()
                .any(|l| l.contains("\"message\":\"started\""))
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("no started line");
    }

    /// The port of `/metrics`: `metrics_port` of the `started` line, waited for at
    /// most 30 s.
    pub(crate) fn metrics_port(&mut self) -> u16 {
        self.wait_ready_by_log();
        let started = self
            .lines()
            .into_iter()
            .find(|l| l.contains("\"message\":\"started\""))
            .and_then(|l| serde_json::from_str::<Value>(&l).ok())
            .expect("a started line");
        let port = started["metrics_port"].as_u64();
        port.and_then(|p| u16::try_from(p).ok())
            .unwrap_or_else(|| panic!("no metrics_port on {started}"))
    }

    /// Sends signal `name` (`TERM`, `INT`...) with `kill`.
    pub(crate) fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Waits at most `limit` for the exit (kills the process past it); returns the
    /// status and every stdout line, each checked to be JSON.
    pub(crate) fn wait_exit(mut self, limit: Duration) -> (ExitStatus, Vec<Value>) {
        let start = Instant::now();
        let status = loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                break status;
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                panic!("did not exit within {limit:?}: {:?}", self.lines());
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        let json = self
            .lines()
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect();
        (status, json)
    }

    /// The stdout lines so far.
    pub(crate) fn lines(&self) -> Vec<String> {
        self.lines.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP/1.1 GET on a fresh connection; status code and body.
pub(crate) fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .ok()?;
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

/// One keep-alive HTTP/1.1 client: request, then read exactly one response.
pub(crate) struct Client {
    stream: BufReader<TcpStream>,
}

impl Client {
    /// Connects to 127.0.0.1:`port`; reads time out after 10 s.
    pub(crate) fn connect(port: u16) -> std::io::Result<Client> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        Ok(Client {
            stream: BufReader::new(stream),
        })
    }

    /// `GET path` on the connection; the status code (the body is read and dropped).
    pub(crate) fn get(&mut self, path: &str) -> std::io::Result<u16> {
        write!(
            self.stream.get_mut(),
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        )?;
        let mut status_line = String::new();
        self.stream.read_line(&mut status_line)?;
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {status_line:?}")))?;
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            self.stream.read_line(&mut header)?;
            if header == "\r\n" || header.is_empty() {
                break;
            }
            if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body)?;
        Ok(status)
    }
}
