//! HorizontalPodAutoscalers and PodDisruptionBudgets: the autoscaler targets a
//! Deployment that exists (and can measure what it scales by), the budget selects
//! that Deployment's pods and no others, and their numbers leave room for each other:
//! `minAvailable` below the autoscaler's minimum, so that draining a node can always
//! evict a pod; and a Deployment an autoscaler scales sets no `replicas` of its own.

use std::collections::BTreeMap;

use serde_norway::Value;

use super::{Doc, Manifests, is_subset, labels};
use crate::Problems;
use crate::yaml::{show, text};

/// The autoscaler's `minReplicas` (Kubernetes' default 1) and `maxReplicas`.
fn bounds(hpa: &Doc) -> (u64, Option<u64>) {
    let spec = &hpa.value["spec"];
    (
        spec["minReplicas"].as_u64().unwrap_or(1),
        spec["maxReplicas"].as_u64(),
    )
}

/// The Deployment an autoscaler targets, when its `scaleTargetRef` names one of
/// deploy/k8s.
fn target<'a>(manifests: &'a Manifests, hpa: &Doc) -> Option<&'a Doc> {
    let target = &hpa.value["spec"]["scaleTargetRef"];
    if target["kind"].as_str() != Some("Deployment") || target["apiVersion"] != "apps/v1" {
        return None;
    }
    let name = text(&target["name"])?;
    manifests.of_kind("Deployment").find(|d| d.name() == name)
}

/// What is wrong with `deployment`'s own `replicas` when `hpa` scales it: any value.
/// The autoscaler owns the count; each `kubectl apply` of a Deployment that names one
/// resets the count the autoscaler chose (and one outside its bounds resizes it out of
/// them) until it reacts.
fn replicas_under(deployment: &Doc, hpa: &Doc) -> Option<String> {
    let replicas = &deployment.value["spec"]["replicas"];
    (!replicas.is_null()).then(|| {
        format!(
            "replicas {} set, while {} scales it: each `kubectl apply` resets the count the \
             autoscaler chose; leave replicas out",
            show(replicas),
            hpa.at()
        )
    })
}

/// The pod labels of each Deployment and Job, by `<kind> <name>`.
fn pod_labels(manifests: &Manifests) -> BTreeMap<String, BTreeMap<String, String>> {
    manifests
        .workloads()
        .map(|d| {
            (
                format!("{} {}", d.kind(), d.name()),
                labels(&d.value["spec"]["template"]["metadata"]["labels"]),
            )
        })
        .collect()
}

#[test]
fn autoscalers_target_a_deployment_that_exists_and_can_measure_it() {
    let mut problems = Problems::default();
    let manifests = Manifests::read(&mut Problems::default());
    for hpa in manifests.of_kind("HorizontalPodAutoscaler") {
        if hpa.value["apiVersion"] != "autoscaling/v2" {
            problems.add(
                hpa.at(),
                format!(
                    "apiVersion {} is not autoscaling/v2",
                    show(&hpa.value["apiVersion"])
                ),
            );
        }
        let Some(deployment) = target(&manifests, hpa) else {
            problems.add(
                hpa.at(),
                format!(
                    "scaleTargetRef {} is not an apps/v1 Deployment of deploy/k8s",
                    show(&hpa.value["spec"]["scaleTargetRef"])
                ),
            );
            continue;
        };
        let (min, max) = bounds(hpa);
        match max {
            Some(max) if min >= 1 && min <= max && max > 1 => {}
            _ => problems.add(
                hpa.at(),
                format!("minReplicas {min}, maxReplicas {max:?}: want 1 <= min <= max, max > 1"),
            ),
        }
        if let Some(problem) = replicas_under(deployment, hpa) {
            problems.add(deployment.at(), problem);
        }
        // A Resource metric of type Utilization is a share of the containers'
        // requests: each container of the pods needs one.
        for metric in hpa.value["spec"]["metrics"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            let resource = &metric["resource"];
            if metric["type"] != "Resource" || resource["target"]["type"] != "Utilization" {
                continue;
            }
            let name = text(&resource["name"]).unwrap_or_default();
            for container in deployment.value["spec"]["template"]["spec"]["containers"]
                .as_sequence()
                .into_iter()
                .flatten()
            {
                if container["resources"]["requests"][name.as_str()].is_null() {
                    problems.add(
                        deployment.at(),
                        format!(
                            "container {} requests no {name}: {} can't compute its utilization",
                            show(&container["name"]),
                            hpa.at()
                        ),
                    );
                }
            }
        }
    }
    problems.assert_none("deploy/k8s HorizontalPodAutoscalers");
}

#[test]
fn a_deployment_with_replicas_under_an_autoscaler_is_a_problem() {
    let doc = |yaml: &str| Doc {
        file: "test.yaml".into(),
        value: serde_norway::from_str(yaml).expect("YAML"),
    };
    let hpa = doc("kind: HorizontalPodAutoscaler\nmetadata: {name: w}\nspec: {minReplicas: 2}");
    for replicas in ["2", "1", "0", "\"3\""] {
        let deployment = doc(&format!(
            "kind: Deployment\nmetadata: {{name: w}}\nspec: {{replicas: {replicas}}}"
        ));
        let problem = replicas_under(&deployment, &hpa).expect("a problem");
        assert!(
            problem.contains("test.yaml: HorizontalPodAutoscaler w"),
            "{problem}"
        );
    }
    let deployment = doc("kind: Deployment\nmetadata: {name: w}\nspec: {selector: {}}");
    assert_eq!(replicas_under(&deployment, &hpa), None);
}

#[test]
fn disruption_budgets_select_one_deployments_pods_and_leave_room_to_drain() {
    let mut problems = Problems::default();
    let manifests = Manifests::read(&mut Problems::default());
    let pods = pod_labels(&manifests);
    let autoscalers: Vec<&Doc> = manifests.of_kind("HorizontalPodAutoscaler").collect();
    for pdb in manifests.of_kind("PodDisruptionBudget") {
        let spec = &pdb.value["spec"];
        let selector = labels(&spec["selector"]["matchLabels"]);
        if !spec["selector"]["matchExpressions"].is_null() {
            problems.add(pdb.at(), "matchExpressions are not checked by tests/deploy");
        }
        let selected: Vec<&String> = pods
            .iter()
            .filter(|(_, l)| is_subset(&selector, l))
            .map(|(w, _)| w)
            .collect();
        let [workload] = selected[..] else {
            problems.add(
                pdb.at(),
                format!(
                    "selector {selector:?} selects the pods of {selected:?}, not one Deployment's"
                ),
            );
            continue;
        };
        let Some(deployment) = manifests
            .of_kind("Deployment")
            .find(|d| format!("Deployment {}", d.name()) == *workload)
        else {
            problems.add(pdb.at(), format!("selects {workload}, not a Deployment"));
            continue;
        };
        // The fewest pods the Deployment runs: the autoscaler's minimum, else its
        // replicas (Kubernetes' default 1).
        let hpa = autoscalers
            .iter()
            .find(|h| target(&manifests, h).is_some_and(|d| d.name() == deployment.name()));
        let fewest = match hpa {
            Some(hpa) => bounds(hpa).0,
            None => deployment.value["spec"]["replicas"].as_u64().unwrap_or(1),
        };
        match (&spec["minAvailable"], &spec["maxUnavailable"]) {
            (Value::Number(n), Value::Null) => {
                let min_available = n.as_u64().unwrap_or(u64::MAX);
                if min_available >= fewest {
                    problems.add(
                        pdb.at(),
                        format!(
                            "minAvailable {min_available} is not below the {fewest} pods {} \
                             may run: no pod could be evicted to drain a node",
                            deployment.at()
                        ),
                    );
                }
            }
            (Value::Null, Value::Number(n)) if n.as_u64().is_some_and(|n| n >= 1) => {}
            (min, max) => problems.add(
                pdb.at(),
                format!(
                    "minAvailable {} / maxUnavailable {}: give one whole number (percentages \
                     are not checked by tests/deploy)",
                    show(min),
                    show(max)
                ),
            ),
        }
    }
    problems.assert_none("deploy/k8s PodDisruptionBudgets");
}

#[test]
fn every_deployment_behind_a_service_scales_and_has_a_disruption_budget() {
    let mut problems = Problems::default();
    let manifests = Manifests::read(&mut Problems::default());
    let services: Vec<BTreeMap<String, String>> = manifests
        .of_kind("Service")
        .map(|s| labels(&s.value["spec"]["selector"]))
        .collect();
    for deployment in manifests.of_kind("Deployment") {
        let pods = labels(&deployment.value["spec"]["template"]["metadata"]["labels"]);
        if !services.iter().any(|s| is_subset(s, &pods)) {
            continue;
        }
        if !manifests
            .of_kind("HorizontalPodAutoscaler")
            .any(|h| target(&manifests, h).is_some_and(|d| d.name() == deployment.name()))
        {
            problems.add(
                deployment.at(),
                "serves a Service but no HorizontalPodAutoscaler targets it",
            );
        }
        if !manifests
            .of_kind("PodDisruptionBudget")
            .any(|p| is_subset(&labels(&p.value["spec"]["selector"]["matchLabels"]), &pods))
        {
            problems.add(
                deployment.at(),
                "serves a Service but no PodDisruptionBudget selects its pods",
            );
        }
    }
    problems.assert_none("deploy/k8s scaling");
}
