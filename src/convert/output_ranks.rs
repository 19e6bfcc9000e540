//! Declared graph-output ranks the graph contradicts. Exporters sometimes declare an output's
//! shape from a trace that no longer holds (ddddocr's OCR model declares `[1, seqlen]` for a
//! Reshape that computes `[seq, 1, classes]`; onnxruntime only warns when it runs). Up to
//! opset 13 onnx's shape inference cannot see it; from opset 14 it does, and `onnx.checker`
//! refuses the upgraded file. So after an upgrade, each declared output's rank is compared with
//! the rank it has when pare runs the model once on random inputs (`analysis::observe_shapes`,
//! open dims at sizes the model runs on; shape inference where it cannot run), and a
//! contradicted declaration becomes the right rank with unknown sizes (onnx.checker wants a
//! shape on every main-graph output, so it cannot simply go). Outputs whose rank is not found
//! keep what they declare; a model without declared output shapes is not run.

use crate::analysis::observe_shapes;
use crate::ir::{Dim, Model, TypeInfo, format_shape};
use crate::runtime::RandomInputs;

/// The first opset at which onnx.checker sees a contradicted output rank (measured on
/// ddddocr's model: its upgrade to 13 passes the full check, to 14 does not).
pub const CHECKED_FROM: i64 = 14;

/// Redeclares every main-graph output whose declared rank the graph contradicts;
/// returns a note per output redeclared.
pub fn redeclare_contradicted_output_shapes(model: &mut Model) -> Vec<String> {
    let declares = |t: &Option<TypeInfo>| matches!(t, Some(TypeInfo::Tensor { shape: Some(_), .. }));
    if !model.graph.outputs.iter().any(|o| declares(&o.ty)) {
        return Vec::new();
    }
    // Observed shapes replace what the outputs declare.
    let (shapes, _) = observe_shapes(model, &RandomInputs::new(0));
    let mut notes = Vec::new();
    for output in &mut model.graph.outputs {
        let Some(found) = shapes.get(&output.name) else { continue };
        let Some(TypeInfo::Tensor { shape: declared @ Some(_), .. }) = &mut output.ty else { continue };
        let was = declared.as_deref().unwrap_or_default();
        if was.len() != found.shape.len() {
            notes.push(format!(
                "output `{}` was declared {} (rank {}) but the graph computes rank {}: declared with {} unknown sizes instead (onnx.checker refuses the contradiction from opset 14)",
                output.name,
                format_shape(was),
                was.len(),
                found.shape.len(),
                found.shape.len()
            ));
            *declared = Some(vec![Dim::default(); found.shape.len()]);
        }
    }
    notes
}
