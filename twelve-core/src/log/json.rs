//! [`JsonLayer`]: one JSON object per line, written whole in one write.

use std::cell::RefCell;
use std::io::Write as _;
use std::sync::Arc;
use std::time::SystemTime;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use super::escape::quoted;
use super::fields::{Rendered, SpanFields, push_key};
use super::time::push_rfc3339;

/// Keys of the line that no field may overwrite; a field with such a name is written
/// as `fields.<name>` instead.
const CORE_KEYS: [&str; 3] = ["timestamp", "level", "message"];

/// Where finished lines go: one call per line, the trailing newline included.
pub type LineSink = Arc<dyn Fn(&[u8]) + Send + Sync>;

/// Writes each line to stdout with a single `write_all` on the locked handle, so lines
/// of concurrent threads never interleave. A closed stdout (EPIPE) or any other write
/// error is ignored: logging must never take the service down or print per event.
pub fn stdout_sink() -> LineSink {
    Arc::new(|line: &[u8]| {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(line);
        let _ = out.flush();
    })
}

/// The `tracing` layer that writes twelve's JSON lines.
///
/// Build it with [`builder`](super::builder); use it with any `Registry`-based
/// subscriber next to your own layers.
pub struct JsonLayer {
    statics: Vec<(&'static str, String)>,
    sink: LineSink,
}

impl std::fmt::Debug for JsonLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonLayer")
            .field("statics", &self.statics)
            .finish_non_exhaustive()
    }
}

thread_local! {
    /// Reused per thread: no allocation per event once warmed up.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

#[derive(Default)]
struct Scratch {
    line: String,
    fields: Rendered,
    winners: Vec<bool>,
}

impl JsonLayer {
    /// A layer with the given static fields (`service`, `version`, `release`), each
    /// rendered once, writing to `sink`.
    pub(crate) fn new(statics: Vec<(&'static str, String)>, sink: LineSink) -> Self {
        let statics = statics
            .into_iter()
            .map(|(k, v)| {
                let mut json = String::new();
                quoted(&mut json, &v);
                (k, json)
            })
            .collect();
        JsonLayer { statics, sink }
    }

    fn render<S>(&self, event: &Event<'_>, ctx: &Context<'_, S>, scratch: &mut Scratch)
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        let Scratch {
            line,
            fields,
            winners,
        } = scratch;
        line.clear();
        fields.clear();

        // Span fields root to leaf, then the event's: later entries win.
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(own) = span.extensions().get::<SpanFields>() {
                    for (key, range) in &own.rendered.entries {
                        let start = fields.buf.len();
                        fields.buf.push_str(own.rendered.value(range));
                        fields.entries.push((*key, start..fields.buf.len()));
                    }
                }
            }
        }
        event.record(fields);

        let meta = event.metadata();
        line.push_str("{\"timestamp\":\"");
        push_rfc3339(line, SystemTime::now());
        line.push_str("\",\"level\":\"");
        line.push_str(level_name(*meta.level()));
        line.push_str("\",\"message\":");
        match &fields.message {
            Some(range) => line.push_str(fields.value(range)),
            None => line.push_str("\"\""),
        }
        line.push_str(",\"target\":");
        quoted(line, meta.target());

        winners.clear();
        winners.extend(
            fields
                .entries
                .iter()
                .enumerate()
                .map(|(i, (k, _))| !fields.entries[i + 1..].iter().any(|(later, _)| later == k)),
        );
        for (key, value) in &self.statics {
            if !fields.entries.iter().any(|(k, _)| k == key) {
                line.push(',');
                push_key(line, key);
                line.push_str(value);
            }
        }
        for ((key, range), wins) in fields.entries.iter().zip(winners.iter()) {
            if !wins {
                continue;
            }
            line.push(',');
            if CORE_KEYS.contains(key) {
                line.push_str("\"fields.");
                line.push_str(key);
                line.push_str("\":");
            } else {
                push_key(line, key);
            }
            line.push_str(fields.value(range));
        }
        line.push_str("}\n");
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

impl<S> tracing_subscriber::Layer<S> for JsonLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        let Some(span) = ctx.span(id) else { return };
        let mut own = SpanFields::default();
        own.record(&tracing::span::Record::new(attrs.values()));
        span.extensions_mut().insert(own);
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: Context<'_, S>,
    ) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        match extensions.get_mut::<SpanFields>() {
            Some(own) => own.record(values),
            None => {
                let mut own = SpanFields::default();
                own.record(values);
                extensions.insert(own);
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        // A re-entrant event (logged while formatting this one) gets a fresh buffer.
        let done = SCRATCH.try_with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                self.render(event, &ctx, &mut scratch);
                (self.sink)(scratch.line.as_bytes());
                true
            }
            Err(_) => false,
        });
        if done != Ok(true) {
            let mut scratch = Scratch::default();
            self.render(event, &ctx, &mut scratch);
            (self.sink)(scratch.line.as_bytes());
        }
    }
}
