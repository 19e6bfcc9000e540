//! How the native CLI asks glibc's `malloc` to keep freed memory (Linux with glibc only).
//!
//! pare's interpreter allocates every operator's output afresh and frees it after its last
//! reader. glibc serves blocks above a threshold (128 KiB at first, adjusted as mmapped blocks
//! are freed) with `mmap` and returns them to the kernel on `free`, and trims the heap top
//! above twice that: each activation of each run then costs page faults and the kernel's zeroing
//! of every page. Measured on PP-OCRv4 det (320×320, one thread): kernel page-fault and
//! page-clearing time was ~7 % of the run, and whether it happened depended on which earlier
//! allocations had raised the dynamic threshold. Fixing the thresholds keeps freed blocks (up
//! to glibc's 32 MiB mmap limit) in the heap for the next operator: memory stays with the
//! process until it exits, as an inference arena would.

/// Sets glibc's mmap threshold to its maximum and the trim threshold far above it.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn keep_freed_memory() {
    // glibc's <malloc.h>; mallopt returns 0 when it rejects a value, which only costs speed.
    const M_TRIM_THRESHOLD: i32 = -1;
    const M_MMAP_THRESHOLD: i32 = -3;
    unsafe extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }
    // SAFETY: mallopt only changes malloc's tuning parameters; called before any thread starts.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
    }
}

/// Elsewhere the allocator is left as it is.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_freed_memory() {}
