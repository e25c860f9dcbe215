//! Secret values stay in Secrets: no ConfigMap, environment or image holds one.

use std::collections::BTreeSet;

use crate::k8s::{k8s_documents, secret_keys};
use crate::programs::{PROGRAMS, Program};
use crate::yaml::{mapping, text, yaml_documents};
use crate::{Problems, read, root};

#[test]
fn secret_values_stay_in_secrets() {
    let mut problems = Problems::default();
    let docs = k8s_documents();
    // Every secret value in the repository's deployment files.
    let mut values: Vec<(String, String)> = Vec::new();
    for doc in docs.iter().filter(|d| d.kind() == "Secret") {
        for (key, value) in secret_keys(&doc.value) {
            if let Some(value) = value {
                values.push((format!("{} key {key}", doc.at()), value));
            }
        }
    }
    let compose = yaml_documents("deploy/docker-compose.yml")
        .pop()
        .expect("one document");
    for (name, secret) in mapping(&compose["secrets"]) {
        if let Some(file) = text(&secret["file"]) {
            if let Ok(value) = std::fs::read_to_string(root().join("deploy").join(&file)) {
                values.push((
                    format!("compose secret {name} ({file})"),
                    value.trim().to_owned(),
                ));
            }
        }
    }
    assert!(
        !values.is_empty(),
        "no secret found: the Secret and compose secret files moved?"
    );
    let secret_names: BTreeSet<String> = PROGRAMS.iter().flat_map(Program::secret_vars).collect();

    // Plain text that must hold none of them.
    let mut plain: Vec<(String, String, String)> = Vec::new();
    for doc in docs.iter().filter(|d| d.kind() == "ConfigMap") {
        for (key, value) in mapping(&doc.value["data"]) {
            plain.push((doc.at(), key, text(&value).unwrap_or_default()));
        }
    }
    for doc in docs
        .iter()
        .filter(|d| matches!(d.kind(), "Deployment" | "Job"))
    {
        for container in doc.value["spec"]["template"]["spec"]["containers"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            for var in container["env"].as_sequence().into_iter().flatten() {
                if let (Some(key), Some(value)) = (text(&var["name"]), text(&var["value"])) {
                    plain.push((doc.at(), key, value));
                }
            }
        }
    }
    for (name, service) in mapping(&compose["services"]) {
        for (key, value) in mapping(&service["environment"]) {
            plain.push((
                format!("deploy/docker-compose.yml: service {name}"),
                key,
                text(&value).unwrap_or_default(),
            ));
        }
    }
    let dockerfile = read("deploy/Dockerfile");

    for (at, key, value) in &plain {
        if secret_names.contains(key) {
            problems.add(
                at,
                format!("{key} is a secret field: mount it and set {key}_FILE"),
            );
        }
        for (origin, secret) in &values {
            if !secret.is_empty() && value.contains(secret.as_str()) {
                problems.add(at, format!("{key} holds the value of {origin}"));
            }
        }
    }
    for (origin, secret) in &values {
        if !secret.is_empty() && dockerfile.contains(secret.as_str()) {
            problems.add("deploy/Dockerfile", format!("holds the value of {origin}"));
        }
    }
    problems.assert_none("secrets");
}
