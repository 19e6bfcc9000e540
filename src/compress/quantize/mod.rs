//! INT8 quantization passes: weight-only, static QDQ with calibration, dynamic.
//! See `../shared/COMPRESSION.md` §3 for the definitions.

pub mod spec;

use serde::Serialize;

pub use spec::{CalibrationMethod, CalibrationSpec, IntType, Mode, QuantizeSpec};

use super::PassContext;
use crate::ir::Model;

#[derive(Clone, Debug, Default, Serialize)]
pub struct QuantizeReport {}

#[derive(Debug, thiserror::Error)]
pub enum QuantizeError {
    #[error("quantization is not implemented yet")]
    NotYet,
}

pub fn apply(_model: &mut Model, _spec: &QuantizeSpec, _ctx: &mut PassContext) -> Result<QuantizeReport, QuantizeError> {
    Err(QuantizeError::NotYet)
}
