//! A counting allocator: the system allocator, plus a count of the bytes live
//! and their peak while counting is on. Off, it costs one predictable branch per
//! call, so that timed runs are not disturbed; the memory figures come from a
//! separate, untimed run with counting on.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering::Relaxed};

/// The allocator of `journey-bench`.
pub struct Counting;

static ON: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);
static CALLS: AtomicI64 = AtomicI64::new(0);

/// Adds `delta` bytes. Atomic read-modify-writes: projects are parsed on
/// several threads (`Project::from_texts`), also while counting is on. Counting
/// is off during timed runs, where this costs only the first branch.
#[inline]
fn count(delta: i64) {
    if ON.load(Relaxed) {
        if delta > 0 {
            CALLS.fetch_add(1, Relaxed);
        }
        let live = LIVE.fetch_add(delta, Relaxed) + delta;
        PEAK.fetch_max(live, Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as i64);
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as i64);
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as i64));
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as i64 - layout.size() as i64);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Starts counting (bytes freed while counting count as negative, whenever
/// they were allocated: the figures are differences).
pub fn start() {
    LIVE.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    CALLS.store(0, Relaxed);
    ON.store(true, Relaxed);
}

/// Stops counting.
pub fn stop() {
    ON.store(false, Relaxed);
}

/// Bytes allocated and not freed since [`start`].
pub fn live() -> i64 {
    LIVE.load(Relaxed)
}

/// The highest [`live`] since [`start`] or the last [`reset_peak`].
pub fn peak() -> i64 {
    PEAK.load(Relaxed)
}

/// Allocations (and growing reallocations) made since [`start`].
pub fn calls() -> i64 {
    CALLS.load(Relaxed)
}
