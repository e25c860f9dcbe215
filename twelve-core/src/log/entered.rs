//! The spans entered on this thread, per layer, kept by the layer's own `on_enter` and
//! `on_exit`: an event's current span without asking the registry, whose answer costs
//! a lookup in its own per-thread stack, then one slab lookup for the span's metadata
//! and a second for the span (about 150 instructions and two atomic read-modify-writes
//! per line; by hand for the hot path, BENCHMARKS.md, logging).
//!
//! A layer sees only the spans its filter enables, so the top of its stack is the span
//! `Context::lookup_current` finds: the innermost one enabled for it. A layer swapped
//! in later (by `tracing_subscriber::reload`) knows only the spans entered after it
//! came: a span entered before gives its fields again from its next entry on (an
//! instrumented future's next poll).

use std::cell::RefCell;

use tracing::span::Id;

thread_local! {
    static ENTERED: RefCell<Vec<Stack>> = const { RefCell::new(Vec::new()) };
}

/// One layer's entered spans on this thread, innermost last.
struct Stack {
    layer: usize,
    spans: Vec<Id>,
}

/// What [`current`] knows.
pub(super) enum Current {
    /// The innermost span `layer` entered on this thread, or `None` outside of any.
    Known(Option<Id>),
    /// This thread's stacks are gone (the thread is ending) or in use: ask the
    /// registry.
    Unknown,
}

/// Records that `layer` entered span `id` on this thread. A thread that is ending
/// records nothing, and [`current`] answers `Unknown` for it.
pub(super) fn enter(layer: usize, id: &Id) {
    let _ = ENTERED.try_with(|cell| {
        if let Ok(mut stacks) = cell.try_borrow_mut() {
            if let Some(stack) = stacks.iter_mut().find(|s| s.layer == layer) {
                stack.spans.push(id.clone());
            } else if let Some(free) = stacks.iter_mut().find(|s| s.spans.is_empty()) {
                // An empty stack of another layer (one since dropped, say) is taken
                // over: a thread keeps as many stacks as layers had spans entered on
                // it at once, not one per layer it ever saw.
                free.layer = layer;
                free.spans.push(id.clone());
            } else {
                stacks.push(Stack {
                    layer,
                    spans: vec![id.clone()],
                });
            }
        }
    });
}

/// Records that `layer` left span `id` on this thread: its innermost entry goes, as in
/// the registry's own stack (spans may be left out of order).
pub(super) fn exit(layer: usize, id: &Id) {
    let _ = ENTERED.try_with(|cell| {
        let Ok(mut stacks) = cell.try_borrow_mut() else {
            return;
        };
        if let Some(stack) = stacks.iter_mut().find(|s| s.layer == layer) {
            if let Some(at) = stack.spans.iter().rposition(|s| s == id) {
                stack.spans.remove(at);
            }
        }
    });
}

/// The innermost span `layer` entered on this thread and has not left.
pub(super) fn current(layer: usize) -> Current {
    ENTERED
        .try_with(|cell| match cell.try_borrow() {
            Ok(stacks) => Current::Known(
                stacks
                    .iter()
                    .find(|s| s.layer == layer)
                    .and_then(|s| s.spans.last().cloned()),
            ),
            Err(_) => Current::Unknown,
        })
        .unwrap_or(Current::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u64) -> Id {
        Id::from_u64(n)
    }

    fn top(layer: usize) -> Option<u64> {
        match current(layer) {
            Current::Known(id) => id.map(|id| id.into_u64()),
            Current::Unknown => panic!("the stacks are there"),
        }
    }

    #[test]
    fn each_layer_has_its_own_stack_and_spans_leave_out_of_order() {
        assert_eq!(top(1), None);
        enter(1, &id(10));
        enter(2, &id(20));
        enter(1, &id(11));
        // The same span entered again (re-entered), then left once: still current.
        enter(1, &id(11));
        assert_eq!((top(1), top(2)), (Some(11), Some(20)));
        exit(1, &id(11));
        assert_eq!(top(1), Some(11));
        // Left out of order: the outer one goes, the inner stays current.
        exit(1, &id(10));
        assert_eq!(top(1), Some(11));
        exit(1, &id(11));
        assert_eq!(top(1), None);
        // Leaving a span never entered changes nothing.
        exit(2, &id(99));
        assert_eq!(top(2), Some(20));
        exit(2, &id(20));
        assert_eq!(top(2), None);
    }

    #[test]
    fn a_thread_keeps_a_stack_per_layer_with_spans_entered_not_per_layer_seen() {
        for layer in 100..1_100 {
            enter(layer, &id(1));
            assert_eq!(top(layer), Some(1));
            exit(layer, &id(1));
        }
        enter(5, &id(2));
        enter(6, &id(3));
        assert_eq!((top(5), top(6), top(100)), (Some(2), Some(3), None));
        let stacks = ENTERED.with(|cell| cell.borrow().len());
        assert_eq!(stacks, 2);
        exit(5, &id(2));
        exit(6, &id(3));
    }
}
