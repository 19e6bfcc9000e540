//! The integer convolution shared by ConvInteger and QLinearConv (ONNX opset 10):
//! `acc[n, m, p] = Σ (x − x_zero) · (w[m] − w_zero[m])` as int32, computed per image and group
//! as an im2col transform (`kernels::im2col_runs_q8`, by chunks of output runs) followed by
//! the integer GEMM of the kernel table (`kernels::gemm_i8`: the packed dot_i16x8 /
//! relaxed-SIMD kernels in wasm, their scalar twin natively). Images and groups run in
//! parallel natively (`kernels::parallel`): each writes only its own output channels.
//!
//! Padding positions of the column matrix hold the input zero point, so they contribute
//! nothing, exactly as padding the real-valued input with 0 would.

use super::conv_geometry::ConvGeometry;
use crate::ir::checked_numel;
use crate::kernels::types::{Int8Operand, Operand, Window};
use crate::kernels::{gemm_i8, im2col_runs_q8, parallel};
use crate::ops::OpError;

/// Multiply-adds below which the images and groups run one after another on this thread.
const PARALLEL_MIN_MACS: usize = 1 << 18;

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
    let columns_len = checked_numel(&[rows, chunk_width])?;
    let block_len = checked_numel(&[group_out, chunk_width])?;
    let column_zero = vec![x_zero.widen(); chunk_width];
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
    // One task per image and group (each writes its own output channels), in parallel when
    // there are several; a task's GEMMs split their own work.
    let split = g.batch * g.group > 1 && out.len().saturating_mul(rows) >= PARALLEL_MIN_MACS;
    let failed = std::sync::Mutex::new(None);
    parallel::for_each_chunk_mut(&mut out, group_out * out_size, split, |task, out_group| {
        let (image, group) = (task / g.group, task % g.group);
        let first_channel = image * g.in_channels + group * group_in;
        let channels = &x[first_channel * in_size..(first_channel + group_in) * in_size];
        let first_out = group * group_out;
        let weights = Operand {
            values: &w[first_out * rows..(first_out + group_out) * rows],
            zero_points: &w_zero[first_out..first_out + group_out],
        };
        // Every entry im2col uses is written by it: zeroed memory (no fill pass), and none at
        // all for a 1×1 convolution, which reads its input as the column matrix.
        let mut columns: Vec<X> = Vec::new();
        let mut block = vec![0i32; block_len];
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
            if let Err(e) = gemm_i8(group_out, width, rows, weights, chunk_columns, chunk_block) {
                *failed.lock().unwrap_or_else(|p| p.into_inner()) = Some(OpError::invalid(e.to_string()));
                return;
            }
            let position = first_run * run_len;
            for (channel, values) in chunk_block.chunks(width).enumerate() {
                let start = channel * out_size + position;
                out_group[start..start + width].copy_from_slice(values);
            }
        }
    });
    match failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some(error) => Err(error),
        None => Ok(out),
    }
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

    #[test]
    fn depthwise_grouped_and_dense_convolutions_give_the_same_accumulators_on_one_two_and_three_threads() {
        use crate::ir::AttrValue::{Int, Ints};
        use crate::kernels::parallel::on_threads;
        // Large enough for the images and groups, and the GEMMs, to split over threads.
        let cases = [
            (vec![("group", Int(16)), ("pads", Ints(vec![1, 1, 1, 1]))], vec![2, 16, 40, 40], vec![16, 1, 3, 3]),
            (vec![("group", Int(2))], vec![1, 8, 30, 30], vec![24, 4, 3, 3]),
            (vec![("pads", Ints(vec![1, 1, 1, 1]))], vec![1, 16, 48, 48], vec![40, 16, 3, 3]),
        ];
        for (attrs, xs, ws) in cases {
            let g = geometry(&attrs, &xs, &ws);
            let x: Vec<u8> = (0..xs.iter().product::<usize>()).map(|i| (i * 37 % 256) as u8).collect();
            let w: Vec<i8> = (0..ws.iter().product::<usize>()).map(|i| (i * 53 % 256) as u8 as i8).collect();
            let wz: Vec<i32> = (0..g.out_channels).map(|m| m as i32 * 7 - 5).collect();
            let run = |threads| on_threads(threads, || accumulate(&g, &x, 131u8, &w, &wz).unwrap()).unwrap();
            let one = run(1);
            assert_eq!(one.iter().map(|&v| i64::from(v)).collect::<Vec<_>>(), naive(&g, &x, 131, &w, &wz), "{attrs:?}");
            for threads in [2, 3] {
                assert!(run(threads) == one, "{attrs:?}: {threads} threads differ from 1");
            }
        }
    }
}
