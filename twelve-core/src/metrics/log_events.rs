//! `log_events_total{level}`: one relaxed atomic increment per line the JSON layer
//! writes once the exporter is installed (under the runtime: before `main` runs), read
//! when a scrape comes. No registry lookup, lock or allocation on the logging path
//! (BENCHMARKS.md, metrics: log events); with `METRICS_ENABLED=false`, one load.

use std::sync::atomic::{AtomicU64, Ordering};

use tracing::Level;

use super::{Exporter, text};

/// One counter per level, each on its own cache line, so that threads logging at
/// different levels don't share one.
#[repr(align(64))]
struct Padded(AtomicU64);

static COUNTS: [Padded; 5] = [
    Padded(AtomicU64::new(0)),
    Padded(AtomicU64::new(0)),
    Padded(AtomicU64::new(0)),
    Padded(AtomicU64::new(0)),
    Padded(AtomicU64::new(0)),
];

const LEVELS: [&str; 5] = ["trace", "debug", "info", "warn", "error"];

fn index(level: &Level) -> usize {
    match *level {
        Level::TRACE => 0,
        Level::DEBUG => 1,
        Level::INFO => 2,
        Level::WARN => 3,
        Level::ERROR => 4,
    }
}

/// Counts one log event of `level`, when the exporter is installed.
#[inline]
pub(crate) fn count(level: &Level) {
    if Exporter::installed().is_none() {
        return;
    }
    add(level);
}

fn add(level: &Level) {
    if let Some(counter) = COUNTS.get(index(level)) {
        counter.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// The count of `level` so far.
fn get(i: usize) -> u64 {
    COUNTS.get(i).map_or(0, |c| c.0.load(Ordering::Relaxed))
}

/// `log_events_total`, every level, zeros included (a stable set of series).
pub(super) fn render(out: &mut String) {
    text::family(
        out,
        "log_events_total",
        "counter",
        "Log lines written by twelve's JSON layer, by level.",
    );
    for (i, level) in LEVELS.iter().enumerate() {
        text::sample(out, "log_events_total", &[("level", level)], get(i));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_level_counts_apart() {
        let before: Vec<u64> = (0..5).map(get).collect();
        add(&Level::WARN);
        add(&Level::WARN);
        add(&Level::ERROR);
        let after: Vec<u64> = (0..5).map(get).collect();
        // Other tests log too: the counts only grow, and by at least this much.
        assert!(after[3] >= before[3] + 2 && after[4] > before[4]);
        let mut out = String::new();
        render(&mut out);
        assert!(out.starts_with("# HELP log_events_total "), "{out}");
        for level in LEVELS {
            assert!(out.contains(&format!("log_events_total{{level=\"{level}\"}} ")));
        }
    }
}
