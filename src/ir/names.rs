//! Fresh names for what passes create: one allocator per model that knows every name already
//! used anywhere in it — values, initializers, declared inputs/outputs/value_info and node
//! names, in the main graph and every subgraph — and reserves each name it hands out.
//!
//! Why one allocator: ONNX wants value names assigned once in the whole model (subgraphs may
//! read outer values by name, so a body that defines an outer name shadows it), and onnxruntime
//! refuses a graph with two nodes of the same name. A helper that only looks at the names
//! present *now* in one graph hands out the same name twice when a pass asks for two names
//! before inserting the first node, or works on a subgraph without seeing the outer graph's
//! names. Every pass that creates a node or a value asks [`Names::fresh`]; the writer checks the
//! result with [`duplicate_names`].

use std::collections::{HashMap, HashSet};

use super::graph::{Graph, Model};

/// Names in use in one model, and the names handed out since.
#[derive(Clone, Debug, Default)]
pub struct Names {
    taken: HashSet<String>,
    /// Next suffix to try per base name, so asking for the same base n times costs O(n).
    next_suffix: HashMap<String, usize>,
}

impl Names {
    /// Every name used in `model` (main graph and subgraphs).
    pub fn of_model(model: &Model) -> Names {
        Names::of_graph(&model.graph)
    }

    /// Every name used in `graph` and its subgraphs. For a subgraph of a larger model, use
    /// [`Names::of_model`]: the outer names count too.
    pub fn of_graph(graph: &Graph) -> Names {
        let mut taken = HashSet::new();
        collect(graph, &mut taken);
        Names { taken, next_suffix: HashMap::new() }
    }

    /// A name that starts with `base` and is used nowhere in the model, reserved from now on.
    /// `base` itself when it is free, else `base_1`, `base_2`, …
    pub fn fresh(&mut self, base: &str) -> String {
        let base = compact(if base.is_empty() { "pare" } else { base });
        let base = base.as_str();
        if self.taken.insert(base.to_string()) {
            return base.to_string();
        }
        let mut suffix = self.next_suffix.get(base).copied().unwrap_or(1);
        loop {
            let candidate = format!("{base}_{suffix}");
            suffix += 1;
            if self.taken.insert(candidate.clone()) {
                self.next_suffix.insert(base.to_string(), suffix);
                return candidate;
            }
        }
    }

    /// [`fresh`](Self::fresh) for `base` + `suffix`, shortening `base` alone: the names a pass
    /// derives from one value (`x_q`, `x_scale`, `x_zp`, `x_dq`) keep one common stem however
    /// long `base` is, for suffixes up to [`SUFFIX`] characters.
    pub fn fresh_suffixed(&mut self, base: &str, suffix: &str) -> String {
        let stem = if base.chars().count() + SUFFIX <= LONG_NAME { base.to_string() } else { shorten(base, SHORT_NAME - SUFFIX) };
        self.fresh(&format!("{stem}{suffix}"))
    }

    /// Marks `name` as used (a name the caller chose itself, e.g. kept from the input model).
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_string());
    }

    /// True if `name` is used in the model or was handed out.
    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }
}

/// Bases longer than this are shortened (see [`compact`]).
const LONG_NAME: usize = 48;
/// What a long base is shortened to, at most.
const SHORT_NAME: usize = 40;
/// The longest suffix [`Names::fresh_suffixed`] keeps a common stem for.
const SUFFIX: usize = 8;

/// `base` itself when short; else its trailing path segments (split at `/`, `;`, `:`) that fit
/// in `SHORT_NAME` characters, or its last `SHORT_NAME` characters. TF and Paddle exports name
/// values by their full scope path (`model_1/cq_t2010v2_1/conv1d_1;model_1/…/BiasAdd`, up to
/// hundreds of characters); every QDQ pair repeats such a name eight times, which made a
/// quantized file larger than the float one. The allocator keeps the result unique.
fn compact(base: &str) -> String {
    if base.chars().count() <= LONG_NAME { base.to_string() } else { shorten(base, SHORT_NAME) }
}

/// The trailing path segments of `base` that fit in `limit` characters, or its last `limit`
/// characters.
fn shorten(base: &str, limit: usize) -> String {
    let chars = base.chars().count();
    if chars <= limit {
        return base.to_string();
    }
    let mut start = None;
    for (i, c) in base.char_indices() {
        if matches!(c, '/' | ';' | ':') && base[i + 1..].chars().count() <= limit && i + 1 < base.len() {
            start = Some(i + 1);
            break;
        }
    }
    match start {
        Some(i) => base[i..].to_string(),
        None => base.chars().skip(chars - limit).collect(),
    }
}

fn collect(g: &Graph, names: &mut HashSet<String>) {
    names.extend(g.inputs.iter().map(|v| v.name.clone()));
    names.extend(g.outputs.iter().map(|v| v.name.clone()));
    names.extend(g.value_info.iter().map(|v| v.name.clone()));
    names.extend(g.initializers.iter().map(|i| i.name.clone()));
    for n in &g.nodes {
        if !n.name.is_empty() {
            names.insert(n.name.clone());
        }
        names.extend(n.inputs.iter().filter(|s| !s.is_empty()).cloned());
        names.extend(n.outputs.iter().filter(|s| !s.is_empty()).cloned());
        for sub in n.subgraphs() {
            collect(sub, names);
        }
    }
}

/// A name defined or used twice where ONNX (or onnxruntime) wants it once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateName {
    pub name: String,
    /// `"node"` (two nodes of one graph share a name) or `"value"` (a value is produced twice in
    /// the model: by two nodes, or by a node and an initializer or input).
    pub what: &'static str,
}

/// Node names repeated within one graph and values assigned more than once in a scope: a
/// graph and the graphs around it (a subgraph that redefines an outer value counts; two sibling
/// branches defining the same name do not, as in ONNX's checker). Empty for a valid model. Names that the *input* model already repeats are reported too: callers compare
/// before and after to blame only what a pass created.
pub fn duplicate_names(model: &Model) -> Vec<DuplicateName> {
    let mut out = Vec::new();
    let mut defined = HashSet::new();
    check_graph(&model.graph, &mut defined, &mut out);
    out
}

fn check_graph(g: &Graph, defined: &mut HashSet<String>, out: &mut Vec<DuplicateName>) {
    let mut node_names = HashSet::new();
    let define = |name: &str, defined: &mut HashSet<String>, out: &mut Vec<DuplicateName>| {
        if !name.is_empty() && !defined.insert(name.to_string()) {
            out.push(DuplicateName { name: name.to_string(), what: "value" });
        }
    };
    // Initializers that are also declared inputs (IR < 4 style) are one value.
    let initializer_names: HashSet<&str> = g.initializers.iter().map(|i| i.name.as_str()).collect();
    for input in &g.inputs {
        if !initializer_names.contains(input.name.as_str()) {
            define(&input.name, defined, out);
        }
    }
    for init in &g.initializers {
        define(&init.name, defined, out);
    }
    for node in &g.nodes {
        if !node.name.is_empty() && !node_names.insert(node.name.as_str()) {
            out.push(DuplicateName { name: node.name.clone(), what: "node" });
        }
        for output in &node.outputs {
            define(output, defined, out);
        }
        for sub in node.subgraphs() {
            // Each body is its own scope: it sees the outer names, its siblings do not see its.
            check_graph(sub, &mut defined.clone(), out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AttrValue, Node, ValueInfo};

    fn value(name: &str) -> ValueInfo {
        ValueInfo { name: name.into(), ..Default::default() }
    }

    fn model_with_body() -> Model {
        let mut body = Graph::default();
        let mut inner = Node::new("Identity", &["x"], &["inner_out"]);
        inner.name = "w_DequantizeLinear".into();
        body.nodes.push(inner);
        body.outputs.push(value("inner_out"));
        let mut if_node = Node::new("If", &["cond"], &["y"]);
        if_node.name = "if".into();
        if_node.set_attribute("then_branch", AttrValue::Graph(Box::new(body.clone())));
        if_node.set_attribute("else_branch", AttrValue::Graph(Box::new(body)));
        let mut g = Graph::default();
        g.inputs = vec![value("x"), value("cond")];
        g.outputs = vec![value("y")];
        g.nodes.push(if_node);
        Model { graph: g, ..Model::default() }
    }

    #[test]
    fn fresh_names_are_reserved_even_before_they_are_used() {
        let mut names = Names::of_model(&model_with_body());
        let a = names.fresh("w_DequantizeLinear");
        let b = names.fresh("w_DequantizeLinear");
        assert_eq!(a, "w_DequantizeLinear_1", "the name inside the subgraph counts");
        assert_eq!(b, "w_DequantizeLinear_2", "a name handed out is taken even if no node uses it yet");
        assert_eq!(names.fresh("new"), "new");
        assert_eq!(names.fresh("new"), "new_1");
        assert_eq!(names.fresh(""), "pare");
    }

    #[test]
    fn long_scope_paths_are_cut_to_their_last_segments() {
        let mut names = Names::default();
        let long = "model_1/cq_t2010v2_1/conv1d_1;model_1/cq_t2010v2_1/conv1d_1/BiasAdd_dequantized";
        assert_eq!(names.fresh(long), "conv1d_1/BiasAdd_dequantized");
        assert_eq!(names.fresh(long), "conv1d_1/BiasAdd_dequantized_1", "still unique");
        let no_separator = "x".repeat(60) + "_scale";
        assert_eq!(names.fresh(&no_separator).chars().count(), 40);
        assert!(names.fresh(&no_separator).ends_with("_scale_1"), "the second one gets a suffix");
        assert_eq!(names.fresh("short/name_scale"), "short/name_scale", "short names are kept as they are");
        let unicode = "é".repeat(50);
        assert_eq!(names.fresh(&unicode), "é".repeat(40));
    }

    #[test]
    fn names_derived_from_one_long_value_share_one_short_stem() {
        let mut names = Names::default();
        let long = "model_1/cq_t2010v2_1/conv1d_3/Squeeze;model_1/cq_t2010v2_1/conv1d_3/Squeeze";
        let got: Vec<String> = ["_q", "_scale", "_zp", "_dq", "_float"].iter().map(|s| names.fresh_suffixed(long, s)).collect();
        assert_eq!(got, ["cq_t2010v2_1/conv1d_3/Squeeze_q", "cq_t2010v2_1/conv1d_3/Squeeze_scale", "cq_t2010v2_1/conv1d_3/Squeeze_zp", "cq_t2010v2_1/conv1d_3/Squeeze_dq", "cq_t2010v2_1/conv1d_3/Squeeze_float"]);
        assert!(got.iter().all(|n| n.chars().count() <= SHORT_NAME));
        assert_eq!(names.fresh_suffixed(long, "_q"), "cq_t2010v2_1/conv1d_3/Squeeze_q_1", "still unique");
        let medium = "a".repeat(40);
        assert_eq!(names.fresh_suffixed(&medium, "_scale"), format!("{medium}_scale"), "a stem that fits is kept whole");
        assert_eq!(names.fresh_suffixed(&"b".repeat(41), "_scale"), format!("{}_scale", "b".repeat(32)));
    }

    #[test]
    fn a_suffix_already_in_the_model_is_skipped() {
        let mut m = model_with_body();
        m.graph.nodes.push(Node::new("Relu", &["x"], &["r_1"]));
        m.graph.nodes.push(Node::new("Relu", &["x"], &["r"]));
        let mut names = Names::of_model(&m);
        assert_eq!(names.fresh("r"), "r_2");
        assert_eq!(names.fresh("r"), "r_3");
    }

    #[test]
    fn duplicates_are_found_across_graphs_and_node_names_per_graph() {
        let m = model_with_body();
        // The same node name and output name in the two sibling branches is fine.
        assert_eq!(duplicate_names(&m), vec![]);
        let mut m2 = model_with_body();
        m2.graph.nodes.insert(0, Node::new("Relu", &["x"], &["inner_out"]));
        assert_eq!(
            duplicate_names(&m2),
            vec![DuplicateName { name: "inner_out".into(), what: "value" }; 2],
            "each branch redefines the outer value"
        );

        let mut m = model_with_body();
        let mut a = Node::new("Relu", &["x"], &["a"]);
        a.name = "same".into();
        let mut b = Node::new("Relu", &["x"], &["b"]);
        b.name = "same".into();
        m.graph.nodes.extend([a, b]);
        assert!(duplicate_names(&m).contains(&DuplicateName { name: "same".into(), what: "node" }));
    }
}
