//! Which layers can be pruned, and which of them a spec selects.
//!
//! A prunable layer is a layer op (`ops::layer_table`: Conv, ConvTranspose, Gemm, MatMul) whose
//! weight (input 1: W or B) is a constant of the same graph — an initializer or a `Constant` node (`weights::find_weight`) —
//! holding float32, read by that node alone. Layers are found in the main graph and in every
//! subgraph (If/Loop/Scan bodies), main graph first, each graph in node order.

use super::layout::WeightView;
use crate::ops::layer_table::{WeightLayout, layer_op};
use super::spec::PruneSpec;
use crate::compress::selection::LayerNames;
use crate::compress::weights::{find_weight, for_each_graph_mut};
use crate::ir::{Graph, Model, Node, Tensor};

/// One prunable layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    /// Subgraph path (`""` for the main graph), as `weights::for_each_graph_mut` names it.
    pub graph: String,
    pub node_index: usize,
    /// Node label (name, or `Op → output` when unnamed).
    pub name: String,
    pub node_name: String,
    pub op_type: String,
    /// The weight's value name.
    pub weight: String,
    pub layout: WeightLayout,
    pub shape: Vec<usize>,
    /// `group` attribute of convolutions (1 otherwise).
    pub group: usize,
}

/// A layer-like node pare found but cannot prune, with the reason.
#[derive(Clone, Debug, PartialEq)]
pub struct NotPrunable {
    pub graph: String,
    pub name: String,
    pub op_type: String,
    pub reason: String,
}

/// Every prunable layer of `model` and the candidate nodes that are not prunable.
pub fn find_layers(model: &mut Model) -> (Vec<Layer>, Vec<NotPrunable>) {
    let mut layers = Vec::new();
    let mut skipped = Vec::new();
    let _ = for_each_graph_mut::<()>(&mut model.graph, &mut |path, graph| {
        for (index, node) in graph.nodes.iter().enumerate() {
            match classify(graph, node) {
                None => {}
                Some(Ok((weight, layout, shape, group))) => layers.push(Layer {
                    graph: path.to_string(),
                    node_index: index,
                    name: node.label(),
                    node_name: node.name.clone(),
                    op_type: node.op_type.clone(),
                    weight,
                    layout,
                    shape,
                    group,
                }),
                Some(Err(reason)) => skipped.push(NotPrunable {
                    graph: path.to_string(),
                    name: node.label(),
                    op_type: node.op_type.clone(),
                    reason,
                }),
            }
        }
        Ok(())
    });
    (layers, skipped)
}

/// A layer's weight name, layout, weight shape and `group`.
type Classified = (String, WeightLayout, Vec<usize>, usize);

/// `None`: not a layer op (or no constant weight: an activation × activation MatMul);
/// `Some(Err)`: a layer op with a constant weight pare cannot prune.
fn classify(graph: &Graph, node: &Node) -> Option<Result<Classified, String>> {
    let op = match layer_op(node)? {
        Ok(op) => op,
        Err(e) => return Some(Err(e)),
    };
    let weight = node.input(op.weight_input)?.to_string();
    let (_, tensor) = find_weight(graph, &weight)?;
    Some(check_weight(graph, node, &weight, tensor, op.layout))
}

fn check_weight(
    graph: &Graph,
    node: &Node,
    weight: &str,
    tensor: &Tensor,
    layout: WeightLayout,
) -> Result<Classified, String> {
    if !matches!(tensor, Tensor::F32(_)) {
        return Err(format!("weight `{weight}` is {}, pruning handles float32 weights", tensor.type_name()));
    }
    let shape = tensor.shape();
    WeightView::new(layout, &shape)?;
    let reads = graph.consumers(weight).len() + usize::from(graph.is_output(weight));
    let reads_in_node = node.inputs.iter().filter(|i| *i == weight).count();
    if reads != 1 || reads_in_node != 1 {
        return Err(format!("weight `{weight}` is shared with other nodes"));
    }
    let group = match layout {
        WeightLayout::Conv | WeightLayout::ConvTranspose => match node.attr_int("group") {
            Ok(g) => usize::try_from(g.unwrap_or(1)).ok().filter(|g| *g >= 1).ok_or("group must be ≥ 1")?,
            Err(e) => return Err(e.to_string()),
        },
        _ => 1,
    };
    Ok((weight.to_string(), layout, shape, group))
}

/// A spec's selection of `layers`: the indices to prune and, for the others, why not.
pub struct Selection {
    pub chosen: Vec<usize>,
    /// (layer index, reason) for layers left alone by the spec.
    pub left_out: Vec<(usize, String)>,
}

/// Applies `include`, `exclude`, `keep_first_last` and `ratios` (a layer named there is chosen
/// even if first or last; without a `ratio`, only the layers named there are). An `include`
/// entry that names neither a prunable layer nor an op type of one, or a `ratios` entry that
/// names no prunable layer, is an error (a typo must not prune the wrong layers).
pub fn select(layers: &[Layer], spec: &PruneSpec) -> Result<Selection, String> {
    let names: Vec<LayerNames> =
        layers.iter().map(|l| LayerNames { node_name: &l.node_name, label: &l.name, op_type: &l.op_type }).collect();
    let selection = spec.selection();
    selection.check_include(&names)?;
    for name in spec.ratios.keys() {
        if !layers.iter().any(|l| *name == l.node_name || *name == l.name) {
            let known: Vec<&str> = layers.iter().map(|l| l.name.as_str()).take(24).collect();
            let more = if layers.len() > known.len() { ", …" } else { "" };
            return Err(format!(
                "`ratios` names `{name}`, which is not a prunable layer (prunable layers: {}{more})",
                known.join(", ")
            ));
        }
    }
    let mut chosen = Vec::new();
    let mut left_out = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        let named_in_ratios = spec.ratio_entry(layer).is_some();
        let reason = selection.left_out(&names, i, named_in_ratios).or_else(|| {
            (spec.ratio.is_none() && !spec.ratios.is_empty() && !named_in_ratios)
                .then(|| "no ratio: not named in `ratios` and the spec has no `ratio`".to_string())
        });
        match reason {
            Some(r) => left_out.push((i, r)),
            None => chosen.push(i),
        }
    }
    Ok(Selection { chosen, left_out })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compress::prune::spec::Method;
    use crate::fixtures::mnist;

    #[test]
    fn finds_the_mnist_layers_and_selects_by_spec() {
        let (layers, skipped) = find_layers(&mut mnist());
        let names: Vec<&str> = layers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, vec!["conv1", "conv2", "fc1", "fc2"]);
        assert!(skipped.is_empty());
        assert_eq!(layers[2].layout, WeightLayout::Gemm { trans_b: true });

        let spec = PruneSpec::new(Method::Unstructured, 0.5);
        assert_eq!(select(&layers, &spec).unwrap().chosen, vec![1, 2]);
        let spec = PruneSpec { keep_first_last: false, exclude: vec!["Gemm".into()], ..spec };
        assert_eq!(select(&layers, &spec).unwrap().chosen, vec![0, 1]);
        let spec = PruneSpec { include: Some(vec!["conv1".into(), "fc1".into()]), ..PruneSpec::new(Method::Kernel, 0.5) };
        assert_eq!(select(&layers, &spec).unwrap().chosen, vec![0, 2], "named in include beats keep_first_last");
        let spec = PruneSpec { include: Some(vec!["conv9".into()]), ..spec };
        assert!(select(&layers, &spec).err().unwrap().contains("conv9"));

        let mut spec = PruneSpec::new(Method::Unstructured, 0.5);
        spec.ratios.insert("fc2".into(), 0.3);
        assert_eq!(select(&layers, &spec).unwrap().chosen, vec![1, 2, 3], "named in ratios beats keep_first_last");
        spec.ratio = None;
        assert_eq!(select(&layers, &spec).unwrap().chosen, vec![3], "no `ratio`: only the named layers");
        spec.ratios.insert("fc9".into(), 0.3);
        let err = select(&layers, &spec).err().unwrap();
        assert!(err.contains("`fc9`") && err.contains("conv1, conv2, fc1, fc2"), "{err}");
    }

    #[test]
    fn shared_weights_are_not_prunable() {
        let mut model = mnist();
        let extra = Node::new("MatMul", &["flat", "w3"], &["again"]);
        model.graph.nodes.push(extra);
        let (layers, skipped) = find_layers(&mut model);
        assert_eq!(layers.len(), 3);
        assert!(skipped.iter().any(|s| s.reason.contains("shared")), "{skipped:?}");
    }
}
