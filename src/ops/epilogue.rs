//! `Epilogue`: an activation an operator applies to its own f32 output, in place, instead of
//! the separate node that follows it in the graph (plan-level fusion, `runtime::plan`).
//!
//! Each variant computes exactly what its ONNX op computes on f32 (the same expression, the
//! same sigmoid kernel), so a fused run's values equal the unfused run's bit for bit; fusion
//! only saves the activation's output tensor and its pass over memory.
//!
//! | variant        | replaces                                   |
//! |----------------|--------------------------------------------|
//! | `Relu`         | Relu                                       |
//! | `LeakyRelu`    | LeakyRelu (`alpha`)                        |
//! | `Clip`         | Clip with constant bounds (attributes or initializers) |
//! | `HardSigmoid`  | HardSigmoid (`alpha`, `beta`)              |
//! | `HardSwish`    | HardSwish                                  |
//! | `Sigmoid`      | Sigmoid                                    |
//! | `Silu`         | Sigmoid(y) and Mul(y, Sigmoid(y)) (SiLU / Swish, YOLO-style detectors) |
//! | `ChannelAffine`| BatchNormalization in inference mode with constant f32 statistics (`x·gain + shift` per output channel, gain and shift computed as the op computes them), then optionally one of the others after it |
//! | `Program`      | a chain of Add/Sub/Mul/Div with scalar constants and the activations above, possibly reading a value twice (Paddle's scalar affines and written-out HardSwish: 8 nodes after each Conv of PP-OCRv4) |

use std::sync::Arc;

use crate::kernels::types::{Activation, ProgramStep};

/// An activation applied in place to an operator's f32 output.
#[derive(Clone, Debug, PartialEq)]
pub enum Epilogue {
    Relu,
    LeakyRelu { alpha: f32 },
    Clip { lo: Option<f32>, hi: Option<f32> },
    HardSigmoid { alpha: f32, beta: f32 },
    HardSwish,
    Sigmoid,
    Silu,
    /// `kernels::program_f32`: the steps, and the register holding the result.
    Program { steps: Arc<[ProgramStep]>, result: u8 },
    /// BatchNormalization folded in at run time: channel `c`'s values become `v·gain[c] +
    /// shift[c]` (the op's own expression and constants, `ops::nn::batch_norm`), then `then`.
    ChannelAffine { gain: Arc<[f32]>, shift: Arc<[f32]>, then: Option<Box<Epilogue>> },
}

impl Epilogue {
    /// Applies the epilogue to every value of `values`: consecutive runs of `run` values, the
    /// `i`-th of output channel `first + i` (one channel's part: `run == values.len()`).
    /// Channel-free epilogues make one pass over all of them (`kernels::activation_f32`: the
    /// loops are built in the kernel crate, at its opt-level). A `ChannelAffine` leaves the
    /// values of a channel it has no constants for alone; the operator checks
    /// [`Epilogue::channels`] against its output before it fuses.
    pub fn apply(&self, first: usize, run: usize, values: &mut [f32]) {
        match self {
            Epilogue::Program { steps, result } => crate::kernels::program_f32(steps, *result, values),
            Epilogue::ChannelAffine { gain, shift, then } => {
                for (i, channel) in values.chunks_mut(run.max(1)).enumerate() {
                    if let (Some(&g), Some(&s)) = (gain.get(first + i), shift.get(first + i)) {
                        channel.iter_mut().for_each(|v| *v = *v * g + s);
                    }
                }
                if let Some(then) = then {
                    then.apply(first, run, values);
                }
            }
            single => {
                if let Some(activation) = single.activation() {
                    crate::kernels::activation_f32(activation, values);
                }
            }
        }
    }

    /// The kernel activation of a single-activation epilogue (`None` for a program).
    pub fn activation(&self) -> Option<Activation> {
        Some(match *self {
            Epilogue::Relu => Activation::Relu,
            Epilogue::LeakyRelu { alpha } => Activation::LeakyRelu { alpha },
            Epilogue::Clip { lo, hi } => Activation::Clip { lo, hi },
            Epilogue::HardSigmoid { alpha, beta } => Activation::HardSigmoid { alpha, beta },
            Epilogue::HardSwish => Activation::HardSwish,
            Epilogue::Sigmoid => Activation::Sigmoid,
            Epilogue::Silu => Activation::Silu,
            Epilogue::Program { .. } | Epilogue::ChannelAffine { .. } => return None,
        })
    }

    /// The number of output channels a `ChannelAffine` has constants for (the operator
    /// fuses only when its output has exactly that many), `None` for the channel-free rest.
    pub fn channels(&self) -> Option<usize> {
        match self {
            Epilogue::ChannelAffine { gain, .. } => Some(gain.len()),
            _ => None,
        }
    }
}
