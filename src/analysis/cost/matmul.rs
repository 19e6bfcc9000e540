//! Matrix products. Gemm: `MACs = M·N·K` (the `C` term is a bias and not counted). MatMul (and
//! MatMulInteger, QLinearMatMul): `MACs = elements(Y) · K`, numpy broadcasting over the leading
//! dims. Einsum: the naive loop nest, `MACs = ∏ sizes of all distinct indices` (an upper bound
//! when the runtime contracts in a better order).

use std::collections::HashMap;

use super::{Cost, input_dims, output_dims, product};
use crate::analysis::values::ValueTable;
use crate::ir::Node;

pub fn gemm(node: &Node, values: &ValueTable) -> Result<Cost, String> {
    let a = input_dims(node, 0, values)?;
    let b = input_dims(node, 1, values)?;
    let (&[a0, a1], &[b0, b1]) = (a, b) else {
        return Err("Gemm inputs must be matrices".into());
    };
    let trans_a = node.attr_int("transA").ok().flatten().unwrap_or(0) != 0;
    let trans_b = node.attr_int("transB").ok().flatten().unwrap_or(0) != 0;
    let (m, k) = if trans_a { (a1, a0) } else { (a0, a1) };
    let n = if trans_b { b0 } else { b1 };
    Ok(Cost::from_macs(product(&[m, n, k])))
}

pub fn matmul(node: &Node, values: &ValueTable) -> Result<Cost, String> {
    let b_index = if node.op_type == "QLinearMatMul" { 3 } else { 1 };
    let a = input_dims(node, 0, values)?;
    let k = *a.last().ok_or("MatMul input A is a scalar")?;
    let output_elements = match output_dims(node, 0, values) {
        Ok(y) => product(y),
        Err(reason) => {
            let b = input_dims(node, b_index, values).map_err(|_| reason)?;
            matmul_output_elements(a, b).ok_or("MatMul input shapes do not broadcast")?
        }
    };
    Ok(Cost::from_macs(output_elements.saturating_mul(k as u64)))
}

/// Elements of `A @ B` under numpy's matmul rules, or `None` if the shapes do not fit.
fn matmul_output_elements(a: &[usize], b: &[usize]) -> Option<u64> {
    let (m, a_batch) = match a.len() {
        0 => return None,
        1 => (1, &[][..]),
        r => (a[r - 2], &a[..r - 2]),
    };
    let (n, b_batch) = match b.len() {
        0 => return None,
        1 => (1, &[][..]),
        r => (b[r - 1], &b[..r - 2]),
    };
    let rank = a_batch.len().max(b_batch.len());
    let mut batch = 1u64;
    for i in 0..rank {
        let da = a_batch.len().checked_sub(rank - i).map_or(1, |j| a_batch[j]);
        let db = b_batch.len().checked_sub(rank - i).map_or(1, |j| b_batch[j]);
        let d = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
        batch = batch.saturating_mul(d as u64);
    }
    Some(batch.saturating_mul(m as u64).saturating_mul(n as u64))
}

pub fn einsum(node: &Node, values: &ValueTable) -> Result<Cost, String> {
    let equation = node.attr_string("equation").ok().flatten().ok_or("Einsum has no equation")?;
    let equation: String = equation.chars().filter(|c| !c.is_whitespace()).collect();
    let operands = equation.split("->").next().unwrap_or("");
    let mut sizes: HashMap<char, usize> = HashMap::new();
    let mut ellipsis_elements = 1u64;
    for (index, term) in operands.split(',').enumerate() {
        let dims = input_dims(node, index, values)?;
        let letters: Vec<char> = term.replace("...", "").chars().collect();
        if term.contains("...") {
            let covered = dims.len().checked_sub(letters.len()).ok_or("Einsum term longer than its operand")?;
            let start = term.find("...").unwrap_or(0);
            let ellipsis = &dims[start..start + covered];
            ellipsis_elements = ellipsis_elements.max(product(ellipsis));
            let after: Vec<usize> = dims[..start].iter().chain(&dims[start + covered..]).copied().collect();
            for (c, d) in letters.iter().zip(after) {
                sizes.insert(*c, d.max(sizes.get(c).copied().unwrap_or(1)));
            }
        } else {
            if letters.len() != dims.len() {
                return Err(format!("Einsum term `{term}` does not match rank {}", dims.len()));
            }
            for (c, &d) in letters.iter().zip(dims) {
                sizes.insert(*c, d.max(sizes.get(c).copied().unwrap_or(1)));
            }
        }
    }
    let loop_nest: Vec<usize> = sizes.into_values().collect();
    Ok(Cost::from_macs(product(&loop_nest).saturating_mul(ellipsis_elements)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matmul_broadcasts_batch_dims_like_numpy() {
        assert_eq!(matmul_output_elements(&[2, 1, 3, 4], &[5, 4, 6]), Some(2 * 5 * 3 * 6));
        assert_eq!(matmul_output_elements(&[4], &[4, 6]), Some(6));
        assert_eq!(matmul_output_elements(&[3, 4], &[4]), Some(3));
        assert_eq!(matmul_output_elements(&[2, 3, 4], &[3, 4, 5]), None);
    }
}
