//! The integer convolution shared by ConvInteger and QLinearConv (ONNX opset 10):
//! `acc[n, m, p] = Σ (x − x_zero) · (w[m] − w_zero[m])` as int32, computed per image and group
//! as an im2col transform (`kernels::im2col_runs_q8`, by chunks of output runs) followed by
//! the integer GEMM of the kernel table (`kernels::gemm_i8`: the packed dot_i16x8 /
//! relaxed-SIMD kernels in wasm, their scalar twin natively).
//!
//! Padding positions of the column matrix hold the input zero point, so they contribute
//! nothing, exactly as padding the real-valued input with 0 would.

use super::conv_geometry::ConvGeometry;
use crate::ir::checked_numel;
use crate::kernels::types::{Int8Operand, Operand, Window};
use crate::kernels::{gemm_i8, im2col_runs_q8};
use crate::ops::OpError;

/// Upper bound on the elements of one column-matrix chunk: output positions are processed in
/// chunks so im2col memory stays bounded (and cache-sized) whatever the output size.
const COLUMN_BUDGET: usize = 1 << 22;

/// Accumulators `[N, M, out…]` (row-major) for input `x` `[N, C, in…]` and weights `w`
/// `[M, C/group, k…]`, both row-major; `w_zero` holds one zero point per output channel.
pub fn accumulate<X: Int8Operand + Default, W: Int8Operand>(
    geometry: &ConvGeometry,
    x: &[X],
    x_zero: X,
    w: &[W],
    w_zero: &[i32],
) -> Result<Vec<i32>, OpError> {
    accumulate_in_chunks(geometry, x, x_zero, w, w_zero, COLUMN_BUDGET)
}

/// [`accumulate`] with a given column-chunk budget (tests use tiny ones).
fn accumulate_in_chunks<X: Int8Operand + Default, W: Int8Operand>(
    geometry: &ConvGeometry,
    x: &[X],
    x_zero: X,
    w: &[W],
    w_zero: &[i32],
    column_budget: usize,
) -> Result<Vec<i32>, OpError> {
    let g = geometry;
    let (in_size, out_size) = (g.in_size(), g.out_size());
    let (group_in, group_out, rows) = (g.group_in_channels(), g.group_out_channels(), g.column_rows());
    if x.len() != g.batch * g.in_channels * in_size || w.len() != g.out_channels * rows || w_zero.len() != g.out_channels {
        return Err(OpError::invalid("integer convolution: operand sizes do not match the geometry"));
    }
    let mut out = vec![0i32; checked_numel(&g.output_shape())?];
    if out.is_empty() {
        return Ok(out);
    }
    // Output positions come in runs along the last spatial axis; chunks hold whole runs.
    let run_len = g.out_spatial.last().copied().unwrap_or(1);
    let runs = out_size / run_len;
    let runs_per_chunk = (column_budget / rows.max(1).saturating_mul(run_len)).clamp(1, runs);
    let chunk_width = runs_per_chunk * run_len;
    // Every entry im2col uses is written by it: zeroed memory (no fill pass), and none at all
    // for a 1×1 convolution, which reads its input as the column matrix.
    let columns_len = checked_numel(&[rows, chunk_width])?;
    let mut columns: Vec<X> = Vec::new();
    let column_zero = vec![x_zero.widen(); chunk_width];
    let mut block = vec![0i32; checked_numel(&[group_out, chunk_width])?];
    let pads_begin = g
        .pads_begin
        .iter()
        .map(|&p| isize::try_from(p).map_err(|_| OpError::invalid("integer convolution: padding too large")))
        .collect::<Result<Vec<_>, _>>()?;
    let window = Window {
        input: &g.in_spatial,
        output: &g.out_spatial,
        kernel: &g.kernel,
        strides: &g.strides,
        dilations: &g.dilations,
        pads_begin: &pads_begin,
    };
    let pointwise = g.kernel.iter().all(|&k| k == 1)
        && g.strides.iter().all(|&s| s == 1)
        && g.pads_begin.iter().all(|&p| p == 0)
        && g.out_spatial == g.in_spatial;
    for image in 0..g.batch {
        for group in 0..g.group {
            let first_channel = image * g.in_channels + group * group_in;
            let channels = &x[first_channel * in_size..(first_channel + group_in) * in_size];
            let first_out = group * group_out;
            let weights = Operand {
                values: &w[first_out * rows..(first_out + group_out) * rows],
                zero_points: &w_zero[first_out..first_out + group_out],
            };
            let out_start = (image * g.out_channels + first_out) * out_size;
            for first_run in (0..runs).step_by(runs_per_chunk) {
                let width = runs_per_chunk.min(runs - first_run) * run_len;
                let chunk_columns = if pointwise && width == out_size {
                    // A 1×1 convolution's column matrix is its input: no copy.
                    channels
                } else {
                    if columns.is_empty() {
                        columns = vec![X::default(); columns_len];
                    }
                    let chunk_columns = &mut columns[..rows * width];
                    im2col_runs_q8(channels, group_in, x_zero, &window, first_run, chunk_columns);
                    &chunk_columns[..]
                };
                let chunk_columns = Operand { values: chunk_columns, zero_points: &column_zero[..width] };
                let chunk_block = &mut block[..group_out * width];
                gemm_i8(group_out, width, rows, weights, chunk_columns, chunk_block)
                    .map_err(|e| OpError::invalid(e.to_string()))?;
                let position = first_run * run_len;
                for (channel, values) in chunk_block.chunks(width).enumerate() {
                    let start = out_start + channel * out_size + position;
                    out[start..start + width].copy_from_slice(values);
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::quant::conv_geometry::ConvAttributes;

    fn geometry(node_attrs: &[(&str, crate::ir::AttrValue)], x: &[usize], w: &[usize]) -> ConvGeometry {
        let mut node = crate::ir::Node::default();
        for (name, value) in node_attrs {
            node.set_attribute(name, value.clone());
        }
        ConvGeometry::new(&ConvAttributes::from_node(&node).unwrap(), x, w).unwrap()
    }

    /// Direct convolution on i64 for comparison.
    fn naive(g: &ConvGeometry, x: &[u8], xz: i64, w: &[i8], wz: &[i32]) -> Vec<i64> {
        let rank = g.kernel.len();
        let out_size = g.out_size();
        let mut out = vec![0i64; g.batch * g.out_channels * out_size];
        for n in 0..g.batch {
            for m in 0..g.out_channels {
                let group = m / g.group_out_channels();
                for p in 0..out_size {
                    let mut o = vec![0; rank];
                    let mut r = p;
                    for d in (0..rank).rev() {
                        o[d] = r % g.out_spatial[d];
                        r /= g.out_spatial[d];
                    }
                    let mut sum = 0i64;
                    for c in 0..g.group_in_channels() {
                        for t in 0..g.kernel_size() {
                            let mut k = vec![0; rank];
                            let mut r = t;
                            for d in (0..rank).rev() {
                                k[d] = r % g.kernel[d];
                                r /= g.kernel[d];
                            }
                            let mut index = 0;
                            let mut inside = true;
                            for d in 0..rank {
                                let coord = (o[d] * g.strides[d] + k[d] * g.dilations[d]) as i64 - g.pads_begin[d] as i64;
                                inside &= coord >= 0 && coord < g.in_spatial[d] as i64;
                                index = index * g.in_spatial[d] + coord.max(0) as usize;
                            }
                            let channel = group * g.group_in_channels() + c;
                            let xv = if inside { i64::from(x[(n * g.in_channels + channel) * g.in_size() + index]) } else { xz };
                            let wv = i64::from(w[(m * g.group_in_channels() + c) * g.kernel_size() + t]);
                            sum += (xv - xz) * (wv - i64::from(wz[m]));
                        }
                    }
                    out[(n * g.out_channels + m) * out_size + p] = sum;
                }
            }
        }
        out
    }

    #[test]
    fn im2col_and_gemm_match_a_direct_convolution() {
        use crate::ir::AttrValue::{Int, Ints, String as Str};
        type Case<'a> = (Vec<(&'a str, crate::ir::AttrValue)>, Vec<usize>, Vec<usize>);
        let cases: Vec<Case> = vec![
            (vec![("pads", Ints(vec![1, 2, 0, 1]))], vec![2, 2, 5, 4], vec![3, 2, 3, 2]),
            (vec![("strides", Ints(vec![2, 3])), ("dilations", Ints(vec![2, 1]))], vec![1, 3, 7, 8], vec![2, 3, 2, 3]),
            (vec![("group", Int(2)), ("auto_pad", Str(b"SAME_LOWER".to_vec()))], vec![1, 4, 5, 5], vec![4, 2, 2, 2]),
            (vec![("auto_pad", Str(b"SAME_UPPER".to_vec())), ("strides", Ints(vec![2]))], vec![2, 1, 9], vec![2, 1, 4]),
            (vec![("pads", Ints(vec![1, 0, 1, 0, 1, 1]))], vec![1, 2, 3, 4, 3], vec![2, 2, 2, 3, 2]),
            // 1×1 (the column matrix is the input itself), grouped 1×1, and stride-1 rows whose
            // padding exceeds the input (dilated taps fully outside the line).
            (vec![], vec![2, 3, 4, 5], vec![4, 3, 1, 1]),
            (vec![("group", Int(3))], vec![1, 6, 2, 3], vec![3, 2, 1, 1]),
            (vec![("pads", Ints(vec![0, 4, 0, 3])), ("dilations", Ints(vec![1, 3]))], vec![1, 2, 3, 2], vec![2, 2, 2, 3]),
        ];
        for (attrs, xs, ws) in cases {
            let g = geometry(&attrs, &xs, &ws);
            let x: Vec<u8> = (0..xs.iter().product::<usize>()).map(|i| (i * 37 % 256) as u8).collect();
            let w: Vec<i8> = (0..ws.iter().product::<usize>()).map(|i| (i * 53 % 256) as u8 as i8).collect();
            let wz: Vec<i32> = (0..g.out_channels).map(|m| m as i32 * 7 - 5).collect();
            let want = naive(&g, &x, 131, &w, &wz);
            // The default budget (one chunk) and tiny ones (a run, or a few runs, per chunk).
            for budget in [COLUMN_BUDGET, 1, 50] {
                let got = accumulate_in_chunks(&g, &x, 131u8, &w, &wz, budget).unwrap();
                assert_eq!(got.iter().map(|&v| i64::from(v)).collect::<Vec<_>>(), want, "{attrs:?} budget {budget}");
            }
        }
    }
}
