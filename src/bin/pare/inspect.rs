//! `pare inspect`: the analysis of a model as text tables or JSON.

use pare::analysis::{AnalysisOptions, analyze_model};
use pare::runtime::RandomInputs;

use crate::args::{self, OptionSpec};
use crate::{CliError, command_help, load_model, parse_dims, parse_shapes, report_text};

const OPTIONS: &[OptionSpec] = &[
    OptionSpec::flag("json"),
    OptionSpec::repeated("dim", "NAME=SIZE"),
    OptionSpec::repeated("shape", "INPUT=D0,D1,..."),
    OptionSpec::value("seed", "N"),
    OptionSpec::flag("no-run"),
    OptionSpec::value("top", "N"),
];

fn help() -> String {
    command_help(
        "pare inspect MODEL [--json] [--dim NAME=SIZE]... [--shape INPUT=D0,D1,...]... [--seed N] [--no-run] [--top N]",
        "Reports what MODEL holds and costs: parameters and bytes per dtype; FLOPs, MACs and memory\n\
         access (bytes read + written) per node and in total; structure (depth, width, branches,\n\
         share of element-wise nodes); and an architecture lint of hardware-aware hints.\n\n\
         Shapes come from running the model once on seeded random inputs (only shapes are kept);\n\
         when the model cannot run in pare, from the shapes the file declares, and the report\n\
         says so. FLOPs = 2 × MACs for convolutions and matrix products; see the JSON for every node.",
        &[
            ("--json", "print the full analysis as JSON (every node, every finding)"),
            ("--dim NAME=SIZE", "size of symbolic input dim NAME, e.g. --dim batch=8 (default: sizes the model runs on)"),
            (
                "--shape INPUT=D0,D1,...",
                "whole shape of input INPUT, e.g. --shape x=1,3,48,192\n(for unnamed dims, which are searched otherwise)",
            ),
            ("--seed N", "seed of the random inputs of the shape run (default 0)"),
            ("--no-run", "do not run the model: use declared shapes only"),
            ("--top N", "show the N nodes with the most FLOPs (default 15, 0 = all)"),
            ("-h, --help", "this help"),
        ],
    )
}

pub fn main(argv: &[String]) -> Result<(), CliError> {
    let parsed = args::parse("inspect", OPTIONS, argv)?;
    if parsed.help {
        println!("{}", help());
        return Ok(());
    }
    let model_path = crate::model_argument("inspect", &parsed.positionals)?;
    let top = parsed.parsed::<usize>("top", "a non-negative integer")?.unwrap_or(15);
    let mut random = RandomInputs::new(parsed.parsed::<u64>("seed", "a non-negative integer")?.unwrap_or(0));
    random.dims.extend(parse_dims(&parsed.values("dim"))?);
    random.shapes.extend(parse_shapes(&parsed.values("shape"))?);
    let model = load_model(model_path)?;
    let specs = pare::runtime::random_inputs::declared_inputs(&model.graph);
    random.check_dims(&specs).map_err(|e| CliError::Usage(e.to_string()))?;
    let options = AnalysisOptions { random, skip_run: parsed.flag("no-run") };
    let analysis = analyze_model(&model, &options);
    if parsed.flag("json") {
        let json = serde_json::to_string_pretty(&analysis)
            .map_err(|e| crate::json_error("the analysis", e))?;
        println!("{json}");
    } else {
        print!("{}", report_text::render(model_path, &analysis, top));
    }
    Ok(())
}
