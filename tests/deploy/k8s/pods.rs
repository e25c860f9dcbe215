//! The pods and their containers: selectors, service links, the program each runs,
//! security, grace periods, ports, probes, one image.

use std::collections::BTreeSet;

use serde_norway::Value;

use super::{Manifests, check_ports, check_probes, is_subset, labels};
use crate::dockerfile::Image;
use crate::yaml::{strings, text};
use crate::{Problems, check_grace};

#[test]
fn deployments_select_their_own_pods() {
    let mut problems = Problems::default();
    let manifests = Manifests::read(&mut Problems::default());
    for doc in manifests.of_kind("Deployment") {
        let selector = labels(&doc.value["spec"]["selector"]["matchLabels"]);
        let pod_labels = labels(&doc.value["spec"]["template"]["metadata"]["labels"]);
        if !is_subset(&selector, &pod_labels) {
            problems.add(
                doc.at(),
                format!("selector {selector:?} does not select its pod labels {pod_labels:?}"),
            );
        }
    }
    problems.assert_none("deploy/k8s selectors");
}

#[test]
fn pods_get_no_service_link_variables() {
    let mut problems = Problems::default();
    let manifests = Manifests::read(&mut Problems::default());
    for doc in manifests.workloads() {
        let pod = &doc.value["spec"]["template"]["spec"];
        if pod["enableServiceLinks"].as_bool() != Some(false) {
            problems.add(
                doc.at(),
                "set enableServiceLinks: false, or Kubernetes adds <SERVICE>_PORT and \
                 <SERVICE>_HOST variables the programs do not read",
            );
        }
    }
    problems.assert_none("deploy/k8s service links");
}

#[test]
fn containers_run_an_example_binary_without_arguments() {
    let mut problems = Problems::default();
    let manifests = Manifests::read(&mut Problems::default());
    for doc in manifests.workloads() {
        let containers = &doc.value["spec"]["template"]["spec"]["containers"];
        if containers.as_sequence().is_none_or(Vec::is_empty) {
            problems.add(doc.at(), "no containers");
        }
    }
    for container in manifests.containers() {
        let at = &container.at;
        if !container.value["args"].is_null() {
            problems.add(
                at,
                "args: the examples take no arguments, config is in the environment",
            );
        }
        manifests
            .image
            .program(&mut problems, at, container.command());
    }
    problems.assert_none("deploy/k8s commands");
}

/// Non-root, no privilege escalation, a read-only root filesystem, no capabilities.
fn check_security(
    problems: &mut Problems,
    at: &str,
    image: &Image,
    pod: &Value,
    container: &Value,
) {
    let pod_sc = &pod["securityContext"];
    let sc = &container["securityContext"];
    // The container's setting wins over the pod's.
    let pick = |key: &str| {
        if sc[key].is_null() {
            pod_sc[key].clone()
        } else {
            sc[key].clone()
        }
    };
    if pick("runAsNonRoot").as_bool() != Some(true) {
        problems.add(at, "runAsNonRoot is not true");
    }
    if let Some(uid) = pick("runAsUser").as_u64() {
        if uid == 0 {
            problems.add(at, "runAsUser is 0 (root)");
        } else if image
            .uid()
            .is_some_and(|image_uid| u64::from(image_uid) != uid)
        {
            problems.add(
                at,
                format!("runAsUser {uid} is not the image's USER {:?}", image.user),
            );
        }
    }
    if sc["allowPrivilegeEscalation"].as_bool() != Some(false) {
        problems.add(at, "securityContext.allowPrivilegeEscalation is not false");
    }
    if sc["readOnlyRootFilesystem"].as_bool() != Some(true) {
        problems.add(at, "securityContext.readOnlyRootFilesystem is not true");
    }
    if !strings(&sc["capabilities"]["drop"])
        .iter()
        .any(|c| c == "ALL")
    {
        problems.add(at, "securityContext.capabilities.drop lacks ALL");
    }
}

#[test]
fn containers_run_as_non_root_with_a_read_only_root_filesystem() {
    let mut problems = Problems::default();
    let manifests = Manifests::read(&mut Problems::default());
    for container in manifests.containers() {
        let (at, pod, value) = (&container.at, &container.pod, &container.value);
        check_security(&mut problems, at, &manifests.image, pod, value);
    }
    problems.assert_none("deploy/k8s security");
}

#[test]
fn grace_periods_cover_the_whole_shutdown() {
    let mut problems = Problems::default();
    let mut manifests = Manifests::read(&mut Problems::default());
    // The environments' problems (no runtime settings) are reported by their test.
    for running in manifests.running(&mut Problems::default()) {
        let Some(runtime) = &running.runtime else {
            continue;
        };
        let container = &running.container;
        check_grace(
            &mut problems,
            &container.at,
            "terminationGracePeriodSeconds",
            container.grace,
            runtime,
            "the kubelet's SIGKILL",
        );
    }
    problems.assert_none("deploy/k8s grace periods");
}

#[test]
fn container_ports_are_the_port_the_program_binds() {
    let mut problems = Problems::default();
    let mut manifests = Manifests::read(&mut Problems::default());
    for running in manifests.running(&mut Problems::default()) {
        let Some(runtime) = &running.runtime else {
            continue;
        };
        let container = &running.container;
        let (at, value) = (&container.at, &container.value);
        check_ports(&mut problems, at, value, runtime, container.is_deployment);
    }
    problems.assert_none("deploy/k8s ports");
}

#[test]
fn deployments_probe_the_health_routes_on_port() {
    let mut problems = Problems::default();
    let mut manifests = Manifests::read(&mut Problems::default());
    for running in manifests.running(&mut Problems::default()) {
        let (Some(runtime), true) = (&running.runtime, running.container.is_deployment) else {
            continue;
        };
        let container = &running.container;
        let (at, value) = (&container.at, &container.value);
        // The ports' own problems are reported by their test.
        let named_ports = check_ports(&mut Problems::default(), at, value, runtime, true);
        check_probes(&mut problems, at, value, &named_ports, runtime);
    }
    problems.assert_none("deploy/k8s probes");
}

#[test]
fn one_image_runs_every_process_type() {
    let mut problems = Problems::default();
    let manifests = Manifests::read(&mut Problems::default());
    let images: BTreeSet<String> = manifests
        .containers()
        .iter()
        .map(|c| text(&c.value["image"]).unwrap_or_default())
        .collect();
    if images.len() > 1 {
        problems.add(
            "deploy/k8s",
            format!("one image runs every process type, the manifests name {images:?}"),
        );
    }
    problems.assert_none("deploy/k8s images");
}
