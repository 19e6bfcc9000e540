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

use crate::kernels::types::Activation;

/// An activation applied in place to an operator's f32 output.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Epilogue {
    Relu,
    LeakyRelu { alpha: f32 },
    Clip { lo: Option<f32>, hi: Option<f32> },
    HardSigmoid { alpha: f32, beta: f32 },
    HardSwish,
    Sigmoid,
    Silu,
}

impl Epilogue {
    /// Applies the activation to every value of `values` (`kernels::activation_f32`: the
    /// loops are built in the kernel crate, at its opt-level).
    pub fn apply(&self, values: &mut [f32]) {
        let activation = match *self {
            Epilogue::Relu => Activation::Relu,
            Epilogue::LeakyRelu { alpha } => Activation::LeakyRelu { alpha },
            Epilogue::Clip { lo, hi } => Activation::Clip { lo, hi },
            Epilogue::HardSigmoid { alpha, beta } => Activation::HardSigmoid { alpha, beta },
            Epilogue::HardSwish => Activation::HardSwish,
            Epilogue::Sigmoid => Activation::Sigmoid,
            Epilogue::Silu => Activation::Silu,
        };
        crate::kernels::activation_f32(activation, values);
    }
}
