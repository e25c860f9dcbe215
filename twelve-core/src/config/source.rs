//! [`Source`]: where values come from: the process environment (or given pairs),
//! `X_FILE` files, and a `.env` file.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::dotenv::DotenvFile;
use super::error::Problem;
use super::value_source::ValueSource;

/// Where a [`Config`](super::Config) reads its variables from.
///
/// [`Config::from_env`](super::Config::from_env) uses [`Source::from_env`] and
/// [`Config::from_vars`](super::Config::from_vars) uses [`Source::from_vars`]; build a
/// `Source` yourself to mix them, for example in a test that wants `X_FILE` secrets
/// or a `.env` file without touching the process environment:
///
/// ```
/// # extern crate twelve_core as twelve;
/// use twelve::config::{Config, Source};
/// # use twelve_macros::Config;
/// #[derive(Config)]
/// struct Settings {
///     database_url: twelve::Secret<String>,
/// }
///
/// # fn main() {
/// let dir = std::env::temp_dir().join(format!("twelve-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// std::fs::write(dir.join("db"), "postgres://app@db/app\n").unwrap();
///
/// let source = Source::from_vars([("DATABASE_URL_FILE", dir.join("db").to_str().unwrap())])
///     .with_files(true);
/// let settings = Settings::from_source(&source).unwrap();
/// assert_eq!(settings.database_url.expose(), "postgres://app@db/app");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # }
/// ```
pub struct Source {
    /// `None`: the process environment.
    vars: Option<HashMap<OsString, OsString>>,
    files: bool,
    /// Borrowed for the default `.env`: no allocation per load.
    dotenv: Option<Cow<'static, Path>>,
    /// Whether `TWELVE_DOTENV` may turn the `.env` file off (for [`Source::from_env`]).
    dotenv_switch: bool,
    /// Read on first need: `None` when off.
    dotenv_file: OnceLock<Option<DotenvFile>>,
}

/// A value found for a variable.
#[derive(Debug)]
pub(crate) struct Found {
    pub(crate) value: String,
    /// Where it came from.
    pub(crate) source: ValueSource,
}

/// A variable that exists but can't be used.
#[derive(Debug)]
pub(crate) enum LookupError {
    /// The value (of `var`) is not UTF-8; `lossy` shows it with replacement characters.
    NotUtf8 {
        var: String,
        lossy: String,
        source: ValueSource,
    },
    /// `var` (an `X_FILE`) names a file that can't be read.
    Unreadable {
        var: String,
        path: PathBuf,
        reason: String,
    },
}

/// Names what the source reads, never a value (a variable or a `.env` line may be a
/// secret).
impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Source");
        match &self.vars {
            None => d.field("vars", &format_args!("the process environment")),
            Some(vars) => d.field("vars", &format_args!("{} given variables", vars.len())),
        };
        d.field("files", &self.files)
            .field("dotenv", &self.dotenv)
            .field("dotenv_switch", &self.dotenv_switch)
            .finish_non_exhaustive()
    }
}

impl Source {
    /// The process environment, `X_FILE` files, and `./.env` for variables the
    /// environment lacks (unless `TWELVE_DOTENV` is `0`, `false`, `no` or `off`).
    ///
    /// The `.env` file is read only when some variable is missing from the
    /// environment, and never changes the process environment.
    pub fn from_env() -> Self {
        Source {
            vars: None,
            files: true,
            dotenv: Some(Cow::Borrowed(Path::new(".env"))),
            // Checked only when the file is needed: a load that finds every variable
            // in the environment reads nothing else.
            dotenv_switch: true,
            dotenv_file: OnceLock::new(),
        }
    }

    /// The given pairs only: no process environment, no files, no `.env`.
    pub fn from_vars<I, K, V>(vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        Self::from_os_vars(
            vars.into_iter()
                .map(|(k, v)| (OsString::from(k.as_ref()), OsString::from(v.as_ref()))),
        )
    }

    /// Like [`from_vars`](Self::from_vars), with values that need not be UTF-8.
    pub fn from_os_vars<I, K, V>(vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        Source {
            vars: Some(
                vars.into_iter()
                    .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
                    .collect(),
            ),
            files: false,
            dotenv: None,
            dotenv_switch: false,
            dotenv_file: OnceLock::new(),
        }
    }

    /// Whether `X_FILE` names a file holding the value of an unset `X`.
    pub fn with_files(mut self, on: bool) -> Self {
        self.files = on;
        self
    }

    /// A `.env` file for variables that the main source lacks; `None` turns it off.
    /// A missing file is not an error.
    pub fn with_dotenv(mut self, path: Option<impl Into<PathBuf>>) -> Self {
        self.dotenv = path.map(|p| Cow::Owned(p.into()));
        self.dotenv_file = OnceLock::new();
        self
    }

    /// Whether the `.env` file was looked for (some variable was missing).
    #[inline]
    pub(crate) fn dotenv_was_read(&self) -> bool {
        self.dotenv_file.get().is_some_and(Option::is_some)
    }

    /// Problems of the `.env` file: lines it could not parse, which were skipped, or
    /// the file itself when it could not be used (unreadable, not UTF-8). Empty when
    /// the file was fine, absent, or never needed.
    pub fn warnings(&self) -> Vec<Problem> {
        self.dotenv_file
            .get()
            .and_then(Option::as_ref)
            .map(|f| f.problems.clone())
            .unwrap_or_default()
    }

    /// The names set in this source (the environment or the given pairs, then the
    /// `.env` file's, which this reads when it is on), each with where it is set, for
    /// the look-alike check. Names that are not UTF-8, or set to empty, are left out.
    pub(crate) fn set_names(&self) -> Vec<(String, ValueSource)> {
        let mut names: Vec<(String, ValueSource)> = match &self.vars {
            None => std::env::vars_os()
                .filter(|(_, v)| !v.is_empty())
                .filter_map(|(k, _)| k.into_string().ok())
                .map(|k| (k, ValueSource::Env))
                .collect(),
            Some(vars) => vars
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .filter_map(|(k, _)| k.to_str())
                .map(|k| (k.to_owned(), ValueSource::Env))
                .collect(),
        };
        if let Some(dotenv) = self.dotenv_file() {
            let file = dotenv.path.display().to_string();
            for (key, value) in &dotenv.vars {
                if !value.is_empty() && self.primary(key).is_none() {
                    names.push((
                        key.clone(),
                        ValueSource::Dotenv {
                            file: file.clone(),
                            line: dotenv.line(key),
                        },
                    ));
                }
            }
        }
        names
    }

    /// The value of `name` from any of its places: the variable itself, else
    /// `name_FILE`, else the same two in `.env`. Off the load's path (the loader calls
    /// [`primary`](Self::primary) and [`fallback`](Self::fallback) itself); for reading one
    /// variable alone, as the runtime does for its logging when a load failed.
    pub(crate) fn get(&self, name: &str) -> Result<Option<Found>, LookupError> {
        match self.primary(name) {
            Some(value) => match value.into_string() {
                Ok(value) => Ok(Some(Found {
                    value,
                    source: ValueSource::Env,
                })),
                Err(_) => Ok(None),
            },
            None => self.fallback(name),
        }
    }

    /// The value of `name` when the variable itself is unset (the loader reads it with
    /// [`primary`](Self::primary) first): `name_FILE`, then the same two in `.env`. An
    /// empty value counts as unset. Kept out of line, off the path of a variable that is
    /// set.
    #[cold]
    #[inline(never)]
    pub(crate) fn fallback(&self, name: &str) -> Result<Option<Found>, LookupError> {
        let file_var = format!("{name}_FILE");
        if self.files {
            if let Some(path) = self.primary(&file_var) {
                return read_file(&file_var, Path::new(&path));
            }
        }
        let Some(dotenv) = self.dotenv_file() else {
            return Ok(None);
        };
        if let Some(value) = dotenv.vars.get(name).filter(|v| !v.is_empty()) {
            return Ok(Some(Found {
                value: value.clone(),
                source: ValueSource::Dotenv {
                    file: dotenv.path.display().to_string(),
                    line: dotenv.line(name),
                },
            }));
        }
        match dotenv.vars.get(&file_var).filter(|v| !v.is_empty()) {
            Some(path) if self.files => read_file(&file_var, Path::new(path)),
            _ => Ok(None),
        }
    }

    /// The variable in the process environment or the given pairs; `None` when unset
    /// or empty.
    ///
    /// By hand, on the load's hot path (inlined into each field's load): the given
    /// pairs' hash lookup is out of line, so that the code of a field read from the
    /// environment stays small (BENCHMARKS.md, "Config loading").
    #[inline(always)]
    pub(crate) fn primary(&self, name: &str) -> Option<OsString> {
        let value = match &self.vars {
            None => std::env::var_os(name),
            Some(vars) => pair(vars, name),
        };
        value.filter(|v| !v.is_empty())
    }

    fn dotenv_file(&self) -> Option<&DotenvFile> {
        self.dotenv_file
            .get_or_init(|| {
                let path = self.dotenv.as_ref()?;
                if self.dotenv_switch && dotenv_switched_off() {
                    return None;
                }
                Some(DotenvFile::read(path))
            })
            .as_ref()
    }
}

/// The value of `name` among the given pairs.
#[inline(never)]
fn pair(vars: &HashMap<OsString, OsString>, name: &str) -> Option<OsString> {
    vars.get(OsStr::new(name)).cloned()
}

/// `TWELVE_DOTENV` is `0`, `false`, `no` or `off`.
fn dotenv_switched_off() -> bool {
    std::env::var("TWELVE_DOTENV").is_ok_and(|v| {
        ["0", "false", "no", "off"]
            .iter()
            .any(|off| v.trim().eq_ignore_ascii_case(off))
    })
}

/// The contents of the file that `var` names, one trailing newline trimmed.
fn read_file(var: &str, path: &Path) -> Result<Option<Found>, LookupError> {
    let bytes = std::fs::read(path).map_err(|e| LookupError::Unreadable {
        var: var.to_owned(),
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    let source = ValueSource::File(path.display().to_string());
    let mut value = String::from_utf8(bytes).map_err(|e| LookupError::NotUtf8 {
        var: var.to_owned(),
        lossy: String::from_utf8_lossy(e.as_bytes()).into_owned(),
        source: source.clone(),
    })?;
    if value.ends_with('\n') {
        value.pop();
        if value.ends_with('\r') {
            value.pop();
        }
    }
    Ok((!value.is_empty()).then_some(Found { value, source }))
}
