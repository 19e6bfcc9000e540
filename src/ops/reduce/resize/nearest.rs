//! `mode = nearest`: every output element copies one input element (or the extrapolation
//! value), so it works for every element type. One index table per axis, then a gather.

use ndarray::ArrayD;

use super::axes::AxisResize;
use super::config::{CoordinateMode, NearestMode};
use super::coords::{is_extrapolated, source_coordinate};
use crate::ops::OpError;
use crate::ops::reduce::layout::row_major_strides;
use crate::ops::reduce::numeric::try_with_capacity;

/// The input index picked for coordinate `x` (then clamped into the axis).
pub fn nearest_index(x: f64, mode: NearestMode, downsampling: bool, in_len: usize) -> usize {
    let floor = x.floor();
    let picked = if x == floor {
        x
    } else {
        let ratio = x - floor;
        match mode {
            NearestMode::RoundPreferFloor => {
                if ratio <= 0.5 {
                    floor
                } else {
                    floor + 1.0
                }
            }
            NearestMode::RoundPreferCeil => {
                if ratio < 0.5 {
                    floor
                } else {
                    floor + 1.0
                }
            }
            NearestMode::Floor => floor,
            NearestMode::Ceil => floor + 1.0,
            NearestMode::Legacy => {
                if downsampling {
                    floor + 1.0
                } else {
                    x.trunc()
                }
            }
        }
    };
    // Clamp in f64 first: the cast saturates and maps NaN to 0.
    picked.clamp(0.0, in_len.saturating_sub(1) as f64) as usize
}

/// Per output position of one axis: the input offset (index · stride), or `None` to extrapolate.
fn axis_offsets(
    axis: &AxisResize,
    stride: usize,
    coordinate_mode: CoordinateMode,
    nearest_mode: NearestMode,
) -> Result<Vec<Option<usize>>, OpError> {
    let mut table = try_with_capacity(axis.out_len)?;
    let downsampling = axis.scale < 1.0;
    for y in 0..axis.out_len {
        let x = source_coordinate(coordinate_mode, y, axis);
        table.push(if is_extrapolated(coordinate_mode, x, axis.in_len) {
            None
        } else {
            Some(nearest_index(x, nearest_mode, downsampling, axis.in_len) * stride)
        });
    }
    Ok(table)
}

/// Gathers the resized tensor. `plan` has one entry per axis of `x` (rank ≥ 1), every input
/// length is ≥ 1 and the output is not empty (the caller handles those cases).
pub fn resize_nearest<T: Clone>(
    x: &ArrayD<T>,
    plan: &[AxisResize],
    coordinate_mode: CoordinateMode,
    nearest_mode: NearestMode,
    fill: T,
) -> Result<ArrayD<T>, OpError> {
    let standard = x.as_standard_layout();
    let data = standard.as_slice().ok_or_else(|| OpError::invalid("input is not contiguous"))?;
    let strides = row_major_strides(x.shape());
    let tables = plan
        .iter()
        .zip(&strides)
        .map(|(axis, &stride)| axis_offsets(axis, stride, coordinate_mode, nearest_mode))
        .collect::<Result<Vec<_>, _>>()?;
    let out_shape: Vec<usize> = plan.iter().map(|a| a.out_len).collect();
    let Some((last_table, outer_tables)) = tables.split_last() else {
        return Ok(x.clone());
    };

    let numel: usize = out_shape.iter().product();
    let mut out = try_with_capacity(numel)?;
    // The last axis's offsets when none extrapolates (a plain gather per row).
    let inside: Option<Vec<usize>> = last_table.iter().copied().collect();
    // Odometer over the output coordinates of every axis but the last. An output row reading
    // the same input row as the one before it (upsampling repeats rows) is a copy of it.
    let mut position = vec![0usize; outer_tables.len()];
    let mut previous: Option<(Option<usize>, usize)> = None;
    loop {
        let base = position.iter().zip(outer_tables).try_fold(0usize, |sum, (&p, table)| Some(sum + table[p]?));
        let start = out.len();
        match (previous, base, &inside) {
            (Some((before, at)), _, _) if before == base => out.extend_from_within(at..at + last_table.len()),
            (_, Some(b), Some(offsets)) => out.extend(offsets.iter().map(|&o| data[b + o].clone())),
            _ => {
                for &offset in last_table {
                    out.push(match (base, offset) {
                        (Some(b), Some(o)) => data[b + o].clone(),
                        _ => fill.clone(),
                    });
                }
            }
        }
        previous = Some((base, start));
        if !advance(&mut position, &out_shape[..outer_tables.len()]) {
            break;
        }
    }
    ArrayD::from_shape_vec(ndarray::IxDyn(&out_shape), out).map_err(|e| OpError::invalid(e.to_string()))
}

/// Next row-major position within `dims`; false after the last one.
fn advance(position: &mut [usize], dims: &[usize]) -> bool {
    for (p, &d) in position.iter_mut().zip(dims).rev() {
        *p += 1;
        if *p < d {
            return true;
        }
        *p = 0;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_modes_differ_only_on_ties_and_fractions() {
        use NearestMode::*;
        assert_eq!(nearest_index(1.5, RoundPreferFloor, false, 10), 1);
        assert_eq!(nearest_index(1.5, RoundPreferCeil, false, 10), 2);
        assert_eq!(nearest_index(1.2, Ceil, false, 10), 2);
        assert_eq!(nearest_index(1.8, Floor, false, 10), 1);
        assert_eq!(nearest_index(2.0, Ceil, false, 10), 2);
        assert_eq!(nearest_index(1.2, Legacy, true, 10), 2);
        assert_eq!(nearest_index(1.7, Legacy, false, 10), 1);
        assert_eq!(nearest_index(-0.7, RoundPreferFloor, false, 10), 0);
        assert_eq!(nearest_index(12.0, RoundPreferFloor, false, 10), 9);
        assert_eq!(nearest_index(f64::NAN, RoundPreferFloor, false, 10), 0);
    }

    #[test]
    fn upsamples_by_repeating() {
        let x = ArrayD::from_shape_vec(ndarray::IxDyn(&[2]), vec![1, 2]).unwrap();
        let plan = [AxisResize { in_len: 2, out_len: 4, scale: 2.0, roi: (0.0, 1.0) }];
        let y = resize_nearest(&x, &plan, CoordinateMode::Asymmetric, NearestMode::Legacy, 0).unwrap();
        assert_eq!(y.iter().copied().collect::<Vec<_>>(), vec![1, 1, 2, 2]);
    }
}
