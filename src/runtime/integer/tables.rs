//! Lookup tables for elementwise ops between quantized values. A table is made by running the
//! model's own `DequantizeLinear → op → QuantizeLinear` nodes (built from the registry, with
//! their attributes and constant inputs) on every possible 8-bit input — 256 values for a
//! unary op, all 65,536 pairs for a binary one — so looking it up gives exactly what the
//! float-simulated graph computes.

use super::constants::GraphIndex;
use crate::ir::{DType, Graph, Node, Tensor, normalize_domain};
use crate::ops::{BuildContext, EmptyScope, ExecContext, OpError, Registry, Subgraph, SubgraphCompiler};
use crate::runtime::Opsets;

/// Builds and runs single nodes.
pub struct Evaluator<'a> {
    pub registry: &'a Registry,
    pub opsets: &'a Opsets,
}

/// Elementwise ops never have subgraphs.
struct NoSubgraphs;
impl SubgraphCompiler for NoSubgraphs {
    fn compile(&self, _: &Graph) -> Result<Box<dyn Subgraph>, OpError> {
        Err(OpError::invalid("a lookup table is only built for ops without subgraphs"))
    }
}

impl Evaluator<'_> {
    /// `node` run on `first` (its first input) and its other inputs as constants.
    fn run(&self, node: &Node, first: &[&Tensor], index: &GraphIndex) -> Option<Tensor> {
        let domain = normalize_domain(&node.domain);
        let opset = *self.opsets.get(domain)?;
        let build = self.registry.lookup(domain, &node.op_type, opset).ok()?;
        let op = build(&BuildContext { node, opset, subgraphs: &NoSubgraphs, constants: &[] }).ok()?;
        let mut inputs: Vec<Option<&Tensor>> = first.iter().copied().map(Some).collect();
        for name in node.inputs.iter().skip(first.len()) {
            inputs.push(if name.is_empty() { None } else { Some(index.constant(name)?) });
        }
        op.run(&inputs, &ExecContext { scope: &EmptyScope }).ok()?.into_iter().next()
    }
}

/// Every value of an 8-bit type in byte order, `repeat` times each (`repeat = 1`) or the whole
/// sequence tiled (`tile = true`), as a 1-D tensor of `256 · repeat` values.
fn byte_values(dtype: DType, repeat: usize, tile: bool) -> Option<Tensor> {
    let bytes: Vec<u8> =
        (0..256 * repeat).map(|i| if tile { (i % 256) as u8 } else { (i / repeat) as u8 }).collect();
    let len = bytes.len();
    match dtype {
        DType::U8 => Tensor::from_vec(&[len], bytes).ok(),
        DType::I8 => Tensor::from_vec(&[len], bytes.into_iter().map(|b| b as i8).collect::<Vec<_>>()).ok(),
        _ => None,
    }
}

/// An 8-bit result of `len` values, as the table.
fn as_table(t: Tensor, len: usize) -> Option<Tensor> {
    (t.shape() == [len] && matches!(t.dtype(), Some(DType::U8 | DType::I8))).then_some(t)
}

/// `table[x] = Q(op(DQ(x)))` for the 256 values of x's type.
pub fn unary_table(eval: &Evaluator, index: &GraphIndex, dq: &Node, x_type: DType, op: &Node, q: &Node) -> Option<Tensor> {
    let x = byte_values(x_type, 1, false)?;
    let v = eval.run(dq, &[&x], index)?;
    let y = eval.run(op, &[&v], index)?;
    as_table(eval.run(q, &[&y], index)?, 256)
}

/// `table[a·256 + b] = Q(op(DQ_a(a), DQ_b(b)))` for every pair of 8-bit values.
pub fn binary_table(
    eval: &Evaluator,
    index: &GraphIndex,
    (dq_a, a_type): (&Node, DType),
    (dq_b, b_type): (&Node, DType),
    op: &Node,
    q: &Node,
) -> Option<Tensor> {
    let a = eval.run(dq_a, &[&byte_values(a_type, 256, false)?], index)?;
    let b = eval.run(dq_b, &[&byte_values(b_type, 256, true)?], index)?;
    let y = eval.run(op, &[&a, &b], index)?;
    as_table(eval.run(q, &[&y], index)?, 65536)
}
