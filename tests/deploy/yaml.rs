//! Reading YAML files (the manifests, the compose file) and their values.

use std::collections::BTreeMap;

use serde_norway::Value;

use crate::read;

pub(crate) fn yaml_documents(relative: &str) -> Vec<Value> {
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

pub(crate) fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A scalar as written, or YAML for anything else (for messages).
pub(crate) fn show(value: &Value) -> String {
    text(value).unwrap_or_else(|| {
        serde_norway::to_string(value)
            .unwrap_or_default()
            .trim()
            .to_owned()
    })
}

pub(crate) fn strings(value: &Value) -> Vec<String> {
    value
        .as_sequence()
        .map(|seq| seq.iter().filter_map(text).collect())
        .unwrap_or_default()
}

pub(crate) fn mapping(value: &Value) -> BTreeMap<String, Value> {
    value
        .as_mapping()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((text(k)?, v.clone())))
                .collect()
        })
        .unwrap_or_default()
}
