//! JSON string escaping, written by hand: it runs for every string of every log line,
//! and escaping straight into the line buffer avoids serde_json's intermediate
//! allocations (see BENCHMARKS.md, logging).

use std::fmt;

/// For each byte: 0 when it stands for itself in a JSON string, else the character
/// after the backslash (`u` for the `\u00XX` form).
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x7f] = b'u';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table[b'\n' as usize] = b'n';
    table[b'\r' as usize] = b'r';
    table[b'\t' as usize] = b't';
    table
};

/// Appends `s` to `out` as the inside of a JSON string (no quotes). Runs of bytes that
/// need no escape are copied whole.
pub(crate) fn escape_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc = ESCAPE[usize::from(b)];
        if esc == 0 {
            continue;
        }
        // Escaped bytes are ASCII, so `i` is on a character boundary.
        out.push_str(&s[start..i]);
        if esc == b'u' {
            push_unicode_escape(out, b);
        } else {
            out.push('\\');
            out.push(char::from(esc));
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

fn push_unicode_escape(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str("\\u00");
    out.push(char::from(HEX[usize::from(b >> 4)]));
    out.push(char::from(HEX[usize::from(b & 0xf)]));
}

/// Appends `s` to `out` as a quoted JSON string.
pub(crate) fn quoted(out: &mut String, s: &str) {
    out.push('"');
    escape_into(out, s);
    out.push('"');
}

/// A `fmt::Write` that escapes what is written into a JSON string: `Debug` and
/// `Display` output go straight into the line without a temporary `String`.
pub(crate) struct Escaper<'a>(pub(crate) &'a mut String);

impl fmt::Write for Escaper<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        escape_into(self.0, s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_json_requires() {
        let mut out = String::new();
        quoted(&mut out, "a\"b\\c\nd\u{1}\u{7f}é\u{2028}");
        assert_eq!(out, "\"a\\\"b\\\\c\\nd\\u0001\\u007fé\u{2028}\"");
        let parsed: String = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(parsed, "a\"b\\c\nd\u{1}\u{7f}é\u{2028}");
    }
}
