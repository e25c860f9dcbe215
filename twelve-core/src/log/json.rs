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
use super::schema::{Head, Schema, Spec, TraceFormat};
use super::time::push_rfc3339;
use crate::correlation;

/// Where finished lines go: one call per line, the trailing newline included.
pub type LineSink = Arc<dyn Fn(&[u8]) + Send + Sync>;

/// Writes each line to stdout with one `write(2)` per line (a duplicate of the stdout
/// descriptor, written to directly: no lock of `std::io::Stdout` and no copy into its
/// buffer; lines up to the pipe buffer size are atomic, so lines of concurrent threads
/// never interleave). A closed stdout (EPIPE) or any other write error is ignored:
/// logging must never take the service down or print per event. Where the descriptor
/// can't be duplicated, the locked `Stdout` handle is used instead.
pub fn stdout_sink() -> LineSink {
    use std::os::fd::AsFd as _;
    match std::io::stdout().as_fd().try_clone_to_owned() {
        Ok(fd) => {
            let file = std::fs::File::from(fd);
            Arc::new(move |line: &[u8]| {
                let _ = (&file).write_all(line);
            })
        }
        Err(_) => Arc::new(|line: &[u8]| {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(line);
            let _ = out.flush();
        }),
    }
}

/// The `tracing` layer that writes twelve's JSON lines.
///
/// Build it with [`builder`](super::builder); use it with any `Registry`-based
/// subscriber next to your own layers.
pub struct JsonLayer {
    spec: Spec,
    /// `service`, `version`, `release` (keys as the schema names them) and each one's
    /// whole `,"key":"value"` fragment, rendered once.
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
    /// A layer writing `schema`'s lines with the static `service`, `version` and
    /// `release` (when set), each rendered once, to `sink`.
    pub(crate) fn new(
        schema: Schema,
        gcp_project: Option<String>,
        service: &str,
        version: &str,
        release: Option<&str>,
        sink: LineSink,
    ) -> Self {
        let spec = Spec::of(schema, gcp_project);
        let mut statics = vec![(spec.service, service), (spec.version, version)];
        if let Some(release) = release {
            statics.push((spec.release, release));
        }
        let statics = statics
            .into_iter()
            .map(|(k, v)| {
                let mut json = String::from(",");
                push_key(&mut json, k);
                quoted(&mut json, v);
                (k, json)
            })
            .collect();
        JsonLayer {
            spec,
            statics,
            sink,
        }
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

        let spec = &self.spec;
        let meta = event.metadata();
        line.push('{');
        for (i, head) in spec.head.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            match head {
                Head::Timestamp => {
                    push_key(line, spec.timestamp);
                    line.push('"');
                    push_rfc3339(line, SystemTime::now());
                    line.push('"');
                }
                Head::Level => {
                    push_key(line, spec.level);
                    line.push('"');
                    line.push_str(spec.levels[level_index(*meta.level())]);
                    line.push('"');
                }
                Head::Message => {
                    push_key(line, spec.message);
                    match &fields.message {
                        Some(range) => line.push_str(fields.value(range)),
                        None => line.push_str("\"\""),
                    }
                }
            }
        }
        for (key, value) in spec.fixed {
            line.push(',');
            push_key(line, key);
            quoted(line, value);
        }
        let overridden = |key: &str| fields.entries.iter().any(|(k, _)| *k == key);
        if !overridden(spec.target) {
            line.push(',');
            push_key(line, spec.target);
            quoted(line, meta.target());
        }
        for (key, fragment) in &self.statics {
            if !overridden(key) {
                line.push_str(fragment);
            }
        }
        correlation::with_current(|ctx| {
            if !overridden(spec.correlation) {
                line.push(',');
                push_key(line, spec.correlation);
                quoted(line, ctx.id.as_str());
            }
            if let Some(trace) = &ctx.trace {
                push_trace(line, spec, trace, overridden);
            }
        });

        winners.clear();
        winners.extend(
            fields
                .entries
                .iter()
                .enumerate()
                .map(|(i, (k, _))| !fields.entries[i + 1..].iter().any(|(later, _)| later == k)),
        );
        for ((key, range), wins) in fields.entries.iter().zip(winners.iter()) {
            if !wins {
                continue;
            }
            line.push(',');
            if spec.is_core(key) {
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

fn level_index(level: Level) -> usize {
    match level {
        Level::TRACE => 0,
        Level::DEBUG => 1,
        Level::INFO => 2,
        Level::WARN => 3,
        Level::ERROR => 4,
    }
}

/// The trace and span IDs in the schema's keys and format.
fn push_trace(
    line: &mut String,
    spec: &Spec,
    trace: &correlation::TraceContext,
    overridden: impl Fn(&str) -> bool,
) {
    if !overridden(spec.trace) {
        line.push(',');
        push_key(line, spec.trace);
        line.push('"');
        match &spec.trace_format {
            TraceFormat::Hex | TraceFormat::Gcp(None) => line.push_str(trace.trace_id()),
            TraceFormat::Gcp(Some(project)) => {
                line.push_str("projects/");
                super::escape::escape_into(line, project);
                line.push_str("/traces/");
                line.push_str(trace.trace_id());
            }
            TraceFormat::Decimal => {
                line.push_str(itoa::Buffer::new().format(trace.trace_id_low_u64()))
            }
        }
        line.push('"');
    }
    if !overridden(spec.span) {
        line.push(',');
        push_key(line, spec.span);
        line.push('"');
        match spec.trace_format {
            TraceFormat::Decimal => line.push_str(itoa::Buffer::new().format(trace.span_id_u64())),
            _ => line.push_str(trace.span_id()),
        }
        line.push('"');
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
