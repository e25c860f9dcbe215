//! A counting global allocator, for tests that prove code allocates nothing (or a
//! known count). A binary installs it with
//!
//! ```ignore
//! #[global_allocator]
//! static GLOBAL: support::alloc::Counting = support::alloc::Counting;
//! ```
//!
//! and counts with [`allocations`].

// The only unsafe code of the tests: the allocator forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts this thread's allocations while [`allocations`] runs its closure.
pub(crate) struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
    /// Set from `TWELVE_ALLOC_TRACE`: print where the first allocation is.
    static TRACE_FIRST: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counting
// only touches thread-locals that never allocate (`const` initialised `Cell`s).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.try_with(Cell::get).unwrap_or(false) {
            let _ = ALLOCS.try_with(|a| a.set(a.get() + 1));
            if TRACE_FIRST.try_with(Cell::get).unwrap_or(false) && ALLOCS.with(Cell::get) == 1 {
                COUNTING.with(|c| c.set(false));
                eprintln!("{}", std::backtrace::Backtrace::force_capture());
                COUNTING.with(|c| c.set(true));
            }
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Runs `f` and counts the allocations it makes on this thread.
fn count(f: impl FnOnce()) -> usize {
    ALLOCS.with(|a| a.set(0));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCS.with(Cell::get)
}

/// How many allocations `f` makes on this thread. With `TWELVE_ALLOC_TRACE` set, the
/// backtrace of the first one is printed to stderr.
///
/// Panics when [`Counting`] is not the binary's global allocator: a count of 0 would
/// then prove nothing.
pub(crate) fn allocations(f: impl FnOnce()) -> usize {
    let probe = count(|| drop(std::hint::black_box(Box::new(0u64))));
    assert_eq!(
        probe, 1,
        "support::alloc::Counting is not this binary's #[global_allocator]"
    );
    let trace = std::env::var_os("TWELVE_ALLOC_TRACE").is_some();
    TRACE_FIRST.with(|t| t.set(trace));
    let allocations = count(f);
    TRACE_FIRST.with(|t| t.set(false));
    allocations
}
