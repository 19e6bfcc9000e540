//! One reusable scratch buffer per thread (Conv's im2col patches): a convolution borrows it
//! for the length it needs and gives it back, so a model's convolutions share one allocation
//! instead of allocating and zeroing a fresh buffer each (measured: the zeroing alone was 2–3 %
//! of a PP-OCR detector's run). The buffer grows to the largest length asked for (Conv bounds
//! it by its im2col budget) and is never shrunk.

use std::any::Any;
use std::cell::Cell;

use crate::ops::OpError;

thread_local! {
    static SPARE: Cell<Option<Box<dyn Any>>> = const { Cell::new(None) };
}

/// Runs `f` on `len` values of scratch memory of this thread. Their contents are unspecified
/// (what an earlier user left, or `T::default()`): `f` must write before it reads. A nested
/// call (or one for another type) gets a buffer of its own.
pub fn with_scratch<T: Copy + Default + 'static, R>(len: usize, f: impl FnOnce(&mut [T]) -> R) -> Result<R, OpError> {
    let mut buffer: Vec<T> = SPARE.with(Cell::take).and_then(|b| b.downcast::<Vec<T>>().ok()).map(|b| *b).unwrap_or_default();
    if buffer.len() < len {
        buffer
            .try_reserve_exact(len - buffer.len())
            .map_err(|_| OpError::too_large(format!("cannot allocate {len} elements of scratch memory")))?;
        buffer.resize(len, T::default());
    }
    let result = f(&mut buffer[..len]);
    SPARE.with(|s| s.set(Some(Box::new(buffer))));
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buffer_is_reused_grown_and_private_to_nested_calls() {
        let first = with_scratch::<f32, _>(4, |b| {
            b.copy_from_slice(&[1.0, 2.0, 3.0, 4.0]);
            b.as_ptr() as usize
        })
        .unwrap();
        // Reused: same memory, the values left behind still there.
        let (again, seen) = with_scratch::<f32, _>(3, |b| (b.as_ptr() as usize, b.to_vec())).unwrap();
        assert_eq!((again, seen), (first, vec![1.0, 2.0, 3.0]));
        // Grown on demand; a nested call gets its own buffer.
        with_scratch::<f32, _>(1000, |outer| {
            outer.fill(7.0);
            with_scratch::<f32, _>(10, |inner| inner.fill(-1.0)).unwrap();
            assert!(outer.iter().all(|&v| v == 7.0));
        })
        .unwrap();
        // Another type does not see this one's buffer.
        assert!(with_scratch::<f64, _>(5, |b| b.len()).unwrap() == 5);
    }
}
