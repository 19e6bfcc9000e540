//! Running the `pare` binary from the native tests: a fresh folder per test, the command, and
//! its output as text.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh folder `<group>/<test>` under Cargo's per-target temporary directory (`group`: the
/// test module, so that tests of different modules never share one).
pub fn workdir(group: &str, test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(group).join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the `pare` binary built for these tests with `args`.
pub fn pare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pare")).args(args).output().unwrap()
}

/// [`pare`] with arguments of mixed types: `pare_mixed(&[&"run", &path, &format!(…)])`.
pub fn pare_mixed(args: &[&dyn AsRef<OsStr>]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pare")).args(args).output().unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn stdout(o: &Output) -> String {
    text(&o.stdout)
}

pub fn stderr(o: &Output) -> String {
    text(&o.stderr)
}

/// A failure: the expected exit code, and exactly one line on stderr without Rust internals.
pub fn assert_fails(o: &Output, code: i32) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line expected: {err}");
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE") && !err.contains("Error {"), "{err}");
    err
}

/// Each `(args, exit code, needle)`: `pare args` fails with that code and one line on stderr
/// that contains the needle.
pub fn assert_each_fails(cases: &[(Vec<&str>, i32, &str)]) {
    for (args, code, needle) in cases {
        let out = pare(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(*code), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: expected `{needle}` in: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: one line expected: {stderr}");
    }
}
