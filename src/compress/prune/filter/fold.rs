//! Folds `Reshape(constant, constant)` into a constant before the analysis. Exporters (Paddle's
//! for one) write per-channel biases as a Reshape of two Constant nodes; folded, they are plain
//! per-channel constants the surgery can shrink. The Reshape node is replaced in place by a
//! `Constant` node (node indices stay valid); the inputs it leaves unread are removed by
//! [`drop_dead_constants`] once the graph's surgery is done.

use ndarray::IxDyn;

use crate::compress::weights::find_weight;
use crate::ir::{AttrTensor, AttrValue, Attribute, Graph, Node, Tensor};
use crate::ir::dtype_dispatch::map_tensor;

/// Replaces every Reshape of two constants by a Constant node; returns the names of the
/// constants the folded Reshapes read.
pub fn fold_constant_reshapes(graph: &mut Graph) -> Vec<String> {
    let mut inputs_read = Vec::new();
    for index in 0..graph.nodes.len() {
        let node = &graph.nodes[index];
        if node.op_type != "Reshape" || !node.domain.is_empty() || node.attr_int("allowzero").ok().flatten().unwrap_or(0) != 0 {
            continue;
        }
        let (Some(data), Some(shape), Some(out)) = (node.input(0), node.input(1), node.outputs.first()) else { continue };
        let (Some((_, data_t)), Some((_, shape_t))) = (find_weight(graph, data), find_weight(graph, shape)) else { continue };
        let Ok(target) = shape_t.to_i64_vec() else { continue };
        let Some(dims) = resolve(&data_t.shape(), &target) else { continue };
        let Ok(folded) = reshape(data_t, &dims) else { continue };
        let mut constant = Node::new("Constant", &[], &[out.as_str()]);
        constant.name = node.name.clone();
        constant.attributes.push(Attribute::new("value", AttrValue::Tensor(AttrTensor::new(folded))));
        inputs_read.extend([data.to_string(), shape.to_string()]);
        graph.nodes[index] = constant;
    }
    inputs_read
}

/// Reshape's target dims for an input of `shape` (`0` copies, one `-1` is inferred).
fn resolve(shape: &[usize], target: &[i64]) -> Option<Vec<usize>> {
    let total: usize = shape.iter().product();
    let mut dims = Vec::with_capacity(target.len());
    let mut infer = None;
    for (i, &d) in target.iter().enumerate() {
        match d {
            0 => dims.push(*shape.get(i)?),
            -1 if infer.is_none() => {
                infer = Some(i);
                dims.push(1);
            }
            d if d > 0 => dims.push(usize::try_from(d).ok()?),
            _ => return None,
        }
    }
    let known: usize = dims.iter().product();
    if let Some(i) = infer {
        if known == 0 || total % known != 0 {
            return None;
        }
        dims[i] = total / known;
    }
    (dims.iter().product::<usize>() == total).then_some(dims)
}

fn reshape(t: &Tensor, dims: &[usize]) -> Result<Tensor, String> {
    map_tensor!(any, t, a => a.as_standard_layout().into_owned().into_shape_with_order(IxDyn(dims)).map_err(|e| e.to_string())?,
        _ => Err("opaque tensor".to_string()))
}

/// Removes the Constant nodes and initializers among `names` that nothing reads any more.
pub fn drop_dead_constants(graph: &mut Graph, names: &[String]) {
    for name in names {
        if !graph.consumers(name).is_empty() || graph.is_output(name) {
            continue;
        }
        graph.nodes.retain(|n| !(n.op_type == "Constant" && n.outputs.first() == Some(name)));
        if !graph.inputs.iter().any(|i| i.name == *name) {
            graph.initializers.retain(|i| i.name != *name);
        }
        graph.value_info.retain(|v| v.name != *name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Initializer;

    #[test]
    fn folds_a_reshape_of_constants_and_drops_its_inputs() {
        let mut g = Graph::default();
        g.initializers.push(Initializer::new("b", Tensor::from_vec(&[3], vec![1.0f32, 2.0, 3.0]).unwrap()));
        g.initializers.push(Initializer::new("s", Tensor::from_vec(&[4], vec![1i64, -1, 1, 1]).unwrap()));
        g.nodes.push(Node::new("Reshape", &["b", "s"], &["b4"]));
        g.nodes.push(Node::new("Add", &["x", "b4"], &["y"]));
        let read = fold_constant_reshapes(&mut g);
        assert_eq!(find_weight(&g, "b4").unwrap().1.shape(), vec![1, 3, 1, 1]);
        drop_dead_constants(&mut g, &read);
        assert!(g.initializers.is_empty());
        assert_eq!(g.nodes.len(), 2);
        assert_eq!(resolve(&[2, 3], &[0, -1]), Some(vec![2, 3]));
        assert_eq!(resolve(&[2, 3], &[4, -1]), None);
    }
}
