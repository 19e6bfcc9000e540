//! Quantizing one layer's weight in place: int8/uint8 initializer + DequantizeLinear feeding the
//! layer, the same tensor shared by several layers quantized once, and the weight's own error
//! measured for the report.

use std::collections::HashMap;

use super::layers::WeightedLayer;
use super::learned_rounding::LearnedCodes;
use super::grid::WeightGrid;
use super::params::{QuantParams, Scheme};
use super::qdq::add_dequantized_constant;
use super::report::{LayerAt, LayerReport};
use super::spec::QuantizeSpec;
use crate::compress::weights::{WeightSource, constant_tensor};
use crate::ir::{Graph, Names, Node, Tensor};

/// Weights already quantized in one graph: original name → (DQ output, parameters).
pub type WeightCache = HashMap<String, (String, QuantParams)>;

pub fn weight_scheme(spec: &QuantizeSpec) -> Scheme {
    Scheme { ty: spec.effective_weight_type(), symmetric: spec.symmetric_weights, reduced: spec.effective_reduce_range() }
}

/// The parameters of a weight read by `node` at `slot`: blocked along K for MatMul/Gemm in
/// `int4_weights` mode (`blocks::blocking`), else per channel along `channel_axis` (when the
/// spec is per-channel) or per tensor. Every pass that quantizes a layer weight asks here.
pub fn weight_params(w: &ndarray::ArrayD<f32>, spec: &QuantizeSpec, node: &Node, slot: usize, channel_axis: Option<usize>) -> QuantParams {
    let scheme = weight_scheme(spec);
    if WeightGrid::is_restricted(spec) {
        return restricted_params(w, spec, if spec.per_channel { channel_axis } else { None });
    }
    match super::blocks::blocking(spec, node, slot, w.shape()) {
        Some((axis, block_size)) => QuantParams::for_weight_blocked(w, scheme, axis, block_size),
        None => QuantParams::for_weight(w, scheme, if spec.per_channel { channel_axis } else { None }),
    }
}

/// Ternary / power-of-two parameters: one scale per slice along `axis` (or per tensor) from
/// `grid::restricted_scale`, zero point 0.
fn restricted_params(w: &ndarray::ArrayD<f32>, spec: &QuantizeSpec, axis: Option<usize>) -> QuantParams {
    let axis = axis.filter(|&a| a < w.ndim());
    let scale = |values: Vec<f32>| super::grid::restricted_scale(spec.mode, &values);
    let scales: Vec<f32> = match axis {
        Some(a) => w.axis_iter(ndarray::Axis(a)).map(|s| scale(s.iter().copied().collect())).collect(),
        None => vec![scale(w.iter().copied().collect())],
    };
    let zero_points = vec![0; scales.len()];
    QuantParams { ty: spec.effective_weight_type(), scales, zero_points, axis, blocks: None }
}

/// The codes of `w` (row-major) rounded to nearest on `params` and `spec`'s grid.
pub fn nearest_codes(w: &ndarray::ArrayD<f32>, params: &QuantParams, spec: &QuantizeSpec) -> Vec<i32> {
    let grid = WeightGrid::of(spec);
    let shape = w.shape();
    w.as_standard_layout()
        .iter()
        .enumerate()
        .map(|(e, &x)| {
            let (s, z) = params.params_of_element(shape, e);
            grid.nearest(x, s, z)
        })
        .collect()
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
    let weight_name = graph.nodes[layer.node].inputs[layer.weight_input].clone();
    let scheme = weight_scheme(spec);
    // Where `weighted_layer` found the weight, if it is still there (passes only append
    // initializers while quantizing); a scan otherwise. A scan per layer is quadratic.
    let found = weight_at(graph, layer.weight_source, &weight_name).or_else(|| super::super::weights::find_weight(graph, &weight_name).map(|(_, t)| t));
    let Some(Tensor::F32(w)) = found else { return None };
    let w = w.clone();
    let learned = learned.and_then(|l| l.get(&weight_name)).filter(|l| l.codes.len() == w.len());
    if spec.mode == super::spec::Mode::KMeans {
        return share_weight(graph, names, prefix, layer, spec, graph_path, cache, &w, learned);
    }
    let (dq_name, params) = match cache.get(&weight_name) {
        Some(hit) => hit.clone(),
        None => {
            let (params, q) = match learned {
                Some(l) => (l.params.clone(), l.params.tensor_of_codes(w.shape(), l.codes.clone())),
                None if WeightGrid::is_restricted(spec) => {
                    let params = weight_params(&w, spec, &graph.nodes[layer.node], layer.weight_input, layer.channel_axis);
                    let q = params.tensor_of_codes(w.shape(), nearest_codes(&w, &params, spec));
                    (params, q)
                }
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
        None if WeightGrid::is_restricted(spec) => codes_error(&w, &params, &nearest_codes(&w, &params, spec)),
        None => weight_error(&w, &params, scheme),
    };
    let node = &graph.nodes[node_index];
    let report = LayerReport::float_bias(LayerAt::of(node, graph_path), weight_name, w.shape(), &params, crate::ops::layer_table::has_bias(node), (max_abs, sqnr));
    Some((params, report))
}

/// [`quantize_weight_with`] for `kmeans`: the weight `w` of `layer` replaced by
/// `Gather(codebook, Cast(indices))` (`kmeans.rs`). The parameters returned are placeholders
/// (one scale 1, zero point 0): nothing downstream of a weight-only mode reads them.
#[allow(clippy::too_many_arguments)]
fn share_weight(
    graph: &mut Graph,
    names: &mut Names,
    prefix: &mut Vec<Node>,
    layer: &WeightedLayer,
    spec: &QuantizeSpec,
    graph_path: &str,
    cache: &mut WeightCache,
    w: &ndarray::ArrayD<f32>,
    learned: Option<&super::learned_rounding::LearnedWeight>,
) -> Option<(QuantParams, LayerReport)> {
    let node = &graph.nodes[layer.node];
    let (label, op_type) = (node.label(), node.op_type.clone());
    let weight_name = node.inputs[layer.weight_input].clone();
    let values: Vec<f32> = w.as_standard_layout().iter().copied().collect();
    let (params, shared) = match learned.and_then(|l| l.codebook.as_ref().map(|c| (l, c))) {
        Some((l, codebook)) => (l.params.clone(), shared_of(w.shape(), &l.params, codebook, &l.codes)),
        None => kmeans_params(w, spec, layer.channel_axis),
    };
    let out = match cache.get(&weight_name) {
        Some((out, _)) => out.clone(),
        None => {
            let four_bit = spec.weight_type == super::spec::IntType::Uint4;
            let out = add_shared_constant(graph, names, prefix, &weight_name, w.shape(), &shared, four_bit)?;
            cache.insert(weight_name.clone(), (out.clone(), params.clone()));
            out
        }
    };
    graph.nodes[layer.node].inputs[layer.weight_input] = out;
    let (max_abs, sqnr) = value_error(values.iter().copied().zip(shared.values()));
    let has_bias = crate::ops::layer_table::has_bias(&graph.nodes[layer.node]);
    let report = LayerReport {
        node: label,
        op_type,
        graph: graph_path.to_string(),
        weight: weight_name,
        weight_shape: w.shape().to_vec(),
        channel_axis: shared.scales.as_ref().map(|s| s.axis),
        block: None,
        bias: if has_bias { "float" } else { "none" },
        weight_max_abs_error: max_abs,
        weight_sqnr_db: sqnr,
    };
    Some((params, report))
}

/// The `kmeans` sharing of `w` (per channel along `channel_axis` when the spec is per-channel)
/// and the same as parameters: its channel scales (or one scale 1) with zero point 0, so that
/// code `q` of element `e` stands for `scale(e) · codebook[q]` (`grid::Levels::Codebook`).
pub fn kmeans_params(w: &ndarray::ArrayD<f32>, spec: &QuantizeSpec, channel_axis: Option<usize>) -> (QuantParams, super::kmeans::Shared) {
    let values: Vec<f32> = w.as_standard_layout().iter().copied().collect();
    let shared = match channel_axis.filter(|&a| spec.per_channel && a < w.ndim()) {
        Some(axis) => super::kmeans::share_per_channel(&values, w.shape(), axis, spec.cluster_count(), spec.init),
        None => super::kmeans::share(&values, spec.cluster_count(), spec.init),
    };
    let (scales, axis) = match &shared.scales {
        Some(s) => (s.values.clone(), Some(s.axis)),
        None => (vec![1.0], None),
    };
    let params = QuantParams { ty: super::spec::IntType::Uint8, zero_points: vec![0; scales.len()], scales, axis, blocks: None };
    (params, shared)
}

/// The sharing that `codes` on `codebook` with `params`' channel scales stand for.
fn shared_of(shape: &[usize], params: &QuantParams, codebook: &[f32], codes: &[i32]) -> super::kmeans::Shared {
    let scales = params.axis.map(|axis| super::kmeans::ChannelScales {
        axis,
        inner: shape[axis + 1..].iter().product(),
        values: params.scales.clone(),
    });
    super::kmeans::Shared { codebook: codebook.to_vec(), indices: codes.iter().map(|&q| q.clamp(0, 255) as u8).collect(), scales }
}

/// Adds `shared` as a float32 codebook and indices of `shape` (uint4 when `four_bit`, else
/// uint8), and the `Cast(indices → int32) → Gather(codebook, axis 0)` nodes (to `prefix`) that
/// rebuild the weight, then `Mul` by the per-channel scales (shaped to broadcast along their
/// axis) when it has them; returns the rebuilt weight's name.
fn add_shared_constant(
    graph: &mut Graph,
    names: &mut Names,
    prefix: &mut Vec<Node>,
    base: &str,
    shape: &[usize],
    shared: &super::kmeans::Shared,
    four_bit: bool,
) -> Option<String> {
    use crate::ir::{AttrValue, Initializer, OpaqueTensor};
    let codebook = Tensor::from_vec(&[shared.codebook.len()], shared.codebook.clone()).ok()?;
    let indices = if four_bit && shared.codebook.len() <= 16 {
        OpaqueTensor::packed_4bit(shape, &shared.indices.iter().map(|&i| i32::from(i)).collect::<Vec<_>>(), false).ok()?
    } else {
        Tensor::from_vec(shape, shared.indices.clone()).ok()?
    };
    let codebook_name = names.fresh(&format!("{base}_codebook"));
    let indices_name = names.fresh(&format!("{base}_indices"));
    graph.initializers.push(Initializer::new(codebook_name.clone(), codebook));
    graph.initializers.push(Initializer::new(indices_name.clone(), indices));
    let wide = names.fresh(&format!("{base}_indices_int32"));
    let mut cast = Node::new("Cast", &[indices_name.as_str()], &[wide.as_str()]);
    cast.name = names.fresh(&format!("{base}_Cast"));
    cast.set_attribute("to", AttrValue::Int(6));
    let out = names.fresh(&format!("{base}_shared"));
    let mut gather = Node::new("Gather", &[codebook_name.as_str(), wide.as_str()], &[out.as_str()]);
    gather.name = names.fresh(&format!("{base}_Gather"));
    gather.set_attribute("axis", AttrValue::Int(0));
    prefix.push(cast);
    prefix.push(gather);
    let Some(scales) = &shared.scales else { return Some(out) };
    let mut scale_shape = vec![1usize; shape.len()];
    scale_shape[scales.axis] = scales.values.len();
    let scale_name = names.fresh(&format!("{base}_channel_scale"));
    graph.initializers.push(Initializer::new(scale_name.clone(), Tensor::from_vec(&scale_shape, scales.values.clone()).ok()?));
    let scaled = names.fresh(&format!("{base}_shared_scaled"));
    let mut mul = Node::new("Mul", &[out.as_str(), scale_name.as_str()], &[scaled.as_str()]);
    mul.name = names.fresh(&format!("{base}_Mul"));
    prefix.push(mul);
    Some(scaled)
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
    value_error(w.as_standard_layout().iter().zip(codes).enumerate().map(|(e, (&x, &q))| {
        let (s, z) = params.params_of_element(shape, e);
        (x, s * (q - z) as f32)
    }))
}

/// (max |w − ŵ|, SQNR in dB) over pairs (w, ŵ); no SQNR when ŵ = w everywhere.
fn value_error(pairs: impl Iterator<Item = (f32, f32)>) -> (f32, Option<f64>) {
    let mut max_abs = 0f32;
    let (mut signal, mut noise) = (0f64, 0f64);
    for (x, back) in pairs {
        let err = (x - back).abs();
        max_abs = max_abs.max(err);
        signal += f64::from(x) * f64::from(x);
        noise += f64::from(err) * f64::from(err);
    }
    (max_abs, (noise > 0.0).then(|| 10.0 * (signal / noise).log10()))
}

/// (max |w − ŵ|, SQNR in dB) of a weight against its quantize–dequantize round trip.
pub fn weight_error(w: &ndarray::ArrayD<f32>, params: &QuantParams, scheme: Scheme) -> (f32, Option<f64>) {
    let (qmin, qmax) = scheme.ty.range(scheme.symmetric, scheme.reduced);
    let shape = w.shape();
    value_error(w.as_standard_layout().iter().enumerate().map(|(e, &x)| {
        let (s, z) = params.params_of_element(shape, e);
        (x, s * (super::params::quantize_value(x, s, z, qmin, qmax) - z) as f32)
    }))
}
