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
}

impl Recipe {
    /// Parses a recipe from JSON; the error names the field or value that is wrong.
    pub fn from_json(text: &str) -> Result<Recipe, CompressError> {
        let recipe: Recipe = serde_json::from_str(text).map_err(|e| CompressError::Recipe(e.to_string()))?;
        recipe.validate()?;
        Ok(recipe)
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
        }
    }
}
