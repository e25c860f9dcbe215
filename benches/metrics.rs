//! The cost of feature `metrics`, in-process, peers in the same run:
//!
//! - per request: an axum `Router` with one trivial route, called through
//!   `ServiceExt::ready` and `call` on a current-thread tokio runtime (as in
//!   `benches/http.rs`), with
//!   - `no_layer`: the bare router;
//!   - `twelve`: `CorrelationLayer::default()`, before twelve's exporter is installed
//!     (what the layer costs without metrics: `METRICS_ENABLED=false`);
//!   - `tower_http`: tower-http's `SetRequestIdLayer::x_request_id(MakeRequestUuid)`,
//!     `TraceLayer::new_for_http()` (`on_response` at INFO) and
//!     `PropagateRequestIdLayer::x_request_id()`;
//!   - then, with twelve's exporter installed (the global `metrics` recorder from then
//!     on): `twelve_metrics`, the same `CorrelationLayer`, now recording
//!     `http_server_request_duration_seconds` and `http_server_active_requests`;
//!     `axum_prometheus`, axum-prometheus' `BaseMetricLayer` (its counter, histogram
//!     and gauge, through the `metrics` macros, into the same recorder) on top of the
//!     `tower_http` stack: the stack a user would build; `axum_prometheus_alone`, its
//!     layer alone.
//!
//!   The exporter can't be uninstalled, so the stacks run in two phases, each with
//!   `no_layer` as the reference: the figures to compare are overheads over
//!   `no_layer` in the same phase.
//! - per log event: `tracing::info!` with two fields through twelve's subscriber (JSON
//!   layer, level info, a sink that discards the line through `black_box`), before the
//!   exporter is installed (`log_event/counter_off`) and after
//!   (`log_event_metrics/counter_on`: one more relaxed atomic increment).
//! - one scrape: twelve's `render()` of a process whose router has 50 routes, each
//!   answered with 5 status codes (250 histogram series), plus what the phases above
//!   left: its time, and the bytes of the body (printed).
//!
//! After criterion, each phase again outside it with the stacks taking turns (40
//! rounds of 20,000 requests or events), printed as markdown tables of medians; then
//! the pairs that differ only by the exporter (`twelve` and `twelve_metrics`, the log
//! event without and with the counter) in processes of their own taking turns (see
//! [`alternating`]), the comparison that is not exposed to drift between the phases.
//!
//! `cargo bench -p twelve-benches --bench metrics`. Instruction counts:
//! `TWELVE_BENCH_METRICS_RUN=<case>,<n>` runs one case `n` times and exits (`,warm`:
//! after `n` untimed), for
//! `valgrind --tool=callgrind` (the count at `n` less the count at a smaller `n`, over
//! the difference): cases `no_layer`, `twelve`, `tower_http`, `twelve_metrics`,
//! `axum_prometheus`, `axum_prometheus_alone`, `log_off`, `log_on`, `scrape` (renders
//! of the 50 × 5 series). Figures in
//! BENCHMARKS.md.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{Request, StatusCode};
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

const ROUNDS: usize = 40;
const BATCH: u64 = 20_000;

async fn hello() -> &'static str {
    "hello"
}

fn base() -> Router {
    Router::new().route("/hello", get(hello))
}

fn tower_http() -> Router {
    base().layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http().on_response(DefaultOnResponse::new().level(Level::INFO)),
            )
            .layer(PropagateRequestIdLayer::x_request_id()),
    )
}

/// The stacks of a phase, by name: before the exporter is installed, or after.
fn stacks(installed: bool) -> Vec<(&'static str, Router)> {
    let twelve = base().layer(twelve::http::CorrelationLayer::default());
    if !installed {
        return vec![
            ("no_layer", base()),
            ("twelve", twelve),
            ("tower_http", tower_http()),
        ];
    }
    let axum_prometheus = tower_http().layer(axum_prometheus::BaseMetricLayer::new());
    vec![
        ("no_layer", base()),
        ("twelve_metrics", twelve),
        ("axum_prometheus", axum_prometheus),
        (
            "axum_prometheus_alone",
            base().layer(axum_prometheus::BaseMetricLayer::new()),
        ),
    ]
}

fn request() -> Request<Body> {
    Request::get("/hello").body(Body::empty()).expect("request")
}

/// `iters` requests through `router`, one after the other.
async fn drive(router: &Router, iters: u64) -> Duration {
    let mut service = router.clone();
    let start = Instant::now();
    for _ in 0..iters {
        let ready = ServiceExt::<Request<Body>>::ready(&mut service)
            .await
            .expect("ready");
        let response = ready.call(request()).await.expect("response");
        black_box(response);
    }
    start.elapsed()
}

/// `iters` log events.
fn log(iters: u64) -> Duration {
    let start = Instant::now();
    for i in 0..iters {
        tracing::info!(
            order_id = "a1b2c3",
            item_count = black_box(i),
            "order confirmed"
        );
    }
    start.elapsed()
}

fn install() {
    black_box(twelve::metrics::render());
}

/// Before timing: each stack answers 200 and logs its line; after the install,
/// twelve's layer records, and so does axum-prometheus'. (Before it, rendering would
/// install the exporter: that phase records nothing by construction.)
fn check(runtime: &tokio::runtime::Runtime, stacks: &[(&str, Router)], installed: bool) {
    for (name, router) in stacks {
        let before = LINES.load(Ordering::Relaxed);
        let response = runtime.block_on(router.clone().oneshot(request()));
        assert_eq!(response.expect("response").status(), 200, "{name}");
        let lines = LINES.load(Ordering::Relaxed) - before;
        assert_eq!(
            lines,
            u64::from(!name.starts_with("no_layer") && !name.ends_with("_alone")),
            "{name}"
        );
    }
    if installed {
        let text = twelve::metrics::render();
        let twelve = "http_server_request_duration_seconds_count{http_request_method=\"GET\",\
                      http_response_status_code=\"200\",http_route=\"/hello\"} ";
        assert!(text.contains(twelve), "{text}");
        assert!(text.contains("axum_http_requests_total"), "{text}");
    }
}

fn criterion_phase(c: &mut Criterion, runtime: &tokio::runtime::Runtime, installed: bool) {
    let stacks = stacks(installed);
    check(runtime, &stacks, installed);
    let suffix = if installed { "_metrics" } else { "" };
    let mut group = c.benchmark_group(format!("per_request{suffix}"));
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    for (name, router) in &stacks {
        group.bench_function(*name, |b| {
            b.iter_custom(|iters| runtime.block_on(drive(router, iters)))
        });
    }
    group.finish();
    let mut group = c.benchmark_group(format!("log_event{suffix}"));
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    let name = if installed {
        "counter_on"
    } else {
        "counter_off"
    };
    group.bench_function(name, |b| b.iter_custom(log));
    group.finish();
}

/// The stacks and the log event taking turns, [`ROUNDS`] rounds of [`BATCH`] each:
/// medians in ns, and overheads over `no_layer`.
fn interleaved_phase(runtime: &tokio::runtime::Runtime, installed: bool) {
    let stacks = stacks(installed);
    let mut times = vec![Vec::with_capacity(ROUNDS); stacks.len() + 1];
    for _ in 0..ROUNDS {
        for (i, (_, router)) in stacks.iter().enumerate() {
            let elapsed = runtime.block_on(drive(router, BATCH));
            times[i].push(elapsed.as_secs_f64() * 1e9 / BATCH as f64);
        }
        let elapsed = log(BATCH);
        times[stacks.len()].push(elapsed.as_secs_f64() * 1e9 / BATCH as f64);
    }
    let medians: Vec<f64> = times.iter().map(|t| median(t)).collect();
    let phase = if installed {
        "exporter installed"
    } else {
        "exporter not installed"
    };
    println!();
    println!(
        "interleaved, {phase}: {ROUNDS} rounds of {BATCH} per case, median ns per request (overhead over no_layer) or per log event"
    );
    println!();
    let mut names: Vec<&str> = stacks.iter().map(|(name, _)| *name).collect();
    names.push(if installed {
        "log event, counter on"
    } else {
        "log event, counter off"
    });
    println!("| {} |", names.join(" | "));
    println!("|{}", "---:|".repeat(names.len()));
    let cells: Vec<String> = medians
        .iter()
        .enumerate()
        .map(|(i, m)| {
            if i == 0 || i == stacks.len() {
                format!("{m:.0}")
            } else {
                format!("{m:.0} (+{:.0})", m - medians[0])
            }
        })
        .collect();
    println!("| {} |", cells.join(" | "));
    println!();
}

/// 50 routes, each answering the status its path asks for.
fn scrape_router() -> Router {
    async fn status(Path(code): Path<u16>) -> StatusCode {
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
    let mut router = Router::new();
    for route in 0..50 {
        router = router.route(&format!("/api/v1/resource{route}/{{code}}"), get(status));
    }
    router.layer(twelve::http::CorrelationLayer::default())
}

/// One request per route and status code, so that the 250 series exist.
fn fill_scrape_routes(runtime: &tokio::runtime::Runtime) {
    let router = scrape_router();
    for route in 0..50 {
        for code in [200, 201, 400, 404, 500] {
            let uri = format!("/api/v1/resource{route}/{code}");
            let request = Request::get(uri).body(Body::empty()).expect("request");
            let response = runtime.block_on(router.clone().oneshot(request));
            assert_eq!(response.expect("response").status().as_u16(), code);
        }
    }
}

fn scrape(c: &mut Criterion, runtime: &tokio::runtime::Runtime) {
    fill_scrape_routes(runtime);
    // Inside the runtime, as the metrics server renders (the tokio metrics need it).
    let text = runtime.block_on(async { twelve::metrics::render() });
    let histograms = text
        .lines()
        .filter(|l| l.starts_with("http_server_request_duration_seconds_count{"))
        .count();
    let samples = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .count();
    eprintln!(
        "scrape: {} bytes, {samples} samples, {histograms} request duration series",
        text.len()
    );
    assert!(histograms >= 250, "{histograms}");
    let mut group = c.benchmark_group("scrape");
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("render_50_routes_x_5_statuses", |b| {
        b.iter(|| runtime.block_on(async { black_box(twelve::metrics::render()) }))
    });
    group.finish();
}

/// `TWELVE_BENCH_METRICS_RUN=<case>,<n>`: see the module docs.
fn run_only(spec: &str, runtime: &tokio::runtime::Runtime) {
    let mut fields = spec.split(',');
    let (Some(name), Some(n)) = (fields.next(), fields.next()) else {
        panic!("TWELVE_BENCH_METRICS_RUN=<case>,<n>[,warm]");
    };
    let n: u64 = n.parse().expect("a number");
    let warm = fields.next() == Some("warm");
    let installed = matches!(
        name,
        "twelve_metrics" | "axum_prometheus" | "axum_prometheus_alone" | "log_on" | "scrape"
    );
    if installed {
        install();
    }
    let elapsed = match name {
        "scrape" => {
            fill_scrape_routes(runtime);
            let start = Instant::now();
            for _ in 0..n {
                runtime.block_on(async { black_box(twelve::metrics::render()) });
            }
            start.elapsed()
        }
        "log_off" | "log_on" => {
            if warm {
                log(n);
            }
            log(n)
        }
        _ => {
            let stacks = stacks(installed);
            let (_, router) = stacks
                .iter()
                .find(|(stack, _)| *stack == name)
                .expect("a case of the module docs");
            // One request first (or `n`, to warm up), so that the series exist before
            // the count starts.
            runtime.block_on(drive(router, if warm { n } else { 1 }));
            runtime.block_on(drive(router, n))
        }
    };
    eprintln!("{name}: {n} in {elapsed:?}");
    println!("ns_per_op={}", elapsed.as_secs_f64() * 1e9 / n as f64);
}

/// The cases that differ only by the exporter being installed, in processes of their
/// own that take turns (this binary run again with `TWELVE_BENCH_METRICS_RUN`), so
/// that the two sides of each pair are measured alike: [`ROUNDS`] rounds, each child
/// warming up on `n` operations, then timing `n`. Medians and ratios, as a markdown
/// table.
fn alternating() {
    const PAIRS: [(&str, &str, u64); 2] = [
        ("twelve", "twelve_metrics", 100_000),
        ("log_off", "log_on", 400_000),
    ];
    let exe = std::env::current_exe().expect("this binary");
    let run = |case: &str, n: u64| -> f64 {
        let output = std::process::Command::new(&exe)
            .env("TWELVE_BENCH_METRICS_RUN", format!("{case},{n},warm"))
            .stderr(std::process::Stdio::null())
            .output()
            .expect("the bench runs itself");
        let text = String::from_utf8_lossy(&output.stdout);
        text.lines()
            .find_map(|l| l.strip_prefix("ns_per_op="))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{case}: no ns_per_op in {text:?}"))
    };
    println!();
    println!(
        "alternating processes: {ROUNDS} rounds, each case in a process of its own; median ns per operation"
    );
    println!();
    println!("| without | ns | with | ns | with ÷ without (median of the rounds' ratios) |");
    println!("|---|---:|---|---:|---:|");
    for (off, on, n) in PAIRS {
        let mut offs = Vec::with_capacity(ROUNDS);
        let mut ons = Vec::with_capacity(ROUNDS);
        let mut ratios = Vec::with_capacity(ROUNDS);
        for round in 0..ROUNDS {
            // Each round in the other order, so that neither side always goes first.
            let (a, b) = if round % 2 == 0 {
                let a = run(off, n);
                (a, run(on, n))
            } else {
                let b = run(on, n);
                (run(off, n), b)
            };
            offs.push(a);
            ons.push(b);
            ratios.push(b / a);
        }
        println!(
            "| {off} | {:.1} | {on} | {:.1} | {:.3} |",
            median(&offs),
            median(&ons),
            median(&ratios)
        );
    }
    println!();
}

fn main() {
    let subscriber = twelve::log::builder()
        .service("bench")
        .version("0.1.0")
        .sink(Arc::new(|line: &[u8]| {
            LINES.fetch_add(1, Ordering::Relaxed);
            black_box(line);
        }))
        .build()
        .expect("subscriber");
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Ok(spec) = std::env::var("TWELVE_BENCH_METRICS_RUN") {
        run_only(&spec, &runtime);
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    // Listing, testing and profiling run criterion's part only.
    let quick = args
        .iter()
        .any(|arg| ["--list", "--test", "--profile-time"].contains(&arg.as_str()));
    let mut c = Criterion::default().configure_from_args();
    criterion_phase(&mut c, &runtime, false);
    if !quick {
        interleaved_phase(&runtime, false);
    }
    install();
    criterion_phase(&mut c, &runtime, true);
    if !quick {
        interleaved_phase(&runtime, true);
    }
    scrape(&mut c, &runtime);
    c.final_summary();
    if !quick {
        alternating();
    }
    eprintln!("lines logged in all: {}", LINES.load(Ordering::Relaxed));
}
