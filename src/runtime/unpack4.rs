//! 4-bit weights unpacked once, when a `Session` is created. An int4/uint4 initializer that only
//! DequantizeLinear nodes read (as `x`, or as the zero point of a 4-bit `x`) or Cast nodes read
//! (k-means indices) becomes an int8/uint8 initializer of the same values in the session's
//! private copy of the graph, so runs read bytes instead of unpacking nibbles each time. The
//! result is the same: both operators read 4-bit inputs as those values
//! (`ops::quant::dequantize_linear`, `ops::elementwise::cast`).

use std::collections::{HashMap, HashSet};

use crate::ir::{Graph, node_reads, packed4};

/// The graph with its 4-bit DequantizeLinear initializers unpacked, or `None` when there are
/// none (or the opset cannot carry them: the operator then reports the error).
pub fn unpack_4bit_initializers(graph: &Graph, opset: i64) -> Option<Graph> {
    if opset < 21 {
        return None;
    }
    let four_bit: HashMap<&str, i32> = graph
        .initializers
        .iter()
        .filter(|i| packed4::is_4bit(i.tensor.onnx_type()))
        .map(|i| (i.name.as_str(), i.tensor.onnx_type()))
        .collect();
    if four_bit.is_empty() {
        return None;
    }
    // Names some reader needs packed (another op, a subgraph, a DQ whose other operand is not
    // unpacked with it): they stay as they are.
    let mut keep: HashSet<&str> = graph.outputs.iter().map(|o| o.name.as_str()).collect();
    keep.extend(graph.inputs.iter().map(|i| i.name.as_str()));
    for node in &graph.nodes {
        let is_dq = node.op_type == "DequantizeLinear" && crate::ir::normalize_domain(&node.domain).is_empty() && node.subgraphs().is_empty();
        let x = node.input(0).unwrap_or("");
        let zp = node.input(2);
        let pair_ok = is_dq
            && four_bit.contains_key(x)
            && zp.is_none_or(|z| four_bit.get(z).is_some_and(|&t| t == four_bit[x]));
        // Cast reads the values, whatever their width (a 4-bit target is refused by the op).
        let is_cast = node.op_type == "Cast" && crate::ir::normalize_domain(&node.domain).is_empty() && node.inputs.len() == 1;
        let pair_ok = pair_ok || is_cast;
        for name in node_reads(node) {
            let dq_operand = name == x || Some(name.as_str()) == zp;
            if !(pair_ok && dq_operand) {
                if let Some((&k, _)) = four_bit.get_key_value(name.as_str()) {
                    keep.insert(k);
                }
            }
        }
    }
    if four_bit.keys().all(|k| keep.contains(k)) {
        return None;
    }
    let mut out = graph.clone();
    for init in &mut out.initializers {
        if four_bit.contains_key(init.name.as_str()) && !keep.contains(init.name.as_str()) {
            if let Some(Ok(unpacked)) = init.tensor.unpack_4bit() {
                init.tensor = unpacked;
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AttrValue, Initializer, Model, Node, OpaqueTensor, OpsetImport, Tensor, ValueInfo};
    use crate::runtime::Session;

    fn model(opset: i64, extra_reader: bool) -> Model {
        let mut g = Graph::default();
        g.inputs.push(ValueInfo::tensor("a", 1, None));
        g.outputs.push(ValueInfo::tensor("y", 1, None));
        let w = OpaqueTensor::packed_4bit(&[4, 1], &[-8, 7, -1, 3], true).unwrap();
        g.initializers.push(Initializer::new("w", w));
        g.initializers.push(Initializer::new("s", Tensor::from_vec(&[2, 1], vec![0.5f32, 2.0]).unwrap()));
        let mut dq = Node::new("DequantizeLinear", &["w", "s"], &["wf"]);
        dq.set_attribute("axis", AttrValue::Int(0));
        dq.set_attribute("block_size", AttrValue::Int(2));
        g.nodes.push(dq);
        g.nodes.push(Node::new("MatMul", &["a", "wf"], &["y"]));
        if extra_reader {
            g.nodes.push(Node::new("Identity", &["w"], &["w_copy"]));
        }
        Model { ir_version: 10, opset_import: vec![OpsetImport { domain: String::new(), version: opset }], graph: g, ..Model::default() }
    }

    #[test]
    fn dq_only_initializers_are_unpacked_and_others_kept() {
        let m = model(21, false);
        let unpacked = unpack_4bit_initializers(&m.graph, 21).expect("unpacked");
        assert_eq!(unpacked.initializer("w").unwrap().tensor, Tensor::from_vec(&[4, 1], vec![-8i8, 7, -1, 3]).unwrap());
        assert!(unpack_4bit_initializers(&model(21, true).graph, 21).is_none());
        assert!(unpack_4bit_initializers(&m.graph, 20).is_none());
    }

    #[test]
    fn a_session_runs_a_blocked_int4_matmul() {
        let session = Session::new(&model(21, false)).unwrap();
        let a = Tensor::from_vec(&[1, 4], vec![1.0f32, 1.0, 1.0, 1.0]).unwrap();
        let out = session.run(vec![("a".into(), a)]).unwrap();
        // -8·0.5 + 7·0.5 + -1·2 + 3·2 = 3.5
        assert_eq!(out[0].1, Tensor::from_vec(&[1, 1], vec![3.5f32]).unwrap());
    }

    /// k-means indices: uint4 → Cast(int32) → Gather(codebook), unpacked at session creation
    /// when only the Cast reads them, read packed by the Cast otherwise; the same either way.
    #[test]
    fn cast_readers_get_unpacked_uint4_indices() {
        let mut g = Graph::default();
        g.outputs.push(ValueInfo::tensor("y", 1, None));
        g.initializers.push(Initializer::new("idx", OpaqueTensor::packed_4bit(&[5], &[0, 3, 15, 7, 1], false).unwrap()));
        g.initializers.push(Initializer::new("book", Tensor::from_vec(&[16], (0..16).map(|i| i as f32 * 0.5).collect()).unwrap()));
        let mut cast = Node::new("Cast", &["idx"], &["i32"]);
        cast.set_attribute("to", AttrValue::Int(6));
        g.nodes.push(cast);
        let mut gather = Node::new("Gather", &["book", "i32"], &["y"]);
        gather.set_attribute("axis", AttrValue::Int(0));
        g.nodes.push(gather);
        let unpacked = unpack_4bit_initializers(&g, 21).expect("a Cast reader is unpacked");
        assert_eq!(unpacked.initializer("idx").unwrap().tensor, Tensor::from_vec(&[5], vec![0u8, 3, 15, 7, 1]).unwrap());
        let want = Tensor::from_vec(&[5], vec![0.0f32, 1.5, 7.5, 3.5, 0.5]).unwrap();
        let model = |g: Graph| Model { ir_version: 10, opset_import: vec![OpsetImport { domain: String::new(), version: 21 }], graph: g, ..Model::default() };
        assert_eq!(Session::new(&model(g.clone())).unwrap().run(vec![]).unwrap()[0].1, want);
        // Another reader keeps the packed tensor: the Cast unpacks it itself.
        g.nodes.push(Node::new("Identity", &["idx"], &["idx_copy"]));
        assert!(unpack_4bit_initializers(&g, 21).is_none());
        assert_eq!(Session::new(&model(g)).unwrap().run(vec![]).unwrap()[0].1, want);
    }
}
