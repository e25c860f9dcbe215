//! The cost per request of exporting spans (feature `otel`): twelve's runtime with
//! `OTEL_EXPORTER_OTLP_ENDPOINT` set (`CorrelationLayer`'s server span, `always_on`)
//! against the peer stack a user glues by hand, both exporting every span over
//! OTLP/HTTP protobuf to the same in-process sink (`support/otlp_sink.rs`: decodes
//! each request with the official types, counts the spans):
//!
//! - `twelve`: `twelve::Runtime` (the runtime of `#[twelve::main]`, its JSON lines to
//!   stdout, here `/dev/null`) with `OTEL_EXPORTER_OTLP_ENDPOINT`,
//!   `OTEL_TRACES_SAMPLER=always_on`, an axum `Router` with one trivial handler and
//!   `CorrelationLayer::default()` (each request a server span with the HTTP
//!   conventions' attributes, and one log line);
//! - `twelve_no_endpoint`: the same runtime without the endpoint (nothing installed);
//! - `peer`: tower-http's `SetRequestIdLayer` + `TraceLayer` (its span and its
//!   `on_response` at INFO, so that the span is exported and a line logged) +
//!   `PropagateRequestIdLayer`, on a `tracing-subscriber` registry with its JSON
//!   `fmt` layer (to stdout, `/dev/null`) and `tracing-opentelemetry`'s layer over an
//!   `opentelemetry_sdk` provider (`AlwaysOn`, batch processor) and
//!   `opentelemetry-otlp`'s http/protobuf exporter (its default client, blocking
//!   reqwest) to the same sink.
//!
//! Each run is a child process (the runtime is one per process; each reads its
//! settings from its environment): it starts the sink, makes [`WARMUP`] requests, then
//! `n` timed ones through `ServiceExt::ready` + `call` on a current-thread tokio
//! runtime (as `benches/http.rs` does), flushes, and checks that the sink got a span
//! per request (so no stack is cheap by dropping spans: the queues hold 65,536). The
//! parent runs the stacks in turns, [`ROUNDS`] rounds, and prints the medians (ns per
//! request) and twelve ÷ peer per round.
//!
//! - `cargo bench -p twelve-benches --features otel --bench otel`;
//! - `TWELVE_BENCH_OTEL_CALLGRIND=1`: instead, each stack under
//!   `valgrind --tool=callgrind` at 300 and 2,300 requests: instructions per request,
//!   every thread counted (the export's encoding and HTTP included);
//! - `TWELVE_BENCH_OTEL_RUN=<stack>,<n>` (with `TWELVE_BENCH_OTEL_SINK_PORT` and, for
//!   twelve, the `OTEL_*` variables): one child run, by hand or under a profiler.
//!
//! Figures in BENCHMARKS.md.

#[path = "support/otlp_sink.rs"]
mod otlp_sink;

#[path = "support/median.rs"]
mod median;
use median::median;

use std::hint::black_box;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use tower::{Service as _, ServiceBuilder};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;

/// Requests before the timed ones, in each child.
const WARMUP: u64 = 2_000;
/// Timed requests per child run.
const REQUESTS: u64 = 20_000;
/// Rounds of the parent; each runs every stack once.
const ROUNDS: usize = 8;
/// The spans a batch processor may hold: more than a run makes, so none is dropped.
const QUEUE: &str = "65536";

const STACKS: [&str; 3] = ["twelve", "peer", "twelve_no_endpoint"];

async fn hello() -> &'static str {
    "hello"
}

fn base() -> Router {
    Router::new().route("/hello", get(hello))
}

/// `iters` requests through `router`, one after the other.
async fn drive(router: &Router, iters: u64) -> Duration {
    let mut service = router.clone();
    let start = Instant::now();
    for _ in 0..iters {
        let ready = tower::ServiceExt::<Request<Body>>::ready(&mut service)
            .await
            .expect("ready");
        let request = Request::get("/hello").body(Body::empty()).expect("request");
        let response = ready.call(request).await.expect("response");
        black_box(response);
    }
    start.elapsed()
}

/// Warm-up, then `n` timed requests, on a current-thread runtime of this thread.
fn measure(router: Router, n: u64) -> Duration {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        drive(&router, WARMUP.min(n)).await;
        drive(&router, n).await
    })
}

/// One child run: `spec` is `<stack>,<n>`. Prints `result <ns per request> <spans>`
/// on stderr.
fn child(spec: &str) {
    let (stack, n) = spec
        .split_once(',')
        .expect("TWELVE_BENCH_OTEL_RUN=<stack>,<n>");
    let n: u64 = n.parse().expect("a number of requests");
    let port: u16 = std::env::var("TWELVE_BENCH_OTEL_SINK_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let sink = otlp_sink::OtlpSink::start_on(port);
    let expected = n + WARMUP.min(n);
    let (elapsed, exporting) = match stack {
        "twelve" | "twelve_no_endpoint" => (twelve(n), stack == "twelve"),
        "peer" => (peer(&sink, n), true),
        other => panic!("no stack {other}: twelve, twelve_no_endpoint or peer"),
    };
    if exporting {
        assert!(
            sink.wait_for_spans(expected, Duration::from_secs(30)),
            "{stack}: {} spans of {expected} arrived ({} requests, {} refused)",
            sink.spans(),
            sink.requests(),
            sink.refused()
        );
    }
    let ns = elapsed.as_secs_f64() * 1e9 / n as f64;
    eprintln!("result {ns:.1} {}", sink.spans());
}

/// twelve's runtime, configured by this process's environment.
fn twelve(n: u64) -> Duration {
    let elapsed = std::sync::Arc::new(std::sync::Mutex::new(Duration::ZERO));
    let out = elapsed.clone();
    let code = twelve::Runtime::new(twelve::ServiceInfo::new("bench", "0.1.0"))
        .cli(false)
        .run(move |(), app: twelve::App| async move {
            let router = base().layer(twelve::http::CorrelationLayer::default());
            let took = tokio::task::spawn_blocking(move || measure(router, n))
                .await
                .map_err(std::io::Error::other)?;
            if let Ok(mut slot) = out.lock() {
                *slot = took;
            }
            app.shutdown().trigger();
            Ok::<(), std::io::Error>(())
        });
    assert_eq!(code, std::process::ExitCode::SUCCESS);
    *elapsed.lock().expect("lock")
}

/// The peer stack, exporting to `sink`.
fn peer(sink: &otlp_sink::OtlpSink, n: u64) -> Duration {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        // Said, not left to the default: with `http-json` enabled in the build
        // (twelve enables it), the crate's default would be JSON.
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_endpoint(sink.traces_url())
        .build()
        .expect("the OTLP exporter");
    let batch = opentelemetry_sdk::trace::BatchSpanProcessor::builder(exporter)
        .with_batch_config(
            opentelemetry_sdk::trace::BatchConfigBuilder::default()
                .with_max_queue_size(QUEUE.parse().expect("a number"))
                .build(),
        )
        .build();
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_span_processor(batch)
        .with_sampler(opentelemetry_sdk::trace::Sampler::AlwaysOn)
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name("bench")
                .build(),
        )
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .json()
                .with_writer(std::io::stdout)
                .with_filter(tracing::level_filters::LevelFilter::INFO),
        )
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("bench")));
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    let layers = ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::x_request_id());
    let elapsed = measure(base().layer(layers), n);
    provider.shutdown().expect("the flush");
    elapsed
}

/// A port free on 127.0.0.1 now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The command of a child run of `stack` with `n` requests, its environment its own.
fn command(program: &str, args: &[String], stack: &str, n: u64) -> Command {
    let port = free_port();
    let mut command = Command::new(program);
    command
        .args(args)
        .env_clear()
        .env("TWELVE_BENCH_OTEL_RUN", format!("{stack},{n}"))
        .env("TWELVE_BENCH_OTEL_SINK_PORT", port.to_string())
        .env("TWELVE_DOTENV", "0")
        .env("METRICS_ENABLED", "false")
        .env("SHUTDOWN_TIMEOUT", "120s")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    if stack == "twelve" {
        command
            .env(
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("http://127.0.0.1:{port}"),
            )
            .env("OTEL_TRACES_SAMPLER", "always_on")
            .env("OTEL_BSP_MAX_QUEUE_SIZE", QUEUE);
    }
    command
}

/// Runs `command` to its end; its stderr.
fn run(mut command: Command) -> String {
    let output = command.output().expect("the child runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{command:?}: {stderr}");
    stderr
}

/// The `result` line's ns per request.
fn result(stderr: &str) -> f64 {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("result "))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|ns| ns.parse().ok())
        .unwrap_or_else(|| panic!("no result in {stderr}"))
}

/// The stacks in turns; medians and ratios.
fn interleaved(exe: &str, rounds: usize, n: u64) {
    let mut times = vec![Vec::new(); STACKS.len()];
    let mut ratios = Vec::new();
    for round in 0..rounds {
        for (i, stack) in STACKS.iter().enumerate() {
            let ns = result(&run(command(exe, &[], stack, n)));
            times[i].push(ns);
        }
        let ratio = times[0][round] / times[1][round];
        eprintln!(
            "round {}: twelve {:.0} ns, peer {:.0} ns, twelve without endpoint {:.0} ns; twelve / peer {ratio:.3}",
            round + 1,
            times[0][round],
            times[1][round],
            times[2][round]
        );
        ratios.push(ratio);
    }
    println!();
    println!(
        "{rounds} rounds of {n} requests per stack (after {WARMUP} warm-up), median ns per request"
    );
    println!();
    println!(
        "| twelve, exporting | peer, exporting | twelve, no endpoint | twelve ÷ peer (median of rounds) |"
    );
    println!("|---:|---:|---:|---:|");
    println!(
        "| {:.0} | {:.0} | {:.0} | {:.3} |",
        median(&times[0]),
        median(&times[1]),
        median(&times[2]),
        median(&ratios)
    );
    let list: Vec<String> = ratios.iter().map(|r| format!("{r:.3}")).collect();
    println!();
    println!("twelve ÷ peer per round: {}", list.join(", "));
}

/// Each stack under callgrind at two request counts: instructions per request.
fn callgrind(exe: &str) {
    let (low, high) = (300u64, 2_300u64);
    println!("| stack | instructions per request |");
    println!("|---|---:|");
    for stack in STACKS {
        let count = |n: u64| -> f64 {
            let out = std::env::temp_dir().join(format!("twelve-otel-callgrind-{stack}-{n}"));
            let args = vec![
                "--tool=callgrind".to_string(),
                format!("--callgrind-out-file={}", out.display()),
                exe.to_string(),
            ];
            let stderr = run(command("valgrind", &args, stack, n));
            let _ = std::fs::remove_file(&out);
            stderr
                .lines()
                .find_map(|l| l.split("Collected : ").nth(1))
                .and_then(|c| c.trim().parse().ok())
                .unwrap_or_else(|| panic!("no count in {stderr}"))
        };
        // Each child also makes `min(WARMUP, n)` warm-up requests.
        let total = |n: u64| (n + WARMUP.min(n)) as f64;
        let per_request = (count(high) - count(low)) / (total(high) - total(low));
        println!("| {stack} | {per_request:.0} |");
    }
}

fn main() {
    if let Ok(spec) = std::env::var("TWELVE_BENCH_OTEL_RUN") {
        child(&spec);
        return;
    }
    let exe = std::env::current_exe().expect("this bench");
    let exe = exe.to_string_lossy().into_owned();
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    // `cargo test --benches`: one short round, to see that it runs.
    if args.iter().any(|a| a == "--test") {
        interleaved(&exe, 1, 200);
        return;
    }
    if std::env::var_os("TWELVE_BENCH_OTEL_CALLGRIND").is_some() {
        callgrind(&exe);
        return;
    }
    let rounds = std::env::var("TWELVE_BENCH_OTEL_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(ROUNDS);
    interleaved(&exe, rounds, REQUESTS);
}
