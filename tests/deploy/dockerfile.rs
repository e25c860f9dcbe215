//! The Dockerfile: what it builds, what the final image holds and how it runs.

use std::collections::{BTreeMap, BTreeSet};

use twelve::runtime::RuntimeSettings;

use crate::env::{Env, Val, check_env, set};
use crate::programs::{PROGRAMS, Program};
use crate::{Problems, read, root};

pub(crate) struct Instruction {
    pub(crate) keyword: String,
    pub(crate) args: String,
    pub(crate) line: usize,
}

pub(crate) struct Stage {
    pub(crate) from: String,
    pub(crate) name: Option<String>,
    pub(crate) instructions: Vec<Instruction>,
}

/// Stages of a Dockerfile: comment lines dropped, continuation lines joined.
pub(crate) fn parse_dockerfile(text: &str) -> Vec<Stage> {
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
pub(crate) struct Image {
    /// Examples named by `cargo build --example`.
    pub(crate) built: BTreeSet<String>,
    /// Binary name -> its path in the final image.
    pub(crate) binaries: BTreeMap<String, String>,
    /// The `ENTRYPOINT` (exec form), empty when missing or in shell form.
    pub(crate) entrypoint: Vec<String>,
    /// `ENV` of the final stage.
    pub(crate) env: Env,
    pub(crate) expose: Vec<u16>,
    /// `USER` of the final stage, as written.
    pub(crate) user: Option<String>,
    pub(crate) build_from: String,
    pub(crate) final_from: String,
}

impl Image {
    pub(crate) fn uid(&self) -> Option<u32> {
        let user = self.user.as_deref()?;
        user.split(':').next()?.parse().ok()
    }

    /// The program a container runs: `command` (Kubernetes) or `entrypoint` (Compose)
    /// when given, else the image's entrypoint.
    pub(crate) fn program(
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
                    "runs example {name}, which tests/deploy does not know: add it to PROGRAMS in tests/deploy/programs.rs"
                ),
            );
        }
        program
    }
}

pub(crate) fn image(problems: &mut Problems) -> Image {
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
    // And, with feature `metrics`, the METRICS_PORT it sets (or the default).
    let metrics_default = RuntimeSettings::default().metrics_port;
    let metrics_port = match image.env.get("METRICS_PORT").map(|s| &s.val) {
        Some(Val::Text(text)) => text.parse().ok(),
        _ => Some(metrics_default),
    };
    if !port.is_some_and(|p| image.expose.contains(&p))
        || !metrics_port.is_some_and(|p| image.expose.contains(&p))
        || image
            .expose
            .iter()
            .any(|p| Some(*p) != port && Some(*p) != metrics_port)
    {
        problems.add(
            AT,
            format!(
                "EXPOSE {:?} is not the image's PORT ({port:?}) and METRICS_PORT ({metrics_port:?})",
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
