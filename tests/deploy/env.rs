//! A container's environment, checked against what its program reads and loaded with
//! the program's own parsers.

use std::collections::BTreeMap;

use twelve::Config;
use twelve::runtime::RuntimeSettings;

use crate::Problems;
use crate::programs::Program;

/// Where a variable's value comes from.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    /// A value written in a file.
    Text(String),
    /// Known only in the cluster (`fieldRef`, a host's pass-through variable).
    Runtime,
    /// From a Secret through `secretKeyRef`.
    SecretRef,
}

#[derive(Debug, Clone)]
pub(crate) struct Setting {
    pub(crate) val: Val,
    pub(crate) origin: String,
}

/// A container's environment, later sources overriding earlier ones.
pub(crate) type Env = BTreeMap<String, Setting>;

pub(crate) fn set(env: &mut Env, name: &str, val: Val, origin: &str) {
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
pub(crate) fn check_env(
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
