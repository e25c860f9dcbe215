//! The example binaries (`examples/` and the fixtures in `tests/fixtures/`) run as real
//! processes: started on a free port from a clean environment, their stdout read line
//! by line, stopped with real signals, spoken to over HTTP/1.1 on 127.0.0.1. Every
//! other child process of the tests (this test binary again, promtool, prometheus)
//! starts from [`clean_command`] too, and every wait on one is bounded
//! ([`output_within`], [`wait_within`]).

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long a child process may run, or a socket go silent, before the test fails
/// saying what hung: generous, for a debug build on a loaded 2-core machine, and far
/// below "forever".
pub(crate) const LIMIT: Duration = Duration::from_secs(60);

/// The caller's variables a child keeps: where programs and shared libraries are
/// found, the temporary directory, and where a coverage run wants its profiles. None
/// of them is read by twelve, so a developer's `LOG_FORMAT`, `RUST_LOG`, `PORT`,
/// `METRICS_PORT`, `OTEL_*`, `DD_ENV`, `GOOGLE_CLOUD_PROJECT`... never reach a test's
/// process.
const KEPT: &[&str] = &["PATH", "LD_LIBRARY_PATH", "TMPDIR", "LLVM_PROFILE_FILE"];

/// `program`, to start from a clean environment: the caller's [`KEPT`] variables only,
/// and `METRICS_PORT=0`, so that with feature `metrics` a service serves `/metrics` on
/// a free port, never on the default 9090 that another process (a Prometheus, another
/// test's service) may hold. The test sets what it wants on top, `METRICS_PORT`
/// included.
pub(crate) fn clean_command(program: impl AsRef<OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear();
    for key in KEPT {
        if let Some(value) = std::env::var_os(key) {
            cmd.env(key, value);
        }
    }
    cmd.env("METRICS_PORT", "0");
    cmd
}

/// Runs `cmd` to its end (stdin empty, stdout and stderr collected) for at most
/// `limit`; past it, kills it and fails the test naming `what` and what it printed.
pub(crate) fn output_within(cmd: &mut Command, limit: Duration, what: &str) -> Output {
    output_with_input(cmd, &[], limit, what)
}

/// [`output_within`], with `input` written to the child's stdin (from a thread, so
/// that a child that never reads can't block the test either).
pub(crate) fn output_with_input(
    cmd: &mut Command,
    input: &[u8],
    limit: Duration,
    what: &str,
) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        let input = input.to_vec();
        // Dropped at the end: the child sees the end of its input.
        std::thread::spawn(move || stdin.write_all(&input));
    }
    wait_within(child, limit, what)
}

/// `Child::wait_with_output` for at most `limit` (from the child's start): past it,
/// kills the child and fails the test naming `what`, with the output so far.
pub(crate) fn wait_within(mut child: Child, limit: Duration, what: &str) -> Output {
    let start = Instant::now();
    let stdout = child.stdout.take().map(Drain::start);
    let stderr = child.stderr.take().map(Drain::start);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() < limit => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    // The pipes end with the child, unless a process it started holds them: a few
    // seconds more for what is still buffered, never the rest of the limit.
    let grace = Instant::now() + Duration::from_secs(5);
    let stdout = stdout.map(|d| d.finish(grace)).unwrap_or_default();
    let stderr = stderr.map(|d| d.finish(grace)).unwrap_or_default();
    match status {
        Some(status) => Output {
            status,
            stdout,
            stderr,
        },
        None => panic!(
            "{what} did not end within {limit:?} (killed it)\n--- stdout ---\n{}\n--- stderr \
             ---\n{}",
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&stderr)
        ),
    }
}

/// A pipe read to its end by a thread of its own; what it read so far is kept.
struct Drain {
    read: Arc<Mutex<Vec<u8>>>,
    done: Arc<AtomicBool>,
}

impl Drain {
    fn start(mut pipe: impl Read + Send + 'static) -> Drain {
        let read = Arc::new(Mutex::new(Vec::new()));
        let done = Arc::new(AtomicBool::new(false));
        let (sink, end) = (read.clone(), done.clone());
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(n @ 1..) = pipe.read(&mut buffer) {
                if let Ok(mut sink) = sink.lock() {
                    sink.extend_from_slice(&buffer[..n]);
                }
            }
            end.store(true, Ordering::Release);
        });
        Drain { read, done }
    }

    /// What was read, once the pipe ended or at `deadline`.
    fn finish(self, deadline: Instant) -> Vec<u8> {
        while !self.done.load(Ordering::Acquire) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        self.read.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

/// Sends signal `name` (`TERM`, `INT`, `HUP`, `QUIT`, `KILL`, `USR1`, `USR2`) to process
/// `pid` with kill(2): no `kill` program needed.
pub(crate) fn send_signal(pid: u32, name: &str) {
    use rustix::process::{Pid, Signal, kill_process};
    let signal = match name {
        "TERM" => Signal::TERM,
        "INT" => Signal::INT,
        "HUP" => Signal::HUP,
        "QUIT" => Signal::QUIT,
        "KILL" => Signal::KILL,
        "USR1" => Signal::USR1,
        "USR2" => Signal::USR2,
        other => panic!("signal {other} is not one send_signal knows"),
    };
    let pid = i32::try_from(pid)
        .ok()
        .and_then(Pid::from_raw)
        .unwrap_or_else(|| panic!("{pid} is not a process ID"));
    kill_process(pid, signal).unwrap_or_else(|e| panic!("kill -{name} {pid}: {e}"));
}

/// A connection to 127.0.0.1:`port` whose reads and writes time out after [`LIMIT`],
/// so that a silent peer fails the test instead of hanging it.
pub(crate) fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port))
        .unwrap_or_else(|e| panic!("connect to 127.0.0.1:{port}: {e}"));
    stream
        .set_read_timeout(Some(LIMIT))
        .and_then(|()| stream.set_write_timeout(Some(LIMIT)))
        .expect("socket timeouts");
    stream
}

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
        "{} is not built: run the whole `cargo test --all-features`, or \
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
    /// Starts example `name` on a free `PORT`, from a clean environment
    /// ([`clean_command`]: none of the caller's settings) and without `.env`
    /// (`TWELVE_DOTENV=0`), then `vars` on top; stderr is dropped. With feature
    /// `metrics` the runtime also serves `/metrics`: on a free port (`METRICS_PORT=0`,
    /// see [`Proc::metrics_port`]) unless `vars` say otherwise, so that examples started
    /// side by side don't all want 9090.
    pub(crate) fn start(name: &str, vars: &[(&str, &str)]) -> Proc {
        Proc::start_with_stderr(name, vars, Stdio::null())
    }

    /// [`Proc::start`] with the child's stderr going to `stderr` (a file, to check
    /// that nothing is written there).
    pub(crate) fn start_with_stderr(name: &str, vars: &[(&str, &str)], stderr: Stdio) -> Proc {
        Proc::start_program(example(name), vars, stderr)
    }

    /// [`Proc::start_with_stderr`] of the binary at `program` (one built apart, not an
    /// example of this package).
    #[allow(dead_code)] // each test binary uses its part of the support module
    pub(crate) fn start_program(program: PathBuf, vars: &[(&str, &str)], stderr: Stdio) -> Proc {
        let port = free_port();
        let mut cmd = clean_command(program);
        cmd.env("PORT", port.to_string())
            .env("TWELVE_DOTENV", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr);
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

    /// Sends signal `name` (`TERM`, `INT`...), with kill(2) ([`send_signal`]).
    pub(crate) fn signal(&self, name: &str) {
        send_signal(self.child.id(), name);
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
        // The pipe ends with the process; bounded all the same.
        if let Some(reader) = self.reader.take() {
            let start = Instant::now();
            while !reader.is_finished() && start.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_millis(5));
            }
            assert!(reader.is_finished(), "stdout still open after the exit");
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

/// The `errors` of a `configuration error` line: one string per problem (the line's
/// contract), each checked to be a string.
pub(crate) fn config_errors(line: &Value) -> Vec<&str> {
    line["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("errors is an array: {line}"))
        .iter()
        .map(|e| {
            e.as_str()
                .unwrap_or_else(|| panic!("each error is a string: {e}"))
        })
        .collect()
}
