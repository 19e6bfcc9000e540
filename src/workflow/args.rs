//! A small command-line parser, shared by the native CLI and the npm CLI (which calls it through
//! the wasm API) (pare keeps its dependencies lean: no clap). Each command
//! declares its options; `--name value` and `--name=value` both work, `--` ends the options,
//! and an unknown option is reported with the closest known one.

use std::str::FromStr;

/// A command line that does not parse: the message says what is wrong and what was expected
/// (exit code 2 in both CLIs).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

impl UsageError {
    pub fn kind(&self) -> crate::error::ErrorKind {
        crate::error::ErrorKind::BadArgument
    }
}

/// One option a command accepts.
pub struct OptionSpec {
    /// Without the leading dashes.
    pub name: &'static str,
    /// The value's placeholder in help (`FILE`), or `None` for a flag.
    pub value: Option<&'static str>,
    /// May be given several times.
    pub repeatable: bool,
}

impl OptionSpec {
    pub const fn flag(name: &'static str) -> Self {
        OptionSpec { name, value: None, repeatable: false }
    }
    pub const fn value(name: &'static str, placeholder: &'static str) -> Self {
        OptionSpec { name, value: Some(placeholder), repeatable: false }
    }
    pub const fn repeated(name: &'static str, placeholder: &'static str) -> Self {
        OptionSpec { name, value: Some(placeholder), repeatable: true }
    }
}

/// The parsed command line of one command.
#[derive(Debug, Default)]
pub struct Parsed {
    pub positionals: Vec<String>,
    values: Vec<(&'static str, String)>,
    flags: Vec<&'static str>,
    pub help: bool,
}

impl Parsed {
    pub fn flag(&self, name: &str) -> bool {
        self.flags.contains(&name)
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    pub fn values(&self, name: &str) -> Vec<&str> {
        self.values.iter().filter(|(n, _)| *n == name).map(|(_, v)| v.as_str()).collect()
    }

    /// Values of several options in command-line order, as (option, value): lets flags such as
    /// `--prune` and `--quantize` compose in the order given.
    pub fn ordered(&self, names: &[&str]) -> Vec<(&'static str, &str)> {
        self.values.iter().filter(|(n, _)| names.contains(n)).map(|(n, v)| (*n, v.as_str())).collect()
    }

    /// The value of `--name` parsed as `T`, with an error saying what was expected.
    pub fn parsed<T: FromStr>(&self, name: &str, expected: &str) -> Result<Option<T>, UsageError> {
        match self.value(name) {
            None => Ok(None),
            Some(text) => text
                .parse()
                .map(Some)
                .map_err(|_| UsageError(format!("--{name} expects {expected}, got `{text}`"))),
        }
    }
}

/// Parses `args` (after the command name) against `specs`.
pub fn parse(command: &str, specs: &[OptionSpec], args: &[String]) -> Result<Parsed, UsageError> {
    parse_groups(command, &[specs], args)
}

/// [`parse`] against groups of options taken in order, so commands share a group (such as
/// [`compress_command::SAMPLE_OPTIONS`](super::compress_command::SAMPLE_OPTIONS)) instead of
/// repeating it.
pub fn parse_groups(command: &str, groups: &[&[OptionSpec]], args: &[String]) -> Result<Parsed, UsageError> {
    let specs: Vec<&OptionSpec> = groups.iter().flat_map(|g| g.iter()).collect();
    let mut parsed = Parsed::default();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--" {
            parsed.positionals.extend(rest.by_ref().cloned());
            break;
        }
        if arg == "-h" || arg == "--help" {
            parsed.help = true;
            continue;
        }
        let Some(option) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-').filter(|s| !s.is_empty())) else {
            parsed.positionals.push(arg.clone());
            continue;
        };
        let (name, inline_value) = match option.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (option, None),
        };
        let Some(spec) = specs.iter().find(|s| s.name == name) else {
            return Err(unknown_option(command, arg, name, &specs));
        };
        match spec.value {
            None => {
                if inline_value.is_some() {
                    return Err(UsageError(format!("--{name} takes no value (`pare {command} --help`)")));
                }
                if !parsed.flags.contains(&spec.name) {
                    parsed.flags.push(spec.name);
                }
            }
            Some(placeholder) => {
                let value = match inline_value {
                    Some(v) => v,
                    None => rest
                        .next()
                        .cloned()
                        .ok_or_else(|| UsageError(format!("--{name} needs a value: --{name} {placeholder}")))?,
                };
                if !spec.repeatable && parsed.value(spec.name).is_some() {
                    return Err(UsageError(format!("--{name} is given twice")));
                }
                parsed.values.push((spec.name, value));
            }
        }
    }
    Ok(parsed)
}

fn unknown_option(command: &str, arg: &str, name: &str, specs: &[&OptionSpec]) -> UsageError {
    let closest = specs
        .iter()
        .map(|s| (edit_distance(name, s.name), s.name))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| format!("; did you mean --{n}?"))
        .unwrap_or_default();
    UsageError(format!("unknown option `{arg}` for `pare {command}`{closest} (see `pare {command} --help`)"))
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// Splits `NAME=VALUE` at the first `=`.
pub fn name_value<'a>(option: &str, text: &'a str, placeholder: &str) -> Result<(&'a str, &'a str), UsageError> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() && !value.is_empty() => Ok((name, value)),
        _ => Err(UsageError(format!("--{option} expects {placeholder}, got `{text}`"))),
    }
}

/// `--dim NAME=SIZE` values.
pub fn parse_dims(values: &[&str]) -> Result<Vec<(String, usize)>, UsageError> {
    values
        .iter()
        .map(|text| {
            let (name, size) = name_value("dim", text, "NAME=SIZE")?;
            let size: usize = size.parse().map_err(|_| {
                UsageError(format!("--dim {name}: `{size}` is not a size (a non-negative integer)"))
            })?;
            Ok((name.to_string(), size))
        })
        .collect()
}

/// `--shape NAME=D0,D1,...` values (`x` also separates dims: `1x3x224x224`).
pub fn parse_shapes(values: &[&str]) -> Result<Vec<(String, Vec<usize>)>, UsageError> {
    values
        .iter()
        .map(|text| {
            let (name, dims) = name_value("shape", text, "NAME=D0,D1,...")?;
            let shape: Result<Vec<usize>, _> = dims.split([',', 'x']).map(|d| d.trim().parse::<usize>()).collect();
            let shape = shape.map_err(|_| {
                UsageError(format!("--shape {name}: `{dims}` is not a list of sizes like 1,3,224,224"))
            })?;
            Ok((name.to_string(), shape))
        })
        .collect()
}

/// The help of one command, from its usage line, description and options.
pub fn command_help(usage: &str, description: &str, options: &[(&str, &str)]) -> String {
    let width = options.iter().map(|(o, _)| o.chars().count()).max().unwrap_or(0);
    let mut out = format!("Usage: {usage}\n\n{description}\n\nOptions:\n");
    for (option, text) in options {
        let pad = width - option.chars().count();
        let mut lines = text.lines();
        out.push_str(&format!("  {option}{}  {}\n", " ".repeat(pad), lines.next().unwrap_or("")));
        for line in lines {
            out.push_str(&format!("  {}  {line}\n", " ".repeat(width)));
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[OptionSpec] =
        &[OptionSpec::flag("json"), OptionSpec::value("seed", "N"), OptionSpec::repeated("dim", "NAME=SIZE")];

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_flags_values_and_positionals() {
        let p = parse("inspect", SPECS, &args(&["m.onnx", "--json", "--seed=3", "--dim", "a=1", "--dim=b=2"])).unwrap();
        assert_eq!(p.positionals, vec!["m.onnx"]);
        assert!(p.flag("json"));
        assert_eq!(p.parsed::<u64>("seed", "a number").unwrap(), Some(3));
        assert_eq!(p.values("dim"), vec!["a=1", "b=2"]);
        assert_eq!(p.ordered(&["dim", "seed"]), vec![("seed", "3"), ("dim", "a=1"), ("dim", "b=2")]);
        let p = parse("inspect", SPECS, &args(&["--", "--json"])).unwrap();
        assert_eq!(p.positionals, vec!["--json"]);
    }

    #[test]
    fn reports_mistakes_in_one_line() {
        let err = parse("inspect", SPECS, &args(&["--jsn"])).unwrap_err().to_string();
        assert_eq!(err, "unknown option `--jsn` for `pare inspect`; did you mean --json? (see `pare inspect --help`)");
        let err = parse("inspect", SPECS, &args(&["--seed"])).unwrap_err().to_string();
        assert_eq!(err, "--seed needs a value: --seed N");
        let err = parse("inspect", SPECS, &args(&["--seed", "1", "--seed", "2"])).unwrap_err().to_string();
        assert_eq!(err, "--seed is given twice");
        let p = parse("inspect", SPECS, &args(&["--seed", "x"])).unwrap();
        assert_eq!(p.parsed::<u64>("seed", "a number").unwrap_err().to_string(), "--seed expects a number, got `x`");
    }
}
