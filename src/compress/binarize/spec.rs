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
        ..selection,
    }
}

impl Default for BinarizeSpec {
    fn default() -> Self {
        BinarizeSpec { activations: false, include: None, exclude: Vec::new(), keep_first_last: true }
    }
}

impl BinarizeSpec {
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
        let err = serde_json::from_str::<BinarizeSpec>(r#"{"exclude": [], "keep": true}"#).unwrap_err().to_string();
        assert!(err.starts_with("unknown field `keep`, expected one of `activations`, `include`, `exclude`, `keep_first_last`"), "{err}");
        let spec: BinarizeSpec = serde_json::from_str(r#"{"activations": true, "include": ["fc"], "keep_first_last": false}"#).unwrap();
        assert_eq!(serde_json::to_string(&spec).unwrap(), r#"{"activations":true,"include":["fc"],"keep_first_last":false}"#);
        assert_eq!(spec.selection().noun, "binarizable");
    }
}
