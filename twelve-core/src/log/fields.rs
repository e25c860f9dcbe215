//! Recording `tracing` fields as ready-to-write JSON values.

use std::fmt::{self, Write as _};
use std::ops::Range;

use tracing::field::{Field, Visit};

use super::escape::{Escaper, escape_into, quoted};
use super::schema::{How, Rename};

/// Fields rendered into one buffer, each as a whole `,"key":value` fragment, so that a
/// line copies a field with one `push_str` (and a span's fields are rendered once, when
/// recorded, not for every event inside it).
#[derive(Default, Debug)]
pub(crate) struct Rendered {
    pub(crate) buf: String,
    pub(crate) entries: Vec<Entry>,
    /// The event's `message` field, kept apart when `message_apart` is set (it is a
    /// core key of an event's line; a span's `message` is an ordinary field). Only its
    /// value is rendered, always as a JSON string.
    pub(crate) message: Option<Range<usize>>,
    pub(crate) message_apart: bool,
    /// Set for the per-thread buffer that events are rendered into; spans, rendered
    /// once each, go without.
    pub(crate) clean_keys: Option<Box<CleanKeys>>,
    /// The fields the schema names its own way on this kind of line.
    pub(crate) renames: &'static [Rename],
    /// `,"key":value` of the renamed fields that go into the schema's nested object
    /// (Cloud Logging's `httpRequest`).
    pub(crate) nested: String,
    /// Where each key of `nested` is (`key`, start, end), so that a field recorded again
    /// replaces its earlier value there too: keys are unique in every object of a line.
    pub(crate) nested_at: Vec<(&'static str, usize, usize)>,
}

/// Keys already seen to need no escape, by address and length. Field names are the
/// `&'static str`s of their callsites, so a key found clean once is clean every time
/// it comes back; checking it again costs about five instructions per byte, for every
/// key of every event (hand-written for the hot path; BENCHMARKS.md, logging). A key
/// may sit in any of `WAYS` slots from its hash, so that a few keys whose hashes
/// collide don't evict each other on every event.
#[derive(Debug)]
pub(crate) struct CleanKeys {
    slots: [(usize, usize); SLOTS],
    /// The next slot to evict when all `WAYS` slots of a key are taken.
    evict: usize,
}

const SLOTS: usize = 64;
const WAYS: usize = 4;

impl Default for CleanKeys {
    fn default() -> Self {
        CleanKeys {
            slots: [(0, 0); SLOTS],
            evict: 0,
        }
    }
}

impl CleanKeys {
    /// Whether `text` has nothing to escape, looked up first among the texts seen
    /// before (remembered when clean).
    pub(crate) fn is_clean(&mut self, text: &'static str) -> bool {
        let wanted = (text.as_ptr() as usize, text.len());
        let first = (wanted.0.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) % SLOTS;
        let ways = (0..WAYS).map(|way| (first + way) % SLOTS);
        if ways.clone().any(|slot| self.slots[slot] == wanted) {
            return true;
        }
        if !super::escape::is_clean(text) {
            return false;
        }
        let free = ways.clone().find(|&slot| self.slots[slot] == (0, 0));
        let slot = free.unwrap_or_else(|| {
            self.evict = (self.evict + 1) % WAYS;
            (first + self.evict) % SLOTS
        });
        self.slots[slot] = wanted;
        true
    }

    /// [`push_key`], skipping the check for a key seen before.
    fn push_key(&mut self, out: &mut String, key: &'static str) {
        if self.is_clean(key) {
            out.push('"');
            out.push_str(key);
            out.push('"');
            out.push(':');
        } else {
            push_key(out, key);
        }
    }

    /// `text` quoted and escaped, skipping the check for a text seen before (a
    /// callsite's target or file).
    pub(crate) fn quoted(&mut self, out: &mut String, text: &'static str) {
        if self.is_clean(text) {
            out.push('"');
            out.push_str(text);
            out.push('"');
        } else {
            quoted(out, text);
        }
    }
}

/// One field of a [`Rendered`]: `buf[start..end]` is `,"key":value`, and
/// `buf[value..end]` the value alone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub(crate) key: &'static str,
    pub(crate) start: usize,
    pub(crate) value: usize,
    pub(crate) end: usize,
}

impl Rendered {
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
        self.entries.clear();
        self.message = None;
        self.nested.clear();
        self.nested_at.clear();
    }

    /// The text of `range`. A range out of bounds (or off a character boundary) is a
    /// bug of this module: it fails a debug assertion, and in a release build writes
    /// `null` rather than panic in the middle of a log line.
    pub(crate) fn text(&self, range: Range<usize>) -> &str {
        let text = self.buf.get(range.clone());
        debug_assert!(
            text.is_some(),
            "field range {range:?} out of a buffer of {} bytes",
            self.buf.len()
        );
        text.unwrap_or("null")
    }

    /// The whole `,"key":value` fragment of `entry`.
    pub(crate) fn fragment(&self, entry: &Entry) -> &str {
        self.text(entry.start..entry.end)
    }

    /// The value of `entry` alone.
    pub(crate) fn value(&self, entry: &Entry) -> &str {
        self.text(entry.value..entry.end)
    }

    /// Appends the fields of `other` (not its message) whose key `keep` accepts.
    pub(crate) fn extend_from(&mut self, other: &Rendered, keep: impl Fn(&str) -> bool) {
        for entry in other.entries.iter().filter(|e| keep(e.key)) {
            let start = self.buf.len();
            self.buf.push_str(other.fragment(entry));
            self.entries.push(Entry {
                key: entry.key,
                start,
                value: start + (entry.value - entry.start),
                end: self.buf.len(),
            });
        }
    }

    /// Appends a pair whose value is already JSON (the schema's extras).
    pub(crate) fn push_json(&mut self, key: &'static str, json: &str) {
        let start = self.buf.len();
        self.buf.push(',');
        push_key(&mut self.buf, key);
        let value = self.buf.len();
        self.buf.push_str(json);
        self.entries.push(Entry {
            key,
            start,
            value,
            end: self.buf.len(),
        });
    }

    // Inlined into each `record_*`, so that the value's type is known there and the
    // `match`es on it vanish: no indirect branch per field (BENCHMARKS.md, logging).
    #[inline(always)]
    fn record(&mut self, field: &Field, value: Val<'_>) {
        let key = field.name();
        if self.message_apart && key == "message" {
            let start = self.buf.len();
            value.write_as(&mut self.buf, How::Text);
            self.message = Some(start..self.buf.len());
            return;
        }
        let Some(rename) = self.renames.iter().find(|r| r.from == key) else {
            let start = self.buf.len();
            self.buf.push(',');
            match &mut self.clean_keys {
                Some(known) => known.push_key(&mut self.buf, key),
                None => push_key(&mut self.buf, key),
            }
            let value_at = self.buf.len();
            value.write(&mut self.buf);
            self.entries.push(Entry {
                key,
                start,
                value: value_at,
                end: self.buf.len(),
            });
            return;
        };
        if rename.nested {
            self.push_nested(rename, value);
            return;
        }
        let start = self.buf.len();
        self.buf.push(',');
        push_key(&mut self.buf, rename.to);
        let value_at = self.buf.len();
        value.write_as(&mut self.buf, rename.how);
        self.entries.push(Entry {
            key: rename.to,
            start,
            value: value_at,
            end: self.buf.len(),
        });
    }

    /// A renamed field of the nested object; a later value of the same key replaces
    /// the earlier one (rare: the same field twice in one event).
    fn push_nested(&mut self, rename: &Rename, value: Val<'_>) {
        if let Some(i) = self.nested_at.iter().position(|(k, ..)| *k == rename.to) {
            let (_, start, end) = self.nested_at.remove(i);
            self.nested.replace_range(start..end, "");
            for (_, s, e) in &mut self.nested_at[i..] {
                *s -= end - start;
                *e -= end - start;
            }
        }
        let start = self.nested.len();
        self.nested.push(',');
        push_key(&mut self.nested, rename.to);
        value.write_as(&mut self.nested, rename.how);
        self.nested_at.push((rename.to, start, self.nested.len()));
    }
}

/// A recorded value, before it is written.
#[derive(Clone, Copy)]
enum Val<'a> {
    Str(&'a str),
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    F64(f64),
    Bool(bool),
    Error(&'a (dyn std::error::Error + 'static)),
    Debug(&'a dyn fmt::Debug),
}

impl Val<'_> {
    /// Whether [`write`](Self::write) gives a bare JSON number or bool, not a string.
    #[inline(always)]
    fn is_bare(self) -> bool {
        match self {
            Val::I64(_) | Val::U64(_) | Val::I128(_) | Val::U128(_) | Val::Bool(_) => true,
            Val::F64(v) => v.is_finite(),
            Val::Str(_) | Val::Error(_) | Val::Debug(_) => false,
        }
    }

    /// Writes the value as JSON: numbers and bools as such, the rest as strings.
    #[inline(always)]
    fn write(self, out: &mut String) {
        match self {
            Val::Str(s) => quoted(out, s),
            Val::I64(n) => out.push_str(itoa::Buffer::new().format(n)),
            Val::U64(n) => out.push_str(itoa::Buffer::new().format(n)),
            Val::I128(n) => out.push_str(itoa::Buffer::new().format(n)),
            Val::U128(n) => out.push_str(itoa::Buffer::new().format(n)),
            Val::F64(v) if v.is_finite() => push_finite(out, v),
            // JSON has no NaN or infinity: they become strings.
            Val::F64(v) => {
                out.push('"');
                let _ = write!(out, "{v}");
                out.push('"');
            }
            Val::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            Val::Error(e) => {
                out.push('"');
                let _ = write!(Escaper(out), "{e}");
                out.push('"');
            }
            Val::Debug(d) => {
                out.push('"');
                let _ = write!(Escaper(out), "{d:?}");
                out.push('"');
            }
        }
    }

    /// Writes the value the way `how` says (see [`How`]); a value of a type the way
    /// does not apply to is written as recorded.
    #[inline(always)]
    fn write_as(self, out: &mut String, how: How) {
        match (how, self) {
            (How::Text, _) if self.is_bare() => {
                // Numbers and bools hold nothing to escape.
                out.push('"');
                self.write(out);
                out.push('"');
            }
            (How::Nanos, Val::F64(ms)) if ms.is_finite() && ms >= 0.0 => {
                out.push_str(itoa::Buffer::new().format(micros(ms).saturating_mul(1000)));
            }
            (How::Nanos, Val::U64(ms)) => {
                out.push_str(itoa::Buffer::new().format(u128::from(ms) * 1_000_000));
            }
            (How::Nanos, Val::I64(ms)) => {
                out.push_str(itoa::Buffer::new().format(i128::from(ms) * 1_000_000));
            }
            (How::Seconds, Val::F64(ms)) if ms.is_finite() && ms >= 0.0 => {
                let micros = micros(ms);
                out.push('"');
                out.push_str(itoa::Buffer::new().format(micros / 1_000_000));
                out.push('.');
                // 1_000_000 + µs has seven digits: the last six are the padded µs.
                let mut digits = itoa::Buffer::new();
                let padded = digits.format(1_000_000 + micros % 1_000_000);
                out.push_str(padded.get(1..).unwrap_or("000000"));
                out.push_str("s\"");
            }
            (How::Lines, Val::Str(text)) => {
                out.push('[');
                for (i, line) in text.lines().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    quoted(out, line);
                }
                out.push(']');
            }
            (How::Pairs, Val::Str(text)) => {
                out.push('{');
                let mut parts = text.split('\0');
                let mut first = true;
                while let (Some(name), Some(value)) = (parts.next(), parts.next()) {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    quoted(out, name);
                    out.push(':');
                    quoted(out, value);
                }
                out.push('}');
            }
            _ => self.write(out),
        }
    }
}

/// Whole microseconds of `ms` milliseconds (finite, not negative), rounded.
fn micros(ms: f64) -> u64 {
    // `+ 0.5` and a cast rather than `round()`, a libm call on baseline x86-64.
    (ms * 1000.0 + 0.5) as u64
}

impl Visit for Rendered {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.record(field, Val::Str(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record(field, Val::I64(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.record(field, Val::U64(value));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.record(field, Val::I128(value));
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.record(field, Val::U128(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.record(field, Val::F64(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.record(field, Val::Bool(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.record(field, Val::Error(value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.record(field, Val::Debug(value));
    }
}

/// Appends a finite `f64` as ryu's shortest form. Values with at most three decimals
/// below 10^12 (durations in milliseconds to the microsecond, prices, ratios) are
/// written with integer formatting instead, several times cheaper than ryu and the same
/// text (`tests::three_decimals_match_ryu`): such a value is the double nearest to
/// `m / 1000` for an integer `m < 10^15`, and no shorter decimal rounds to it.
pub(crate) fn push_finite(out: &mut String, value: f64) {
    let scaled = (value * 1000.0).abs();
    // `+ 0.5` and a cast rather than `round()`, a libm call on baseline x86-64; the
    // check below is what makes the text right, the rounding only finds `m`.
    let m = (scaled + 0.5) as u64;
    if scaled < 1e15 && m as f64 / 1000.0 == value.abs() {
        if value.is_sign_negative() {
            out.push('-');
        }
        out.push_str(itoa::Buffer::new().format(m / 1000));
        out.push('.');
        let frac = m % 1000;
        if frac == 0 {
            out.push('0');
        } else {
            let digits = [frac / 100, frac / 10 % 10, frac % 10];
            let len = if frac % 10 != 0 {
                3
            } else if frac % 100 != 0 {
                2
            } else {
                1
            };
            for d in &digits[..len] {
                out.push(char::from(b'0' + *d as u8));
            }
        }
    } else {
        out.push_str(ryu::Buffer::new().format_finite(value));
    }
}

/// A span's own fields, stored in its extensions, rendered once. A field recorded
/// again later replaces its earlier value.
#[derive(Debug, Default)]
pub(crate) struct SpanFields {
    pub(crate) rendered: Rendered,
}

impl SpanFields {
    /// `values` rendered, the fields in `renames` named the schema's way. Runs the
    /// values' `Debug`/`Display` (user code, which may log or panic): call it holding
    /// no lock, then [`merge`](Self::merge) the result.
    pub(crate) fn render(
        values: &tracing::span::Record<'_>,
        renames: &'static [Rename],
    ) -> SpanFields {
        // `message_apart` unset: a span's `message` is one of its fields.
        let mut rendered = Rendered {
            renames,
            ..Rendered::default()
        };
        values.record(&mut rendered);
        SpanFields { rendered }
    }

    /// Adds `fresh`'s fields; a field recorded again replaces its earlier value.
    pub(crate) fn merge(&mut self, fresh: SpanFields) {
        let fresh = fresh.rendered;
        let replaced = |key: &str| fresh.entries.iter().any(|e| e.key == key);
        if self.rendered.entries.iter().any(|e| replaced(e.key)) {
            // Rebuilt without the replaced fields, so that the buffer holds no stale
            // bytes (a field recorded in a loop must not grow it without bound).
            let old = std::mem::take(&mut self.rendered);
            self.rendered.extend_from(&old, |key| !replaced(key));
        }
        self.rendered.extend_from(&fresh, |_| true);
    }
}

/// Appends `"key":` with the key escaped.
pub(crate) fn push_key(out: &mut String, key: &str) {
    out.push('"');
    escape_into(out, key);
    // Two pushes, not `push_str("\":")`: that would be a `memcpy` call for 2 bytes.
    out.push('"');
    out.push(':');
}

#[cfg(test)]
mod tests {
    use super::{CleanKeys, Rendered, push_finite};

    fn rendered(buf: &str) -> Rendered {
        Rendered {
            buf: buf.to_owned(),
            ..Rendered::default()
        }
    }

    #[test]
    fn text_of_a_range_in_bounds() {
        let r = rendered(",\"k\":\"é\"");
        assert_eq!(r.text(0..r.buf.len()), ",\"k\":\"é\"");
        assert_eq!(r.text(5..r.buf.len()), "\"é\"");
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "out of a buffer of 4 bytes")]
    fn a_range_out_of_bounds_fails_in_debug() {
        let _ = rendered("true").text(2..9);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "field range 1..2")]
    fn a_range_inside_a_character_fails_in_debug() {
        let _ = rendered("é").text(1..2);
    }

    #[test]
    #[cfg(not(debug_assertions))]
    fn a_range_out_of_bounds_is_null_in_release() {
        assert_eq!(rendered("true").text(2..9), "null");
        assert_eq!(rendered("é").text(1..2), "null");
    }

    #[test]
    fn known_clean_keys_are_written_as_before() {
        let mut known = CleanKeys::default();
        let keys: [&'static str; 5] = ["http.method", "a\"b", "http", "é\n", "http.method"];
        for _ in 0..3 {
            for key in keys {
                let mut cached = String::new();
                known.push_key(&mut cached, key);
                let mut plain = String::new();
                super::push_key(&mut plain, key);
                assert_eq!(cached, plain);
            }
        }
        // More keys than slots: still written right, whatever was evicted.
        let many: Vec<&'static str> = (0..200)
            .map(|i| &*Box::leak(format!("key{i}").into_boxed_str()))
            .collect();
        for key in many.iter().chain(&many) {
            let mut cached = String::new();
            known.push_key(&mut cached, key);
            assert_eq!(cached, format!("\"{key}\":"));
        }
        let mut out = String::new();
        known.push_key(&mut out, "a\"b");
        assert_eq!(out, "\"a\\\"b\":");
    }

    fn ryu(value: f64) -> String {
        ryu::Buffer::new().format_finite(value).to_owned()
    }

    fn ours(value: f64) -> String {
        let mut out = String::new();
        push_finite(&mut out, value);
        out
    }

    #[test]
    fn three_decimals_match_ryu() {
        let mut values = vec![
            0.0,
            -0.0,
            0.001,
            -0.001,
            0.5,
            1.0,
            2.404,
            10.01,
            123.456,
            1e11,
            999_999_999_999.999,
            1e12,
            1e15,
            0.1 + 0.2,
            1.0 / 3.0,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
        ];
        // A spread of integers over 1000 (a linear congruential walk, every magnitude).
        let mut m: u64 = 1;
        for _ in 0..200_000 {
            m = m
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let n = m >> (m % 50 + 14);
            values.push(n as f64 / 1000.0);
            values.push(-(n as f64) / 1000.0);
            values.push(f64::from_bits(m));
        }
        for value in values.into_iter().filter(|v| v.is_finite()) {
            assert_eq!(ours(value), ryu(value), "{value:e}");
        }
    }
}
