//! Events and spans with field names chosen at run time: `tracing`'s macros take names
//! only as literals, so the property tests build their callsites by hand (leaked: a
//! callsite lives as long as the program).

use std::sync::OnceLock;

use tracing::callsite::{Callsite, Identifier};
use tracing::field::{FieldSet, Value};
use tracing::metadata::Kind;
use tracing::subscriber::Interest;
use tracing::{Level, Metadata};

struct Site {
    meta: OnceLock<Metadata<'static>>,
}

impl Callsite for Site {
    fn set_interest(&self, _: Interest) {}

    fn metadata(&self) -> &Metadata<'_> {
        self.meta.get().expect("set when the site is made")
    }
}

/// A registered callsite of an event (or a span, `span = true`) of `target` at `level`
/// with the fields `names`, in order (names may repeat).
pub(crate) fn callsite(
    span: bool,
    target: &'static str,
    level: Level,
    names: &[String],
) -> &'static Metadata<'static> {
    let site: &'static Site = Box::leak(Box::new(Site {
        meta: OnceLock::new(),
    }));
    let names: Vec<&'static str> = names
        .iter()
        .map(|n| &*Box::leak(n.clone().into_boxed_str()))
        .collect();
    let names: &'static [&'static str] = Box::leak(names.into_boxed_slice());
    let meta = Metadata::new(
        if span {
            "dynamic span"
        } else {
            "dynamic event"
        },
        target,
        level,
        Some(file!()),
        Some(line!()),
        Some(module_path!()),
        FieldSet::new(names, Identifier(site)),
        if span { Kind::SPAN } else { Kind::EVENT },
    );
    let _ = site.meta.set(meta);
    tracing::callsite::register(site);
    site.metadata()
}

/// Dispatches an event of `meta` with `values` (one per field), as the macros do.
pub(crate) fn event(meta: &'static Metadata<'static>, values: &[Option<&dyn Value>]) {
    let set = meta.fields().value_set_all(values);
    if tracing::dispatcher::get_default(|d| d.enabled(meta)) {
        tracing::Event::dispatch(meta, &set);
    }
}

/// A new span of `meta` with `values`.
pub(crate) fn span(
    meta: &'static Metadata<'static>,
    values: &[Option<&dyn Value>],
) -> tracing::Span {
    let set = meta.fields().value_set_all(values);
    tracing::Span::new(meta, &set)
}
