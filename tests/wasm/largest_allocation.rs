//! The allocator of the wasm test binary: the default one (std's on wasm32), noting the largest
//! single request, so robustness.rs checks under wasm what tests/native/robustness.rs checks
//! natively: bad bytes never make pare ask for more than 256 MiB at once. wasm-bindgen-test runs
//! one test at a time on one thread, so a reset at a test's start makes the maximum that test's.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct LargestAllocation;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for LargestAllocation {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: LargestAllocation = LargestAllocation;

/// The largest allocation since the last [`reset_largest_allocation`].
pub fn largest_allocation() -> usize {
    LARGEST.load(Ordering::Relaxed)
}

pub fn reset_largest_allocation() {
    LARGEST.store(0, Ordering::Relaxed);
}
