//! Quantizing one layer's weight in place: int8/uint8 initializer + DequantizeLinear feeding the
//! layer, the same tensor shared by several layers quantized once, and the weight's own error
//! measured for the report.

use std::collections::HashMap;

use super::layers::WeightedLayer;
use super::learned_rounding::LearnedCodes;
use super::params::{QuantParams, Scheme};
use super::qdq::add_dequantized_constant;
use super::report::LayerReport;
use super::spec::QuantizeSpec;
use crate::compress::weights::{WeightSource, constant_tensor};
use crate::ir::{Graph, Names, Node, Tensor};

/// Weights already quantized in one graph: original name → (DQ output, parameters).
pub type WeightCache = HashMap<String, (String, QuantParams)>;

pub fn weight_scheme(spec: &QuantizeSpec) -> Scheme {
    Scheme { ty: spec.effective_weight_type(), symmetric: spec.symmetric_weights, reduced: spec.reduce_range }
}

/// The parameters of a weight read by `node` at `slot`: blocked along K for MatMul/Gemm in
/// `int4_weights` mode (`blocks::blocking`), else per channel along `channel_axis` (when the
/// spec is per-channel) or per tensor. Every pass that quantizes a layer weight asks here.
pub fn weight_params(w: &ndarray::ArrayD<f32>, spec: &QuantizeSpec, node: &Node, slot: usize, channel_axis: Option<usize>) -> QuantParams {
    let scheme = weight_scheme(spec);
    match super::blocks::blocking(spec, node, slot, w.shape()) {
        Some((axis, block_size)) => QuantParams::for_weight_blocked(w, scheme, axis, block_size),
        None => QuantParams::for_weight(w, scheme, if spec.per_channel { channel_axis } else { None }),
    }
}

/// Replaces `layer`'s weight input with a dequantized int8 copy (its DQ node goes to `prefix`).
/// Returns the parameters used and the layer's report (bias left as `none`/`float`; callers
/// that quantize it update the field), or `None` if the weight is not a float32 constant.
pub fn quantize_weight(
    graph: &mut Graph,
    names: &mut Names,
    prefix: &mut Vec<Node>,
    layer: &WeightedLayer,
    spec: &QuantizeSpec,
    graph_path: &str,
    cache: &mut WeightCache,
) -> Option<(QuantParams, LayerReport)> {
    quantize_weight_with(graph, names, prefix, layer, spec, graph_path, cache, None)
}

/// [`quantize_weight`], taking the weight's parameters and integer codes from `learned` when it
/// has them (learned rounding) instead of rounding to nearest.
#[allow(clippy::too_many_arguments)]
pub fn quantize_weight_with(
    graph: &mut Graph,
    names: &mut Names,
    prefix: &mut Vec<Node>,
    layer: &WeightedLayer,
    spec: &QuantizeSpec,
    graph_path: &str,
    cache: &mut WeightCache,
    learned: Option<&LearnedCodes>,
) -> Option<(QuantParams, LayerReport)> {
    let node = &graph.nodes[layer.node];
    let (label, op_type) = (node.label(), node.op_type.clone());
    let weight_name = node.inputs[layer.weight_input].clone();
    let scheme = weight_scheme(spec);
    // Where `weighted_layer` found the weight, if it is still there (passes only append
    // initializers while quantizing); a scan otherwise. A scan per layer is quadratic.
    let found = weight_at(graph, layer.weight_source, &weight_name).or_else(|| super::super::weights::find_weight(graph, &weight_name).map(|(_, t)| t));
    let Some(Tensor::F32(w)) = found else { return None };
    let w = w.clone();
    let learned = learned.and_then(|l| l.get(&weight_name)).filter(|l| l.codes.len() == w.len());
    let (dq_name, params) = match cache.get(&weight_name) {
        Some(hit) => hit.clone(),
        None => {
            let (params, q) = match learned {
                Some(l) => (l.params.clone(), l.params.tensor_of_codes(w.shape(), l.codes.clone())),
                None => {
                    let params = weight_params(&w, spec, &graph.nodes[layer.node], layer.weight_input, layer.channel_axis);
                    let q = params.quantize(&w, scheme);
                    (params, q)
                }
            };
            let dq = add_dequantized_constant(graph, names, prefix, &weight_name, q, &params);
            cache.insert(weight_name.clone(), (dq.clone(), params.clone()));
            (dq, params)
        }
    };
    let node_index = layer.node;
    graph.nodes[node_index].inputs[layer.weight_input] = dq_name;
    let (max_abs, sqnr) = match learned {
        Some(l) => codes_error(&w, &l.params, &l.codes),
        None => weight_error(&w, &params, scheme),
    };
    let has_bias = crate::ops::layer_table::has_bias(&graph.nodes[node_index]);
    let report = LayerReport {
        node: label,
        op_type,
        graph: graph_path.to_string(),
        weight: weight_name,
        weight_shape: w.shape().to_vec(),
        channel_axis: params.axis.filter(|_| params.blocks.is_none()),
        block: params.blocks.as_ref().map(|b| (params.axis.unwrap_or(0), b.block_size)),
        bias: if has_bias { "float" } else { "none" },
        weight_max_abs_error: max_abs,
        weight_sqnr_db: sqnr,
    };
    Some((params, report))
}

/// The tensor at `source` if it is still the weight named `name` (what `find_weight` returns:
/// the first initializer of that name, or the `Constant` node writing it).
fn weight_at<'g>(graph: &'g Graph, source: WeightSource, name: &str) -> Option<&'g Tensor> {
    match source {
        WeightSource::Initializer(i) => graph.initializers.get(i).filter(|init| init.name == name).map(|init| &init.tensor),
        WeightSource::Constant(i) => {
            graph.nodes.get(i).filter(|n| n.outputs.first().is_some_and(|o| o == name)).and_then(constant_tensor)
        }
    }
}

/// (max |w − ŵ|, SQNR in dB) of a weight against the dequantized `codes` (row-major) on
/// `params`' grid.
pub fn codes_error(w: &ndarray::ArrayD<f32>, params: &QuantParams, codes: &[i32]) -> (f32, Option<f64>) {
    let shape = w.shape();
    let mut max_abs = 0f32;
    let (mut signal, mut noise) = (0f64, 0f64);
    for (e, (&x, &q)) in w.as_standard_layout().iter().zip(codes).enumerate() {
        let (s, z) = params.params_of_element(shape, e);
        let err = (x - s * (q - z) as f32).abs();
        max_abs = max_abs.max(err);
        signal += f64::from(x) * f64::from(x);
        noise += f64::from(err) * f64::from(err);
    }
    (max_abs, (noise > 0.0).then(|| 10.0 * (signal / noise).log10()))
}

/// (max |w − ŵ|, SQNR in dB) of a weight against its quantize–dequantize round trip.
pub fn weight_error(w: &ndarray::ArrayD<f32>, params: &QuantParams, scheme: Scheme) -> (f32, Option<f64>) {
    let (qmin, qmax) = scheme.ty.range(scheme.symmetric, scheme.reduced);
    let mut max_abs = 0f32;
    let (mut signal, mut noise) = (0f64, 0f64);
    if params.blocks.is_some() {
        let shape = w.shape();
        for (e, &x) in w.as_standard_layout().iter().enumerate() {
            let (s, z) = params.params_of_element(shape, e);
            let back = s * (super::params::quantize_value(x, s, z, qmin, qmax) - z) as f32;
            let err = (x - back).abs();
            max_abs = max_abs.max(err);
            signal += f64::from(x) * f64::from(x);
            noise += f64::from(err) * f64::from(err);
        }
        return (max_abs, (noise > 0.0).then(|| 10.0 * (signal / noise).log10()));
    }
    let channels = params.axis.map(|a| w.shape()[a]).unwrap_or(1);
    for (c, slice) in match params.axis {
        Some(a) => w.axis_iter(ndarray::Axis(a)).collect::<Vec<_>>(),
        None => vec![w.view()],
    }
    .into_iter()
    .enumerate()
    .take(channels)
    {
        let (s, z) = (params.scales[c], params.zero_points[c]);
        for &x in slice.iter() {
            let q = super::params::quantize_value(x, s, z, qmin, qmax);
            let back = s * (q - z) as f32;
            let e = (x - back).abs();
            max_abs = max_abs.max(e);
            signal += f64::from(x) * f64::from(x);
            noise += f64::from(e) * f64::from(e);
        }
    }
    let sqnr = (noise > 0.0).then(|| 10.0 * (signal / noise).log10());
    (max_abs, sqnr)
}
