//! The adapter table: for each opset of the default domain, the ops whose schema changed there
//! in a way a model must be rewritten for. An adapter runs on a node when the model's opset is
//! below its `opset` and the target at or above it; adapters run in table order (ascending
//! opset), so an op can be carried across several changes (Upsample-7 → Upsample-9 → Resize-10
//! → Resize-11). Ops not listed only gained types, optional inputs or attributes whose default
//! is the old behaviour (checked op by op against the ONNX changelog, and by
//! tests/python/test_convert.py in onnxruntime).

mod inputs;
mod legacy;
mod resize;
mod semantics;
mod softmax;

use super::edit::Edit;
use crate::ir::Node;

/// One schema change: what to do with a node of `ops` when crossing into `opset`. Returns a
/// description of the change, or `None` when the node needed nothing; `Err` says why the node
/// cannot be converted.
pub struct Adapter {
    pub opset: i64,
    /// Op types it applies to; `["*"]`: every op of the default domain.
    pub ops: &'static [&'static str],
    pub apply: fn(&mut Node, &mut Edit) -> Result<Option<String>, String>,
}

impl Adapter {
    pub fn applies_to(&self, op_type: &str) -> bool {
        self.ops.iter().any(|o| *o == "*" || *o == op_type)
    }
}

/// Opset-6 elementwise ops that had the legacy `broadcast`/`axis` attributes.
const LEGACY_BROADCAST: &[&str] = &["Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal", "Greater", "Less"];

/// Reductions whose `axes` became an input at opset 18 (ReduceSum already at 13).
const REDUCE_18: &[&str] = &[
    "ReduceMean",
    "ReduceMax",
    "ReduceMin",
    "ReduceProd",
    "ReduceL1",
    "ReduceL2",
    "ReduceLogSum",
    "ReduceLogSumExp",
    "ReduceSumSquare",
];

pub const TABLE: &[Adapter] = &[
    // 6: `consumed_inputs` (a training-era hint) was removed from every op.
    Adapter { opset: 6, ops: &["*"], apply: legacy::drop_consumed_inputs },
    // 7: numpy-style broadcasting replaced the `broadcast`/`axis` attributes; `is_test` went away.
    Adapter { opset: 7, ops: LEGACY_BROADCAST, apply: legacy::legacy_broadcast },
    Adapter { opset: 7, ops: &["Gemm"], apply: legacy::gemm_broadcast },
    Adapter { opset: 7, ops: &["BatchNormalization", "Dropout"], apply: legacy::drop_is_test },
    Adapter { opset: 7, ops: &["PRelu"], apply: legacy::prelu_slope },
    // 9: BatchNormalization lost `spatial`; Upsample's scales became an input; Scan lost its batch axis.
    Adapter { opset: 9, ops: &["BatchNormalization"], apply: legacy::batch_norm_spatial },
    Adapter { opset: 9, ops: &["Upsample"], apply: resize::upsample_scales_input },
    Adapter { opset: 9, ops: &["Scan"], apply: legacy::scan_8 },
    // 10: experimental ops were removed; Upsample deprecated for Resize; Slice/TopK take inputs;
    // Dropout's mask became bool.
    Adapter { opset: 10, ops: &["ImageScaler"], apply: legacy::image_scaler },
    Adapter { opset: 10, ops: &["Upsample"], apply: resize::upsample_to_resize },
    Adapter { opset: 10, ops: &["Slice"], apply: inputs::slice },
    Adapter { opset: 10, ops: &["TopK"], apply: inputs::top_k },
    Adapter { opset: 10, ops: &["Dropout"], apply: semantics::dropout_mask },
    // 11: Clip and Pad take inputs; Resize gained roi and coordinate modes; Scatter renamed.
    Adapter { opset: 11, ops: &["Clip"], apply: inputs::clip },
    Adapter { opset: 11, ops: &["Pad"], apply: inputs::pad },
    Adapter { opset: 11, ops: &["Resize"], apply: resize::resize_10_to_11 },
    Adapter { opset: 11, ops: &["Scatter"], apply: legacy::scatter },
    // 12: Dropout's ratio became an input.
    Adapter { opset: 12, ops: &["Dropout"], apply: inputs::dropout_ratio },
    // 13: axes and split sizes became inputs; Softmax & co. work on one axis.
    Adapter { opset: 13, ops: &["Split"], apply: inputs::split },
    Adapter { opset: 13, ops: &["Squeeze", "Unsqueeze"], apply: inputs::squeeze_axes },
    Adapter { opset: 13, ops: &["ReduceSum"], apply: inputs::reduce_axes },
    Adapter { opset: 13, ops: &["Softmax", "LogSoftmax", "Hardmax"], apply: softmax::softmax_13 },
    Adapter { opset: 13, ops: &["Resize"], apply: resize::resize_13 },
    // 14: BatchNormalization's extra outputs exist only in training mode.
    Adapter { opset: 14, ops: &["BatchNormalization"], apply: semantics::batch_norm_outputs },
    // 16: RoiAlign's default coordinate mode changed.
    Adapter { opset: 16, ops: &["RoiAlign"], apply: semantics::roi_align_mode },
    // 18: the other reductions take axes as an input.
    Adapter { opset: 18, ops: REDUCE_18, apply: inputs::reduce_axes },
    // 18: Split wants its sizes or `num_outputs`; equal parts must say how many.
    Adapter { opset: 18, ops: &["Split"], apply: inputs::split_num_outputs },
    // 20: GridSample's mode names; DFT's axis became an input.
    Adapter { opset: 20, ops: &["GridSample"], apply: semantics::grid_sample_modes },
    Adapter { opset: 20, ops: &["DFT"], apply: inputs::dft_axis },
    // 21: GroupNormalization scales per channel instead of per group.
    Adapter { opset: 21, ops: &["GroupNormalization"], apply: semantics::group_norm_21 },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_opset_order() {
        assert!(TABLE.windows(2).all(|w| w[0].opset <= w[1].opset));
    }
}
