//! The runtime as a process, twelve's `examples/web` against the same route on bare
//! axum (`benches/fixtures/bare_axum.rs`), each a real child process on 127.0.0.1:
//!
//! - `exec_to_ready`: from spawn until `GET /health/ready` answers 200 (polled every
//!   1 ms, one raw HTTP/1.1 request per connection);
//! - `sigterm_to_exit` (idle, `SHUTDOWN_DELAY=0s`): from one `kill(2)` of SIGTERM until
//!   the process has exited (`try_wait` polled every 1 ms);
//! - the same two, outside criterion, web and bare axum alternating run by run (200
//!   each): medians, 90th percentiles, and means less half a poll interval (the first
//!   poll comes after a random fraction of the interval, so such a mean estimates the
//!   real mean, not one rounded up to the next poll) and their ratio;
//! - throughput, outside criterion: 16 client threads, each with one keep-alive
//!   connection doing `GET /quote?items=3` for 2 s; requests/s and the server's CPU time
//!   per request, for web with its default logging (info: two lines per request, stdout
//!   to /dev/null), web with `LOG_LEVEL=warn`, and bare axum. Three interleaved rounds;
//!   the median is reported.
//!
//! `cargo bench` does not build examples, so this bench builds the two binaries first,
//! in release, the way a user's crate builds them: a package of its own under
//! `<target>/bench-standalone/` with `examples/web/main.rs` and
//! `benches/fixtures/bare_axum.rs` as binaries and only what they need as dependencies
//! (see [`Build`]; `TWELVE_BENCH_BUILD=workspace` builds them in this workspace
//! instead, where `web` also links the dev-dependencies' features). Every child gets an empty
//! environment plus `PORT`, `TWELVE_DOTENV=0` and, for web, `SHUTDOWN_DELAY=0s`.
//!
//! `cargo bench -p twelve-benches --bench runtime`; `TWELVE_BENCH_THROUGHPUT=0` skips the throughput
//! runs; `TWELVE_BENCH_POLL_US=50` polls every 50 µs instead of 1 ms;
//! `TWELVE_BENCH_EXAMPLES=<dir>` runs the `web` and `bare-axum` binaries found in `<dir>`
//! instead of building them. Figures in BENCHMARKS.md.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};

/// How long a child may take to become ready, or to exit, before the bench fails.
const PATIENCE: Duration = Duration::from_secs(10);
/// The interval of the readiness and exit polls: 1 ms, or `TWELVE_BENCH_POLL_US`
/// microseconds (for a finer look at small differences).
fn poll_interval() -> Duration {
    static POLL: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *POLL.get_or_init(|| {
        let micros = std::env::var("TWELVE_BENCH_POLL_US")
            .ok()
            .and_then(|text| text.parse().ok())
            .unwrap_or(1000);
        Duration::from_micros(micros)
    })
}
/// Client threads of the throughput run, one keep-alive connection each.
const CLIENTS: usize = 16;
/// How long each throughput run lasts.
const LOAD_TIME: Duration = Duration::from_secs(2);
/// Throughput rounds; each runs every peer once, in turn.
const ROUNDS: usize = 3;
/// Runs of each peer in the paired startup and shutdown summary.
const PAIRED_RUNS: usize = 200;

/// A server under test.
#[derive(Clone, Copy, PartialEq)]
enum Peer {
    /// `examples/web` with its defaults (LOG_LEVEL=info).
    Web,
    /// `examples/web` with `LOG_LEVEL=warn`: no request lines.
    WebWarn,
    /// `benches/fixtures/bare_axum.rs`.
    Bare,
}

impl Peer {
    fn name(self) -> &'static str {
        match self {
            Peer::Web => "web",
            Peer::WebWarn => "web_log_warn",
            Peer::Bare => "bare_axum",
        }
    }

    /// The command for this peer on `port`: an empty environment, stdout and stderr
    /// to /dev/null, run from the temp directory (no `.env` either way).
    fn command(self, binaries: &Binaries, port: u16) -> Command {
        let binary = match self {
            Peer::Web | Peer::WebWarn => &binaries.web,
            Peer::Bare => &binaries.bare_axum,
        };
        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("PORT", port.to_string())
            .env("TWELVE_DOTENV", "0")
            .current_dir(std::env::temp_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if self != Peer::Bare {
            command.env("SHUTDOWN_DELAY", "0s");
        }
        if self == Peer::WebWarn {
            command.env("LOG_LEVEL", "warn");
        }
        command
    }
}

/// How the two binaries are built: as a user's crate would build them (the default),
/// or in this workspace (`web` as its example, `bare-axum` as this package's binary).
#[derive(Clone, Copy, PartialEq)]
enum Build {
    /// A package of its own, generated under the bench's target directory, with
    /// `examples/web/main.rs` and `benches/fixtures/bare_axum.rs` as its two binaries
    /// and only what they need as dependencies (`twelve` by path with the `axum`
    /// feature). This is what a service built on twelve links.
    Standalone,
    /// `cargo build -p twelve --example web -p twelve-benches --bin bare-axum` in this
    /// workspace: examples are linked with every dev-dependency's features (proptest
    /// turns on regex-syntax's Unicode tables, which tracing-subscriber's `EnvFilter`
    /// then carries), a cost no user's binary has (BENCHMARKS.md).
    Workspace,
}

/// The two benchmarked binaries.
struct Binaries {
    /// `examples/web`.
    web: PathBuf,
    /// `benches/fixtures/bare_axum.rs`.
    bare_axum: PathBuf,
}

impl Binaries {
    /// `web` and `bare-axum` in `dir`.
    fn in_dir(dir: &Path) -> Binaries {
        Binaries {
            web: dir.join("web"),
            bare_axum: dir.join("bare-axum"),
        }
    }
}

impl Build {
    fn from_env() -> Build {
        match std::env::var("TWELVE_BENCH_BUILD").as_deref() {
            Ok("workspace") => Build::Workspace,
            Ok("standalone") | Err(_) => Build::Standalone,
            Ok(other) => panic!("TWELVE_BENCH_BUILD={other}: expected standalone or workspace"),
        }
    }
}

/// Builds the two binaries in release into this bench's target directory.
fn build_binaries(build: Build) -> Binaries {
    let exe = std::env::current_exe().expect("the bench binary's path");
    // <target>/release/deps/runtime-<hash>
    let release = exe
        .parent()
        .and_then(Path::parent)
        .expect("the bench runs from <target>/release/deps");
    let target = release.parent().expect("<target>");
    // The workspace's root: this package is its `benches/`.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("benches/ is in the workspace root");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.arg("build").arg("--release").stdout(Stdio::null());
    let binaries = match build {
        Build::Workspace => {
            command
                .args(["-p", "twelve", "--example", "web"])
                .args(["-p", "twelve-benches", "--bin", "bare-axum"])
                .arg("--manifest-path")
                .arg(root.join("Cargo.toml"))
                .env("CARGO_TARGET_DIR", target);
            Binaries {
                web: release.join("examples").join("web"),
                bare_axum: release.join("bare-axum"),
            }
        }
        Build::Standalone => {
            let package = target.join("bench-standalone");
            write_standalone_package(root, &package);
            command
                .arg("--manifest-path")
                .arg(package.join("Cargo.toml"))
                .env("CARGO_TARGET_DIR", package.join("target"));
            Binaries::in_dir(&package.join("target").join("release"))
        }
    };
    let status = command.status().expect("cargo runs");
    assert!(status.success(), "building the benchmarked binaries failed");
    binaries
}

/// The package of [`Build::Standalone`]: this workspace's `Cargo.lock` is copied in so
/// both builds use the same versions of every crate.
fn write_standalone_package(root: &Path, package: &Path) {
    std::fs::create_dir_all(package).expect("create the standalone package directory");
    let path = |p: &Path| p.display().to_string().replace('\\', "/");
    let manifest = format!(
        r#"# Generated by benches/runtime.rs: the benchmarked binaries, built as a user's crate.
[package]
name = "twelve-bench-standalone"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
twelve = {{ path = "{root}", features = ["axum"] }}
axum = {{ version = "0.8", default-features = false, features = ["http1", "json", "query", "tokio"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
tokio = {{ version = "1", features = ["rt-multi-thread", "macros", "net", "signal"] }}
tracing = "0.1"

[[bin]]
name = "web"
path = "{web}"

[[bin]]
name = "bare-axum"
path = "{bare}"
"#,
        root = path(root),
        web = path(&root.join("examples/web/main.rs")),
        bare = path(&root.join("benches/fixtures/bare_axum.rs")),
    );
    std::fs::write(package.join("Cargo.toml"), manifest).expect("write Cargo.toml");
    std::fs::copy(root.join("Cargo.lock"), package.join("Cargo.lock")).expect("copy Cargo.lock");
}

/// A port free on 127.0.0.1 right now.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// One `GET /health/ready` on a new connection: true on a 200.
fn ready_once(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let request = b"GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if stream.write_all(request).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

/// The sleeps between polls: the first a random fraction of [`poll_interval`], the
/// others the whole interval. The random phase spreads the polls evenly over the
/// moment they look for, so a mean over many runs is the real mean plus half an
/// interval, whichever side of a poll the event tends to fall on (without it, a
/// difference of 0.2 ms can show as 0 or as 1 ms).
fn poll_sleeps() -> impl Iterator<Item = Duration> {
    use std::hash::{BuildHasher as _, Hasher as _};
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let interval = poll_interval();
    let first = interval.mul_f64((random % 1_000_000) as f64 / 1e6);
    std::iter::once(first).chain(std::iter::repeat(interval))
}

/// Polls readiness every [`poll_interval`] (after a random first phase) until a 200.
fn wait_ready(child: &mut Child, port: u16) {
    let start = Instant::now();
    let mut sleeps = poll_sleeps();
    while !ready_once(port) {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the server exited before it was ready: {status}");
        }
        assert!(start.elapsed() < PATIENCE, "the server is not ready");
        std::thread::sleep(sleeps.next().unwrap_or_default());
    }
}

/// Sends one SIGTERM.
fn sigterm(child: &Child) {
    rustix::process::kill_process(
        rustix::process::Pid::from_child(child),
        rustix::process::Signal::TERM,
    )
    .expect("kill(2)");
}

/// Polls `try_wait` every [`poll_interval`] (after a random first phase) until the
/// child has exited; panics unless it exited with 0.
fn wait_exit(child: &mut Child) {
    let start = Instant::now();
    let mut sleeps = poll_sleeps();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            assert!(status.success(), "the server exited with {status}");
            return;
        }
        if start.elapsed() > PATIENCE {
            let _ = child.kill();
            panic!("the server did not exit within {PATIENCE:?} of SIGTERM");
        }
        std::thread::sleep(sleeps.next().unwrap_or_default());
    }
}

/// Spawns `peer` on a free port and waits until it is ready. Returns the child, its
/// port and the exec-to-ready time.
fn start(peer: Peer, binaries: &Binaries) -> (Child, u16, Duration) {
    let port = free_port();
    let mut command = peer.command(binaries, port);
    let start = Instant::now();
    let mut child = command.spawn().expect("the server starts");
    wait_ready(&mut child, port);
    let ready = start.elapsed();
    (child, port, ready)
}

/// Stops the child (SIGTERM) and returns the SIGTERM-to-exit time.
fn stop(mut child: Child) -> Duration {
    let start = Instant::now();
    sigterm(&child);
    wait_exit(&mut child);
    start.elapsed()
}

fn exec_to_ready(c: &mut Criterion, binaries: &Binaries) {
    let mut group = c.benchmark_group("exec_to_ready");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(6));
    for peer in [Peer::Web, Peer::Bare] {
        group.bench_function(peer.name(), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (child, _, ready) = start(peer, binaries);
                    total += ready;
                    stop(child);
                }
                total
            })
        });
    }
    group.finish();
}

fn sigterm_to_exit(c: &mut Criterion, binaries: &Binaries) {
    let mut group = c.benchmark_group("sigterm_to_exit_idle");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    for peer in [Peer::Web, Peer::Bare] {
        group.bench_function(peer.name(), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (child, _, _) = start(peer, binaries);
                    total += stop(child);
                }
                total
            })
        });
    }
    group.finish();
}

/// One client: a keep-alive connection doing `GET /quote?items=3` until `until`.
/// Returns the number of 200 responses.
fn client(port: u16, barrier: &Barrier, until: &dyn Fn() -> bool) -> u64 {
    let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    let request = b"GET /quote?items=3 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    let mut line = String::new();
    let mut body = Vec::new();
    let mut done = 0;
    barrier.wait();
    while !until() {
        writer.write_all(request).expect("send");
        line.clear();
        reader.read_line(&mut line).expect("status line");
        assert!(line.starts_with("HTTP/1.1 200"), "status: {line:?}");
        let mut length = 0;
        loop {
            line.clear();
            reader.read_line(&mut line).expect("header");
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().expect("content-length");
                }
            }
        }
        body.resize(length, 0);
        reader.read_exact(&mut body).expect("body");
        done += 1;
    }
    done
}

/// The CPU time (user + system) the process has used so far, from /proc.
fn cpu_time(pid: u32, ticks_per_second: f64) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the `(comm)`; utime and stime are fields 14 and 15 of the line.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<f64>().ok()))
        .sum();
    Duration::from_secs_f64(ticks / ticks_per_second)
}

fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100.0)
}

/// One throughput run of `peer`.
struct Load {
    requests_per_second: f64,
    cpu_us_per_request: f64,
}

fn load(peer: Peer, binaries: &Binaries, ticks: f64) -> Load {
    let (child, port, _) = start(peer, binaries);
    let pid = child.id();
    let barrier = Arc::new(Barrier::new(CLIENTS + 1));
    let deadline = Arc::new(std::sync::OnceLock::<Instant>::new());
    let threads: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let barrier = Arc::clone(&barrier);
            let deadline = Arc::clone(&deadline);
            std::thread::spawn(move || {
                let until = || deadline.get().is_some_and(|end| Instant::now() >= *end);
                client(port, &barrier, &until)
            })
        })
        .collect();
    let cpu_before = cpu_time(pid, ticks);
    let start = Instant::now();
    deadline.set(start + LOAD_TIME).expect("set once");
    barrier.wait();
    let requests: u64 = threads
        .into_iter()
        .map(|t| t.join().expect("client thread"))
        .sum();
    let elapsed = start.elapsed();
    let cpu = cpu_time(pid, ticks).saturating_sub(cpu_before);
    stop(child);
    Load {
        requests_per_second: requests as f64 / elapsed.as_secs_f64(),
        cpu_us_per_request: cpu.as_secs_f64() * 1e6 / requests as f64,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The throughput runs, outside criterion: printed as a markdown table.
fn throughput(binaries: &Binaries) {
    let ticks = ticks_per_second();
    let peers = [Peer::Web, Peer::WebWarn, Peer::Bare];
    let mut runs: Vec<Vec<Load>> = peers.iter().map(|_| Vec::new()).collect();
    for _ in 0..ROUNDS {
        for (i, peer) in peers.iter().enumerate() {
            runs[i].push(load(*peer, binaries, ticks));
        }
    }
    let bare = median(
        runs[2]
            .iter()
            .map(|load| load.requests_per_second)
            .collect(),
    );
    println!();
    println!(
        "throughput: {CLIENTS} keep-alive clients, GET /quote?items=3, {} s per run, \
         median of {ROUNDS} interleaved runs",
        LOAD_TIME.as_secs()
    );
    println!();
    println!("| peer | requests/s (median) | runs | vs bare axum | server CPU µs/request |");
    println!("|---|---:|---|---:|---:|");
    for (peer, loads) in peers.iter().zip(&runs) {
        let rps = median(loads.iter().map(|load| load.requests_per_second).collect());
        let cpu = median(loads.iter().map(|load| load.cpu_us_per_request).collect());
        let each: Vec<String> = loads
            .iter()
            .map(|load| format!("{:.0}", load.requests_per_second))
            .collect();
        println!(
            "| {} | {rps:.0} | {} | {:.2}x | {cpu:.1} |",
            peer.name(),
            each.join(", "),
            rps / bare
        );
    }
    println!();
}

/// Exec-to-ready and SIGTERM-to-exit again, outside criterion, web and bare axum
/// alternating run by run (so that load from elsewhere on the machine hits both alike):
/// medians and 90th percentiles, printed as a markdown table.
fn paired(binaries: &Binaries) {
    let peers = [Peer::Web, Peer::Bare];
    let mut ready: Vec<Vec<f64>> = vec![Vec::new(); peers.len()];
    let mut exit: Vec<Vec<f64>> = vec![Vec::new(); peers.len()];
    for _ in 0..PAIRED_RUNS {
        for (i, peer) in peers.iter().enumerate() {
            let (child, _, to_ready) = start(*peer, binaries);
            ready[i].push(to_ready.as_secs_f64() * 1e3);
            exit[i].push(stop(child).as_secs_f64() * 1e3);
        }
    }
    let quantile = |values: &[f64], q: f64| {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        sorted[((sorted.len() - 1) as f64 * q).round() as usize]
    };
    // With the random poll phase, a mean is the real mean plus half an interval.
    let half_poll = poll_interval().as_secs_f64() * 1e3 / 2.0;
    let real_mean = |values: &[f64]| values.iter().sum::<f64>() / values.len() as f64 - half_poll;
    println!();
    println!(
        "paired: {PAIRED_RUNS} runs of each, web and bare axum alternating, polls every {} µs \
         (random first phase); \"mean - poll/2\" estimates the real mean",
        poll_interval().as_micros()
    );
    println!();
    println!(
        "| measure | web median | web p90 | bare axum median | bare axum p90 | web mean - poll/2 | bare axum mean - poll/2 | web / bare (means - poll/2) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (name, values) in [
        ("exec to ready (ms)", &ready),
        ("SIGTERM to exit, idle (ms)", &exit),
    ] {
        let (web, bare) = (&values[0], &values[1]);
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2}x |",
            quantile(web, 0.5),
            quantile(web, 0.9),
            quantile(bare, 0.5),
            quantile(bare, 0.9),
            real_mean(web),
            real_mean(bare),
            real_mean(web) / real_mean(bare)
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let listing = args.iter().any(|arg| arg == "--list");
    // Testing and profiling run criterion's part only.
    let testing = args
        .iter()
        .any(|arg| arg == "--test" || arg == "--profile-time");
    let mut c = Criterion::default().configure_from_args();
    // `--list` runs no benchmark: nothing to build.
    let binaries = match std::env::var_os("TWELVE_BENCH_EXAMPLES").filter(|dir| !dir.is_empty()) {
        Some(dir) => Binaries::in_dir(Path::new(&dir)),
        None if listing => Binaries::in_dir(Path::new("")),
        None => build_binaries(Build::from_env()),
    };
    exec_to_ready(&mut c, &binaries);
    sigterm_to_exit(&mut c, &binaries);
    c.final_summary();
    let skip = std::env::var("TWELVE_BENCH_THROUGHPUT").is_ok_and(|v| v == "0");
    if !(listing || testing) {
        paired(&binaries);
    }
    if !(listing || testing || skip) {
        throughput(&binaries);
    }
}
