//! The adapters that the code of `#[derive(Config)]` calls (through
//! `twelve::__private`) to turn a field's attributes into a `Parser` and to compose
//! the prefixes of nested structs. Nothing here is public API.
//!
//! Imports go one way: this module uses the list parser and [`ParseContext`]; the
//! `Loader` uses [`join`], so that the names a nested struct loads are the names it
//! lists.

use super::context::ParseContext;

/// `T::from_str`, its error turned into text: the parser of `#[config(from_str)]`.
pub fn from_str<T>(raw: &str) -> Result<T, String>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    raw.parse::<T>().map_err(|e| e.to_string())
}

/// A `#[config(with = path)]` function's result, its error turned into text.
pub fn with<T, E: std::fmt::Display>(result: Result<T, E>) -> Result<T, String> {
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
}
