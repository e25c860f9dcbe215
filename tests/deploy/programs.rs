//! The programs of the image: each example binary and the variables it reads.

use std::collections::BTreeSet;

use twelve::Config;
use twelve::config::VarInfo;
use twelve::runtime::RuntimeSettings;

use crate::env::{Env, Setting, Val};
use crate::examples_settings::{migrate, web, worker};

/// Variables twelve reads besides the settings structs: `TWELVE_DOTENV`
/// (twelve-core/src/config/source.rs) and `GOOGLE_CLOUD_PROJECT` (the `gcp` log
/// schema, twelve-core/src/log/mod.rs).
pub(crate) const TWELVE_OWN: &[&str] = &["TWELVE_DOTENV", "GOOGLE_CLOUD_PROJECT"];

/// Variable name and value pairs, as given to `Config::from_vars`.
pub(crate) type Pairs = [(String, String)];

/// One program of the image: an example binary and the settings it reads.
pub(crate) struct Program {
    pub(crate) name: &'static str,
    pub(crate) vars: fn() -> Vec<VarInfo>,
    /// Loads the program's own settings from the given pairs.
    pub(crate) load: fn(&Pairs) -> Result<(), String>,
}

pub(crate) const PROGRAMS: &[Program] = &[
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

pub(crate) fn load<S: Config>(pairs: &Pairs) -> Result<(), String> {
    S::from_vars(pairs.iter().map(|(k, v)| (k, v)))
        .map(drop)
        .map_err(|e| e.to_string())
}

impl Program {
    pub(crate) fn named(name: &str) -> Option<&'static Program> {
        PROGRAMS.iter().find(|p| p.name == name)
    }

    /// The runtime's variables, then the program's.
    pub(crate) fn all_vars(&self) -> Vec<VarInfo> {
        let mut vars = RuntimeSettings::vars();
        vars.extend((self.vars)());
        vars
    }

    pub(crate) fn secret_vars(&self) -> BTreeSet<String> {
        self.all_vars()
            .into_iter()
            .filter(|v| v.secret)
            .map(|v| v.name)
            .collect()
    }

    /// Each secret variable `X` for which `env` sets `X_FILE` to a path, with the path.
    pub(crate) fn secret_files_set(&self, env: &Env) -> Vec<(String, String)> {
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
    pub(crate) fn reads(&self, name: &str) -> bool {
        let vars = self.all_vars();
        vars.iter().any(|v| v.name == name)
            || TWELVE_OWN.contains(&name)
            || name
                .strip_suffix("_FILE")
                .is_some_and(|base| vars.iter().any(|v| v.secret && v.name == base))
    }

    pub(crate) fn var_list(&self) -> String {
        let mut names: Vec<String> = self.all_vars().into_iter().map(|v| v.name).collect();
        names.extend(self.secret_vars().into_iter().map(|s| format!("{s}_FILE")));
        names.extend(TWELVE_OWN.iter().map(|s| s.to_string()));
        names.join(", ")
    }
}
