//! The recipe: an ordered list of steps, serialized as JSON
//! `{"steps": [{"prune": {…}}, {"quantize": {…}}, {"binarize": {…}}]}`. Unknown fields and values are errors (a
//! typo in a recipe must not silently fall back to a default).

use serde::{Deserialize, Serialize};

use super::binarize::BinarizeSpec;
use super::error::CompressError;
use super::prune::PruneSpec;
use super::quantize::QuantizeSpec;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    Prune(PruneSpec),
    Quantize(QuantizeSpec),
    Binarize(BinarizeSpec),
    /// Convert the model to this opset of the default domain (`{"opset": 13}`); see `convert`.
    Opset(i64),
}

impl Recipe {
    /// Parses a recipe from JSON; the error names the field or value that is wrong.
    pub fn from_json(text: &str) -> Result<Recipe, CompressError> {
        let recipe: Recipe = serde_json::from_str(text).map_err(|e| CompressError::Recipe(e.to_string()))?;
        recipe.validate()?;
        Ok(recipe)
    }

    /// True when a step reads calibration samples: static quantization (activation ranges),
    /// learned rounding (each layer's inputs),
    /// pruning with a correction or an automatic search (the layers' outputs on the samples),
    /// binary activations with calibrated thresholds (each binarized input's distribution).
    /// `calibration`: the samples it would get (a prune step corrects by default only with the
    /// user's samples; `PruneSpec::effective_correction`).
    pub fn uses_calibration(&self, calibration: Option<&crate::runtime::Dataset>) -> bool {
        self.calibration_step(calibration).is_some()
    }

    /// The first step that reads calibration samples (see [`Recipe::uses_calibration`]): its
    /// index and what it does with them (`static quantization`).
    pub fn calibration_step(&self, calibration: Option<&crate::runtime::Dataset>) -> Option<(usize, String)> {
        self.steps.iter().enumerate().find_map(|(i, step)| {
            let what = match step {
                Step::Quantize(spec) if spec.mode == crate::compress::quantize::spec::Mode::Static && !spec.data_free => "static quantization".to_string(),
                Step::Quantize(spec) if spec.rounding == crate::compress::quantize::Rounding::Learned => {
                    "quantization with learned rounding (`rounding: \"learned\"`)".to_string()
                }
                Step::Binarize(spec) if spec.activations && spec.effective_threshold(calibration) == super::binarize::Threshold::Calibrated => {
                    "binary activations with calibrated thresholds".to_string()
                }
                Step::Prune(spec) if spec.auto.is_some() => "pruning with an automatic search (`auto`)".to_string(),
                Step::Prune(spec) => match spec.effective_correction(calibration).0 {
                    Some(c) => format!("pruning with `correct: \"{}\"`", serde_json::to_value(c).ok()?.as_str()?),
                    None => return None,
                },
                _ => return None,
            };
            Some((i, what))
        })
    }

    /// Whether the recipe reads calibration samples when it gets some: random ones pare makes
    /// (`random`; pruning then corrects only when the step asks for it) or the user's. The page
    /// makes random calibration samples only when this says they are read.
    pub fn reads_samples(&self, random: bool) -> bool {
        let one = crate::runtime::Dataset { samples: vec![Vec::new()], random };
        self.uses_calibration(Some(&one))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks what serde cannot: ranges, combinations. Each step checks its own spec.
    pub fn validate(&self) -> Result<(), CompressError> {
        if self.steps.is_empty() {
            return Err(CompressError::Recipe("the recipe has no steps".into()));
        }
        for (i, step) in self.steps.iter().enumerate() {
            let checked = match step {
                Step::Prune(spec) => spec.validate().map_err(|e| e.to_string()),
                Step::Quantize(spec) => spec.validate(),
                Step::Binarize(spec) => spec.validate(),
                Step::Opset(version) => {
                    let range = crate::convert::OLDEST_TARGET..=crate::convert::NEWEST_TARGET;
                    if range.contains(version) {
                        Ok(())
                    } else {
                        Err(format!("opset {version} is outside {}–{}", range.start(), range.end()))
                    }
                }
            };
            checked.map_err(|e| CompressError::Recipe(format!("step {} ({}): {e}", i + 1, step.kind())))?;
        }
        Ok(())
    }
}

impl Step {
    pub fn kind(&self) -> &'static str {
        match self {
            Step::Prune(_) => "prune",
            Step::Quantize(_) => "quantize",
            Step::Binarize(_) => "binarize",
            Step::Opset(_) => "opset",
        }
    }

    /// The opset of the default domain this step's output needs, and why: a step that writes
    /// per-channel DequantizeLinear needs 13. `compress` upgrades an older model first.
    pub fn needed_opset(&self) -> Option<(i64, &'static str)> {
        match self {
            Step::Quantize(spec) => Some(spec.needed_opset()),
            Step::Binarize(_) => Some((13, "binary weights use a per-channel DequantizeLinear, which needs opset 13")),
            Step::Prune(_) | Step::Opset(_) => None,
        }
    }

    /// Whether the step also works at its model's opset when the upgrade to
    /// [`Step::needed_opset`] fails (k-means then writes uint8 indices instead of uint4).
    pub fn opset_upgrade_is_optional(&self) -> bool {
        matches!(self, Step::Quantize(spec) if spec.opset_upgrade_is_optional())
    }
}
