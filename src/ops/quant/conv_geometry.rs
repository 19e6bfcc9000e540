//! Convolution attributes and output geometry for the integer convolutions (ConvInteger,
//! QLinearConv; ONNX opset 10): `auto_pad` (NOTSET, SAME_UPPER, SAME_LOWER, VALID), `pads`,
//! `strides`, `dilations`, `kernel_shape` and `group`, for any number of spatial dimensions.
//!
//! Everything a model controls is validated here with checked arithmetic, so the loops in
//! `integer_conv` can index without further checks.

use crate::ir::{Node, checked_numel};
use crate::ops::OpError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AutoPad {
    NotSet,
    SameUpper,
    SameLower,
    Valid,
}

/// The attributes as written on the node (validated against shapes at run time).
#[derive(Clone, Debug)]
pub struct ConvAttributes {
    auto_pad: AutoPad,
    pads: Option<Vec<i64>>,
    strides: Option<Vec<i64>>,
    dilations: Option<Vec<i64>>,
    kernel_shape: Option<Vec<i64>>,
    group: i64,
}

impl ConvAttributes {
    pub fn from_node(node: &Node) -> Result<ConvAttributes, OpError> {
        let auto_pad = match node.attr_string("auto_pad")?.as_deref() {
            None | Some("NOTSET") => AutoPad::NotSet,
            Some("SAME_UPPER") => AutoPad::SameUpper,
            Some("SAME_LOWER") => AutoPad::SameLower,
            Some("VALID") => AutoPad::Valid,
            Some(other) => {
                return Err(OpError::attribute("auto_pad", format!("`{other}` is not NOTSET, SAME_UPPER, SAME_LOWER or VALID")));
            }
        };
        let group = node.attr_int("group")?.unwrap_or(1);
        if group < 1 {
            return Err(OpError::attribute("group", format!("must be at least 1, got {group}")));
        }
        Ok(ConvAttributes {
            auto_pad,
            pads: node.attr_ints("pads")?,
            strides: node.attr_ints("strides")?,
            dilations: node.attr_ints("dilations")?,
            kernel_shape: node.attr_ints("kernel_shape")?,
            group,
        })
    }
}

/// Sizes of one convolution, all validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvGeometry {
    pub batch: usize,
    pub in_channels: usize,
    pub out_channels: usize,
    pub group: usize,
    pub in_spatial: Vec<usize>,
    pub kernel: Vec<usize>,
    pub out_spatial: Vec<usize>,
    pub strides: Vec<usize>,
    pub dilations: Vec<usize>,
    pub pads_begin: Vec<usize>,
}

/// A positive per-axis attribute (strides, dilations), defaulting to ones.
fn positive_list(name: &str, values: Option<&Vec<i64>>, rank: usize) -> Result<Vec<usize>, OpError> {
    let Some(values) = values else {
        return Ok(vec![1; rank]);
    };
    if values.len() != rank {
        return Err(OpError::attribute(name, format!("has {} values but the input has {rank} spatial dimensions", values.len())));
    }
    values
        .iter()
        .map(|&v| match usize::try_from(v) {
            Ok(u) if u >= 1 => Ok(u),
            _ => Err(OpError::attribute(name, format!("values must be at least 1, got {values:?}"))),
        })
        .collect()
}

impl ConvGeometry {
    /// Checks x `[N, C, D…]` and w `[M, C/group, k…]` against the attributes and works out
    /// the output size and the leading padding of every spatial axis.
    pub fn new(attrs: &ConvAttributes, x_shape: &[usize], w_shape: &[usize]) -> Result<ConvGeometry, OpError> {
        if x_shape.len() < 3 {
            return Err(OpError::input(0, "x", format!("has shape {x_shape:?}; a convolution needs [N, C, spatial…]")));
        }
        if w_shape.len() != x_shape.len() {
            return Err(OpError::input(1, "w", format!("has shape {w_shape:?}, whose rank differs from x's {x_shape:?}")));
        }
        let rank = x_shape.len() - 2;
        let (batch, in_channels) = (x_shape[0], x_shape[1]);
        let (out_channels, group_in_channels) = (w_shape[0], w_shape[1]);
        let group = usize::try_from(attrs.group).map_err(|_| OpError::attribute("group", "is too large"))?;
        if group_in_channels.checked_mul(group) != Some(in_channels) {
            return Err(OpError::invalid(format!(
                "x has {in_channels} channels but w expects {group_in_channels} per group × {group} groups"
            )));
        }
        if out_channels % group != 0 {
            return Err(OpError::invalid(format!("w has {out_channels} output channels, not a multiple of group {group}")));
        }
        let in_spatial = x_shape[2..].to_vec();
        let kernel = w_shape[2..].to_vec();
        if let Some(k) = &attrs.kernel_shape {
            if k.len() != rank || k.iter().zip(&kernel).any(|(&a, &b)| usize::try_from(a).ok() != Some(b)) {
                return Err(OpError::attribute("kernel_shape", format!("is {k:?} but w has spatial shape {kernel:?}")));
            }
        }
        if kernel.contains(&0) {
            return Err(OpError::input(1, "w", format!("has an empty kernel dimension: {w_shape:?}")));
        }
        let strides = positive_list("strides", attrs.strides.as_ref(), rank)?;
        let dilations = positive_list("dilations", attrs.dilations.as_ref(), rank)?;
        let explicit_pads = match (&attrs.pads, attrs.auto_pad) {
            (Some(p), AutoPad::NotSet) => {
                if p.len() != 2 * rank {
                    let reason = format!("has {} values; {} expected (begin and end per axis)", p.len(), 2 * rank);
                    return Err(OpError::attribute("pads", reason));
                }
                p.iter()
                    .map(|&v| usize::try_from(v).map_err(|_| OpError::attribute("pads", format!("values must be ≥ 0, got {p:?}"))))
                    .collect::<Result<Vec<_>, _>>()?
            }
            _ => vec![0; 2 * rank],
        };

        let too_large = || OpError::invalid("convolution sizes overflow");
        let mut out_spatial = Vec::with_capacity(rank);
        let mut pads_begin = Vec::with_capacity(rank);
        for axis in 0..rank {
            let (size, stride) = (in_spatial[axis], strides[axis]);
            let dilated = (kernel[axis] - 1).checked_mul(dilations[axis]).and_then(|v| v.checked_add(1)).ok_or_else(too_large)?;
            let (out, begin) = match attrs.auto_pad {
                AutoPad::NotSet | AutoPad::Valid => {
                    let (begin, end) = (explicit_pads[axis], explicit_pads[axis + rank]);
                    let padded = size.checked_add(begin).and_then(|v| v.checked_add(end)).ok_or_else(too_large)?;
                    if padded < dilated {
                        return Err(OpError::invalid(format!(
                            "spatial axis {axis}: the (dilated) kernel of size {dilated} is larger than the padded \
                             input of size {padded}"
                        )));
                    }
                    ((padded - dilated) / stride + 1, begin)
                }
                AutoPad::SameUpper | AutoPad::SameLower => {
                    let out = size.div_ceil(stride);
                    let needed = out.saturating_sub(1).checked_mul(stride).and_then(|v| v.checked_add(dilated)).ok_or_else(too_large)?;
                    let total = needed.saturating_sub(size);
                    let begin = if attrs.auto_pad == AutoPad::SameUpper { total / 2 } else { total - total / 2 };
                    (out, begin)
                }
            };
            out_spatial.push(out);
            pads_begin.push(begin);
        }
        let geometry =
            ConvGeometry { batch, in_channels, out_channels, group, in_spatial, kernel, out_spatial, strides, dilations, pads_begin };
        checked_numel(&geometry.output_shape())?;
        checked_numel(&[geometry.column_rows(), geometry.out_size()])?;
        Ok(geometry)
    }

    /// `[N, M, out…]`.
    pub fn output_shape(&self) -> Vec<usize> {
        let mut shape = vec![self.batch, self.out_channels];
        shape.extend_from_slice(&self.out_spatial);
        shape
    }

    pub fn in_size(&self) -> usize {
        self.in_spatial.iter().product()
    }

    pub fn out_size(&self) -> usize {
        self.out_spatial.iter().product()
    }

    pub fn kernel_size(&self) -> usize {
        self.kernel.iter().product()
    }

    pub fn group_in_channels(&self) -> usize {
        self.in_channels / self.group
    }

    pub fn group_out_channels(&self) -> usize {
        self.out_channels / self.group
    }

    /// Rows of one group's column matrix: input channels per group × kernel positions.
    pub fn column_rows(&self) -> usize {
        self.group_in_channels() * self.kernel_size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(auto_pad: AutoPad, pads: Option<Vec<i64>>, strides: Option<Vec<i64>>) -> ConvAttributes {
        ConvAttributes { auto_pad, pads, strides, dilations: None, kernel_shape: None, group: 1 }
    }

    #[test]
    fn output_sizes_follow_the_spec_for_each_auto_pad_mode() {
        let g = ConvGeometry::new(&attrs(AutoPad::NotSet, Some(vec![1, 1, 1, 1]), None), &[1, 1, 3, 3], &[2, 1, 2, 2]).unwrap();
        assert_eq!(g.output_shape(), vec![1, 2, 4, 4]);
        let g = ConvGeometry::new(&attrs(AutoPad::SameUpper, None, Some(vec![2, 2])), &[1, 1, 5, 6], &[1, 1, 3, 3]).unwrap();
        assert_eq!(g.out_spatial, vec![3, 3]);
        // 5: total pad (3−1)·2 + 3 − 5 = 2 → 1 before; 6: total 1 → 0 before (upper), 1 (lower).
        assert_eq!(g.pads_begin, vec![1, 0]);
        let g = ConvGeometry::new(&attrs(AutoPad::SameLower, None, Some(vec![2, 2])), &[1, 1, 5, 6], &[1, 1, 3, 3]).unwrap();
        assert_eq!(g.pads_begin, vec![1, 1]);
        let g = ConvGeometry::new(&attrs(AutoPad::Valid, Some(vec![9, 9, 9, 9]), None), &[1, 1, 5, 5], &[1, 1, 3, 3]).unwrap();
        assert_eq!(g.out_spatial, vec![3, 3]);
    }

    #[test]
    fn bad_attributes_and_shapes_are_errors() {
        let a = attrs(AutoPad::NotSet, None, None);
        assert!(ConvGeometry::new(&a, &[1, 2, 3, 3], &[1, 1, 2, 2]).is_err()); // channels
        assert!(ConvGeometry::new(&a, &[1, 1, 1, 1], &[1, 1, 2, 2]).is_err()); // kernel > input
        assert!(ConvGeometry::new(&a, &[1, 1], &[1, 1]).is_err());
        assert!(ConvGeometry::new(&attrs(AutoPad::NotSet, Some(vec![-1, 0, 0, 0]), None), &[1, 1, 3, 3], &[1, 1, 2, 2]).is_err());
        assert!(ConvGeometry::new(&attrs(AutoPad::NotSet, None, Some(vec![0, 1])), &[1, 1, 3, 3], &[1, 1, 2, 2]).is_err());
        let huge = attrs(AutoPad::NotSet, Some(vec![i64::MAX, 0, 0, 0]), None);
        assert!(ConvGeometry::new(&huge, &[1, 1, 3, 3], &[1, 1, 2, 2]).is_err());
    }
}
