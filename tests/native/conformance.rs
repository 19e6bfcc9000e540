//! Replays the ONNX operator conformance suite (`onnx/backend/test/data/node/*` from the PyPI
//! wheel onnx==1.22.0) for every test whose ops pare claims, and writes the support table.
//!
//! Env: `PARE_CONFORMANCE_FILTER=substr` runs only matching tests and skips the table;
//! `PARE_CONFORMANCE_VERBOSE=1` prints every failure.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use pare::ir::Graph;
use pare::onnx::decode_model;
use pare::ops::standard_registry;

use crate::common::{self, Tolerance, read, run_data_sets, venv_path};

fn op_types(graph: &Graph, out: &mut BTreeSet<String>) {
    for n in &graph.nodes {
        let key = if n.domain.is_empty() || n.domain == "ai.onnx" { n.op_type.clone() } else { format!("{}:{}", n.domain, n.op_type) };
        out.insert(key);
        for g in n.subgraphs() {
            op_types(g, out);
        }
    }
}

fn load_exceptions() -> HashMap<String, String> {
    let text = std::fs::read_to_string(common::repo_root().join("tests/conformance/exceptions.txt")).unwrap();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((name, reason)) => (name.to_string(), reason.trim().to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

#[test]
fn onnx_node_tests_pass_for_every_claimed_op() {
    let root = venv_path("onnx/backend/test/data/node");
    let filter = std::env::var("PARE_CONFORMANCE_FILTER").ok();
    let verbose = std::env::var("PARE_CONFORMANCE_VERBOSE").is_ok();
    let registry = standard_registry();
    let exceptions = load_exceptions();

    let mut dirs: Vec<_> = std::fs::read_dir(&root).unwrap().flatten().map(|e| e.path()).collect();
    dirs.sort();
    // op → (passed, total, failing test names)
    let mut per_op: BTreeMap<String, (usize, usize, Vec<String>)> = BTreeMap::new();
    let mut unexpected = Vec::new();
    let mut stale = Vec::new();
    let mut ran = 0;
    let total_tests = dirs.len();
    let mut passed_total = 0;
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let model = match decode_model(&read(&dir.join("model.onnx"))) {
            Ok(m) => m,
            Err(e) => {
                unexpected.push(format!("{name}: decode: {e}"));
                continue;
            }
        };
        let mut ops = BTreeSet::new();
        op_types(&model.graph, &mut ops);
        let claimed = ops.iter().all(|op| match op.split_once(':') {
            Some((domain, op_type)) => registry.contains(domain, op_type),
            None => registry.contains("", op),
        });
        if !claimed {
            continue;
        }
        ran += 1;
        let outcome = run_data_sets(&model, &dir, Tolerance::OnnxBackend);
        let passed = outcome.is_ok();
        passed_total += usize::from(passed);
        for op in &ops {
            let e = per_op.entry(op.clone()).or_default();
            e.1 += 1;
            if passed {
                e.0 += 1;
            } else {
                e.2.push(name.clone());
            }
        }
        match (outcome, exceptions.contains_key(&name)) {
            (Ok(_), true) => stale.push(name),
            (Err(msg), false) => {
                if verbose {
                    eprintln!("FAIL {name}: {msg}");
                }
                unexpected.push(format!("{name}: {msg}"));
            }
            _ => {}
        }
    }
    println!("conformance: ran {ran} node tests, {} unexpected failures, {} stale exceptions", unexpected.len(), stale.len());
    if filter.is_none() {
        let table = support_table(&registry, &per_op, &exceptions, (ran, passed_total), total_tests);
        check_readme(&table);
    }
    assert!(ran > 0, "no node test ran");
    assert!(
        unexpected.is_empty() && stale.is_empty(),
        "unexpected failures ({}):\n{}\n\nexceptions that now pass (remove them from tests/conformance/exceptions.txt): {stale:?}",
        unexpected.len(),
        unexpected.join("\n")
    );
}

/// The support table (also written to `target/conformance.md`): a summary line, then per op
/// its opsets, node tests passed/total and the known exceptions grouped by reason.
fn support_table(
    registry: &pare::ops::Registry,
    per_op: &BTreeMap<String, (usize, usize, Vec<String>)>,
    exceptions: &HashMap<String, String>,
    (ran, passed): (usize, usize),
    total_tests: usize,
) -> String {
    let mut rows = String::new();
    let mut seen = BTreeSet::new();
    for e in registry.entries() {
        if e.domain == pare::ops::RUNTIME_DOMAIN {
            continue; // runtime-internal ops (integer execution), never in a model file
        }
        let op = if e.domain.is_empty() { e.op_type.to_string() } else { format!("{}:{}", e.domain, e.op_type) };
        if !seen.insert(op.clone()) {
            continue;
        }
        let opsets: Vec<String> = registry
            .entries()
            .iter()
            .filter(|x| x.op_type == e.op_type && x.domain == e.domain)
            .map(|x| format!("{}–{}", x.opsets.start(), x.opsets.end()))
            .collect();
        let (passed, total, failing) = per_op.get(&op).cloned().unwrap_or_default();
        let mut by_reason: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for t in &failing {
            by_reason.entry(exceptions.get(t).map(String::as_str).unwrap_or("failing")).or_default().push(t);
        }
        let notes: Vec<String> = by_reason
            .iter()
            .map(|(reason, tests)| match tests.len() {
                1..=3 => format!("{} ({reason})", tests.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")),
                n => format!("{n} tests ({reason})"),
            })
            .collect();
        let _ = writeln!(rows, "| {op} | {} | {passed}/{total} | {} |", opsets.join(", "), notes.join("; "));
    }
    let mut md = format!(
        "pare implements {} operators. Of the {total_tests} node tests in the onnx 1.22.0 wheel, {ran} use only \
         these operators; {passed} pass and {} are documented exceptions \
         (tests/conformance/exceptions.txt). A test counts for every operator its model uses.\n\n",
        seen.len(),
        ran - passed,
    );
    md.push_str("| op | opsets | node tests passed | known exceptions |\n|---|---|---|---|\n");
    md.push_str(&rows);
    let out = common::repo_root().join("target/conformance.md");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    std::fs::write(&out, &md).unwrap();
    md
}

const TABLE_BEGIN: &str = "<!-- conformance table: generated by tests/native/conformance.rs -->\n";
const TABLE_END: &str = "<!-- end of conformance table -->";

/// The README shows the table between two markers; it must be current. With
/// `PARE_UPDATE_README=1` the test rewrites it instead of failing.
fn check_readme(table: &str) {
    let path = common::repo_root().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (Some(begin), Some(end)) = (readme.find(TABLE_BEGIN), readme.find(TABLE_END)) else {
        panic!("README.md lacks the conformance table markers");
    };
    let current = &readme[begin + TABLE_BEGIN.len()..end];
    if current == table {
        return;
    }
    if std::env::var("PARE_UPDATE_README").is_ok() {
        let updated = format!("{}{TABLE_BEGIN}{table}{}", &readme[..begin], &readme[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    panic!("README.md's conformance table is out of date: rerun with PARE_UPDATE_README=1 (new table in target/conformance.md)");
}
