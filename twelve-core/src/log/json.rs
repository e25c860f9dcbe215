//! [`JsonLayer`]: one JSON object per line, written whole in one write.

use std::cell::RefCell;
use std::io::Write as _;
use std::sync::Arc;
use std::time::SystemTime;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use super::entered;
use super::escape::{escape_into, quoted};
use super::fields::{CleanKeys, Entry, Rendered, SpanFields, push_key};
use super::schema::{
    ECS_ORIGIN_FILE, ECS_ORIGIN_LINE, GCP_SOURCE_LOCATION, Head, Kind, Origin, Schema, Spec,
    Static, TraceValue,
};
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

/// The values of a layer's static keys.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Statics<'a> {
    pub(crate) service: &'a str,
    pub(crate) version: &'a str,
    pub(crate) release: Option<&'a str>,
    /// `GOOGLE_CLOUD_PROJECT`, for `LOG_SCHEMA=gcp`'s trace key.
    pub(crate) gcp_project: Option<&'a str>,
    /// `DD_ENV`, for `LOG_SCHEMA=datadog`'s `dd.env`.
    pub(crate) datadog_env: Option<&'a str>,
}

/// The `tracing` layer that writes twelve's JSON lines.
///
/// Build it with [`builder`](super::builder); use it with any `Registry`-based
/// subscriber next to your own layers.
pub struct JsonLayer {
    spec: Spec,
    /// The schema's keys as `"key":`, rendered once (they are written on every line).
    keys: Keys,
    /// The static pairs that have a value: each one's bit in the override mask and its
    /// whole `,"key":"value"` fragment, rendered once.
    statics: Vec<(u32, String)>,
    /// Their bits, and all their fragments in one, for the lines that override none.
    statics_mask: u32,
    all_statics: String,
    /// The Google Cloud project, escaped, when known.
    gcp_project: Option<String>,
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
    surveys: SurveyCache,
    /// Per field, on lines whose fields need more than a copy: [`RESERVED`],
    /// [`OVERRIDING`], [`LOSER`].
    flags: Vec<u8>,
}

/// The surveys of recent lines, by their keys. A survey depends on the keys alone,
/// but for `coerce`, found again from the values of the fields that override one of
/// the line's own keys. Keys are `&'static str`s, compared by address and length: equal
/// addresses are equal keys, and equal keys at other addresses are only a miss. By
/// hand, on the hot path: a line with the keys of one seen before (nearly every line
/// of a callsite) skips the pass over its fields (BENCHMARKS.md, logging and HTTP).
/// The per-thread scratch serves every `JsonLayer` of the thread: each slot also holds
/// the layer's [`Keys::id`] (their schema decides the survey).
#[derive(Default)]
struct SurveyCache {
    slots: [Surveyed; 4],
}

#[derive(Default)]
struct Surveyed {
    layer: usize,
    keys: Vec<(usize, usize)>,
    survey: Survey,
}

impl SurveyCache {
    fn survey(&mut self, keys: &Keys, fields: &Rendered) -> Survey {
        let layer = keys.id;
        let entries = &fields.entries;
        let id = |e: &Entry| (e.key.as_ptr() as usize, e.key.len());
        let first = entries.first().map_or(0, |e| id(e).0);
        let slot = &mut self.slots[((first >> 4) ^ entries.len()) & 3];
        if slot.layer == layer
            && slot.keys.len() == entries.len()
            && slot.keys.iter().zip(entries).all(|(k, e)| *k == id(e))
        {
            let mut survey = slot.survey;
            if let Some(mut overriding) = survey.overriding.filter(|o| *o != 0) {
                // The one part that depends on the values.
                survey.coerce = false;
                while overriding != 0 {
                    let i = overriding.trailing_zeros() as usize;
                    overriding &= overriding - 1;
                    survey.coerce |= entries
                        .get(i)
                        .is_some_and(|e| !fields.value(e).starts_with('"'));
                }
            }
            return survey;
        }
        let fresh = keys.survey(fields);
        if fresh.overriding.is_some() {
            slot.layer = layer;
            slot.keys.clear();
            slot.keys.extend(entries.iter().map(id));
            slot.survey = fresh;
        }
        fresh
    }
}

/// The field bears a reserved key's name: it is written as `fields.<name>`.
const RESERVED: u8 = 1;
/// The field takes the place of one of the line's own keys.
const OVERRIDING: u8 = 1 << 1;
/// A later field has the same key: this one is left out.
const LOSER: u8 = 1 << 2;

/// The `"key":` fragment of each key every line may have, and the fixed pairs.
#[derive(Debug)]
struct Keys {
    /// The head of a line of each level (trace, debug, info, warn, error).
    heads: [HeadText; 5],
    /// `,"key":` of the target.
    target: String,
    /// `,"key":"` of the correlation ID.
    correlation: String,
    /// `,"key":` of each trace key, and its bit in the override mask (0 for a key no
    /// field overrides).
    trace: Vec<(String, u32)>,
    /// `,"httpRequest":{`, when the schema has a nested object.
    nested_open: String,
    /// What comes before the call site's file and line: ECS `,"log.origin.file.name":`
    /// and `,"log.origin.file.line":`, GCP `,"logging.googleapis.com/sourceLocation":
    /// {"file":` and `,"line":"`.
    origin_file: String,
    origin_line: String,
    /// The keys a field overrides (instead of being renamed `fields.<key>`), the bit
    /// of each its index (see [`Spec::overridable`]).
    overridable: Vec<&'static str>,
    /// The [`signature`]s of the overridable keys, or-ed: most field keys are ruled
    /// out by theirs alone.
    overridable_signatures: u64,
    /// The keys no field takes (see [`Spec::reserved`]).
    reserved: Vec<&'static str>,
    /// As `overridable_signatures`, for the reserved keys.
    reserved_signatures: u64,
    /// The bit of the correlation ID.
    correlation_bit: u32,
    /// Unique per `Keys` made in this process (never reused, unlike an address): the
    /// [`SurveyCache`]'s name for them.
    id: usize,
}

/// The literal parts of a line's head for one level: `parts[0]`, the timestamp or the
/// message (`time_first`), `parts[1]`, the other one, `parts[2]` (with the schema's
/// fixed pairs). Default schema, info: `{"timestamp":"`, time, `","level":"info",
/// "message":`, message, ``.
#[derive(Debug)]
struct HeadText {
    parts: [String; 3],
    time_first: bool,
}

impl HeadText {
    fn of(spec: &Spec, level: usize) -> HeadText {
        let mut parts = [String::from("{"), String::new(), String::new()];
        let mut part = 0;
        let mut time_first = false;
        for (i, head) in spec.head.iter().enumerate() {
            let text = &mut parts[part];
            if i > 0 {
                text.push(',');
            }
            match head {
                Head::Level => {
                    push_key(text, spec.level);
                    quoted(text, spec.levels[level]);
                }
                Head::Timestamp => {
                    push_key(text, spec.timestamp);
                    text.push('"');
                    time_first = part == 0;
                    part += 1;
                    parts[part].push('"');
                }
                Head::Message => {
                    push_key(text, spec.message);
                    part += 1;
                }
            }
        }
        for (k, v) in spec.fixed {
            parts[2].push(',');
            push_key(&mut parts[2], k);
            quoted(&mut parts[2], v);
        }
        HeadText { parts, time_first }
    }
}

/// The event's message, a JSON string (`""` when it has none).
fn push_message(line: &mut String, fields: &Rendered) {
    match &fields.message {
        Some(range) => line.push_str(fields.text(range.clone())),
        None => line.push_str("\"\""),
    }
}

/// What one pass over a line's fields found.
#[derive(Debug, Clone, Copy, Default)]
struct Survey {
    /// Bits of the keys that a field of this line overrides.
    overridden: u32,
    /// One of those fields is not a string: it must be written as text.
    coerce: bool,
    /// Some field bears a reserved key's name.
    renamed: bool,
    /// Two fields bear the same name (compared only when their signatures agree).
    repeated: bool,
    /// The fields (by index, the first 64) that override one of the line's keys:
    /// `coerce` is found again from their values when the survey is reused; `None`
    /// when a later one does (the survey is then not kept).
    overriding: Option<u64>,
}

const TARGET_BIT: u32 = 1;

/// One bit of 64 for `key`, from its length and its first and last bytes: two keys
/// with different bits differ, and few keys of one line share one.
fn signature(key: &str) -> u64 {
    let bytes = key.as_bytes();
    let first = bytes.first().map_or(0, |b| u64::from(*b));
    let last = bytes.last().map_or(0, |b| u64::from(*b));
    let mixed = (key.len() as u64 | first << 32 | last << 40).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    1 << (mixed >> 58)
}

fn signatures(keys: &[&str]) -> u64 {
    keys.iter().fold(0, |m, k| m | signature(k))
}

/// `"key":` of `k`, escaped.
fn key(k: &str) -> String {
    let mut out = String::new();
    push_key(&mut out, k);
    out
}

impl Keys {
    fn of(spec: &Spec) -> Keys {
        let overridable = spec.overridable();
        let reserved = spec.reserved();
        let bit_of = |k: &str| {
            overridable
                .iter()
                .position(|o| *o == k)
                .map_or(0, |i| 1 << i)
        };
        let correlation_bit = bit_of(spec.correlation);
        let trace = spec
            .trace
            .iter()
            .map(|(k, _)| (format!(",{}", key(k)), bit_of(k)))
            .collect();
        Keys {
            overridable_signatures: signatures(&overridable),
            overridable,
            reserved_signatures: signatures(&reserved),
            reserved,
            heads: [0, 1, 2, 3, 4].map(|level| HeadText::of(spec, level)),
            target: format!(",{}", key(spec.target)),
            correlation: format!(",{}\"", key(spec.correlation)),
            trace,
            nested_open: if spec.nested.is_empty() {
                String::new()
            } else {
                format!(",{}{{", key(spec.nested))
            },
            origin_file: match spec.origin {
                Origin::None => String::new(),
                Origin::Ecs => format!(",{}", key(ECS_ORIGIN_FILE)),
                Origin::Gcp => format!(",{}{{\"file\":", key(GCP_SOURCE_LOCATION)),
            },
            origin_line: match spec.origin {
                Origin::None => String::new(),
                Origin::Ecs => format!(",{}", key(ECS_ORIGIN_LINE)),
                Origin::Gcp => String::from(",\"line\":\""),
            },
            correlation_bit,
            id: {
                static NEXT: std::sync::atomic::AtomicUsize =
                    std::sync::atomic::AtomicUsize::new(1);
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        }
    }

    fn is_reserved(&self, key: &str) -> bool {
        self.reserved_signatures & signature(key) != 0 && self.reserved.contains(&key)
    }

    fn is_overridable(&self, key: &str) -> bool {
        self.overridable_signatures & signature(key) != 0 && self.overridable.contains(&key)
    }

    /// One pass over the fields: which overridable keys they hold, whether any must be
    /// renamed, whether any name repeats.
    fn survey(&self, fields: &Rendered) -> Survey {
        let mut bits = 0;
        let mut coerce = false;
        let mut renamed = false;
        let mut seen = 0u64;
        let mut repeated = false;
        let mut overriding = Some(0u64);
        for (i, entry) in fields.entries.iter().enumerate() {
            let key = entry.key;
            let signature = signature(key);
            if self.overridable_signatures & signature != 0 {
                for (b, special) in self.overridable.iter().enumerate() {
                    if key == *special {
                        bits |= 1 << b;
                        // A number or bool in place of a text key is written as text.
                        coerce |= !fields.value(entry).starts_with('"');
                        overriding = overriding.and_then(|o| Some(o | 1u64.checked_shl(i as u32)?));
                    }
                }
            }
            if self.reserved_signatures & signature != 0 && self.reserved.contains(&key) {
                renamed = true;
            }
            // Two keys with one signature bit are compared, so that only a real repeat
            // takes the checked path: a line's 6 or 7 keys share a bit of 64 often
            // (the request line's `correlation_id` and `duration_ms` do).
            if !repeated && seen & signature != 0 {
                repeated = fields.entries[..i].iter().any(|e| e.key == key);
            }
            seen |= signature;
        }
        Survey {
            overridden: bits,
            coerce,
            renamed,
            repeated,
            overriding,
        }
    }
}

/// Whether two fields end up under the same key, `reserved` ones as `fields.<key>`.
fn same_key(a: &str, a_reserved: bool, b: &str, b_reserved: bool) -> bool {
    match (a_reserved, b_reserved) {
        (false, false) | (true, true) => a == b,
        (true, false) => b.strip_prefix("fields.") == Some(a),
        (false, true) => a.strip_prefix("fields.") == Some(b),
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
            surveys: SurveyCache::default(),
            flags: Vec::new(),
        }
    }
}

impl JsonLayer {
    /// A layer writing `schema`'s lines with the static values `statics`, each
    /// rendered once, to `sink`.
    pub(crate) fn new(schema: Schema, statics: Statics<'_>, sink: LineSink) -> Self {
        let spec = Spec::of(schema);
        let fragments: Vec<(u32, String)> = spec
            .statics
            .iter()
            .zip(0u32..)
            .filter_map(|((k, which), i)| {
                let value = match which {
                    Static::Service => Some(statics.service),
                    Static::Version => Some(statics.version),
                    Static::Release => statics.release,
                    Static::DatadogEnv => statics.datadog_env,
                }?;
                let mut json = String::from(",");
                push_key(&mut json, k);
                quoted(&mut json, value);
                Some((1 << (1 + i), json))
            })
            .collect();
        let gcp_project = statics.gcp_project.filter(|p| !p.is_empty()).map(|p| {
            let mut escaped = String::new();
            escape_into(&mut escaped, p);
            escaped
        });
        JsonLayer {
            keys: Keys::of(&spec),
            spec,
            statics_mask: fragments.iter().fold(0, |m, (bit, _)| m | bit),
            all_statics: fragments.iter().map(|(_, f)| f.as_str()).collect(),
            statics: fragments,
            gcp_project,
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
            surveys,
            flags,
        } = scratch;
        line.clear();
        fields.clear();
        let spec = &self.spec;
        let keys = &self.keys;
        let meta = event.metadata();
        let kind = Kind::of(meta.target()) as usize;

        // Span fields root to leaf, then the event's: later entries win. The current
        // span comes from the layer's own stack of entered spans (`entered.rs`); one
        // without a parent (most lines: one request span) is read alone, skipping the
        // scope's walk, which collects the spans root first (about 350 instructions per
        // line, BENCHMARKS.md, logging).
        let leaf = if event.is_contextual() {
            match entered::current(keys.id) {
                entered::Current::Known(id) => id.and_then(|id| ctx.span(&id)),
                entered::Current::Unknown => ctx.lookup_current(),
            }
        } else {
            ctx.event_span(event)
        };
        if let Some(leaf) = leaf {
            let mut add = |span: &tracing_subscriber::registry::SpanRef<'_, S>| {
                if let Some(own) = span.extensions().get::<SpanFields>() {
                    fields.extend_from(&own.rendered, |_| true);
                }
            };
            // Root to the parent, then the leaf itself: the leaf is looked up once.
            if let Some(parent) = leaf.parent() {
                for span in parent.scope().from_root() {
                    add(&span);
                }
            }
            add(&leaf);
        }
        fields.renames = spec.renames[kind];
        event.record(fields);
        for (k, json) in spec.extras[kind] {
            fields.push_json(k, json);
        }

        // The head: its literal parts rendered once per level, the timestamp and the
        // message in between, in the schema's order.
        let head = &keys.heads[level_index(*meta.level())];
        line.push_str(&head.parts[0]);
        if head.time_first {
            push_rfc3339_cached(line, SystemTime::now(), clock);
            line.push_str(&head.parts[1]);
            push_message(line, fields);
        } else {
            push_message(line, fields);
            line.push_str(&head.parts[1]);
            push_rfc3339_cached(line, SystemTime::now(), clock);
        }
        line.push_str(&head.parts[2]);
        let survey = surveys.survey(keys, fields);
        let overridden = survey.overridden;
        let mut known = fields.clean_keys.take();
        if overridden & TARGET_BIT == 0 {
            line.push_str(&keys.target);
            push_text(line, known.as_deref_mut(), meta.target());
        }
        if overridden & self.statics_mask == 0 {
            line.push_str(&self.all_statics);
        } else {
            for (bit, fragment) in &self.statics {
                if overridden & bit == 0 {
                    line.push_str(fragment);
                }
            }
        }
        push_origin(line, keys, spec.origin, meta, known.as_deref_mut());
        fields.clean_keys = known;
        self.push_scope(line, overridden);
        if !fields.nested.is_empty() {
            line.push_str(&keys.nested_open);
            line.push_str(fields.nested.get(1..).unwrap_or_default());
            line.push('}');
        }
        if survey.renamed || survey.repeated || survey.coerce {
            push_fields_checked(line, keys, fields, flags, survey);
        } else {
            push_fields(line, fields);
        }
        line.push_str("}\n");
    }

    /// The scope's IDs in the schema's keys: the correlation ID, then the trace keys.
    /// The one place the layer reads the correlation context.
    fn push_scope(&self, line: &mut String, overridden: u32) {
        let keys = &self.keys;
        correlation::with_current(|ctx| {
            if overridden & keys.correlation_bit == 0 {
                line.push_str(&keys.correlation);
                // IDs hold only `A-Z a-z 0-9 - _ . :` (checked when made): nothing
                // to escape.
                line.push_str(ctx.id.as_str());
                line.push('"');
            }
            // This service's span: every scope has one. Under `otel`, a line inside a
            // `tracing` span of the user's (exported) names that span instead, and ECS
            // gives it as `span.id` next to the scope's `transaction.id`.
            let scope = &ctx.trace;
            #[cfg(feature = "otel")]
            let child = crate::otel::current_span(scope);
            #[cfg(not(feature = "otel"))]
            let child: Option<correlation::TraceContext> = None;
            // The IDs' text checked once per line, not once per key.
            let ids = TraceIds::of(scope, child.as_ref());
            for ((_, value), (key, bit)) in self.spec.trace.iter().zip(&keys.trace) {
                if overridden & bit != 0 {
                    continue;
                }
                self.push_trace_key(line, key, &ids, *value);
            }
        });
    }

    /// One trace key (`,"key":` in `key`) and its value, as JSON. Each arm writes the
    /// key itself, so that a value the context may lack (a child span's ID) can leave
    /// both out.
    fn push_trace_key(&self, line: &mut String, key: &str, ids: &TraceIds<'_>, value: TraceValue) {
        // The IDs are hex digits or decimal numbers: nothing to escape.
        let text = |line: &mut String, parts: &[&str]| {
            line.push_str(key);
            line.push('"');
            for part in parts {
                line.push_str(part);
            }
            line.push('"');
        };
        let trace = ids.named;
        match value {
            TraceValue::TraceId => text(line, &[ids.trace_id]),
            TraceValue::GcpTrace => match &self.gcp_project {
                Some(project) => text(line, &["projects/", project, "/traces/", ids.trace_id]),
                None => text(line, &[ids.trace_id]),
            },
            TraceValue::SpanId => text(line, &[ids.span_id]),
            TraceValue::ScopeSpanId => text(line, &[ids.scope_span_id]),
            #[cfg(feature = "otel")]
            TraceValue::ChildSpanId => {
                if ids.child {
                    text(line, &[ids.span_id]);
                }
            }
            TraceValue::TraceIdLow64 => text(
                line,
                &[itoa::Buffer::new().format(trace.trace_id_low_u64())],
            ),
            TraceValue::SpanId64 => text(line, &[itoa::Buffer::new().format(trace.span_id_u64())]),
            TraceValue::Sampled => {
                line.push_str(key);
                line.push_str(if trace.sampled() { "true" } else { "false" });
            }
        }
    }
}

/// The text of a line's trace IDs, checked once per line (about 60 instructions per
/// check; a line has two to four trace keys).
struct TraceIds<'a> {
    /// The span the line names: the current child span, else the scope's.
    named: &'a correlation::TraceContext,
    /// The named span's trace and span IDs.
    trace_id: &'a str,
    span_id: &'a str,
    /// The scope's own span (ECS `transaction.id`).
    scope_span_id: &'a str,
    /// Whether the named span is a child span of the scope (then `span_id` is its).
    #[cfg(feature = "otel")]
    child: bool,
}

impl<'a> TraceIds<'a> {
    fn of(
        scope: &'a correlation::TraceContext,
        child: Option<&'a correlation::TraceContext>,
    ) -> Self {
        let (scope_trace_id, scope_span_id) = scope.ids();
        let child_ids = child.map(correlation::TraceContext::ids);
        let (trace_id, span_id) = child_ids.unwrap_or((scope_trace_id, scope_span_id));
        TraceIds {
            named: child.unwrap_or(scope),
            trace_id,
            span_id,
            scope_span_id,
            #[cfg(feature = "otel")]
            child: child.is_some(),
        }
    }
}

/// `text` quoted and escaped, through the cache of clean texts when there is one.
fn push_text(line: &mut String, known: Option<&mut CleanKeys>, text: &'static str) {
    match known {
        Some(known) => known.quoted(line, text),
        None => quoted(line, text),
    }
}

/// The call site, as the schema writes it.
fn push_origin(
    line: &mut String,
    keys: &Keys,
    origin: Origin,
    meta: &'static tracing::Metadata<'static>,
    mut known: Option<&mut CleanKeys>,
) {
    let Some(file) = meta.file() else { return };
    match origin {
        Origin::None => {}
        Origin::Ecs => {
            line.push_str(&keys.origin_file);
            push_text(line, known, file);
            if let Some(n) = meta.line() {
                line.push_str(&keys.origin_line);
                line.push_str(itoa::Buffer::new().format(n));
            }
        }
        Origin::Gcp => {
            line.push_str(&keys.origin_file);
            push_text(line, known.as_deref_mut(), file);
            if let Some(n) = meta.line() {
                line.push_str(&keys.origin_line);
                line.push_str(itoa::Buffer::new().format(n));
                line.push('"');
            }
            line.push_str(",\"function\":");
            push_text(line, known, meta.target());
            line.push('}');
        }
    }
}

/// The fields, when none needs more than a copy: fragments that follow each other in
/// the buffer are copied as one run (the message, rendered in between, is skipped).
fn push_fields(line: &mut String, fields: &Rendered) {
    let mut run = 0..0;
    for entry in &fields.entries {
        if run.end == entry.start && !run.is_empty() {
            run.end = entry.end;
        } else {
            line.push_str(fields.text(run.clone()));
            run = entry.start..entry.end;
        }
    }
    line.push_str(fields.text(run));
}

/// The fields, when some bear a reserved key's name (written `fields.<name>`), take
/// the place of one of the line's own keys with a number or bool (written as text, as
/// those keys are), or may share a name (only the last is written).
fn push_fields_checked(
    line: &mut String,
    keys: &Keys,
    fields: &Rendered,
    flags: &mut Vec<u8>,
    survey: Survey,
) {
    let entries: &[Entry] = &fields.entries;
    flags.clear();
    flags.extend(entries.iter().map(|e| {
        let mut f = 0;
        if survey.renamed && keys.is_reserved(e.key) {
            f |= RESERVED;
        }
        if survey.coerce && keys.is_overridable(e.key) {
            f |= OVERRIDING;
        }
        f
    }));
    if survey.repeated || survey.renamed {
        for (i, e) in entries.iter().enumerate() {
            let reserved = flags[i] & RESERVED != 0;
            let later = entries.iter().zip(flags.iter()).skip(i + 1);
            if later
                .clone()
                .any(|(l, f)| same_key(e.key, reserved, l.key, f & RESERVED != 0))
            {
                flags[i] |= LOSER;
            }
        }
    }
    for (entry, f) in entries.iter().zip(flags.iter()) {
        let value = fields.value(entry);
        if f & LOSER != 0 {
            continue;
        }
        if f & RESERVED != 0 {
            // Reserved keys are the schema's own names: nothing to escape.
            line.push_str(",\"fields.");
            line.push_str(entry.key);
            line.push_str("\":");
            line.push_str(value);
        } else if f & OVERRIDING != 0 && !value.starts_with('"') {
            // A number or bool in place of a text key: written as text (it holds
            // nothing to escape).
            line.push_str(fields.text(entry.start..entry.value));
            line.push('"');
            line.push_str(value);
            line.push('"');
        } else {
            line.push_str(fields.fragment(entry));
        }
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
        let renames = self.spec.renames[Kind::Plain as usize];
        let own = SpanFields::render(&tracing::span::Record::new(attrs.values()), renames);
        span.extensions_mut().insert(own);
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: Context<'_, S>,
    ) {
        let Some(span) = ctx.span(id) else { return };
        let renames = self.spec.renames[Kind::Plain as usize];
        // Rendered before the span's extensions are locked: a value's `Debug` that logs
        // in this span (which reads them) would otherwise deadlock, and one that
        // panics would poison them for every later line of the span.
        let fresh = SpanFields::render(values, renames);
        let mut extensions = span.extensions_mut();
        match extensions.get_mut::<SpanFields>() {
            Some(own) => own.merge(fresh),
            None => extensions.insert(fresh),
        }
    }

    fn on_enter(&self, id: &tracing::span::Id, _: Context<'_, S>) {
        entered::enter(self.keys.id, id);
    }

    fn on_exit(&self, id: &tracing::span::Id, _: Context<'_, S>) {
        entered::exit(self.keys.id, id);
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

/// A layer of `schema` whose lines are kept, for the tests here and in `panic.rs`.
#[cfg(test)]
pub(crate) fn capture(schema: Schema) -> (JsonLayer, Arc<std::sync::Mutex<Vec<String>>>) {
    let lines = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink_lines = lines.clone();
    let sink: LineSink = Arc::new(move |line: &[u8]| {
        if let Ok(mut l) = sink_lines.lock() {
            l.push(String::from_utf8_lossy(line).into_owned());
        }
    });
    let statics = Statics {
        service: "svc",
        version: "1",
        release: None,
        gcp_project: None,
        datadog_env: None,
    };
    (JsonLayer::new(schema, statics, sink), lines)
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::registry::LookupSpan as _;

    use super::*;

    /// Each captured line, parsed.
    fn parsed(lines: &[String]) -> Vec<serde_json::Value> {
        lines
            .iter()
            .map(|l| serde_json::from_str(l).expect("JSON"))
            .collect()
    }

    #[test]
    fn a_field_recorded_again_and_again_does_not_grow_the_span() {
        let (layer, lines) = capture(Schema::Default);
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

    /// Span fields come from the event's whole scope, root first (an inner field wins),
    /// from an explicit parent's scope, from none for a root event, and skip a span the
    /// layer's filter leaves out.
    #[test]
    fn span_fields_follow_the_events_scope() {
        use tracing_subscriber::Layer as _;
        let (layer, lines) = capture(Schema::Default);
        // The layer sees no span named `hidden` (its fields stay off every line).
        let filter = tracing_subscriber::filter::filter_fn(|meta| meta.name() != "hidden");
        let dispatch =
            tracing::Dispatch::new(tracing_subscriber::registry().with(layer.with_filter(filter)));
        tracing::dispatcher::with_default(&dispatch, || {
            let outer = tracing::info_span!("outer", a = 1, shared = "outer");
            let _outer = outer.enter();
            tracing::info!("only outer");
            let inner = tracing::info_span!("inner", b = 2, shared = "inner");
            {
                let _inner = inner.enter();
                tracing::info!("both");
                let hidden = tracing::info_span!("hidden", c = 3);
                let _hidden = hidden.enter();
                tracing::info!("hidden skipped");
                tracing::info!(parent: None, "root");
            }
            tracing::info!(parent: &inner, "explicit parent");
            tracing::info!("outer again");
        });
        let lines = lines.lock().expect("lock");
        let parsed = parsed(&lines);
        let fields = |i: usize| {
            let v = &parsed[i];
            (
                v["a"].clone(),
                v["b"].clone(),
                v["c"].clone(),
                v["shared"].clone(),
            )
        };
        use serde_json::Value::Null;
        let (one, two) = (serde_json::json!(1), serde_json::json!(2));
        assert_eq!(parsed[0]["message"], "only outer");
        assert_eq!(fields(0), (one.clone(), Null, Null, "outer".into()));
        assert_eq!(fields(1), (one.clone(), two.clone(), Null, "inner".into()));
        assert_eq!(parsed[2]["message"], "hidden skipped");
        assert_eq!(fields(2), (one.clone(), two.clone(), Null, "inner".into()));
        assert_eq!(parsed[3]["message"], "root");
        assert_eq!(fields(3), (Null, Null, Null, Null));
        assert_eq!(parsed[4]["message"], "explicit parent");
        assert_eq!(fields(4), (one.clone(), two, Null, "inner".into()));
        assert_eq!(fields(5), (one, Null, Null, "outer".into()));
        for line in lines.iter() {
            assert!(line.matches("\"shared\"").count() <= 1, "{line}");
        }
    }

    /// Tasks instrumented with spans of their own, moving between the worker threads of
    /// a runtime at every `yield_now`, each line inside its task's span: each line has
    /// its own task's fields (the layer's stack of entered spans is per thread).
    #[test]
    fn instrumented_tasks_moving_between_threads_keep_their_span_fields() {
        use tracing::Instrument as _;
        use tracing::instrument::WithSubscriber as _;
        let (layer, lines) = capture(Schema::Default);
        let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("a runtime");
        tracing::dispatcher::with_default(&dispatch, || {
            runtime.block_on(async {
                let tasks: Vec<_> = (0..8u64)
                    .map(|task| {
                        let span = tracing::info_span!("task", task);
                        let steps = async move {
                            for step in 0..20u64 {
                                tracing::info!(step, "step");
                                tokio::task::yield_now().await;
                            }
                        };
                        tokio::spawn(
                            async move {
                                let open = span.clone();
                                steps.instrument(span).await;
                                // On a worker, the span left but still open: no task
                                // field.
                                tracing::info!("outside");
                                drop(open);
                            }
                            .with_subscriber(dispatch.clone()),
                        )
                    })
                    .collect();
                for task in tasks {
                    task.await.expect("the task");
                }
                // Outside every span: no task field.
                tracing::info!("after");
            });
        });
        let lines = lines.lock().expect("lock");
        assert_eq!(lines.len(), 8 * 21 + 1);
        let mut per_task = std::collections::BTreeMap::<u64, Vec<u64>>::new();
        for line in lines.iter() {
            let v: serde_json::Value = serde_json::from_str(line).expect("JSON");
            if v["message"] == "after" || v["message"] == "outside" {
                assert!(v.get("task").is_none(), "{line}");
                continue;
            }
            let task = v["task"].as_u64().expect("a task field");
            per_task
                .entry(task)
                .or_default()
                .push(v["step"].as_u64().expect("step"));
        }
        // Every task logged its 20 steps in order, each line under its own span.
        assert_eq!(per_task.len(), 8);
        for steps in per_task.values() {
            assert_eq!(*steps, (0..20).collect::<Vec<_>>());
        }
    }

    /// One thread, one callsite, two layers of other schemas, taking turns: each line
    /// is surveyed for its own schema (the survey cache is per thread, keyed by layer).
    #[test]
    fn the_survey_cache_keeps_schemas_apart() {
        let (plain, lines) = capture(Schema::Default);
        let (gcp, gcp_lines) = capture(Schema::Gcp);
        let [plain, gcp] = [plain, gcp]
            .map(|layer| tracing::Dispatch::new(tracing_subscriber::registry().with(layer)));
        for _ in 0..3 {
            for d in [&plain, &gcp] {
                tracing::dispatcher::with_default(d, || {
                    tracing::info!(severity = "mine", order = 1, "turn");
                });
            }
        }
        let (plain, gcp) = (lines.lock().expect("lock"), gcp_lines.lock().expect("lock"));
        assert_eq!((plain.len(), gcp.len()), (3, 3));
        let turns = plain.iter().zip(gcp.iter()).flat_map(|(p, g)| [p, g]);
        for (i, line) in turns.enumerate() {
            let v: serde_json::Value = serde_json::from_str(line).expect("JSON");
            if i % 2 == 0 {
                assert_eq!(v["severity"], "mine", "{line}");
            } else {
                // GCP's own `severity` is the level; the field is kept apart.
                assert_eq!(v["severity"], "INFO", "{line}");
                assert_eq!(line.matches("\"severity\"").count(), 1, "{line}");
                assert!(line.contains("mine"), "{line}");
            }
        }
    }

    /// A reused survey finds `coerce` again from the values: one callsite, a field in
    /// place of the text key `correlation_id`, a number then a string then a number.
    #[test]
    fn a_reused_survey_coerces_by_each_lines_values() {
        let (layer, lines) = capture(Schema::Default);
        let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
        tracing::dispatcher::with_default(&dispatch, || {
            for value in [&5 as &dyn tracing::Value, &"x", &7, &"y"] {
                tracing::info!(correlation_id = value, "turn");
            }
        });
        let lines = lines.lock().expect("lock");
        let ids: Vec<serde_json::Value> = lines
            .iter()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).expect("JSON")["correlation_id"]
                    .clone()
            })
            .collect();
        assert_eq!(ids, ["5", "x", "7", "y"], "{lines:?}");
    }

    /// A value whose `Debug` logs (in the span being recorded) or panics.
    struct Noisy(bool);

    impl std::fmt::Debug for Noisy {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            if self.0 {
                panic!("a Debug that panics");
            }
            tracing::info!("logged from Debug");
            f.write_str("noisy")
        }
    }

    #[test]
    fn a_recorded_value_whose_debug_logs_or_panics_neither_deadlocks_nor_poisons() {
        let (layer, lines) = capture(Schema::Default);
        let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
        // A deadlock would hang this thread: it runs apart, and the test waits a while.
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            tracing::dispatcher::with_default(&dispatch, || {
                let span = tracing::info_span!("job", value = tracing::field::Empty);
                let _entered = span.enter();
                span.record("value", tracing::field::debug(Noisy(false)));
                let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    span.record("value", tracing::field::debug(Noisy(true)));
                }));
                assert!(panicked.is_err());
                tracing::info!("after");
            });
            let _ = done.send(());
        });
        finished
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("recording a noisy value finished (no deadlock)");
        let lines = lines.lock().expect("lock");
        let parsed = parsed(&lines);
        let after = parsed
            .iter()
            .find(|l| l["message"] == "after")
            .expect("the span still logs after a panic in a Debug");
        assert_eq!(after["value"], "noisy", "{after}");
        assert!(parsed.iter().any(|l| l["message"] == "logged from Debug"));
    }
}
