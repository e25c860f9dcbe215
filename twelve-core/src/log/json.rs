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
use super::time::{SecondCache, push_rfc3339_cached};
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
    /// The schema's keys as `"key":`, rendered once (they are written on every line).
    keys: Keys,
    /// `service`, `version`, `release` (keys as the schema names them) and each one's
    /// whole `,"key":"value"` fragment, rendered once.
    statics: Vec<(u8, String)>,
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
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
}

struct Scratch {
    line: String,
    clock: SecondCache,
    fields: Rendered,
    /// For each field, whether no later field has its name (only filled when the
    /// survey found that names may repeat).
    winners: Vec<bool>,
}

/// The `"key":` fragment of each key every line may have, and the fixed pairs.
#[derive(Debug)]
struct Keys {
    timestamp: String,
    level: String,
    message: String,
    target: String,
    correlation: String,
    trace: String,
    span: String,
    /// `,"key":"value"` for each of the schema's fixed pairs.
    fixed: String,
    /// The keys a field overrides (instead of being renamed `fields.<key>`), each with
    /// its bit in an [`Overridden`] mask.
    overridable: [(&'static str, u8); 7],
    /// Bit `n` set when some overridable key is `n` bytes long: most field keys are
    /// ruled out by their length alone.
    lengths: u64,
    /// As `lengths`, for the core keys (timestamp, level, message: a field with one of
    /// these names is written as `fields.<name>`, see [`Spec::is_core`]).
    core_lengths: u64,
}

/// What one pass over a line's fields found.
#[derive(Debug, Clone, Copy)]
struct Survey {
    overridden: Overridden,
    /// Some field bears a core key's name.
    renamed: bool,
    /// Two fields may bear the same name (their lengths and first and last bytes
    /// agree): only then are the later ones looked for.
    repeated: bool,
}

/// Bits of the keys that a field of this line overrides (see [`Keys::survey`]).
#[derive(Debug, Clone, Copy)]
struct Overridden(u8);

const TARGET_BIT: u8 = 1;
const SERVICE_BIT: u8 = 1 << 1;
const VERSION_BIT: u8 = 1 << 2;
const RELEASE_BIT: u8 = 1 << 3;
const CORRELATION_BIT: u8 = 1 << 4;
const TRACE_BIT: u8 = 1 << 5;
const SPAN_BIT: u8 = 1 << 6;

impl Overridden {
    fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }
}

fn length_bit(key: &str) -> u64 {
    1 << key.len().min(63)
}

impl Keys {
    fn of(spec: &Spec) -> Keys {
        let key = |k: &str| {
            let mut out = String::new();
            push_key(&mut out, k);
            out
        };
        let mut fixed = String::new();
        for (k, v) in spec.fixed {
            fixed.push(',');
            push_key(&mut fixed, k);
            quoted(&mut fixed, v);
        }
        let overridable = [
            (spec.target, TARGET_BIT),
            (spec.service, SERVICE_BIT),
            (spec.version, VERSION_BIT),
            (spec.release, RELEASE_BIT),
            (spec.correlation, CORRELATION_BIT),
            (spec.trace, TRACE_BIT),
            (spec.span, SPAN_BIT),
        ];
        Keys {
            lengths: overridable.iter().fold(0, |m, (k, _)| m | length_bit(k)),
            overridable,
            core_lengths: [spec.timestamp, spec.level, spec.message]
                .iter()
                .fold(0, |m, k| m | length_bit(k)),
            timestamp: key(spec.timestamp),
            level: key(spec.level),
            message: key(spec.message),
            target: key(spec.target),
            correlation: key(spec.correlation),
            trace: key(spec.trace),
            span: key(spec.span),
            fixed,
        }
    }

    /// One pass over the fields: which overridable keys they hold, whether any must be
    /// renamed, whether any name may repeat.
    fn survey(&self, spec: &Spec, fields: &Rendered) -> Survey {
        let mut bits = 0;
        let mut renamed = false;
        let mut seen = 0u64;
        let mut repeated = false;
        for entry in &fields.entries {
            let key = entry.key;
            let length = length_bit(key);
            if self.lengths & length != 0 {
                for (special, bit) in &self.overridable {
                    if key == *special {
                        bits |= bit;
                    }
                }
            }
            if self.core_lengths & length != 0 && spec.is_core(key) {
                renamed = true;
            }
            let bytes = key.as_bytes();
            let first = bytes.first().map_or(0, |b| usize::from(*b));
            let last = bytes.last().map_or(0, |b| usize::from(*b));
            let signature = 1u64 << ((key.len().wrapping_mul(7) + first + last * 3) & 63);
            repeated |= seen & signature != 0;
            seen |= signature;
        }
        Survey {
            overridden: Overridden(bits),
            renamed,
            repeated,
        }
    }
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            line: String::new(),
            clock: SecondCache::default(),
            fields: Rendered {
                message_apart: true,
                clean_keys: Some(Box::default()),
                ..Rendered::default()
            },
            winners: Vec::new(),
        }
    }
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
        let mut statics = vec![
            (spec.service, SERVICE_BIT, service),
            (spec.version, VERSION_BIT, version),
        ];
        if let Some(release) = release {
            statics.push((spec.release, RELEASE_BIT, release));
        }
        let statics = statics
            .into_iter()
            .map(|(k, bit, v)| {
                let mut json = String::from(",");
                push_key(&mut json, k);
                quoted(&mut json, v);
                (bit, json)
            })
            .collect();
        JsonLayer {
            keys: Keys::of(&spec),
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
            clock,
            fields,
            winners,
        } = scratch;
        line.clear();
        fields.clear();

        // Span fields root to leaf, then the event's: later entries win.
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(own) = span.extensions().get::<SpanFields>() {
                    fields.extend_from(&own.rendered, |_| true);
                }
            }
        }
        event.record(fields);

        let spec = &self.spec;
        let keys = &self.keys;
        let meta = event.metadata();
        line.push('{');
        for (i, head) in spec.head.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            match head {
                Head::Timestamp => {
                    line.push_str(&keys.timestamp);
                    line.push('"');
                    push_rfc3339_cached(line, SystemTime::now(), clock);
                    line.push('"');
                }
                Head::Level => {
                    line.push_str(&keys.level);
                    line.push('"');
                    line.push_str(spec.levels[level_index(*meta.level())]);
                    line.push('"');
                }
                Head::Message => {
                    line.push_str(&keys.message);
                    match &fields.message {
                        Some(range) => line.push_str(fields.text(range.clone())),
                        None => line.push_str("\"\""),
                    }
                }
            }
        }
        line.push_str(&keys.fixed);
        let survey = keys.survey(spec, fields);
        let overridden = survey.overridden;
        if !overridden.has(TARGET_BIT) {
            line.push(',');
            line.push_str(&keys.target);
            quoted(line, meta.target());
        }
        for (bit, fragment) in &self.statics {
            if !overridden.has(*bit) {
                line.push_str(fragment);
            }
        }
        correlation::with_current(|ctx| {
            if !overridden.has(CORRELATION_BIT) {
                line.push(',');
                line.push_str(&keys.correlation);
                // IDs hold only `A-Z a-z 0-9 - _ . :` (checked when made): nothing
                // to escape.
                line.push('"');
                line.push_str(ctx.id.as_str());
                line.push('"');
            }
            if let Some(trace) = &ctx.trace {
                push_trace(line, spec, keys, trace, overridden);
            }
        });

        winners.clear();
        if survey.repeated {
            let entries = &fields.entries;
            winners.extend(
                entries
                    .iter()
                    .enumerate()
                    .map(|(i, e)| !entries[i + 1..].iter().any(|later| later.key == e.key)),
            );
        }
        // Fragments that follow each other in the buffer are copied as one run.
        let mut run = 0..0;
        for (i, entry) in fields.entries.iter().enumerate() {
            if !winners.get(i).copied().unwrap_or(true) {
                continue;
            }
            if survey.renamed && spec.is_core(entry.key) {
                line.push_str(fields.text(run.clone()));
                run = 0..0;
                line.push_str(",\"fields.");
                line.push_str(entry.key);
                line.push_str("\":");
                line.push_str(fields.value(entry));
            } else if run.end == entry.start && !run.is_empty() {
                run.end = entry.end;
            } else {
                line.push_str(fields.text(run.clone()));
                run = entry.start..entry.end;
            }
        }
        line.push_str(fields.text(run));
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
    keys: &Keys,
    trace: &correlation::TraceContext,
    overridden: Overridden,
) {
    if !overridden.has(TRACE_BIT) {
        line.push(',');
        line.push_str(&keys.trace);
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
    if !overridden.has(SPAN_BIT) {
        line.push(',');
        line.push_str(&keys.span);
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
        #[cfg(feature = "metrics")]
        crate::metrics::count_log_event(event.metadata().level());
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
            let mut scratch = Scratch::new();
            self.render(event, &ctx, &mut scratch);
            (self.sink)(scratch.line.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::registry::LookupSpan as _;

    use super::*;

    #[test]
    fn a_field_recorded_again_and_again_does_not_grow_the_span() {
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink_lines = lines.clone();
        let sink: LineSink = Arc::new(move |line: &[u8]| {
            if let Ok(mut l) = sink_lines.lock() {
                l.push(String::from_utf8_lossy(line).into_owned());
            }
        });
        let layer = JsonLayer::new(Schema::Default, None, "svc", "1", None, sink);
        let subscriber = tracing_subscriber::registry().with(layer);
        let dispatch = tracing::Dispatch::new(subscriber);
        tracing::dispatcher::with_default(&dispatch, || {
            let span = tracing::info_span!("job", step = 0u64, name = "first", other = 1);
            for step in 1..=10_000u64 {
                span.record("step", step);
            }
            span.record("name", "last");
            let _entered = span.enter();
            tracing::info!("done");
            let id = span.id().expect("enabled");
            let registry = dispatch
                .downcast_ref::<tracing_subscriber::layer::Layered<JsonLayer, tracing_subscriber::Registry>>()
                .expect("the subscriber above");
            let data = registry.span(&id).expect("open span");
            let extensions = data.extensions();
            let own = extensions.get::<SpanFields>().expect("recorded");
            assert!(own.rendered.buf.len() < 64, "{:?}", own.rendered.buf);
            assert_eq!(own.rendered.entries.len(), 3);
        });
        let lines = lines.lock().expect("lock");
        let line: serde_json::Value = serde_json::from_str(&lines[0]).expect("JSON");
        assert_eq!(line["step"], 10_000);
        assert_eq!(line["name"], "last");
        assert_eq!(line["other"], 1);
    }
}
