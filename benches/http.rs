//! The cost per request of `twelve::http::CorrelationLayer`, in-process (no network):
//! an axum `Router` with one trivial handler, called through `ServiceExt::ready` and
//! `call` on a current-thread tokio runtime, with
//!
//! - `no_layer`: the bare router;
//! - `twelve`: `CorrelationLayer::default()` (each request a W3C span of its own: a new
//!   span ID, a new trace without `traceparent`; `trace_id` and `span_id` on its line);
//! - `tower_http`: tower-http's `SetRequestIdLayer::x_request_id(MakeRequestUuid)`,
//!   `TraceLayer::new_for_http()` with `on_response` at INFO (its default is DEBUG, which
//!   twelve's INFO filter would drop) and `PropagateRequestIdLayer::x_request_id()`;
//! - `tower_http_info_span`: the same, plus an INFO span with the method, the URI and
//!   the request ID, so that its line says as much as twelve's.
//!
//! Every layer goes on with `Router::layer`, as in `examples/web`. twelve's subscriber
//! (`twelve::log::builder()`, level info) is the global default, writing to a sink that
//! discards each line through `black_box`: each stack pays for the lines it logs (one
//! per request for every stack but `no_layer`; checked before the benchmarks run).
//!
//! Two request kinds: without an incoming ID, and with one (`x-correlation-id` and
//! `x-request-id`, the same value, so that each stack finds the header it reads).
//!
//! After criterion, the same again with the stacks taking turns (40 rounds of 20,000
//! requests each), printed as a markdown table of medians and overheads over `no_layer`.
//!
//! `cargo bench -p twelve-benches --bench http`; `TWELVE_BENCH_HTTP_RUN=twelve,1,10000` runs one stack
//! alone (see [`run_only`]). Figures in BENCHMARKS.md.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use criterion::Criterion;
use tower::{Service as _, ServiceBuilder, ServiceExt};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

#[path = "support/median.rs"]
mod median;
use median::median;

/// Lines written to the sink so far.
static LINES: AtomicU64 = AtomicU64::new(0);
/// While set, the sink keeps the lines in [`CAPTURED`] (the check pass only).
static CAPTURE: AtomicBool = AtomicBool::new(false);
static CAPTURED: Mutex<Vec<String>> = Mutex::new(Vec::new());

const ID: &str = "0193a1f0-7c2e-7a31-8f0e-3b9c1d2e4f5a";

async fn hello() -> &'static str {
    "hello"
}

fn base() -> Router {
    Router::new().route("/hello", get(hello))
}

/// The stacks under test, by name.
fn stacks() -> Vec<(&'static str, Router)> {
    let tower_http = ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(TraceLayer::new_for_http().on_response(DefaultOnResponse::new().level(Level::INFO)))
        .layer(PropagateRequestIdLayer::x_request_id());
    let tower_http_info_span = ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<Body>| {
                    let id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        uri = %request.uri(),
                        request_id = id,
                    )
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::x_request_id());
    vec![
        ("no_layer", base()),
        (
            "twelve",
            base().layer(twelve::http::CorrelationLayer::default()),
        ),
        ("tower_http", base().layer(tower_http)),
        ("tower_http_info_span", base().layer(tower_http_info_span)),
    ]
}

fn request(with_id: bool) -> Request<Body> {
    let builder = Request::get("/hello");
    let builder = if with_id {
        builder
            .header("x-correlation-id", ID)
            .header("x-request-id", ID)
    } else {
        builder
    };
    builder.body(Body::empty()).expect("request")
}

/// `iters` requests through `router`, one after the other.
async fn drive(router: &Router, with_id: bool, iters: u64) -> Duration {
    let mut service = router.clone();
    let start = Instant::now();
    for _ in 0..iters {
        let ready = ServiceExt::<Request<Body>>::ready(&mut service)
            .await
            .expect("ready");
        let response = ready.call(request(with_id)).await.expect("response");
        black_box(response);
    }
    start.elapsed()
}

/// Before timing anything: each stack answers 200, logs the lines it should, and
/// echoes the ID it should. Prints one line of each stack.
fn check(runtime: &tokio::runtime::Runtime, stacks: &[(&str, Router)]) {
    for (name, router) in stacks {
        for with_id in [false, true] {
            CAPTURED.lock().expect("lock").clear();
            CAPTURE.store(true, Ordering::Relaxed);
            let response = runtime.block_on(router.clone().oneshot(request(with_id)));
            CAPTURE.store(false, Ordering::Relaxed);
            let response = response.expect("response");
            assert_eq!(response.status(), 200);
            let lines = std::mem::take(&mut *CAPTURED.lock().expect("lock"));
            let expected = usize::from(*name != "no_layer");
            assert_eq!(lines.len(), expected, "{name}: {lines:?}");
            let echoed = response
                .headers()
                .get("x-correlation-id")
                .or_else(|| response.headers().get("x-request-id"));
            if *name != "no_layer" {
                let echoed = echoed.expect("an ID on the response");
                assert_eq!(with_id, echoed == ID, "{name}");
            }
            if with_id {
                for line in &lines {
                    eprint!("{name}: {line}");
                }
            }
        }
    }
}

fn per_request(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let stacks = stacks();
    check(&runtime, &stacks);
    for (group_name, with_id) in [("per_request_no_id", false), ("per_request_with_id", true)] {
        let mut group = c.benchmark_group(group_name);
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(3));
        for (name, router) in &stacks {
            group.bench_function(*name, |b| {
                b.iter_custom(|iters| runtime.block_on(drive(router, with_id, iters)))
            });
        }
        group.finish();
    }
    let lines = LINES.load(Ordering::Relaxed);
    eprintln!("lines logged in all: {lines}");
}

/// The same requests outside criterion, the stacks taking turns (rounds of
/// [`BATCH`] requests each), so that drift on the machine hits every stack alike: the
/// median time per request over [`ROUNDS`] rounds, and its overhead over `no_layer`,
/// printed as a markdown table.
fn interleaved() {
    const ROUNDS: usize = 40;
    const BATCH: u64 = 20_000;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let stacks = stacks();
    let kinds = [("no incoming ID", false), ("incoming ID", true)];
    let mut times = vec![vec![Vec::with_capacity(ROUNDS); stacks.len()]; kinds.len()];
    for _ in 0..ROUNDS {
        for (k, (_, with_id)) in kinds.iter().enumerate() {
            for (i, (_, router)) in stacks.iter().enumerate() {
                let elapsed = runtime.block_on(drive(router, *with_id, BATCH));
                times[k][i].push(elapsed.as_secs_f64() * 1e9 / BATCH as f64);
            }
        }
    }
    println!();
    println!(
        "interleaved: {ROUNDS} rounds of {BATCH} requests per stack and kind, median ns per request"
    );
    println!();
    let names: Vec<&str> = stacks.iter().map(|(name, _)| *name).collect();
    println!("| requests | {} |", names.join(" | "));
    println!("|---|{}", "---:|".repeat(names.len()));
    for (k, (kind, _)) in kinds.iter().enumerate() {
        let medians: Vec<f64> = times[k].iter().map(|t| median(t)).collect();
        let cells: Vec<String> = medians
            .iter()
            .map(|m| format!("{m:.0} (+{:.0})", m - medians[0]))
            .collect();
        println!("| {kind} | {} |", cells.join(" | "));
    }
    println!();
}

/// `TWELVE_BENCH_HTTP_RUN=<stack>,<0|1>,<n>`: sends `n` requests (with an incoming ID
/// when the second field is 1) through one stack and exits, for a profiler or
/// `valgrind --tool=callgrind` (instruction counts per request: the count at `n` less
/// the count at 0, over `n`).
fn run_only(spec: &str) {
    let mut fields = spec.split(',');
    let (Some(name), Some(with_id), Some(n)) = (fields.next(), fields.next(), fields.next()) else {
        panic!("TWELVE_BENCH_HTTP_RUN=<stack>,<0|1>,<n>");
    };
    let n: u64 = n.parse().expect("a number of requests");
    let stacks = stacks();
    let (_, router) = stacks
        .iter()
        .find(|(stack, _)| *stack == name)
        .expect("a stack: no_layer, twelve, tower_http or tower_http_info_span");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let elapsed = runtime.block_on(drive(router, with_id == "1", n));
    eprintln!("{name}: {n} requests in {elapsed:?}");
}

fn main() {
    let subscriber = twelve::log::builder()
        .service("bench")
        .version("0.1.0")
        .sink(Arc::new(|line: &[u8]| {
            LINES.fetch_add(1, Ordering::Relaxed);
            if CAPTURE.load(Ordering::Relaxed) {
                let text = String::from_utf8_lossy(line).into_owned();
                CAPTURED.lock().expect("lock").push(text);
            }
            black_box(line);
        }))
        .build()
        .expect("subscriber");
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    if let Ok(spec) = std::env::var("TWELVE_BENCH_HTTP_RUN") {
        run_only(&spec);
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    // Listing, testing and profiling run criterion's part only.
    let quick = args
        .iter()
        .any(|arg| ["--list", "--test", "--profile-time"].contains(&arg.as_str()));
    let mut c = Criterion::default().configure_from_args();
    per_request(&mut c);
    c.final_summary();
    if !quick {
        interleaved();
    }
}
