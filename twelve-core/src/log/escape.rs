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
/// need no escape are copied whole; eight bytes at a time are checked at once.
pub(crate) fn escape_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Skip whole 8-byte words that hold nothing to escape.
        if let Some(word) = bytes.get(i..i + 8) {
            let mut chunk = [0u8; 8];
            chunk.copy_from_slice(word);
            if !needs_escape(u64::from_le_bytes(chunk)) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        let esc = ESCAPE[usize::from(b)];
        if esc != 0 {
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
        i += 1;
    }
    out.push_str(&s[start..]);
}

/// Whether any byte of `word` is below 0x20, `"`, `\\` or 0x7f (bytes of multi-byte
/// UTF-8 characters, 0x80 and up, never match).
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH != 0;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGH != 0;
    below_space
        || has_zero(word ^ (ONES * u64::from(b'"')))
        || has_zero(word ^ (ONES * u64::from(b'\\')))
        || has_zero(word ^ (ONES * 0x7f))
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
    fn word_check_agrees_with_the_table() {
        // Every byte value in every position of a word.
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut word = *b"abcdefgh";
                word[pos] = b;
                let expected = ESCAPE[usize::from(b)] != 0;
                assert_eq!(
                    needs_escape(u64::from_le_bytes(word)),
                    expected,
                    "{b:#x} at {pos}"
                );
            }
        }
        let mut out = String::new();
        escape_into(&mut out, "0123456789abcdef\"\n0123456789é\u{1}end");
        assert_eq!(out, "0123456789abcdef\\\"\\n0123456789é\\u0001end");
    }

    #[test]
    fn escapes_what_json_requires() {
        let mut out = String::new();
        quoted(&mut out, "a\"b\\c\nd\u{1}\u{7f}é\u{2028}");
        assert_eq!(out, "\"a\\\"b\\\\c\\nd\\u0001\\u007fé\u{2028}\"");
        let parsed: String = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(parsed, "a\"b\\c\nd\u{1}\u{7f}é\u{2028}");
    }
}
