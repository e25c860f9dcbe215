//! The process metrics, named as the standard process collector (Prometheus' client
//! libraries) names them, read from `/proc` at scrape time. Linux only: elsewhere, or
//! when `/proc` can't be read, the metrics that can't be read are left out.
//!
//! - `/proc/self/stat`: CPU time (user + system), threads, start time (clock ticks
//!   after boot), virtual memory size;
//! - `/proc/self/status`: resident memory (`VmRSS`, in kB, so no page size is needed);
//! - `/proc/self/fd`: open file descriptors; `/proc/self/limits`: their soft limit;
//! - `/proc/stat`: the boot time (`btime`).
//!
//! Clock ticks are `USER_HZ`, 100 on Linux whatever the kernel's own tick rate, as the
//! Prometheus Go collector assumes too.

use std::fs;

use super::text;

/// `USER_HZ`: the unit of the times in `/proc/<pid>/stat`.
const TICKS_PER_SECOND: f64 = 100.0;

/// What `/proc/self/stat` gives.
#[derive(Debug, PartialEq)]
struct Stat {
    cpu_ticks: u64,
    threads: u64,
    start_ticks: u64,
    virtual_bytes: u64,
}

/// Fields 14 (utime), 15 (stime), 20 (num_threads), 22 (starttime), 23 (vsize) of
/// `/proc/<pid>/stat`, counted from 1; the fields after the command name, which is in
/// parentheses and may hold spaces and parentheses itself, start at field 3.
fn parse_stat(stat: &str) -> Option<Stat> {
    let after_name = stat.get(stat.rfind(')')? + 1..)?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |n: usize| -> Option<u64> { fields.get(n.checked_sub(3)?)?.parse().ok() };
    Some(Stat {
        cpu_ticks: field(14)?.checked_add(field(15)?)?,
        threads: field(20)?,
        start_ticks: field(22)?,
        virtual_bytes: field(23)?,
    })
}

/// `VmRSS` of `/proc/<pid>/status`, in bytes.
fn parse_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
}

/// The soft limit of `Max open files` in `/proc/<pid>/limits`.
fn parse_max_fds(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.get("Max open files".len()..)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// `btime` of `/proc/stat`: the boot time, in seconds since the Unix epoch.
fn parse_boot_time(stat: &str) -> Option<u64> {
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()
}

fn open_fds() -> Option<u64> {
    let count = fs::read_dir("/proc/self/fd").ok()?.count();
    u64::try_from(count).ok()
}

fn ticks_to_seconds(ticks: u64) -> f64 {
    ticks as f64 / TICKS_PER_SECOND
}

pub(super) fn render(out: &mut String) {
    let stat = fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| parse_stat(&s));
    let rss = fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| parse_rss(&s));
    let max_fds = fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|s| parse_max_fds(&s));
    let boot = fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| parse_boot_time(&s));
    if let Some(stat) = &stat {
        let name = "process_cpu_seconds_total";
        text::family(
            out,
            name,
            "counter",
            "Total user and system CPU time spent in seconds.",
        );
        text::sample(out, name, &[], ticks_to_seconds(stat.cpu_ticks));
    }
    if let Some(fds) = open_fds() {
        let name = "process_open_fds";
        text::family(out, name, "gauge", "Number of open file descriptors.");
        text::sample(out, name, &[], fds);
    }
    if let Some(max) = max_fds {
        let name = "process_max_fds";
        text::family(
            out,
            name,
            "gauge",
            "Maximum number of open file descriptors.",
        );
        text::sample(out, name, &[], max);
    }
    if let Some(stat) = &stat {
        let name = "process_virtual_memory_bytes";
        text::family(out, name, "gauge", "Virtual memory size in bytes.");
        text::sample(out, name, &[], stat.virtual_bytes);
    }
    if let Some(rss) = rss {
        let name = "process_resident_memory_bytes";
        text::family(out, name, "gauge", "Resident memory size in bytes.");
        text::sample(out, name, &[], rss);
    }
    if let (Some(stat), Some(boot)) = (&stat, boot) {
        let name = "process_start_time_seconds";
        let help = "Start time of the process since unix epoch in seconds.";
        text::family(out, name, "gauge", help);
        let start = boot as f64 + ticks_to_seconds(stat.start_ticks);
        text::sample(out, name, &[], start);
    }
    if let Some(stat) = &stat {
        let name = "process_threads";
        text::family(out, name, "gauge", "Number of OS threads in the process.");
        text::sample(out, name, &[], stat.threads);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_read_after_a_name_with_spaces_and_parentheses() {
        // A real line of /proc/<pid>/stat, with the name replaced.
        let line = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 1571 0 0 0 \
                    37 12 0 0 20 0 9 0 123456 1056768000 2300 18446744073709551615 1 1 0 0 \
                    0 0 0 4096 17922 0 0 0 17 1 0 0 0 0 0";
        assert_eq!(
            parse_stat(line),
            Some(Stat {
                cpu_ticks: 49,
                threads: 9,
                start_ticks: 123456,
                virtual_bytes: 1056768000,
            })
        );
        assert_eq!(parse_stat("4242 (cut"), None);
        assert_eq!(parse_stat("4242 (short) S 1 2"), None);
    }

    #[test]
    fn status_limits_and_boot_time_are_read() {
        let status = "Name:\tweb\nVmPeak:\t  10000 kB\nVmRSS:\t    2048 kB\nThreads:\t5\n";
        assert_eq!(parse_rss(status), Some(2048 * 1024));
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max processes             63304                63304                processes \n\
                      Max open files            1024                 524288               files     \n";
        assert_eq!(parse_max_fds(limits), Some(1024));
        let unlimited =
            "Max open files            unlimited            unlimited            files\n";
        assert_eq!(parse_max_fds(unlimited), None);
        assert_eq!(
            parse_boot_time("cpu  1 2 3\nbtime 1767225600\nprocesses 9\n"),
            Some(1767225600)
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_has_every_metric() {
        let mut out = String::new();
        render(&mut out);
        for name in [
            "process_cpu_seconds_total",
            "process_open_fds",
            "process_max_fds",
            "process_virtual_memory_bytes",
            "process_resident_memory_bytes",
            "process_start_time_seconds",
            "process_threads",
        ] {
            let value: f64 = out
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{name} ")))
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} missing: {out}"));
            assert!(
                value > 0.0 || name == "process_cpu_seconds_total",
                "{name} {value}"
            );
        }
    }
}
