//! The Compose `prometheus` service and its config, `deploy/prometheus.yml`: the
//! official image at a pinned version, hardened like the other services, the config
//! mounted where the image reads it; its scrape targets are exactly the Compose
//! services whose program serves `/metrics`, each on its `METRICS_PORT` and at
//! `twelve::http::METRICS_PATH`; and `promtool check config` accepts the file.

use std::collections::BTreeSet;

use serde_norway::Value;
use twelve::Config;
use twelve::http::METRICS_PATH;
use twelve::runtime::RuntimeSettings;

use crate::dockerfile::image;
use crate::env::Val;
use crate::support::process::{LIMIT, clean_command, output_within};
use crate::yaml::{mapping, strings, text, yaml_documents};
use crate::{Problems, root};

const COMPOSE: &str = "deploy/docker-compose.yml";
const CONFIG: &str = "deploy/prometheus.yml";
/// Where the official image reads its config.
const CONFIG_IN_IMAGE: &str = "/etc/prometheus/prometheus.yml";

/// Whether a Compose service runs Prometheus' image (checked here, not with the
/// services that run the project's image).
pub(crate) fn is_prometheus(service: &Value) -> bool {
    text(&service["image"]).is_some_and(|image| image.starts_with("prom/prometheus"))
}

/// The runtime settings of a Compose service of the project's image: the image's
/// environment, then the service's. (Their full check is compose.rs's.)
fn runtime_of(service: &Value) -> Option<RuntimeSettings> {
    let mut pairs: Vec<(String, String)> = image(&mut Problems::default())
        .env
        .into_iter()
        .filter_map(|(k, setting)| match setting.val {
            Val::Text(v) => Some((k, v)),
            _ => None,
        })
        .collect();
    for (key, value) in mapping(&service["environment"]) {
        if let Some(value) = text(&value) {
            pairs.retain(|(k, _)| *k != key);
            pairs.push((key, value));
        }
    }
    RuntimeSettings::from_vars(pairs).ok()
}

#[test]
fn compose_prometheus_scrapes_every_service_that_serves_metrics() {
    let mut problems = Problems::default();
    let compose = yaml_documents(COMPOSE).pop().expect("one document");
    let services = mapping(&compose["services"]);
    let prometheus: Vec<(&String, &Value)> =
        services.iter().filter(|(_, s)| is_prometheus(s)).collect();
    let [(name, service)] = prometheus.as_slice() else {
        panic!(
            "{COMPOSE}: one prometheus service expected, found {}",
            prometheus.len()
        );
    };
    let at = format!("{COMPOSE}: service {name}");

    let image = text(&service["image"]).unwrap_or_default();
    let tag = image
        .split_once(':')
        .map(|(_, tag)| tag)
        .unwrap_or_default();
    if !tag.starts_with('v') || !tag.contains('.') {
        problems.add(
            &at,
            format!("image {image}: pin a release (prom/prometheus:vX.Y.Z)"),
        );
    }
    if service["read_only"].as_bool() != Some(true) {
        problems.add(&at, "read_only is not true");
    }
    if !strings(&service["cap_drop"]).iter().any(|c| c == "ALL") {
        problems.add(&at, "cap_drop lacks ALL");
    }
    let mounts = strings(&service["volumes"]);
    let config_mount = mounts.iter().find_map(|m| {
        let mut parts = m.split(':');
        let (source, target) = (parts.next()?, parts.next()?);
        (target == CONFIG_IN_IMAGE).then(|| source.to_owned())
    });
    match config_mount {
        Some(source) if root().join("deploy").join(&source) == root().join(CONFIG) => {}
        other => problems.add(
            &at,
            format!("{CONFIG} is not mounted at {CONFIG_IN_IMAGE} (mounts {other:?})"),
        ),
    }

    // What should be scraped: every service of the project's image that serves metrics.
    let mut expected = BTreeSet::new();
    for (service_name, service) in &services {
        if is_prometheus(service) {
            continue;
        }
        match runtime_of(service) {
            Some(runtime) if runtime.metrics_enabled => {
                expected.insert(format!("{service_name}:{}", runtime.metrics_port));
            }
            Some(_) => {}
            None => problems.add(
                format!("{COMPOSE}: service {service_name}"),
                "its runtime settings don't load (see compose_agrees_with_the_code)",
            ),
        }
    }
    // What is scraped.
    let config = yaml_documents(CONFIG).pop().expect("one document");
    let mut scraped = BTreeSet::new();
    for job in config["scrape_configs"].as_sequence().into_iter().flatten() {
        let job_name = text(&job["job_name"]).unwrap_or_default();
        let path = text(&job["metrics_path"]).unwrap_or_else(|| "/metrics".into());
        if path != METRICS_PATH {
            problems.add(
                CONFIG,
                format!("job {job_name}: metrics_path {path} is not {METRICS_PATH}"),
            );
        }
        for static_config in job["static_configs"].as_sequence().into_iter().flatten() {
            scraped.extend(strings(&static_config["targets"]));
        }
    }
    for missing in expected.difference(&scraped) {
        problems.add(
            CONFIG,
            format!("does not scrape {missing}, which serves /metrics"),
        );
    }
    for extra in scraped.difference(&expected) {
        problems.add(
            CONFIG,
            format!("scrapes {extra}, which is no service of {COMPOSE} serving /metrics there"),
        );
    }
    problems.assert_none(CONFIG);
}

#[test]
fn promtool_accepts_the_prometheus_config() {
    let promtool = std::env::var_os("PATH")
        .and_then(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("promtool"))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| {
            panic!(
                "`promtool` is not on PATH: this test runs it. Install Debian's `prometheus` \
                 package (`apt-get install -y prometheus`, as .ci/run does)"
            )
        });
    let mut check = clean_command(promtool);
    check.args(["check", "config"]).arg(root().join(CONFIG));
    let output = output_within(&mut check, LIMIT, "promtool check config");
    assert!(
        output.status.success(),
        "promtool check config {CONFIG}:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
