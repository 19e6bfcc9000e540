//! Attributes shared by RNN, GRU and LSTM (ONNX opsets 1–22): `direction`, `hidden_size`,
//! `clip`, `activations`/`activation_alpha`/`activation_beta` and `layout` (opset 14+).
//! Op-specific ones (`input_forget`, `linear_before_reset`) are read by the op itself.

use super::activation::{Activation, parse_activations};
use crate::ops::{BuildContext, OpError};

/// What distinguishes the three layers where the shared code needs to know.
pub struct LayerKind {
    pub op: &'static str,
    /// Gate blocks stacked in W and R (RNN 1, GRU 3, LSTM 4).
    pub gates: usize,
    /// The activation functions of one direction when the attribute is absent.
    pub default_activations: &'static [&'static str],
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Direction {
    Forward,
    Reverse,
    Bidirectional,
}

impl Direction {
    pub fn count(self) -> usize {
        if self == Direction::Bidirectional { 2 } else { 1 }
    }

    /// Whether direction index `d` (0 or 1) reads the sequence backwards.
    pub fn is_reverse(self, d: usize) -> bool {
        match self {
            Direction::Forward => false,
            Direction::Reverse => true,
            Direction::Bidirectional => d == 1,
        }
    }
}

pub struct RnnAttributes {
    pub direction: Direction,
    /// `hidden_size` if given (it must then agree with R).
    pub hidden_size: Option<usize>,
    /// Bound applied to every gate's input before its activation.
    pub clip: Option<f32>,
    /// The activation functions of each direction, in the op's gate order.
    pub activations: Vec<Vec<Activation>>,
    /// `layout = 1`: X, Y and the states have the batch axis first.
    pub batch_major: bool,
}

impl RnnAttributes {
    pub fn parse(ctx: &BuildContext, kind: &LayerKind) -> Result<RnnAttributes, OpError> {
        let node = ctx.node;
        let direction = match node.attr_string("direction")?.as_deref() {
            None | Some("forward") => Direction::Forward,
            Some("reverse") => Direction::Reverse,
            Some("bidirectional") => Direction::Bidirectional,
            Some(other) => {
                return Err(OpError::attribute(
                    "direction",
                    format!("`{other}` is not one of forward, reverse, bidirectional"),
                ));
            }
        };
        let hidden_size = match node.attr_int("hidden_size")? {
            None => None,
            Some(h) if h > 0 => {
                Some(usize::try_from(h).map_err(|_| OpError::attribute("hidden_size", format!("{h} is too large")))?)
            }
            Some(h) => return Err(OpError::attribute("hidden_size", format!("must be positive, got {h}"))),
        };
        let clip = match node.attr_float("clip")? {
            Some(c) if c.is_nan() || c <= 0.0 => {
                return Err(OpError::attribute("clip", format!("must be positive, got {c}")));
            }
            c => c,
        };
        let batch_major = match node.attr_int("layout")?.unwrap_or(0) {
            0 => false,
            1 => true,
            other => return Err(OpError::attribute("layout", format!("must be 0 or 1, got {other}"))),
        };
        let activations = parse_direction_activations(ctx, kind, direction)?;
        Ok(RnnAttributes { direction, hidden_size, clip, activations, batch_major })
    }
}

/// The `activations` list split per direction. A list naming the functions of one direction
/// only is reused for both directions of a bidirectional layer.
fn parse_direction_activations(
    ctx: &BuildContext,
    kind: &LayerKind,
    direction: Direction,
) -> Result<Vec<Vec<Activation>>, OpError> {
    let node = ctx.node;
    let per_direction = kind.default_activations.len();
    let directions = direction.count();
    let names = match node.attr_strings("activations")? {
        Some(list) => list,
        None => kind.default_activations.iter().map(|s| s.to_string()).collect(),
    };
    let alphas = node.attr_floats("activation_alpha")?.unwrap_or_default();
    let betas = node.attr_floats("activation_beta")?.unwrap_or_default();
    let parsed = parse_activations(&names, &alphas, &betas)?;
    if parsed.len() == per_direction * directions {
        Ok(parsed.chunks(per_direction).map(<[Activation]>::to_vec).collect())
    } else if parsed.len() == per_direction {
        Ok(vec![parsed; directions])
    } else {
        Err(OpError::attribute(
            "activations",
            format!(
                "{} takes {per_direction} activation function(s) per direction ({} direction(s)), got {}",
                kind.op,
                directions,
                parsed.len()
            ),
        ))
    }
}
