//! A JSON parser that rejects an object holding a key twice: `serde_json` keeps the
//! last value of a repeated key without a word, and so do most log pipelines, which is
//! how a duplicate goes unseen. This is serde_json's grammar with every object checked
//! for repeated keys.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Parses `text` as exactly one JSON value; an object that holds a key twice (at any
/// depth) is an error naming the key.
pub(crate) fn parse(text: &str) -> Result<Value, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let Strict(value) = Strict::deserialize(&mut de).map_err(|e| format!("{e}: {text}"))?;
    de.end().map_err(|e| format!("{e}: {text}"))?;
    Ok(value)
}

/// Every line of `text` parsed with [`parse`], each one an object.
pub(crate) fn lines(text: &str) -> Result<Vec<Value>, String> {
    text.lines()
        .map(|line| match parse(line)? {
            Value::Object(map) => Ok(Value::Object(map)),
            other => Err(format!("not an object: {other}")),
        })
        .collect()
}

struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Strict;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Strict, E> {
        Ok(Strict(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Strict, E> {
        Ok(Strict(Value::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Strict, E> {
        Ok(Strict(Value::from(v)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Strict, E> {
        Ok(Strict(Value::from(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Strict, E> {
        Ok(Strict(Value::String(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Strict, E> {
        Ok(Strict(Value::String(v)))
    }

    fn visit_unit<E>(self) -> Result<Strict, E> {
        Ok(Strict(Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Strict(Value::Array(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!("the key {key:?} twice")));
            }
            let Strict(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Strict(Value::Object(object)))
    }
}

#[test]
fn the_strict_parser_rejects_repeated_keys_that_serde_json_takes() {
    for text in [
        r#"{"a":1,"a":1}"#,
        r#"{"a":1,"b":{"c":true,"c":false}}"#,
        r#"[{"x":null},{"y":1,"y":2}]"#,
        r#"{"message":"a","message":"b"}"#,
    ] {
        assert!(serde_json::from_str::<Value>(text).is_ok(), "{text}");
        let error = parse(text).expect_err(text);
        assert!(error.contains("twice"), "{error}");
    }
    let line = parse(r#"{"a":1,"b":[1,2.5,"x",null,{"a":false}],"c":{"a":-3}}"#)
        .expect("valid, no key twice in one object");
    assert_eq!(line["b"][4]["a"], false);
    assert!(parse(r#"{"a":1} {"b":2}"#).is_err(), "one value only");
    assert!(lines("{\"a\":1}\n[1]\n").is_err(), "every line an object");
}
