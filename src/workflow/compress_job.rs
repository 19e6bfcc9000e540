//! One compress job, the same for every interface: compress a model with a recipe, then compare
//! the result with the original on held-back samples, and say what it cost. The native CLI and
//! `npx pare` run [`run_compress_command`] (command line → files to write + text to print); the
//! page and the wasm API run [`run_job`] with samples they already have.
//!
//! Rules that hold everywhere:
//! - Bad user input (an unreadable `--compare-inputs`, a recipe that does not parse, sizes that
//!   do not fit) is checked before any work starts.
//! - Comparison samples: `--compare-inputs`, else the first 16 calibration samples (said to be
//!   not held-out), else 16 seeded random ones at sizes the model runs on
//!   (`runtime::input_sizes`).
//! - A failed comparison never loses the work: the compressed model is still returned (and
//!   written), the command succeeds with a warning, and the report carries the error.

use serde::Serialize;

use super::args::UsageError;
use super::compress_command::{CalibrationSource, CompressCommand, RecipeSource, compress_help, parse_compress_command};
use super::compress_text::render_compress_summary;
use crate::compare::{CompareOptions, CompareReport, TextOptions, compare_models_with_progress, render_text};
use crate::compress::{CompressError, CompressReport, Progress, ProgressFn, Recipe, compress};
use crate::Error;
use crate::ir::Model;
use crate::runtime::random_inputs::declared_inputs;
use crate::runtime::{Dataset, InputSet, InputSpec, RandomInputs, SizeChoice};

/// Samples the comparison uses when neither compare inputs nor calibration data are given, and
/// at most how many calibration samples it reuses.
pub const COMPARE_SAMPLES: usize = 16;

/// The progress stage of the comparison after compressing (`Progress::stage`).
pub const COMPARE_STAGE: &str = "compare";

/// The line both CLIs print when a new stage starts: `pare: step 1/2: calibrate…`, and
/// `pare: compare…` for the comparison after the steps.
pub fn progress_line(p: &Progress) -> String {
    if p.steps == 0 { format!("pare: {}…", p.stage) } else { format!("pare: step {}/{}: {}…", p.step + 1, p.steps, p.stage) }
}

/// Said whenever a step calibrated on random samples: the error measured on such samples does
/// not predict the error on real data (measured on the corpus's Silero VAD with the page's
/// default preset: output SQNR 36 dB on the random samples, 0.03 dB on held-out speech).
pub const RANDOM_CALIBRATION_WARNING: &str = "calibrated on random samples: activation ranges come from noise, not from your data, \
     so the error measured here can be far smaller than on real inputs (a voice-activity model: 36 dB on random samples, \
     0 dB on speech); calibrate and compare on real samples (--calib FILE.npz in the CLI, a samples file in the page) \
     before relying on this model";

/// Reads the files a command line names (the CLI from disk, `npx pare` through Node's fs).
pub trait Files {
    fn read(&mut self, path: &str) -> Result<Vec<u8>, String>;

    /// [`Files::read`] with its failure as an `Error` ("cannot read `path`: …"); a reader that
    /// knows better (the native CLI's bounded reads: `too-large` for a file above the memory
    /// budget) returns its own error with its kind.
    fn read_file(&mut self, path: &str) -> Result<Vec<u8>, Error> {
        self.read(path).map_err(|reason| Error::file("read", path, reason))
    }
}

/// What a command produced: files to write (all of them, and only if the command succeeded),
/// text for stdout, warnings for stderr.
#[derive(Clone, Debug, Default)]
pub struct CommandOutput {
    pub files: Vec<(String, Vec<u8>)>,
    pub stdout: String,
    pub warnings: Vec<String>,
}

/// Where the comparison's samples come from.
#[derive(Clone, Debug)]
pub enum CompareSamples {
    /// Skip the comparison.
    None,
    /// Held-out samples, described (`from heldout.npz`).
    Given(Dataset, String),
    /// The first calibration samples, else random ones.
    Default,
}

/// A compress job: the model, the recipe, calibration samples, what to compare on, and how to
/// make random samples (seed, sizes the caller fixed).
pub struct Job<'a> {
    pub model: &'a Model,
    pub recipe: &'a Recipe,
    /// Random ones pare made (`Dataset::random`) give the result a warning.
    pub calibration: Option<&'a Dataset>,
    pub compare: CompareSamples,
    pub random: RandomInputs,
    /// Whose words hints use (`--dim` in the CLI, `dims` in the API, Dimensions in the page).
    pub interface: super::Interface,
    /// Bytes of the file the model was read from, when there was one (the report says them).
    pub input_file_bytes: Option<usize>,
}

/// What a job produced.
#[derive(Clone, Debug, Serialize)]
pub struct JobResult {
    #[serde(skip)]
    pub model: Model,
    #[serde(skip)]
    pub bytes: Vec<u8>,
    pub report: CompressReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare: Option<CompareReport>,
    /// Why the comparison failed (the compressed model is still there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare_error: Option<String>,
    /// Sizes of random samples, when any were made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_sizes: Option<SizeChoice>,
    pub warnings: Vec<String>,
}

/// Compresses, then compares (see the module docs for the rules).
pub fn run_job(job: Job, progress: ProgressFn) -> Result<JobResult, Error> {
    let (compressed, mut report) = compress(job.model, job.recipe, job.calibration, progress)?;
    report.input_file_bytes = job.input_file_bytes;
    let bytes = crate::onnx::encode_model(&compressed);
    let mut result = JobResult {
        model: compressed,
        bytes,
        report,
        compare: None,
        compare_error: None,
        input_sizes: None,
        warnings: Vec::new(),
    };
    result.warnings.extend(super::suspicious::non_finite_weights(job.model));
    if let (Some(data), true) = (job.calibration.filter(|d| !d.random), job.recipe.uses_calibration(job.calibration)) {
        result.warnings.extend(super::suspicious::non_finite_samples(data, "calibration"));
    }
    if let CompareSamples::Given(data, _) = &job.compare {
        result.warnings.extend(super::suspicious::non_finite_samples(data, "comparison"));
    }
    if job.calibration.is_some_and(|d| d.random) && job.recipe.uses_calibration(job.calibration) {
        result.warnings.push(RANDOM_CALIBRATION_WARNING.to_string());
    }
    if result.report.after.bytes > result.report.input_bytes() {
        result.warnings.push(format!(
            "the compressed file ({} bytes) is larger than the input ({} bytes); where the bytes go: {}",
            result.report.after.bytes,
            result.report.input_bytes(),
            super::compress_text::breakdown(&result.report.bytes_after)
        ));
    }
    let samples = match job.compare {
        CompareSamples::None => return Ok(result),
        CompareSamples::Given(data, source) => Ok((data.samples, source)),
        CompareSamples::Default => match job.calibration {
            Some(c) => {
                let n = c.len().min(COMPARE_SAMPLES);
                Ok((c.samples[..n].to_vec(), format!("{n} of the calibration samples (not held-out data)")))
            }
            None => random_samples(job.model, job.random, COMPARE_SAMPLES, job.interface, &mut result.input_sizes),
        },
    };
    let outcome = samples.and_then(|(samples, input_source)| {
        let options = CompareOptions { intermediates: true, input_source };
        // Per sample, as stage `compare` outside the steps (`step`/`steps` 0).
        let mut per_sample = |done: usize, total: usize| {
            progress(&Progress { step: 0, steps: 0, stage: COMPARE_STAGE.to_string(), done, total });
        };
        compare_models_with_progress(job.model, &result.model, &samples, &options, &mut per_sample).map_err(|e| e.to_string())
    });
    match outcome {
        Ok(c) => result.compare = Some(c),
        Err(e) => {
            result.warnings.push(format!("the comparison failed, so the error of the compressed model is not measured: {e}"));
            result.compare_error = Some(e);
        }
    }
    Ok(result)
}

/// `count` random samples at sizes the model runs on; the sizes go to `sizes`.
fn random_samples(
    model: &Model,
    mut random: RandomInputs,
    count: usize,
    interface: super::Interface,
    sizes: &mut Option<SizeChoice>,
) -> Result<(Vec<InputSet>, String), String> {
    let seed = random.seed;
    let (data, choice) = super::samples::random_dataset(model, &mut random, count, interface).map_err(|e| e.to_string())?;
    *sizes = Some(choice);
    Ok((data.samples, format!("{count} random samples, seed {seed}")))
}

/// Runs `pare compress ARGV…`: parses, reads what the command line names, runs the job, and
/// returns the files to write and the text to print. Progress goes to `progress`.
pub fn run_compress_command(argv: &[String], files: &mut dyn Files, progress: ProgressFn) -> Result<CommandOutput, Error> {
    let Some(command) = parse_compress_command(argv)? else {
        return Ok(CommandOutput { stdout: format!("{}\n", compress_help()), ..CommandOutput::default() });
    };
    let mut stdout = String::new();
    let recipe = match &command.recipe {
        RecipeSource::Flags(recipe) => recipe.clone(),
        RecipeSource::File(path) => {
            let bytes = read(files, path)?;
            let text = String::from_utf8(bytes).map_err(|_| about_file(path, CompressError::Recipe("it is not UTF-8 text".into())))?;
            Recipe::from_json(&text).map_err(|e| about_file(path, e))?
        }
    };
    if command.print_recipe {
        stdout.push_str(&recipe.to_json());
        stdout.push('\n');
    }
    let model_bytes = read(files, &command.model)?;
    let model = crate::onnx::decode_model(&model_bytes).map_err(|e| about_file(&command.model, e))?;
    let specs = declared_inputs(&model.graph);
    let mut random = random_inputs(&command, &specs)?;
    // Everything the user named is read and checked before the work starts.
    let compare = match (&command.compare_inputs, command.no_compare) {
        (_, true) => CompareSamples::None,
        (Some(path), false) => CompareSamples::Given(read_dataset(files, path, &specs)?, format!("from {path}")),
        (None, false) => CompareSamples::Default,
    };
    let mut input_sizes = None;
    let calibration = match &command.calibration {
        CalibrationSource::None => None,
        CalibrationSource::File(path) => Some(read_dataset(files, path, &specs)?),
        CalibrationSource::Random(n) => {
            let (data, choice) = super::samples::random_dataset(&model, &mut random, *n, super::Interface::Cli)?;
            input_sizes = Some(choice);
            Some(data)
        }
    };
    if let Some(choice) = &input_sizes {
        stdout.push_str(&format!("random inputs: {}\n", choice.summary()));
    }
    let job = Job { model: &model, recipe: &recipe, calibration: calibration.as_ref(), compare, random, interface: super::Interface::Cli, input_file_bytes: Some(model_bytes.len()) };
    let mut result = run_job(job, progress)?;
    if result.input_sizes.is_none() {
        result.input_sizes = input_sizes;
    } else if let Some(choice) = &result.input_sizes {
        stdout.push_str(&format!("random inputs for the comparison: {}\n", choice.summary()));
    }
    stdout.push_str(&render_compress_summary(&result.report, &command.out));
    if let Some(c) = &result.compare {
        stdout.push_str(&render_text(c, &TextOptions { worst_intermediates: Some(5) }));
    }
    let mut output = CommandOutput { files: vec![(command.out.clone(), std::mem::take(&mut result.bytes))], stdout, warnings: result.warnings.clone() };
    if let Some(path) = &command.report {
        let json = serde_json::json!({
            "model": command.model,
            "output": command.out,
            "recipe": recipe,
            "calibration_samples": calibration.as_ref().map(Dataset::len),
            "report": result.report,
            "compare": result.compare,
            "compare_error": result.compare_error,
            "input_sizes": result.input_sizes,
            "warnings": result.warnings,
        });
        let text = serde_json::to_string_pretty(&json).unwrap_or_default();
        output.files.push((path.clone(), text.into_bytes()));
        output.stdout.push_str(&format!("report: {path}\n"));
    }
    Ok(output)
}

fn read(files: &mut dyn Files, path: &str) -> Result<Vec<u8>, Error> {
    files.read_file(path)
}

/// `error` about the file `path` ("`recipe.json`: …"), its kind kept.
fn about_file(path: &str, error: impl Into<Error>) -> Error {
    error.into().context(format!("`{path}`"))
}

/// Stacked samples from an `.npz` file, checked against the model's inputs.
pub fn read_dataset(files: &mut dyn Files, path: &str, specs: &[InputSpec]) -> Result<Dataset, Error> {
    let bytes = read(files, path)?;
    let arrays = crate::npz::read_npz(&bytes).map_err(|e| about_file(path, e))?;
    Dataset::from_stacked(arrays, specs).map_err(|e| about_file(path, e))
}

/// The seed and the sizes the command line fixes, checked against the model's inputs.
fn random_inputs(command: &CompressCommand, specs: &[InputSpec]) -> Result<RandomInputs, Error> {
    let mut random = RandomInputs::new(command.seed);
    random.dims.extend(command.dims.iter().cloned());
    random.shapes.extend(command.shapes.iter().cloned());
    random.check_dims(specs).map_err(|e| UsageError(e.to_string()))?;
    Ok(random)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The MNIST fixture and a 2-sample calibration file, in memory.
    struct Memory;

    impl Files for Memory {
        fn read(&mut self, path: &str) -> Result<Vec<u8>, String> {
            match path {
                "mnist.onnx" => std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mnist_cnn/model.onnx")).map_err(|e| e.to_string()),
                "calib.npz" => {
                    let image = crate::ir::Tensor::from_vec(&[2, 1, 1, 28, 28], (0..2 * 784).map(|i| (i % 29) as f32 / 29.0).collect())
                        .map_err(|e| e.to_string())?;
                    crate::npz::write_npz(&[("image".to_string(), image)]).map_err(|e| e.to_string())
                }
                other => Err(format!("no file {other}")),
            }
        }
    }

    fn warnings(flags: &[&str]) -> Vec<String> {
        let argv: Vec<String> = ["mnist.onnx", "-o", "out.onnx"].iter().chain(flags).map(|s| s.to_string()).collect();
        run_compress_command(&argv, &mut Memory, &mut |_| {}).unwrap().warnings
    }

    #[test]
    fn calibrating_on_random_samples_is_said_and_real_samples_are_not() {
        assert_eq!(warnings(&["--quantize", "int8", "--calib-random", "2"]), vec![RANDOM_CALIBRATION_WARNING.to_string()]);
        assert_eq!(warnings(&["--quantize", "int8", "--calib", "calib.npz"]), Vec::<String>::new(), "the user's samples");
        // Steps that read no calibration samples: nothing to warn about, random samples or not.
        assert_eq!(warnings(&["--quantize", "int8-weights", "--calib-random", "2"]), Vec::<String>::new());
        assert_eq!(warnings(&["--prune", "unstructured:0.5"]), Vec::<String>::new());
    }

    #[test]
    fn the_comparison_reports_progress_per_sample_after_the_steps() {
        let argv: Vec<String> = ["mnist.onnx", "-o", "out.onnx", "--quantize", "int8", "--calib-random", "3"].iter().map(|s| s.to_string()).collect();
        let mut seen = Vec::new();
        run_compress_command(&argv, &mut Memory, &mut |p| seen.push((p.stage.clone(), p.done, p.total))).unwrap();
        let compare: Vec<_> = seen.iter().filter(|(stage, ..)| stage == COMPARE_STAGE).collect();
        assert_eq!(compare.last().map(|(_, done, total)| (*done, *total)), Some((3, 3)), "{seen:?}");
        let first = seen.iter().position(|(stage, ..)| stage == COMPARE_STAGE).unwrap();
        assert!(seen[first..].iter().all(|(stage, ..)| stage == COMPARE_STAGE), "the comparison comes last: {seen:?}");
    }
}
