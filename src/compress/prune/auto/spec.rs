//! `AutoSpec`: the `"auto"` member of a prune step — a global sparsity target, an optional
//! budget for the output error, the error metric, and the bounds that keep the search cheap
//! (samples, ratio grid). Checked by `validate`, which names the field that is wrong.

use serde::{Deserialize, Serialize};

use crate::compress::prune::spec::Method;

/// Samples the scan and the check use when the spec does not say.
pub const DEFAULT_MAX_SAMPLES: usize = 32;
/// Most samples a spec may ask for (each costs one model run per layer per grid ratio).
pub const MAX_SAMPLES_LIMIT: usize = 1024;
/// Most ratios a grid may hold.
pub const MAX_GRID: usize = 32;
/// The ratios scanned per layer when the spec gives none.
pub const DEFAULT_GRID: [f64; 10] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoSpec {
    /// Share of all weights of the selected layers to prune, in (0, 1).
    pub target: f64,
    /// Largest error of the model's first output (by `metric`) the pruned model may have
    /// against the original on the samples; none: reach the target whatever the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_error: Option<f64>,
    #[serde(default)]
    pub metric: Metric,
    /// Samples used (the first ones of the calibration set, else seeded random ones).
    #[serde(default = "default_max_samples")]
    pub max_samples: usize,
    /// Ratios scanned per layer, increasing, each in (0, 1); default `DEFAULT_GRID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<Vec<f64>>,
}

/// How far the pruned model's first output is from the original's, over all samples.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Relative L2 error `‖y − y₀‖ / ‖y₀‖` (= 10^(−SQNR/20): 0.1 is an SQNR of 20 dB).
    #[default]
    RelL2,
    /// Cosine distance `1 − cos(y, y₀)`.
    CosineDistance,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::RelL2 => "rel_l2",
            Metric::CosineDistance => "cosine_distance",
        }
    }
}

fn default_max_samples() -> usize {
    DEFAULT_MAX_SAMPLES
}

impl AutoSpec {
    pub fn new(target: f64, max_error: Option<f64>) -> AutoSpec {
        AutoSpec { target, max_error, metric: Metric::RelL2, max_samples: DEFAULT_MAX_SAMPLES, grid: None }
    }

    /// The grid to scan.
    pub fn grid(&self) -> Vec<f64> {
        self.grid.clone().unwrap_or_else(|| DEFAULT_GRID.to_vec())
    }

    pub fn validate(&self, method: Method) -> Result<(), String> {
        if !matches!(method, Method::Unstructured | Method::Vector | Method::Kernel) {
            return Err(format!("`auto` takes a masking method with a ratio (unstructured, vector, kernel), not {}", method.name()));
        }
        if !(self.target > 0.0 && self.target < 1.0) {
            return Err(format!("`auto.target` must be in (0, 1), got {}", self.target));
        }
        if let Some(e) = self.max_error {
            if !(e.is_finite() && e > 0.0) {
                return Err(format!("`auto.max_error` must be a positive number, got {e}"));
            }
        }
        if !(1..=MAX_SAMPLES_LIMIT).contains(&self.max_samples) {
            return Err(format!("`auto.max_samples` must be in 1..={MAX_SAMPLES_LIMIT}, got {}", self.max_samples));
        }
        if let Some(grid) = &self.grid {
            if grid.is_empty() || grid.len() > MAX_GRID {
                return Err(format!("`auto.grid` must hold 1 to {MAX_GRID} ratios, got {}", grid.len()));
            }
            if grid.iter().any(|r| !(*r > 0.0 && *r < 1.0)) {
                return Err(format!("`auto.grid` ratios must be in (0, 1), got {grid:?}"));
            }
            if grid.windows(2).any(|w| w[1] <= w[0]) {
                return Err(format!("`auto.grid` must increase strictly, got {grid:?}"));
            }
        }
        Ok(())
    }
}

impl Metric {
    /// The error of a pruned model's output by this metric, from the comparison metrics. An
    /// output that cannot be compared (one side all zeros, NaN) counts as infinitely wrong.
    pub fn of(self, m: &crate::compare::TensorMetrics) -> f64 {
        if m.exact {
            return 0.0;
        }
        match self {
            Metric::RelL2 => m.sqnr_db.map_or(f64::INFINITY, |db| 10f64.powf(-db / 20.0)),
            Metric::CosineDistance => m.cosine.map_or(f64::INFINITY, |c| (1.0 - c).max(0.0)),
        }
    }

    /// The additive cost of one layer's error: errors of independent layers add as squares for
    /// the relative L2 error (uncorrelated perturbations) and roughly linearly for the cosine
    /// distance (≈ half the squared relative error).
    pub fn cost(self, error: f64) -> f64 {
        match self {
            Metric::RelL2 => error * error,
            Metric::CosineDistance => error,
        }
    }

    /// The predicted error of several pruned layers from the sum of their costs.
    pub fn combine(self, cost: f64) -> f64 {
        match self {
            Metric::RelL2 => cost.sqrt(),
            Metric::CosineDistance => cost,
        }
    }
}
