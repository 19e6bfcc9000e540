//! Learned rounding (`"rounding": "learned"`) for the weight-only modes: each weight is rounded
//! up or down so that its layer's output on calibration data moves least, instead of to the
//! nearest step. The scales and zero points stay those of round-to-nearest (per block or per
//! channel); only the integer codes change, so the file has the same DequantizeLinear form.
//!
//! Per layer (Conv 1-D/2-D, Gemm, 2-D MatMul of the main graph), in topological order:
//! 1. the layer's input rows (`compress::layer_rows`: im2col rows for a Conv, per group) are
//!    collected from the calibration samples into `H = XᵀX` (rows sub-sampled evenly beyond
//!    [`GRAM_BUDGET`]);
//! 2. the codes come from GPTQ on `H` (`gptq.rs`); for `kmeans`, the codebook is then refit by
//!    least squares to the layer output with the codes fixed (`codebook_refit.rs`), kept when
//!    it lowers the held-out error;
//! 3. the last quarter of the samples is held out: codes learned on the other samples are
//!    compared with nearest on the held-out rows (relative output error
//!    `Σ‖X(w − ŵ)‖² / Σ‖Xw‖²`); only when they are lower does the layer take learned codes,
//!    learned again on every sample. Without the check, a layer that sees few rows (a
//!    squeeze-excite 1×1 conv or a classifier reads one row per sample) gets codes that
//!    reproduce the calibration rows almost exactly and generalise worse than nearest.
//!
//! Inputs are **sequential**: each layer's input comes from a copy of the model in which every
//! earlier quantized layer already holds its dequantized (learned or nearest) weight, so a layer
//! also compensates what the layers before it got wrong. That is one run of the model over the
//! samples per layer (at most [`MAX_SAMPLES`] samples).
//!
//! Left at nearest, with the reason in the report: weights shared by several nodes, layers in
//! subgraphs, ConvTranspose, 3-D convolutions, batched MatMul weights, and layers whose `K³`
//! factorisation would exceed [`SOLVE_BUDGET`] multiply-adds (the time budget: a fixed amount
//! of arithmetic per layer, the same on every machine).

use std::collections::HashMap;

use super::QuantizeError;
use super::codebook_refit::{self, Refit};
use super::gptq::{self, Grid};
use super::layers::weighted_layer;
use super::params::QuantParams;
use super::report::{LayerRounding, RoundingReport};
use super::spec::QuantizeSpec;
use super::grid::WeightGrid;
use super::weight::{kmeans_params, weight_params};
use super::weight_only::not_selected;
use crate::compress::PassContext;
use crate::compress::layer_rows::{Geometry, for_each_row, row_count};
use crate::compress::prune::correct::lsq::Gram;
use crate::compress::prune::layout::WeightView;
use crate::compress::weights::{find_weight, replace_weight};
use crate::ir::{Model, Tensor, topological_order};
use crate::ops::layer_table::{is_layer_op, layer_op};
use crate::runtime::{InputSet, Session};

/// Calibration rows each input feature needs before learned codes are tried.
const MIN_ROWS_PER_FEATURE: usize = 2;

/// Calibration samples used at most (each layer runs the model over all of them).
pub const MAX_SAMPLES: usize = 32;
/// Rows × K² multiply-adds allowed for one layer's `H`; rows beyond are sub-sampled evenly.
const GRAM_BUDGET: f64 = 2e9;
/// Multiply-adds allowed for one layer's GPTQ (`gptq::cost`, all groups).
pub const SOLVE_BUDGET: f64 = 3e10;

/// The learned codes of one weight: row-major over the weight's shape, on `params`' grid.
#[derive(Clone, Debug)]
pub struct LearnedWeight {
    pub params: QuantParams,
    pub codes: Vec<i32>,
    /// `kmeans`: the shared values the codes index (codes then stand for
    /// `scale · codebook[code]`).
    pub codebook: Option<Vec<f32>>,
}

/// Weight name → its learned codes (only the weights where learned beat nearest).
pub type LearnedCodes = HashMap<String, LearnedWeight>;

pub struct Learned {
    pub codes: LearnedCodes,
    pub report: RoundingReport,
}

/// The error when learned rounding gets no calibration samples.
pub fn needs_calibration() -> QuantizeError {
    QuantizeError::RoundingNeedsCalibration
}

/// One layer to round: where its weight and input are and how its rows are made.
struct Job {
    node: String,
    op_type: String,
    weight: String,
    input: String,
    shape: Vec<usize>,
    view: WeightView,
    geometry: Geometry,
    /// Row length (`Cin/g · kernel` or `K`).
    k: usize,
    groups: usize,
    per_group: usize,
    params: QuantParams,
    /// `kmeans`: the weight's shared values.
    codebook: Option<Vec<f32>>,
    /// The float weight, row-major.
    w: Vec<f32>,
}

impl Job {
    fn flat(&self, o: usize, j: usize) -> usize {
        let kernel = self.view.kernel.max(1);
        self.view.offset(0, o, j / kernel, j % kernel)
    }

    /// Group `g`'s weight elements (row-major positions): output channels `g·pg..`, each of
    /// `k` inputs.
    fn group_elements(&self, g: usize) -> Vec<usize> {
        let (k, pg) = (self.k, self.per_group);
        (0..pg).flat_map(|c| (0..k).map(move |j| (c, j))).map(|(c, j)| self.flat(g * pg + c, j)).collect()
    }
}

/// Learns the codes of every selected main-graph layer of `model` it can (see the module
/// header), reporting progress as stage `learned rounding`.
pub fn learn(model: &Model, spec: &QuantizeSpec, ctx: &mut PassContext) -> Result<Learned, QuantizeError> {
    let data = match ctx.calibration {
        Some(d) if !d.is_empty() => d,
        _ => return Err(needs_calibration()),
    };
    let samples = &data.samples[..data.samples.len().min(MAX_SAMPLES)];
    let graph = &model.graph;
    let order = topological_order(graph).map_err(|e| QuantizeError::Graph(e.to_string()))?;
    let grid = WeightGrid::of(spec);

    // What each selected layer gets, in topological order: a job, or nearest with a reason.
    let mut plan: Vec<Result<Job, (LayerRounding, String, QuantParams, Option<Vec<f32>>)>> = Vec::new();
    for &index in &order {
        let node = &graph.nodes[index];
        if !is_layer_op(node) || not_selected(spec, node).is_some() {
            continue;
        }
        let Ok(Some(layer)) = weighted_layer(graph, index) else { continue };
        let weight = node.inputs[layer.weight_input].clone();
        let Some((_, Tensor::F32(w))) = find_weight(graph, &weight) else { continue };
        let (params, codebook) = if spec.mode == super::spec::Mode::KMeans {
            let (params, shared) = kmeans_params(w, spec, layer.channel_axis);
            (params, Some(shared.codebook))
        } else {
            (weight_params(w, spec, node, layer.weight_input, layer.channel_axis), None)
        };
        let w: Vec<f32> = w.as_standard_layout().iter().copied().collect();
        match job(model, index, &weight, w, params.clone(), codebook.clone()) {
            Ok(job) => plan.push(Ok(job)),
            Err(reason) => {
                let entry = LayerRounding {
                    node: node.label(),
                    op_type: node.op_type.clone(),
                    weight: weight.clone(),
                    applied: "nearest",
                    rows: 0,
                    output_rel_error_nearest: None,
                    output_rel_error_learned: None,
                    output_rel_error_refit: None,
                    codebook_refit: false,
                    note: reason,
                };
                plan.push(Err((entry, weight, params, codebook)));
            }
        }
    }

    let jobs = plan.iter().filter(|p| p.is_ok()).count();
    let total = (jobs * samples.len()).max(1);
    let mut done = 0;
    ctx.progress("learned rounding", 0, total);
    let mut work = model.clone();
    let mut codes = LearnedCodes::new();
    let mut layers = Vec::new();
    for entry in plan {
        let (job, chosen, report) = match entry {
            Err((report, weight, params, codebook)) => {
                let grid = job_grid(grid, &codebook);
                // Later layers see this one quantized as the file will hold it.
                let Some((_, Tensor::F32(w))) = find_weight(&model.graph, &weight) else { continue };
                let shape = w.shape().to_vec();
                let values: Vec<f32> = w.as_standard_layout().iter().copied().collect();
                let rounded: Vec<f32> = values
                    .iter()
                    .enumerate()
                    .map(|(e, &x)| {
                        let g = grid_of(&params, &shape, e, grid);
                        g.value(g.nearest(f64::from(x))) as f32
                    })
                    .collect();
                set_weight(&mut work, &weight, &shape, rounded)?;
                layers.push(report);
                continue;
            }
            Ok(job) => {
                let (chosen, refit, report) = round_layer(&work, &job, samples, job_grid(grid, &job.codebook), &mut |s| ctx.progress("learned rounding", done + s, total))?;
                done += samples.len();
                ctx.progress("learned rounding", done, total);
                let mut job = job;
                if let Some((codebook, params)) = refit {
                    job.codebook = Some(codebook);
                    job.params = params;
                }
                (job, chosen, report)
            }
        };
        let dequantized: Vec<f32> =
            chosen.iter().enumerate().map(|(e, &q)| grid_of(&job.params, &job.shape, e, job_grid(grid, &job.codebook)).value(q) as f32).collect();
        set_weight(&mut work, &job.weight, &job.shape, dequantized)?;
        if report.applied == "learned" || report.codebook_refit {
            codes.insert(job.weight.clone(), LearnedWeight { params: job.params.clone(), codes: chosen, codebook: job.codebook.clone() });
        }
        layers.push(report);
    }
    let report = RoundingReport {
        method: "learned",
        algorithm: if spec.mode == super::spec::Mode::KMeans {
            "GPTQ over each layer's codebook (closed-form OBQ updates in order of decreasing input energy, 1 % damping), then the codebook refit by least squares to the layer output"
        } else {
            "GPTQ (closed-form OBQ updates in order of decreasing input energy, scales of round-to-nearest, 1 % damping)"
        },
        samples: samples.len(),
        inputs: "sequential: each layer's inputs come from the model with the earlier layers already quantized",
        error_metric: "relative squared error of the layer output (bias left out) on the input rows of the calibration samples \
                       held out from the fit (the last quarter; all samples when there is only one): nearest codes vs codes \
                       learned on the other samples; the codes written are then learned on every sample",
        layers_learned: codes.len(),
        layers,
        output_sqnr_db_nearest: None,
        output_sqnr_db_learned: None,
        applied: true,
    };
    Ok(Learned { codes, report })
}

/// The grid of a job: its own codebook's (`kmeans`) or the spec's.
fn job_grid<'a>(spec_grid: WeightGrid<'static>, codebook: &'a Option<Vec<f32>>) -> WeightGrid<'a> {
    match codebook {
        Some(c) => WeightGrid::codebook(c),
        None => spec_grid,
    }
}

/// The grid of element `e` (row-major) of a weight of `shape`.
fn grid_of<'a>(params: &QuantParams, shape: &[usize], e: usize, grid: WeightGrid<'a>) -> Grid<'a> {
    let (scale, zero_point) = params.params_of_element(shape, e);
    Grid { scale, zero_point, qmin: grid.qmin, qmax: grid.qmax, levels: grid.levels }
}

fn set_weight(work: &mut Model, name: &str, shape: &[usize], values: Vec<f32>) -> Result<(), QuantizeError> {
    let fail = || QuantizeError::LearnedRounding(format!("weight `{name}` could not be replaced in the working copy"));
    let (source, _) = find_weight(&work.graph, name).ok_or_else(fail)?;
    let tensor = Tensor::from_vec(shape, values).map_err(|_| fail())?;
    replace_weight(&mut work.graph, source, tensor).then_some(()).ok_or_else(fail)
}

/// The job of layer `index`, or why it stays at nearest.
fn job(model: &Model, index: usize, weight: &str, w: Vec<f32>, params: QuantParams, codebook: Option<Vec<f32>>) -> Result<Job, String> {
    let graph = &model.graph;
    let node = &graph.nodes[index];
    let readers = graph.nodes.iter().filter(|n| n.inputs.iter().any(|i| i == weight)).count();
    if readers > 1 {
        return Err(format!("the weight is shared by {readers} nodes: rounded to nearest"));
    }
    let Some(Ok(op)) = layer_op(node) else { return Err("not a layer op".into()) };
    let Some((_, Tensor::F32(t))) = find_weight(graph, weight) else { return Err("the weight is not a float constant".into()) };
    let shape = t.shape().to_vec();
    let geometry = Geometry::of(node, &shape).map_err(|e| format!("{e}: rounded to nearest"))?;
    let view = WeightView::new(op.layout, &shape)?;
    let input = node.input(0).filter(|i| !i.is_empty()).ok_or("the layer has no input")?.to_string();
    let groups = geometry.groups().max(1);
    let k = view.inp * view.kernel;
    let per_group = view.out / groups;
    if per_group * groups != view.out || k == 0 || per_group == 0 {
        return Err(format!("{} output channels do not split into {groups} groups", view.out));
    }
    let cost = gptq::cost(per_group, k) * groups as f64;
    if cost > SOLVE_BUDGET {
        return Err(format!("learning would take ~{cost:.1e} multiply-adds (rows of {k} inputs), over the budget of {SOLVE_BUDGET:.0e}: rounded to nearest"));
    }
    Ok(Job {
        node: node.label(),
        op_type: node.op_type.clone(),
        weight: weight.to_string(),
        input,
        shape,
        view,
        geometry,
        k,
        groups,
        per_group,
        params,
        codebook,
        w,
    })
}

/// `XᵀX` of one group's rows from the samples fitted to and from the held-out ones.
struct Inputs {
    fit: Vec<f64>,
    held_out: Vec<f64>,
}

/// `H` per group of `job`'s layer in `work` over `samples` — the first `fit` samples and the
/// others apart — and the rows they sum.
fn collect(work: &Model, job: &Job, samples: &[InputSet], fit: usize, progress: &mut dyn FnMut(usize)) -> Result<(Vec<Inputs>, usize), String> {
    let session = Session::new(work).map_err(|e| format!("the model cannot run: {e}"))?;
    let k = job.k;
    let mut grams: Vec<[Gram; 2]> = (0..job.groups).map(|_| [Gram::new(k), Gram::new(k)]).collect();
    let mut seen = vec![0usize; job.groups];
    let mut stride = 0usize;
    let mut problem: Option<String> = None;
    let mut add = |t: &Tensor, part: usize, problem: &mut Option<String>| {
        let Tensor::F32(a) = t else {
            *problem = Some(format!("input `{}` is {}, not float32", job.input, t.type_name()));
            return;
        };
        let shape = a.shape().to_vec();
        let data: Vec<f32> = a.iter().copied().collect();
        if stride == 0 {
            let per_sample = match row_count(&job.geometry, &shape, k) {
                Ok(n) => n,
                Err(e) => {
                    *problem = Some(e);
                    return;
                }
            };
            let total = (per_sample * samples.len()) as f64;
            let cap = (GRAM_BUDGET / (k as f64 * k as f64)).max(4.0 * k as f64);
            stride = if total > cap { (total / cap).ceil() as usize } else { 1 };
        }
        let result = for_each_row(&job.geometry, &data, &shape, k, &mut |_, group, row| {
            if seen[group] % stride == 0 {
                grams[group][part].add_row(row);
            }
            seen[group] += 1;
        });
        if let Err(e) = result {
            *problem = Some(e);
        }
    };
    for (s, sample) in samples.iter().enumerate() {
        progress(s);
        let part = usize::from(s >= fit);
        if let Some((_, t)) = sample.iter().find(|(n, _)| *n == job.input) {
            add(t, part, &mut problem);
        }
        let mut observe = |name: &str, t: &Tensor| {
            if problem.is_none() && name == job.input {
                add(t, part, &mut problem);
            }
        };
        session.run_observed(sample.clone(), Some(&mut observe)).map_err(|e| format!("sample {s}: {e}"))?;
        if let Some(p) = problem.take() {
            return Err(p);
        }
    }
    let rows = grams.iter().map(|[a, b]| a.rows + b.rows).sum();
    if rows == 0 {
        return Err(format!("input `{}` was never seen while running the model", job.input));
    }
    let flat = |g: Gram| -> Vec<f64> { g.finish().iter().copied().collect() };
    Ok((grams.into_iter().map(|[a, b]| Inputs { fit: flat(a), held_out: flat(b) }).collect(), rows))
}

/// The codes chosen for `job` (row-major over its weight), its refit codebook and channel
/// scales (`kmeans`, when the refit lowered the held-out error) and its report entry.
fn round_layer(
    work: &Model,
    job: &Job,
    samples: &[InputSet],
    levels: WeightGrid<'_>,
    progress: &mut dyn FnMut(usize),
) -> Result<(Vec<i32>, Option<(Vec<f32>, QuantParams)>, LayerRounding), QuantizeError> {
    let grid = |e: usize| grid_of(&job.params, &job.shape, e, levels);
    let nearest: Vec<i32> = job.w.iter().enumerate().map(|(e, &x)| grid(e).nearest(f64::from(x))).collect();
    let mut entry = LayerRounding {
        node: job.node.clone(),
        op_type: job.op_type.clone(),
        weight: job.weight.clone(),
        applied: "nearest",
        rows: 0,
        output_rel_error_nearest: None,
        output_rel_error_learned: None,
        output_rel_error_refit: None,
        codebook_refit: false,
        note: String::new(),
    };
    // A quarter of the samples (at least one, when there are two or more) is held out: the
    // learned codes are judged on rows they were not fitted to, then refit on every row.
    let held_out = if samples.len() >= 2 { (samples.len() / 4).max(1) } else { 0 };
    let fit = samples.len() - held_out;
    let (hs, rows) = match collect(work, job, samples, fit, progress) {
        Ok(found) => found,
        Err(e) => {
            entry.note = format!("{e}: rounded to nearest");
            return Ok((nearest, None, entry));
        }
    };
    entry.rows = rows;
    let (k, pg) = (job.k, job.per_group);
    // Fewer rows than features (a squeeze-excite 1×1 conv or a classifier head sees one row per
    // sample): the codes would fit those rows and nothing else (ppocr_mobile_cls lost 17 dB so).
    if rows < MIN_ROWS_PER_FEATURE * k {
        entry.note = format!("{rows} calibration rows for {k} input features (fewer than {MIN_ROWS_PER_FEATURE} per feature): rounded to nearest");
        return Ok((nearest, None, entry));
    }
    let mut learned = nearest.clone();
    let (mut e_near, mut e_learn, mut signal) = (0.0, 0.0, 0.0);
    let not_finite = "the calibration inputs are not finite: rounded to nearest";
    for (g, inputs) in hs.iter().enumerate() {
        // The group's weight rows: output channels g·pg.., each of k inputs.
        let flat = job.group_elements(g);
        let w: Vec<f32> = flat.iter().map(|&e| job.w[e]).collect();
        let cell = |c: usize, j: usize| grid(flat[c * k + j]);
        let near: Vec<i32> = flat.iter().map(|&e| nearest[e]).collect();
        let all: Vec<f64> = inputs.fit.iter().zip(&inputs.held_out).map(|(a, b)| a + b).collect();
        // Judged on the held-out rows (on all rows when there are none).
        let (judge_fit, judge_on) = if held_out > 0 { (&inputs.fit, &inputs.held_out) } else { (&all, &all) };
        let Some(trial) = gptq::round(&w, pg, k, judge_fit, &cell) else {
            entry.note = not_finite.into();
            return Ok((nearest, None, entry));
        };
        let (en, s) = gptq::output_error(&w, pg, k, judge_on, &near, &cell);
        let (el, _) = gptq::output_error(&w, pg, k, judge_on, &trial, &cell);
        e_near += en;
        e_learn += el;
        signal += s;
        let codes = if held_out > 0 { gptq::round(&w, pg, k, &all, &cell) } else { Some(trial) };
        let Some(codes) = codes else {
            entry.note = not_finite.into();
            return Ok((nearest, None, entry));
        };
        for (&e, q) in flat.iter().zip(codes) {
            learned[e] = q;
        }
    }
    let relative = |e: f64| (signal > 0.0).then(|| e / signal);
    entry.output_rel_error_nearest = relative(e_near);
    entry.output_rel_error_learned = relative(e_learn);
    let mut codes = if e_learn <= e_near && e_learn.is_finite() {
        entry.applied = "learned";
        learned
    } else {
        entry.note = "learned codes did not lower the output error on the held-out calibration rows: kept nearest".into();
        nearest
    };
    let refit = match &job.codebook {
        Some(codebook) => refit_codebook(job, &hs, held_out > 0, codebook, &mut codes, &mut entry, signal),
        None => None,
    };
    Ok((codes, refit, entry))
}

/// Rounds of (codebook, channel scales) refits after the first codebook refit.
const REFIT_ROUNDS: usize = 1;

/// `kmeans`: the codebook and the channel scales refit by least squares to the layer output
/// with `codes` fixed (`codebook_refit.rs`; alternately, each step lowering the error on the
/// rows it is fitted to), fitted on the fit rows and judged on the held-out ones (all rows when
/// there are none): of the codebook refit alone and the codebook with the scales, the one
/// with the lower held-out error — returned (the codebook sorted, `codes` renumbered) only
/// when it lowers the held-out error of k-means' own; `signal` is the held-out output energy the errors are relative to.
fn refit_codebook(
    job: &Job,
    hs: &[Inputs],
    held_out: bool,
    codebook: &[f32],
    codes: &mut [i32],
    entry: &mut LayerRounding,
    signal: f64,
) -> Option<(Vec<f32>, QuantParams)> {
    let (k, pg) = (job.k, job.per_group);
    let groups: Vec<Vec<usize>> = (0..job.groups).map(|g| job.group_elements(g)).collect();
    let rows_of = |flat: &[usize], c: usize| -> (Vec<f32>, Vec<i32>) {
        let elements = &flat[c * k..(c + 1) * k];
        (elements.iter().map(|&e| job.w[e]).collect(), elements.iter().map(|&e| codes[e]).collect())
    };
    let fit_book = |h: &[&[f64]], book: &[f32], params: &QuantParams| -> Option<Vec<f32>> {
        let mut refit = Refit::new(book.len());
        for (g, flat) in groups.iter().enumerate() {
            for c in 0..pg {
                let (w, q) = rows_of(flat, c);
                let s: Vec<f32> = flat[c * k..(c + 1) * k].iter().map(|&e| params.params_of_element(&job.shape, e).0).collect();
                refit.add_row(h[g], &w, &q, &s);
            }
        }
        refit.solve(book)
    };
    // One scale per output channel (per-channel sharing): each refit on its own.
    let per_channel = job.params.axis.is_some() && job.params.blocks.is_none() && job.params.scales.len() == job.view.out;
    let fit_scales = |h: &[&[f64]], book: &[f32], params: &mut QuantParams| {
        for (g, flat) in groups.iter().enumerate() {
            for c in 0..pg {
                let (w, q) = rows_of(flat, c);
                let v: Vec<f32> = q.iter().map(|&i| book.get(i as usize).copied().unwrap_or(0.0)).collect();
                if let Some(s) = codebook_refit::channel_scale(h[g], &w, &v) {
                    params.scales[g * pg + c] = s;
                }
            }
        }
    };
    // The candidates: the codebook refit alone, then with the scales refit too.
    let fit_on = |h: &[&[f64]]| -> Vec<(Vec<f32>, QuantParams)> {
        let mut params = job.params.clone();
        let Some(mut book) = fit_book(h, codebook, &params) else { return Vec::new() };
        let mut found = vec![(book.clone(), params.clone())];
        if per_channel {
            for _ in 0..REFIT_ROUNDS {
                fit_scales(h, &book, &mut params);
                let Some(next) = fit_book(h, &book, &params) else { break };
                book = next;
                found.push((book.clone(), params.clone()));
            }
        }
        found
    };
    let error_with = |book: &[f32], params: &QuantParams, h: &[&[f64]]| -> f64 {
        groups
            .iter()
            .enumerate()
            .map(|(g, flat)| {
                let w: Vec<f32> = flat.iter().map(|&e| job.w[e]).collect();
                let q: Vec<i32> = flat.iter().map(|&e| codes[e]).collect();
                let cell = |c: usize, j: usize| grid_of(params, &job.shape, flat[c * k + j], WeightGrid::codebook(book));
                gptq::output_error(&w, pg, k, h[g], &q, &cell).0
            })
            .sum()
    };
    let all: Vec<Vec<f64>> = hs.iter().map(|i| i.fit.iter().zip(&i.held_out).map(|(a, b)| a + b).collect()).collect();
    let all: Vec<&[f64]> = all.iter().map(|h| h.as_slice()).collect();
    let fit: Vec<&[f64]> = if held_out { hs.iter().map(|i| i.fit.as_slice()).collect() } else { all.clone() };
    let judge: Vec<&[f64]> = if held_out { hs.iter().map(|i| i.held_out.as_slice()).collect() } else { all.clone() };
    let before = error_with(codebook, &job.params, &judge);
    let (after, (book, params)) = fit_on(&fit)
        .into_iter()
        .map(|c| (error_with(&c.0, &c.1, &judge), c))
        .filter(|(e, _)| e.is_finite())
        .min_by(|a, b| a.0.total_cmp(&b.0))?;
    entry.output_rel_error_refit = (signal > 0.0).then(|| after / signal);
    if !(after < before) {
        return None;
    }
    entry.codebook_refit = true;
    Some((codebook_refit::sort(&book, codes), params))
}
