//! Loading the same 20-field settings struct from the process environment with
//! twelve, `envy`, `envconfig`, `figment` and a hand-written loop of
//! `std::env::var(..).parse()`, side by side in one run.
//!
//! Run with `cargo bench -p twelve-benches --bench config`. The project's targets are
//! ratios against the peers of the same run: twelve at most 1/3 of `envy`'s time and at
//! most 1.5 times the hand-written loop's. See BENCHMARKS.md.
#![allow(unsafe_code)] // `std::env::set_var` is `unsafe` in edition 2024; see `set_env`.

use std::error::Error;
use std::hint::black_box;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use criterion::Criterion;
use envconfig::Envconfig;
use twelve::Config as _;

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

/// Puts the 20 variables in the process environment.
fn set_env() {
    for (name, value) in VARS {
        // SAFETY: called first thing in `main`, before criterion or anything else has
        // started a thread, so nothing reads or writes the environment concurrently.
        unsafe { std::env::set_var(name, value) };
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

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("config_load_20_fields");
    group.bench_function("twelve", |b| b.iter(|| black_box(load_twelve())));
    group.bench_function("envy", |b| b.iter(|| black_box(load_envy())));
    group.bench_function("envconfig", |b| b.iter(|| black_box(load_envconfig())));
    group.bench_function("figment", |b| b.iter(|| black_box(load_figment())));
    group.bench_function("hand_written", |b| b.iter(|| black_box(hand_written())));
    group.finish();
}

fn main() {
    set_env();
    check_all_agree();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    bench(&mut c);
    c.final_summary();
}
