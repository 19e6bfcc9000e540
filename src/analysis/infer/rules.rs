//! Per-op output shape rules (ONNX default domain; attributes and constant inputs as in the
//! spec, both the older attribute forms and the opset-13+ input forms where they moved).

use super::spatial;
use super::{Inputs, ValueShape};
use crate::analysis::cost::{OpCategory, categorize};
use crate::ir::{DType, Node};

type Outputs = Vec<Option<ValueShape>>;

/// Output shapes of `node` (one entry per output), or `None` when no rule applies or an input
/// shape or constant it needs is unknown.
pub fn infer(node: &Node, inputs: &Inputs) -> Option<Outputs> {
    if !node.domain.is_empty() && node.domain != "ai.onnx" {
        return None;
    }
    let op = node.op_type.as_str();
    let x = || inputs.shape(0);
    let one = |dtype: Option<DType>, shape: Vec<usize>| Some(vec![Some(ValueShape::new(dtype, shape))]);
    match op {
        "Identity" | "Dropout" => {
            let x = x()?;
            Some(vec![Some(x.clone()), Some(ValueShape::new(Some(DType::Bool), x.shape.clone()))])
        }
        "Cast" => {
            let to = node.attr_int("to").ok()??;
            one(DType::from_onnx_code(i32::try_from(to).ok()?), x()?.shape.clone())
        }
        "CastLike" => one(inputs.shape(1)?.dtype, x()?.shape.clone()),
        "QuantizeLinear" => {
            let dtype = inputs.shape(2).and_then(|z| z.dtype).or(Some(DType::U8));
            one(dtype, x()?.shape.clone())
        }
        "DequantizeLinear" => {
            let dtype = inputs.shape(1).and_then(|s| s.dtype).or(Some(DType::F32));
            one(dtype, x()?.shape.clone())
        }
        "DynamicQuantizeLinear" => Some(vec![
            Some(ValueShape::new(Some(DType::U8), x()?.shape.clone())),
            Some(ValueShape::new(Some(DType::F32), vec![])),
            Some(ValueShape::new(Some(DType::U8), vec![])),
        ]),
        "Conv" | "ConvInteger" | "QLinearConv" => {
            let w_index = if op == "QLinearConv" { 3 } else { 1 };
            let dtype = match op {
                "ConvInteger" => Some(DType::I32),
                "QLinearConv" => inputs.shape(7).and_then(|z| z.dtype).or(Some(DType::U8)),
                _ => x()?.dtype,
            };
            one(dtype, spatial::conv(node, inputs.dims(0)?, inputs.dims(w_index)?)?)
        }
        "ConvTranspose" => one(x()?.dtype, spatial::conv_transpose(node, inputs.dims(0)?, inputs.dims(1)?)?),
        "MaxPool" | "AveragePool" | "LpPool" => {
            let shape = spatial::pool(node, inputs.dims(0)?)?;
            Some(vec![Some(ValueShape::new(x()?.dtype, shape.clone())), Some(ValueShape::new(Some(DType::I64), shape))])
        }
        "GlobalAveragePool" | "GlobalMaxPool" | "GlobalLpPool" => {
            let d = inputs.dims(0)?;
            let shape: Vec<usize> = d.iter().enumerate().map(|(i, &v)| if i < 2 { v } else { 1 }).collect();
            one(x()?.dtype, shape)
        }
        "Gemm" => {
            let (a, b) = (inputs.dims(0)?, inputs.dims(1)?);
            let (&[a0, a1], &[b0, b1]) = (a, b) else { return None };
            let m = if attr(node, "transA") != 0 { a1 } else { a0 };
            let n = if attr(node, "transB") != 0 { b0 } else { b1 };
            one(x()?.dtype, vec![m, n])
        }
        "MatMul" | "MatMulInteger" | "QLinearMatMul" => {
            let b_index = if op == "QLinearMatMul" { 3 } else { 1 };
            let dtype = match op {
                "MatMulInteger" => Some(DType::I32),
                "QLinearMatMul" => inputs.shape(7).and_then(|z| z.dtype).or(Some(DType::U8)),
                _ => x()?.dtype,
            };
            one(dtype, matmul(inputs.dims(0)?, inputs.dims(b_index)?)?)
        }
        "Flatten" => {
            let d = inputs.dims(0)?;
            let axis = axis(attr_or(node, "axis", 1), d.len() + 1)?;
            one(x()?.dtype, vec![product(&d[..axis])?, product(&d[axis..])?])
        }
        "Reshape" => one(x()?.dtype, reshape(inputs.dims(0)?, &inputs.ints(1)?, attr(node, "allowzero") != 0)?),
        "Transpose" => {
            let d = inputs.dims(0)?;
            let perm: Vec<usize> = match node.attr_ints("perm").ok()? {
                Some(p) => p.iter().map(|&a| axis(a, d.len())).collect::<Option<_>>()?,
                None => (0..d.len()).rev().collect(),
            };
            one(x()?.dtype, perm.iter().map(|&p| d.get(p).copied()).collect::<Option<_>>()?)
        }
        "Concat" => {
            let first = inputs.dims(0)?;
            let axis = axis(node.attr_int("axis").ok()??, first.len())?;
            let mut shape = first.to_vec();
            for i in 1..node.inputs.len() {
                shape[axis] = shape[axis].checked_add(*inputs.dims(i)?.get(axis)?)?;
            }
            one(x()?.dtype, shape)
        }
        "Squeeze" => {
            let d = inputs.dims(0)?;
            let axes = inputs.ints(1).or_else(|| node.attr_ints("axes").ok().flatten());
            let shape = match axes {
                Some(axes) => {
                    let axes: Vec<usize> = axes.iter().map(|&a| axis(a, d.len())).collect::<Option<_>>()?;
                    d.iter().enumerate().filter(|(i, _)| !axes.contains(i)).map(|(_, &v)| v).collect()
                }
                None => d.iter().copied().filter(|&v| v != 1).collect(),
            };
            one(x()?.dtype, shape)
        }
        "Unsqueeze" => {
            let d = inputs.dims(0)?;
            let axes = inputs.ints(1).or_else(|| node.attr_ints("axes").ok().flatten())?;
            let rank = d.len() + axes.len();
            let mut axes: Vec<usize> = axes.iter().map(|&a| axis(a, rank)).collect::<Option<_>>()?;
            axes.sort_unstable();
            let mut rest = d.iter();
            let shape: Option<Vec<usize>> =
                (0..rank).map(|i| if axes.contains(&i) { Some(1) } else { rest.next().copied() }).collect();
            one(x()?.dtype, shape?)
        }
        "Shape" => {
            let rank = inputs.dims(0)?.len() as i64;
            let clamp = |v: i64| (if v < 0 { v + rank } else { v }).clamp(0, rank);
            let start = clamp(attr_or(node, "start", 0));
            let end = clamp(attr_or(node, "end", rank));
            one(Some(DType::I64), vec![(end - start).max(0) as usize])
        }
        "Size" => one(Some(DType::I64), vec![]),
        "Gather" => {
            let (data, indices) = (inputs.dims(0)?, inputs.dims(1)?);
            let axis = axis(attr_or(node, "axis", 0), data.len())?;
            one(x()?.dtype, [&data[..axis], indices, &data[axis + 1..]].concat())
        }
        "Split" => split(node, inputs),
        "Slice" => one(x()?.dtype, slice(node, inputs)?),
        "Pad" => {
            let d = inputs.dims(0)?;
            let pads = inputs.ints(1).or_else(|| node.attr_ints("pads").ok().flatten())?;
            let axes: Vec<usize> = match inputs.ints(3) {
                Some(a) => a.iter().map(|&v| axis(v, d.len())).collect::<Option<_>>()?,
                None => (0..d.len()).collect(),
            };
            if pads.len() != 2 * axes.len() {
                return None;
            }
            let mut shape = d.to_vec();
            for (k, &a) in axes.iter().enumerate() {
                let grown = shape[a] as i64 + pads[k] + pads[k + axes.len()];
                shape[a] = usize::try_from(grown).ok()?;
            }
            one(x()?.dtype, shape)
        }
        "Resize" | "Upsample" => one(x()?.dtype, resize(node, inputs)?),
        "Expand" => one(x()?.dtype, broadcast(&[inputs.dims(0)?, &to_sizes(&inputs.ints(1)?)?])?),
        "Tile" => {
            let d = inputs.dims(0)?;
            let repeats = to_sizes(&inputs.ints(1)?)?;
            if repeats.len() != d.len() {
                return None;
            }
            one(x()?.dtype, d.iter().zip(&repeats).map(|(a, b)| a.checked_mul(*b)).collect::<Option<_>>()?)
        }
        "ConstantOfShape" => {
            let dtype = node.attr_tensor("value").ok().flatten().and_then(|t| t.dtype()).or(Some(DType::F32));
            one(dtype, to_sizes(&inputs.ints(0)?)?)
        }
        "ArgMax" | "ArgMin" => {
            let d = inputs.dims(0)?;
            let a = axis(attr_or(node, "axis", 0), d.len())?;
            one(Some(DType::I64), reduce(d, &[a], attr_or(node, "keepdims", 1) != 0))
        }
        "DepthToSpace" | "SpaceToDepth" => {
            let d = inputs.dims(0)?;
            let block = usize::try_from(node.attr_int("blocksize").ok()??).ok().filter(|&b| b > 0)?;
            let &[n, c, h, w] = d else { return None };
            let shape = if op == "DepthToSpace" {
                vec![n, c / (block * block), h * block, w * block]
            } else {
                vec![n, c * block * block, h / block, w / block]
            };
            one(x()?.dtype, shape)
        }
        "LSTM" | "GRU" | "RNN" => recurrent(node, inputs),
        _ => match categorize(&node.domain, op) {
            OpCategory::Elementwise => elementwise(node, inputs),
            OpCategory::Normalization => one(x()?.dtype, x()?.shape.clone()),
            OpCategory::Reduction if op.starts_with("Reduce") => {
                let d = inputs.dims(0)?;
                let axes = inputs.ints(1).or_else(|| node.attr_ints("axes").ok().flatten()).unwrap_or_default();
                let axes: Vec<usize> = if axes.is_empty() {
                    if attr(node, "noop_with_empty_axes") != 0 {
                        return one(x()?.dtype, d.to_vec());
                    }
                    (0..d.len()).collect()
                } else {
                    axes.iter().map(|&a| axis(a, d.len())).collect::<Option<_>>()?
                };
                one(x()?.dtype, reduce(d, &axes, attr_or(node, "keepdims", 1) != 0))
            }
            _ => None,
        },
    }
}

fn attr(node: &Node, name: &str) -> i64 {
    attr_or(node, name, 0)
}

fn attr_or(node: &Node, name: &str, default: i64) -> i64 {
    node.attr_int(name).ok().flatten().unwrap_or(default)
}

/// A possibly negative axis for a tensor of `rank`.
fn axis(a: i64, rank: usize) -> Option<usize> {
    let r = rank as i64;
    let a = if a < 0 { a + r } else { a };
    (0..r).contains(&a).then_some(a as usize)
}

fn product(dims: &[usize]) -> Option<usize> {
    dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d))
}

fn to_sizes(values: &[i64]) -> Option<Vec<usize>> {
    values.iter().map(|&v| usize::try_from(v).ok()).collect()
}

/// Numpy broadcasting of several shapes.
fn broadcast(shapes: &[&[usize]]) -> Option<Vec<usize>> {
    let rank = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    (0..rank)
        .map(|i| {
            let mut size = 1;
            for s in shapes {
                let d = s.len().checked_sub(rank - i).map_or(1, |j| s[j]);
                size = match (size, d) {
                    (a, b) if a == b => a,
                    (1, b) => b,
                    (a, 1) => a,
                    _ => return None,
                };
            }
            Some(size)
        })
        .collect()
}

fn elementwise(node: &Node, inputs: &Inputs) -> Option<Outputs> {
    let present: Vec<usize> = (0..node.inputs.len()).filter(|&i| inputs.present(i)).collect();
    let dims: Vec<&[usize]> = present.iter().map(|&i| inputs.dims(i)).collect::<Option<_>>()?;
    let shape = broadcast(&dims)?;
    let dtype = match node.op_type.as_str() {
        "Equal" | "Greater" | "Less" | "GreaterOrEqual" | "LessOrEqual" | "Not" | "And" | "Or" | "Xor" | "IsNaN"
        | "IsInf" => Some(DType::Bool),
        "Where" => inputs.shape(1)?.dtype,
        _ => inputs.shape(*present.first()?)?.dtype,
    };
    Some(vec![Some(ValueShape::new(dtype, shape))])
}

/// Numpy matmul: 1-D operands are promoted and the promoted dims dropped again.
fn matmul(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let (a2, drop_m) = if a.len() == 1 { (vec![1, a[0]], true) } else { (a.to_vec(), false) };
    let (b2, drop_n) = if b.len() == 1 { (vec![b[0], 1], true) } else { (b.to_vec(), false) };
    if a2.len() < 2 || b2.len() < 2 || a2[a2.len() - 1] != b2[b2.len() - 2] {
        return None;
    }
    let mut shape = broadcast(&[&a2[..a2.len() - 2], &b2[..b2.len() - 2]])?;
    if !drop_m {
        shape.push(a2[a2.len() - 2]);
    }
    if !drop_n {
        shape.push(b2[b2.len() - 1]);
    }
    Some(shape)
}

/// Reshape's target: 0 copies the input dim (unless `allowzero`), one −1 takes the rest.
fn reshape(input: &[usize], target: &[i64], allow_zero: bool) -> Option<Vec<usize>> {
    let total = product(input)?;
    let mut shape = Vec::with_capacity(target.len());
    let mut unknown = None;
    for (i, &t) in target.iter().enumerate() {
        shape.push(match t {
            -1 if unknown.is_none() => {
                unknown = Some(i);
                1
            }
            0 if !allow_zero => *input.get(i)?,
            t => usize::try_from(t).ok()?,
        });
    }
    if let Some(i) = unknown {
        let known = product(&shape)?;
        if known == 0 || total % known != 0 {
            return None;
        }
        shape[i] = total / known;
    }
    (product(&shape)? == total).then_some(shape)
}

fn reduce(d: &[usize], axes: &[usize], keep_dims: bool) -> Vec<usize> {
    d.iter()
        .enumerate()
        .filter_map(|(i, &v)| match (axes.contains(&i), keep_dims) {
            (false, _) => Some(v),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect()
}

fn split(node: &Node, inputs: &Inputs) -> Option<Outputs> {
    let x = inputs.shape(0)?;
    let d = &x.shape;
    let a = axis(attr_or(node, "axis", 0), d.len())?;
    let count = node.outputs.len();
    let parts: Vec<usize> = match inputs.ints(1).or_else(|| node.attr_ints("split").ok().flatten()) {
        Some(sizes) => to_sizes(&sizes)?,
        None if count > 0 => {
            let chunk = d[a].div_ceil(count);
            (0..count).map(|i| chunk.min(d[a].saturating_sub(i * chunk))).collect()
        }
        None => return None,
    };
    Some(
        parts
            .into_iter()
            .map(|p| {
                let mut shape = d.clone();
                shape[a] = p;
                Some(ValueShape::new(x.dtype, shape))
            })
            .collect(),
    )
}

/// Slice with constant starts/ends/axes/steps (inputs from opset 10, attributes before).
fn slice(node: &Node, inputs: &Inputs) -> Option<Vec<usize>> {
    let d = inputs.dims(0)?;
    let from_inputs = inputs.present(1);
    let get = |index: usize, name: &str| {
        if from_inputs { inputs.ints(index) } else { node.attr_ints(name).ok().flatten() }
    };
    let starts = get(1, "starts")?;
    let ends = get(2, "ends")?;
    let axes = match get(3, "axes") {
        Some(a) => a,
        None if from_inputs && inputs.present(3) => return None,
        None => (0..starts.len() as i64).collect(),
    };
    let steps = if from_inputs && inputs.present(4) { inputs.ints(4)? } else { vec![1; starts.len()] };
    if ends.len() != starts.len() || axes.len() != starts.len() || steps.len() != starts.len() {
        return None;
    }
    let mut shape = d.to_vec();
    for k in 0..starts.len() {
        let a = axis(axes[k], d.len())?;
        let size = d[a] as i64;
        let step = steps[k];
        if step == 0 {
            return None;
        }
        let clamp = |v: i64, low: i64, high: i64| (if v < 0 { v + size } else { v }).clamp(low, high);
        let count = if step > 0 {
            let (s, e) = (clamp(starts[k], 0, size), clamp(ends[k], 0, size));
            (e - s + step - 1).div_euclid(step).max(0)
        } else {
            let (s, e) = (clamp(starts[k], -1, size - 1), clamp(ends[k], -1, size - 1));
            (s - e - step - 1).div_euclid(-step).max(0)
        };
        shape[a] = count as usize;
    }
    Some(shape)
}

/// Resize (sizes, or scales with floor) and Upsample (scales).
fn resize(node: &Node, inputs: &Inputs) -> Option<Vec<usize>> {
    let d = inputs.dims(0)?;
    let (scales_index, sizes_index) = match (node.op_type.as_str(), node.inputs.len()) {
        ("Upsample", _) | (_, 2) => (1, usize::MAX),
        _ => (2, 3),
    };
    if let Some(sizes) = inputs.ints(sizes_index).filter(|s| !s.is_empty()) {
        let sizes = to_sizes(&sizes)?;
        return match node.attr_ints("axes").ok().flatten() {
            Some(axes) => {
                let mut shape = d.to_vec();
                for (a, s) in axes.iter().zip(sizes) {
                    shape[axis(*a, d.len())?] = s;
                }
                Some(shape)
            }
            None => (sizes.len() == d.len()).then_some(sizes),
        };
    }
    let scales = inputs
        .floats(scales_index)
        .or_else(|| node.attr_floats("scales").ok().flatten().map(|v| v.iter().map(|&f| f64::from(f)).collect()))?;
    if scales.len() != d.len() {
        return None;
    }
    d.iter().zip(&scales).map(|(&v, &s)| (s >= 0.0).then(|| (v as f64 * s).floor() as usize)).collect()
}

/// LSTM/GRU/RNN outputs: Y `[seq, dirs, batch, H]` (layout 0) and the final states
/// `[dirs, batch, H]`; batch first when `layout` is 1.
fn recurrent(node: &Node, inputs: &Inputs) -> Option<Outputs> {
    let x = inputs.shape(0)?;
    let &[x0, x1, _] = x.shape.as_slice() else { return None };
    let directions = *inputs.dims(1)?.first()?;
    let hidden = match node.attr_int("hidden_size").ok().flatten() {
        Some(h) if h > 0 => h as usize,
        _ => *inputs.dims(2)?.get(2)?,
    };
    let batch_first = attr(node, "layout") == 1;
    let (seq, batch) = if batch_first { (x1, x0) } else { (x0, x1) };
    let (y, state) = if batch_first {
        (vec![batch, seq, directions, hidden], vec![batch, directions, hidden])
    } else {
        (vec![seq, directions, batch, hidden], vec![directions, batch, hidden])
    };
    let with = |shape: Vec<usize>| Some(ValueShape::new(x.dtype, shape));
    Some(vec![with(y), with(state.clone()), with(state)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reshape_and_matmul_follow_numpy() {
        assert_eq!(reshape(&[2, 3, 4], &[0, -1], false), Some(vec![2, 12]));
        assert_eq!(reshape(&[2, 3, 4], &[-1, 0, 2], false), Some(vec![4, 3, 2]));
        assert_eq!(reshape(&[2, 3], &[4, -1], false), None);
        assert_eq!(matmul(&[2, 1, 3, 4], &[5, 4, 6]), Some(vec![2, 5, 3, 6]));
        assert_eq!(matmul(&[4], &[4, 6]), Some(vec![6]));
        assert_eq!(matmul(&[3, 4], &[4]), Some(vec![3]));
        assert_eq!(broadcast(&[&[8, 1, 6, 1], &[7, 1, 5]]), Some(vec![8, 7, 6, 5]));
        assert_eq!(reduce(&[2, 3, 4], &[1], false), vec![2, 4]);
    }
}
