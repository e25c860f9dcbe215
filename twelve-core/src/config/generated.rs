//! The adapters that the code of `#[derive(Config)]` and `#[derive(ConfigValue)]`
//! calls (through `twelve::__private`) to turn a field's attributes into a `Parser` and
//! a `Check`, to read an enum's variant, and to compose the prefixes of nested
//! structs. Nothing here is public API.
//!
//! Imports go one way: this module uses the list parser, [`ParseContext`] and
//! [`ConfigValue`]; the `Loader` uses [`join`], so that the names a nested struct loads
//! are the names it lists.

use std::fmt::Display;
use std::ops::RangeBounds;

use super::context::ParseContext;
use super::value::ConfigValue;

/// `T::from_str`, its error turned into text: the parser of `#[config(from_str)]`.
pub fn from_str<T>(raw: &str) -> Result<T, String>
where
    T: std::str::FromStr,
    T::Err: Display,
{
    raw.parse::<T>().map_err(|e| e.to_string())
}

/// A `#[config(with = path)]` function's result, its error turned into text.
pub fn with<T, E: Display>(result: Result<T, E>) -> Result<T, String> {
    result.map_err(|e| e.to_string())
}

/// `prefix` followed by `segment`: the prefix of a nested struct's variables.
pub fn join(prefix: &str, segment: &str) -> String {
    format!("{prefix}{segment}")
}

/// A list whose items go through `item` (`Vec<T>` with `#[config(from_str)]`).
pub fn list<T>(
    raw: &str,
    ctx: &ParseContext,
    item: fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    super::list::parse(raw, ctx, |s, _| item(s))
}

/// Forces the value type of a `range` to be the field's (so that `1..=64` is a range of
/// `u16` for a `u16` field); `T` must be ordered.
pub fn in_range<T: RangeValue, R: RangeBounds<T>>(
    value: &T,
    range: R,
    text: &'static str,
) -> Result<(), String> {
    if range.contains(value) {
        Ok(())
    } else {
        Err(format!("out of range: {text}"))
    }
}

/// A range bound written as text (`"1s"` for a `Duration`), read with the field's
/// parser.
pub fn bound<T: ConfigValue>(text: &str, ctx: &ParseContext) -> Result<T, String> {
    T::parse_value(text, ctx).map_err(|e| format!("the range's bound {text:?} is not valid: {e}"))
}

/// What `range` needs of a field's type: an order.
#[diagnostic::on_unimplemented(
    message = "`range` needs a type with an order, and `{Self}` has none",
    label = "not ordered (`PartialOrd`)",
    note = "`range` is for numbers and `Duration`; check other types with `#[config(validate = path)]`"
)]
pub trait RangeValue: PartialOrd {}

impl<T: PartialOrd> RangeValue for T {}

/// The index of the variant `raw` names: `keys` are the variants' names in lower case
/// without `-` and `_`, and `raw` is compared the same way (trimmed, ASCII case, `-`
/// and `_` ignored), without allocating.
pub fn variant(raw: &str, keys: &[&str]) -> Option<usize> {
    keys.iter().position(|key| {
        let mut want = key.bytes();
        raw.trim()
            .bytes()
            .filter(|b| *b != b'-' && *b != b'_')
            .all(|b| want.next() == Some(b.to_ascii_lowercase()))
            && want.next().is_none()
    })
}

/// The error of a value that names no variant.
pub fn unknown_variant(names: &[&str]) -> String {
    format!("expected one of: {}", names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adapters_turn_errors_into_text() {
        assert_eq!(from_str::<u8>("7"), Ok(7));
        assert!(from_str::<u8>("x").is_err_and(|e| e.contains("invalid digit")));
        assert_eq!(with(Err::<u8, _>("nope")), Err("nope".to_string()));
        assert_eq!(join("APP_", "SMTP_"), "APP_SMTP_");
        let ctx = ParseContext::with_separator(";");
        assert_eq!(list("1; 2", &ctx, from_str::<u8>), Ok(vec![1, 2]));
        assert_eq!(
            list("1;x", &ctx, from_str::<u8>),
            Err("item 2: invalid digit found in string".to_string())
        );
    }

    #[test]
    fn variants_ignore_case_dashes_and_underscores() {
        let keys = ["fastpath", "safe"];
        for raw in [
            "fast_path",
            "fast-path",
            "FASTPATH",
            " FastPath ",
            "f_a-s_tpath",
        ] {
            assert_eq!(variant(raw, &keys), Some(0), "{raw}");
        }
        assert_eq!(variant("SAFE", &keys), Some(1));
        assert_eq!(variant("fast", &keys), None);
        assert_eq!(variant("safer", &keys), None);
        assert_eq!(variant("é", &keys), None);
        assert_eq!(
            unknown_variant(&["fast_path", "safe"]),
            "expected one of: fast_path, safe"
        );
    }

    #[test]
    fn ranges() {
        assert_eq!(in_range(&5u16, 1..=64, "must be between 1 and 64"), Ok(()));
        assert_eq!(
            in_range(&0u16, 1..=64, "must be between 1 and 64"),
            Err("out of range: must be between 1 and 64".into())
        );
        let ctx = ParseContext::DEFAULT;
        let low: std::time::Duration = bound("1s", &ctx).expect("bound");
        assert_eq!(low.as_secs(), 1);
        assert!(bound::<std::time::Duration>("1", &ctx).is_err());
    }
}
