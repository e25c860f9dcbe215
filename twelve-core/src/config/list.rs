//! Lists: `a, b, c`, items trimmed, `\,` for a separator inside an item. A leaf: it
//! takes the item parser as an argument and imports no parser of its siblings.

use super::context::ParseContext;

/// Splits `raw` on the context's separator and parses each item.
///
/// Items are trimmed and empty items are skipped (so `a, b,` is `[a, b]` and an empty
/// text is an empty list). A backslash before the separator keeps it in the item;
/// `\\` is one backslash; any other backslash is kept as it is.
pub(crate) fn parse<T>(
    raw: &str,
    ctx: &ParseContext,
    item: impl Fn(&str, &ParseContext) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    let sep = ctx.separator();
    let mut out = Vec::new();
    let mut current = String::new();
    let mut rest = raw;
    let mut index = 0usize;
    loop {
        let next_sep = rest.find(sep);
        let next_esc = rest.find('\\');
        match (next_sep, next_esc) {
            (_, Some(e)) if next_sep.is_none_or(|s| e < s) => {
                current.push_str(&rest[..e]);
                let after = &rest[e + 1..];
                if let Some(tail) = after.strip_prefix(sep) {
                    current.push_str(sep);
                    rest = tail;
                } else if let Some(tail) = after.strip_prefix('\\') {
                    current.push('\\');
                    rest = tail;
                } else {
                    current.push('\\');
                    rest = after;
                }
            }
            (Some(s), _) => {
                current.push_str(&rest[..s]);
                push_item(&mut out, &mut current, &mut index, ctx, &item)?;
                rest = &rest[s + sep.len()..];
            }
            (None, _) => {
                current.push_str(rest);
                push_item(&mut out, &mut current, &mut index, ctx, &item)?;
                return Ok(out);
            }
        }
    }
}

fn push_item<T>(
    out: &mut Vec<T>,
    current: &mut String,
    index: &mut usize,
    ctx: &ParseContext,
    item: &impl Fn(&str, &ParseContext) -> Result<T, String>,
) -> Result<(), String> {
    let text = current.trim();
    if !text.is_empty() {
        *index += 1;
        let value = item(text, ctx).map_err(|e| format!("item {index}: {e}"))?;
        out.push(value);
    }
    current.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(raw: &str, sep: &'static str) -> Result<Vec<String>, String> {
        parse(raw, &ParseContext::with_separator(sep), |s, _| {
            Ok(s.to_owned())
        })
    }

    fn byte(s: &str, _: &ParseContext) -> Result<u8, String> {
        s.parse().map_err(|_| "expected a whole number".to_string())
    }

    #[test]
    fn splits_trims_and_escapes() {
        assert_eq!(
            strings("a, b ,c", ","),
            Ok(vec!["a".into(), "b".into(), "c".into()])
        );
        assert_eq!(strings("a\\,b,c", ","), Ok(vec!["a,b".into(), "c".into()]));
        assert_eq!(strings("a\\\\,b", ","), Ok(vec!["a\\".into(), "b".into()]));
        assert_eq!(strings("a\\b", ","), Ok(vec!["a\\b".into()]));
        assert_eq!(strings("", ","), Ok(vec![]));
        assert_eq!(strings("a,,b,", ","), Ok(vec!["a".into(), "b".into()]));
        assert_eq!(strings("a;b,c", ";"), Ok(vec!["a".into(), "b,c".into()]));
        assert_eq!(strings("a::b", "::"), Ok(vec!["a".into(), "b".into()]));
        assert_eq!(strings("trailing\\", ","), Ok(vec!["trailing\\".into()]));
    }

    #[test]
    fn names_the_bad_item() {
        let e = parse("1, 2, x", &ParseContext::DEFAULT, byte).unwrap_err();
        assert_eq!(e, "item 3: expected a whole number");
    }
}
