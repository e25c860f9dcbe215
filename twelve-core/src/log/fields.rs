//! Recording `tracing` fields as ready-to-write JSON values.

use std::fmt::{self, Write as _};
use std::ops::Range;

use tracing::field::{Field, Visit};

use super::escape::{Escaper, escape_into, quoted};

/// Fields rendered into one buffer: each entry is a key and the range of its JSON value.
#[derive(Default, Debug)]
pub(crate) struct Rendered {
    pub(crate) buf: String,
    pub(crate) entries: Vec<(&'static str, Range<usize>)>,
    /// The event's `message` field, kept apart: it is a core key of the line.
    pub(crate) message: Option<Range<usize>>,
}

impl Rendered {
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
        self.entries.clear();
        self.message = None;
    }

    pub(crate) fn value(&self, range: &Range<usize>) -> &str {
        self.buf.get(range.clone()).unwrap_or("null")
    }

    fn push(&mut self, field: &Field, render: impl FnOnce(&mut String)) {
        let start = self.buf.len();
        render(&mut self.buf);
        let range = start..self.buf.len();
        if field.name() == "message" {
            self.message = Some(range);
        } else {
            self.entries.push((field.name(), range));
        }
    }
}

impl Visit for Rendered {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.push(field, |b| quoted(b, value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.push(field, |b| b.push_str(itoa::Buffer::new().format(value)));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.push(field, |b| b.push_str(itoa::Buffer::new().format(value)));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.push(field, |b| b.push_str(itoa::Buffer::new().format(value)));
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.push(field, |b| b.push_str(itoa::Buffer::new().format(value)));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.push(field, |b| {
            if value.is_finite() {
                b.push_str(ryu::Buffer::new().format_finite(value));
            } else {
                // JSON has no NaN or infinity: they become strings.
                quoted(b, &value.to_string());
            }
        });
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.push(field, |b| b.push_str(if value { "true" } else { "false" }));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.push(field, |b| {
            b.push('"');
            let _ = write!(Escaper(b), "{value}");
            b.push('"');
        });
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.push(field, |b| {
            b.push('"');
            let _ = write!(Escaper(b), "{value:?}");
            b.push('"');
        });
    }
}

/// A span's own fields, stored in its extensions: keys and rendered values. A field
/// recorded again later replaces its earlier value.
#[derive(Debug, Default)]
pub(crate) struct SpanFields {
    pub(crate) rendered: Rendered,
}

impl SpanFields {
    pub(crate) fn record(&mut self, values: &tracing::span::Record<'_>) {
        let mut fresh = Rendered::default();
        values.record(&mut fresh);
        if let Some(m) = fresh.message.take() {
            let v = fresh.value(&m).to_owned();
            let start = fresh.buf.len();
            fresh.buf.push_str(&v);
            fresh.entries.push(("message", start..fresh.buf.len()));
        }
        for (key, range) in fresh.entries {
            self.rendered.entries.retain(|(k, _)| *k != key);
            let start = self.rendered.buf.len();
            self.rendered.buf.push_str(&fresh.buf[range]);
            self.rendered
                .entries
                .push((key, start..self.rendered.buf.len()));
        }
    }
}

/// Appends `"key":` with the key escaped.
pub(crate) fn push_key(out: &mut String, key: &str) {
    out.push('"');
    escape_into(out, key);
    out.push_str("\":");
}
