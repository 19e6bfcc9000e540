//! Upsample — ONNX opsets 7 (scales attribute) and 9 (scales input); deprecated in 10 in
//! favour of Resize, whose opset-10 behaviour it shares: `mode` nearest or linear,
//! asymmetric coordinates, output length floor(scale · input length).

use super::config::{ResizeConfig, parse_mode};
use super::{Resize, ScalesSource};
use crate::ops::{BuildContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Upsample", 7..=9, build);
}

fn build(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let config = ResizeConfig::legacy(parse_mode(ctx.node)?);
    let scales = if ctx.opset < 9 {
        let scales = ctx.node.attr_floats("scales")?.ok_or_else(|| OpError::attribute("scales", "is required"))?;
        ScalesSource::Attribute(scales.into_iter().map(f64::from).collect())
    } else {
        ScalesSource::Input(1)
    };
    Ok(Box::new(Resize { config, scales, roi_input: None, sizes_input: None }))
}
