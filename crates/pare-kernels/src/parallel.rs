//! Data parallelism in one place: natively the tasks run on rayon's current thread pool (the
//! global one, or the pool a caller `install`ed, e.g. the CLI's `--threads N`); in wasm builds
//! (no threads) the same tasks run one after another. Callers never see the difference, so no
//! call site needs a `cfg`. [`on_threads`] is how a caller (the CLI's `--threads N`, tests)
//! chooses the thread count: a pool of its own, never a change to the global one.
//!
//! Results never depend on the thread count: callers split their work into tasks by the
//! problem's shape only (never by [`threads`]), each task computes what it would compute
//! alone, and only the order in which tasks run changes. A reduction is never split.

#[cfg(not(target_arch = "wasm32"))]
use rayon::prelude::*;

/// Stack of a pool's threads: the 8 MiB a main thread has, since whole commands run on them.
#[cfg(not(target_arch = "wasm32"))]
const STACK_BYTES: usize = 8 << 20;

/// Runs `work` on a pool of `threads` threads built for it (0: one per core), so that the
/// tasks below run on them; the global pool is left alone. In wasm builds `work` runs here,
/// on one thread. An error says why the pool could not start.
pub fn on_threads<R: Send>(threads: usize, work: impl FnOnce() -> R + Send) -> Result<R, String> {
    #[cfg(not(target_arch = "wasm32"))]
    return rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(STACK_BYTES)
        .build()
        .map(|pool| pool.install(work))
        .map_err(|e| e.to_string());
    #[cfg(target_arch = "wasm32")]
    {
        let _ = threads;
        Ok(work())
    }
}

/// Threads the tasks of this call may run on (1 in wasm builds).
pub fn threads() -> usize {
    #[cfg(not(target_arch = "wasm32"))]
    return rayon::current_num_threads();
    #[cfg(target_arch = "wasm32")]
    1
}

/// Calls `task(index, chunk)` for each `chunk_len`-long chunk of `data` (the last one may be
/// shorter), in parallel when `split` (small jobs pass `false`: the same chunks, in order, on
/// this thread). `chunk_len` 0 counts as 1.
pub fn for_each_chunk_mut<T: Send>(data: &mut [T], chunk_len: usize, split: bool, task: impl Fn(usize, &mut [T]) + Sync + Send) {
    let chunk_len = chunk_len.max(1);
    #[cfg(not(target_arch = "wasm32"))]
    if split && threads() > 1 && data.len() > chunk_len {
        data.par_chunks_mut(chunk_len).enumerate().for_each(|(i, chunk)| task(i, chunk));
        return;
    }
    let _ = split;
    data.chunks_mut(chunk_len).enumerate().for_each(|(i, chunk)| task(i, chunk));
}

/// `task(0), task(1), …, task(n - 1)`, in parallel when more than one thread is available,
/// collected in index order: whole independent jobs (one model run per sample) whose results
/// the caller combines afterwards, in order, so that nothing depends on the thread count.
pub fn map_indices<R: Send>(n: usize, task: impl Fn(usize) -> R + Sync + Send) -> Vec<R> {
    #[cfg(not(target_arch = "wasm32"))]
    if threads() > 1 && n > 1 {
        return (0..n).into_par_iter().map(task).collect();
    }
    (0..n).map(task).collect()
}

/// `task(0), …, task(n - 1)` in batches of as many as there are threads (each batch in
/// parallel, as [`map_indices`]), handing every result to `consume(index, result)` in index
/// order before the next batch starts: memory holds one batch of results, and whatever
/// `consume` accumulates comes out the same for any thread count. The first error `consume`
/// returns stops the run.
pub fn map_in_order<R: Send, E>(
    n: usize,
    task: impl Fn(usize) -> R + Sync + Send,
    mut consume: impl FnMut(usize, R) -> Result<(), E>,
) -> Result<(), E> {
    let batch = threads().max(1);
    for start in (0..n).step_by(batch) {
        let end = (start + batch).min(n);
        for (j, result) in map_indices(end - start, |j| task(start + j)).into_iter().enumerate() {
            consume(start + j, result)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::testing::{Rng, f32_blocks, i8_blocks};
    use crate::twins;
    use crate::types::{F32Operand, MatRef, Operand};

    fn on_threads<R: Send>(threads: usize, run: impl FnOnce() -> R + Send) -> R {
        super::on_threads(threads, run).unwrap()
    }

    /// Shapes that cross the cache blocks (and so the parallel threshold), with odd panels.
    fn shapes((kc, mc, nc): (usize, usize, usize)) -> [(usize, usize, usize); 4] {
        [(mc + 7, nc + 13, kc + 3), (2 * mc + 1, 61, 2 * kc + 5), (5, 3 * nc / 2 + 9, kc + 1), (3 * mc, 9, 700)]
    }

    #[test]
    fn every_f32_gemm_twin_gives_the_same_bits_on_one_two_and_three_threads() {
        let mut rng = Rng::new(14);
        for (m, n, k) in shapes(f32_blocks()) {
            let (a_data, b_data) = (rng.floats(m * k), rng.floats(k * n));
            let (a, b) = (MatRef::row_major(&a_data, m, k), MatRef::row_major(&b_data, k, n));
            let (packed_a, packed_b) = (crate::pack_f32_a(a), crate::pack_f32_b(b));
            let c0 = rng.floats(m * n);
            for twin in twins::gemm_f32() {
                for (pa, pb) in [(F32Operand::Mat(a), F32Operand::Mat(b)), (F32Operand::Packed(&packed_a), F32Operand::Packed(&packed_b))] {
                    let run = |threads| {
                        on_threads(threads, || {
                            let mut c = c0.clone();
                            (twin.run)(0.5, pa, pb, 1.0, &mut c, n);
                            c.into_iter().map(f32::to_bits).collect::<Vec<_>>()
                        })
                    };
                    let one = run(1);
                    assert_eq!(run(2), one, "{} m={m} n={n} k={k}: 2 threads differ from 1", twin.name);
                    assert_eq!(run(3), one, "{} m={m} n={n} k={k}: 3 threads differ from 1", twin.name);
                }
            }
        }
    }

    #[test]
    fn every_int8_gemm_twin_gives_the_same_bits_on_one_two_and_three_threads() {
        let mut rng = Rng::new(15);
        for (m, n, k) in shapes(i8_blocks()) {
            let (a_values, b_values) = (rng.bytes(m * k), rng.bytes(k * n));
            let za: Vec<i32> = rng.bytes(m).into_iter().map(i32::from).collect();
            let zb: Vec<i32> = rng.bytes(n).into_iter().map(i32::from).collect();
            let (a, b) = (Operand { values: &a_values[..], zero_points: &za }, Operand { values: &b_values[..], zero_points: &zb });
            for twin in twins::gemm_i8::<u8, u8>() {
                let run = |threads| {
                    on_threads(threads, || {
                        let mut c = vec![7; m * n];
                        (twin.run)(m, n, k, a, b, &mut c).unwrap();
                        c
                    })
                };
                let one = run(1);
                assert_eq!(run(2), one, "{} m={m} n={n} k={k}: 2 threads differ from 1", twin.name);
                assert_eq!(run(3), one, "{} m={m} n={n} k={k}: 3 threads differ from 1", twin.name);
            }
        }
    }

    #[test]
    fn chunks_keep_their_index_on_any_thread_count() {
        for threads in [1, 2, 3] {
            let chunks = on_threads(threads, || {
                let mut data = vec![0usize; 103];
                super::for_each_chunk_mut(&mut data, 10, true, |i, chunk| chunk.iter_mut().for_each(|v| *v = i + 1));
                data
            });
            assert_eq!(chunks, (0..103).map(|i| i / 10 + 1).collect::<Vec<_>>(), "{threads} threads");
            assert_eq!(on_threads(threads, super::threads), threads);
        }
    }

    #[test]
    fn mapped_indices_come_back_in_order_on_any_thread_count() {
        for threads in [1, 2, 3] {
            let got = on_threads(threads, || super::map_indices(37, |i| (i, i * i)));
            assert_eq!(got, (0..37).map(|i| (i, i * i)).collect::<Vec<_>>(), "{threads} threads");
        }
        assert!(on_threads(2, || super::map_indices(0, |i| i)).is_empty());
    }

    #[test]
    fn results_are_consumed_in_order_and_an_error_stops_the_run() {
        for threads in [1, 2, 3] {
            let mut seen = Vec::new();
            let done: Result<(), ()> = on_threads(threads, || super::map_in_order(23, |i| i * 3, |i, r| Ok(seen.push((i, r)))));
            assert!(done.is_ok());
            assert_eq!(seen, (0..23).map(|i| (i, i * 3)).collect::<Vec<_>>(), "{threads} threads");
            let mut consumed = 0;
            let stopped = on_threads(threads, || {
                super::map_in_order(23, |i| i, |i, _| {
                    consumed += 1;
                    if i == 9 { Err(i) } else { Ok(()) }
                })
            });
            assert_eq!((stopped, consumed), (Err(9), 10), "{threads} threads");
        }
    }
}
