//! The release stage in Kubernetes (issue 10): the web Deployment runs `--check-config`
//! as an initContainer with the same image and the same environment as the service,
//! so that a bad release never replaces a good pod.

use serde_norway::Value;

use super::Manifests;
use crate::Problems;
use crate::yaml::strings;

/// The keys that must be the same in the check and the service: what the program is,
/// and everything that makes its environment (ConfigMaps, values, mounted secrets).
const SAME: [&str; 5] = ["image", "envFrom", "env", "volumeMounts", "securityContext"];

#[test]
fn the_web_pod_checks_its_config_before_it_starts() {
    let mut problems = Problems::default();
    let manifests = Manifests::read(&mut Problems::default());
    let mut checked = 0;
    for doc in manifests.of_kind("Deployment") {
        let pod = &doc.value["spec"]["template"]["spec"];
        let Some(service) = pod["containers"].as_sequence().and_then(|c| c.first()) else {
            continue;
        };
        let service_command = strings(&service["command"]);
        if service_command.first().map(String::as_str) != Some("/usr/local/bin/web") {
            continue;
        }
        let inits = pod["initContainers"]
            .as_sequence()
            .cloned()
            .unwrap_or_default();
        let Some(check) = inits
            .iter()
            .find(|c| strings(&c["command"]).last().map(String::as_str) == Some("--check-config"))
        else {
            problems.add(doc.at(), "no initContainer runs `--check-config`");
            continue;
        };
        checked += 1;
        let at = format!(
            "{}, initContainer {:?}",
            doc.at(),
            check["name"].as_str().unwrap_or("")
        );
        let mut expected = service_command.clone();
        expected.push("--check-config".into());
        if strings(&check["command"]) != expected {
            problems.add(
                &at,
                format!("command is not the service's + --check-config: {expected:?}"),
            );
        }
        if !check["args"].is_null() {
            problems.add(
                &at,
                "args: `--check-config` must be the one and only argument",
            );
        }
        for key in SAME {
            if check[key] != service[key] {
                problems.add(&at, format!("{key} differs from the service container's"));
            }
        }
        if check["ports"] != Value::Null {
            problems.add(&at, "ports: the check binds nothing");
        }
    }
    if checked == 0 {
        problems.add("deploy/k8s", "no web Deployment found");
    }
    problems.assert_none("deploy/k8s --check-config initContainer");
}
