//! The jobs behind the commands, written once: the command-line parser both CLIs use, `pare
//! compress` from its command line to the files it writes and the text it prints, and the
//! compress → compare job the page and the wasm API run. The native CLI (`src/bin/pare`), the npm
//! CLI (`js/cli.mjs`, through `src/wasm`) and the page's worker only read files, call these and
//! display what they return: a decision made here is made the same way everywhere.

pub mod args;
pub mod compress_command;
pub mod compress_job;
pub mod compress_text;
pub mod human;
pub mod samples;
pub mod suspicious;
pub mod wording;

pub use compress_command::{CompressCommand, compress_help, parse_compress_command};
pub use samples::random_dataset;
pub use wording::Interface;
pub use compress_job::{CommandOutput, CompareSamples, Files, Job, JobResult, run_compress_command, run_job};
