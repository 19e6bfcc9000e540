//! Convolutions. Conv (and ConvInteger, QLinearConv, DeformConv): every output element is a dot
//! product over `(Cin/group)·kh·kw` inputs, so `MACs = N·Cout·Hout·Wout · (Cin/group)·kh·kw`
//! = `elements(Y) · elements(W) / Cout`. ConvTranspose scatters every input element through
//! `(Cout/group)·kh·kw` weights: `MACs = elements(X) · elements(W) / Cin`.

use super::{Cost, input_dims, output_dims, product};
use crate::analysis::values::ValueTable;
use crate::ir::Node;

/// Position of the weight input: QLinearConv puts scales and zero points first.
fn weight_index(op_type: &str) -> usize {
    if op_type == "QLinearConv" { 3 } else { 1 }
}

pub fn conv(node: &Node, values: &ValueTable) -> Result<Cost, String> {
    let w = input_dims(node, weight_index(&node.op_type), values)?;
    let y = output_dims(node, 0, values)?;
    if w.len() < 2 {
        return Err(format!("weight of rank {} is not a conv weight", w.len()));
    }
    Ok(Cost::from_macs(product(y).saturating_mul(product(&w[1..]))))
}

pub fn conv_transpose(node: &Node, values: &ValueTable) -> Result<Cost, String> {
    let x = input_dims(node, 0, values)?;
    let w = input_dims(node, 1, values)?;
    if w.len() < 2 {
        return Err(format!("weight of rank {} is not a conv weight", w.len()));
    }
    Ok(Cost::from_macs(product(x).saturating_mul(product(&w[1..]))))
}
