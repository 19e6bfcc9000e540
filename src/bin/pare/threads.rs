//! `--threads N` of the commands that run models (run, compress, compare, sensitivity): taken
//! off the command line here, before the command parses the rest (the library's parser is
//! shared with the npm CLI, whose wasm build has no threads), and the command then runs inside
//! a pool of N threads built for it (`pare_kernels::parallel::on_threads`) — the global pool
//! is never changed. Default: one thread per core, as onnxruntime; `--threads 1` is pare's
//! single-threaded run. Outputs are the same bits for any N (`pare_kernels::parallel`).

use crate::CliError;

/// The option's line in each command's help.
pub const HELP: (&str, &str) =
    ("--threads N", "threads that run the model (default: one per core; 1: a single thread);\nthe results are the same bits for any N");

/// Runs `command` on the rest of `argv` inside a pool of `--threads N` threads (default: one
/// per core).
pub fn run(argv: &[String], command: fn(&[String]) -> Result<(), CliError>) -> Result<(), CliError> {
    let (threads, rest) = take_threads(argv)?;
    pare::kernels::parallel::on_threads(threads.unwrap_or(0), || command(&rest))
        .map_err(|reason| CliError::Failed(pare::Error::file("start", "threads", reason)))?
}

/// `--threads N` / `--threads=N` (once, N ≥ 1) and the other arguments in their order;
/// nothing after `--` is looked at.
fn take_threads(argv: &[String]) -> Result<(Option<usize>, Vec<String>), CliError> {
    let (mut threads, mut rest) = (None, Vec::with_capacity(argv.len()));
    let mut args = argv.iter();
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "--" => {
                rest.push(arg.clone());
                rest.extend(args.by_ref().cloned());
                break;
            }
            "--threads" => args.next().ok_or_else(|| CliError::Usage("--threads needs a value: --threads N".into()))?,
            other => match other.strip_prefix("--threads=") {
                Some(value) => value,
                None => {
                    rest.push(arg.clone());
                    continue;
                }
            },
        };
        if threads.is_some() {
            return Err(CliError::Usage("--threads is given twice".into()));
        }
        threads = match value.parse::<usize>() {
            Ok(n) if n >= 1 => Some(n),
            _ => return Err(CliError::Usage(format!("--threads expects a number of threads (1 or more), got `{value}`"))),
        };
    }
    Ok((threads, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn threads_come_off_the_command_line_in_both_spellings_and_stop_at_the_separator() {
        let (n, rest) = take_threads(&args(&["m.onnx", "--threads", "3", "--random"])).unwrap();
        assert_eq!((n, rest), (Some(3), args(&["m.onnx", "--random"])));
        let (n, rest) = take_threads(&args(&["--threads=2", "m.onnx"])).unwrap();
        assert_eq!((n, rest), (Some(2), args(&["m.onnx"])));
        let (n, rest) = take_threads(&args(&["m.onnx", "--", "--threads", "2"])).unwrap();
        assert_eq!((n, rest), (None, args(&["m.onnx", "--", "--threads", "2"])));
    }

    #[test]
    fn zero_words_repeats_and_missing_values_are_usage_errors() {
        for (argv, message) in [
            (&["--threads", "0"][..], "got `0`"),
            (&["--threads", "two"], "got `two`"),
            (&["--threads=-1"], "got `-1`"),
            (&["--threads"], "needs a value"),
            (&["--threads", "1", "--threads=2"], "given twice"),
        ] {
            match take_threads(&args(argv)) {
                Err(CliError::Usage(m)) => assert!(m.contains(message), "{argv:?}: {m}"),
                other => panic!("{argv:?}: {other:?}"),
            }
        }
    }
}
