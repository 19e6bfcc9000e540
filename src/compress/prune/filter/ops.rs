//! Which ops the filter surgery sees through, by how they treat the channel axis.

/// Element-wise on one tensor, same shape out: channel *c* of the output depends only on channel
/// *c* of the input. Extra inputs of these ops (Clip's min/max) are scalars by the ONNX spec.
pub const CHANNELWISE_UNARY: &[&str] = &[
    "Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Elu", "Selu", "Celu",
    "Softplus", "Softsign", "Gelu", "Mish", "ThresholdedRelu", "Identity", "Neg", "Abs", "Exp", "Log", "Sqrt",
    "Reciprocal", "Floor", "Ceil", "Round", "Erf", "Sin", "Cos", "Cast", "Dropout",
];

/// Pooling over the spatial axes of an `[N, C, …]` tensor: per channel, channel axis 1.
pub const POOLS: &[&str] =
    &["MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"];

/// How a per-channel constant operand of a binary op affects a channel whose activation is zero,
/// which decides what "masking" the channel means (see `rewrite.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The producer's own filter and bias: zeroing them makes the channel zero.
    Producer,
    /// Shifts a zero channel away from zero (Add/Sub constants, BN beta and mean, biases):
    /// zeroed too when masking.
    Additive,
    /// Keeps a zero channel zero (Mul, Div by, PRelu slope, BN scale and variance).
    Multiplicative,
    /// Input channels of a consumer: removed by surgery, left alone by masking.
    Consumer,
}

/// The role of a per-channel constant at input `index` of a broadcasting element-wise op, or
/// `None` if such a constant cannot be handled there.
pub fn binary_const_role(op: &str, index: usize) -> Option<Role> {
    match op {
        "Add" | "Sum" | "Max" | "Min" | "Sub" => Some(Role::Additive),
        "Mul" => Some(Role::Multiplicative),
        "Div" if index == 1 => Some(Role::Multiplicative),
        "PRelu" if index == 1 => Some(Role::Multiplicative),
        _ => None,
    }
}

/// Broadcasting element-wise ops whose operands' channel axes are tied together.
pub const BINARY: &[&str] = &["Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "PRelu"];
