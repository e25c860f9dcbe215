//! Maps: `key=value` pairs with the list rules (`,` between pairs, items trimmed, `\,`
//! escapes, another separator by `#[config(separator = ";")]`); the first `=` splits;
//! a repeated key or a pair without `=` is an error. A leaf: it takes the key and
//! value parsers as arguments, like `list`.
//!
//! The public helpers at the end serve `#[config(with = ...)]` functions, such as the
//! OpenTelemetry variables (`OTEL_RESOURCE_ATTRIBUTES`, `OTEL_EXPORTER_OTLP_HEADERS`),
//! whose values are percent-encoded.

use std::collections::BTreeMap;

use super::context::ParseContext;

/// The pairs of `raw`, each key and value through its parser, in order; `insert`
/// puts one in the map and says whether the key was already there.
pub(crate) fn parse<K, V, M>(
    raw: &str,
    ctx: &ParseContext,
    key: impl Fn(&str, &ParseContext) -> Result<K, String>,
    value: impl Fn(&str, &ParseContext) -> Result<V, String>,
    mut map: M,
    insert: impl Fn(&mut M, K, V) -> bool,
) -> Result<M, String> {
    let pairs = super::list::parse(raw, ctx, |item, ctx| {
        let (k, v) = item
            .split_once('=')
            .ok_or_else(|| "expected key=value, found no `=`".to_string())?;
        let (k, v) = (k.trim(), v.trim());
        if k.is_empty() {
            return Err("empty key before `=`".into());
        }
        let parsed = key(k, ctx).map_err(|e| format!("key: {e}"))?;
        let value = value(v, ctx).map_err(|e| format!("value: {e}"))?;
        Ok((k.to_owned(), parsed, value))
    })?;
    let mut texts = Vec::new();
    for (i, (text, k, v)) in pairs.into_iter().enumerate() {
        if insert(&mut map, k, v) {
            // A secret map's keys are never quoted: its first item with that key is
            // named by position instead.
            if ctx.is_secret() {
                return Err(match texts.iter().position(|t| *t == text) {
                    Some(first) => format!(
                        "item {}: repeated key (the key of item {})",
                        i + 1,
                        first + 1
                    ),
                    None => format!("item {}: repeated key (as an earlier item)", i + 1),
                });
            }
            return Err(format!("item {}: repeated key {text:?}", i + 1));
        }
        if ctx.is_secret() {
            texts.push(text);
        }
    }
    Ok(map)
}

/// `key=value` pairs separated by `,` (the map rules of `#[derive(Config)]`), as a
/// sorted map of strings: for a `#[config(with = ...)]` function that reads the
/// pairs before its own checks.
///
/// ```
/// use twelve_core::config::parse_map;
/// let map = parse_map("team = core, tier=a=b").unwrap();
/// assert_eq!(map["team"], "core");
/// assert_eq!(map["tier"], "a=b"); // the first `=` splits
/// assert_eq!(parse_map("a=1,a=2").unwrap_err(), "item 2: repeated key \"a\"");
/// assert!(parse_map("novalue").unwrap_err().contains("no `=`"));
/// ```
pub fn parse_map(raw: &str) -> Result<BTreeMap<String, String>, String> {
    parse(
        raw,
        &ParseContext::DEFAULT,
        |k, _| Ok(k.to_owned()),
        |v, _| Ok(v.to_owned()),
        BTreeMap::new(),
        |m, k, v| m.insert(k, v).is_some(),
    )
}

/// Like [`parse_map`], with every key and value percent-decoded after the split (so
/// `%2C` is a comma inside a value and `%3D` an `=`): the format of the W3C Baggage
/// header, which `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_HEADERS` use. A
/// repeated key is found after decoding.
///
/// ```
/// use twelve_core::config::parse_percent_encoded_map;
/// let headers = parse_percent_encoded_map("api-key=abc%3D%3D,x-note=a%2Cb%20c").unwrap();
/// assert_eq!(headers["api-key"], "abc==");
/// assert_eq!(headers["x-note"], "a,b c");
/// assert!(parse_percent_encoded_map("k=%zz").is_err());
/// ```
pub fn parse_percent_encoded_map(raw: &str) -> Result<BTreeMap<String, String>, String> {
    parse(
        raw,
        &ParseContext::DEFAULT,
        |k, _| percent_decode(k),
        |v, _| percent_decode(v),
        BTreeMap::new(),
        |m, k, v| m.insert(k, v).is_some(),
    )
}

/// Decodes `%XX` escapes (any case of hex digits); every other character stays as it
/// is (`+` too). An escape that is cut short or not hex, or bytes that are not UTF-8
/// once decoded, are errors.
///
/// ```
/// use twelve_core::config::percent_decode;
/// assert_eq!(percent_decode("a%20b%2c%C3%A9").unwrap(), "a b,é");
/// assert!(percent_decode("100%").is_err());
/// ```
pub fn percent_decode(text: &str) -> Result<String, String> {
    if !text.contains('%') {
        return Ok(text.to_owned());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    format!("`%` at byte {i} is not followed by two hex digits (percent-encoding)")
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "not valid UTF-8 once percent-decoded".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_maps_keys_are_not_quoted() {
        let ctx = ParseContext::DEFAULT.secret(true);
        let parse = |raw| {
            parse(
                raw,
                &ctx,
                |k, _| Ok(k.to_owned()),
                |v, _| Ok(v.to_owned()),
                BTreeMap::new(),
                |m, k, v| m.insert(k, v).is_some(),
            )
        };
        let e = parse("hunter2=1,b=2,hunter2=3").unwrap_err();
        assert_eq!(e, "item 3: repeated key (the key of item 1)");
        assert!(parse("hunter2=1,b=2").is_ok());
    }

    #[test]
    fn pairs_follow_the_list_rules() {
        let map = parse_map(" a = 1 ,, b=x\\,y ,c=").expect("map");
        assert_eq!(map.len(), 3);
        assert_eq!(
            (map["a"].as_str(), map["b"].as_str(), map["c"].as_str()),
            ("1", "x,y", "")
        );
        assert_eq!(parse_map("").expect("empty"), BTreeMap::new());
        assert_eq!(
            parse_map("a=1,=2").unwrap_err(),
            "item 2: empty key before `=`"
        );
        assert_eq!(
            parse_map("a=1,novalue").unwrap_err(),
            "item 2: expected key=value, found no `=`"
        );
    }

    #[test]
    fn percent_decoding_is_after_the_split() {
        let map = parse_percent_encoded_map("k%31=v,k1=w").unwrap_err();
        assert_eq!(map, "item 2: repeated key \"k1\"");
        assert!(percent_decode("%ff").unwrap_err().contains("UTF-8"));
        assert!(percent_decode("%4").is_err());
        assert_eq!(percent_decode("%41+b").unwrap(), "A+b");
    }
}
