//! Calibrated binary activations: for each binarized input `x`, a threshold (one per tensor:
//! [`grouping`] says why; per input channel is supported) and the affine map `x ≈ a·s + b` (`threshold`), fitted on histograms of `x` over the
//! calibration samples (`calibrate::channels`). In the graph it is standard ONNX:
//!
//! - `s = Where(Less(x, t), −1, +1)`, `t` a scalar constant (or per channel: `[C, 1, …]` for a
//!   Conv input, `[K]` for a Gemm/MatMul input);
//! - `a` (one per tensor: it factors out of the XOR + popcount dot product) multiplies the
//!   weight's DequantizeLinear scales;
//! - `b` (per channel) becomes `W·b`, one constant per output, added to the bias. For a padded
//!   Conv that is exact in the interior; at the border the padded taps also count `b` (the
//!   graph is then what it says, not a zero-padded `a·s + b`).

use std::collections::HashMap;

use ndarray::ArrayD;

use super::threshold::{Group, Split, best_split, shared_scale};
use crate::compress::calibrate::channels::{ChannelHistogram, Grouping};
use crate::ir::{Node, Tensor};

/// Histogram bins per channel.
pub const BINS: usize = 256;

/// Which values of a layer's input share a threshold: all of them. Measured on the MNIST CNN
/// (conv2 and fc1 binarized, 200 calibration digits, 1,000 held-out; README "Binarization"):
/// one threshold, `a` and `b` per tensor 84.3 %; per input channel of conv2 with one for fc1
/// 80.7 %; per channel (fc1: per feature) 53.3 %; per tensor without `b` 43.9 %, without the
/// affine map 31.8 %. Thresholds per channel equalise how often each channel is +1, which
/// discards the differences in magnitude between channels that the float weights rely on.
pub fn grouping(_node: &Node, _weight_rank: usize) -> Grouping {
    Grouping::Tensor
}

/// The fitted quantizer of one input.
#[derive(Clone, Debug, PartialEq)]
pub struct InputQuantizer {
    pub grouping: Grouping,
    /// One per channel (one for `Grouping::Tensor`).
    pub thresholds: Vec<f32>,
    /// `a`, shared by the channels.
    pub scale: f64,
    /// `b`, one per channel.
    pub offsets: Vec<f64>,
}

/// Fits thresholds (per channel, 2-level Lloyd-Max on the histogram's bin edges) and the
/// shared least-squares `a` with per-channel `b`.
pub fn fit(grouping: Grouping, histograms: &[ChannelHistogram]) -> InputQuantizer {
    let splits: Vec<Split> = histograms
        .iter()
        .map(|h| {
            let groups: Vec<Group> = (0..h.counts.len())
                .filter(|&i| h.counts[i] > 0.0)
                .map(|i| Group { edge: h.edge(i), count: h.counts[i], sum: h.sums[i] })
                .collect();
            best_split(&groups)
        })
        .collect();
    let (scale, offsets) = shared_scale(&splits);
    InputQuantizer { grouping, thresholds: splits.iter().map(|s| s.threshold as f32).collect(), scale, offsets }
}

impl InputQuantizer {
    /// The threshold constant for `Less`: a scalar, `[C, 1, …]` (rank − 1 dims) for a Conv
    /// input of rank `rank`, `[K]` for a Gemm/MatMul input.
    pub fn threshold_tensor(&self, rank: usize) -> Tensor {
        let n = self.thresholds.len();
        let shape = match self.grouping {
            Grouping::Tensor => return Tensor::scalar(self.thresholds[0]),
            Grouping::Axis(1) => std::iter::once(n).chain(std::iter::repeat_n(1, rank.saturating_sub(2))).collect::<Vec<_>>(),
            Grouping::Axis(_) => vec![n],
        };
        Tensor::from_vec(&shape, self.thresholds.clone()).unwrap_or_else(|_| Tensor::scalar(0f32))
    }
}

/// `W·b` per output for `W = α·signs`: the constant `b` adds to each output. `out_axis` is the
/// weight's output axis; the input channel of a weight element is its index along the other
/// axis of a 2-D weight, or for a Conv weight `[M, C/group, k…]` its group's first channel plus
/// its index along axis 1. `offsets` has one value per input channel, or one for all.
pub fn bias_shift(signs: &ArrayD<i8>, alphas: &[f32], out_axis: usize, conv_group: Option<usize>, offsets: &[f64]) -> Vec<f64> {
    let outputs = signs.shape()[out_axis];
    let mut shift = vec![0f64; outputs];
    let per_group = conv_group.map(|g| (outputs / g.max(1)).max(1));
    let group_in = signs.shape().get(1).copied().unwrap_or(1);
    for (index, &s) in signs.indexed_iter() {
        let m = index[out_axis];
        let channel = match per_group {
            Some(per_group) => (m / per_group) * group_in + index[1],
            None => index[1 - out_axis],
        };
        let b = if offsets.len() == 1 { offsets[0] } else { offsets.get(channel).copied().unwrap_or(0.0) };
        shift[m] += f64::from(s) * b;
    }
    shift.iter_mut().zip(alphas).for_each(|(v, &a)| *v *= f64::from(a));
    shift
}

/// Each wanted input's quantizer from its histograms.
pub fn fit_all(histograms: &HashMap<(String, Grouping), Vec<ChannelHistogram>>) -> HashMap<String, InputQuantizer> {
    histograms.iter().filter(|(_, h)| !h.is_empty()).map(|((name, grouping), h)| (name.clone(), fit(*grouping, h))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bias_shift_sums_signs_times_offsets_per_output() {
        // Gemm [N = 2, K = 3] (output axis 0), offsets per K.
        let signs = ArrayD::from_shape_vec(vec![2, 3], vec![1i8, -1, 1, -1, -1, 1]).unwrap();
        let shift = bias_shift(&signs, &[2.0, 0.5], 0, None, &[1.0, 2.0, 3.0]);
        assert_eq!(shift, vec![2.0 * (1.0 - 2.0 + 3.0), 0.5 * (-1.0 - 2.0 + 3.0)]);
        // The same weight as [K = 2, N = 3] (output axis 1), offsets per K.
        let shift = bias_shift(&signs, &[1.0, 1.0, 1.0], 1, None, &[1.0, 10.0]);
        assert_eq!(shift, vec![1.0 - 10.0, -1.0 - 10.0, 1.0 + 10.0]);
        // A grouped Conv: 2 outputs, 2 groups, 1 channel per group, 2 taps; input channels 0, 1.
        let signs = ArrayD::from_shape_vec(vec![2, 1, 2], vec![1i8, 1, -1, 1]).unwrap();
        let shift = bias_shift(&signs, &[1.0, 1.0], 0, Some(2), &[5.0, 7.0]);
        assert_eq!(shift, vec![10.0, 0.0]);
    }

    #[test]
    fn thresholds_broadcast_along_the_channel_axis() {
        let q = InputQuantizer { grouping: Grouping::Axis(1), thresholds: vec![0.5, 1.0], scale: 1.0, offsets: vec![0.0, 0.0] };
        assert_eq!(q.threshold_tensor(4).shape(), vec![2, 1, 1]);
        let q = InputQuantizer { grouping: Grouping::Axis(usize::MAX), ..q };
        assert_eq!(q.threshold_tensor(2).shape(), vec![2]);
    }
}
