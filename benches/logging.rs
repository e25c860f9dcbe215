//! Logging cost per event, twelve against its peers, in one run: an event with four
//! fields inside a request span that carries `correlation_id`, written to `io::sink`.
//!
//! Peers: tracing-subscriber's `fmt().json().with_current_span(true)`, json-subscriber,
//! tracing-bunyan-formatter. twelve under each `LOG_SCHEMA` (`twelve`, `twelve_ecs`,
//! `twelve_gcp`, `twelve_datadog`), and a floor: copying a finished line of the same
//! length as twelve's into the same sink, what any formatter pays at least. Also a
//! whole-process figure: this binary re-run as a child that logs 200,000 such events to
//! /dev/null, twelve vs tracing-subscriber json.
//!
//! `cargo bench -p twelve-benches --bench logging`; figures in BENCHMARKS.md. For
//! instruction counts, run the child alone under callgrind:
//! `TWELVE_BENCH_FLOOD=<peer> valgrind --tool=callgrind <bench binary>`, with `<peer>`
//! one of `twelve`, `twelve_ecs`, `twelve_gcp`, `twelve_datadog`, `fmt`
//! (tracing-subscriber json), `json_subscriber`, `bunyan`, `floor`.

use std::hint::black_box;
use std::io;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use tracing::Dispatch;
use tracing_subscriber::layer::SubscriberExt as _;
use twelve::log::Schema;

const FLOOD_EVENTS: usize = 200_000;
const FLOOD_VAR: &str = "TWELVE_BENCH_FLOOD";

fn event() {
    tracing::info!(
        order_id = "a1b2c3",
        item_count = 3,
        paid = true,
        amount = 12.5,
        "order confirmed"
    );
}

/// The event inside a request span, as a handler emits it.
fn in_request(dispatch: &Dispatch, iters: u64) -> Duration {
    tracing::dispatcher::with_default(dispatch, || {
        let span = tracing::info_span!(
            "request",
            correlation_id = "0193a1f0-7c2e-7a31-8f0e-3b9c1d2e4f5a",
            http.method = "POST"
        );
        let _entered = span.enter();
        let start = Instant::now();
        for _ in 0..iters {
            event();
        }
        start.elapsed()
    })
}

fn twelve_dispatch(to_stdout: bool) -> Dispatch {
    twelve_schema_dispatch(Schema::Default, to_stdout)
}

fn twelve_schema_dispatch(schema: Schema, to_stdout: bool) -> Dispatch {
    let builder = twelve::log::builder()
        .service("order-service")
        .version("0.1.0")
        .schema(schema)
        .datadog_env(Some("prod".into()))
        .gcp_project(Some("shop-prod".into()));
    let builder = if to_stdout {
        builder
    } else {
        builder.sink(Arc::new(|line: &[u8]| {
            black_box(line);
        }))
    };
    Dispatch::new(builder.build().expect("subscriber"))
}

fn fmt_json_dispatch(to_stdout: bool) -> Dispatch {
    let fmt = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false);
    if to_stdout {
        Dispatch::new(fmt.with_writer(io::stdout).finish())
    } else {
        Dispatch::new(fmt.with_writer(io::sink).finish())
    }
}

fn json_subscriber_dispatch(to_stdout: bool) -> Dispatch {
    let fmt = json_subscriber::fmt().with_current_span(true);
    if to_stdout {
        Dispatch::new(fmt.with_writer(io::stdout).finish())
    } else {
        Dispatch::new(fmt.with_writer(io::sink).finish())
    }
}

fn bunyan_dispatch(to_stdout: bool) -> Dispatch {
    let registry = tracing_subscriber::registry().with(tracing_bunyan_formatter::JsonStorageLayer);
    if to_stdout {
        Dispatch::new(
            registry.with(tracing_bunyan_formatter::BunyanFormattingLayer::new(
                "order-service".into(),
                io::stdout,
            )),
        )
    } else {
        Dispatch::new(
            registry.with(tracing_bunyan_formatter::BunyanFormattingLayer::new(
                "order-service".into(),
                io::sink,
            )),
        )
    }
}

/// twelve's line for the bench's event, as written to its sink (default schema).
fn twelve_line() -> Vec<u8> {
    let line = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Arc::clone(&line);
    let subscriber = twelve::log::builder()
        .service("order-service")
        .version("0.1.0")
        .sink(Arc::new(move |l: &[u8]| {
            if let Ok(mut kept) = sink.lock() {
                kept.clear();
                kept.extend_from_slice(l);
            }
        }))
        .build()
        .expect("subscriber");
    in_request(&Dispatch::new(subscriber), 1);
    let kept = line.lock().expect("lock").clone();
    assert!(kept.ends_with(b"\n"), "one line");
    kept
}

/// The floor: each iteration copies a finished line (twelve's, so of the same length)
/// into a reused buffer and hands it to a sink that discards it, as twelve's last step
/// does. No formatter can cost less.
fn floor(iters: u64, line: &[u8]) -> Duration {
    let sink: twelve::log::LineSink = Arc::new(|l: &[u8]| {
        black_box(l);
    });
    let mut buf = Vec::with_capacity(line.len());
    let start = Instant::now();
    for _ in 0..iters {
        buf.clear();
        buf.extend_from_slice(black_box(line));
        sink(&buf);
    }
    start.elapsed()
}

fn per_event(c: &mut Criterion) {
    let mut group = c.benchmark_group("log_event_in_request_span");
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    let peers: [(&str, Dispatch); 7] = [
        ("twelve", twelve_dispatch(false)),
        ("twelve_ecs", twelve_schema_dispatch(Schema::Ecs, false)),
        ("twelve_gcp", twelve_schema_dispatch(Schema::Gcp, false)),
        (
            "twelve_datadog",
            twelve_schema_dispatch(Schema::Datadog, false),
        ),
        ("tracing_subscriber_json", fmt_json_dispatch(false)),
        ("json_subscriber", json_subscriber_dispatch(false)),
        ("bunyan", bunyan_dispatch(false)),
    ];
    for (name, dispatch) in &peers {
        group.bench_function(*name, |b| {
            b.iter_custom(|iters| in_request(dispatch, iters))
        });
    }
    let line = twelve_line();
    group.bench_function("floor_copy_of_the_line", |b| {
        b.iter_custom(|iters| floor(iters, &line))
    });
    group.finish();
}

/// Runs this binary as a child that floods stdout (sent to /dev/null) and times it.
fn whole_process(c: &mut Criterion) {
    let exe = std::env::current_exe().expect("bench binary");
    let mut group = c.benchmark_group("process_200k_events_to_dev_null");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(10));
    for peer in ["twelve", "tracing_subscriber_json", "floor"] {
        group.bench_function(peer, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    let status = Command::new(&exe)
                        .env(FLOOD_VAR, peer)
                        .stdout(Stdio::null())
                        .status()
                        .expect("child runs");
                    total += start.elapsed();
                    assert!(status.success());
                }
                total
            })
        });
    }
    group.finish();
}

/// The child side of [`whole_process`] (and of the callgrind counts): `peer` is
/// `twelve`, `twelve_ecs`, `twelve_gcp`, `twelve_datadog`, `json_subscriber`, `bunyan`,
/// `floor`, or anything else for tracing-subscriber json.
fn flood(peer: &str) {
    let dispatch = match peer {
        "twelve" => twelve_dispatch(true),
        "twelve_ecs" => twelve_schema_dispatch(Schema::Ecs, true),
        "twelve_gcp" => twelve_schema_dispatch(Schema::Gcp, true),
        "twelve_datadog" => twelve_schema_dispatch(Schema::Datadog, true),
        "json_subscriber" => json_subscriber_dispatch(true),
        "bunyan" => bunyan_dispatch(true),
        "floor" => {
            // The same number of lines of the same length, each copied and written
            // with one write(2), as twelve's sink does.
            let line = twelve_line();
            let sink = twelve::log::stdout_sink();
            let mut buf = Vec::with_capacity(line.len());
            for _ in 0..FLOOD_EVENTS {
                buf.clear();
                buf.extend_from_slice(black_box(&line));
                sink(&buf);
            }
            return;
        }
        _ => fmt_json_dispatch(true),
    };
    tracing::dispatcher::with_default(&dispatch, || {
        let span = tracing::info_span!(
            "request",
            correlation_id = "0193a1f0-7c2e-7a31-8f0e-3b9c1d2e4f5a"
        );
        let _entered = span.enter();
        for _ in 0..FLOOD_EVENTS {
            event();
        }
    });
}

fn main() {
    if let Ok(peer) = std::env::var(FLOOD_VAR) {
        flood(&peer);
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    per_event(&mut c);
    whole_process(&mut c);
    c.final_summary();
}
