//! Compression passes (pruning, quantization, binarization) driven by one serializable [`Recipe`]: the same
//! JSON the CLI (`pare compress --recipe`), the npm API and the web app take.
//!
//! `compress` runs the recipe's steps in order on a copy of the model; each step returns what
//! it did (a [`StepReport`]), and the whole run reports sizes before and after.

pub mod binarize;
pub mod bytes;
pub mod calibrate;
pub mod cast_weights;
pub mod cholesky;
pub mod error;
pub mod fold_affine;
pub mod layer_rows;
pub mod output_sqnr;
pub mod prune;
pub mod quantize;
pub mod recipe;
pub mod report;
pub mod selection;
pub mod weights;

pub use bytes::ByteBreakdown;
pub use error::CompressError;
pub use recipe::{Recipe, Step};
pub use report::{AutomaticUpgrade, CompressReport, SizeReport, StepReport};

use crate::ir::{DuplicateName, Model, duplicate_names};
use crate::runtime::Dataset;

/// Where a long job stands, for progress bars: `stage` names the work ("calibrate", "quantize",
/// "prune", "correct"), `done` of `total` units of it are finished.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Progress {
    pub step: usize,
    pub steps: usize,
    pub stage: String,
    pub done: usize,
    pub total: usize,
}

/// Receives progress; passes call it often enough for a progress bar (per sample, per layer).
pub type ProgressFn<'p> = &'p mut dyn FnMut(&Progress);

/// What every pass gets besides the model and its own spec.
pub struct PassContext<'a, 'p> {
    /// Calibration samples, when the caller gave some.
    pub calibration: Option<&'a Dataset>,
    step: usize,
    steps: usize,
    progress: ProgressFn<'p>,
}

impl PassContext<'_, '_> {
    /// Reports `done` of `total` for `stage` of the current step.
    pub fn progress(&mut self, stage: &str, done: usize, total: usize) {
        let p = Progress {
            step: self.step,
            steps: self.steps,
            stage: stage.to_string(),
            done,
            total,
        };
        (self.progress)(&p);
    }
}

/// Runs `recipe` on a copy of `model`. Calibration samples are used by the passes that need
/// them (static quantization, pruning corrections); a pass that needs them and gets none fails
/// with an error saying so. A step that needs a newer opset than the model's (per-channel
/// quantization: 13) upgrades the model first (`convert`) and the report says so.
pub fn compress(
    model: &Model,
    recipe: &Recipe,
    calibration: Option<&Dataset>,
    progress: ProgressFn,
) -> Result<(Model, CompressReport), CompressError> {
    recipe.validate()?;
    let mut out = model.clone();
    let mut notes = Vec::new();
    let freed = weights::free_initializers_from_inputs(&mut out.graph);
    if freed > 0 {
        notes.push(format!(
            "{freed} weight(s) were also listed as graph inputs (an exporter's keep_initializers_as_inputs): \
             they are weights now, no longer inputs a caller could override, as onnxruntime recommends"
        ));
    }
    let folded = cast_weights::fold(&mut out);
    let localized = weights::localize_body_weights(&mut out.graph);
    if !localized.is_empty() {
        notes.push(format!(
            "{} weight(s) stored in the main graph are read by a single If/Loop/Scan body: the steps compressed them there",
            localized.len()
        ));
    }
    let mut steps = Vec::with_capacity(recipe.steps.len());
    let mut after_steps = Vec::new();
    let mut upgrades = Vec::new();
    for (index, step) in recipe.steps.iter().enumerate() {
        if let Some((need, why)) = step.needed_opset() {
            match out.opset_version("") {
                Some(have) if have < need && step.opset_upgrade_is_optional() => {
                    // `upgrade` leaves the model as it was when it fails: it goes on as it is.
                    match crate::convert::upgrade(&mut out, need) {
                        Ok(mut report) => {
                            report.reason = Some(why.to_string());
                            upgrades.push(AutomaticUpgrade { step: index, report });
                        }
                        Err(e) => notes.push(format!(
                            "step {}: the model stays at opset {have} ({e}), so k-means indices are uint8 instead of uint4",
                            index + 1
                        )),
                    }
                }
                Some(have) if have < need => {
                    let mut report =
                        crate::convert::upgrade(&mut out, need).map_err(CompressError::Convert)?;
                    report.reason = Some(why.to_string());
                    upgrades.push(AutomaticUpgrade {
                        step: index,
                        report,
                    });
                }
                // No node of the default domain yet (an sklearn model of ai.onnx.ml ops): the
                // nodes a step adds come with their import, which changes nothing else.
                None => {
                    out.opset_import.push(crate::ir::OpsetImport {
                        domain: String::new(),
                        version: need,
                    });
                    out.ir_version = out
                        .ir_version
                        .max(crate::convert::required_ir_version(need));
                }
                Some(_) => {}
            }
        }
        let duplicates_before = duplicate_names(&out);
        let mut ctx = PassContext {
            calibration,
            step: index,
            steps: recipe.steps.len(),
            progress: &mut *progress,
        };
        let report = match step {
            Step::Quantize(spec) => {
                StepReport::Quantize(quantize::apply(&mut out, spec, &mut ctx)?)
            }
            Step::Prune(spec) => StepReport::Prune(prune::apply(&mut out, spec, &mut ctx)?),
            Step::Binarize(spec) => {
                StepReport::Binarize(binarize::apply(&mut out, spec, &mut ctx)?)
            }
            Step::Opset(version) => {
                ctx.progress("convert", 0, 1);
                StepReport::Opset(
                    crate::convert::upgrade(&mut out, *version).map_err(CompressError::Convert)?,
                )
            }
        };
        if let Some(problem) = created_duplicates(&duplicates_before, &duplicate_names(&out)) {
            return Err(CompressError::InvalidResult {
                step: index + 1,
                what: step.kind(),
                problem,
            });
        }
        steps.push(report);
        if recipe.steps.len() > 1 && index + 1 < recipe.steps.len() {
            after_steps.push(SizeReport::of(&out));
        }
    }
    weights::return_localized(&mut out.graph, &localized);
    let restored = cast_weights::restore(&mut out, &folded);
    if !folded.is_empty() {
        notes.push(format!(
            "{} weight(s) stored in half precision behind a Cast to float32 were compressed as float32; \
             the {restored} the steps left in float32 are stored in half precision again",
            folded.len()
        ));
    }
    // The input's size and the result's, measured together: gzip at the best level takes
    // seconds on a model of megabytes, and natively the two run at once.
    let sizes = crate::kernels::parallel::map_indices(2, |i| SizeReport::of(if i == 0 { model } else { &out }));
    let (before, after) = (sizes[0], sizes[1]);
    if !after_steps.is_empty() {
        after_steps.push(after);
    }
    let bytes_before = ByteBreakdown::of(model, before.bytes);
    let bytes_after = ByteBreakdown::of(&out, after.bytes);
    Ok((
        out,
        CompressReport {
            before,
            after,
            after_steps,
            steps,
            bytes_before,
            bytes_after,
            upgrades,
            notes,
            input_file_bytes: None,
        },
    ))
}

/// The names a step made non-unique (`after` minus what the input already repeated), described
/// for the error; `None` when the step created no duplicate.
fn created_duplicates(before: &[DuplicateName], after: &[DuplicateName]) -> Option<String> {
    let new: Vec<String> = after
        .iter()
        .filter(|d| !before.contains(d))
        .map(|d| format!("{} `{}` defined twice", d.what, d.name))
        .collect();
    match new.len() {
        0 => None,
        n if n <= 3 => Some(new.join(", ")),
        n => Some(format!("{} and {} more", new[..3].join(", "), n - 3)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_duplicates_a_step_created_are_blamed() {
        let d = |name: &str, what| DuplicateName {
            name: name.into(),
            what,
        };
        let input = vec![d("x", "value")];
        assert_eq!(
            created_duplicates(&input, &input),
            None,
            "the user's own duplicate is not the step's fault"
        );
        let after = vec![d("x", "value"), d("w_DequantizeLinear", "node")];
        assert_eq!(
            created_duplicates(&input, &after).as_deref(),
            Some("node `w_DequantizeLinear` defined twice")
        );
        let many: Vec<_> = (0..5).map(|i| d(&format!("n{i}"), "node")).collect();
        assert!(
            created_duplicates(&[], &many)
                .unwrap()
                .ends_with("and 2 more")
        );
    }
}
