//! The sensitivity scan: prune ONE layer at a time at each of several ratios and measure how far
//! the model's first output moves from the original's on given samples — cosine similarity,
//! max |difference|, SQNR, and top-1 agreement for classifier outputs (`compare` metrics). The
//! layers whose output barely moves can take a higher ratio than the sensitive ones; this is the
//! data a per-layer schedule is chosen from (`../shared/COMPRESSION.md` §2).
//!
//! Every prunable layer is scanned, the first and the last included. Cost: one run of the model
//! per sample, per layer, per ratio (plus one for the reference).

use serde::Serialize;

use super::layers::find_layers;
use super::spec::{Method, PruneSpec};
use super::{PruneError, mask};
use crate::compare::{AgreementAccumulator, ErrorAccumulator};
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
    let run_error = |what: &str, e: crate::runtime::RunError| PruneError::Selection(format!("sensitivity scan: {what}: {e}"));
    let reference_session = Session::new(model).map_err(|e| run_error("the model cannot run", e))?;
    let output = reference_session.output_names().first().cloned().ok_or_else(|| PruneError::Selection("the model has no output".into()))?;
    let mut reference = Vec::with_capacity(samples.len());
    for (i, s) in samples.iter().enumerate() {
        let out = reference_session.run(s.clone()).map_err(|e| run_error(&format!("sample {i}"), e))?;
        reference.push(out.into_iter().next().map(|(_, t)| t).ok_or_else(|| PruneError::Selection("no output".into()))?);
    }

    let mut scratch = model.clone();
    let (layers, not_prunable) = find_layers(&mut scratch);
    let mut report = SensitivityReport {
        method: method.name().into(),
        ratios: ratios.to_vec(),
        samples: samples.len(),
        output,
        layers: Vec::new(),
        skipped: not_prunable.into_iter().map(|s| (s.name, s.reason)).collect(),
    };
    let total = samples.len() * (1 + layers.len() * ratios.len());
    let mut done = samples.len();
    progress(done, total);
    for layer in &layers {
        if matches!(method, Method::Vector | Method::Kernel) && layer.layout.is_matrix() {
            report.skipped.push((layer.name.clone(), format!("{} pruning needs convolution kernels", method.name())));
            done += samples.len() * ratios.len();
            continue;
        }
        let mut points = Vec::with_capacity(ratios.len());
        for &ratio in ratios {
            let mut pruned = model.clone();
            let spec = PruneSpec { keep_first_last: false, ..PruneSpec::new(method, ratio) };
            let mut no_progress = |_: &crate::compress::Progress| {};
            let mut ctx = PassContext { calibration: None, step: 0, steps: 1, progress: &mut no_progress };
            let mut unused = super::PruneReport::default();
            let (found, _) = find_layers(&mut pruned);
            let Some(same) = found.iter().position(|l| l.graph == layer.graph && l.weight == layer.weight) else {
                return Err(PruneError::Selection(format!("sensitivity scan: layer `{}` not found again", layer.name)));
            };
            mask::apply(&mut pruned, &found, &[same], &spec, &mut ctx, &mut unused)?;
            let session = Session::new(&pruned).map_err(|e| run_error("the pruned model cannot run", e))?;
            let mut errors = ErrorAccumulator::default();
            let mut agreement = reference.first().and_then(AgreementAccumulator::for_output);
            for (i, (sample, want)) in samples.iter().zip(&reference).enumerate() {
                let out = session.run(sample.clone()).map_err(|e| run_error(&format!("sample {i}"), e))?;
                let got: &Tensor = &out.first().ok_or_else(|| PruneError::Selection("no output".into()))?.1;
                errors.add_tensors(want, got).map_err(|e| PruneError::Selection(format!("sensitivity scan: {e}")))?;
                if let Some(a) = agreement.as_mut() {
                    let _ = a.add_tensors(want, got);
                }
                done += 1;
                progress(done, total);
            }
            let m = errors.finish();
            points.push(SensitivityPoint {
                ratio,
                cosine: m.cosine,
                max_abs: m.max_abs,
                sqnr_db: m.sqnr_db,
                top1_agreement: agreement.map(|a| a.finish().top1_rate),
            });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::Dataset;

    fn mnist() -> Model {
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mnist_cnn/model.onnx")).unwrap();
        crate::onnx::decode_model(&bytes).unwrap()
    }

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
}
