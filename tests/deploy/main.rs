//! The deployment files in `deploy/` against the code and against each other: the
//! Dockerfile, the Kubernetes manifests in `deploy/k8s/` and `deploy/docker-compose.yml`.
//!
//! - The image builds the examples that exist, copies every one, runs as a numeric
//!   non-root user, exposes the port it sets as `PORT`, and starts an example binary
//!   in exec form.
//! - Every variable a manifest or the compose file sets is one that the program it
//!   runs reads (its `Settings` in `examples/<name>/settings.rs`, the runtime's
//!   `RuntimeSettings`, or twelve's own switches), and every value loads with the
//!   program's own parsers (durations, integers, log levels...).
//! - Secrets reach a program only as files (`X_FILE`) in a mounted Secret, never as a
//!   value; no ConfigMap, environment or image holds a secret value.
//! - Container ports, probe ports and Service target ports are the `PORT` the program
//!   binds; probe paths are `twelve::http::LIVE_PATH` and `READY_PATH`.
//! - The grace period before SIGKILL covers `SHUTDOWN_DELAY + SHUTDOWN_TIMEOUT` plus a
//!   margin, and readiness takes a Service's pod out within `SHUTDOWN_DELAY`.
//! - Every Deployment behind a Service has a HorizontalPodAutoscaler that targets it
//!   (and CPU requests to scale by) and a PodDisruptionBudget that selects its pods
//!   and no others, whose `minAvailable` stays below the autoscaler's minimum; the
//!   Deployment sets no `replicas` of its own, which each `kubectl apply` would reset
//!   the autoscaler's count to.
//!
//! The validators themselves (`kubernetes-validate --strict`, `hadolint`, `yamllint`
//! with `.yamllint.yaml`) are run on `deploy/` by `.ci/run`.
//! - Metrics: pods declare and annotate (`prometheus.io/*`) the `METRICS_PORT` their
//!   program serves `/metrics` on, Services expose it, and the Compose `prometheus`
//!   service scrapes exactly the services that serve metrics, on that port
//!   ([`prometheus`], [`k8s`]).
//!
//! Each test lists every problem it finds, naming the file and the object.
//!
//! Modules: [`programs`] (what each example reads), [`env`] (a container's environment
//! checked against it), [`yaml`], then one per deployment file: [`dockerfile`],
//! [`k8s`], [`compose`] with [`prometheus`], and [`secrets`] across them.

use std::fmt::Display;
use std::path::PathBuf;
use std::time::Duration;

use twelve::Config;
use twelve::runtime::RuntimeSettings;

#[path = "../examples_settings/mod.rs"]
mod examples_settings;
#[path = "../support/mod.rs"]
mod support;

mod env;
mod programs;
mod yaml;

mod compose;
mod dockerfile;
mod k8s;
mod prometheus;
mod secrets;

/// Time a process needs after its drain deadline before the kubelet's SIGKILL:
/// shutdown hooks, flushing the logs, exiting.
pub(crate) const MARGIN: Duration = Duration::from_secs(5);

/// Problems found by one test, reported all at once.
#[derive(Default)]
pub(crate) struct Problems(Vec<String>);

impl Problems {
    pub(crate) fn add(&mut self, at: impl Display, what: impl Display) {
        self.0.push(format!("{at}: {what}"));
    }

    pub(crate) fn assert_none(self, what: &str) {
        assert!(
            self.0.is_empty(),
            "{what}: {} problem(s)\n- {}",
            self.0.len(),
            self.0.join("\n- ")
        );
    }
}

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn read(relative: &str) -> String {
    std::fs::read_to_string(root().join(relative))
        .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"))
}

/// A duration as twelve parses it (units required: `250ms`, `30s`, `1m30s`).
pub(crate) fn duration(text: &str) -> Result<Duration, String> {
    #[derive(Config)]
    struct One {
        #[config(env = "D")]
        d: Duration,
    }
    One::from_vars([("D", text)])
        .map(|one| one.d)
        .map_err(|e| e.to_string())
}

pub(crate) fn secs(d: Duration) -> String {
    format!("{}s", d.as_secs_f64())
}

/// SIGKILL comes when the grace period ends: it must cover the whole shutdown.
pub(crate) fn check_grace(
    problems: &mut Problems,
    at: &str,
    setting: &str,
    grace: Duration,
    runtime: &RuntimeSettings,
    killer: &str,
) {
    let needed = runtime.shutdown_delay + runtime.shutdown_timeout + MARGIN;
    if grace < needed {
        problems.add(
            at,
            format!(
                "{setting} {} < SHUTDOWN_DELAY {} + SHUTDOWN_TIMEOUT {} + margin {} = {}: \
                 {killer} would cut the drain",
                secs(grace),
                secs(runtime.shutdown_delay),
                secs(runtime.shutdown_timeout),
                secs(MARGIN),
                secs(needed)
            ),
        );
    }
}
