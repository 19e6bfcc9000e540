//! Layer outputs of two models compared on the same samples: for each watched value (a pruned
//! layer's output), the relative MSE `Σ (y_candidate − y_reference)² / Σ y_reference²` over all
//! samples, and the reference's mean per output channel (the target of bias correction).
//! Per sample, the reference's watched outputs are held until the candidate has run; nothing is
//! kept across samples.

use std::collections::HashMap;

use crate::ir::Tensor;
use crate::runtime::{InputSet, Session};

/// Where a layer output keeps its channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelAxis {
    /// `[N, C, …]` (Conv).
    Second,
    /// `[…, C]` (Gemm, MatMul).
    Last,
}

/// One watched layer output.
#[derive(Clone, Debug)]
pub struct Watched {
    pub output: String,
    pub axis: ChannelAxis,
    pub channels: usize,
    /// The reference's channels the candidate kept (filter pruning), in order; `None`: all.
    pub kept: Option<Vec<usize>>,
}

/// The channels `kept` of `values` (shape `shape`) along `axis`, and the resulting shape.
pub fn select_channels(values: &[f32], shape: &[usize], axis: ChannelAxis, kept: &[usize]) -> (Vec<f32>, Vec<usize>) {
    let at = match axis {
        ChannelAxis::Second => 1.min(shape.len().saturating_sub(1)),
        ChannelAxis::Last => shape.len().saturating_sub(1),
    };
    let (Some(&c), true) = (shape.get(at), kept.iter().all(|&k| k < shape.get(at).copied().unwrap_or(0))) else {
        return (values.to_vec(), shape.to_vec());
    };
    let outer: usize = shape[..at].iter().product();
    let inner: usize = shape[at + 1..].iter().product();
    let mut out = Vec::with_capacity(outer * kept.len() * inner);
    for o in 0..outer {
        for &k in kept {
            let start = (o * c + k) * inner;
            out.extend_from_slice(&values[start..start + inner]);
        }
    }
    let mut new_shape = shape.to_vec();
    new_shape[at] = kept.len();
    (out, new_shape)
}

/// Per watched output: its relative MSE and the reference's per-channel means.
#[derive(Clone, Debug, Default)]
pub struct OutputStats {
    pub rel_mse: f64,
    pub reference_mean: Vec<f64>,
}

/// Sums the values of `values` (shape `shape`) per channel into `sums`; returns how many values
/// each channel got, or `None` if the shape does not hold `sums.len()` channels.
pub fn channel_sums(values: &[f32], shape: &[usize], axis: ChannelAxis, sums: &mut [f64]) -> Option<usize> {
    let channels = sums.len();
    let (c, inner) = match axis {
        ChannelAxis::Second => (*shape.get(1)?, shape.get(2..)?.iter().product::<usize>()),
        ChannelAxis::Last => (*shape.last()?, 1),
    };
    if c != channels || channels == 0 {
        return None;
    }
    for (i, v) in values.iter().enumerate() {
        sums[(i / inner) % channels] += f64::from(*v);
    }
    Some(values.len() / channels)
}

fn flat(t: &Tensor) -> Option<(Vec<f32>, Vec<usize>)> {
    match t {
        Tensor::F32(a) => Some((a.iter().copied().collect(), a.shape().to_vec())),
        _ => None,
    }
}

/// The models' own outputs per sample (graph outputs in order), reference and candidate.
pub type RunOutputs = (Vec<Vec<Tensor>>, Vec<Vec<Tensor>>);

/// Runs both sessions on every sample and compares the watched outputs; also returns both
/// models' graph outputs (for `compress::output_sqnr`, without running them again).
pub fn compare_outputs(
    reference: &Session,
    candidate: &Session,
    samples: &[InputSet],
    watched: &[Watched],
    progress: &mut dyn FnMut(usize),
) -> Result<(Vec<OutputStats>, RunOutputs), String> {
    let index: HashMap<&str, usize> = watched.iter().enumerate().map(|(i, w)| (w.output.as_str(), i)).collect();
    let mut sums: Vec<Vec<f64>> = watched.iter().map(|w| vec![0.0; w.channels]).collect();
    let mut counts = vec![0usize; watched.len()];
    let mut diff_sq = vec![0.0f64; watched.len()];
    let mut ref_sq = vec![0.0f64; watched.len()];
    let mut problem: Option<String> = None;
    let mut outputs: RunOutputs = (Vec::with_capacity(samples.len()), Vec::with_capacity(samples.len()));
    for (s, sample) in samples.iter().enumerate() {
        progress(s);
        let mut held: Vec<Option<Vec<f32>>> = vec![None; watched.len()];
        let mut keep = |name: &str, t: &Tensor| {
            let Some(&i) = index.get(name) else { return };
            let Some((values, shape)) = flat(t) else {
                problem.get_or_insert_with(|| format!("layer output `{name}` is not float32"));
                return;
            };
            let (values, shape) = match &watched[i].kept {
                Some(kept) => select_channels(&values, &shape, watched[i].axis, kept),
                None => (values, shape),
            };
            match channel_sums(&values, &shape, watched[i].axis, &mut sums[i]) {
                Some(per_channel) => counts[i] += per_channel,
                None => {
                    problem.get_or_insert_with(|| format!("layer output `{name}` of shape {shape:?} has no {} channels", watched[i].channels));
                }
            }
            ref_sq[i] += values.iter().map(|v| f64::from(*v) * f64::from(*v)).sum::<f64>();
            held[i] = Some(values);
        };
        let out = reference.run_observed(sample.clone(), Some(&mut keep)).map_err(|e| format!("sample {s}: original model: {e}"))?;
        outputs.0.push(out.into_iter().map(|(_, t)| t).collect());
        let mut compare = |name: &str, t: &Tensor| {
            let Some(&i) = index.get(name) else { return };
            let (Some((values, _)), Some(want)) = (flat(t), held[i].as_ref()) else { return };
            if values.len() != want.len() {
                problem.get_or_insert_with(|| format!("layer output `{name}` changed size"));
                return;
            }
            diff_sq[i] += values.iter().zip(want).map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2)).sum::<f64>();
        };
        let out = candidate.run_observed(sample.clone(), Some(&mut compare)).map_err(|e| format!("sample {s}: pruned model: {e}"))?;
        outputs.1.push(out.into_iter().map(|(_, t)| t).collect());
        if let Some(p) = problem.take() {
            return Err(p);
        }
    }
    let stats = (0..watched.len())
        .map(|i| OutputStats {
            rel_mse: if ref_sq[i] > 0.0 { diff_sq[i] / ref_sq[i] } else { diff_sq[i] },
            reference_mean: sums[i].iter().map(|s| s / counts[i].max(1) as f64).collect(),
        })
        .collect();
    Ok((stats, outputs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_sums_follow_the_axis() {
        let mut sums = vec![0.0; 2];
        // [1, 2, 2]: channel 0 = 1 + 2, channel 1 = 3 + 4.
        assert_eq!(channel_sums(&[1.0, 2.0, 3.0, 4.0], &[1, 2, 2], ChannelAxis::Second, &mut sums), Some(2));
        assert_eq!(sums, vec![3.0, 7.0]);
        let mut sums = vec![0.0; 2];
        assert_eq!(channel_sums(&[1.0, 2.0, 3.0, 4.0], &[2, 2], ChannelAxis::Last, &mut sums), Some(2));
        assert_eq!(sums, vec![4.0, 6.0]);
        assert_eq!(channel_sums(&[1.0], &[1, 1], ChannelAxis::Last, &mut [0.0; 2]), None);
    }

    #[test]
    fn select_channels_keeps_the_listed_channels_in_order() {
        // [1, 3, 2]: channels (1, 2), (3, 4), (5, 6); keep 0 and 2.
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        assert_eq!(select_channels(&v, &[1, 3, 2], ChannelAxis::Second, &[0, 2]), (vec![1.0, 2.0, 5.0, 6.0], vec![1, 2, 2]));
        // [2, 3] with channels last: rows (1, 2, 3), (4, 5, 6); keep 1.
        assert_eq!(select_channels(&v, &[2, 3], ChannelAxis::Last, &[1]), (vec![2.0, 5.0], vec![2, 1]));
    }
}
