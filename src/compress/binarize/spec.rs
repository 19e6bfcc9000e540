//! `BinarizeSpec`: the `{"binarize": {…}}` step of a recipe (XNOR-Net, Rastegari et al. 2016).
//! Weights become `α·sign(w)` with α = mean |w| per output channel; optionally the layer's input
//! is binarized too (`x < 0 ? −1 : +1`), which lets pare run the layer on XOR + popcount.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BinarizeSpec {
    /// Also binarize each chosen layer's input (binary activations). Without it only the
    /// weights are binary (a 1-bit weight file, float compute).
    #[serde(default)]
    pub activations: bool,
    /// Binarize only these layers (node names or op types); default: every Conv, Gemm and
    /// MatMul with a constant float weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<Vec<String>>,
    /// Node names or op types left in float.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// Leave the first and the last layer in float (XNOR-Net does; they cost the most accuracy
    /// and the least compute). A layer named in `include` is binarized anyway.
    #[serde(default = "default_true")]
    pub keep_first_last: bool,
}

fn default_true() -> bool {
    true
}

impl Default for BinarizeSpec {
    fn default() -> Self {
        BinarizeSpec { activations: false, include: None, exclude: Vec::new(), keep_first_last: true }
    }
}

impl BinarizeSpec {
    /// The `include` / `exclude` / `keep_first_last` fields as the selection every step applies.
    pub fn selection(&self) -> crate::compress::selection::LayerSelection<'_> {
        crate::compress::selection::LayerSelection {
            include: self.include.as_deref(),
            exclude: &self.exclude,
            keep_first_last: self.keep_first_last,
            noun: "binarizable",
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.include.as_ref().is_some_and(|i| i.is_empty()) {
            return Err("`include` is empty: name at least one layer or op type, or leave it out".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_unknown_fields() {
        let spec: BinarizeSpec = serde_json::from_str("{}").unwrap();
        assert_eq!(spec, BinarizeSpec::default());
        assert!(spec.keep_first_last && !spec.activations);
        assert!(serde_json::from_str::<BinarizeSpec>(r#"{"activation": true}"#).is_err());
        let spec: BinarizeSpec = serde_json::from_str(r#"{"include": []}"#).unwrap();
        assert!(spec.validate().unwrap_err().contains("empty"));
    }
}
