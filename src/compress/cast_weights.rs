//! Half-precision weights that reach their layers through a `Cast` to float32 (exporters that
//! store a model in float16 but compute in float32 write `W_f16 → Cast(to=FLOAT) → Conv`).
//! To the passes such a weight is "computed at run time", so nothing would be quantized or
//! pruned. [`fold`] turns each `Cast` of a float16/bfloat16 constant into a float32 initializer
//! before the steps run; [`restore`] stores every one of them a step left in float32 back in
//! its original type with its `Cast` after them, so a weight no step changed costs what it cost
//! before (the round trip float16 → float32 → float16 is exact).

use std::collections::HashSet;


use super::quantize::qdq::remove_orphaned;
use super::weights::{find_weight, for_each_graph_mut};
use crate::ir::dtype_dispatch::{dispatch_dtype, dispatch_tensor};
use crate::ir::{DType, Element, Graph, Initializer, Model, Names, Node, Tensor};

/// ONNX `TensorProto.DataType.FLOAT`.
const ONNX_FLOAT: i64 = 1;

/// One folded `Cast`: the float32 initializer `value` (the Cast's output name; names are unique
/// in the whole model, so it is found in whichever graph a step moved it to), stored as `dtype`
/// in the input.
#[derive(Clone, Debug, PartialEq)]
pub struct FoldedCast {
    pub value: String,
    pub dtype: DType,
    /// The half-precision source's name and the Cast node, reused when restored.
    pub source: String,
    pub cast: Node,
}

/// Replaces every `Cast(to=FLOAT)` of a float16 or bfloat16 constant, in every graph, by a
/// float32 initializer of the Cast's output name; drops the half-precision source when nothing
/// else reads it. A Cast whose output is a graph output stays.
pub fn fold(model: &mut Model) -> Vec<FoldedCast> {
    let mut folded = Vec::new();
    let _ = for_each_graph_mut::<()>(&mut model.graph, &mut |_, graph| {
        fold_in_graph(graph, &mut folded);
        Ok(())
    });
    folded
}

fn fold_in_graph(graph: &mut Graph, folded: &mut Vec<FoldedCast>) {
    let outputs: HashSet<String> = graph.outputs.iter().map(|o| o.name.clone()).collect();
    let mut sources = HashSet::new();
    let mut remove = Vec::new();
    for (index, node) in graph.nodes.iter().enumerate() {
        let is_cast =
            node.op_type == "Cast" && (node.domain.is_empty() || node.domain == "ai.onnx");
        if !is_cast
            || node.attr_int("to").ok().flatten() != Some(ONNX_FLOAT)
            || node.outputs.len() != 1
        {
            continue;
        }
        let (Some(source), Some(value)) = (node.input(0), node.outputs.first()) else {
            continue;
        };
        if outputs.contains(value) {
            continue;
        }
        let Some((_, tensor)) = find_weight(graph, source) else {
            continue;
        };
        let (dtype, values) = dispatch_tensor!(half, tensor, a: E => (<E as Element>::DTYPE, a.mapv(f32::from)), _ => continue);
        remove.push((index, Initializer::new(value.clone(), Tensor::F32(values))));
        sources.insert(source.to_string());
        folded.push(FoldedCast {
            value: value.clone(),
            dtype,
            source: source.to_string(),
            cast: node.clone(),
        });
    }
    for (index, _) in remove.iter().rev() {
        graph.nodes.remove(*index);
    }
    graph
        .initializers
        .extend(remove.into_iter().map(|(_, init)| init));
    remove_orphaned(graph, &sources);
}

/// Puts every folded weight still stored as float32 back in its original type behind a new
/// `Cast` (named by `names`, the model's name allocator). Returns how many were restored.
pub fn restore(model: &mut Model, folded: &[FoldedCast]) -> usize {
    if folded.is_empty() {
        return 0;
    }
    let mut names = Names::of_model(model);
    let mut restored = 0;
    let _ = for_each_graph_mut::<()>(&mut model.graph, &mut |_, graph| {
        let mut casts = Vec::new();
        for f in folded {
            let Some(index) = graph.initializers.iter().position(|i| i.name == f.value) else {
                continue;
            };
            let Tensor::F32(values) = &graph.initializers[index].tensor else { continue };
            let half: Tensor = dispatch_dtype!(half, f.dtype, E => Element::wrap(values.mapv(E::from_f32)), _ => continue);
            let mut cast = f.cast.clone();
            if !cast.name.is_empty() {
                if names.contains(&cast.name) {
                    cast.name = names.fresh(&format!("{}_Cast", f.value));
                } else {
                    names.reserve(&cast.name);
                }
            }
            // The source still there (others read it) with the same values: read it again.
            if graph
                .initializers
                .iter()
                .any(|i| i.name == f.source && i.tensor == half)
            {
                graph.initializers.remove(index);
            } else {
                let source = if names.contains(&f.source) {
                    names.fresh(&format!("{}_{}", f.value, f.dtype.name()))
                } else {
                    f.source.clone()
                };
                names.reserve(&source);
                let init = &mut graph.initializers[index];
                init.name = source.clone();
                init.tensor = half;
                cast.inputs[0] = source;
            }
            casts.push(cast);
            restored += 1;
        }
        graph.nodes.splice(0..0, casts);
        Ok(())
    });
    restored
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AttrValue, Attribute, OpsetImport};
    use half::f16;

    fn f16_model() -> Model {
        let w = Tensor::F16(
            ndarray::ArrayD::from_shape_vec(
                vec![2, 2],
                [0.5f32, -1.25, 3.0, 0.1].map(f16::from_f32).to_vec(),
            )
            .unwrap(),
        );
        let mut cast = Node::new("Cast", &["w_f16"], &["w"]);
        cast.attributes
            .push(Attribute::new("to", AttrValue::Int(ONNX_FLOAT)));
        let graph = Graph {
            nodes: vec![cast, Node::new("MatMul", &["x", "w"], &["y"])],
            initializers: vec![Initializer::new("w_f16", w)],
            ..Graph::default()
        };
        Model {
            graph,
            opset_import: vec![OpsetImport {
                domain: String::new(),
                version: 17,
            }],
            ..Model::default()
        }
    }

    #[test]
    fn a_cast_half_weight_becomes_a_float_weight_and_comes_back_exactly() {
        let original = f16_model();
        let mut model = original.clone();
        let folded = fold(&mut model);
        assert_eq!(folded.len(), 1);
        assert_eq!((folded[0].value.as_str(), folded[0].dtype, folded[0].source.as_str()), ("w", DType::F16, "w_f16"));
        assert_eq!(model.graph.nodes.len(), 1, "the Cast is gone");
        let (_, w) = find_weight(&model.graph, "w").expect("w is a weight now");
        assert!(matches!(w, Tensor::F32(_)));
        assert!(
            model.graph.initializers.iter().all(|i| i.name != "w_f16"),
            "the unread f16 source is dropped"
        );

        assert_eq!(restore(&mut model, &folded), 1);
        assert_eq!(model.graph.nodes[0].op_type, "Cast");
        assert_eq!(model.graph.nodes[0].outputs, vec!["w".to_string()]);
        assert_eq!(model.graph.nodes[0].inputs, vec!["w_f16".to_string()], "the original source name is back");
        let source = &model.graph.nodes[0].inputs[0];
        let init = model
            .graph
            .initializers
            .iter()
            .find(|i| &i.name == source)
            .unwrap();
        assert_eq!(
            init.tensor, original.graph.initializers[0].tensor,
            "same f16 values"
        );
    }

    #[test]
    fn a_quantized_weight_is_not_restored_and_other_casts_stay() {
        let mut model = f16_model();
        let mut int_cast = Node::new("Cast", &["ids"], &["ids_f"]);
        int_cast
            .attributes
            .push(Attribute::new("to", AttrValue::Int(ONNX_FLOAT)));
        model.graph.nodes.push(int_cast);
        model
            .graph
            .initializers
            .push(Initializer::new("ids", Tensor::scalar(3i64)));
        let folded = fold(&mut model);
        assert_eq!(folded.len(), 1, "only half-precision sources are folded");
        // A step that quantized `w` replaced it: nothing left to restore.
        model.graph.initializers.retain(|i| i.name != "w");
        assert_eq!(restore(&mut model, &folded), 0);
    }
}
