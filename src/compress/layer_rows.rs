//! A layer's input as the rows its weight multiplies: for Gemm/MatMul each row of the input
//! matrix (the `K` features of one sample position), for a Conv each im2col row — the
//! `Cin/g · kh · kw` input values one output position of one group reads, zeros where the window
//! covers padding, in the weight's own `(input channel, kh, kw)` order. The output of output
//! channel `o` at that position is then `row · W[o]`.
//!
//! Shared by the passes that fit a layer to calibration data: pruning's least-squares
//! correction (`prune::correct`) and learned rounding (`quantize::learned_rounding`).

use crate::ir::{Graph, Node};

/// How the layer reads its input.
#[derive(Clone, Debug, PartialEq)]
pub enum Geometry {
    /// Gemm (`trans_a`: the input is stored `[K, M]`) or MatMul with a 2-D weight: rows of the
    /// input's last axis (`K` features).
    Matrix { trans_a: bool },
    /// A 1-D or 2-D Conv (1-D is seen as height 1).
    Conv(ConvGeometry),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConvGeometry {
    pub group: usize,
    /// Input channels per group.
    pub cin_g: usize,
    pub kernel: [usize; 2],
    pub strides: [usize; 2],
    pub dilations: [usize; 2],
    /// Explicit pads `[top, left, bottom, right]`, or `None` for `auto_pad` SAME_* (resolved
    /// per input shape).
    pub pads: Option<[usize; 4]>,
    pub same_upper: bool,
}

impl Geometry {
    /// Reads the geometry of `node` (a Conv with weight shape `weight`, or Gemm/MatMul), or says
    /// why rows cannot be made for it.
    pub fn of(node: &Node, weight: &[usize]) -> Result<Geometry, String> {
        match node.op_type.as_str() {
            "Gemm" => Ok(Geometry::Matrix { trans_a: node.attr_int("transA").map_err(|e| e.to_string())?.unwrap_or(0) != 0 }),
            "MatMul" if weight.len() == 2 => Ok(Geometry::Matrix { trans_a: false }),
            "MatMul" => Err("MatMul weights with batch dims are not corrected".into()),
            "Conv" => conv(node, weight).map(Geometry::Conv),
            other => Err(format!("{other} layers are not corrected (Conv, Gemm and MatMul are)")),
        }
    }

    pub fn groups(&self) -> usize {
        match self {
            Geometry::Matrix { .. } => 1,
            Geometry::Conv(c) => c.group,
        }
    }
}

fn ints(node: &Node, name: &str, len: usize, default: usize) -> Result<Vec<usize>, String> {
    match node.attr_ints(name).map_err(|e| e.to_string())? {
        None => Ok(vec![default; len]),
        Some(v) if v.len() == len => v
            .iter()
            .map(|&x| usize::try_from(x).ok().filter(|&x| x < 1 << 24).ok_or_else(|| format!("`{name}` value {x} is out of range")))
            .collect(),
        Some(v) => Err(format!("`{name}` has {} values, expected {len}", v.len())),
    }
}

fn conv(node: &Node, weight: &[usize]) -> Result<ConvGeometry, String> {
    let spatial = weight.len().saturating_sub(2);
    if !(1..=2).contains(&spatial) {
        return Err(format!("{spatial}-D convolutions are not corrected (1-D and 2-D are)"));
    }
    let group = usize::try_from(node.attr_int("group").map_err(|e| e.to_string())?.unwrap_or(1)).map_err(|_| "bad `group`")?;
    let to2 = |v: Vec<usize>, fill: usize| if v.len() == 1 { [fill, v[0]] } else { [v[0], v[1]] };
    let strides = to2(ints(node, "strides", spatial, 1)?, 1);
    let dilations = to2(ints(node, "dilations", spatial, 1)?, 1);
    if strides.contains(&0) || dilations.contains(&0) {
        return Err("strides and dilations must be ≥ 1".into());
    }
    let kernel = to2(weight[2..].to_vec(), 1);
    if kernel.contains(&0) || weight[1] == 0 {
        return Err(format!("a conv weight of shape {weight:?} has an empty kernel"));
    }
    let auto_pad = node.attr_string("auto_pad").map_err(|e| e.to_string())?.unwrap_or_default();
    let (pads, same_upper) = match auto_pad.as_str() {
        "" | "NOTSET" => {
            let p = ints(node, "pads", 2 * spatial, 0)?;
            let pads = if spatial == 1 { [0, p[0], 0, p[1]] } else { [p[0], p[1], p[2], p[3]] };
            (Some(pads), false)
        }
        "VALID" => (Some([0; 4]), false),
        "SAME_UPPER" => (None, true),
        "SAME_LOWER" => (None, false),
        other => return Err(format!("unknown auto_pad `{other}`")),
    };
    Ok(ConvGeometry { group: group.max(1), cin_g: weight[1], kernel, strides, dilations, pads, same_upper })
}

/// A Conv input seen as `[N, C, H, W]` with its output size and resolved top/left pads.
struct Window {
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    out_h: usize,
    out_w: usize,
    pad_top: usize,
    pad_left: usize,
}

fn window(g: &ConvGeometry, shape: &[usize]) -> Result<Window, String> {
    let (n, c, h, w) = match shape {
        [n, c, l] => (*n, *c, 1, *l),
        [n, c, h, w] => (*n, *c, *h, *w),
        _ => return Err(format!("conv input of shape {shape:?} does not match its weight")),
    };
    if c != g.cin_g * g.group {
        return Err(format!("conv input has {c} channels, the weight expects {}", g.cin_g * g.group));
    }
    let mut out = [0usize; 2];
    let mut begin = [0usize; 2];
    for (axis, size) in [h, w].into_iter().enumerate() {
        let span = (g.kernel[axis] - 1) * g.dilations[axis] + 1;
        let s = g.strides[axis];
        let (b, e) = match g.pads {
            Some(p) => (p[axis], p[axis + 2]),
            None => {
                let o = size.div_ceil(s);
                let total = ((o.max(1) - 1) * s + span).saturating_sub(size);
                let small = total / 2;
                if g.same_upper { (small, total - small) } else { (total - small, small) }
            }
        };
        let padded = size + b + e;
        if padded < span {
            return Err(format!("the conv window ({span}) is larger than its padded input ({padded})"));
        }
        out[axis] = (padded - span) / s + 1;
        begin[axis] = b;
    }
    Ok(Window { n, c, h, w, out_h: out[0], out_w: out[1], pad_top: begin[0], pad_left: begin[1] })
}

/// Calls `visit(index, group, row)` for every row of `input` (shape `shape`, row-major data).
/// For a Matrix layer, `k` is the feature count the weight expects. Row indices count from 0
/// over this input: Matrix rows in order (row `r` makes output row `r`), Conv rows in
/// (sample, output y, output x, group) order.
pub fn for_each_row(
    geometry: &Geometry,
    input: &[f32],
    shape: &[usize],
    k: usize,
    visit: &mut dyn FnMut(usize, usize, &[f32]),
) -> Result<(), String> {
    match geometry {
        Geometry::Matrix { trans_a } => {
            let Some(&last) = shape.last() else { return Err("the layer input is a scalar".into()) };
            if *trans_a {
                // Gemm transA: the input is [K, M]; row m is column m.
                let [kk, m] = shape else { return Err(format!("Gemm input of shape {shape:?} is not 2-D")) };
                if *kk != k {
                    return Err(format!("Gemm input has {kk} features, the weight expects {k}"));
                }
                let mut row = vec![0.0f32; k];
                for col in 0..*m {
                    for (f, slot) in row.iter_mut().enumerate() {
                        *slot = input[f * m + col];
                    }
                    visit(col, 0, &row);
                }
                return Ok(());
            }
            if last != k {
                return Err(format!("the layer input has {last} features, the weight expects {k}"));
            }
            for (r, row) in input.chunks_exact(k.max(1)).enumerate() {
                visit(r, 0, row);
            }
            Ok(())
        }
        Geometry::Conv(g) => {
            let win = window(g, shape)?;
            if input.len() != win.n * win.c * win.h * win.w {
                return Err("conv input data does not match its shape".into());
            }
            let [kh, kw] = g.kernel;
            let mut row = vec![0.0f32; g.cin_g * kh * kw];
            let mut index = 0;
            for n in 0..win.n {
                for oy in 0..win.out_h {
                    for ox in 0..win.out_w {
                        for group in 0..g.group {
                            fill_row(g, &win, input, n, group, oy, ox, &mut row);
                            visit(index, group, &row);
                            index += 1;
                        }
                    }
                }
            }
            Ok(())
        }
    }
}

/// Rows one input of `shape` yields (all groups together).
pub fn row_count(geometry: &Geometry, shape: &[usize], k: usize) -> Result<usize, String> {
    match geometry {
        Geometry::Matrix { trans_a: true } => Ok(shape.get(1).copied().unwrap_or(0)),
        Geometry::Matrix { trans_a: false } => Ok(shape.iter().product::<usize>() / k.max(1)),
        Geometry::Conv(g) => {
            let w = window(g, shape)?;
            Ok(w.n * w.out_h * w.out_w * g.group)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn fill_row(g: &ConvGeometry, win: &Window, input: &[f32], n: usize, group: usize, oy: usize, ox: usize, row: &mut [f32]) {
    let [kh, kw] = g.kernel;
    let mut at = 0;
    for c in 0..g.cin_g {
        let channel = group * g.cin_g + c;
        let plane = (n * win.c + channel) * win.h * win.w;
        for ky in 0..kh {
            let y = (oy * g.strides[0] + ky * g.dilations[0]) as isize - win.pad_top as isize;
            for kx in 0..kw {
                let x = (ox * g.strides[1] + kx * g.dilations[1]) as isize - win.pad_left as isize;
                row[at] = if y >= 0 && (y as usize) < win.h && x >= 0 && (x as usize) < win.w {
                    input[plane + y as usize * win.w + x as usize]
                } else {
                    0.0
                };
                at += 1;
            }
        }
    }
}

/// The layer output values of channels `group·per_group ..` for row `index` (see
/// `for_each_row`), given the output `y` of shape `y_shape`; `None` if out of range.
pub fn output_row(geometry: &Geometry, y: &[f32], y_shape: &[usize], index: usize, group: usize, per_group: usize, out: &mut [f64]) -> Option<()> {
    match geometry {
        Geometry::Matrix { .. } => {
            let n = *y_shape.last()?;
            let start = index.checked_mul(n)?;
            for (c, slot) in out.iter_mut().enumerate().take(per_group) {
                *slot = f64::from(*y.get(start + c)?);
            }
        }
        Geometry::Conv(g) => {
            let cout = *y_shape.get(1)?;
            let plane: usize = y_shape.get(2..)?.iter().product();
            let pos = index / g.group.max(1);
            let (n, rem) = (pos / plane.max(1), pos % plane.max(1));
            for (c, slot) in out.iter_mut().enumerate().take(per_group) {
                *slot = f64::from(*y.get((n * cout + group * per_group + c) * plane + rem)?);
            }
        }
    }
    Some(())
}

/// The layer node in `graph` whose weight input (input 1) is `weight`.
pub fn node_of_weight(graph: &Graph, weight: &str) -> Option<usize> {
    graph.nodes.iter().position(|n| n.input(1) == Some(weight))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn im2col_rows_cover_padding_with_zeros() {
        // 1 channel 2×2 input, 3×3 kernel, pad 1: the top-left output reads
        // [0 0 0; 0 a b; 0 c d].
        let mut node = Node::new("Conv", &["x", "w"], &["y"]);
        node.attributes.push(crate::ir::Attribute::new("pads", crate::ir::AttrValue::Ints(vec![1, 1, 1, 1])));
        let g = Geometry::of(&node, &[1, 1, 3, 3]).unwrap();
        let mut rows = Vec::new();
        for_each_row(&g, &[1.0, 2.0, 3.0, 4.0], &[1, 1, 2, 2], 9, &mut |_, _, r| rows.push(r.to_vec())).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0], vec![0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 3.0, 4.0]);
        assert_eq!(row_count(&g, &[1, 1, 2, 2], 9).unwrap(), 4);
        // Gemm transA: input [K 2, M 3] gives 3 rows of 2.
        let mut rows = Vec::new();
        let g = Geometry::Matrix { trans_a: true };
        for_each_row(&g, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3], 2, &mut |_, _, r| rows.push(r.to_vec()))
            .unwrap();
        assert_eq!(rows, vec![vec![1.0, 4.0], vec![2.0, 5.0], vec![3.0, 6.0]]);
    }
}
