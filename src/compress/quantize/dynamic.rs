//! Dynamic quantization (onnxruntime's `quantize_dynamic` layout) for MatMul and Gemm with a
//! constant weight: the weight is stored as int8, the activation is quantized at run time.
//!
//! ```text
//! A ─ DynamicQuantizeLinear ─ A_q, A_scale, A_zp
//! MatMulInteger(A_q, B_q, A_zp[, B_zp]) ─ Cast(float) ─ Mul(· , A_scale · B_scale) [─ Add(C)]
//! ```
//! onnxruntime fuses this into DynamicQuantizeMatMul. A Gemm's `alpha` is folded into the
//! weight scale and `beta · C` is precomputed; Gemm with `transA` stays float. Weights with
//! rank > 2 and Conv stay float (say so in the report). Runs in every graph.

use std::collections::{HashMap, HashSet};

use ndarray::{ArrayD, Ix2};

use super::layers::weighted_layer;
use super::params::QuantParams;
use super::qdq::{insert_prefix, remove_orphaned, suffix};
use super::report::{LayerAt, LayerReport, QuantizeReport};
use super::spec::QuantizeSpec;
use super::weight::{WeightCache, weight_error, weight_scheme};
use super::weight_only::{not_selected, quantize_recurrent_weights, skip};
use super::QuantizeError;
use crate::compress::weights::{find_weight, for_each_graph_mut};
use crate::ir::{AttrValue, Graph, Initializer, Model, Names, Node, Tensor};

pub fn quantize_dynamic(model: &mut Model, spec: &QuantizeSpec, report: &mut QuantizeReport) -> Result<(), QuantizeError> {
    let mut names = Names::of_model(model);
    // Recurrent weights get a per-channel DequantizeLinear only where it exists (opset 13).
    let per_channel_ok = model.opset_version("").unwrap_or(0) >= 13;
    for_each_graph_mut::<QuantizeError>(&mut model.graph, &mut |path, graph| {
        quantize_graph(graph, &mut names, path, spec, report, per_channel_ok);
        Ok(())
    })?;
    super::chained_weights::quantize_chained_weights(&mut model.graph, "", &mut names, spec, super::chained_weights::Scope::All, per_channel_ok, report);
    Ok(())
}

/// A layer to rewrite: node index, its float weight as [K, N], alpha, and the precomputed bias.
struct Job {
    node: usize,
    weight_name: String,
    weight_kn: ArrayD<f32>,
    alpha: f32,
    bias: Option<Tensor>,
}

fn quantize_graph(graph: &mut Graph, names: &mut Names, path: &str, spec: &QuantizeSpec, report: &mut QuantizeReport, per_channel_ok: bool) {
    let mut jobs = Vec::new();
    for i in 0..graph.nodes.len() {
        let node = &graph.nodes[i];
        match node.op_type.as_str() {
            "MatMul" | "Gemm" => {}
            "Conv" | "ConvTranspose" => {
                report.skipped.push(skip(node, path, "dynamic mode covers MatMul and Gemm; use static or weights mode for convolutions".into()));
                continue;
            }
            _ => continue,
        }
        if let Some(reason) = not_selected(spec, node) {
            report.skipped.push(skip(node, path, reason));
            continue;
        }
        match job(graph, i) {
            Ok(Some(j)) => jobs.push(j),
            Ok(None) => {}
            Err(reason) => report.skipped.push(skip(&graph.nodes[i], path, reason)),
        }
    }
    let scheme = weight_scheme(spec);
    let mut originals = HashSet::new();
    // Activations quantized once even when several layers read them (q, k, v projections).
    let mut quantized_inputs: HashMap<String, [String; 3]> = HashMap::new();
    let mut dql_nodes: Vec<(String, Node)> = Vec::new();
    // Rewrite from the last node backwards so earlier indices stay valid.
    for job in jobs.into_iter().rev() {
        let node = graph.nodes[job.node].clone();
        let a = node.inputs[0].clone();
        let out = node.outputs[0].clone();
        let base = if node.name.is_empty() { out.clone() } else { node.name.clone() };
        let [a_q, a_scale, a_zp] = quantized_inputs
            .entry(a.clone())
            .or_insert_with(|| {
                let outputs = [
                    names.fresh_suffixed(&a, suffix::QUANTIZED),
                    names.fresh_suffixed(&a, suffix::SCALE),
                    names.fresh_suffixed(&a, suffix::ZERO_POINT),
                ];
                let mut dql = Node::new("DynamicQuantizeLinear", &[&a], &[&outputs[0], &outputs[1], &outputs[2]]);
                dql.name = names.fresh(&format!("{a}_DynamicQuantizeLinear"));
                dql_nodes.push((a.clone(), dql));
                outputs
            })
            .clone();

        let axis = if spec.per_channel { Some(1) } else { None };
        let params = QuantParams::for_weight(&job.weight_kn, scheme, axis);
        let q = params.quantize(&job.weight_kn, scheme);
        let b_q = names.fresh_suffixed(&job.weight_name, suffix::QUANTIZED);
        graph.initializers.push(Initializer::new(b_q.clone(), q));
        let mut mmi_inputs = vec![a_q, b_q, a_zp];
        if params.zero_points.iter().any(|&z| z != 0) {
            let zp = names.fresh_suffixed(&job.weight_name, suffix::ZERO_POINT);
            graph.initializers.push(Initializer::new(zp.clone(), params.zero_point_tensor()));
            mmi_inputs.push(zp);
        }
        let scaled: Vec<f32> = params.scales.iter().map(|s| s * job.alpha).collect();
        let b_scale = names.fresh_suffixed(&job.weight_name, suffix::SCALE);
        let scale_tensor = if axis.is_some() { Tensor::F32(ndarray::Array1::from(scaled).into_dyn()) } else { Tensor::scalar(scaled[0]) };
        graph.initializers.push(Initializer::new(b_scale.clone(), scale_tensor));

        let int_out = names.fresh(&format!("{out}_int32"));
        let float_out = names.fresh(&format!("{out}_cast"));
        let scale_out = names.fresh(&format!("{base}_output_scale"));
        let product = if job.bias.is_some() { names.fresh(&format!("{out}_scaled")) } else { out.clone() };
        let mut new_nodes = vec![
            named(names, Node::new("MatMulInteger", &mmi_inputs.iter().map(String::as_str).collect::<Vec<_>>(), &[&int_out]), &format!("{base}_MatMulInteger")),
            {
                let mut cast = named(names, Node::new("Cast", &[&int_out], &[&float_out]), &format!("{base}_Cast"));
                cast.set_attribute("to", AttrValue::Int(1));
                cast
            },
            named(names, Node::new("Mul", &[&a_scale, &b_scale], &[&scale_out]), &format!("{base}_scale_Mul")),
            named(names, Node::new("Mul", &[&float_out, &scale_out], &[&product]), &format!("{base}_Mul")),
        ];
        if let Some(bias) = job.bias {
            let c = names.fresh(&format!("{base}_bias"));
            graph.initializers.push(Initializer::new(c.clone(), bias));
            new_nodes.push(named(names, Node::new("Add", &[&product, &c], &[&out]), &format!("{base}_bias_Add")));
        }
        graph.nodes.splice(job.node..=job.node, new_nodes);
        originals.insert(job.weight_name.clone());
        if let Some(c) = node.input(2) {
            originals.insert(c.to_string());
        }
        let (weight_max_abs_error, weight_sqnr_db) = weight_error(&job.weight_kn, &params, scheme);
        let shape = job.weight_kn.shape().to_vec();
        report.layers.push(LayerReport::float_bias(LayerAt::of(&node, path), job.weight_name, &shape, &params, node.input(2).is_some(), (weight_max_abs_error, weight_sqnr_db)));
    }
    for (a, dql) in dql_nodes {
        graph.insert_after_producer(&a, dql);
    }
    // LSTM/GRU/RNN have no integer form in ONNX: their weights are stored weight-only.
    let mut prefix = Vec::new();
    quantize_recurrent_weights(graph, names, &mut prefix, path, spec, report, &mut WeightCache::new(), &mut originals, per_channel_ok);
    insert_prefix(graph, prefix);
    remove_orphaned(graph, &originals);
}

fn named(names: &mut Names, mut node: Node, name: &str) -> Node {
    node.name = names.fresh(name);
    node
}

/// The job for a MatMul/Gemm, `Ok(None)` when it has no constant weight, or why it stays float.
fn job(graph: &Graph, i: usize) -> Result<Option<Job>, String> {
    let layer = match weighted_layer(graph, i) {
        Ok(Some(l)) => l,
        Ok(None) => return Ok(None),
        Err(reason) if reason.contains("not a constant") => return Ok(None),
        Err(reason) => return Err(reason),
    };
    let node = &graph.nodes[i];
    if node.outputs.first().is_none_or(String::is_empty) {
        return Err("the node has no output".into());
    }
    let weight_name = node.inputs[1].clone();
    let Some((_, Tensor::F32(w))) = find_weight(graph, &weight_name) else { return Ok(None) };
    let w2 = w.view().into_dimensionality::<Ix2>().map_err(|_| format!("weight `{weight_name}` has rank {}: dynamic mode needs a 2-D weight", w.ndim()))?;
    let int_attr = |name: &str| node.attr_int(name).ok().flatten().unwrap_or(0);
    let float_attr = |name: &str| node.attr_float(name).ok().flatten().unwrap_or(1.0);
    let (weight_kn, alpha, bias) = if node.op_type == "Gemm" {
        if int_attr("transA") != 0 {
            return Err("Gemm with transA stays float in dynamic mode".into());
        }
        let kn = if int_attr("transB") != 0 { w2.t().to_owned() } else { w2.to_owned() };
        let beta = float_attr("beta");
        let bias = match node.input(2) {
            None => None,
            Some(c) => match find_weight(graph, c) {
                Some((_, Tensor::F32(c))) => Some(Tensor::F32(c.mapv(|v| v * beta))),
                _ => return Err(format!("Gemm bias `{c}` is not a float32 constant")),
            },
        };
        (kn, float_attr("alpha"), bias)
    } else {
        (w2.to_owned(), 1.0, None)
    };
    let _ = layer;
    Ok(Some(Job { node: i, weight_name, weight_kn: weight_kn.into_dyn(), alpha, bias }))
}
