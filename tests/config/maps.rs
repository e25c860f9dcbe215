//! Maps: `key=value` pairs with the list rules; a repeated key and a pair without `=`
//! are errors naming the variable.

use std::collections::{BTreeMap, HashMap};

use twelve::{Config, ConfigValue, Secret};

#[derive(ConfigValue, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Region {
    Eu,
    Us,
}

#[derive(Config, Debug)]
struct Settings {
    #[config(default = "")]
    labels: BTreeMap<String, String>,
    #[config(separator = ";")]
    limits: Option<HashMap<String, u32>>,
    by_region: Option<BTreeMap<Region, u16>>,
    headers: Option<Secret<BTreeMap<String, String>>>,
    #[config(with = twelve::config::parse_percent_encoded_map)]
    attributes: Option<BTreeMap<String, String>>,
}

fn problems(vars: &[(&str, &str)]) -> Vec<String> {
    Settings::from_vars(vars.iter().copied())
        .expect_err("bad")
        .errors()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn pairs_follow_the_list_rules() {
    let s = Settings::from_vars([
        ("LABELS", " team = core , tier=a=b, note=x\\,y"),
        ("LIMITS", "a=1; b = 2"),
        ("BY_REGION", "EU=1,us=2"),
        ("HEADERS", "api-key=hunter2"),
        ("ATTRIBUTES", "service.name=web,deployment=prod%2Ceu"),
    ])
    .expect("loads");
    assert_eq!(s.labels["team"], "core");
    assert_eq!(s.labels["tier"], "a=b");
    assert_eq!(s.labels["note"], "x,y");
    assert_eq!(s.limits.expect("limits")["b"], 2);
    assert_eq!(
        s.by_region.expect("regions"),
        BTreeMap::from([(Region::Eu, 1), (Region::Us, 2)])
    );
    assert_eq!(s.headers.expect("headers").expose()["api-key"], "hunter2");
    assert_eq!(s.attributes.expect("attributes")["deployment"], "prod,eu");
}

#[test]
fn an_empty_item_is_skipped_like_a_list_item() {
    let s = Settings::from_vars([("LABELS", "a=1,,b=2, ,")]).expect("loads");
    assert_eq!(s.labels.len(), 2);
}

#[test]
fn a_repeated_key_is_an_error_naming_the_variable() {
    assert_eq!(
        problems(&[("LABELS", "a=1,a=2")]),
        [
            "LABELS: invalid value \"a=1,a=2\": item 2: repeated key \"a\" (expected BTreeMap<String, String>)"
        ]
    );
    // Keys compare as parsed: `EU` and `eu` are one region.
    assert_eq!(problems(&[("BY_REGION", "EU=1,eu=2")]).len(), 1);
}

#[test]
fn a_pair_without_equals_is_an_error_naming_the_variable() {
    assert_eq!(
        problems(&[("LABELS", "novalue")]),
        [
            "LABELS: invalid value \"novalue\": item 1: expected key=value, found no `=` (expected BTreeMap<String, String>)"
        ]
    );
    let text = problems(&[("LIMITS", "a=1;b=x"), ("BY_REGION", "asia=1")]);
    assert_eq!(text.len(), 2);
    assert!(
        text[0].starts_with("LIMITS: ")
            && text[0].contains("item 2: value: expected a whole number"),
        "{text:?}"
    );
    assert!(
        text[1].contains("item 1: key: expected one of: eu, us"),
        "{text:?}"
    );
}

#[test]
fn a_secret_map_never_shows_its_value() {
    let text = problems(&[("HEADERS", "api-key=hunter2,api-key=hunter3")]);
    assert_eq!(text.len(), 1);
    assert!(!text[0].contains("hunter"), "{text:?}");
    assert!(
        text[0].starts_with("HEADERS: invalid value (secret, not shown): item 2: repeated key"),
        "{text:?}"
    );
}
