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
//!
//! Each test lists every problem it finds, naming the file and the object.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_norway::Value;
use twelve::Config;
use twelve::config::VarInfo;
use twelve::http::{LIVE_PATH, READY_PATH};
use twelve::runtime::RuntimeSettings;

mod examples_settings;
use examples_settings::{migrate, web, worker};

/// Time a process needs after its drain deadline before the kubelet's SIGKILL:
/// shutdown hooks, flushing the logs, exiting.
const MARGIN: Duration = Duration::from_secs(5);

/// Variables twelve reads besides the settings structs: `TWELVE_DOTENV`
/// (twelve-core/src/config/source.rs) and `GOOGLE_CLOUD_PROJECT` (the `gcp` log
/// schema, twelve-core/src/log/mod.rs).
const TWELVE_OWN: &[&str] = &["TWELVE_DOTENV", "GOOGLE_CLOUD_PROJECT"];

/// Kubernetes' defaults for fields the manifests may leave out.
const K8S_GRACE_SECONDS: u64 = 30;
const K8S_PROBE_PERIOD: u64 = 10;
const K8S_PROBE_FAILURES: u64 = 3;

/// Docker Compose's default `stop_grace_period`.
const COMPOSE_GRACE: Duration = Duration::from_secs(10);

/// Variable name and value pairs, as given to `Config::from_vars`.
type Pairs = [(String, String)];

/// One program of the image: an example binary and the settings it reads.
struct Program {
    name: &'static str,
    vars: fn() -> Vec<VarInfo>,
    /// Loads the program's own settings from the given pairs.
    load: fn(&Pairs) -> Result<(), String>,
}

const PROGRAMS: &[Program] = &[
    Program {
        name: "web",
        vars: <web::Settings as Config>::vars,
        load: load::<web::Settings>,
    },
    Program {
        name: "worker",
        vars: <worker::Settings as Config>::vars,
        load: load::<worker::Settings>,
    },
    Program {
        name: "migrate",
        vars: <migrate::Settings as Config>::vars,
        load: load::<migrate::Settings>,
    },
];

fn load<S: Config>(pairs: &Pairs) -> Result<(), String> {
    S::from_vars(pairs.iter().map(|(k, v)| (k, v)))
        .map(drop)
        .map_err(|e| e.to_string())
}

impl Program {
    fn named(name: &str) -> Option<&'static Program> {
        PROGRAMS.iter().find(|p| p.name == name)
    }

    /// The runtime's variables, then the program's.
    fn all_vars(&self) -> Vec<VarInfo> {
        let mut vars = RuntimeSettings::vars();
        vars.extend((self.vars)());
        vars
    }

    fn secret_vars(&self) -> BTreeSet<String> {
        self.all_vars()
            .into_iter()
            .filter(|v| v.secret)
            .map(|v| v.name)
            .collect()
    }

    /// Each secret variable `X` for which `env` sets `X_FILE` to a path, with the path.
    fn secret_files_set(&self, env: &Env) -> Vec<(String, String)> {
        self.secret_vars()
            .into_iter()
            .filter_map(|secret| match env.get(&format!("{secret}_FILE")) {
                Some(Setting {
                    val: Val::Text(path),
                    ..
                }) => Some((secret, path.clone())),
                _ => None,
            })
            .collect()
    }

    /// Whether the program reads `name`: one of its variables, `X_FILE` for a secret
    /// `X`, or one of twelve's own switches.
    fn reads(&self, name: &str) -> bool {
        let vars = self.all_vars();
        vars.iter().any(|v| v.name == name)
            || TWELVE_OWN.contains(&name)
            || name
                .strip_suffix("_FILE")
                .is_some_and(|base| vars.iter().any(|v| v.secret && v.name == base))
    }

    fn var_list(&self) -> String {
        let mut names: Vec<String> = self.all_vars().into_iter().map(|v| v.name).collect();
        names.extend(self.secret_vars().into_iter().map(|s| format!("{s}_FILE")));
        names.extend(TWELVE_OWN.iter().map(|s| s.to_string()));
        names.join(", ")
    }
}

/// Problems found by one test, reported all at once.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, at: impl Display, what: impl Display) {
        self.0.push(format!("{at}: {what}"));
    }

    fn assert_none(self, what: &str) {
        assert!(
            self.0.is_empty(),
            "{what}: {} problem(s)\n- {}",
            self.0.len(),
            self.0.join("\n- ")
        );
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(root().join(relative))
        .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"))
}

/// A duration as twelve parses it (units required: `250ms`, `30s`, `1m30s`).
fn duration(text: &str) -> Result<Duration, String> {
    #[derive(Config)]
    struct One {
        #[config(env = "D")]
        d: Duration,
    }
    One::from_vars([("D", text)])
        .map(|one| one.d)
        .map_err(|e| e.to_string())
}

fn secs(d: Duration) -> String {
    format!("{}s", d.as_secs_f64())
}

// ---------------------------------------------------------------------------------
// Environments

/// Where a variable's value comes from.
#[derive(Debug, Clone)]
enum Val {
    /// A value written in a file.
    Text(String),
    /// Known only in the cluster (`fieldRef`, a host's pass-through variable).
    Runtime,
    /// From a Secret through `secretKeyRef`.
    SecretRef,
}

#[derive(Debug, Clone)]
struct Setting {
    val: Val,
    origin: String,
}

/// A container's environment, later sources overriding earlier ones.
type Env = BTreeMap<String, Setting>;

fn set(env: &mut Env, name: &str, val: Val, origin: &str) {
    env.insert(
        name.to_owned(),
        Setting {
            val,
            origin: origin.to_owned(),
        },
    );
}

/// Checks `env` against what `program` reads and loads it with the program's parsers;
/// `secrets` holds the values of the `X_FILE` secrets, by `X`. Returns the runtime's
/// settings when they load.
fn check_env(
    problems: &mut Problems,
    at: &str,
    program: &Program,
    env: &Env,
    secrets: &BTreeMap<String, String>,
) -> Option<RuntimeSettings> {
    for (name, setting) in env {
        if !program.reads(name) {
            problems.add(
                at,
                format!(
                    "{name} (from {}) is not a variable that examples/{} reads; it reads {}",
                    setting.origin,
                    program.name,
                    program.var_list()
                ),
            );
        }
    }
    for secret in program.secret_vars() {
        if let Some(Setting {
            val: Val::Text(_),
            origin,
        }) = env.get(&secret)
        {
            problems.add(
                at,
                format!(
                    "{secret} is a secret but {origin} gives its value; mount it as a file \
                     and set {secret}_FILE"
                ),
            );
        }
    }
    let mut pairs: Vec<(String, String)> = env
        .iter()
        .filter(|(name, _)| !name.ends_with("_FILE"))
        .filter_map(|(name, s)| match &s.val {
            Val::Text(text) => Some((name.clone(), text.clone())),
            Val::Runtime | Val::SecretRef => None,
        })
        .collect();
    pairs.extend(secrets.iter().map(|(k, v)| (k.clone(), v.clone())));
    let runtime =
        RuntimeSettings::from_vars(pairs.iter().map(|(k, v)| (k, v))).map_err(|e| e.to_string());
    let user = (program.load)(&pairs);
    match (runtime, user) {
        (Ok(runtime), Ok(())) => Some(runtime),
        (runtime, user) => {
            for error in [runtime.err(), user.err()].into_iter().flatten() {
                for line in error.lines() {
                    problems.add(
                        at,
                        format!("examples/{} would not start: {line}", program.name),
                    );
                }
            }
            None
        }
    }
}

// ---------------------------------------------------------------------------------
// The Dockerfile

struct Instruction {
    keyword: String,
    args: String,
    line: usize,
}

struct Stage {
    from: String,
    name: Option<String>,
    instructions: Vec<Instruction>,
}

/// Stages of a Dockerfile: comment lines dropped, continuation lines joined.
fn parse_dockerfile(text: &str) -> Vec<Stage> {
    let mut stages: Vec<Stage> = Vec::new();
    let mut logical = String::new();
    let mut start = 0;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && logical.is_empty()) {
            continue;
        }
        if logical.is_empty() {
            start = index + 1;
        }
        if let Some(head) = trimmed.strip_suffix('\\') {
            logical.push_str(head);
            logical.push(' ');
            continue;
        }
        logical.push_str(trimmed);
        let text = std::mem::take(&mut logical);
        let (keyword, args) = text.split_once(char::is_whitespace).unwrap_or((&text, ""));
        let keyword = keyword.to_ascii_uppercase();
        let args = args.trim().to_owned();
        if keyword == "FROM" {
            let words: Vec<&str> = args.split_whitespace().collect();
            let from = words
                .iter()
                .find(|w| !w.starts_with("--"))
                .map_or_else(String::new, |w| (*w).to_owned());
            let name = words
                .iter()
                .position(|w| w.eq_ignore_ascii_case("as"))
                .and_then(|i| words.get(i + 1))
                .map(|w| (*w).to_owned());
            stages.push(Stage {
                from,
                name,
                instructions: Vec::new(),
            });
        } else if let Some(stage) = stages.last_mut() {
            stage.instructions.push(Instruction {
                keyword,
                args,
                line: start,
            });
        }
    }
    stages
}

/// What the Dockerfile builds and how its final stage runs.
struct Image {
    /// Examples named by `cargo build --example`.
    built: BTreeSet<String>,
    /// Binary name -> its path in the final image.
    binaries: BTreeMap<String, String>,
    /// The `ENTRYPOINT` (exec form), empty when missing or in shell form.
    entrypoint: Vec<String>,
    /// `ENV` of the final stage.
    env: Env,
    expose: Vec<u16>,
    /// `USER` of the final stage, as written.
    user: Option<String>,
    build_from: String,
    final_from: String,
}

impl Image {
    fn uid(&self) -> Option<u32> {
        let user = self.user.as_deref()?;
        user.split(':').next()?.parse().ok()
    }

    /// The program a container runs: `command` (Kubernetes) or `entrypoint` (Compose)
    /// when given, else the image's entrypoint.
    fn program(
        &self,
        problems: &mut Problems,
        at: &str,
        command: Option<Vec<String>>,
    ) -> Option<&'static Program> {
        let command = command.unwrap_or_else(|| self.entrypoint.clone());
        let Some(path) = command.first() else {
            problems.add(at, "no command, and the image has no exec-form ENTRYPOINT");
            return None;
        };
        if command.len() > 1 {
            problems.add(
                at,
                format!(
                    "{command:?}: the examples take no arguments, config is in the environment"
                ),
            );
        }
        let Some((name, _)) = self.binaries.iter().find(|(_, p)| *p == path) else {
            problems.add(
                at,
                format!(
                    "runs {path}, which deploy/Dockerfile does not put in the image (it has {})",
                    self.binaries
                        .values()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            return None;
        };
        let program = Program::named(name);
        if program.is_none() {
            problems.add(
                at,
                format!(
                    "runs example {name}, which tests/deploy.rs does not know: add it to PROGRAMS"
                ),
            );
        }
        program
    }
}

fn image(problems: &mut Problems) -> Image {
    const AT: &str = "deploy/Dockerfile";
    let stages = parse_dockerfile(&read(AT));
    assert!(
        stages.len() >= 2,
        "{AT}: expected a build stage and a runtime stage"
    );
    let last = stages.last().expect("a stage");
    let mut image = Image {
        built: BTreeSet::new(),
        binaries: BTreeMap::new(),
        entrypoint: Vec::new(),
        env: Env::new(),
        expose: Vec::new(),
        user: None,
        build_from: String::new(),
        final_from: last.from.clone(),
    };

    // The final stage copies from the build stage.
    let copies: Vec<(String, Vec<String>)> = last
        .instructions
        .iter()
        .filter(|i| i.keyword == "COPY")
        .filter_map(|i| {
            let words: Vec<&str> = i.args.split_whitespace().collect();
            let from = words.iter().find_map(|w| w.strip_prefix("--from="))?;
            let paths: Vec<String> = words
                .iter()
                .filter(|w| !w.starts_with("--"))
                .map(|w| (*w).to_owned())
                .collect();
            Some((from.to_owned(), paths))
        })
        .collect();
    let Some(build) = copies
        .first()
        .and_then(|(from, _)| stages.iter().find(|s| s.name.as_deref() == Some(from)))
    else {
        problems.add(
            AT,
            "the final stage copies nothing from a named build stage",
        );
        return image;
    };
    image.build_from = build.from.clone();

    // cargo build --example ..., then cp target/release/examples/<name> ... <dir>
    let mut out_dirs: BTreeMap<String, String> = BTreeMap::new();
    for run in build.instructions.iter().filter(|i| i.keyword == "RUN") {
        for command in run.args.split("&&") {
            let words: Vec<&str> = command.split_whitespace().collect();
            if let Some(at) = words.windows(2).position(|w| w == ["cargo", "build"]) {
                let flags = &words[at + 2..];
                for flag in ["--release", "--locked"] {
                    if !flags.contains(&flag) {
                        problems.add(
                            format!("{AT}:{}", run.line),
                            format!("cargo build without {flag}"),
                        );
                    }
                }
                for (i, word) in flags.iter().enumerate() {
                    if let Some(name) = word.strip_prefix("--example=") {
                        image.built.insert(name.to_owned());
                    } else if *word == "--example" {
                        if let Some(name) = flags.get(i + 1) {
                            image.built.insert((*name).to_owned());
                        }
                    }
                }
            }
            if words.first() == Some(&"cp") {
                let Some((dest, sources)) = words[1..].split_last() else {
                    continue;
                };
                for source in sources {
                    if let Some(name) = source
                        .trim_start_matches("./")
                        .strip_prefix("target/release/examples/")
                    {
                        out_dirs.insert(name.to_owned(), dest.trim_end_matches('/').to_owned());
                    }
                }
            }
        }
    }
    if image.built.is_empty() {
        problems.add(AT, "the build stage runs no `cargo build --example ...`");
    }
    for (name, dir) in &out_dirs {
        if !image.built.contains(name) {
            problems.add(
                AT,
                format!("copies example {name} out of {dir}, but does not build it"),
            );
        }
    }
    for (_, paths) in copies
        .iter()
        .filter(|(from, _)| Some(from) == build.name.as_ref())
    {
        let Some((dest, sources)) = paths.split_last() else {
            continue;
        };
        for source in sources {
            let source = source.trim_end_matches('/');
            for (name, dir) in &out_dirs {
                if dir == source || format!("{dir}/{name}") == source {
                    let path = if dest.ends_with('/') || dir == source {
                        format!("{}/{name}", dest.trim_end_matches('/'))
                    } else {
                        dest.clone()
                    };
                    image.binaries.insert(name.clone(), path);
                }
            }
        }
    }

    for instruction in &last.instructions {
        let at = format!("{AT}:{}", instruction.line);
        match instruction.keyword.as_str() {
            "ENTRYPOINT" => match serde_json::from_str::<Vec<String>>(&instruction.args) {
                Ok(words) => image.entrypoint = words,
                Err(_) => problems.add(
                    at,
                    "ENTRYPOINT in shell form: use the exec form ([\"/path\"]) so that the \
                     binary is PID 1 and gets SIGTERM (and distroless has no shell)",
                ),
            },
            "ENV" => {
                let words: Vec<&str> = instruction.args.split_whitespace().collect();
                if words.first().is_some_and(|w| w.contains('=')) {
                    for word in words {
                        if let Some((name, value)) = word.split_once('=') {
                            let value = value.trim_matches('"');
                            set(&mut image.env, name, Val::Text(value.into()), &at);
                        }
                    }
                } else if let Some((name, value)) = instruction.args.split_once(char::is_whitespace)
                {
                    set(&mut image.env, name, Val::Text(value.trim().into()), &at);
                }
            }
            "EXPOSE" => {
                for word in instruction.args.split_whitespace() {
                    match word.trim_end_matches("/tcp").parse() {
                        Ok(port) => image.expose.push(port),
                        Err(_) => problems.add(at.clone(), format!("EXPOSE {word} is not a port")),
                    }
                }
            }
            "USER" => image.user = Some(instruction.args.clone()),
            _ => {}
        }
    }
    image
}

#[test]
fn the_image_builds_the_examples_and_runs_them_as_non_root() {
    const AT: &str = "deploy/Dockerfile";
    let mut problems = Problems::default();
    let image = image(&mut problems);

    for name in &image.built {
        let exists = root().join(format!("examples/{name}/main.rs")).is_file()
            || root().join(format!("examples/{name}.rs")).is_file();
        if !exists {
            problems.add(
                AT,
                format!("builds --example {name}, which is not in examples/"),
            );
        }
    }
    let known: BTreeSet<String> = PROGRAMS.iter().map(|p| p.name.to_owned()).collect();
    if image.built != known {
        problems.add(
            AT,
            format!(
                "builds {:?}, the example programs are {known:?}",
                image.built
            ),
        );
    }
    let copied: BTreeSet<String> = image.binaries.keys().cloned().collect();
    if copied != image.built {
        problems.add(
            AT,
            format!(
                "the final stage gets {copied:?} of the built examples {:?}",
                image.built
            ),
        );
    }
    match image.entrypoint.first() {
        Some(path) if image.binaries.values().any(|p| p == path) => {}
        Some(path) => problems.add(
            AT,
            format!("ENTRYPOINT {path} is not one of the copied binaries"),
        ),
        None => problems.add(AT, "no exec-form ENTRYPOINT"),
    }

    // Non-root, with a numeric user so that Kubernetes' runAsNonRoot can verify it.
    match (&image.user, image.uid()) {
        (None, _) => problems.add(AT, "the final stage has no USER: it would run as root"),
        (Some(user), None) => problems.add(
            AT,
            format!("USER {user}: use a numeric uid, runAsNonRoot can only verify numbers"),
        ),
        (Some(user), Some(0)) => problems.add(AT, format!("USER {user} is root")),
        _ => {}
    }

    // EXPOSE documents the PORT the image sets (or the runtime's default).
    let port_default = RuntimeSettings::default().port;
    let port = match image.env.get("PORT").map(|s| &s.val) {
        Some(Val::Text(text)) => text.parse().ok(),
        _ => Some(port_default),
    };
    if image.expose.is_empty() || image.expose.iter().any(|p| Some(*p) != port) {
        problems.add(
            AT,
            format!(
                "EXPOSE {:?} is not the image's PORT ({port:?})",
                image.expose
            ),
        );
    }
    // The image's environment is every program's: each must read and load it.
    for program in PROGRAMS {
        let at = format!("{AT} ENV (for {})", program.name);
        check_env(&mut problems, &at, program, &image.env, &BTreeMap::new());
    }

    // The binaries link against the build stage's glibc: the runtime stage must be the
    // same Debian release.
    for (debian, codename) in [
        ("debian11", "bullseye"),
        ("debian12", "bookworm"),
        ("debian13", "trixie"),
    ] {
        if image.final_from.contains(debian) && !image.build_from.contains(codename) {
            problems.add(
                AT,
                format!(
                    "the runtime stage {} is {debian} but the build stage {} is not \
                     {codename}: the binaries may need a newer glibc than the runtime has",
                    image.final_from, image.build_from
                ),
            );
        }
    }

    // Docker reads .dockerignore from the context root (the repository root).
    let ignore = std::fs::read_to_string(root().join(".dockerignore")).unwrap_or_default();
    if !ignore
        .lines()
        .any(|l| matches!(l.trim(), "target" | "target/" | "/target" | "/target/"))
    {
        problems.add(
            ".dockerignore",
            "does not exclude target/ from the build context",
        );
    }
    problems.assert_none("deploy/Dockerfile");
}

// ---------------------------------------------------------------------------------
// Kubernetes

struct Doc {
    file: String,
    value: Value,
}

impl Doc {
    fn kind(&self) -> &str {
        self.value["kind"].as_str().unwrap_or("")
    }

    fn name(&self) -> &str {
        self.value["metadata"]["name"].as_str().unwrap_or("")
    }

    fn at(&self) -> String {
        format!("{}: {} {}", self.file, self.kind(), self.name())
    }
}

fn yaml_documents(relative: &str) -> Vec<Value> {
    let text = read(relative);
    serde_norway::Deserializer::from_str(&text)
        .map(|doc| {
            let mut value = <Value as serde::Deserialize>::deserialize(doc)
                .unwrap_or_else(|e| panic!("{relative}: not YAML: {e}"));
            value
                .apply_merge()
                .unwrap_or_else(|e| panic!("{relative}: {e}"));
            value
        })
        .filter(|value| !value.is_null())
        .collect()
}

fn k8s_documents() -> Vec<Doc> {
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

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A scalar as written, or YAML for anything else (for messages).
fn show(value: &Value) -> String {
    text(value).unwrap_or_else(|| {
        serde_norway::to_string(value)
            .unwrap_or_default()
            .trim()
            .to_owned()
    })
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_sequence()
        .map(|seq| seq.iter().filter_map(text).collect())
        .unwrap_or_default()
}

fn mapping(value: &Value) -> BTreeMap<String, Value> {
    value
        .as_mapping()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((text(k)?, v.clone())))
                .collect()
        })
        .unwrap_or_default()
}

fn labels(value: &Value) -> BTreeMap<String, String> {
    mapping(value)
        .into_iter()
        .filter_map(|(k, v)| Some((k, text(&v)?)))
        .collect()
}

fn is_subset(small: &BTreeMap<String, String>, big: &BTreeMap<String, String>) -> bool {
    !small.is_empty() && small.iter().all(|(k, v)| big.get(k) == Some(v))
}

/// The keys of a Secret, with their values when given as `stringData`.
fn secret_keys(doc: &Value) -> BTreeMap<String, Option<String>> {
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
struct Served {
    at: String,
    is_deployment: bool,
    labels: BTreeMap<String, String>,
    /// Port name -> number.
    named_ports: BTreeMap<String, u64>,
    runtime: Option<RuntimeSettings>,
    /// periodSeconds * failureThreshold of the readiness probe.
    readiness_window: Option<Duration>,
}

/// The ConfigMaps and Secrets of deploy/k8s, and the ConfigMaps containers use.
#[derive(Default)]
struct Cluster {
    /// Name -> (where it is defined, data).
    config_maps: BTreeMap<String, (String, BTreeMap<String, String>)>,
    /// Name -> key -> value, when given as `stringData`.
    secrets: BTreeMap<String, BTreeMap<String, Option<String>>>,
    used_config_maps: BTreeSet<String>,
}

impl Cluster {
    /// A container's environment: the image's, then `envFrom` in order, then `env`.
    fn env(&mut self, problems: &mut Problems, at: &str, image: &Image, container: &Value) -> Env {
        let mut env = image.env.clone();
        for source in container["envFrom"].as_sequence().into_iter().flatten() {
            if !source["prefix"].is_null() {
                problems.add(
                    at,
                    "envFrom with a prefix is not checked by tests/deploy.rs",
                );
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
    fn secret_files(
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

/// SIGKILL comes when the grace period ends: it must cover the whole shutdown.
fn check_grace(
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

/// Every container port is the PORT the program binds; returns port name -> number.
fn check_ports(
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
        if number != u64::from(runtime.port) {
            problems.add(
                at,
                format!("containerPort {number} is not PORT {}", runtime.port),
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
fn check_probes(
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

#[test]
fn kubernetes_manifests_agree_with_the_code() {
    let mut problems = Problems::default();
    // The Dockerfile's own problems are reported by its test.
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
            "Deployment" | "Job" | "Service" => {}
            other => problems.add(
                doc.at(),
                format!("kind {other:?} is not checked by tests/deploy.rs: teach it"),
            ),
        }
    }

    let mut images = BTreeSet::new();
    let mut served: Vec<Served> = Vec::new();
    for doc in docs
        .iter()
        .filter(|d| matches!(d.kind(), "Deployment" | "Job"))
    {
        let is_deployment = doc.kind() == "Deployment";
        let template = &doc.value["spec"]["template"];
        let pod_labels = labels(&template["metadata"]["labels"]);
        if is_deployment {
            let selector = labels(&doc.value["spec"]["selector"]["matchLabels"]);
            if !is_subset(&selector, &pod_labels) {
                problems.add(
                    doc.at(),
                    format!("selector {selector:?} does not select its pod labels {pod_labels:?}"),
                );
            }
        }
        let pod = &template["spec"];
        if pod["enableServiceLinks"].as_bool() != Some(false) {
            problems.add(
                doc.at(),
                "set enableServiceLinks: false, or Kubernetes adds <SERVICE>_PORT and \
                 <SERVICE>_HOST variables the programs do not read",
            );
        }
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
        let containers = pod["containers"].as_sequence().cloned().unwrap_or_default();
        if containers.is_empty() {
            problems.add(doc.at(), "no containers");
        }
        for container in &containers {
            let at = format!(
                "{}, container {}",
                doc.at(),
                text(&container["name"]).unwrap_or_default()
            );
            images.insert(text(&container["image"]).unwrap_or_default());
            if !container["args"].is_null() {
                problems.add(
                    &at,
                    "args: the examples take no arguments, config is in the environment",
                );
            }
            let command = container["command"]
                .as_sequence()
                .map(|_| strings(&container["command"]));
            let Some(program) = image.program(&mut problems, &at, command) else {
                continue;
            };
            let env = cluster.env(&mut problems, &at, &image, container);
            let secret_values =
                cluster.secret_files(&mut problems, &at, program, &env, container, &volumes);
            let runtime = check_env(&mut problems, &at, program, &env, &secret_values);
            check_security(&mut problems, &at, &image, pod, container);

            let mut this = Served {
                at,
                is_deployment,
                labels: pod_labels.clone(),
                named_ports: BTreeMap::new(),
                runtime: None,
                readiness_window: None,
            };
            if let Some(runtime) = runtime {
                let at = &this.at;
                let killer = "the kubelet's SIGKILL";
                check_grace(
                    &mut problems,
                    at,
                    "terminationGracePeriodSeconds",
                    grace,
                    &runtime,
                    killer,
                );
                this.named_ports =
                    check_ports(&mut problems, at, container, &runtime, is_deployment);
                if is_deployment {
                    let window =
                        check_probes(&mut problems, at, container, &this.named_ports, &runtime);
                    this.readiness_window = Some(window);
                }
                this.runtime = Some(runtime);
            }
            served.push(this);
        }
    }

    // Services: select a Deployment, target the PORT it binds; its readiness probe
    // takes a terminating pod out within SHUTDOWN_DELAY.
    for doc in docs.iter().filter(|d| d.kind() == "Service") {
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
                if target_port != Some(u64::from(runtime.port)) {
                    problems.add(
                        doc.at(),
                        format!(
                            "targetPort {} is not PORT {} of {}",
                            show(&port["targetPort"]),
                            runtime.port,
                            target.at
                        ),
                    );
                }
            }
            if let Some(window) = target.readiness_window {
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
    }

    for (name, (at, _)) in &cluster.config_maps {
        if !cluster.used_config_maps.contains(name) {
            problems.add(at, format!("ConfigMap {name} is used by no container"));
        }
    }
    if images.len() > 1 {
        problems.add(
            "deploy/k8s",
            format!("one image runs every process type, the manifests name {images:?}"),
        );
    }
    problems.assert_none("deploy/k8s");
}

// ---------------------------------------------------------------------------------
// Docker Compose

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
                    format!("{key} is not checked by tests/deploy.rs (the examples take no arguments; use environment)"),
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
            if container != Some(u64::from(runtime.port)) {
                problems.add(
                    &at,
                    format!("port {} does not publish PORT {}", show(port), runtime.port),
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

// ---------------------------------------------------------------------------------
// Secrets

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
