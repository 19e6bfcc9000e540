//! The memory budget: the most bytes one buffer sized by a file or by the user (an array read
//! from `.npy`/`.npz`, random samples, an op's output) may take, checked before it is allocated
//! so that a small hostile file gives a `too-large` error instead of an allocation abort.
//!
//! Default: half the machine's memory natively (`MemTotal` of /proc/meminfo; 16 GiB where it
//! cannot be read), or half the address-space limit (`ulimit -v`) when that is lower; 2 GiB on wasm32 (half the 4 GiB a wasm memory can ever have). The native
//! CLI sets it from the `PARE_MAX_MEMORY` environment variable (`512M`, `2G`, bytes).
//! Allocations checked here are also made with `try_reserve`, so a budget above what the
//! process may really get still fails cleanly.

use std::sync::atomic::{AtomicUsize, Ordering};

/// 0: not set, use [`default_budget`].
static BUDGET: AtomicUsize = AtomicUsize::new(0);

/// A buffer larger than the budget, or one the allocator refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{what} needs {bytes} bytes, more than pare's memory budget of {budget} bytes (PARE_MAX_MEMORY sets it)")]
pub struct OverBudget {
    pub what: String,
    pub bytes: usize,
    pub budget: usize,
}

thread_local! {
    /// A budget for the calling thread only ([`with_thread_budget`]; 0: none).
    static THREAD_BUDGET: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The budget in bytes.
pub fn max_bytes() -> usize {
    let scoped = THREAD_BUDGET.try_with(std::cell::Cell::get).unwrap_or(0);
    if scoped != 0 {
        return scoped;
    }
    match BUDGET.load(Ordering::Relaxed) {
        0 => default_budget(),
        set => set,
    }
}

/// Sets the budget for the whole process (0 restores the default).
pub fn set_max_bytes(bytes: usize) {
    BUDGET.store(bytes, Ordering::Relaxed);
}

/// Runs `f` with a budget of `bytes` on the calling thread only (pare's work runs on the
/// caller's thread), restored afterwards even if `f` panics: a test can set a small budget
/// without changing it for the tests running beside it (tests/wasm/fuzz.rs).
pub fn with_thread_budget<R>(bytes: usize, f: impl FnOnce() -> R) -> R {
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = THREAD_BUDGET.try_with(|b| b.set(self.0));
        }
    }
    let _restore = Restore(THREAD_BUDGET.with(|b| b.replace(bytes)));
    f()
}

/// `Ok` when `bytes` fits the budget; `what` names the buffer in the error.
pub fn check(bytes: usize, what: impl FnOnce() -> String) -> Result<(), OverBudget> {
    let budget = max_bytes();
    if bytes > budget { Err(OverBudget { what: what(), bytes, budget }) } else { Ok(()) }
}

/// An empty vector with room for `len` elements: checked against the budget, then reserved
/// fallibly.
pub fn try_vec<T>(len: usize, what: impl FnOnce() -> String) -> Result<Vec<T>, OverBudget> {
    let bytes = len.saturating_mul(std::mem::size_of::<T>());
    let budget = max_bytes();
    let mut values = Vec::new();
    if bytes > budget || values.try_reserve_exact(len).is_err() {
        return Err(OverBudget { what: what(), bytes, budget });
    }
    Ok(values)
}

/// Parses `PARE_MAX_MEMORY`-style sizes: `1073741824`, `512K`, `512M`, `2G` (powers of 1024).
pub fn parse_size(text: &str) -> Option<usize> {
    let text = text.trim();
    let (digits, shift) = match text.char_indices().last()? {
        (i, 'k' | 'K') => (&text[..i], 10),
        (i, 'm' | 'M') => (&text[..i], 20),
        (i, 'g' | 'G') => (&text[..i], 30),
        (i, 't' | 'T') => (&text[..i], 40),
        _ => (text, 0),
    };
    let n: usize = digits.parse().ok()?;
    n.checked_mul(1usize.checked_shl(shift)?).filter(|&b| b > 0)
}

#[cfg(target_arch = "wasm32")]
fn default_budget() -> usize {
    1 << 31
}

#[cfg(not(target_arch = "wasm32"))]
fn default_budget() -> usize {
    static DEFAULT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *DEFAULT.get_or_init(|| {
        let total_kib = std::fs::read_to_string("/proc/meminfo").ok().and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
            line.split_whitespace().nth(1)?.parse::<usize>().ok()
        });
        let memory = match total_kib {
            Some(kib) if kib > 0 => kib.saturating_mul(1024) / 2,
            _ => 1 << 34,
        };
        // Under `ulimit -v` the process gets less than the machine has: an allocation the
        // budget let through then aborted (a 2.5 GB output under a 4 GB limit; issue 17's
        // campaign). Half the address-space limit, as half the memory.
        let address_space = std::fs::read_to_string("/proc/self/limits").ok().and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("Max address space"))?;
            line.split_whitespace().nth(3)?.parse::<usize>().ok()
        });
        match address_space {
            Some(bytes) if bytes > 0 => memory.min(bytes / 2),
            _ => memory,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("512K"), Some(512 << 10));
        assert_eq!(parse_size("2g"), Some(2 << 30));
        assert_eq!(parse_size("0"), None);
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size(""), None);
        assert_eq!(parse_size("99999999999999999999T"), None);
    }

    #[test]
    fn the_default_budget_is_some_memory_and_a_huge_vector_is_refused() {
        assert!(max_bytes() >= 1 << 20);
        let err = try_vec::<f32>(usize::MAX / 2, || "a test array".into()).unwrap_err();
        assert!(err.to_string().contains("a test array needs"), "{err}");
        assert!(try_vec::<f32>(16, || unreachable!()).unwrap().capacity() >= 16);
    }
}
