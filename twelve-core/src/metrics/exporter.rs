//! [`Exporter`]: the one Prometheus recorder of the process, installed as the global
//! `metrics` recorder, and the text a scrape gets: the recorder's metrics, then
//! twelve's collectors (process, tokio, log events, service), read at scrape time.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

use super::http::{self, HttpMetrics};
use super::{DURATION_BUCKETS, log_events, process, text, tokio_runtime};
use crate::health::Health;
use crate::runtime::ServiceInfo;

/// How often the samples of histograms are folded into their buckets when no scrape
/// does it (what metrics-exporter-prometheus' own upkeep task does, every 5 s): they
/// are kept one by one until then.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

static EXPORTER: OnceLock<Exporter> = OnceLock::new();
/// Whether twelve's recorder became the global one (`false`: another was there).
static GLOBAL: OnceLock<bool> = OnceLock::new();

/// twelve's exporter: its recorder, the handles of the HTTP metrics, and what the
/// runtime tells it about the service.
pub(crate) struct Exporter {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    pub(crate) http: HttpMetrics,
    service: Mutex<Option<(ServiceInfo, Health)>>,
}

impl Exporter {
    /// The exporter, made and installed on first use.
    pub(crate) fn get() -> &'static Exporter {
        let exporter = EXPORTER.get_or_init(Exporter::new);
        GLOBAL.get_or_init(|| exporter.install());
        exporter
    }

    /// Whether twelve's recorder is the global one (once [`get`](Self::get) ran).
    pub(crate) fn is_global() -> bool {
        GLOBAL.get().copied().unwrap_or(false)
    }

    /// The exporter if something installed it: the HTTP layer records only then.
    #[inline]
    pub(crate) fn installed() -> Option<&'static Exporter> {
        EXPORTER.get()
    }

    fn new() -> Exporter {
        let builder = PrometheusBuilder::new()
            // Users' counters get `_total` when they lack it, as promtool asks.
            .with_recommended_naming(true)
            .set_buckets_for_metric(Matcher::Full(http::DURATION.to_owned()), &DURATION_BUCKETS);
        // The only error is an empty bucket list, and the list is a constant.
        let recorder = match builder {
            Ok(builder) => builder.build_recorder(),
            Err(_) => PrometheusBuilder::new().build_recorder(),
        };
        let handle = recorder.handle();
        http::describe(&recorder);
        Exporter {
            recorder,
            handle,
            http: HttpMetrics::default(),
            service: Mutex::new(None),
        }
    }

    /// Makes the recorder the global one, and starts the upkeep thread.
    fn install(&'static self) -> bool {
        let global = metrics::set_global_recorder(Forward(&self.recorder)).is_ok();
        if !global {
            tracing::warn!(
                "a metrics recorder was installed before twelve's: /metrics serves \
                 twelve's own metrics, and your metrics calls go to the other recorder"
            );
        }
        let handle = self.handle.clone();
        let upkeep = std::thread::Builder::new()
            .name("twelve-metrics".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_INTERVAL);
                    handle.run_upkeep();
                }
            });
        if let Err(error) = upkeep {
            tracing::warn!(error = %error, "cannot start the metrics upkeep thread: histogram samples wait for the next scrape");
        }
        global
    }

    /// twelve's own recorder, whoever the global one is.
    pub(crate) fn recorder(&self) -> &PrometheusRecorder {
        &self.recorder
    }

    /// The service whose `service_info` and `service_ready` a scrape shows.
    pub(crate) fn set_service(&self, info: ServiceInfo, health: Health) {
        if let Ok(mut service) = self.service.lock() {
            *service = Some((info, health));
        }
    }

    /// The whole text of a scrape.
    pub(crate) fn render(&self) -> String {
        let mut out = self.handle.render();
        process::render(&mut out);
        tokio_runtime::render(&mut out);
        log_events::render(&mut out);
        let service = self.service.lock().ok().and_then(|s| s.clone());
        if let Some((info, health)) = service {
            render_service(&mut out, &info, &health);
        }
        out
    }
}

fn render_service(out: &mut String, info: &ServiceInfo, health: &Health) {
    text::family(
        out,
        "service_info",
        "gauge",
        "The service's name, version and release (RELEASE_ID); always 1.",
    );
    let release = info.release().unwrap_or_default();
    text::sample(
        out,
        "service_info",
        &[
            ("service", info.name()),
            ("version", info.version()),
            ("release", release),
        ],
        1,
    );
    text::family(
        out,
        "service_ready",
        "gauge",
        "1 while the service says it is ready and has not begun to shut down, else 0.",
    );
    let ready = health.is_marked_ready() && !health.is_shutting_down();
    text::sample(out, "service_ready", &[], u64::from(ready));
}

/// The recorder as the global one: a reference to the recorder the exporter keeps,
/// so that twelve registers its own handles on it directly.
struct Forward(&'static PrometheusRecorder);

impl Recorder for Forward {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.0.describe_counter(key, unit, description);
    }

    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.0.describe_gauge(key, unit, description);
    }

    fn describe_histogram(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.0.describe_histogram(key, unit, description);
    }

    fn register_counter(&self, key: &Key, metadata: &Metadata<'_>) -> Counter {
        self.0.register_counter(key, metadata)
    }

    fn register_gauge(&self, key: &Key, metadata: &Metadata<'_>) -> Gauge {
        self.0.register_gauge(key, metadata)
    }

    fn register_histogram(&self, key: &Key, metadata: &Metadata<'_>) -> Histogram {
        self.0.register_histogram(key, metadata)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_metrics_reach_the_same_text_counters_with_total() {
        assert!(
            crate::metrics::install(),
            "no other recorder in these tests"
        );
        metrics::counter!("jobs_done").increment(2);
        metrics::describe_gauge!("queue_length", "Jobs waiting.");
        metrics::gauge!("queue_length", "queue" => "mail").set(7.0);
        let text = Exporter::get().render();
        assert!(
            text.contains("# TYPE jobs_done_total counter\njobs_done_total 2\n"),
            "{text}"
        );
        assert!(
            text.contains("# HELP queue_length Jobs waiting.\n"),
            "{text}"
        );
        assert!(text.contains("queue_length{queue=\"mail\"} 7\n"), "{text}");
        // The collectors come after the recorder's families, each once.
        for family in ["process_cpu_seconds_total", "log_events_total"] {
            assert_eq!(
                text.matches(&format!("# TYPE {family} ")).count(),
                1,
                "{text}"
            );
        }
    }
}
