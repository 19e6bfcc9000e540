//! Sliding-window attributes shared by Conv and the pooling ops — `auto_pad`, `kernel_shape`,
//! `strides`, `dilations`, `pads`, `ceil_mode` — and the output geometry they imply.
//!
//! Output size along an axis with input `i`, kernel `k`, stride `s`, dilation `d`
//! (window span `e = (k−1)·d + 1`):
//! - `NOTSET` (explicit pads `b`, `a`): `⌊(i + b + a − e) / s⌋ + 1`; with `ceil_mode` the
//!   ceiling, minus one if the last window would start past the input and leading pad
//!   (onnxruntime and PyTorch agree on this).
//! - `VALID`: as NOTSET with zero pads.
//! - `SAME_UPPER` / `SAME_LOWER`: `⌈i / s⌉`, with total padding `max(0, (o−1)·s + e − i)`
//!   split evenly, the odd unit going at the end (UPPER) or the beginning (LOWER).

use crate::ir::Node;
use crate::ops::OpError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AutoPad {
    NotSet,
    SameUpper,
    SameLower,
    Valid,
}

impl AutoPad {
    pub fn parse(node: &Node) -> Result<AutoPad, OpError> {
        match node.attr_string("auto_pad")?.as_deref() {
            None | Some("NOTSET") | Some("") => Ok(AutoPad::NotSet),
            Some("SAME_UPPER") => Ok(AutoPad::SameUpper),
            Some("SAME_LOWER") => Ok(AutoPad::SameLower),
            Some("VALID") => Ok(AutoPad::Valid),
            Some(other) => Err(OpError::attribute("auto_pad", format!("unknown value `{other}`"))),
        }
    }
}

/// Values above this are refused for any window size, stride, dilation or pad
/// (keeps every product below well inside i64/usize).
const MAX_WINDOW_VALUE: i64 = 1 << 31;

/// The attributes as written on the node, validated for sign and size.
#[derive(Clone, Debug)]
pub struct WindowAttrs {
    pub auto_pad: AutoPad,
    pub kernel_shape: Option<Vec<usize>>,
    pub strides: Option<Vec<usize>>,
    pub dilations: Option<Vec<usize>>,
    /// `[x1_begin, x2_begin, …, x1_end, x2_end, …]`.
    pub pads: Option<Vec<usize>>,
    pub ceil_mode: bool,
}

/// The resolved geometry for one input shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub input: Vec<usize>,
    pub kernel: Vec<usize>,
    pub strides: Vec<usize>,
    pub dilations: Vec<usize>,
    pub pads_begin: Vec<usize>,
    pub pads_end: Vec<usize>,
    pub output: Vec<usize>,
}

impl Geometry {
    pub fn pads_begin_signed(&self) -> Vec<isize> {
        self.pads_begin.iter().map(|&p| p as isize).collect()
    }

    /// The kernels' view of this geometry, with `pads_begin` from [`Geometry::pads_begin_signed`].
    pub fn kernel_window<'a>(&'a self, pads_begin: &'a [isize]) -> crate::kernels::types::Window<'a> {
        crate::kernels::types::Window {
            input: &self.input,
            output: &self.output,
            kernel: &self.kernel,
            strides: &self.strides,
            dilations: &self.dilations,
            pads_begin,
        }
    }
}

fn positive_list(node: &Node, name: &str) -> Result<Option<Vec<usize>>, OpError> {
    list(node, name, 1)
}

fn list(node: &Node, name: &str, min: i64) -> Result<Option<Vec<usize>>, OpError> {
    let Some(values) = node.attr_ints(name)? else { return Ok(None) };
    values
        .iter()
        .map(|&v| {
            if v < min || v > MAX_WINDOW_VALUE {
                Err(OpError::attribute(
                    name,
                    format!("value {v} is out of range (expected {min}..={MAX_WINDOW_VALUE})"),
                ))
            } else {
                Ok(v as usize)
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

impl WindowAttrs {
    /// Reads the window attributes of `node` (`ceil_mode` only where the op has it).
    pub fn parse(node: &Node) -> Result<WindowAttrs, OpError> {
        let ceil_mode = match node.attr_int("ceil_mode")? {
            None | Some(0) => false,
            Some(1) => true,
            Some(v) => return Err(OpError::attribute("ceil_mode", format!("must be 0 or 1, got {v}"))),
        };
        Ok(WindowAttrs {
            auto_pad: AutoPad::parse(node)?,
            kernel_shape: positive_list(node, "kernel_shape")?,
            strides: positive_list(node, "strides")?,
            dilations: positive_list(node, "dilations")?,
            pads: list(node, "pads", 0)?,
            ceil_mode,
        })
    }

    /// Resolves the geometry for an input with spatial sizes `input` and a kernel of
    /// spatial sizes `kernel` (from the attribute or the weights).
    pub fn resolve(&self, input: &[usize], kernel: &[usize]) -> Result<Geometry, OpError> {
        let rank = input.len();
        if rank == 0 {
            return Err(OpError::invalid("the input needs at least one spatial axis (shape [N, C, D1, …])"));
        }
        if kernel.len() != rank {
            return Err(OpError::invalid(format!("kernel has {} spatial axes but the input has {rank}", kernel.len())));
        }
        let per_axis = |name: &str, v: &Option<Vec<usize>>, len: usize| -> Result<Vec<usize>, OpError> {
            match v {
                None => Ok(vec![if name == "pads" { 0 } else { 1 }; len]),
                Some(v) if v.len() == len => Ok(v.clone()),
                Some(v) => Err(OpError::attribute(name, format!("has {} values, expected {len}", v.len()))),
            }
        };
        let strides = per_axis("strides", &self.strides, rank)?;
        let dilations = per_axis("dilations", &self.dilations, rank)?;
        if kernel.iter().any(|&k| k == 0 || k as i64 > MAX_WINDOW_VALUE) {
            return Err(OpError::invalid(format!("kernel shape {kernel:?} must have sizes >= 1")));
        }
        let mut g = Geometry {
            input: input.to_vec(),
            kernel: kernel.to_vec(),
            strides,
            dilations,
            pads_begin: vec![0; rank],
            pads_end: vec![0; rank],
            output: vec![0; rank],
        };
        for axis in 0..rank {
            let (i, s) = (input[axis] as i64, g.strides[axis] as i64);
            let span = (g.kernel[axis] as i64 - 1) * g.dilations[axis] as i64 + 1;
            let (begin, end, out) = match self.auto_pad {
                AutoPad::SameUpper | AutoPad::SameLower => {
                    let out = (i + s - 1) / s;
                    let total = ((out - 1).max(0) * s + span - i).max(0);
                    let small = total / 2;
                    if self.auto_pad == AutoPad::SameUpper {
                        (small, total - small, out)
                    } else {
                        (total - small, small, out)
                    }
                }
                AutoPad::NotSet | AutoPad::Valid => {
                    let (b, a) = if self.auto_pad == AutoPad::Valid {
                        (0, 0)
                    } else {
                        let pads = per_axis("pads", &self.pads, 2 * rank)?;
                        (pads[axis] as i64, pads[rank + axis] as i64)
                    };
                    let room = i + b + a - span;
                    if room < 0 {
                        return Err(OpError::invalid(format!(
                            "axis {axis}: the window (span {span}) is larger than the padded input ({})",
                            i + b + a
                        )));
                    }
                    let mut out = if self.ceil_mode { (room + s - 1) / s + 1 } else { room / s + 1 };
                    if self.ceil_mode && (out - 1) * s >= i + b {
                        out -= 1;
                    }
                    (b, a, out)
                }
            };
            g.pads_begin[axis] = begin as usize;
            g.pads_end[axis] = end as usize;
            g.output[axis] = out.max(0) as usize;
        }
        Ok(g)
    }

    /// The kernel's spatial shape: the attribute when given (checked against `from_weights`
    /// if both exist), else the weights' shape.
    pub fn kernel_or(&self, from_weights: Option<&[usize]>) -> Result<Vec<usize>, OpError> {
        match (&self.kernel_shape, from_weights) {
            (Some(k), Some(w)) if k.as_slice() != w => Err(OpError::attribute(
                "kernel_shape",
                format!("{k:?} does not match the weights' spatial shape {w:?}"),
            )),
            (Some(k), _) => Ok(k.clone()),
            (None, Some(w)) => Ok(w.to_vec()),
            (None, None) => Err(OpError::attribute("kernel_shape", "is required")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(auto_pad: AutoPad, pads: Option<Vec<usize>>, strides: Vec<usize>, ceil_mode: bool) -> WindowAttrs {
        WindowAttrs { auto_pad, kernel_shape: None, strides: Some(strides), dilations: None, pads, ceil_mode }
    }

    #[test]
    fn output_sizes_follow_the_spec() {
        let g = attrs(AutoPad::NotSet, Some(vec![1, 0, 1, 0]), vec![2, 2], false).resolve(&[7, 5], &[3, 3]).unwrap();
        assert_eq!(g.output, vec![4, 2]);
        let g = attrs(AutoPad::SameLower, None, vec![2, 2], false).resolve(&[5, 5], &[3, 3]).unwrap();
        assert_eq!((g.output.clone(), g.pads_begin.clone(), g.pads_end.clone()), (vec![3, 3], vec![1, 1], vec![1, 1]));
        let g = attrs(AutoPad::SameUpper, None, vec![1], false).resolve(&[32], &[2]).unwrap();
        assert_eq!((g.pads_begin[0], g.pads_end[0]), (0, 1));
        let g = attrs(AutoPad::SameLower, None, vec![1], false).resolve(&[32], &[2]).unwrap();
        assert_eq!((g.pads_begin[0], g.pads_end[0]), (1, 0));
        // ceil mode: 4 wide, kernel 3, stride 2 → 2 windows; the last one may not start in the end pad.
        let g = attrs(AutoPad::NotSet, None, vec![2], true).resolve(&[4], &[3]).unwrap();
        assert_eq!(g.output, vec![2]);
        let g = attrs(AutoPad::NotSet, None, vec![2], true).resolve(&[2], &[1]).unwrap();
        assert_eq!(g.output, vec![1]);
        assert!(attrs(AutoPad::NotSet, None, vec![1], false).resolve(&[2], &[3]).is_err());
    }
}
