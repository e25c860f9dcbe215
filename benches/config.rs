//! Loading the same 20-field settings struct from the process environment with
//! twelve, `envy`, `envconfig`, `figment`, a hand-written loop of
//! `std::env::var(..).parse()` and a bare loop of 20 `std::env::var` calls (no
//! parsing), side by side in one run, in an environment of 23 variables and then of
//! 123. Also: twelve's load with the report (sources and look-alike warnings, what the
//! runtime does at start-up), the look-alike check alone (200 variables, 50 names),
//! and `--check-config` of the examples, exec to exit.
//!
//! Run with `cargo bench -p twelve-benches --bench config` (build the examples first,
//! `cargo build --release --examples -p twelve`, for the `--check-config` group). The
//! project's targets are ratios against the peers of the same run (issue 10): twelve
//! at most 1.0x envconfig and 1.3x the bare loop at both sizes, at most 0.33x envy
//! with 123 variables. See BENCHMARKS.md.
#![allow(unsafe_code)] // `std::env::set_var` is `unsafe` in edition 2024; see `set_env`.

use std::error::Error;
use std::hint::black_box;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use criterion::Criterion;
use envconfig::Envconfig;
use twelve::Config as _;

#[path = "support/median.rs"]
mod median;
use median::median;

/// The settings every loader produces: one struct, so the field types are the same
/// for all. No attributes are needed: twelve and `envconfig` read each field's name
/// in upper case, `envy` and `figment` lower-case the variable names.
#[derive(twelve::Config, Envconfig, serde::Deserialize, Debug, Clone, PartialEq)]
struct Settings {
    /// Name of the service in logs.
    service_name: String,
    /// Postgres connection string.
    database_url: String,
    /// Redis connection string.
    redis_url: String,
    /// Log filter.
    log_level: String,
    /// Base of the links the service hands out.
    public_base_url: String,
    /// Address of the HTTP server.
    listen_addr: SocketAddr,
    /// Address of the metrics server.
    metrics_addr: SocketAddr,
    /// Address of the upstream service.
    upstream_ip: IpAddr,
    /// Port of the admin server.
    admin_port: u16,
    /// Connections in the database pool.
    db_pool_size: u32,
    /// Largest request body accepted.
    max_body_bytes: u64,
    /// Worker threads of the runtime.
    worker_threads: usize,
    /// How long one request may take, in milliseconds.
    request_timeout_ms: u64,
    /// Open connections at most.
    max_connections: u32,
    /// How long a cache entry lives, in seconds.
    cache_ttl_secs: u32,
    /// Share of requests traced.
    sample_ratio: f64,
    /// Turns tracing on.
    enable_tracing: bool,
    /// Refuses writes.
    read_only: bool,
    /// Identifier of the release.
    release_id: Option<String>,
    /// Replicas of the service.
    replica_count: Option<u16>,
}

/// The 20 variables and their values. String values don't look like numbers or
/// booleans, and booleans are `true`/`false`, so that every peer parses them alike.
const VARS: [(&str, &str); 20] = [
    ("SERVICE_NAME", "orders"),
    (
        "DATABASE_URL",
        "postgres://orders:hunter2@db.internal:5432/orders",
    ),
    ("REDIS_URL", "redis://cache.internal:6379/0"),
    ("LOG_LEVEL", "info"),
    ("PUBLIC_BASE_URL", "https://orders.example.com"),
    ("LISTEN_ADDR", "0.0.0.0:8080"),
    ("METRICS_ADDR", "127.0.0.1:9090"),
    ("UPSTREAM_IP", "10.0.12.7"),
    ("ADMIN_PORT", "9091"),
    ("DB_POOL_SIZE", "16"),
    ("MAX_BODY_BYTES", "10485760"),
    ("WORKER_THREADS", "8"),
    ("REQUEST_TIMEOUT_MS", "2500"),
    ("MAX_CONNECTIONS", "1024"),
    ("CACHE_TTL_SECS", "300"),
    ("SAMPLE_RATIO", "0.25"),
    ("ENABLE_TRACING", "true"),
    ("READ_ONLY", "false"),
    ("RELEASE_ID", "r2026-05-11-abc"),
    ("REPLICA_COUNT", "3"),
];

/// Makes the process environment the 20 variables and three a platform sets (23).
fn set_env() {
    for (name, _) in std::env::vars_os() {
        // SAFETY: called first thing in `main`, before criterion or anything else has
        // started a thread, so nothing reads or writes the environment concurrently.
        unsafe { std::env::remove_var(name) };
    }
    for (name, value) in VARS.into_iter().chain([
        ("PATH", "/usr/local/bin:/usr/bin:/bin"),
        ("HOME", "/home/app"),
        ("HOSTNAME", "orders-7d9f8c6b5-x2x4q"),
    ]) {
        // SAFETY: as above.
        unsafe { std::env::set_var(name, value) };
    }
}

/// 100 more variables that nobody reads (123 in all), as a pod with service links or
/// a CI runner has.
fn grow_env() {
    for i in 0..100 {
        // SAFETY: between two benchmark groups, on the one thread there is (criterion
        // runs the benches on the main thread and, with its default features off,
        // starts none of its own).
        unsafe { std::env::set_var(format!("OTHER_SERVICE_{i:03}_ADDR"), "10.0.0.1:80") };
    }
}

// The loaders are `#[inline(never)]` so that each shows up by name in a profile
// (`perf`, `valgrind --tool=callgrind`); the call costs the same for all.

#[inline(never)]
fn load_twelve() -> Settings {
    Settings::from_env().expect("twelve")
}

#[inline(never)]
fn load_envy() -> Settings {
    envy::from_env::<Settings>().expect("envy")
}

#[inline(never)]
fn load_envconfig() -> Settings {
    Settings::init_from_env().expect("envconfig")
}

#[inline(never)]
fn load_figment() -> Settings {
    figment::Figment::from(figment::providers::Env::raw())
        .extract::<Settings>()
        .expect("figment")
}

/// What a careful human writes without a library: one `std::env::var` per field,
/// parsed with `FromStr` (`String`s are used as they come).
fn load_hand_written() -> Result<Settings, Box<dyn Error>> {
    fn parse<T>(name: &str) -> Result<T, Box<dyn Error>>
    where
        T: FromStr,
        T::Err: Error + 'static,
    {
        Ok(std::env::var(name)?.parse()?)
    }
    fn optional<T>(name: &str) -> Result<Option<T>, Box<dyn Error>>
    where
        T: FromStr,
        T::Err: Error + 'static,
    {
        Ok(std::env::var(name).ok().map(|v| v.parse()).transpose()?)
    }
    Ok(Settings {
        service_name: std::env::var("SERVICE_NAME")?,
        database_url: std::env::var("DATABASE_URL")?,
        redis_url: std::env::var("REDIS_URL")?,
        log_level: std::env::var("LOG_LEVEL")?,
        public_base_url: std::env::var("PUBLIC_BASE_URL")?,
        listen_addr: parse("LISTEN_ADDR")?,
        metrics_addr: parse("METRICS_ADDR")?,
        upstream_ip: parse("UPSTREAM_IP")?,
        admin_port: parse("ADMIN_PORT")?,
        db_pool_size: parse("DB_POOL_SIZE")?,
        max_body_bytes: parse("MAX_BODY_BYTES")?,
        worker_threads: parse("WORKER_THREADS")?,
        request_timeout_ms: parse("REQUEST_TIMEOUT_MS")?,
        max_connections: parse("MAX_CONNECTIONS")?,
        cache_ttl_secs: parse("CACHE_TTL_SECS")?,
        sample_ratio: parse("SAMPLE_RATIO")?,
        enable_tracing: parse("ENABLE_TRACING")?,
        read_only: parse("READ_ONLY")?,
        release_id: std::env::var("RELEASE_ID").ok(),
        replica_count: optional("REPLICA_COUNT")?,
    })
}

#[inline(never)]
fn hand_written() -> Settings {
    load_hand_written().expect("hand-written")
}

/// What twelve does at start-up: the load with the report (names and sources) and the
/// look-alike check against the whole environment.
#[inline(never)]
fn load_twelve_report() -> (
    Result<Settings, twelve::config::ConfigError>,
    twelve::config::Report,
) {
    let source = twelve::config::Source::from_env();
    let mut loader = twelve::__private::Loader::with_report(&source, false);
    let value = Settings::__load(&mut loader, "");
    loader.finish_report(value, "")
}

/// The floor: 20 `std::env::var` calls, the values dropped unparsed.
#[inline(never)]
fn bare_loop() -> usize {
    let mut len = 0;
    for (name, _) in VARS {
        len += std::env::var(name).map_or(0, |v| v.len());
    }
    len
}

/// Every loader gives the same, expected, values (checked once, outside the timing).
fn check_all_agree() {
    let expected = hand_written();
    assert_eq!(expected.database_url, VARS[1].1);
    assert_eq!(expected.listen_addr, SocketAddr::from(([0, 0, 0, 0], 8080)));
    assert_eq!(expected.sample_ratio, 0.25);
    assert_eq!(expected.release_id.as_deref(), Some("r2026-05-11-abc"));
    assert_eq!(expected.replica_count, Some(3));
    assert_eq!(load_twelve(), expected, "twelve");
    assert_eq!(load_envy(), expected, "envy");
    assert_eq!(load_envconfig(), expected, "envconfig");
    assert_eq!(load_figment(), expected, "figment");
}

fn bench(c: &mut Criterion, size: usize) {
    let mut group = c.benchmark_group(format!("config_load_20_fields/env{size}"));
    group.bench_function("twelve", |b| b.iter(|| black_box(load_twelve())));
    group.bench_function("twelve_report", |b| {
        b.iter(|| black_box(load_twelve_report()))
    });
    group.bench_function("envy", |b| b.iter(|| black_box(load_envy())));
    group.bench_function("envconfig", |b| b.iter(|| black_box(load_envconfig())));
    group.bench_function("figment", |b| b.iter(|| black_box(load_figment())));
    group.bench_function("hand_written", |b| b.iter(|| black_box(hand_written())));
    group.bench_function("bare_loop", |b| b.iter(|| black_box(bare_loop())));
    group.finish();
}

/// The loads outside criterion, the loaders taking turns (rounds of [`BATCH`] loads
/// each), so that drift on the shared machine hits every loader alike: per loader the
/// median time per load over the rounds, and twelve's time over each peer's as the
/// median of the rounds' ratios (each ratio from two batches a few milliseconds
/// apart), printed as a markdown table.
fn interleaved(size: usize) {
    const ROUNDS: usize = 60;
    const BATCH: u32 = 5_000;
    type Loader = fn();
    let loaders: [(&str, Loader); 5] = [
        ("twelve", || drop(black_box(load_twelve()))),
        ("envconfig", || drop(black_box(load_envconfig()))),
        ("hand_written", || drop(black_box(hand_written()))),
        ("bare_loop", || {
            black_box(bare_loop());
        }),
        ("envy", || drop(black_box(load_envy()))),
    ];
    let mut times = vec![Vec::with_capacity(ROUNDS); loaders.len()];
    for round in 0..=ROUNDS {
        for (i, (_, load)) in loaders.iter().enumerate() {
            let start = std::time::Instant::now();
            for _ in 0..BATCH {
                load();
            }
            // Round 0 warms up.
            if round > 0 {
                times[i].push(start.elapsed().as_secs_f64() * 1e9 / f64::from(BATCH));
            }
        }
    }
    println!();
    println!(
        "interleaved, {size} variables: {ROUNDS} rounds of {BATCH} loads per loader, median ns per load; twelve ÷ peer is the median of the rounds' ratios"
    );
    println!();
    println!("| loader | ns per load | twelve ÷ loader |");
    println!("|---|---:|---:|");
    for (i, (name, _)) in loaders.iter().enumerate() {
        let ratios: Vec<f64> = times[0].iter().zip(&times[i]).map(|(t, p)| t / p).collect();
        let ratio = median(&ratios);
        let ns = median(&times[i]);
        println!("| {name} | {ns:.0} | {ratio:.3} |");
    }
    println!();
}

/// The look-alike check alone: 200 variables set (50 of them read, 150 not, a few of
/// those typos), 50 names read.
fn bench_lookalike(c: &mut Criterion) {
    use twelve::config::{ValueSource, lookalike_warnings};
    let read: Vec<String> = (0..50)
        .map(|i| {
            format!(
                "{}_{i}",
                [
                    "APP_DATABASE_URL",
                    "SMTP_PORT",
                    "CACHE_TTL",
                    "WORKER_COUNT",
                    "FEATURE_FLAG"
                ][i % 5]
            )
        })
        .collect();
    let read_refs: Vec<&str> = read.iter().map(String::as_str).collect();
    let mut set: Vec<(String, ValueSource)> =
        read.iter().map(|n| (n.clone(), ValueSource::Env)).collect();
    for i in 0..150 {
        let name = match i % 3 {
            0 => format!("KUBERNETES_SERVICE_{i}"),
            1 => format!("UNRELATED_VARIABLE_{i}"),
            _ => format!("SOME_OTHER_TOOL_SETTING_{i}"),
        };
        set.push((name, ValueSource::Env));
    }
    set[199] = ("APP_DATABSE_URL_0".into(), ValueSource::Env);
    set[198] = ("SMTP_PROT_1".into(), ValueSource::Env);
    assert_eq!(lookalike_warnings(&set, &read_refs, "").len(), 2);
    c.bench_function("lookalike_200_vars_50_names", |b| {
        b.iter(|| {
            black_box(lookalike_warnings(
                black_box(&set),
                black_box(&read_refs),
                "",
            ))
        })
    });
}

/// `--check-config` of each example, exec to exit, when they are built in release.
fn bench_check_config(c: &mut Criterion) {
    let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("examples")))
    else {
        return;
    };
    let mut group = c.benchmark_group("check_config_exec_to_exit");
    for name in ["web", "worker", "migrate"] {
        let exe = dir.join(name);
        if !exe.exists() {
            eprintln!(
                "{} is not built: `cargo build --release --examples -p twelve`",
                exe.display()
            );
            continue;
        }
        group.bench_function(name, |b| {
            b.iter(|| {
                let status = std::process::Command::new(&exe)
                    .arg("--check-config")
                    .env("TWELVE_DOTENV", "0")
                    .stdout(std::process::Stdio::null())
                    .status()
                    .expect("runs");
                assert!(status.success());
            })
        });
    }
    group.finish();
}

/// With `TWELVE_BENCH_CONFIG=interleaved`, only the [`interleaved`] loads (both
/// sizes), no criterion. The interleaved loads run after criterion's in a whole run
/// (`cargo bench --bench config`, no other argument), not when criterion is given a
/// filter or options (a profile of one function, say).
fn main() {
    let only_interleaved = std::env::var("TWELVE_BENCH_CONFIG").as_deref() == Ok("interleaved");
    let whole_run = std::env::args().skip(1).all(|arg| arg == "--bench");
    let maybe_interleaved = |size| {
        if only_interleaved || whole_run {
            interleaved(size);
        }
    };
    set_env();
    check_all_agree();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let size = std::env::vars_os().count();
    if !only_interleaved {
        bench(&mut c, size);
        bench_lookalike(&mut c);
        bench_check_config(&mut c);
    }
    maybe_interleaved(size);
    grow_env();
    check_all_agree();
    let size = std::env::vars_os().count();
    if !only_interleaved {
        bench(&mut c, size);
    }
    maybe_interleaved(size);
    c.final_summary();
}
