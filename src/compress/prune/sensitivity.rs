//! The sensitivity scan: prune ONE layer at a time at each of several ratios and measure how far
//! the model's first output moves from the original's on given samples — cosine similarity,
//! max |difference|, SQNR, and top-1 agreement for classifier outputs (`compare` metrics). The
//! layers whose output barely moves can take a higher ratio than the sensitive ones; this is the
//! data a per-layer schedule is chosen from (`docs/compression.md` §2).
//!
//! Every prunable layer is scanned, the first and the last included. Cost: one run of the model
//! per sample, per layer, per ratio (plus one for the reference).

use serde::Serialize;

use super::layers::{Layer, find_layers};
use super::spec::{Method, PruneSpec};
use super::{PruneError, mask};
use crate::compare::{AgreementAccumulator, ErrorAccumulator, TensorMetrics};
use crate::compress::PassContext;
use crate::ir::{Model, Tensor};
use crate::runtime::{InputSet, Session};

/// The ratios scanned when the caller gives none.
pub const DEFAULT_RATIOS: [f64; 4] = [0.25, 0.5, 0.75, 0.9];

#[derive(Clone, Debug, Serialize)]
pub struct SensitivityReport {
    pub method: String,
    pub ratios: Vec<f64>,
    pub samples: usize,
    /// The output the metrics are measured on (the model's first output).
    pub output: String,
    pub layers: Vec<LayerSensitivity>,
    /// Layers found but not scanned, with the reason.
    pub skipped: Vec<(String, String)>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LayerSensitivity {
    pub name: String,
    pub op_type: String,
    /// Elements of the weight.
    pub params: usize,
    pub points: Vec<SensitivityPoint>,
}

/// The model's output with this one layer pruned to `ratio`, against the original.
#[derive(Clone, Debug, Serialize)]
pub struct SensitivityPoint {
    pub ratio: f64,
    pub cosine: Option<f64>,
    pub max_abs: f64,
    pub sqnr_db: Option<f64>,
    /// Share of samples (rows) whose top-1 class is unchanged; for classifier outputs only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top1_agreement: Option<f64>,
}

/// Scans every prunable layer of the main graph and subgraphs with `method` at each of `ratios`
/// on `samples`. `progress(done, total)` counts model runs.
pub fn scan(
    model: &Model,
    method: Method,
    ratios: &[f64],
    samples: &[InputSet],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<SensitivityReport, PruneError> {
    if matches!(method, Method::Nm | Method::Filter) {
        return Err(PruneError::Spec(format!(
            "the sensitivity scan takes a masking method with a ratio (unstructured, vector, kernel), not {}",
            method.name()
        )));
    }
    if samples.is_empty() {
        return Err(PruneError::Spec("the sensitivity scan needs at least one sample".into()));
    }
    for &r in ratios {
        PruneSpec::new(method, r).validate().map_err(PruneError::Spec)?;
    }
    let reference = Reference::new(model, samples)?;
    let mut scratch = model.clone();
    let (layers, not_prunable) = find_layers(&mut scratch);
    let mut report = SensitivityReport {
        method: method.name().into(),
        ratios: ratios.to_vec(),
        samples: samples.len(),
        output: reference.output.clone(),
        layers: Vec::new(),
        skipped: not_prunable.into_iter().map(|s| (s.name, s.reason)).collect(),
    };
    let total = samples.len() * (1 + layers.len() * ratios.len());
    let mut done = samples.len();
    progress(done, total);
    for (index, layer) in layers.iter().enumerate() {
        if matches!(method, Method::Vector | Method::Kernel) && layer.layout.is_matrix() {
            report.skipped.push((layer.name.clone(), format!("{} pruning needs convolution kernels", method.name())));
            done += samples.len() * ratios.len();
            continue;
        }
        let mut points = Vec::with_capacity(ratios.len());
        for &ratio in ratios {
            let pruned = prune_one(model, &layers, index, &PruneSpec::new(method, ratio))?;
            let (m, top1) = reference.measure(&pruned, &mut |_| {
                done += 1;
                progress(done, total);
            })?;
            points.push(SensitivityPoint { ratio, cosine: m.cosine, max_abs: m.max_abs, sqnr_db: m.sqnr_db, top1_agreement: top1 });
        }
        report.layers.push(LayerSensitivity {
            name: layer.name.clone(),
            op_type: layer.op_type.clone(),
            params: layer.shape.iter().product(),
            points,
        });
    }
    Ok(report)
}

/// The original model's first output on each sample, to measure pruned models against.
pub struct Reference<'s> {
    /// Name of the output compared.
    pub output: String,
    samples: &'s [InputSet],
    outputs: Vec<Tensor>,
}

fn run_error(what: &str, e: crate::runtime::RunError) -> PruneError {
    PruneError::Selection(format!("sensitivity scan: {what}: {e}"))
}

impl<'s> Reference<'s> {
    /// Runs `model` on every sample (one run each; natively several at once).
    pub fn new(model: &Model, samples: &'s [InputSet]) -> Result<Reference<'s>, PruneError> {
        let session = Session::new(model).map_err(|e| run_error("the model cannot run", e))?;
        let output = session.output_names().first().cloned().ok_or_else(|| PruneError::Selection("the model has no output".into()))?;
        let outputs = crate::kernels::parallel::map_indices(samples.len(), |i| {
            let out = session.run(samples[i].clone()).map_err(|e| run_error(&format!("sample {i}"), e))?;
            out.into_iter().next().map(|(_, t)| t).ok_or_else(|| PruneError::Selection("no output".into()))
        })
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
        Ok(Reference { output, samples, outputs })
    }

    /// The error metrics of `candidate`'s first output against the reference over all samples,
    /// and the top-1 agreement for classifier outputs. `ran(i)` is called after sample `i`.
    /// Natively several samples run at once; each one's sums are added in sample order (the
    /// same result for any thread count).
    pub fn measure(&self, candidate: &Model, ran: &mut dyn FnMut(usize)) -> Result<(TensorMetrics, Option<f64>), PruneError> {
        let session = Session::new(candidate).map_err(|e| run_error("the pruned model cannot run", e))?;
        let mut errors = ErrorAccumulator::default();
        let mut agreement = self.outputs.first().and_then(AgreementAccumulator::for_output);
        let one = |i: usize| -> Result<(ErrorAccumulator, Option<AgreementAccumulator>), PruneError> {
            let want = &self.outputs[i];
            let out = session.run(self.samples[i].clone()).map_err(|e| run_error(&format!("sample {i}"), e))?;
            let got: &Tensor = &out.first().ok_or_else(|| PruneError::Selection("no output".into()))?.1;
            let mut errors = ErrorAccumulator::default();
            errors.add_tensors(want, got).map_err(|e| PruneError::Selection(format!("sensitivity scan: {e}")))?;
            let agreement = self.outputs.first().and_then(AgreementAccumulator::for_output).map(|mut a| {
                let _ = a.add_tensors(want, got);
                a
            });
            Ok((errors, agreement))
        };
        let n = self.samples.len().min(self.outputs.len());
        crate::kernels::parallel::map_in_order(n, one, |i, result| {
            let (sample_errors, sample_agreement) = result?;
            errors.merge(&sample_errors);
            if let (Some(total), Some(more)) = (agreement.as_mut(), sample_agreement) {
                total.merge(&more);
            }
            ran(i);
            Ok::<(), PruneError>(())
        })?;
        Ok((errors.finish(), agreement.map(|a| a.finish().top1_rate)))
    }
}

/// A copy of `model` with only `layers[index]` pruned as `spec` says (its ratio, method and
/// criterion; `keep_first_last` and the selection fields are ignored). `layers` must be
/// `find_layers` of `model`.
pub fn prune_one(model: &Model, layers: &[Layer], index: usize, spec: &PruneSpec) -> Result<Model, PruneError> {
    let mut pruned = model.clone();
    let mut no_progress = |_: &crate::compress::Progress| {};
    let mut ctx = PassContext { calibration: None, step: 0, steps: 1, progress: &mut no_progress };
    let mut unused = super::PruneReport::default();
    mask::apply(&mut pruned, layers, &[index], spec, None, &mut ctx, &mut unused)?;
    Ok(pruned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::Dataset;
    use crate::fixtures::mnist;

    #[test]
    fn error_grows_with_the_ratio_and_bad_methods_are_refused() {
        let model = mnist();
        let inputs = Session::new(&model).unwrap().inputs().to_vec();
        let data = Dataset::random(&inputs, 4, &crate::runtime::RandomInputs::new(3)).unwrap();
        let report = scan(&model, Method::Unstructured, &DEFAULT_RATIOS, &data.samples, &mut |_, _| {}).unwrap();
        let names: Vec<&str> = report.layers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, vec!["conv1", "conv2", "fc1", "fc2"]);
        for layer in &report.layers {
            let cos: Vec<f64> = layer.points.iter().map(|p| p.cosine.unwrap()).collect();
            assert!(cos.windows(2).all(|w| w[1] <= w[0] + 1e-9), "{}: cosine should fall as the ratio grows: {cos:?}", layer.name);
            assert!(cos[3] < 1.0 - 1e-6, "{}: 90 % pruning must move the output", layer.name);
            assert!(layer.points[0].top1_agreement.is_some());
        }
        assert!(scan(&model, Method::Nm, &[0.5], &data.samples, &mut |_, _| {}).is_err());
        let err = scan(&model, Method::Unstructured, &[1.5], &data.samples, &mut |_, _| {}).unwrap_err();
        assert!(err.to_string().contains("ratio"), "{err}");
        assert!(scan(&model, Method::Unstructured, &[0.5], &[], &mut |_, _| {}).is_err());
    }

    #[test]
    fn the_scan_is_the_same_on_one_two_and_three_threads() {
        // Samples run in parallel natively; each one's sums are added in sample order.
        let model = mnist();
        let inputs = Session::new(&model).unwrap().inputs().to_vec();
        let data = Dataset::random(&inputs, 5, &crate::runtime::RandomInputs::new(7)).unwrap();
        let run = |threads| {
            crate::kernels::parallel::on_threads(threads, || scan(&model, Method::Unstructured, &[0.5, 0.9], &data.samples, &mut |_, _| {}).unwrap())
                .unwrap()
        };
        let one = run(1);
        let sqnr: Vec<Option<f64>> = one.layers.iter().flat_map(|l| l.points.iter().map(|p| p.sqnr_db)).collect();
        assert!(sqnr.iter().all(|v| v.is_some_and(f64::is_finite)), "{sqnr:?}");
        for threads in [2, 3] {
            assert_eq!(format!("{:?}", run(threads)), format!("{one:?}"), "{threads} threads");
        }
    }
}
