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
}

impl Epilogue {
    /// Applies the activation to every value of `values` (`kernels::activation_f32`: the
    /// loops are built in the kernel crate, at its opt-level).
    pub fn apply(&self, values: &mut [f32]) {
        match self {
            Epilogue::Program { steps, result } => crate::kernels::program_f32(steps, *result, values),
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
            Epilogue::Program { .. } => return None,
        })
    }
}
