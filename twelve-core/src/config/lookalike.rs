//! The look-alike check: variables that are set, that nothing reads, and that look
//! like a variable that is read (a typo: `DATABSE_URL`), or that start with the
//! settings' prefix. A leaf: it takes names and gives [`Warning`]s.
//!
//! It runs at every start, so it is written for speed (the issue's budget: 50 µs for
//! 200 variables and 50 names; `benches/config.rs` measures it). By hand, because it is
//! on the start-up path and measurably faster than a plain Levenshtein over every pair
//! (BENCHMARKS.md): read names go in a hash set; a pair is compared only when the
//! lengths allow the distance, then by a letter-count filter (the sum of the
//! differences of 32 per-letter counts is at most twice the edit distance), and only
//! then by a Levenshtein bounded by the allowed distance, after the common prefix and
//! suffix are cut off.

use std::collections::HashSet;

use super::report::Warning;
use super::value_source::ValueSource;

/// Variables that platforms, shells and tools set: never warned about. Exact names.
///
/// The list is documented in the module docs of `twelve::config` ("Variables nobody
/// reads"); keep both in step.
pub const WELL_KNOWN: &[&str] = &[
    "ALL_PROXY",
    "CI",
    "COLORTERM",
    "COLUMNS",
    "DISPLAY",
    "DYNO",
    "EDITOR",
    "FTP_PROXY",
    "HOME",
    "HOSTNAME",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "INVOCATION_ID",
    "JOURNAL_STREAM",
    "K_CONFIGURATION",
    "K_REVISION",
    "K_SERVICE",
    "LANG",
    "LANGUAGE",
    "LD_LIBRARY_PATH",
    "LD_PRELOAD",
    "LINES",
    "LISTEN_FDNAMES",
    "LISTEN_FDS",
    "LISTEN_PID",
    "LOGNAME",
    "MAIL",
    "MALLOC_ARENA_MAX",
    "MANPATH",
    "METRICS_ENABLED",
    "METRICS_PORT",
    "NOTIFY_SOCKET",
    "NO_PROXY",
    "OLDPWD",
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "PAGER",
    "PATH",
    "PS1",
    "PWD",
    "SHELL",
    "SHLVL",
    "SSL_CERT_DIR",
    "SSL_CERT_FILE",
    "TEMP",
    "TERM",
    "TMP",
    "TMPDIR",
    "TZ",
    "USER",
    "VISUAL",
    "WATCHDOG_PID",
    "WATCHDOG_USEC",
    "_",
];

/// Prefixes of variables that platforms and tools set (and twelve's own): never
/// warned about.
pub const WELL_KNOWN_PREFIXES: &[&str] = &[
    "AWS_",
    "AZURE_",
    "BUILDKITE_",
    "CARGO",
    "CF_",
    "CI_",
    "CLOUD_RUN_",
    "DBUS_",
    "DOCKER_",
    "ECS_",
    "FLY_",
    "FUNCTIONS_",
    "GCE_",
    "GITHUB_",
    "GITLAB_",
    "GOOGLE_",
    "HEROKU_",
    "KUBERNETES_",
    "LC_",
    "NOMAD_",
    "OTEL_",
    "RAILWAY_",
    "RENDER_",
    "RUNNER_",
    "RUSTC",
    "RUSTUP_",
    "RUST_",
    "SSH_",
    "TERM_",
    "TWELVE_",
    "VCAP_",
    "WEBSITE_",
    "XDG_",
];

/// Whether `name` is one that a platform sets: [`WELL_KNOWN`], a
/// [`WELL_KNOWN_PREFIXES`] prefix, or the shape of a Kubernetes service link
/// (`<SVC>_SERVICE_HOST`, `<SVC>_SERVICE_PORT[_<NAME>]`, `<SVC>_PORT_<N>_TCP[...]`;
/// `<SVC>_PORT=tcp://...` is told by its value, in the source).
pub fn is_well_known(name: &str) -> bool {
    WELL_KNOWN.binary_search(&name).is_ok()
        || WELL_KNOWN_PREFIXES
            .iter()
            // With `otel`, twelve reads `OTEL_*` itself: their typos are warned about.
            .any(|p| name.starts_with(p) && !(cfg!(feature = "otel") && *p == "OTEL_"))
        || name.ends_with("_SERVICE_HOST")
        || name.contains("_SERVICE_PORT")
        || is_port_link(name)
}

/// `<SVC>_PORT_<digits>_TCP...` (or `_UDP`, `_SCTP`).
fn is_port_link(name: &str) -> bool {
    name.match_indices("_PORT_").any(|(at, m)| {
        let rest = &name[at + m.len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0
            && ["_TCP", "_UDP", "_SCTP"]
                .iter()
                .any(|p| rest[digits..].starts_with(p))
    })
}

/// A read name, ready to compare.
struct Candidate<'a> {
    name: &'a str,
    counts: [u8; 32],
    /// The largest distance still a look-alike: 2, or 1 under 8 characters.
    limit: usize,
}

/// The look-alike check that [`Config::load_report`](super::Config::load_report) and
/// the runtime run: the warnings for `set` (names, each with where it is set) given
/// the names that were `read` (reading `X` also reads `X_FILE`) and the settings'
/// `prefix` (may be empty), in the order of `set`. For sources of your own.
///
/// ```
/// use twelve_core::config::{ValueSource, lookalike_warnings};
/// let set = [("DATABSE_URL".to_string(), ValueSource::Env), ("HOME".to_string(), ValueSource::Env)];
/// let warnings = lookalike_warnings(&set, &["DATABASE_URL"], "");
/// assert_eq!(warnings.len(), 1);
/// assert_eq!(warnings[0].suggestion(), Some("DATABASE_URL"));
/// ```
pub fn lookalike_warnings(
    set: &[(String, ValueSource)],
    read: &[&str],
    prefix: &str,
) -> Vec<Warning> {
    let known: HashSet<&str> = read.iter().copied().collect();
    let mut candidates: Option<Vec<Candidate<'_>>> = None;
    let mut warnings = Vec::new();
    for (name, source) in set {
        let is_read = known.contains(name.as_str())
            || name
                .strip_suffix("_FILE")
                .is_some_and(|base| known.contains(base));
        if is_read {
            continue;
        }
        let candidates = candidates.get_or_insert_with(|| {
            read.iter()
                .map(|&name| Candidate {
                    name,
                    counts: counts(name.as_bytes()),
                    limit: if name.len() < 8 { 1 } else { 2 },
                })
                .collect()
        });
        let suggestion = closest(name, candidates);
        // The platform's names are ruled out last: few names get this far, and the
        // check costs as much as comparing with every read name (BENCHMARKS.md).
        if (suggestion.is_some() || (!prefix.is_empty() && name.starts_with(prefix)))
            && !is_well_known(name)
        {
            warnings.push(Warning {
                var: name.clone(),
                source: source.clone(),
                suggestion: suggestion.map(str::to_owned),
            });
        }
    }
    warnings
}

/// The read name nearest to `name` within its limit (the first of equals).
fn closest<'a>(name: &str, candidates: &[Candidate<'a>]) -> Option<&'a str> {
    let bytes = name.as_bytes();
    let own = counts(bytes);
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        let limit = best.map_or(c.limit, |(d, _)| c.limit.min(d.saturating_sub(1)));
        if c.name.len().abs_diff(bytes.len()) > limit || count_distance(&own, &c.counts) > 2 * limit
        {
            continue;
        }
        if let Some(d) = bounded_distance(bytes, c.name.as_bytes(), limit) {
            best = Some((d, c.name));
            if d == 0 {
                break;
            }
        }
    }
    best.map(|(_, name)| name)
}

/// How many times each letter (any case), digit or other byte appears, in 32 buckets.
fn counts(name: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for &b in name {
        out[usize::from(b.to_ascii_uppercase() & 31)] =
            out[usize::from(b.to_ascii_uppercase() & 31)].saturating_add(1);
    }
    out
}

/// The sum of the differences of two count arrays: at most twice the edit distance
/// (a substitution moves two counts by one, an insertion or deletion one).
fn count_distance(a: &[u8; 32], b: &[u8; 32]) -> usize {
    a.iter()
        .zip(b)
        .map(|(x, y)| usize::from(x.abs_diff(*y)))
        .sum()
}

fn same(a: u8, b: u8) -> bool {
    a.eq_ignore_ascii_case(&b)
}

/// The Levenshtein distance of `a` and `b` (ASCII case ignored) if it is at most
/// `limit`.
fn bounded_distance(a: &[u8], b: &[u8], limit: usize) -> Option<usize> {
    let start = a.iter().zip(b).take_while(|(x, y)| same(**x, **y)).count();
    let (a, b) = (&a[start..], &b[start..]);
    let end = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| same(**x, **y))
        .count();
    let (a, b) = (&a[..a.len() - end], &b[..b.len() - end]);
    if a.is_empty() || b.is_empty() {
        let d = a.len().max(b.len());
        return (d <= limit).then_some(d);
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut row = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        row[0] = i + 1;
        let mut lowest = row[0];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(!same(ca, cb));
            row[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(row[j] + 1);
            lowest = lowest.min(row[j + 1]);
        }
        if lowest > limit {
            return None;
        }
        std::mem::swap(&mut prev, &mut row);
    }
    let d = prev[b.len()];
    (d <= limit).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(set: &[&str], read: &[&str], prefix: &str) -> Vec<String> {
        let set: Vec<(String, ValueSource)> = set
            .iter()
            .map(|n| ((*n).to_owned(), ValueSource::Env))
            .collect();
        lookalike_warnings(&set, read, prefix)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_well_known_list_is_sorted_for_binary_search() {
        assert!(WELL_KNOWN.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn typos_within_the_limit_are_found() {
        let read = ["DATABASE_URL", "PORT", "SMTP_HOST", "LOG_LEVEL"];
        assert_eq!(
            check(
                &[
                    "DATABSE_URL",
                    "HOST",
                    "PROT",
                    "PORTS",
                    "SMTP_HOTS",
                    "LOG_LEVLE"
                ],
                &read,
                ""
            ),
            [
                "DATABSE_URL is set but nothing reads it; did you mean DATABASE_URL?",
                "PORTS is set but nothing reads it; did you mean PORT?",
                "SMTP_HOTS is set but nothing reads it; did you mean SMTP_HOST?",
                "LOG_LEVLE is set but nothing reads it; did you mean LOG_LEVEL?",
            ]
        );
        // HOST is no look-alike of PORT (distance 2, but under 8 characters), nor PROT
        // (a swap is 2 edits).
        assert_eq!(check(&["database_url"], &read, "").len(), 1);
    }

    #[test]
    fn read_file_and_well_known_names_are_never_warned() {
        let read = ["PATHS", "HOME_DIR", "DB_URL"];
        assert!(
            check(
                &[
                    "PATH",
                    "HOME",
                    "DB_URL",
                    "DB_URL_FILE",
                    "KUBERNETES_PORT",
                    "RUST_LOG"
                ],
                &read,
                ""
            )
            .is_empty()
        );
        assert!(is_well_known("WEB_SERVICE_HOST"));
        assert!(is_well_known("WEB_SERVICE_PORT_HTTP"));
        assert!(is_well_known("WEB_PORT_80_TCP_ADDR"));
        assert!(!is_well_known("WEB_PORT_HTTP"));
        assert!(!is_well_known("DATABSE_URL"));
    }

    #[test]
    fn the_prefix_warns_without_a_suggestion() {
        assert_eq!(
            check(&["APP_COLOUR", "APP_PORTT", "OTHER"], &["APP_PORT"], "APP_"),
            [
                "APP_COLOUR is set but nothing reads it",
                "APP_PORTT is set but nothing reads it; did you mean APP_PORT?"
            ]
        );
    }

    #[test]
    fn distances() {
        assert_eq!(bounded_distance(b"kitten", b"sitting", 3), Some(3));
        assert_eq!(bounded_distance(b"kitten", b"sitting", 2), None);
        assert_eq!(bounded_distance(b"ABC", b"abc", 0), Some(0));
        assert_eq!(bounded_distance(b"AB", b"ABCD", 2), Some(2));
        assert_eq!(bounded_distance(b"", b"A", 1), Some(1));
    }

    proptest::proptest! {
        #[test]
        fn the_filters_never_hide_a_look_alike(a in "[A-D_]{0,10}", b in "[A-D_]{0,10}") {
            // The plain Levenshtein distance, for reference.
            let full = {
                let (a, b) = (a.as_bytes(), b.as_bytes());
                let mut prev: Vec<usize> = (0..=b.len()).collect();
                for (i, ca) in a.iter().enumerate() {
                    let mut row = vec![i + 1];
                    for (j, cb) in b.iter().enumerate() {
                        row.push((prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(row[j] + 1));
                    }
                    prev = row;
                }
                prev[b.len()]
            };
            for limit in 0..3 {
                let expected = (full <= limit).then_some(full);
                proptest::prop_assert_eq!(bounded_distance(a.as_bytes(), b.as_bytes(), limit), expected);
                if full <= limit {
                    proptest::prop_assert!(count_distance(&counts(a.as_bytes()), &counts(b.as_bytes())) <= 2 * limit);
                }
            }
        }
    }
}
