//! The activation functions RNN, GRU and LSTM accept in their `activations` attribute, with
//! the `activation_alpha`/`activation_beta` values each consumes (ONNX RNN/GRU/LSTM, all opsets).
//!
//! Names: Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid,
//! Elu, Softsign, Softplus (matched case-insensitively, as onnxruntime does). Alpha and beta
//! values are consumed in the order of the activation list, only by the functions that take
//! them; when the lists run out the spec's defaults apply ("the same as of corresponding ONNX
//! operators": LeakyRelu α=0.01, ThresholdedRelu α=1, HardSigmoid α=0.2 β=0.5, Elu α=1,
//! Affine α=1 β=0, ScaledTanh α=1 β=1).

use super::float::RnnFloat;
use crate::ops::OpError;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    Relu,
    Tanh,
    Sigmoid,
    /// alpha·x + beta
    Affine {
        alpha: f32,
        beta: f32,
    },
    /// x if x ≥ 0 else alpha·x
    LeakyRelu {
        alpha: f32,
    },
    /// x if x > alpha else 0
    ThresholdedRelu {
        alpha: f32,
    },
    /// alpha·tanh(beta·x)
    ScaledTanh {
        alpha: f32,
        beta: f32,
    },
    /// clamp(alpha·x + beta, 0, 1)
    HardSigmoid {
        alpha: f32,
        beta: f32,
    },
    /// x if x ≥ 0 else alpha·(eˣ − 1)
    Elu {
        alpha: f32,
    },
    /// x / (1 + |x|)
    Softsign,
    /// ln(1 + eˣ)
    Softplus,
}

/// Which parameters a named function takes, with their defaults.
struct Params {
    alpha: Option<f32>,
    beta: Option<f32>,
}

fn params_of(lower_name: &str) -> Option<Params> {
    let p = |alpha, beta| Some(Params { alpha, beta });
    match lower_name {
        "relu" | "tanh" | "sigmoid" | "softsign" | "softplus" => p(None, None),
        "affine" => p(Some(1.0), Some(0.0)),
        "leakyrelu" => p(Some(0.01), None),
        "thresholdedrelu" => p(Some(1.0), None),
        "scaledtanh" => p(Some(1.0), Some(1.0)),
        "hardsigmoid" => p(Some(0.2), Some(0.5)),
        "elu" => p(Some(1.0), None),
        _ => None,
    }
}

/// Parses the `activations` list, handing out `alphas` and `betas` in order.
pub fn parse_activations(names: &[String], alphas: &[f32], betas: &[f32]) -> Result<Vec<Activation>, OpError> {
    let mut alphas = alphas.iter().copied();
    let mut betas = betas.iter().copied();
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let lower = name.to_ascii_lowercase();
        let params = params_of(&lower).ok_or_else(|| {
            OpError::attribute(
                "activations",
                format!(
                    "`{name}` is not a recurrent activation (expected Relu, Tanh, Sigmoid, Affine, LeakyRelu, \
                     ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign or Softplus)"
                ),
            )
        })?;
        let alpha = params.alpha.map(|d| alphas.next().unwrap_or(d)).unwrap_or(0.0);
        let beta = params.beta.map(|d| betas.next().unwrap_or(d)).unwrap_or(0.0);
        out.push(match lower.as_str() {
            "relu" => Activation::Relu,
            "tanh" => Activation::Tanh,
            "sigmoid" => Activation::Sigmoid,
            "softsign" => Activation::Softsign,
            "softplus" => Activation::Softplus,
            "affine" => Activation::Affine { alpha, beta },
            "leakyrelu" => Activation::LeakyRelu { alpha },
            "thresholdedrelu" => Activation::ThresholdedRelu { alpha },
            "scaledtanh" => Activation::ScaledTanh { alpha, beta },
            "hardsigmoid" => Activation::HardSigmoid { alpha, beta },
            _ => Activation::Elu { alpha },
        });
    }
    Ok(out)
}

impl Activation {
    /// Applies the function to every element of `xs` in place.
    pub fn apply<T: RnnFloat>(&self, xs: &mut [T]) {
        let zero = T::zero();
        let one = T::one();
        match *self {
            Activation::Relu => xs.iter_mut().for_each(|x| *x = x.max(zero)),
            Activation::Tanh => xs.iter_mut().for_each(|x| *x = x.tanh()),
            Activation::Sigmoid => xs.iter_mut().for_each(|x| *x = sigmoid(*x)),
            Activation::Affine { alpha, beta } => {
                let (a, b) = (T::from_f32(alpha), T::from_f32(beta));
                xs.iter_mut().for_each(|x| *x = a * *x + b)
            }
            Activation::LeakyRelu { alpha } => {
                let a = T::from_f32(alpha);
                xs.iter_mut().for_each(|x| {
                    if *x < zero {
                        *x = a * *x
                    }
                })
            }
            Activation::ThresholdedRelu { alpha } => {
                let a = T::from_f32(alpha);
                xs.iter_mut().for_each(|x| {
                    if *x <= a {
                        *x = zero
                    }
                })
            }
            Activation::ScaledTanh { alpha, beta } => {
                let (a, b) = (T::from_f32(alpha), T::from_f32(beta));
                xs.iter_mut().for_each(|x| *x = a * (b * *x).tanh())
            }
            Activation::HardSigmoid { alpha, beta } => {
                let (a, b) = (T::from_f32(alpha), T::from_f32(beta));
                xs.iter_mut().for_each(|x| *x = (a * *x + b).max(zero).min(one))
            }
            Activation::Elu { alpha } => {
                let a = T::from_f32(alpha);
                xs.iter_mut().for_each(|x| {
                    if *x < zero {
                        *x = a * (x.exp() - one)
                    }
                })
            }
            Activation::Softsign => xs.iter_mut().for_each(|x| *x = *x / (one + x.abs())),
            Activation::Softplus => xs.iter_mut().for_each(|x| *x = softplus(*x)),
        }
    }
}

/// 1 / (1 + e⁻ˣ), without overflow for large |x|.
fn sigmoid<T: RnnFloat>(x: T) -> T {
    let one = T::one();
    if x >= T::zero() {
        one / (one + (-x).exp())
    } else {
        let e = x.exp();
        e / (one + e)
    }
}

/// ln(1 + eˣ), without overflow for large x.
fn softplus<T: RnnFloat>(x: T) -> T {
    if x > T::zero() { x + (-x).exp().ln_1p() } else { x.exp().ln_1p() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn alphas_and_betas_are_consumed_in_order_by_the_functions_that_take_them() {
        let acts =
            parse_activations(&names(&["Sigmoid", "LeakyRelu", "affine", "HardSigmoid"]), &[0.5, 2.0], &[3.0]).unwrap();
        assert_eq!(
            acts,
            vec![
                Activation::Sigmoid,
                Activation::LeakyRelu { alpha: 0.5 },
                Activation::Affine { alpha: 2.0, beta: 3.0 },
                Activation::HardSigmoid { alpha: 0.2, beta: 0.5 },
            ]
        );
    }

    #[test]
    fn unknown_names_are_refused() {
        let err = parse_activations(&names(&["Gelu"]), &[], &[]).unwrap_err();
        assert!(err.to_string().contains("Gelu"), "{err}");
    }

    #[test]
    fn functions_match_their_definitions() {
        let mut xs = [-4.0f32, -1.0, 0.0, 3.0];
        Activation::HardSigmoid { alpha: 0.25, beta: 0.5 }.apply(&mut xs);
        assert_eq!(xs, [0.0, 0.25, 0.5, 1.0]);
        let mut xs = [-1000.0f64, 1000.0];
        Activation::Sigmoid.apply(&mut xs);
        assert_eq!(xs, [0.0, 1.0]);
        let mut xs = [1000.0f32, 0.0];
        Activation::Softplus.apply(&mut xs);
        assert_eq!(xs[0], 1000.0);
        assert!((xs[1] - 2f32.ln()).abs() < 1e-7);
        let mut xs = [1.0f32, 2.0];
        Activation::ThresholdedRelu { alpha: 1.0 }.apply(&mut xs);
        assert_eq!(xs, [0.0, 2.0]);
    }
}
