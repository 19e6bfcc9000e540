//! `BinarizeSpec`: the `{"binarize": {…}}` step of a recipe (XNOR-Net, Rastegari et al. 2016).
//! Weights become `α·sign(w)` with α = mean |w| per output channel; optionally the layer's input
//! is binarized too (`x < 0 ? −1 : +1`), which lets pare run the layer on XOR + popcount.

use serde::{Deserialize, Serialize};

use crate::compress::selection::spec_with_selection;

spec_with_selection! {
    /// Binarizable layers are every Conv, Gemm and MatMul with a constant float weight; those
    /// left out stay in float (XNOR-Net keeps the first and the last).
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct BinarizeSpec ("binarizable") {
        /// Also binarize each chosen layer's input (binary activations). Without it only the
        /// weights are binary (a 1-bit weight file, float compute).
        #[serde(default)]
        pub activations: bool,
        /// Where binary activations switch sign (`activations` only). Default: `calibrated`
        /// with the user's calibration samples, else `zero`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub threshold: Option<Threshold>,
        ..selection,
    }
}

/// The threshold `t` of a binary activation `x < t ? −1 : +1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    /// `t = 0`: XNOR-Net's sign. Constant after a ReLU (every value is ≥ 0).
    Zero,
    /// `t` per binarized input from calibration samples (2-level Lloyd-Max), with the affine map
    /// `x ≈ a·s + b` folded into the weight's scales (`a`) and the layer's bias (`b`).
    Calibrated,
}

impl Default for BinarizeSpec {
    fn default() -> Self {
        BinarizeSpec { activations: false, threshold: None, include: None, exclude: Vec::new(), keep_first_last: true }
    }
}

impl BinarizeSpec {
    pub fn validate(&self) -> Result<(), String> {
        if self.include.as_ref().is_some_and(|i| i.is_empty()) {
            return Err("`include` is empty: name at least one layer or op type, or leave it out".into());
        }
        if self.threshold.is_some() && !self.activations {
            return Err("`threshold` applies to binary activations: set `activations: true` or leave it out".into());
        }
        Ok(())
    }

    /// The threshold used with these samples: the one asked for, else `calibrated` with the
    /// user's samples (not random ones: a threshold fitted to noise is no better than 0).
    pub fn effective_threshold(&self, calibration: Option<&crate::runtime::Dataset>) -> Threshold {
        match self.threshold {
            Some(t) => t,
            None if calibration.is_some_and(|d| !d.random && !d.samples.is_empty()) => Threshold::Calibrated,
            None => Threshold::Zero,
        }
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
        let err = serde_json::from_str::<BinarizeSpec>(r#"{"exclude": [], "keep": true}"#).unwrap_err().to_string();
        assert!(err.starts_with("unknown field `keep`, expected one of `activations`, `threshold`, `include`, `exclude`, `keep_first_last`"), "{err}");
        let spec: BinarizeSpec = serde_json::from_str(r#"{"activations": true, "include": ["fc"], "keep_first_last": false}"#).unwrap();
        assert_eq!(serde_json::to_string(&spec).unwrap(), r#"{"activations":true,"include":["fc"],"keep_first_last":false}"#);
        assert_eq!(spec.selection().noun, "binarizable");
        let spec: BinarizeSpec = serde_json::from_str(r#"{"activations": true, "threshold": "calibrated"}"#).unwrap();
        assert_eq!(spec.threshold, Some(Threshold::Calibrated));
        assert!(serde_json::from_str::<BinarizeSpec>(r#"{"threshold": "mean"}"#).is_err());
        let spec: BinarizeSpec = serde_json::from_str(r#"{"threshold": "zero"}"#).unwrap();
        assert!(spec.validate().unwrap_err().contains("activations"));
    }
}
