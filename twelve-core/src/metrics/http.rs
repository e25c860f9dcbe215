//! The HTTP server metrics the [`CorrelationLayer`](crate::http::CorrelationLayer)
//! records: `http_server_request_duration_seconds` and `http_server_active_requests`.
//!
//! The handles are registered on twelve's recorder once per series and kept here, so a
//! request costs a read lock, one hash of the route template, and the recordings
//! themselves: no `metrics::Key` is built (with its allocations) per request
//! (BENCHMARKS.md, metrics: per request).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{OnceLock, PoisonError, RwLock};
use std::time::Instant;

use ::http::Method;
use metrics::{Gauge, Histogram, Key, KeyName, Label, Level, Metadata, Recorder};
use metrics_exporter_prometheus::PrometheusRecorder;

use super::Exporter;

/// The request duration histogram.
pub(super) const DURATION: &str = "http_server_request_duration_seconds";
/// The in-flight requests gauge.
const ACTIVE: &str = "http_server_active_requests";

/// The methods of RFC 9110 and PATCH, as the semantic conventions list them, then
/// `_OTHER` for every other method.
const METHODS: [&str; 10] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "_OTHER",
];
const OTHER: u8 = 9;
/// A request started before the exporter was installed: it records nothing.
const NONE: u8 = u8::MAX;

fn method_index(method: &Method) -> u8 {
    match *method {
        Method::GET => 0,
        Method::HEAD => 1,
        Method::POST => 2,
        Method::PUT => 3,
        Method::DELETE => 4,
        Method::CONNECT => 5,
        Method::OPTIONS => 6,
        Method::TRACE => 7,
        Method::PATCH => 8,
        _ => OTHER,
    }
}

fn method_name(index: u8) -> &'static str {
    METHODS.get(usize::from(index)).copied().unwrap_or("_OTHER")
}

fn metadata() -> Metadata<'static> {
    Metadata::new("twelve::http", Level::INFO, Some(module_path!()))
}

pub(super) fn describe(recorder: &PrometheusRecorder) {
    recorder.describe_histogram(
        KeyName::from_const_str(DURATION),
        None,
        "Duration of HTTP server requests, from the request to its response, in seconds.".into(),
    );
    recorder.describe_gauge(
        KeyName::from_const_str(ACTIVE),
        None,
        "HTTP server requests in flight.".into(),
    );
}

/// The handles of the HTTP metrics, by series.
#[derive(Default)]
pub(crate) struct HttpMetrics {
    active: [OnceLock<Gauge>; METHODS.len()],
    /// Route template (`""` when none matched) -> the series of its methods and status
    /// codes: a handful each, scanned in order.
    durations: RwLock<HashMap<Box<str>, Vec<Series>, BuildHasherDefault<Fnv>>>,
}

struct Series {
    method: u8,
    status: u16,
    histogram: Histogram,
}

impl HttpMetrics {
    fn active(&self, recorder: &PrometheusRecorder, method: u8) -> &Gauge {
        let slot = usize::from(method).min(METHODS.len() - 1);
        let cell = &self.active[slot];
        cell.get_or_init(|| {
            let labels = vec![Label::new("http_request_method", method_name(method))];
            recorder.register_gauge(&Key::from_parts(ACTIVE, labels), &metadata())
        })
    }

    fn observe(
        &self,
        recorder: &PrometheusRecorder,
        method: u8,
        route: &str,
        status: u16,
        seconds: f64,
    ) {
        let find = |series: &[Series]| {
            series
                .iter()
                .find(|s| s.method == method && s.status == status)
                .map(|s| s.histogram.clone())
        };
        {
            let durations = self
                .durations
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(series) = durations.get(route) {
                if let Some(s) = series
                    .iter()
                    .find(|s| s.method == method && s.status == status)
                {
                    s.histogram.record(seconds);
                    return;
                }
            }
        }
        // A new series: registered once, under the write lock.
        let mut durations = self
            .durations
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let series = durations.entry(route.into()).or_default();
        let histogram = find(series).unwrap_or_else(|| {
            let labels = vec![
                Label::new("http_request_method", method_name(method)),
                Label::new(
                    "http_response_status_code",
                    itoa::Buffer::new().format(status).to_owned(),
                ),
                Label::new("http_route", route.to_owned()),
            ];
            let histogram =
                recorder.register_histogram(&Key::from_parts(DURATION, labels), &metadata());
            series.push(Series {
                method,
                status,
                histogram: histogram.clone(),
            });
            histogram
        });
        drop(durations);
        histogram.record(seconds);
    }
}

/// What a request keeps of the metrics from its start to its end: the method it
/// counts under in `http_server_active_requests` (one byte; the request's future is
/// moved several times). Dropping it ends the request in the gauge.
#[derive(Debug)]
pub(crate) struct Started {
    method: u8,
}

impl Started {
    /// A request of `method` starts: counted in flight, when the exporter is installed.
    #[inline]
    pub(crate) fn new(method: &Method) -> Started {
        let Some(exporter) = Exporter::installed() else {
            return Started { method: NONE };
        };
        let index = method_index(method);
        exporter
            .http
            .active(exporter.recorder(), index)
            .increment(1.0);
        Started { method: index }
    }

    /// The request got its response, `status`: its duration from `start` is observed
    /// under its method, `route` (the matched template, or none) and status.
    #[inline]
    pub(crate) fn finish(&self, route: Option<&str>, status: u16, start: Instant) {
        if self.method == NONE {
            return;
        }
        if let Some(exporter) = Exporter::installed() {
            let seconds = start.elapsed().as_secs_f64();
            let route = route.unwrap_or_default();
            exporter
                .http
                .observe(exporter.recorder(), self.method, route, status, seconds);
        }
    }
}

impl Drop for Started {
    #[inline]
    fn drop(&mut self) {
        if self.method == NONE {
            return;
        }
        if let Some(exporter) = Exporter::installed() {
            exporter
                .http
                .active(exporter.recorder(), self.method)
                .decrement(1.0);
        }
    }
}

/// FNV-1a: route templates are short and come from the router, not from clients, so
/// a fast hash with no protection against collisions chosen by an attacker will do.
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_outside_the_list_are_other() {
        for (i, name) in METHODS.iter().enumerate().take(9) {
            let method = Method::from_bytes(name.as_bytes()).expect("a method");
            assert_eq!(usize::from(method_index(&method)), i, "{name}");
        }
        for invented in ["PURGE", "PROPFIND", "get", "QUERY", "X"] {
            let method = Method::from_bytes(invented.as_bytes()).expect("a method");
            assert_eq!(method_name(method_index(&method)), "_OTHER", "{invented}");
        }
    }

    fn series_count(http: &HttpMetrics) -> usize {
        http.durations
            .read()
            .map(|d| d.values().map(Vec::len).sum())
            .unwrap_or(0)
    }

    #[test]
    fn each_series_is_registered_once_and_renders_with_its_labels() {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new()
            .set_buckets(&super::super::DURATION_BUCKETS)
            .expect("buckets")
            .build_recorder();
        let http = HttpMetrics::default();
        for _ in 0..3 {
            http.observe(&recorder, 0, "/orders/{id}", 200, 0.003);
            http.observe(&recorder, 0, "/orders/{id}", 404, 0.2);
            http.observe(&recorder, OTHER, "", 404, 20.0);
        }
        assert_eq!(series_count(&http), 3);
        http.active(&recorder, 2).increment(1.0);
        let text = recorder.handle().render();
        let ok = "http_request_method=\"GET\",http_response_status_code=\"200\",http_route=\"/orders/{id}\"";
        assert!(
            text.contains(&format!("{DURATION}_bucket{{{ok},le=\"0.005\"}} 3")),
            "{text}"
        );
        assert!(
            text.contains(&format!("{DURATION}_count{{{ok}}} 3")),
            "{text}"
        );
        let other =
            "http_request_method=\"_OTHER\",http_response_status_code=\"404\",http_route=\"\"";
        assert!(
            text.contains(&format!("{DURATION}_bucket{{{other},le=\"10\"}} 0")),
            "{text}"
        );
        assert!(
            text.contains(&format!("{DURATION}_bucket{{{other},le=\"+Inf\"}} 3")),
            "{text}"
        );
        assert!(
            text.contains("http_server_active_requests{http_request_method=\"POST\"} 1"),
            "{text}"
        );
    }

    #[test]
    fn fnv_is_fnv_1a() {
        let mut hasher = Fnv::default();
        hasher.write(b"a");
        assert_eq!(hasher.finish(), 0xaf63_dc4c_8601_ec8c);
    }
}
