//! `pare convert`: rewrite a model to a newer opset of the default ONNX domain (7–22), keeping
//! its outputs; prints what changed. The same conversion runs by itself inside `compress` when
//! a step needs a newer opset (per-channel quantization needs 13).

use pare::convert::{NEWEST_TARGET, OLDEST_TARGET, upgrade};

use crate::args::{self, OptionSpec};
use crate::{CliError, command_help, load_model};

const OPTIONS: &[OptionSpec] = &[
    OptionSpec::value("o", "OUT.onnx"),
    OptionSpec::value("out", "OUT.onnx"),
    OptionSpec::value("opset", "N"),
    OptionSpec::flag("json"),
];

fn help() -> String {
    command_help(
        "pare convert MODEL -o OUT.onnx --opset N [--json]",
        "Converts MODEL to opset N of the default ONNX domain, rewriting every node whose schema\n\
         changed on the way (attributes that became inputs, Upsample → Resize, Softmax's 2-D\n\
         semantics before 13, legacy broadcasting, …) so the outputs stay the same. Prints each\n\
         change; --json prints the report as JSON instead.",
        &[
            ("-o, --out OUT.onnx", "where to write the converted model (required)"),
            ("--opset N", "the target opset (7–22; at least the model's own)"),
            ("--json", "print the report as JSON"),
            ("-h, --help", "this help"),
        ],
    )
}

pub fn main(argv: &[String]) -> Result<(), CliError> {
    let parsed = args::parse("convert", OPTIONS, argv)?;
    if parsed.help {
        println!("{}", help());
        return Ok(());
    }
    let model_path = crate::model_argument("convert", &parsed.positionals)?;
    let out = crate::output_argument(&parsed, "convert")?;
    let Some(opset) = parsed.parsed::<i64>("opset", "an opset number")? else {
        return Err(CliError::Usage(format!("`pare convert` needs --opset N ({OLDEST_TARGET}–{NEWEST_TARGET})")));
    };
    crate::staged_writes::refuse_overwriting_inputs(&[("-o".into(), out.into())], &[("the model".into(), model_path.into())])?;
    let mut model = load_model(model_path)?;
    let report = upgrade(&mut model, opset)?;
    crate::write_file(out, &pare::onnx::encode_model(&model))?;
    if parsed.flag("json") {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| crate::json_error("the report", e))?);
        return Ok(());
    }
    println!("wrote {out}: {}; IR version {} → {}", report.summary(), report.ir_version_from, report.ir_version_to);
    for change in &report.changes {
        println!("  {} ({}, opset {}): {}", change.node, change.op_type, change.at_opset, change.change);
    }
    for note in &report.redeclared_output_shapes {
        println!("  note: {note}");
    }
    Ok(())
}
