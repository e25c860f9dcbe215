//! Kubernetes: the manifests in `deploy/k8s/` read as the cluster reads them (the
//! image's environment, then `envFrom`, then `env`; Secrets mounted as files), checked
//! against the image and the code, one test per concern: the documents and their
//! environments in [`config`], the pods and containers in [`pods`], the Services in
//! [`services`], the HorizontalPodAutoscalers and PodDisruptionBudgets in [`scaling`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use serde_norway::Value;
use twelve::http::{LIVE_PATH, READY_PATH};
use twelve::runtime::RuntimeSettings;

use crate::dockerfile::{Image, image};
use crate::env::{Env, Val, check_env, set};
use crate::programs::Program;
use crate::yaml::{mapping, show, strings, text, yaml_documents};
use crate::{Problems, root};

mod check_config;
mod config;
mod metrics;
mod pods;
mod scaling;
mod services;

/// Kubernetes' defaults for fields the manifests may leave out.
pub(crate) const K8S_GRACE_SECONDS: u64 = 30;
pub(crate) const K8S_PROBE_PERIOD: u64 = 10;
pub(crate) const K8S_PROBE_FAILURES: u64 = 3;

/// One document of a manifest file.
pub(crate) struct Doc {
    /// Its file, from the repository root.
    pub(crate) file: String,
    /// The document.
    pub(crate) value: Value,
}

impl Doc {
    /// `kind`.
    pub(crate) fn kind(&self) -> &str {
        self.value["kind"].as_str().unwrap_or("")
    }

    /// `metadata.name`.
    pub(crate) fn name(&self) -> &str {
        self.value["metadata"]["name"].as_str().unwrap_or("")
    }

    /// `<file>: <kind> <name>`, for messages.
    pub(crate) fn at(&self) -> String {
        format!("{}: {} {}", self.file, self.kind(), self.name())
    }
}

/// Every document of every `deploy/k8s/*.yaml`, files in name order.
pub(crate) fn k8s_documents() -> Vec<Doc> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("deploy/k8s"))
        .expect("deploy/k8s")
        .map(|entry| entry.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    let mut docs = Vec::new();
    for path in files {
        let file = path
            .strip_prefix(root())
            .expect("under the root")
            .display()
            .to_string();
        for value in yaml_documents(&file) {
            docs.push(Doc {
                file: file.clone(),
                value,
            });
        }
    }
    docs
}

/// A mapping of labels (or a selector) as text.
pub(crate) fn labels(value: &Value) -> BTreeMap<String, String> {
    mapping(value)
        .into_iter()
        .filter_map(|(k, v)| Some((k, text(&v)?)))
        .collect()
}

/// Whether every one of `small`, which is not empty, is in `big`.
pub(crate) fn is_subset(small: &BTreeMap<String, String>, big: &BTreeMap<String, String>) -> bool {
    !small.is_empty() && small.iter().all(|(k, v)| big.get(k) == Some(v))
}

/// The keys of a Secret, with their values when given as `stringData`.
pub(crate) fn secret_keys(doc: &Value) -> BTreeMap<String, Option<String>> {
    let mut keys: BTreeMap<String, Option<String>> = mapping(&doc["data"])
        .into_keys()
        .map(|k| (k, None))
        .collect();
    for (k, v) in mapping(&doc["stringData"]) {
        keys.insert(k, text(&v));
    }
    keys
}

/// What one workload's container turned out to be, for the Service checks.
pub(crate) struct Served {
    pub(crate) at: String,
    pub(crate) is_deployment: bool,
    pub(crate) labels: BTreeMap<String, String>,
    /// Port name -> number.
    pub(crate) named_ports: BTreeMap<String, u64>,
    pub(crate) runtime: Option<RuntimeSettings>,
    /// periodSeconds * failureThreshold of the readiness probe.
    pub(crate) readiness_window: Option<Duration>,
}
/// The ConfigMaps and Secrets of deploy/k8s, and the ConfigMaps containers use.
#[derive(Default)]
pub(crate) struct Cluster {
    /// Name -> (where it is defined, data).
    pub(crate) config_maps: BTreeMap<String, (String, BTreeMap<String, String>)>,
    /// Name -> key -> value, when given as `stringData`.
    pub(crate) secrets: BTreeMap<String, BTreeMap<String, Option<String>>>,
    pub(crate) used_config_maps: BTreeSet<String>,
}

impl Cluster {
    /// A container's environment: the image's, then `envFrom` in order, then `env`.
    pub(crate) fn env(
        &mut self,
        problems: &mut Problems,
        at: &str,
        image: &Image,
        container: &Value,
    ) -> Env {
        let mut env = image.env.clone();
        for source in container["envFrom"].as_sequence().into_iter().flatten() {
            if !source["prefix"].is_null() {
                problems.add(at, "envFrom with a prefix is not checked by tests/deploy");
            }
            let Some(name) = text(&source["configMapRef"]["name"]) else {
                problems.add(
                    at,
                    "envFrom other than a configMapRef: secrets come as files (X_FILE), \
                     not as environment variables",
                );
                continue;
            };
            self.used_config_maps.insert(name.clone());
            match self.config_maps.get(&name) {
                Some((origin, data)) => {
                    for (key, value) in data {
                        set(&mut env, key, Val::Text(value.clone()), origin);
                    }
                }
                None => problems.add(
                    at,
                    format!("envFrom ConfigMap {name}, which deploy/k8s does not define"),
                ),
            }
        }
        for var in container["env"].as_sequence().into_iter().flatten() {
            let name = text(&var["name"]).unwrap_or_default();
            let from = &var["valueFrom"];
            let val = if let Some(value) = text(&var["value"]) {
                Val::Text(value)
            } else if !from["fieldRef"].is_null() || !from["resourceFieldRef"].is_null() {
                Val::Runtime
            } else if !from["secretKeyRef"].is_null() {
                let secret = text(&from["secretKeyRef"]["name"]).unwrap_or_default();
                let key = text(&from["secretKeyRef"]["key"]).unwrap_or_default();
                if !self
                    .secrets
                    .get(&secret)
                    .is_some_and(|keys| keys.contains_key(&key))
                {
                    problems.add(
                        at,
                        format!("{name}: Secret {secret} with key {key} is not in deploy/k8s"),
                    );
                }
                Val::SecretRef
            } else if !from["configMapKeyRef"].is_null() {
                let map = text(&from["configMapKeyRef"]["name"]).unwrap_or_default();
                let key = text(&from["configMapKeyRef"]["key"]).unwrap_or_default();
                self.used_config_maps.insert(map.clone());
                match self
                    .config_maps
                    .get(&map)
                    .and_then(|(_, data)| data.get(&key))
                {
                    Some(value) => Val::Text(value.clone()),
                    None => {
                        problems.add(at, format!("{name}: ConfigMap {map} has no key {key}"));
                        Val::Runtime
                    }
                }
            } else {
                problems.add(at, format!("{name}: neither a value nor a known valueFrom"));
                Val::Runtime
            };
            set(&mut env, &name, val, &format!("{at} env"));
        }
        env
    }

    /// The values of the program's `X_FILE` secrets, by `X`: each path must be a key
    /// of a Secret mounted in the container.
    pub(crate) fn secret_files(
        &self,
        problems: &mut Problems,
        at: &str,
        program: &Program,
        env: &Env,
        container: &Value,
        volumes: &BTreeMap<String, Value>,
    ) -> BTreeMap<String, String> {
        let mut values = BTreeMap::new();
        for (secret, path) in program.secret_files_set(env) {
            let file_var = format!("{secret}_FILE");
            let path = &path;
            let mounted = container["volumeMounts"]
                .as_sequence()
                .into_iter()
                .flatten()
                .find_map(|mount| {
                    let dir = text(&mount["mountPath"])?;
                    let file = path.strip_prefix(&format!("{}/", dir.trim_end_matches('/')))?;
                    let volume = volumes.get(&text(&mount["name"])?)?;
                    Some((file.to_owned(), volume["secret"].clone()))
                });
            let Some((file, volume)) = mounted.filter(|(_, v)| !v.is_null()) else {
                problems.add(
                    at,
                    format!("{file_var}={path} is not a file of a mounted Secret volume"),
                );
                continue;
            };
            let secret_name = text(&volume["secretName"]).unwrap_or_default();
            // With `items`, the file names are their paths; else the Secret's keys.
            let key = match volume["items"].as_sequence() {
                Some(items) => items
                    .iter()
                    .find(|item| text(&item["path"]).as_deref() == Some(file.as_str()))
                    .and_then(|item| text(&item["key"])),
                None => Some(file.clone()),
            };
            let keys = self.secrets.get(&secret_name);
            match key.and_then(|key| keys?.get(&key)) {
                Some(Some(value)) => {
                    values.insert(secret.clone(), value.clone());
                }
                Some(None) => {} // base64 `data`: the key exists, the value is not read.
                None => problems.add(
                    at,
                    format!(
                        "{file_var}={path}: Secret {secret_name} in deploy/k8s has no such key"
                    ),
                ),
            }
        }
        values
    }
}

/// Every container port is the PORT the program binds; returns port name -> number.
pub(crate) fn check_ports(
    problems: &mut Problems,
    at: &str,
    container: &Value,
    runtime: &RuntimeSettings,
    required: bool,
) -> BTreeMap<String, u64> {
    let mut named = BTreeMap::new();
    let ports = container["ports"]
        .as_sequence()
        .cloned()
        .unwrap_or_default();
    if required && ports.is_empty() {
        problems.add(
            at,
            format!("no containerPort (the program binds PORT {})", runtime.port),
        );
    }
    for port in &ports {
        let number = port["containerPort"].as_u64().unwrap_or(0);
        let metrics = runtime.metrics_enabled && number == u64::from(runtime.metrics_port);
        if number != u64::from(runtime.port) && !metrics {
            problems.add(
                at,
                format!(
                    "containerPort {number} is neither PORT {} nor METRICS_PORT {} (with \
                     METRICS_ENABLED={})",
                    runtime.port, runtime.metrics_port, runtime.metrics_enabled
                ),
            );
        }
        if let Some(name) = text(&port["name"]) {
            named.insert(name, number);
        }
    }
    named
}

/// Startup, liveness and readiness probes on the health routes, on PORT; returns the
/// readiness probe's periodSeconds * failureThreshold.
pub(crate) fn check_probes(
    problems: &mut Problems,
    at: &str,
    container: &Value,
    named_ports: &BTreeMap<String, u64>,
    runtime: &RuntimeSettings,
) -> Duration {
    for (probe, path) in [
        ("startupProbe", LIVE_PATH),
        ("livenessProbe", LIVE_PATH),
        ("readinessProbe", READY_PATH),
    ] {
        let get = &container[probe]["httpGet"];
        if get.is_null() {
            problems.add(at, format!("no {probe} with httpGet on {path}"));
            continue;
        }
        if get["path"].as_str() != Some(path) {
            problems.add(
                at,
                format!("{probe} path {} is not {path}", show(&get["path"])),
            );
        }
        let port = match &get["port"] {
            Value::String(name) => named_ports.get(name).copied(),
            other => other.as_u64(),
        };
        if port != Some(u64::from(runtime.port)) {
            problems.add(
                at,
                format!(
                    "{probe} port {} is not PORT {}",
                    show(&get["port"]),
                    runtime.port
                ),
            );
        }
    }
    let readiness = &container["readinessProbe"];
    let period = readiness["periodSeconds"]
        .as_u64()
        .unwrap_or(K8S_PROBE_PERIOD);
    let failures = readiness["failureThreshold"]
        .as_u64()
        .unwrap_or(K8S_PROBE_FAILURES);
    Duration::from_secs(period * failures)
}

/// `deploy/k8s` read whole: its documents, the image their containers run, and the
/// ConfigMaps and Secrets they define.
pub(crate) struct Manifests {
    pub(crate) docs: Vec<Doc>,
    pub(crate) image: Image,
    pub(crate) cluster: Cluster,
}

/// One container of a Deployment or a Job, with what its pod gives it.
pub(crate) struct Container {
    /// `<file>: <kind> <name>, container <name>`, for messages.
    pub(crate) at: String,
    pub(crate) is_deployment: bool,
    /// The pod template's labels.
    pub(crate) pod_labels: BTreeMap<String, String>,
    /// The pod template's annotations.
    pub(crate) pod_annotations: BTreeMap<String, String>,
    /// The pod template's `spec`.
    pub(crate) pod: Value,
    /// The container.
    pub(crate) value: Value,
    /// The pod's volumes, by name.
    pub(crate) volumes: BTreeMap<String, Value>,
    /// `terminationGracePeriodSeconds`, or Kubernetes' default.
    pub(crate) grace: Duration,
}

impl Container {
    /// Its `command`, when it has one.
    pub(crate) fn command(&self) -> Option<Vec<String>> {
        let command = &self.value["command"];
        command.as_sequence().map(|_| strings(command))
    }
}

/// A container that runs a program of the image.
pub(crate) struct Running {
    pub(crate) container: Container,
    /// The runtime's settings, when the container's environment loads.
    pub(crate) runtime: Option<RuntimeSettings>,
}

impl Manifests {
    /// Reads `deploy/k8s` and the image. `problems` gets what is wrong with the
    /// documents themselves: kinds the tests don't know, ConfigMap values that are not
    /// text. (The Dockerfile's own problems are reported by its test.)
    pub(crate) fn read(problems: &mut Problems) -> Manifests {
        let image = image(&mut Problems::default());
        let docs = k8s_documents();
        assert!(!docs.is_empty(), "deploy/k8s holds no manifests");

        let mut cluster = Cluster::default();
        for doc in &docs {
            match doc.kind() {
                "ConfigMap" => {
                    let data = mapping(&doc.value["data"])
                        .into_iter()
                        .map(|(k, v)| {
                            if !matches!(v, Value::String(_)) {
                                problems.add(
                                    doc.at(),
                                    format!("{k}: quote the value, ConfigMap data is text"),
                                );
                            }
                            (k, text(&v).unwrap_or_default())
                        })
                        .collect();
                    cluster
                        .config_maps
                        .insert(doc.name().to_owned(), (doc.at(), data));
                }
                "Secret" => {
                    cluster
                        .secrets
                        .insert(doc.name().to_owned(), secret_keys(&doc.value));
                }
                "Deployment"
                | "Job"
                | "Service"
                | "HorizontalPodAutoscaler"
                | "PodDisruptionBudget" => {}
                other => problems.add(
                    doc.at(),
                    format!("kind {other:?} is not checked by tests/deploy: teach it"),
                ),
            }
        }
        Manifests {
            docs,
            image,
            cluster,
        }
    }

    /// The documents of `kind`.
    pub(crate) fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Doc> {
        self.docs.iter().filter(move |d| d.kind() == kind)
    }

    /// The Deployments and Jobs.
    pub(crate) fn workloads(&self) -> impl Iterator<Item = &Doc> {
        self.docs
            .iter()
            .filter(|d| matches!(d.kind(), "Deployment" | "Job"))
    }

    /// Every container of every workload.
    pub(crate) fn containers(&self) -> Vec<Container> {
        let mut containers = Vec::new();
        for doc in self.workloads() {
            let template = &doc.value["spec"]["template"];
            let pod = &template["spec"];
            let volumes: BTreeMap<String, Value> = pod["volumes"]
                .as_sequence()
                .into_iter()
                .flatten()
                .filter_map(|v| Some((text(&v["name"])?, v.clone())))
                .collect();
            let grace = Duration::from_secs(
                pod["terminationGracePeriodSeconds"]
                    .as_u64()
                    .unwrap_or(K8S_GRACE_SECONDS),
            );
            for container in pod["containers"].as_sequence().into_iter().flatten() {
                containers.push(Container {
                    at: format!(
                        "{}, container {}",
                        doc.at(),
                        text(&container["name"]).unwrap_or_default()
                    ),
                    is_deployment: doc.kind() == "Deployment",
                    pod_labels: labels(&template["metadata"]["labels"]),
                    pod_annotations: labels(&template["metadata"]["annotations"]),
                    pod: pod.clone(),
                    value: container.clone(),
                    volumes: volumes.clone(),
                    grace,
                });
            }
        }
        containers
    }

    /// The containers that run a program of the image, each environment checked and
    /// loaded with the program's parsers. `problems` gets what is wrong with the
    /// environments; the command's problems are reported by
    /// `pods::containers_run_an_example_binary_without_arguments`.
    pub(crate) fn running(&mut self, problems: &mut Problems) -> Vec<Running> {
        let mut running = Vec::new();
        for container in self.containers() {
            let at = &container.at;
            let command = container.command();
            let Some(program) = self.image.program(&mut Problems::default(), at, command) else {
                continue;
            };
            let env = self
                .cluster
                .env(problems, at, &self.image, &container.value);
            let secret_values = self.cluster.secret_files(
                problems,
                at,
                program,
                &env,
                &container.value,
                &container.volumes,
            );
            let runtime = check_env(problems, at, program, &env, &secret_values);
            running.push(Running { container, runtime });
        }
        running
    }

    /// What each running container serves, for the Service checks. The problems of
    /// environments, ports and probes are reported by their own tests.
    pub(crate) fn served(&mut self) -> Vec<Served> {
        let ignored = &mut Problems::default();
        self.running(ignored)
            .into_iter()
            .map(|Running { container, runtime }| {
                let mut served = Served {
                    at: container.at.clone(),
                    is_deployment: container.is_deployment,
                    labels: container.pod_labels.clone(),
                    named_ports: BTreeMap::new(),
                    runtime: None,
                    readiness_window: None,
                };
                if let Some(runtime) = runtime {
                    let (at, value) = (&container.at, &container.value);
                    served.named_ports =
                        check_ports(ignored, at, value, &runtime, container.is_deployment);
                    if container.is_deployment {
                        let window =
                            check_probes(ignored, at, value, &served.named_ports, &runtime);
                        served.readiness_window = Some(window);
                    }
                    served.runtime = Some(runtime);
                }
                served
            })
            .collect()
    }
}
