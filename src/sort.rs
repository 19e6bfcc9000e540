//! Sorting through one compiled copy of the standard library's sorts. Each `slice::sort_by`,
//! `sort_by_key` or `select_nth_unstable_by` call site with its own closure (and each element
//! type) gets its own copy of the whole algorithm, a few kB of wasm each (docs/wasm_size.md);
//! these helpers sort a permutation of indices with a `dyn` comparison instead, so that every
//! caller shares one stable sort, one unstable sort and one selection.
//!
//! Results are those of the standard functions: `sort_by`/`sort_by_key` are stable sorts (the
//! index permutation is sorted stably, then applied), and `select_by`/`sort_unstable_by` run the
//! standard algorithms on the caller's indices with the caller's comparison. For small or cold
//! sorts (reports, layer lists, compression plans): one indirect call per comparison, so hot
//! loops over large data keep `slice::sort_by`.

use std::cmp::Ordering;

/// A comparison of two indices.
pub type IndexOrder<'a> = dyn FnMut(&usize, &usize) -> Ordering + 'a;

/// `v.sort_by(compare)`: the same stable order.
pub fn sort_by<T>(v: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    let order = {
        let items = &*v;
        stable_order(items.len(), &mut |a: &usize, b: &usize| compare(&items[*a], &items[*b]))
    };
    permute(v, order);
}

/// `v.sort_by_key(key)`: the same stable order.
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// `indices.sort_by(compare)` for a list of indices (the same stable order).
pub fn sort_indices_by(indices: &mut [usize], compare: &mut IndexOrder<'_>) {
    indices.sort_by(compare);
}

/// `indices.sort_unstable_by(compare)` for a list of indices.
pub fn sort_indices_unstable_by(indices: &mut [usize], compare: &mut IndexOrder<'_>) {
    indices.sort_unstable_by(compare);
}

/// `indices.select_nth_unstable_by(nth, compare)` for a list of indices (`nth < len`).
pub fn select_indices_by(indices: &mut [usize], nth: usize, compare: &mut IndexOrder<'_>) {
    indices.select_nth_unstable_by(nth, compare);
}

/// `0..len` sorted stably by `compare`.
fn stable_order(len: usize, compare: &mut IndexOrder<'_>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    sort_indices_by(&mut order, compare);
    order
}

/// Rearranges `v` so that position `i` holds what was at `order[i]` (a permutation of
/// `0..v.len()`), by walking its cycles with swaps.
fn permute<T>(v: &mut [T], mut order: Vec<usize>) {
    for start in 0..v.len() {
        let mut i = start;
        // `order[i] == i` marks a position already filled.
        while order[i] != start {
            let next = order[i];
            v.swap(i, next);
            order[i] = i;
            i = next;
        }
        order[i] = i;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (keys with many ties, to check stability).
    fn keys(n: usize, seed: u32, spread: u32) -> Vec<(u32, usize)> {
        let mut state = seed;
        (0..n)
            .map(|i| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                ((state >> 16) % spread, i)
            })
            .collect()
    }

    #[test]
    fn sort_by_equals_the_standard_stable_sort() {
        for (n, spread) in [(0, 1), (1, 1), (2, 2), (7, 3), (40, 5), (1000, 17), (5000, 1_000_000)] {
            let items = keys(n, n as u32 + 1, spread);
            let mut want = items.clone();
            want.sort_by(|a, b| b.0.cmp(&a.0));
            let mut got = items.clone();
            sort_by(&mut got, |a, b| b.0.cmp(&a.0));
            assert_eq!(got, want, "n = {n}");
            let mut want = items.clone();
            want.sort_by_key(|a| a.0 % 4);
            let mut got = items;
            sort_by_key(&mut got, |a| a.0 % 4);
            assert_eq!(got, want, "n = {n}, by key");
        }
    }

    #[test]
    fn index_sorts_and_selection_equal_the_standard_ones() {
        let items = keys(300, 9, 20);
        let by_key = |a: &usize, b: &usize| items[*a].0.cmp(&items[*b].0);
        let all: Vec<usize> = (0..items.len()).collect();
        let (mut want, mut got) = (all.clone(), all.clone());
        want.sort_by(by_key);
        sort_indices_by(&mut got, &mut { by_key });
        assert_eq!(got, want);
        let (mut want, mut got) = (all.clone(), all.clone());
        want.sort_unstable_by(by_key);
        sort_indices_unstable_by(&mut got, &mut { by_key });
        assert_eq!(got, want);
        for nth in [0, 1, 150, 299] {
            let (mut want, mut got) = (all.clone(), all.clone());
            want.select_nth_unstable_by(nth, by_key);
            select_indices_by(&mut got, nth, &mut { by_key });
            assert_eq!(got, want, "nth = {nth}");
        }
    }

    #[test]
    fn permute_moves_every_item_once() {
        let mut v: Vec<String> = ["a", "b", "c", "d", "e", "f"].iter().map(|s| s.to_string()).collect();
        permute(&mut v, vec![3, 0, 1, 2, 5, 4]);
        assert_eq!(v, ["d", "a", "b", "c", "f", "e"]);
    }
}
