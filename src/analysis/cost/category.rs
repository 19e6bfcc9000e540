//! What kind of work an op does: the basis of the fragmentation numbers (share of element-wise
//! nodes, ShuffleNetV2 G4) and of the per-element FLOP estimates for ops without a formula.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpCategory {
    /// Multiply-accumulate heavy: Conv, Gemm, MatMul, recurrent cells, Einsum, Attention.
    Compute,
    /// One result per output element from the same position of the inputs (broadcasting allowed).
    Elementwise,
    /// Normalisations and softmax: a few passes over the elements.
    Normalization,
    Pooling,
    Reduction,
    /// Copies or views: reshape, transpose, concat, gather, resize…
    DataMovement,
    /// Metadata and constants: Shape, Size, Constant, ConstantOfShape, Range…
    Shape,
    /// If, Loop, Scan: their cost is that of their subgraphs' nodes.
    Control,
    /// Anything else (custom domains, ops without a cost model).
    Other,
}

impl OpCategory {
    pub fn name(self) -> &'static str {
        match self {
            OpCategory::Compute => "compute",
            OpCategory::Elementwise => "elementwise",
            OpCategory::Normalization => "normalization",
            OpCategory::Pooling => "pooling",
            OpCategory::Reduction => "reduction",
            OpCategory::DataMovement => "data_movement",
            OpCategory::Shape => "shape",
            OpCategory::Control => "control",
            OpCategory::Other => "other",
        }
    }
}

#[rustfmt::skip]
const COMPUTE: &[&str] = &[
    "Conv", "ConvTranspose", "ConvInteger", "QLinearConv", "DeformConv", "Gemm", "MatMul", "MatMulInteger",
    "QLinearMatMul", "Einsum", "LSTM", "GRU", "RNN", "Attention",
];

#[rustfmt::skip]
const ELEMENTWISE: &[&str] = &[
    // arithmetic and math
    "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Neg", "Abs", "Reciprocal", "Sqrt", "Exp", "Log", "Floor", "Ceil",
    "Round", "Sign", "Erf", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh",
    "Max", "Min", "Mean", "Sum", "Clip", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "BitwiseNot",
    // activations
    "Relu", "LeakyRelu", "PRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Elu", "Selu", "Celu", "Gelu",
    "Mish", "Softplus", "Softsign", "ThresholdedRelu", "Swish",
    // comparison and logic
    "Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual", "Not", "And", "Or", "Xor", "Where", "IsNaN",
    "IsInf",
    // conversion
    "Cast", "CastLike", "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear",
];

/// Normalisations with their FLOPs per element (an estimate: passes for mean, variance,
/// normalise, scale and shift; BatchNormalization at inference is one scale and one shift).
const NORMALIZATION: &[(&str, u64)] = &[
    ("BatchNormalization", 2),
    ("InstanceNormalization", 5),
    ("LayerNormalization", 5),
    ("GroupNormalization", 5),
    ("RMSNormalization", 4),
    ("MeanVarianceNormalization", 5),
    ("LpNormalization", 3),
    // subtract max, exp, sum, divide
    ("Softmax", 4),
    ("LogSoftmax", 4),
    ("Hardmax", 1),
];

#[rustfmt::skip]
const POOLING: &[&str] = &[
    "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool", "MaxRoiPool",
    "RoiAlign", "MaxUnpool", "LRN",
];

#[rustfmt::skip]
const REDUCTION: &[&str] = &[
    "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum",
    "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin", "CumSum", "TopK",
];

#[rustfmt::skip]
const DATA_MOVEMENT: &[&str] = &[
    "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Concat", "Split", "Slice", "Gather",
    "GatherElements", "GatherND", "Scatter", "ScatterElements", "ScatterND", "Pad", "Tile", "Expand", "Identity",
    "Dropout", "DepthToSpace", "SpaceToDepth", "Resize", "Upsample", "ReverseSequence", "Compress", "Trilu",
    "OneHot", "NonZero", "Unique", "SplitToSequence", "ConcatFromSequence", "SequenceAt", "SequenceConstruct",
    "SequenceInsert", "SequenceErase", "SequenceEmpty", "SequenceLength", "CenterCropPad", "Col2Im", "EyeLike",
];

#[rustfmt::skip]
const SHAPE: &[&str] = &[
    "Shape", "Size", "Constant", "ConstantOfShape", "Range", "RandomNormal", "RandomUniform", "RandomNormalLike",
    "RandomUniformLike", "Bernoulli", "Multinomial",
];

const CONTROL: &[&str] = &["If", "Loop", "Scan"];

/// The category of `op_type` in `domain` (custom domains are `Other`).
pub fn categorize(domain: &str, op_type: &str) -> OpCategory {
    if !domain.is_empty() && domain != "ai.onnx" {
        return OpCategory::Other;
    }
    let within = |list: &[&str]| list.contains(&op_type);
    if within(COMPUTE) {
        OpCategory::Compute
    } else if within(ELEMENTWISE) {
        OpCategory::Elementwise
    } else if NORMALIZATION.iter().any(|(op, _)| *op == op_type) {
        OpCategory::Normalization
    } else if within(POOLING) {
        OpCategory::Pooling
    } else if within(REDUCTION) {
        OpCategory::Reduction
    } else if within(DATA_MOVEMENT) {
        OpCategory::DataMovement
    } else if within(SHAPE) {
        OpCategory::Shape
    } else if within(CONTROL) {
        OpCategory::Control
    } else {
        OpCategory::Other
    }
}

/// FLOPs per element for a normalisation op.
pub fn normalization_flops_per_element(op_type: &str) -> u64 {
    NORMALIZATION.iter().find(|(op, _)| *op == op_type).map_or(5, |(_, f)| *f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_op_is_in_two_lists() {
        let mut all: Vec<&str> = [COMPUTE, ELEMENTWISE, POOLING, REDUCTION, DATA_MOVEMENT, SHAPE, CONTROL].concat();
        all.extend(NORMALIZATION.iter().map(|(op, _)| *op));
        let count = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), count);
        assert_eq!(categorize("", "Conv"), OpCategory::Compute);
        assert_eq!(categorize("com.microsoft", "Conv"), OpCategory::Other);
        assert_eq!(categorize("", "Relu"), OpCategory::Elementwise);
    }
}
