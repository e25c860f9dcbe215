//! The `tracestate` header: its values joined and checked against the W3C grammar, kept
//! verbatim when valid, dropped whole when not.
//!
//! The grammar is the one of Trace Context Level 1 and of the W3C test suite's strict
//! level: at most 32 list members; a key is `lcalpha 0*255(keychar)` or
//! `tenant@system` (`(lcalpha / DIGIT) 0*240(keychar)` `@` `lcalpha 0*13(keychar)`),
//! `keychar` being `a-z 0-9 _ - * /`; a value is 1 to 256 printable ASCII characters
//! but `,` and `=`, not ending in a space; no key twice. Spaces and tabs around members
//! are optional whitespace, and empty members are allowed.

use std::sync::Arc;

use super::trace::trim_ows;

/// The most list members a `tracestate` may have.
const MAX_MEMBERS: usize = 32;

/// The `tracestate` of the header values (in the order they came): each value without
/// the optional whitespace around it, empty ones left out, joined with `,`. `None` when
/// that is empty or not valid.
pub(super) fn combine<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Option<Arc<str>> {
    let mut values = values
        .into_iter()
        .map(trim_ows)
        .filter(|value| !value.is_empty());
    let first = values.next()?;
    let Some(second) = values.next() else {
        // One header, as nearly always: checked in place, copied once.
        return shared(first);
    };
    let mut joined = Vec::with_capacity(first.len() + second.len() + 1);
    joined.extend_from_slice(first);
    for value in std::iter::once(second).chain(values) {
        joined.push(b',');
        joined.extend_from_slice(value);
    }
    shared(&joined)
}

/// `list` as shared text when it is a valid `tracestate` with at least one member.
fn shared(list: &[u8]) -> Option<Arc<str>> {
    if !is_valid(list) {
        return None;
    }
    // Valid means ASCII.
    std::str::from_utf8(list).ok().map(Arc::from)
}

/// Whether `list` is a valid `tracestate` with at least one member.
pub(super) fn is_valid(list: &[u8]) -> bool {
    let mut keys: [&[u8]; MAX_MEMBERS] = [&[]; MAX_MEMBERS];
    let mut count = 0;
    for member in list.split(|&b| b == b',') {
        let member = trim_ows(member);
        if member.is_empty() {
            continue;
        }
        if count == MAX_MEMBERS {
            return false; // a 33rd member
        }
        let Some(eq) = member.iter().position(|&b| b == b'=') else {
            return false;
        };
        let (key, value) = (&member[..eq], &member[eq + 1..]);
        if !is_key(key) || !is_value(value) || keys[..count].contains(&key) {
            return false;
        }
        keys[count] = key;
        count += 1;
    }
    count > 0
}

/// `a-z 0-9 _ - * /`.
fn is_keychar(b: &u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'*' | b'/')
}

/// A key: `lcalpha 0*255(keychar)`, or `tenant@system`.
fn is_key(key: &[u8]) -> bool {
    let Some(at) = key.iter().position(|&b| b == b'@') else {
        return key.len() <= 256
            && key.first().is_some_and(u8::is_ascii_lowercase)
            && key[1..].iter().all(is_keychar);
    };
    let (tenant, system) = (&key[..at], &key[at + 1..]);
    (1..=241).contains(&tenant.len())
        && (tenant[0].is_ascii_lowercase() || tenant[0].is_ascii_digit())
        && tenant[1..].iter().all(is_keychar)
        && (1..=14).contains(&system.len())
        && system[0].is_ascii_lowercase()
        && system[1..].iter().all(is_keychar)
}

/// A value: 1 to 256 of `0x20-0x7e` but `,` and `=`, the last not a space.
fn is_value(value: &[u8]) -> bool {
    (1..=256).contains(&value.len())
        && value
            .iter()
            .all(|&b| (0x20..=0x7e).contains(&b) && b != b',' && b != b'=')
        && value.last() != Some(&b' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn combined(values: &[&str]) -> Option<String> {
        combine(values.iter().map(|v| v.as_bytes())).map(|s| s.to_string())
    }

    #[test]
    fn valid_lists_are_kept_verbatim_and_joined_in_order() {
        assert_eq!(combined(&["foo=1,bar=2"]).as_deref(), Some("foo=1,bar=2"));
        assert_eq!(
            combined(&["foo=1,bar=2", "rojo=1,congo=2", "baz=3"]).as_deref(),
            Some("foo=1,bar=2,rojo=1,congo=2,baz=3")
        );
        assert_eq!(
            combined(&["foo=1 \t , \t bar=2, \t baz=3"]).as_deref(),
            Some("foo=1 \t , \t bar=2, \t baz=3")
        );
        assert_eq!(combined(&["\t foo=1 \t"]).as_deref(), Some("foo=1"));
        assert_eq!(combined(&["foo=1", ""]).as_deref(), Some("foo=1"));
        assert_eq!(combined(&["", "foo=1"]).as_deref(), Some("foo=1"));
        assert_eq!(combined(&["foo=1,,bar=2"]).as_deref(), Some("foo=1,,bar=2"));
        assert_eq!(combined(&["foo= 1"]).as_deref(), Some("foo= 1"));
        assert_eq!(combined(&[]), None);
        assert_eq!(combined(&[""]), None);
        assert_eq!(combined(&[" , "]), None);
    }

    #[test]
    fn keys_by_the_grammar() {
        let key: String = ('a'..='z').chain('0'..='9').chain("_-*/".chars()).collect();
        let value: String = (0x20u8..=0x7e)
            .filter(|b| *b != b',' && *b != b'=')
            .map(char::from)
            .collect();
        for good in [
            format!("{key}={value}"),
            format!("{key}@a-z0-9_-*/={value}"),
            format!("{}=1", "z".repeat(256)),
            format!("{}@{}=1", "t".repeat(241), "v".repeat(14)),
            "0tenant@vendor=1".into(),
        ] {
            assert!(is_valid(good.as_bytes()), "{good}");
        }
        for bad in [
            "foo =1".to_string(),
            "FOO=1".into(),
            "foo.bar=1".into(),
            "0foo=1".into(),
            "foo@=1,bar=2".into(),
            "@foo=1,bar=2".into(),
            "foo@@bar=1,bar=2".into(),
            "foo@bar@baz=1,bar=2".into(),
            "t@0v=1".into(),
            format!("{}=1", "z".repeat(257)),
            format!("foo=1,{}@v=1", "t".repeat(242)),
            format!("foo=1,t@{}=1", "v".repeat(15)),
        ] {
            assert!(!is_valid(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn values_member_counts_and_duplicates() {
        for bad in [
            "foo=bar=baz",
            "foo=,bar=3",
            "foo",
            "foo=1\u{7f}",
            "foo=caf\u{e9}",
            "foo=a\tb",
            "foo=1,foo=1",
            "foo=1,foo=2",
        ] {
            assert!(!is_valid(bad.as_bytes()), "{bad:?}");
        }
        assert!(is_valid(format!("foo={}", "v".repeat(256)).as_bytes()));
        assert!(!is_valid(format!("foo={}", "v".repeat(257)).as_bytes()));
        let members = |n: usize| {
            (1..=n)
                .map(|i| format!("bar{i:02}={i:02}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        assert!(is_valid(members(32).as_bytes()));
        assert!(!is_valid(members(33).as_bytes()));
        // Duplicates across joined headers.
        assert_eq!(combined(&["foo=1", "foo=2"]), None);
        // A 33rd member in a later header drops the whole.
        assert_eq!(combined(&[&members(32), "bar33=33"]), None);
    }
}
