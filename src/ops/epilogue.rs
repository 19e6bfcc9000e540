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

/// Values per sigmoid call in `Silu` (a stack buffer).
const CHUNK: usize = 256;

impl Epilogue {
    /// Applies the activation to every value of `values`.
    pub fn apply(&self, values: &mut [f32]) {
        match *self {
            // The expressions of ops::elementwise (activation.rs, clip.rs) for T = f32.
            Epilogue::Relu => values.iter_mut().for_each(|v| *v = if *v > 0.0 { *v } else { 0.0 }),
            Epilogue::LeakyRelu { alpha } => values.iter_mut().for_each(|v| *v = if *v < 0.0 { *v * alpha } else { *v }),
            Epilogue::Clip { lo, hi } => values.iter_mut().for_each(|v| *v = clip(*v, lo, hi)),
            Epilogue::HardSigmoid { alpha, beta } => values.iter_mut().for_each(|v| *v = (*v * alpha + beta).clamp(0.0, 1.0)),
            Epilogue::HardSwish => values.iter_mut().for_each(|v| *v = *v * (*v / 6.0 + 0.5).clamp(0.0, 1.0)),
            Epilogue::Sigmoid => {
                let mut s = [0f32; CHUNK];
                for chunk in values.chunks_mut(CHUNK) {
                    crate::kernels::sigmoid_f32(chunk, &mut s[..chunk.len()]);
                    chunk.copy_from_slice(&s[..chunk.len()]);
                }
            }
            Epilogue::Silu => {
                let mut s = [0f32; CHUNK];
                for chunk in values.chunks_mut(CHUNK) {
                    crate::kernels::sigmoid_f32(chunk, &mut s[..chunk.len()]);
                    chunk.iter_mut().zip(&s).for_each(|(v, s)| *v *= s);
                }
            }
        }
    }
}

/// Clip's f32 rule (`Number::max_of` / `min_of`: NaN in, NaN out).
fn clip(v: f32, lo: Option<f32>, hi: Option<f32>) -> f32 {
    let v = match lo {
        Some(lo) if v.is_nan() || lo.is_nan() => f32::NAN,
        Some(lo) => v.max(lo),
        None => v,
    };
    match hi {
        Some(hi) if v.is_nan() || hi.is_nan() => f32::NAN,
        Some(hi) => v.min(hi),
        None => v,
    }
}
