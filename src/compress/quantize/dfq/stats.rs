//! What BatchNormalization says about the values after it, without running the model: an
//! inference BN writes y_c = γ_c·(x_c − μ_c)/√(σ²_c + ε) + β_c, so on data like the training
//! data channel c of y has mean β_c and standard deviation |γ_c| (DFQ's assumption, Nagel et al.
//! 2019 §4). The statistics are taken before the BN is folded and kept under the name of the
//! value the BN wrote (the folded layer writes it afterwards).
//!
//! [`describe`] follows them through the ops whose effect on a normal distribution is known in
//! closed form: Relu / Clip clamp it (a clipped normal), an `Add` of two described values sums
//! means and variances (assumed independent). From a description come a quantization range
//! (β ± n·γ, clamped) and each channel's expected value (the clipped-normal mean).

use std::collections::HashMap;

use crate::compress::weights::find_weight;
use crate::ir::{Graph, Tensor, topological_order};

/// How many standard deviations either side of the mean a BN-derived range covers.
pub const RANGE_SIGMAS: f64 = 6.0;

/// [`RANGE_SIGMAS`], or the measurement knob `PARE_DFQ_SIGMAS` (see `dfq`'s module docs).
pub fn range_sigmas() -> f64 {
    static SIGMAS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *SIGMAS.get_or_init(|| {
        std::env::var("PARE_DFQ_SIGMAS").ok().and_then(|v| v.parse::<f64>().ok()).filter(|v| v.is_finite() && *v > 0.0).unwrap_or(RANGE_SIGMAS)
    })
}

/// One value's distribution per channel (axis 1): normal with these means and deviations.
#[derive(Clone, Debug, PartialEq)]
pub struct ChannelStats {
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
}

/// A value described per channel: a normal distribution clamped to `[lo, hi]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Described {
    pub stats: ChannelStats,
    pub lo: f64,
    pub hi: f64,
}

/// The output statistics of every inference BatchNormalization of `graph` whose scale and
/// shift are constant float32 vectors, keyed by the BN's output.
pub fn batch_norm_stats(graph: &Graph) -> HashMap<String, ChannelStats> {
    let mut stats = HashMap::new();
    for node in &graph.nodes {
        if node.op_type != "BatchNormalization" || !(node.domain.is_empty() || node.domain == "ai.onnx") {
            continue;
        }
        let training = node.attr_int("training_mode").ok().flatten().unwrap_or(0) != 0;
        let (Some(out), false) = (node.outputs.first().filter(|o| !o.is_empty()), training) else { continue };
        let vector = |i: usize| match node.input(i).and_then(|n| find_weight(graph, n)) {
            Some((_, Tensor::F32(t))) if t.ndim() == 1 => Some(t.iter().map(|&v| f64::from(v)).collect::<Vec<f64>>()),
            _ => None,
        };
        let (Some(gamma), Some(beta)) = (vector(1), vector(2)) else { continue };
        if gamma.len() != beta.len() || gamma.iter().chain(&beta).any(|v| !v.is_finite()) {
            continue;
        }
        stats.insert(out.clone(), ChannelStats { mean: beta, std: gamma.iter().map(|g| g.abs()).collect() });
    }
    stats
}

/// Every value of `graph` whose distribution follows from `stats` (see the module docs).
pub fn describe(graph: &Graph, stats: &HashMap<String, ChannelStats>) -> HashMap<String, Described> {
    let mut described: HashMap<String, Described> = stats
        .iter()
        .map(|(name, s)| (name.clone(), Described { stats: s.clone(), lo: f64::NEG_INFINITY, hi: f64::INFINITY }))
        .collect();
    let Ok(order) = topological_order(graph) else { return described };
    for i in order {
        let node = &graph.nodes[i];
        let Some(out) = node.outputs.first().filter(|o| !o.is_empty()) else { continue };
        if described.contains_key(out) || !(node.domain.is_empty() || node.domain == "ai.onnx") {
            continue;
        }
        let input = |k: usize| node.input(k).and_then(|n| described.get(n));
        let next = match node.op_type.as_str() {
            "Relu" => input(0).map(|d| Described { lo: d.lo.max(0.0), hi: d.hi.max(0.0), ..d.clone() }),
            "Clip" => match (input(0), clip_bounds(graph, node)) {
                (Some(d), Some((lo, hi))) if lo <= hi && d.lo <= hi && lo <= d.hi => {
                    Some(Described { lo: d.lo.max(lo), hi: d.hi.min(hi), ..d.clone() })
                }
                _ => None,
            },
            "Add" if node.inputs.len() == 2 => match (input(0), input(1)) {
                (Some(a), Some(b)) if a.stats.mean.len() == b.stats.mean.len() && unclamped(a) && unclamped(b) => {
                    let mean = a.stats.mean.iter().zip(&b.stats.mean).map(|(x, y)| x + y).collect();
                    let std = a.stats.std.iter().zip(&b.stats.std).map(|(x, y)| x.hypot(*y)).collect();
                    Some(Described { stats: ChannelStats { mean, std }, lo: f64::NEG_INFINITY, hi: f64::INFINITY })
                }
                _ => None,
            },
            _ => None,
        };
        if let Some(d) = next {
            described.insert(out.clone(), d);
        }
    }
    described
}

fn unclamped(d: &Described) -> bool {
    d.lo == f64::NEG_INFINITY && d.hi == f64::INFINITY
}

/// A Clip's bounds: the attributes (opset < 11) or constant inputs; a missing one is unbounded.
pub fn clip_bounds(graph: &Graph, node: &crate::ir::Node) -> Option<(f64, f64)> {
    let attr = |name: &str| node.attr_float(name).ok().flatten().map(f64::from);
    let constant = |k: usize| -> Option<Option<f64>> {
        match node.input(k) {
            None => Some(None),
            Some(name) => match find_weight(graph, name)?.1 {
                Tensor::F32(t) if t.len() == 1 => t.iter().next().map(|&v| Some(f64::from(v))),
                _ => None,
            },
        }
    };
    let lo = attr("min").map(Some).or_else(|| constant(1))?.unwrap_or(f64::NEG_INFINITY);
    let hi = attr("max").map(Some).or_else(|| constant(2))?.unwrap_or(f64::INFINITY);
    Some((lo, hi))
}

/// A value an elementwise function (HardSwish, HardSigmoid, Sigmoid) computes from a described
/// one: its range (each channel's interval mean ± [`RANGE_SIGMAS`] deviations mapped through the
/// function, the union over channels) and each channel's expected value (numerically). Nothing
/// is described after it.
#[derive(Clone, Debug, PartialEq)]
pub struct Mapped {
    pub range: (f64, f64),
    pub expected: Vec<f64>,
}

pub fn function_ranges(graph: &Graph, described: &HashMap<String, Described>) -> HashMap<String, Mapped> {
    let mut mapped = HashMap::new();
    for node in &graph.nodes {
        let (Some(out), Some(d)) = (node.outputs.first(), node.input(0).and_then(|x| described.get(x))) else { continue };
        if !(node.domain.is_empty() || node.domain == "ai.onnx") || described.contains_key(out) {
            continue;
        }
        let float = |name: &str, default: f32| f64::from(node.attr_float(name).ok().flatten().unwrap_or(default));
        let (alpha, beta) = (float("alpha", 0.2), float("beta", 0.5));
        let f: Box<dyn Fn(f64) -> f64> = match node.op_type.as_str() {
            "HardSwish" => Box::new(|x: f64| x * (x + 3.0).clamp(0.0, 6.0) / 6.0),
            "HardSigmoid" if alpha > 0.0 => Box::new(move |x: f64| (alpha * x + beta).clamp(0.0, 1.0)),
            "Sigmoid" => Box::new(|x: f64| 1.0 / (1.0 + (-x).exp())),
            _ => continue,
        };
        // HardSwish has its minimum −0.375 at −1.5; the others increase.
        let hard_swish = node.op_type == "HardSwish";
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut expected = Vec::with_capacity(d.stats.mean.len());
        for (&m, &s) in d.stats.mean.iter().zip(&d.stats.std) {
            let (a, b) = ((m - range_sigmas() * s).clamp(d.lo, d.hi), (m + range_sigmas() * s).clamp(d.lo, d.hi));
            let low = if hard_swish && a <= -1.5 && -1.5 <= b { -0.375 } else { f(a).min(f(b)) };
            (lo, hi) = (lo.min(low), hi.max(f(a).max(f(b))));
            expected.push(mapped_mean(&f, m, s, d.lo, d.hi));
        }
        if lo.is_finite() && hi.is_finite() && expected.iter().all(|v| v.is_finite()) {
            mapped.insert(out.clone(), Mapped { range: (lo, hi), expected });
        }
    }
    mapped
}

/// E[f(clamp(z, lo, hi))] for z ~ N(mean, std²), by the midpoint rule over mean ± 8 std.
fn mapped_mean(f: &dyn Fn(f64) -> f64, mean: f64, std: f64, lo: f64, hi: f64) -> f64 {
    if std <= 0.0 || !std.is_finite() {
        return f(mean.clamp(lo, hi));
    }
    const STEPS: usize = 512;
    let h = 16.0 / STEPS as f64;
    let (mut sum, mut weight) = (0.0, 0.0);
    for k in 0..STEPS {
        let u = -8.0 + (k as f64 + 0.5) * h;
        let p = (-0.5 * u * u).exp();
        sum += f((mean + std * u).clamp(lo, hi)) * p;
        weight += p;
    }
    sum / weight
}

impl Described {
    /// The range covering every channel's mean ± [`RANGE_SIGMAS`] deviations, clamped.
    pub fn range(&self) -> (f64, f64) {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for (m, s) in self.stats.mean.iter().zip(&self.stats.std) {
            lo = lo.min((m - range_sigmas() * s).clamp(self.lo, self.hi));
            hi = hi.max((m + range_sigmas() * s).clamp(self.lo, self.hi));
        }
        (lo, hi)
    }

    /// Each channel's expected value: the mean of its normal distribution clamped to [lo, hi].
    pub fn expected(&self) -> Vec<f64> {
        self.stats.mean.iter().zip(&self.stats.std).map(|(&m, &s)| clamped_normal_mean(m, s, self.lo, self.hi)).collect()
    }
}

/// E[clamp(z, lo, hi)] for z ~ N(mean, std²) (lo and hi may be infinite).
pub fn clamped_normal_mean(mean: f64, std: f64, lo: f64, hi: f64) -> f64 {
    if std <= 0.0 || !std.is_finite() {
        return mean.clamp(lo, hi);
    }
    let (a, b) = ((lo - mean) / std, (hi - mean) / std);
    let (cdf_a, cdf_b) = (normal_cdf(a), normal_cdf(b));
    let below = if lo.is_finite() { lo * cdf_a } else { 0.0 };
    let above = if hi.is_finite() { hi * (1.0 - cdf_b) } else { 0.0 };
    below + above + mean * (cdf_b - cdf_a) + std * (normal_pdf(a) - normal_pdf(b))
}

fn normal_pdf(x: f64) -> f64 {
    if x.is_infinite() { 0.0 } else { (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt() }
}

fn normal_cdf(x: f64) -> f64 {
    if x == f64::INFINITY {
        return 1.0;
    }
    if x == f64::NEG_INFINITY {
        return 0.0;
    }
    0.5 * (1.0 + erf(x / std::f64::consts::SQRT_2))
}

/// erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7).
fn erf(x: f64) -> f64 {
    let sign = if x < 0.0 { -1.0 } else { 1.0 };
    let x = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    sign * (1.0 - poly * (-x * x).exp())
}
