//! `PruneSpec`: the `{"prune": {…}}` step of a recipe — which granularity, how much, which
//! layers. Definitions of the granularities: `docs/compression.md` §2 and the `methods/`
//! files. Unknown fields are errors; `validate` checks ranges and combinations and names the
//! field that is wrong.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::auto::AutoSpec;
use super::layers::Layer;
use crate::compress::selection::spec_with_selection;

spec_with_selection! {
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct PruneSpec ("prunable") {
        pub method: Method,
        /// Share of the layer's units (weights, vectors, kernels, filters) to set to zero or remove,
        /// in [0, 1). Required for every method but `nm`, whose sparsity is 1 − n/m, and `auto`,
        /// which chooses one per layer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub ratio: Option<f64>,
        /// Per-layer ratios, keyed by node name (or node label), overriding `ratio` for those layers
        /// (every method with a ratio, layer scope). A layer named here is pruned even when
        /// `keep_first_last` would keep it; `exclude` still wins. A name that is not a prunable layer
        /// is an error. With no `ratio`, layers not named here are left alone.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        pub ratios: BTreeMap<String, f64>,
        /// Choose the per-layer ratios automatically for a global sparsity target under an output
        /// error budget (`auto/`). Replaces `ratio` and `ratios`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub auto: Option<AutoSpec>,
        /// `nm`: keep at most `n` nonzeros in every group of `m` consecutive weights.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub n: Option<usize>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub m: Option<usize>,
        /// `layer`: every layer to `ratio`; `global` (unstructured only): one magnitude threshold
        /// across all selected layers, so that `ratio` of all their weights become zero.
        #[serde(default)]
        pub scope: Scope,
        /// Importance of a group of weights (vector, kernel, filter): its L1 or L2 norm; for
        /// `filter` with calibration samples also `reconstruction` (channels chosen by the
        /// output change of the layers reading them, `filter/reconstruct.rs`).
        #[serde(default)]
        pub criterion: Criterion,
        ..selection,
        /// `filter`: round the kept channel count of each layer up to a multiple of this (1, 8 or
        /// 16: SIMD lanes and NPU MAC arrays prefer multiples of 8 or 16).
        #[serde(default = "default_round_to")]
        pub round_to: usize,
        /// Post-pruning correction from calibration data: `bias` shifts each corrected layer's
        /// bias so its mean output per channel matches the original model's; `lsq` first refits
        /// the kept weights by least squares, then does the bias shift; `none` skips it. After
        /// filter pruning the layers reading removed channels are corrected too. Absent: `lsq` when the step gets calibration samples of the user's (not random ones
        /// pare made), else none (`effective_correction`). See `correct/`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub correct: Option<Correction>,
        /// How `ratio` is shared among the layers (unstructured, vector, kernel, filter): `uniform`,
        /// every layer to `ratio`; `adaptive`, per-layer ratios from the calibration samples that
        /// prune `ratio` of all selected layers' weights in total, sensitive layers less
        /// (`allocate.rs`; filter: per group of tied channels, `filter/allocate.rs`).
        /// Absent: `adaptive` when the step gets calibration samples of the user's and has no
        /// `ratios`, `auto` or `scope` global, else `uniform` (`effective_allocation`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub allocation: Option<Allocation>,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Allocation {
    Uniform,
    Adaptive,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Correction {
    Bias,
    Lsq,
    None,
}

impl Correction {
    pub fn name(self) -> &'static str {
        match self {
            Correction::Bias => "bias",
            Correction::Lsq => "lsq",
            Correction::None => "none",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Individual weights by magnitude.
    Unstructured,
    /// Rows inside one convolution kernel (see `methods/groups.rs`).
    Vector,
    /// Whole kh×kw kernels: one input channel of one filter.
    Kernel,
    /// N:M semi-structured along the input dimension.
    Nm,
    /// Whole output channels, removed from the graph.
    Filter,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    #[default]
    Layer,
    Global,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    #[default]
    L1,
    L2,
    /// Filter pruning with calibration samples: the channels whose removal changes the layers
    /// reading them least (ThiNet, `filter/reconstruct.rs`); L1 for groups it cannot measure.
    Reconstruction,
}

impl Criterion {
    /// The norm this criterion ranks weights by (reconstruction falls back to L1).
    pub fn norm(self) -> Criterion {
        match self {
            Criterion::Reconstruction => Criterion::L1,
            c => c,
        }
    }
}

fn default_round_to() -> usize {
    1
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Unstructured => "unstructured",
            Method::Vector => "vector",
            Method::Kernel => "kernel",
            Method::Nm => "nm",
            Method::Filter => "filter",
        }
    }
}

impl PruneSpec {
    /// A spec for `method` at `ratio` with every default.
    pub fn new(method: Method, ratio: f64) -> PruneSpec {
        PruneSpec {
            method,
            ratio: Some(ratio),
            ratios: BTreeMap::new(),
            auto: None,
            n: None,
            m: None,
            scope: Scope::Layer,
            criterion: Criterion::L1,
            include: None,
            exclude: Vec::new(),
            keep_first_last: true,
            round_to: 1,
            correct: None,
            allocation: None,
        }
    }

    /// An N:M spec (`n` nonzeros kept in every `m`).
    pub fn nm(n: usize, m: usize) -> PruneSpec {
        PruneSpec { n: Some(n), m: Some(m), ratio: None, ..PruneSpec::new(Method::Nm, 0.0) }
    }

    /// The correction this step runs, if any: the one `correct` names (`none`: none), else
    /// least squares when `calibration` holds samples of the user's — random samples pare made say nothing about the user's data, and a refit to them
    /// can hurt on real inputs — else none. The second value says whether it was the default.
    pub fn effective_correction(&self, calibration: Option<&crate::runtime::Dataset>) -> (Option<Correction>, bool) {
        match self.correct {
            Some(Correction::None) => (None, false),
            Some(c) => (Some(c), false),
            None => {
                let real = calibration.is_some_and(|d| !d.is_empty() && !d.random);
                (real.then_some(Correction::Lsq), true)
            }
        }
    }

    /// Whether the ratio is shared out by `allocate.rs`: asked for, or by default when
    /// `calibration` holds samples of the user's and nothing else fixes the per-layer ratios.
    pub fn effective_allocation(&self, calibration: Option<&crate::runtime::Dataset>) -> bool {
        match self.allocation {
            Some(a) => a == Allocation::Adaptive,
            None => {
                let real = calibration.is_some_and(|d| !d.is_empty() && !d.random);
                real && self.allows_adaptive().is_ok()
            }
        }
    }

    /// Why `allocation: adaptive` does not apply to this spec, if it does not.
    fn allows_adaptive(&self) -> Result<(), String> {
        if self.method == Method::Nm {
            return Err("`allocation` adaptive applies to methods unstructured, vector, kernel and filter, not nm (its sparsity is fixed)".into());
        }
        if self.scope == Scope::Global {
            return Err("`allocation` adaptive and `scope` global both choose how the ratio is shared; give one".into());
        }
        if !self.ratios.is_empty() || self.auto.is_some() {
            return Err("`allocation` adaptive chooses the per-layer ratios itself: give it or `ratios`/`auto`, not both".into());
        }
        if self.ratio.is_none() {
            return Err("`allocation` adaptive shares out `ratio`, which is missing".into());
        }
        Ok(())
    }

    /// The ratio for methods that take one (validated: present and in [0, 1)).
    pub fn ratio_or_zero(&self) -> f64 {
        self.ratio.unwrap_or(0.0)
    }

    /// The ratio for `layer`: its entry in `ratios` (by node name, then label), else `ratio`.
    pub fn ratio_for(&self, layer: &Layer) -> f64 {
        self.ratio_entry(layer).unwrap_or_else(|| self.ratio_or_zero())
    }

    /// The entry of `ratios` that names `layer`, if any.
    pub fn ratio_entry(&self, layer: &Layer) -> Option<f64> {
        self.ratios.get(&layer.node_name).or_else(|| self.ratios.get(&layer.name)).copied()
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.method == Method::Nm {
            let (Some(n), Some(m)) = (self.n, self.m) else {
                return Err("method nm needs both `n` and `m` (e.g. n 2, m 4 for 2:4)".into());
            };
            if m == 0 {
                return Err("`m` must be at least 1".into());
            }
            if n >= m {
                return Err(format!("`n` must be smaller than `m` (n {n}, m {m} would prune nothing)"));
            }
            if m > 1024 {
                return Err(format!("`m` must be at most 1024, got {m}"));
            }
            if self.ratio.is_some() {
                return Err("`ratio` does not apply to method nm (its sparsity is 1 - n/m)".into());
            }
            if !self.ratios.is_empty() {
                return Err("`ratios` does not apply to method nm (its sparsity is 1 - n/m)".into());
            }
            if self.auto.is_some() {
                return Err("`auto` does not apply to method nm (its sparsity is fixed at 1 - n/m)".into());
            }
        } else {
            if self.n.is_some() || self.m.is_some() {
                return Err(format!("`n` and `m` apply only to method nm, not {}", self.method.name()));
            }
            self.validate_ratios()?;
        }
        if self.scope == Scope::Global && !self.ratios.is_empty() {
            return Err("`ratios` (per-layer ratios) and `scope` global (one threshold across layers) contradict each other".into());
        }
        if self.scope == Scope::Global && self.method != Method::Unstructured {
            return Err(format!("`scope` global applies only to method unstructured, not {}", self.method.name()));
        }
        if ![1, 8, 16].contains(&self.round_to) {
            return Err(format!("`round_to` must be 1, 8 or 16, got {}", self.round_to));
        }
        if self.criterion == Criterion::Reconstruction && self.method != Method::Filter {
            return Err(format!("`criterion` reconstruction applies only to method filter, not {}", self.method.name()));
        }
        if self.round_to != 1 && self.method != Method::Filter {
            return Err("`round_to` applies only to method filter".into());
        }
        if self.allocation == Some(Allocation::Adaptive) {
            self.allows_adaptive()?;
        }
        if self.include.as_ref().is_some_and(Vec::is_empty) {
            return Err("`include` is empty: nothing would be pruned (omit it to prune every prunable layer)".into());
        }
        Ok(())
    }
}

impl PruneSpec {
    /// `ratio`, `ratios` and `auto` of a method that takes a ratio.
    fn validate_ratios(&self) -> Result<(), String> {
        if let Some(auto) = &self.auto {
            if self.ratio.is_some() || !self.ratios.is_empty() {
                return Err("`auto` chooses the ratios itself: give `auto` or `ratio`/`ratios`, not both".into());
            }
            if self.scope == Scope::Global {
                return Err("`auto` chooses per-layer ratios; `scope` global does not apply".into());
            }
            return auto.validate(self.method);
        }
        if self.ratio.is_none() && self.ratios.is_empty() {
            return Err(format!("method {} needs a `ratio` in [0, 1) (or per-layer `ratios`, or `auto`)", self.method.name()));
        }
        if let Some(ratio) = self.ratio {
            if !(0.0..1.0).contains(&ratio) {
                return Err(format!("`ratio` must be in [0, 1), got {ratio}"));
            }
        }
        for (name, &ratio) in &self.ratios {
            if name.is_empty() {
                return Err("`ratios` has an empty layer name".into());
            }
            if !(0.0..1.0).contains(&ratio) {
                return Err(format!("`ratios`: layer `{name}`: the ratio must be in [0, 1), got {ratio}"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<PruneSpec, String> {
        let spec: PruneSpec = serde_json::from_str(json).map_err(|e| e.to_string())?;
        spec.validate()?;
        Ok(spec)
    }

    #[test]
    fn minimal_specs_fill_defaults() {
        assert_eq!(parse(r#"{"method": "unstructured", "ratio": 0.5}"#).unwrap(), PruneSpec::new(Method::Unstructured, 0.5));
        assert_eq!(parse(r#"{"method": "nm", "n": 2, "m": 4}"#).unwrap(), PruneSpec::nm(2, 4));
        let f = parse(r#"{"method": "filter", "ratio": 0.25, "round_to": 8, "criterion": "l2"}"#).unwrap();
        assert_eq!((f.round_to, f.criterion, f.keep_first_last), (8, Criterion::L2, true));
        let c = parse(r#"{"method": "unstructured", "ratio": 0.5, "correct": "lsq"}"#).unwrap();
        assert_eq!(c.correct, Some(Correction::Lsq));
        let r = parse(r#"{"method": "kernel", "ratios": {"conv2": 0.7}}"#).unwrap();
        assert_eq!((r.ratio, r.ratios.get("conv2")), (None, Some(&0.7)));
        let a = parse(r#"{"method": "unstructured", "auto": {"target": 0.5}}"#).unwrap();
        let auto = a.auto.unwrap();
        assert_eq!((auto.target, auto.max_error, auto.max_samples), (0.5, None, super::super::auto::DEFAULT_MAX_SAMPLES));
    }

    #[test]
    fn selection_fields_sit_between_criterion_and_round_to() {
        let err = parse(r#"{"method": "unstructured", "ratio": 0.5, "includes": ["conv1"]}"#).unwrap_err();
        assert!(
            err.starts_with(
                "unknown field `includes`, expected one of `method`, `ratio`, `ratios`, `auto`, `n`, `m`, `scope`, \
                 `criterion`, `include`, `exclude`, `keep_first_last`, `round_to`, `correct`, `allocation`"
            ),
            "{err}"
        );
        let spec = parse(r#"{"method": "filter", "ratio": 0.5, "include": ["Conv"], "exclude": ["conv1"], "keep_first_last": false}"#).unwrap();
        assert_eq!((spec.include.as_deref(), spec.exclude.as_slice(), spec.keep_first_last), (Some(&["Conv".to_string()][..]), &["conv1".to_string()][..], false));
        assert_eq!(
            serde_json::to_string(&spec).unwrap(),
            r#"{"method":"filter","ratio":0.5,"scope":"layer","criterion":"l1","include":["Conv"],"exclude":["conv1"],"keep_first_last":false,"round_to":1}"#
        );
    }

    #[test]
    fn adaptive_allocation_is_the_default_with_real_calibration_only() {
        use crate::runtime::Dataset;
        let x = vec![("x".to_string(), crate::ir::Tensor::from_vec(&[1], vec![1.0f32]).unwrap())];
        let real = Dataset { samples: vec![x.clone()], random: false };
        let random = Dataset { samples: vec![x], random: true };
        let spec = PruneSpec::new(Method::Unstructured, 0.5);
        assert!(spec.effective_allocation(Some(&real)));
        assert!(!spec.effective_allocation(Some(&random)) && !spec.effective_allocation(None));
        assert!(PruneSpec::new(Method::Kernel, 0.5).effective_allocation(Some(&real)));
        assert!(PruneSpec::new(Method::Filter, 0.5).effective_allocation(Some(&real)));
        assert!(!PruneSpec::nm(2, 4).effective_allocation(Some(&real)));
        assert!(!PruneSpec { scope: Scope::Global, ..spec.clone() }.effective_allocation(Some(&real)));
        let mut named = spec.clone();
        named.ratios.insert("conv2".into(), 0.3);
        assert!(!named.effective_allocation(Some(&real)), "`ratios` fix the per-layer ratios");
        assert!(!PruneSpec { allocation: Some(Allocation::Uniform), ..spec.clone() }.effective_allocation(Some(&real)));
        assert!(PruneSpec { allocation: Some(Allocation::Adaptive), ..spec }.effective_allocation(None));
    }

    #[test]
    fn bad_values_name_the_field() {
        let cases = [
            (r#"{"method": "unstructured", "ratio": 1.0}"#, "ratio"),
            (r#"{"method": "unstructured", "ratio": -0.1}"#, "ratio"),
            (r#"{"method": "kernel"}"#, "ratio"),
            (r#"{"method": "nm", "n": 4, "m": 4}"#, "`n` must be smaller"),
            (r#"{"method": "nm", "n": 0, "m": 0}"#, "`m`"),
            (r#"{"method": "nm", "n": 2}"#, "`m`"),
            (r#"{"method": "nm", "n": 2, "m": 4, "ratio": 0.5}"#, "ratio"),
            (r#"{"method": "filter", "ratio": 0.5, "scope": "global"}"#, "scope"),
            (r#"{"method": "filter", "ratio": 0.5, "round_to": 4}"#, "round_to"),
            (r#"{"method": "vector", "ratio": 0.5, "include": []}"#, "include"),
            (r#"{"method": "vector", "ratio": 0.5, "ratoi": 1}"#, "ratoi"),
            (r#"{"method": "blocks", "ratio": 0.5}"#, "blocks"),
            (r#"{"method": "unstructured", "ratio": 0.5, "correct": "mean"}"#, "mean"),
            (r#"{"method": "unstructured", "ratios": {"conv2": 1.2}}"#, "conv2"),
            (r#"{"method": "unstructured", "ratios": {"conv2": -0.5}}"#, "[0, 1)"),
            (r#"{"method": "unstructured", "ratio": 0.5, "ratios": {"conv2": 0.5}, "scope": "global"}"#, "global"),
            (r#"{"method": "nm", "n": 2, "m": 4, "ratios": {"conv2": 0.5}}"#, "ratios"),
            (r#"{"method": "unstructured", "ratio": 0.5, "auto": {"target": 0.5}}"#, "not both"),
            (r#"{"method": "unstructured", "auto": {"target": 1.0}}"#, "target"),
            (r#"{"method": "unstructured", "auto": {"target": 0.5, "max_error": -1}}"#, "max_error"),
            (r#"{"method": "unstructured", "auto": {"target": 0.5, "max_samples": 0}}"#, "max_samples"),
            (r#"{"method": "unstructured", "auto": {"target": 0.5, "grid": [0.5, 0.3]}}"#, "grid"),
            (r#"{"method": "unstructured", "auto": {"target": 0.5, "metric": "mse"}}"#, "mse"),
            (r#"{"method": "filter", "auto": {"target": 0.5}}"#, "filter"),
            (r#"{"method": "nm", "n": 2, "m": 4, "allocation": "adaptive"}"#, "allocation"),
            (r#"{"method": "unstructured", "ratio": 0.5, "scope": "global", "allocation": "adaptive"}"#, "global"),
            (r#"{"method": "unstructured", "ratios": {"conv2": 0.5}, "allocation": "adaptive"}"#, "ratios"),
            (r#"{"method": "unstructured", "ratio": 0.5, "allocation": "even"}"#, "even"),
        ];
        for (json, field) in cases {
            let err = parse(json).unwrap_err();
            assert!(err.contains(field), "{json}: {err}");
        }
    }
}
