//! The Services: they select a Deployment and target the `PORT` it binds (or its
//! `METRICS_PORT`), and its readiness probe takes a stopping pod out within
//! `SHUTDOWN_DELAY`.

use serde_norway::Value;

use super::{Doc, Manifests, Served, is_subset, labels};
use crate::yaml::show;
use crate::{Problems, secs};

/// Each Service with the running Deployment containers it selects; `problems` gets the
/// Services that select none.
pub(crate) fn targets<'a>(
    manifests: &'a Manifests,
    served: &'a [Served],
    problems: &mut Problems,
) -> Vec<(&'a Doc, Vec<&'a Served>)> {
    manifests
        .of_kind("Service")
        .map(|doc| {
            let selector = labels(&doc.value["spec"]["selector"]);
            let targets: Vec<&Served> = served
                .iter()
                .filter(|s| s.is_deployment && is_subset(&selector, &s.labels))
                .collect();
            if targets.is_empty() {
                problems.add(
                    doc.at(),
                    format!("selector {selector:?} selects no Deployment's pods"),
                );
            }
            (doc, targets)
        })
        .collect()
}

#[test]
fn services_target_the_port_of_the_deployments_they_select() {
    let mut problems = Problems::default();
    let mut manifests = Manifests::read(&mut Problems::default());
    let served = manifests.served();
    for (doc, targets) in targets(&manifests, &served, &mut problems) {
        for target in targets {
            let Some(runtime) = &target.runtime else {
                continue;
            };
            for port in doc.value["spec"]["ports"]
                .as_sequence()
                .into_iter()
                .flatten()
            {
                let target_port = match &port["targetPort"] {
                    Value::String(name) => target.named_ports.get(name).copied(),
                    Value::Null => port["port"].as_u64(),
                    other => other.as_u64(),
                };
                let metrics =
                    runtime.metrics_enabled && target_port == Some(u64::from(runtime.metrics_port));
                if target_port != Some(u64::from(runtime.port)) && !metrics {
                    problems.add(
                        doc.at(),
                        format!(
                            "targetPort {} is neither PORT {} nor METRICS_PORT {} of {}",
                            show(&port["targetPort"]),
                            runtime.port,
                            runtime.metrics_port,
                            target.at
                        ),
                    );
                }
            }
        }
    }
    problems.assert_none("deploy/k8s Services");
}

#[test]
fn readiness_takes_a_stopping_pod_out_within_shutdown_delay() {
    let mut problems = Problems::default();
    let mut manifests = Manifests::read(&mut Problems::default());
    let served = manifests.served();
    // Services that select nothing are reported by the test above.
    for (_, targets) in targets(&manifests, &served, &mut Problems::default()) {
        for target in targets {
            let (Some(runtime), Some(window)) = (&target.runtime, target.readiness_window) else {
                continue;
            };
            if window >= runtime.shutdown_delay {
                problems.add(
                    &target.at,
                    format!(
                        "readinessProbe periodSeconds * failureThreshold = {} is not below \
                         SHUTDOWN_DELAY {}: the pod could get traffic after it stops \
                         accepting",
                        secs(window),
                        secs(runtime.shutdown_delay)
                    ),
                );
            }
        }
    }
    problems.assert_none("deploy/k8s readiness");
}
