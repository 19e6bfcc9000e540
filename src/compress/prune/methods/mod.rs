//! The masking methods: each sets chosen weights of one layer to exactly zero and leaves the
//! shapes alone (fine-grained, vector, kernel, N:M). Filter pruning, which changes shapes, lives
//! in `../filter/`.

pub mod groups;
pub mod nm;
pub mod unstructured;

use super::layout::WeightView;

/// Zeroes every element of `weights` in `units[u]` for each chosen `u`.
pub fn zero_units(weights: &mut [f32], units: &[Vec<usize>], chosen: &[usize]) {
    for &u in chosen {
        if let Some(unit) = units.get(u) {
            for &at in unit {
                if let Some(w) = weights.get_mut(at) {
                    *w = 0.0;
                }
            }
        }
    }
}

/// Checks that `view` covers exactly `len` elements (the view was built from the same shape).
pub fn fits(view: &WeightView, len: usize) -> bool {
    view.len() == len
}
