//! Adding a per-output-channel shift to a layer's bias, whatever form the bias has:
//!
//! - Conv `B [Cout]` (input 2), created when absent;
//! - Gemm `C` (input 2), scaled by `beta` in the op: the shift is divided by `beta`; a scalar or
//!   `[N]`/`[1, N]` C becomes `[N]`/`[1, N]`, an `[M, N]` or `[M, 1]` C becomes `[M, N]`; created
//!   when absent (and `beta` set to 1 if it was 0, since C was then ignored);
//! - MatMul has no bias: an `Add` node with a fresh `[N]` initializer is inserted after it, and
//!   the MatMul's output is renamed so every reader still reads the same name.
//!
//! A bias constant read by other nodes too is not changed in place: this node gets its own copy.

use crate::compress::weights::{find_weight, replace_weight};
use crate::ir::{AttrValue, Attribute, Graph, Initializer, Names, Node, Tensor};

/// Adds `delta[o]` to the output of channel `o` of the layer node `node_index` of `graph`.
pub fn add_to_bias(graph: &mut Graph, node_index: usize, delta: &[f32]) -> Result<(), String> {
    let node = graph.nodes.get(node_index).ok_or("the layer node vanished")?;
    match node.op_type.as_str() {
        "Conv" => {
            let current = current_bias(graph, node_index, delta.len())?;
            let sum: Vec<f32> = match current {
                None => delta.to_vec(),
                Some((_, values)) => values.iter().zip(delta).map(|(b, d)| b + d).collect(),
            };
            let tensor = Tensor::from_vec(&[delta.len()], sum).map_err(|e| e.to_string())?;
            set_input_constant(graph, node_index, 2, tensor, "bias")
        }
        "Gemm" => gemm(graph, node_index, delta),
        "MatMul" => matmul(graph, node_index, delta),
        other => Err(format!("cannot add a bias to a {other} node")),
    }
}

/// A bias constant: its shape and values.
type BiasValues = (Vec<usize>, Vec<f32>);

/// The current constant of input 2 of the node, or `None` when absent.
fn current_bias(graph: &Graph, node_index: usize, channels: usize) -> Result<Option<BiasValues>, String> {
    let node = &graph.nodes[node_index];
    let Some(name) = node.input(2) else { return Ok(None) };
    let (_, tensor) = find_weight(graph, name).ok_or_else(|| format!("bias `{name}` is not a constant"))?;
    let Tensor::F32(a) = tensor else { return Err(format!("bias `{name}` is {}, not float32", tensor.type_name())) };
    let shape = tensor.shape();
    if node.op_type == "Conv" && shape != [channels] {
        return Err(format!("bias `{name}` has shape {shape:?}, expected [{channels}]"));
    }
    Ok(Some((shape, a.iter().copied().collect())))
}

/// Makes input `slot` of the node read a constant holding `tensor`: replaces the existing
/// constant in place when only this node reads it, else adds a fresh initializer.
fn set_input_constant(graph: &mut Graph, node_index: usize, slot: usize, tensor: Tensor, suffix: &str) -> Result<(), String> {
    let node = &graph.nodes[node_index];
    if let Some(name) = node.input(slot).map(str::to_string) {
        let only_reader = graph.consumers(&name) == [node_index] && !graph.is_output(&name);
        let reads_in_node = node.inputs.iter().filter(|i| **i == name).count();
        if only_reader && reads_in_node == 1 {
            if let Some((source, _)) = find_weight(graph, &name) {
                if replace_weight(graph, source, tensor) {
                    return Ok(());
                }
                return Err(format!("bias `{name}` could not be replaced"));
            }
        }
    }
    let base = match node.name.as_str() {
        "" => format!("{}_{suffix}_corrected", node.outputs.first().map_or("layer", String::as_str)),
        n => format!("{n}_{suffix}_corrected"),
    };
    let fresh = Names::of_graph(graph).fresh(&base);
    graph.initializers.push(Initializer::new(fresh.clone(), tensor));
    let node = &mut graph.nodes[node_index];
    while node.inputs.len() <= slot {
        node.inputs.push(String::new());
    }
    node.inputs[slot] = fresh;
    Ok(())
}

fn gemm(graph: &mut Graph, node_index: usize, delta: &[f32]) -> Result<(), String> {
    let n = delta.len();
    let beta = graph.nodes[node_index].attr_float("beta").map_err(|e| e.to_string())?.unwrap_or(1.0);
    let current = if beta == 0.0 { None } else { current_bias(graph, node_index, n)? };
    let scale = if beta == 0.0 { 1.0 } else { beta };
    let shift: Vec<f32> = delta.iter().map(|d| d / scale).collect();
    let tensor = match current {
        None => Tensor::from_vec(&[n], shift),
        Some((shape, values)) => {
            let rows = match shape.as_slice() {
                [] | [1] | [_] | [1, _] => 1,
                [m, _] => *m,
                _ => return Err(format!("Gemm C of shape {shape:?} is not broadcastable to [M, {n}]")),
            };
            let cols = shape.last().copied().unwrap_or(1);
            if cols != 1 && cols != n {
                return Err(format!("Gemm C of shape {shape:?} does not match {n} output channels"));
            }
            let mut out = Vec::with_capacity(rows * n);
            for r in 0..rows {
                for (o, s) in shift.iter().enumerate() {
                    let c = if cols == 1 { values[r] } else { values[r * n + o] };
                    out.push(c + s);
                }
            }
            let new_shape: Vec<usize> = match shape.len() {
                2 => vec![rows, n],
                _ => vec![n],
            };
            Tensor::from_vec(&new_shape, out)
        }
    }
    .map_err(|e| e.to_string())?;
    set_input_constant(graph, node_index, 2, tensor, "bias")?;
    if beta == 0.0 {
        let node = &mut graph.nodes[node_index];
        node.attributes.retain(|a| a.name != "beta");
        node.attributes.push(Attribute::new("beta", AttrValue::Float(1.0)));
    }
    Ok(())
}

fn matmul(graph: &mut Graph, node_index: usize, delta: &[f32]) -> Result<(), String> {
    let output = graph.nodes[node_index].outputs.first().cloned().ok_or("the MatMul has no output")?;
    let label = graph.nodes[node_index].label();
    let mut names = Names::of_graph(graph);
    let raw = names.fresh(&format!("{output}_before_bias"));
    let bias = names.fresh(&format!("{output}_bias_corrected"));
    let tensor = Tensor::from_vec(&[delta.len()], delta.to_vec()).map_err(|e| e.to_string())?;
    graph.initializers.push(Initializer::new(bias.clone(), tensor));
    graph.nodes[node_index].outputs[0] = raw.clone();
    let mut add = Node::new("Add", &[&raw, &bias], &[&output]);
    add.name = names.fresh(&format!("{label}_bias_add"));
    graph.insert_node(node_index + 1, add);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(graph: &Graph, name: &str) -> Vec<f32> {
        graph.initializer(name).unwrap().tensor.as_array::<f32>().unwrap().iter().copied().collect()
    }

    #[test]
    fn gemm_bias_is_shifted_by_delta_over_beta_or_created() {
        let mut node = Node::new("Gemm", &["x", "w", "c"], &["y"]);
        node.attributes.push(Attribute::new("beta", AttrValue::Float(2.0)));
        let mut g = Graph {
            nodes: vec![node],
            initializers: vec![Initializer::new("c", Tensor::from_vec(&[2], vec![1.0f32, 1.0]).unwrap())],
            ..Graph::default()
        };
        add_to_bias(&mut g, 0, &[2.0, -4.0]).unwrap();
        assert_eq!(values(&g, "c"), vec![2.0, -1.0]);

        let mut g = Graph { nodes: vec![Node::new("Gemm", &["x", "w"], &["y"])], ..Graph::default() };
        add_to_bias(&mut g, 0, &[0.5, 0.25]).unwrap();
        let c = g.nodes[0].input(2).unwrap().to_string();
        assert_eq!(values(&g, &c), vec![0.5, 0.25]);
    }

    #[test]
    fn matmul_gets_an_add_and_keeps_its_output_name() {
        let mut g = Graph {
            nodes: vec![Node::new("MatMul", &["x", "w"], &["y"]), Node::new("Relu", &["y"], &["z"])],
            ..Graph::default()
        };
        add_to_bias(&mut g, 0, &[1.0]).unwrap();
        assert_eq!(g.nodes[1].op_type, "Add");
        assert_eq!(g.nodes[1].outputs, vec!["y".to_string()]);
        assert_eq!(g.nodes[0].outputs[0], g.nodes[1].inputs[0]);
        assert_eq!(values(&g, &g.nodes[1].inputs[1].clone()), vec![1.0]);
    }

    #[test]
    fn a_shared_conv_bias_is_copied_not_changed() {
        let mut g = Graph {
            nodes: vec![Node::new("Conv", &["x", "w", "b"], &["y"]), Node::new("Conv", &["y", "w2", "b"], &["z"])],
            initializers: vec![Initializer::new("b", Tensor::from_vec(&[1], vec![1.0f32]).unwrap())],
            ..Graph::default()
        };
        add_to_bias(&mut g, 0, &[1.0]).unwrap();
        assert_eq!(values(&g, "b"), vec![1.0]);
        let own = g.nodes[0].input(2).unwrap().to_string();
        assert_ne!(own, "b");
        assert_eq!(values(&g, &own), vec![2.0]);
    }
}
