//! Analytic bias correction (DFQ §4.2): rounding a layer's weight W to Ŵ = W + ε shifts its
//! output by ε·x, on average ε·E[x]. Where the layer's input is described by BatchNormalization
//! statistics (`stats::describe`), E[x] per input channel is the clipped-normal mean, and the
//! bias is lowered by ε·E[x] (summed over each output channel's taps) before quantization. The
//! weight is rounded exactly as the quantizer will round it (`weight::weight_params`).

use std::collections::HashMap;

use ndarray::{ArrayD, Axis};

use super::layer::{Layer, input_contribution};
use crate::compress::quantize::layers::WeightedLayer;
use crate::compress::quantize::params::{QuantParams, quantize_value};
use crate::compress::quantize::spec::QuantizeSpec;
use crate::compress::quantize::weight::{weight_params, weight_scheme};
use crate::ir::{Graph, GraphLookup, Names};

/// One corrected layer: its label, the input whose statistics gave E[x], and the largest and
/// mean |shift| of its bias.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BiasCorrection {
    pub layer: String,
    pub input: String,
    pub max_abs_shift: f64,
    pub mean_abs_shift: f64,
}

/// Gives every rescalable layer whose input is described a (zero) bias if it has none, so the
/// quantizer plans an int32 bias that [`correct_biases`] can then shift.
pub fn ensure_biases(graph: &mut Graph, described: &std::collections::HashSet<&str>, names: &mut Names) -> usize {
    let lookup = GraphLookup::new(graph);
    let missing: Vec<Layer> = (0..graph.nodes.len())
        .filter(|&i| graph.nodes[i].input(2).is_none() && graph.nodes[i].input(0).is_some_and(|x| described.contains(x)))
        .filter_map(|i| Layer::load(graph, &lookup, i))
        .collect();
    let mut added = 0;
    for mut layer in missing {
        layer.add_to_bias(&[]);
        added += usize::from(layer.store(graph, names));
    }
    added
}

/// Corrects the bias of every layer in `layers` (the quantizer's plan) whose input has a known
/// expected value per channel (`expected`: from the statistics, `stats`).
pub fn correct_biases(
    graph: &mut Graph,
    layers: &HashMap<usize, WeightedLayer>,
    expected: &HashMap<String, Vec<f64>>,
    spec: &QuantizeSpec,
    names: &mut Names,
) -> Vec<BiasCorrection> {
    let mut order: Vec<usize> = layers.keys().copied().collect();
    order.sort_unstable();
    let mut done = Vec::new();
    // Valid through the loop: biases are replaced in place (every corrected layer has one).
    let lookup = GraphLookup::new(graph);
    for i in order {
        let Some(input) = graph.nodes[i].input(0).map(str::to_string) else { continue };
        let Some(e) = expected.get(&input) else { continue };
        let Some(mut layer) = Layer::load(graph, &lookup, i) else { continue };
        if e.len() != layer.in_channels() || layer.bias.as_ref().is_none_or(|(source, _)| source.is_none()) {
            continue;
        }
        let planned = &layers[&i];
        let w32 = layer.w.mapv(|v| v as f32);
        let params = weight_params(&w32, spec, &graph.nodes[i], planned.weight_input, planned.channel_axis);
        let error = rounding_error(&w32, &params, spec);
        let shift = input_contribution(&error, layer.kind, e);
        if shift.iter().any(|v| !v.is_finite()) {
            continue;
        }
        layer.add_to_bias(&shift.iter().map(|v| -v).collect::<Vec<f64>>());
        if !layer.store(graph, names) {
            continue;
        }
        let abs: Vec<f64> = shift.iter().map(|v| v.abs()).collect();
        done.push(BiasCorrection {
            layer: graph.nodes[i].label(),
            input,
            max_abs_shift: abs.iter().fold(0.0, |a, &b| a.max(b)),
            mean_abs_shift: abs.iter().sum::<f64>() / abs.len().max(1) as f64,
        });
    }
    done
}

/// ε = dequantize(quantize(w)) − w under `params` (per tensor or per channel).
pub fn rounding_error(w: &ArrayD<f32>, params: &QuantParams, spec: &QuantizeSpec) -> ArrayD<f64> {
    let scheme = weight_scheme(spec);
    let (qmin, qmax) = scheme.ty.range(scheme.symmetric, scheme.reduced);
    let round = |x: f32, c: usize| {
        let (s, z) = (params.scales[c], params.zero_points[c]);
        f64::from(s * (quantize_value(x, s, z, qmin, qmax) - z) as f32) - f64::from(x)
    };
    let mut error = w.mapv(f64::from);
    match params.axis {
        Some(a) if params.scales.len() == w.shape()[a] => {
            for (c, mut lane) in error.axis_iter_mut(Axis(a)).enumerate() {
                lane.mapv_inplace(|x| round(x as f32, c));
            }
        }
        _ => error.mapv_inplace(|x| round(x as f32, 0)),
    }
    error
}
