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
/// need no escape are found with [`clean_prefix`] and copied whole; most strings (keys,
/// targets, messages) have nothing to escape and are copied in one go.
pub(crate) fn escape_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    loop {
        let i = start + clean_prefix(&bytes[start..]);
        let Some(&b) = bytes.get(i) else { break };
        // Escaped bytes are ASCII, so `i` is on a character boundary.
        out.push_str(&s[start..i]);
        let esc = ESCAPE[usize::from(b)];
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

/// Whether `s` has nothing to escape: for short texts such as keys, one tight pass
/// over the table.
pub(crate) fn is_clean(s: &str) -> bool {
    s.bytes().all(|b| ESCAPE[usize::from(b)] == 0)
}

/// How many leading bytes need no escape: whole 8-byte words are checked at once,
/// the rest byte by byte.
fn clean_prefix(bytes: &[u8]) -> usize {
    let mut i = 0;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(word);
        if needs_escape(u64::from_le_bytes(chunk)) {
            break;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if ESCAPE[usize::from(b)] != 0 {
            break;
        }
        i += 1;
    }
    i
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

    /// The table applied one byte at a time: what `escape_into` must produce.
    fn reference(s: &str) -> String {
        let mut out = String::new();
        for c in s.chars() {
            let esc = u8::try_from(c).map_or(0, |b| ESCAPE[usize::from(b)]);
            match esc {
                0 => out.push(c),
                b'u' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
                e => {
                    out.push('\\');
                    out.push(char::from(e));
                }
            }
        }
        out
    }

    #[test]
    fn agrees_with_the_byte_at_a_time_reference() {
        let pieces = [
            "a", "\"", "\\", "\n", "\u{1}", "\u{7f}", "é", "€", "abcdefgh", "\t",
        ];
        // Every string of up to four pieces, and long runs of each around the word size.
        let mut inputs = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = inputs
                .iter()
                .flat_map(|s| pieces.iter().map(move |p| format!("{s}{p}")))
                .collect();
            inputs.extend(longer);
        }
        for p in pieces {
            for n in 0..20 {
                inputs.push(format!("{}{p}{}", "x".repeat(n), "y".repeat(n)));
            }
        }
        for input in inputs {
            let mut out = String::new();
            escape_into(&mut out, &input);
            assert_eq!(out, reference(&input), "{input:?}");
        }
    }

    /// Every ASCII byte at every position of every length up to 17: the whole words
    /// and the byte loop after them each find it.
    #[test]
    fn every_ascii_byte_at_every_position_of_short_strings() {
        for len in 1..=17 {
            for pos in 0..len {
                for b in 0..0x80u8 {
                    let mut bytes = vec![b'a'; len];
                    bytes[pos] = b;
                    let input = String::from_utf8(bytes).expect("ASCII");
                    let mut out = String::new();
                    escape_into(&mut out, &input);
                    assert_eq!(out, reference(&input), "{input:?}");
                }
            }
        }
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
