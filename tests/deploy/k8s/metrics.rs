//! Metrics (feature `metrics`) in the manifests: each Deployment container whose
//! program serves `/metrics` (`METRICS_ENABLED`, on by default) declares its
//! `METRICS_PORT` as a port named `metrics`, and its pod carries the
//! `prometheus.io/scrape`, `port` and `path` annotations a `kubernetes-pods` scrape job
//! reads, agreeing with it; a pod whose program serves no metrics is not annotated for
//! scraping; a Service selecting pods that serve metrics exposes their port.

use serde_norway::Value;
use twelve::http::METRICS_PATH;

use super::services::targets;
use super::{Manifests, check_ports};
use crate::Problems;

#[test]
fn pods_declare_and_annotate_the_metrics_port() {
    let mut problems = Problems::default();
    let mut manifests = Manifests::read(&mut Problems::default());
    for running in manifests.running(&mut Problems::default()) {
        let Some(runtime) = &running.runtime else {
            continue;
        };
        let container = &running.container;
        let (at, value) = (&container.at, &container.value);
        let annotation = |key: &str| container.pod_annotations.get(key).map(String::as_str);
        if !runtime.metrics_enabled {
            if annotation("prometheus.io/scrape") == Some("true") {
                problems.add(
                    at,
                    "prometheus.io/scrape is \"true\", but METRICS_ENABLED=false: nothing answers",
                );
            }
            continue;
        }
        if !container.is_deployment {
            continue; // A Job may serve metrics while it runs; nothing need scrape it.
        }
        // The ports' own problems are reported by their test.
        let named = check_ports(&mut Problems::default(), at, value, runtime, true);
        let port = runtime.metrics_port;
        if named.get("metrics") != Some(&u64::from(port)) {
            problems.add(
                at,
                format!("no container port named metrics with METRICS_PORT {port}"),
            );
        }
        let port_text = port.to_string();
        for (key, want) in [
            ("prometheus.io/scrape", "true"),
            ("prometheus.io/port", port_text.as_str()),
            ("prometheus.io/path", METRICS_PATH),
        ] {
            if annotation(key) != Some(want) {
                problems.add(
                    at,
                    format!(
                        "pod annotation {key} is {:?}, not {want:?}",
                        annotation(key)
                    ),
                );
            }
        }
    }
    problems.assert_none("deploy/k8s metrics ports and annotations");
}

#[test]
fn services_expose_the_metrics_port_of_their_pods() {
    let mut problems = Problems::default();
    let mut manifests = Manifests::read(&mut Problems::default());
    let served = manifests.served();
    // Services that select nothing are reported by services.rs.
    for (doc, selected) in targets(&manifests, &served, &mut Problems::default()) {
        for target in selected {
            let Some(runtime) = target.runtime.as_ref().filter(|r| r.metrics_enabled) else {
                continue;
            };
            let exposed = doc.value["spec"]["ports"]
                .as_sequence()
                .into_iter()
                .flatten()
                .any(|port| {
                    let target_port = match &port["targetPort"] {
                        Value::String(name) => target.named_ports.get(name).copied(),
                        Value::Null => port["port"].as_u64(),
                        other => other.as_u64(),
                    };
                    target_port == Some(u64::from(runtime.metrics_port))
                });
            if !exposed {
                problems.add(
                    doc.at(),
                    format!(
                        "no port targets METRICS_PORT {} of {}",
                        runtime.metrics_port, target.at
                    ),
                );
            }
        }
    }
    problems.assert_none("deploy/k8s Services and metrics");
}
