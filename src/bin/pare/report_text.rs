//! The text form of `pare inspect`: a header, totals, tables of ops and heaviest nodes, and
//! the lint grouped by rule. `--json` carries everything; this is the part people read.

use std::fmt::Write;

use pare::analysis::{LEVELS_CAP, LintFinding, ModelAnalysis, NodeReport, ShapeSource};

use crate::human::{bytes, count, percent, shape};

/// Findings printed per rule before "… and N more".
const FINDINGS_PER_RULE: usize = 8;

pub fn render(model_path: &str, a: &ModelAnalysis, top: usize) -> String {
    let mut out = String::new();
    header(&mut out, model_path, a);
    totals(&mut out, a);
    ops(&mut out, a);
    nodes(&mut out, a, top);
    weights(&mut out, a, top);
    lint(&mut out, a);
    out
}

fn header(out: &mut String, model_path: &str, a: &ModelAnalysis) {
    let s = &a.summary;
    let opsets: Vec<String> = s
        .opsets
        .iter()
        .map(|(domain, version)| format!("{} {version}", if domain.is_empty() { "ai.onnx" } else { domain }))
        .collect();
    let producer = if s.producer.is_empty() { String::new() } else { format!("{}, ", s.producer) };
    let _ = writeln!(out, "model      {model_path} ({producer}IR {}, opsets {})", s.ir_version, opsets.join(", "));
    for input in &s.inputs {
        let used = a.shapes.inputs.iter().find(|u| u.name == input.name);
        let analysed = used.map(|u| format!("  (analysed as {})", shape(&u.shape))).unwrap_or_default();
        let _ = writeln!(out, "input      {}: {}{analysed}", input.name, input.r#type);
    }
    for output in &s.outputs {
        let _ = writeln!(out, "output     {}: {}", output.name, output.r#type);
    }
    let source = match a.shapes.source {
        ShapeSource::Observed => "observed by running the model once on random inputs".to_string(),
        ShapeSource::Partial => "partly observed (the run stopped), the rest declared or inferred".to_string(),
        ShapeSource::Declared => "declared in the file or inferred (the model did not run)".to_string(),
    };
    let inferred = match a.shapes.inferred_values {
        0 => String::new(),
        n => format!(" ({n} by shape inference)"),
    };
    let _ = writeln!(
        out,
        "shapes     {source}; {} of {} values known{inferred}",
        a.shapes.known_values, a.shapes.total_values
    );
    if let Some(sizes) = &a.shapes.sizes {
        let _ = writeln!(out, "           input sizes: {}", sizes.summary());
    }
    if !a.shapes.defaulted_dims.is_empty() {
        let _ = writeln!(
            out,
            "           input dims taken as 1: {} (set them with --dim NAME=SIZE or --shape INPUT=D0,D1,...)",
            a.shapes.defaulted_dims.join(", ")
        );
    }
    if let Some(note) = &a.shapes.note {
        let _ = writeln!(out, "           {note}");
    }
}

fn totals(out: &mut String, a: &ModelAnalysis) {
    let g = &a.analysis;
    let p = &g.params;
    let _ = writeln!(
        out,
        "\nparams     {} ({}) in {}",
        count(p.total_params),
        bytes(p.total_bytes),
        plural(p.tensor_count, "tensor")
    );
    for d in &p.by_dtype {
        let _ = writeln!(
            out,
            "           {:<10} {:>9}  {:>10}  {}",
            d.dtype,
            count(d.params),
            bytes(d.bytes),
            plural(d.tensors, "tensor")
        );
    }
    let t = &g.totals;
    let _ = writeln!(out, "compute    {} FLOPs, {} MACs", count(t.flops), count(t.macs));
    let _ = writeln!(
        out,
        "memory     {} accessed: {} activations read, {} weights read, {} written",
        bytes(t.memory.total_bytes),
        bytes(t.memory.activation_read_bytes),
        bytes(t.memory.weight_read_bytes),
        bytes(t.memory.written_bytes)
    );
    if t.nodes_without_flops > 0 {
        let examples: Vec<String> = g
            .nodes
            .iter()
            .filter(|n| !n.flops_counted)
            .take(3)
            .map(|n| format!("{} ({})", n.name, n.note.as_deref().unwrap_or("?")))
            .collect();
        let _ = writeln!(
            out,
            "           FLOPs not estimated for {}, e.g. {}",
            plural(t.nodes_without_flops, "node"),
            examples.join("; ")
        );
    }
    let s = &g.structure;
    let categories: Vec<String> = s.nodes_by_category.iter().map(|(c, n)| format!("{c} {n}")).collect();
    let subgraphs = if s.subgraph_count > 0 {
        format!(" ({} in the main graph, {} subgraphs)", s.main_graph_nodes, s.subgraph_count)
    } else {
        String::new()
    };
    let _ = writeln!(out, "structure  {} nodes{subgraphs}: {}", s.node_count, categories.join(", "));
    let _ = writeln!(
        out,
        "           depth {}, widest level {}, average width {:.2}; {} branch points, {} merge points",
        s.depth, s.max_width, s.average_width, s.branch_points, s.merge_points
    );
    let _ = writeln!(
        out,
        "           element-wise: {} of nodes, {} of memory access",
        percent(s.elementwise_share),
        percent(s.elementwise_memory_share)
    );
}

fn ops(out: &mut String, a: &ModelAnalysis) {
    let rows: Vec<Vec<String>> = a
        .analysis
        .ops
        .iter()
        .map(|o| {
            vec![o.op_type.clone(), o.count.to_string(), count(o.flops), percent(o.flops_share), bytes(o.memory_bytes)]
        })
        .collect();
    let _ = writeln!(out, "\nops by FLOPs");
    out.push_str(&table(&["op", "count", "FLOPs", "share", "memory"], &rows, &[false, true, true, true, true]));
}

fn nodes(out: &mut String, a: &ModelAnalysis, top: usize) {
    let mut order: Vec<&NodeReport> = a.analysis.nodes.iter().collect();
    order.sort_by(|x, y| y.flops.cmp(&x.flops).then(y.memory.total_bytes.cmp(&x.memory.total_bytes)));
    let shown = if top == 0 { order.len() } else { top.min(order.len()) };
    let title = if shown == order.len() {
        format!("\nnodes by FLOPs (all {})", order.len())
    } else {
        format!("\nnodes by FLOPs ({shown} of {}; --top N for more, --top 0 for all)", order.len())
    };
    let _ = writeln!(out, "{title}");
    let rows: Vec<Vec<String>> = order[..shown]
        .iter()
        .map(|n| {
            let output = match n.output_shapes.first() {
                Some(Some(dims)) => shape(dims),
                _ => "?".into(),
            };
            let flops = if n.flops_counted { count(n.flops) } else { "?".into() };
            let intensity = n.arithmetic_intensity.map_or(String::new(), |i| format!("{i:.1}"));
            let name = if n.graph.is_empty() { n.name.clone() } else { format!("{}/{}", n.graph, n.name) };
            vec![
                name,
                n.op_type.clone(),
                output,
                flops,
                count(n.params),
                bytes(n.memory.total_bytes),
                intensity,
                n.lint.join(","),
            ]
        })
        .collect();
    out.push_str(&table(
        &["node", "op", "output", "FLOPs", "params", "memory", "FLOP/B", "lint"],
        &rows,
        &[false, false, false, true, true, true, true, false],
    ));
}

/// One line per layer with weights, in graph order: range, spread, zeros and levels (the
/// histograms are in the JSON).
fn weights(out: &mut String, a: &ModelAnalysis, top: usize) {
    let layers = &a.analysis.weights;
    if layers.is_empty() {
        return;
    }
    let shown = if top == 0 { layers.len() } else { top.min(layers.len()) };
    let more = if shown == layers.len() { String::new() } else { format!(", {shown} of {}; --top N for more", layers.len()) };
    let _ = writeln!(out, "\nweights per layer (histograms in --json{more})");
    let levels = |n: u32| if n as usize >= LEVELS_CAP { format!(">{}", LEVELS_CAP - 1) } else { n.to_string() };
    let rows: Vec<Vec<String>> = layers[..shown]
        .iter()
        .map(|l| {
            let name = if l.graph.is_empty() { l.name.clone() } else { format!("{}/{}", l.graph, l.name) };
            let Some(s) = &l.stats else {
                return vec![name, l.op_type.clone(), l.dtype.clone(), l.error.clone().unwrap_or_default()];
            };
            let stored = l.stored_levels.map_or(String::new(), |n| format!(" ({} {} levels)", levels(n), l.dtype));
            vec![
                name,
                l.op_type.clone(),
                l.dtype.clone(),
                format!("{:.4}", s.min),
                format!("{:.4}", s.max),
                format!("{:.4}", s.std),
                percent(s.zero_fraction),
                format!("{}{stored}", levels(s.levels)),
            ]
        })
        .collect();
    out.push_str(&table(
        &["layer", "op", "dtype", "min", "max", "std", "zeros", "distinct values"],
        &rows,
        &[false, false, false, true, true, true, true, false],
    ));
}

fn lint(out: &mut String, a: &ModelAnalysis) {
    let report = &a.analysis.lint;
    let _ = writeln!(out, "\nlint");
    for rule in &report.rules {
        let findings: Vec<&LintFinding> = report.findings.iter().filter(|f| f.rule == rule.id).collect();
        let severity = findings.iter().map(|f| f.severity).max().map_or("note", |s| match s {
            pare::analysis::Severity::Note => "note",
            pare::analysis::Severity::Info => "info",
            pare::analysis::Severity::Warning => "warning",
        });
        let counted = if findings.iter().all(|f| f.nodes.is_empty()) {
            String::new()
        } else {
            format!(" ({})", plural(findings.len(), "finding"))
        };
        let _ = writeln!(out, "  [{severity}] {}: {}{counted}", rule.id, rule.title);
        for f in findings.iter().take(FINDINGS_PER_RULE) {
            if f.nodes.is_empty() {
                let _ = writeln!(out, "      {}", f.message);
            } else {
                let _ = writeln!(out, "      {}: {}", f.nodes.join(", "), f.message);
            }
        }
        if findings.len() > FINDINGS_PER_RULE {
            let _ = writeln!(out, "      … and {} more (--json lists all)", findings.len() - FINDINGS_PER_RULE);
        }
        let _ = writeln!(out, "      why: {}", rule.reason);
    }
}

/// `1 tensor`, `3 tensors`.
fn plural(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// Columns padded to their widest cell; `right[i]` right-aligns column i.
fn table(headers: &[&str], rows: &[Vec<String>], right: &[bool]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                let pad = " ".repeat(widths[i] - cell.chars().count());
                if right.get(i).copied().unwrap_or(false) { format!("{pad}{cell}") } else { format!("{cell}{pad}") }
            })
            .collect();
        format!("  {}\n", parts.join("  ").trim_end())
    };
    let mut out = line(headers.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}
