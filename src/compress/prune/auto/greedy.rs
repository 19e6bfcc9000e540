//! The allocation: from each layer's error when pruned alone at each grid ratio, choose one
//! ratio per layer. Greedy: repeatedly raise the ratio of the layer (to its next grid ratio)
//! whose error cost grows least per pruned weight, until the pruned share of all weights
//! reaches the target. A step that would push the predicted error (`Metric::combine` of the
//! summed costs) over the budget is not taken and that layer stays where it is; the others may
//! still move. Pure arithmetic on the scan table, no model runs.

use super::spec::Metric;
use crate::compress::prune::select::count_for_ratio;

/// The scan: layer `l` has `params[l]` weights in `units[l]` equal units (weights, vectors or
/// kernels; a ratio prunes `round(ratio · units)` of them); `errors[l][g]` is the model's error
/// with only layer `l` pruned at `grid[g]`.
pub struct Table {
    pub params: Vec<usize>,
    pub units: Vec<usize>,
    pub grid: Vec<f64>,
    pub errors: Vec<Vec<f64>>,
}

/// Why the allocation stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The target share is pruned.
    Target,
    /// Every further step would exceed the error budget.
    Budget,
    /// Every layer is at the top of the grid (or blocked by the budget) below the target.
    Grid,
}

/// One raise of one layer's ratio, remembered so it can be undone.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Raise {
    pub layer: usize,
    pub previous_ratio: f64,
    pub previous_level: Option<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub ratios: Vec<f64>,
    /// Grid index each layer's ratio came from (`None`: not pruned); a ratio cut short to hit
    /// the target exactly keeps the index of the grid ratio above it.
    pub levels: Vec<Option<usize>>,
    pub history: Vec<Raise>,
    pub stop: Stop,
}

impl Plan {
    /// Undoes the last raise; false when there is none.
    pub fn undo_last(&mut self) -> bool {
        let Some(r) = self.history.pop() else { return false };
        self.ratios[r.layer] = r.previous_ratio;
        self.levels[r.layer] = r.previous_level;
        true
    }

    /// Predicted error: the layers' single-layer errors at their levels, combined.
    pub fn predicted(&self, table: &Table, metric: Metric) -> f64 {
        metric.combine(self.levels.iter().enumerate().map(|(l, g)| g.map_or(0.0, |g| metric.cost(table.errors[l][g]))).sum())
    }

    /// Share of all weights pruned.
    pub fn sparsity(&self, table: &Table) -> f64 {
        let total = table.params.iter().sum::<usize>();
        if total == 0 { 0.0 } else { table.pruned(&self.ratios) / total as f64 }
    }
}

impl Table {
    /// Weights of layer `l` a ratio prunes (whole units, as the methods round).
    fn weights_at(&self, l: usize, ratio: f64) -> f64 {
        let units = self.units[l].max(1);
        count_for_ratio(ratio, units) as f64 * self.params[l] as f64 / units as f64
    }

    fn pruned(&self, ratios: &[f64]) -> f64 {
        ratios.iter().enumerate().map(|(l, &r)| self.weights_at(l, r)).sum()
    }
}

/// Chooses ratios for `target` (share of all weights) under `budget`. With `exact`, the last
/// raise stops between two grid ratios, at the fewest whole units that meet the target;
/// otherwise it takes the whole grid step.
pub fn allocate(table: &Table, target: f64, budget: Option<f64>, metric: Metric, exact: bool) -> Plan {
    let layers = table.params.len();
    let total: f64 = table.params.iter().sum::<usize>() as f64;
    let mut plan = Plan { ratios: vec![0.0; layers], levels: vec![None; layers], history: Vec::new(), stop: Stop::Grid };
    let mut blocked = vec![false; layers];
    let cost_at = |l: usize, g: Option<usize>| g.map_or(0.0, |g| metric.cost(table.errors[l][g]));
    let mut budget_hit = false;
    loop {
        let pruned = table.pruned(&plan.ratios);
        let need = target * total;
        if pruned >= need - 1e-9 {
            plan.stop = Stop::Target;
            return plan;
        }
        // The cheapest next raise: smallest cost increase per weight pruned.
        let mut best: Option<(usize, usize, f64)> = None;
        for l in 0..layers {
            let next = plan.levels[l].map_or(0, |g| g + 1);
            if blocked[l] || next >= table.grid.len() || table.params[l] == 0 {
                continue;
            }
            let gained = (table.grid[next] - plan.ratios[l]) * table.params[l] as f64;
            if gained <= 0.0 {
                continue;
            }
            // Errors can dip with noise (never below zero cost); an unmeasurable (infinite) error
            // goes last.
            let grows = cost_at(l, Some(next)) - cost_at(l, plan.levels[l]);
            let score = if grows.is_nan() || grows.is_infinite() { f64::INFINITY } else { grows.max(0.0) / gained };
            if best.is_none_or(|(_, _, s)| score < s) {
                best = Some((l, next, score));
            }
        }
        let Some((l, next, _)) = best else {
            plan.stop = if budget_hit { Stop::Budget } else { Stop::Grid };
            return plan;
        };
        let raise = Raise { layer: l, previous_ratio: plan.ratios[l], previous_level: plan.levels[l] };
        let mut trial = plan.clone();
        trial.levels[l] = Some(next);
        trial.ratios[l] = table.grid[next];
        if budget.is_some_and(|b| trial.predicted(table, metric) > b) {
            blocked[l] = true;
            budget_hit = true;
            continue;
        }
        if exact && table.pruned(&trial.ratios) > need {
            // The fewest whole units of this layer that meet the target, never past the grid ratio.
            let others = pruned - table.weights_at(l, plan.ratios[l]);
            let (units, weights) = (table.units[l].max(1) as f64, table.params[l] as f64);
            let k = ((need - others) * units / weights - 1e-9).ceil().max(0.0);
            trial.ratios[l] = (k / units).min(table.grid[next]);
        }
        plan = trial;
        plan.history.push(raise);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        // Layer 0 is sensitive and small, layer 1 robust and large.
        Table { params: vec![100, 900], units: vec![100, 900], grid: vec![0.25, 0.5, 0.75], errors: vec![vec![0.2, 0.5, 0.9], vec![0.01, 0.02, 0.1]] }
    }

    #[test]
    fn the_robust_layer_goes_first_and_the_target_is_met_exactly() {
        let plan = allocate(&table(), 0.5, None, Metric::RelL2, true);
        assert_eq!(plan.stop, Stop::Target);
        assert_eq!(plan.ratios[0], 0.0);
        assert!((plan.sparsity(&table()) - 0.5).abs() < 1e-3, "{plan:?}");
        assert!(plan.ratios[1] > 0.5 && plan.ratios[1] <= 0.75);
        let whole = allocate(&table(), 0.5, None, Metric::RelL2, false);
        assert_eq!(whole.ratios, vec![0.0, 0.75]);
        // Whole units: 90 kernels of 10 weights; 500 of 1000 weights need 40 kernels of layer 1
        // beside none of layer 0.
        let kernels = Table { units: vec![10, 90], ..table() };
        let plan = allocate(&kernels, 0.5, None, Metric::RelL2, true);
        assert_eq!(plan.ratios, vec![0.0, 50.0 / 90.0]);
        assert!(plan.sparsity(&kernels) >= 0.5);
    }

    #[test]
    fn a_budget_stops_early_and_undo_walks_back() {
        let mut plan = allocate(&table(), 0.9, Some(0.05), Metric::RelL2, true);
        assert_eq!(plan.stop, Stop::Budget);
        assert_eq!(plan.ratios, vec![0.0, 0.5], "0.75 on layer 1 costs 0.1 > 0.05; layer 0 alone costs 0.2");
        assert!(plan.predicted(&table(), Metric::RelL2) <= 0.05);
        assert!(plan.undo_last());
        assert_eq!(plan.ratios, vec![0.0, 0.25]);
        assert!(plan.undo_last() && !plan.undo_last());
        let broken = Table { errors: vec![vec![f64::INFINITY; 3], vec![0.01, 0.02, 0.1]], ..table() };
        assert_eq!(allocate(&broken, 0.5, None, Metric::RelL2, false).ratios, vec![0.0, 0.75], "infinite errors go last");
        let unbounded = allocate(&table(), 0.95, None, Metric::CosineDistance, true);
        assert_eq!((unbounded.stop, unbounded.ratios.clone()), (Stop::Grid, vec![0.75, 0.75]));
    }
}
