//! Secrecy follows the type: an alias of `Secret<T>`, a list or a map of secrets are
//! redacted like a field spelled `Secret<T>`, in errors, reports, `vars()` and the
//! `Debug` of the loader's types.

use std::collections::{BTreeMap, HashMap};

use twelve::config::Source;
use twelve::{Config, Secret};

type Token = Secret<String>;
type Port = Secret<u16>;

#[derive(Config)]
#[allow(dead_code)]
struct Settings {
    token: Token,
    port: Option<Port>,
    #[config(default = "")]
    keys: Vec<Secret<String>>,
    #[config(default = "")]
    by_tenant: HashMap<String, Secret<u32>>,
    #[config(default = "")]
    tenant_keys: BTreeMap<String, Token>,
}

const VALUE: &str = "hunter2-value";

fn all_text(vars: &[(&str, &str)]) -> String {
    let source = Source::from_vars(vars.iter().copied());
    let (result, report) = Settings::load_report_from(&source);
    let mut text = format!("{source:?}\n{report:?}\n{:?}\n", Settings::vars());
    for var in report.vars() {
        text.push_str(&format!("{} {:?}\n", var.name(), var.value()));
    }
    // (A loaded value's own `Debug` is the user's type: a `HashMap<String, Secret<_>>`
    // shows its keys, as its type says.)
    if let Err(e) = result {
        text.push_str(&format!("{e}\n{e:?}"));
    }
    text
}

#[test]
fn an_alias_a_list_and_a_map_of_secrets_are_secret() {
    let vars = Settings::vars();
    for name in ["TOKEN", "PORT", "KEYS", "BY_TENANT", "TENANT_KEYS"] {
        let var = vars.iter().find(|v| v.name == name).expect(name);
        assert!(var.secret, "{name} is a secret");
    }
    let text = all_text(&[
        ("TOKEN", VALUE),
        ("PORT", "8080"),
        ("KEYS", "hunter2-value,hunter2-other"),
        ("BY_TENANT", "hunter2-value=1"),
        ("TENANT_KEYS", "acme=hunter2-value"),
    ]);
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!text.contains("8080"), "{text}");
}

#[test]
fn bad_secret_values_are_not_quoted_in_errors() {
    let text = all_text(&[
        ("TOKEN", VALUE),
        ("PORT", "hunter2-port"),
        ("KEYS", "hunter2-value"),
        // a repeated key of a secret map is named by position, not quoted
        ("BY_TENANT", "hunter2-key=1,b=2,hunter2-key=3"),
        ("TENANT_KEYS", "hunter2-novalue"),
    ]);
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("PORT"), "{text}");
    assert!(
        text.contains("item 3: repeated key (the key of item 1)"),
        "{text}"
    );
    assert!(text.contains("TENANT_KEYS"), "{text}");
}

#[test]
fn a_plain_maps_repeated_key_is_quoted() {
    #[derive(Config)]
    #[allow(dead_code)]
    struct Plain {
        labels: BTreeMap<String, String>,
    }
    let Err(e) = Plain::from_vars([("LABELS", "team=a,team=b")]) else {
        panic!("a repeated key is an error")
    };
    assert!(e.to_string().contains("repeated key \"team\""), "{e}");
}
