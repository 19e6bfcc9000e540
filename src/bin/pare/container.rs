//! `pare pack` and `pare decode`: an ONNX file to a `.pare` container (docs/container.md) and
//! back, byte for byte.

use std::path::Path;

use crate::args::{self, OptionSpec};
use crate::input_files::InputKind;
use crate::{CliError, about, command_help, read_file};

const OPTIONS: &[OptionSpec] = &[OptionSpec::flag("json")];

fn pack_help() -> String {
    command_help(
        "pare pack MODEL.onnx OUT.pare [--json]",
        "Stores MODEL in a .pare container: its tensor payloads cut out of the protobuf and\n\
         entropy-coded (Huffman over bytes, byte planes, sparse gaps; whichever is smallest),\n\
         with CRC-32 checksums. Lossless: `pare decode` gives back the exact bytes. Prints the\n\
         sizes of the ONNX file and of the container, and their ratio.",
        &[("--json", "print the sizes as JSON"), ("-h, --help", "this help")],
    )
}

fn decode_help() -> String {
    command_help(
        "pare decode IN.pare OUT.onnx",
        "Writes the ONNX file a .pare container holds, byte for byte as it was packed. A container\n\
         with a wrong magic or version, truncated or damaged (a checksum does not match) is an\n\
         error of kind bad-container, never a wrong model.",
        &[("-h, --help", "this help")],
    )
}

/// IN and OUT, the two positionals.
fn in_out<'a>(command: &str, positionals: &'a [String], usage: &str) -> Result<(&'a str, &'a str), CliError> {
    match positionals {
        [input, output] => Ok((input, output)),
        [] | [_] => Err(CliError::Usage(format!("`pare {command}` needs {usage} (see `pare {command} --help`)"))),
        [_, _, extra, ..] => Err(CliError::Usage(format!("unexpected argument `{extra}`: `pare {command}` takes {usage}"))),
    }
}

pub fn pack(argv: &[String]) -> Result<(), CliError> {
    let parsed = args::parse("pack", OPTIONS, argv)?;
    if parsed.help {
        println!("{}", pack_help());
        return Ok(());
    }
    let (input, output) = in_out("pack", &parsed.positionals, "MODEL.onnx OUT.pare")?;
    crate::staged_writes::refuse_overwriting_inputs(&[("OUT.pare".into(), output.into())], &[("the model".into(), input.into())])?;
    let onnx = read_file(Path::new(input), InputKind::Model)?;
    let packed = pare::container::pack(&onnx).map_err(|e| about(format!("`{input}`"), e))?;
    crate::write_file(output, &packed.container)?;
    let r = &packed.report;
    if parsed.flag("json") {
        println!("{}", serde_json::to_string_pretty(r).map_err(|e| crate::json_error("the report", e))?);
        return Ok(());
    }
    println!(
        "wrote {output}: onnx {} bytes → container {} bytes ({:.2}× smaller; {} tensor payloads, {} bytes)",
        r.onnx_bytes,
        r.container_bytes,
        r.onnx_bytes as f64 / r.container_bytes.max(1) as f64,
        r.payloads,
        r.payload_bytes
    );
    Ok(())
}

pub fn decode(argv: &[String]) -> Result<(), CliError> {
    let parsed = args::parse("decode", &[], argv)?;
    if parsed.help {
        println!("{}", decode_help());
        return Ok(());
    }
    let (input, output) = in_out("decode", &parsed.positionals, "IN.pare OUT.onnx")?;
    crate::staged_writes::refuse_overwriting_inputs(&[("OUT.onnx".into(), output.into())], &[("the container".into(), input.into())])?;
    let container = read_file(Path::new(input), InputKind::Container)?;
    let onnx = pare::container::unpack(&container).map_err(|e| about(format!("`{input}`"), e))?;
    crate::write_file(output, &onnx)?;
    println!("wrote {output}: {} bytes from a {}-byte container", onnx.len(), container.len());
    Ok(())
}
