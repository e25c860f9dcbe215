//! Docker Compose: `deploy/docker-compose.yml` against the image and the code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use serde_norway::Value;

use crate::dockerfile::image;
use crate::env::{Val, check_env, set};
use crate::yaml::{mapping, show, strings, text, yaml_documents};
use crate::{Problems, check_grace, duration, root};

/// Docker Compose's default `stop_grace_period`.
pub(crate) const COMPOSE_GRACE: Duration = Duration::from_secs(10);

#[test]
fn compose_agrees_with_the_code() {
    const AT: &str = "deploy/docker-compose.yml";
    let mut problems = Problems::default();
    let image = image(&mut Problems::default());
    let compose = yaml_documents(AT).pop().expect("one document");
    let top_secrets = mapping(&compose["secrets"]);
    let services = mapping(&compose["services"]);
    assert!(!services.is_empty(), "{AT}: no services");

    let mut images = BTreeSet::new();
    let mut built = false;
    for (name, service) in &services {
        let at = format!("{AT}: service {name}");
        // Prometheus runs its own image: checked by crate::prometheus.
        if crate::prometheus::is_prometheus(service) {
            continue;
        }
        images.insert(text(&service["image"]).unwrap_or_default());
        if !service["build"].is_null() {
            built = true;
            let context = text(&service["build"]["context"]).unwrap_or_else(|| ".".into());
            let context = root().join("deploy").join(context);
            let dockerfile =
                text(&service["build"]["dockerfile"]).unwrap_or_else(|| "Dockerfile".into());
            let same = |a: &Path, b: &Path| a.canonicalize().ok() == b.canonicalize().ok();
            if !same(&context, &root())
                || !same(&context.join(dockerfile), &root().join("deploy/Dockerfile"))
            {
                problems.add(
                    &at,
                    "builds something else than deploy/Dockerfile with the repository as context",
                );
            }
        }
        for key in ["command", "env_file"] {
            if !service[key].is_null() {
                problems.add(
                    &at,
                    format!("{key} is not checked by tests/deploy (the examples take no arguments; use environment)"),
                );
            }
        }
        let entrypoint = match &service["entrypoint"] {
            Value::Null => None,
            Value::String(s) => Some(s.split_whitespace().map(str::to_owned).collect()),
            other => Some(strings(other)),
        };
        let Some(program) = image.program(&mut problems, &at, entrypoint) else {
            continue;
        };

        let mut env = image.env.clone();
        let origin = format!("{at} environment");
        match &service["environment"] {
            Value::Mapping(_) => {
                for (key, value) in mapping(&service["environment"]) {
                    let val = text(&value).map_or(Val::Runtime, Val::Text);
                    set(&mut env, &key, val, &origin);
                }
            }
            Value::Sequence(_) => {
                for item in strings(&service["environment"]) {
                    match item.split_once('=') {
                        Some((key, value)) => set(&mut env, key, Val::Text(value.into()), &origin),
                        None => set(&mut env, &item, Val::Runtime, &origin),
                    }
                }
            }
            _ => {}
        }

        // Secrets: /run/secrets/<name>, from a file next to the compose file.
        let mut mounted: BTreeMap<String, String> = BTreeMap::new();
        for secret in service["secrets"].as_sequence().into_iter().flatten() {
            let (source, target) = match secret {
                Value::String(s) => (s.clone(), s.clone()),
                other => {
                    let source = text(&other["source"]).unwrap_or_default();
                    (source.clone(), text(&other["target"]).unwrap_or(source))
                }
            };
            let path = if target.starts_with('/') {
                target
            } else {
                format!("/run/secrets/{target}")
            };
            mounted.insert(path, source);
        }
        let mut secret_values = BTreeMap::new();
        for (secret, path) in program.secret_files_set(&env) {
            let file_var = format!("{secret}_FILE");
            let path = &path;
            let Some(source) = mounted.get(path) else {
                problems.add(
                    &at,
                    format!("{file_var}={path} is not one of the service's secrets"),
                );
                continue;
            };
            let file = top_secrets
                .get(source)
                .and_then(|s| text(&s["file"]))
                .map(|f| root().join("deploy").join(f));
            match file.map(std::fs::read_to_string) {
                Some(Ok(value)) => {
                    let value = value.strip_suffix('\n').unwrap_or(&value).to_owned();
                    secret_values.insert(secret.clone(), value);
                }
                _ => problems.add(&at, format!("secret {source} names no readable file")),
            }
        }
        let runtime = check_env(&mut problems, &at, program, &env, &secret_values);

        let user = text(&service["user"]).unwrap_or_default();
        if user
            .split(':')
            .next()
            .is_some_and(|u| u == "0" || u == "root")
        {
            problems.add(&at, format!("user {user} is root"));
        }
        if service["read_only"].as_bool() != Some(true) {
            problems.add(&at, "read_only is not true");
        }
        if !strings(&service["cap_drop"]).iter().any(|c| c == "ALL") {
            problems.add(&at, "cap_drop lacks ALL");
        }
        // No shell, curl or wget in the image: a healthcheck can only run a binary of it.
        let health = &service["healthcheck"]["test"];
        if !health.is_null() {
            let words = strings(health);
            let runs = match words.first().map(String::as_str) {
                Some("CMD") => words.get(1).cloned(),
                Some("NONE") => None,
                _ => Some("/bin/sh".into()),
            };
            if let Some(binary) = runs.filter(|b| !image.binaries.values().any(|p| p == b)) {
                problems.add(
                    &at,
                    format!("the healthcheck runs {binary}, which the distroless image lacks"),
                );
            }
        }

        let Some(runtime) = runtime else { continue };
        for port in service["ports"].as_sequence().into_iter().flatten() {
            let container = match port {
                Value::Mapping(_) => port["target"].as_u64(),
                other => text(other).and_then(|p| {
                    let p = p.split('/').next().unwrap_or_default().to_owned();
                    p.rsplit(':').next().and_then(|c| c.parse().ok())
                }),
            };
            let metrics =
                runtime.metrics_enabled && container == Some(u64::from(runtime.metrics_port));
            if container != Some(u64::from(runtime.port)) && !metrics {
                problems.add(
                    &at,
                    format!(
                        "port {} publishes neither PORT {} nor METRICS_PORT {}",
                        show(port),
                        runtime.port,
                        runtime.metrics_port
                    ),
                );
            }
        }
        let grace = match text(&service["stop_grace_period"]) {
            None => Ok(COMPOSE_GRACE),
            Some(text) => duration(&text),
        };
        match grace {
            Ok(grace) => {
                let killer = "Docker's SIGKILL";
                check_grace(
                    &mut problems,
                    &at,
                    "stop_grace_period",
                    grace,
                    &runtime,
                    killer,
                );
            }
            Err(e) => problems.add(&at, format!("stop_grace_period: {e}")),
        }
    }
    if !built || images.len() != 1 {
        problems.add(
            AT,
            format!(
                "every service runs the one image built from deploy/Dockerfile, got {images:?}"
            ),
        );
    }
    problems.assert_none(AT);
}
