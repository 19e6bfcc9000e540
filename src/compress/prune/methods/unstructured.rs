//! Fine-grained (unstructured) pruning: individual weights by magnitude |w|. Per layer, the
//! `round(ratio · n)` smallest of the layer's `n` weights become zero; with the global scope one
//! threshold is shared by all layers (the smallest `round(ratio · N)` of all `N` weights). Zeros
//! already present are the smallest magnitudes, so they count toward the target.

use super::super::select::{count_for_ratio, smallest};

/// Zeroes the `round(ratio · len)` smallest-magnitude weights of one layer.
pub fn prune_layer(weights: &mut [f32], ratio: f64) {
    let scores: Vec<f64> = weights.iter().map(|w| f64::from(w.abs())).collect();
    for at in smallest(&scores, count_for_ratio(ratio, weights.len())) {
        weights[at] = 0.0;
    }
}

/// One threshold across layers: zeroes the `round(ratio · total)` smallest magnitudes among all
/// `layers` together (ties: earlier layer, then earlier position).
pub fn prune_global(layers: &mut [&mut [f32]], ratio: f64) {
    let mut scores = Vec::new();
    let mut owner = Vec::new();
    for (l, weights) in layers.iter().enumerate() {
        for (i, w) in weights.iter().enumerate() {
            scores.push(f64::from(w.abs()));
            owner.push((l, i));
        }
    }
    for at in smallest(&scores, count_for_ratio(ratio, scores.len())) {
        let (l, i) = owner[at];
        layers[l][i] = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_layer_zeroes_the_smallest_and_counts_existing_zeros() {
        let mut w = vec![0.0, -5.0, 0.5, 2.0, -0.1, 3.0];
        prune_layer(&mut w, 0.5);
        assert_eq!(w, vec![0.0, -5.0, 0.0, 2.0, 0.0, 3.0]);
    }

    #[test]
    fn global_threshold_spans_layers() {
        let mut a = vec![1.0, 2.0, 3.0, 4.0];
        let mut b = vec![10.0, 20.0, 0.5, 30.0];
        prune_global(&mut [&mut a[..], &mut b[..]], 0.5);
        assert_eq!(a, vec![0.0, 0.0, 0.0, 4.0]);
        assert_eq!(b, vec![10.0, 20.0, 0.0, 30.0]);
    }
}
