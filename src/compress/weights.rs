//! Finding and replacing weights wherever exporters put them: a graph initializer, or the
//! `value` tensor of a `Constant` node (PyTorch exports many weights that way), in the main graph
//! or in any subgraph. Passes work graph by graph through [`for_each_graph_mut`].

use crate::ir::{AttrValue, Graph, GraphLookup, Node, Tensor};

/// Where a weight's tensor is stored in one graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightSource {
    /// Index into `graph.initializers`.
    Initializer(usize),
    /// Index into `graph.nodes` of a `Constant` node with a `value` tensor.
    Constant(usize),
}

/// The constant tensor named `value` in `graph` (not looking into enclosing graphs), if any.
/// A graph input of the same name makes an initializer overridable, so it is not a constant.
pub fn find_weight<'g>(graph: &'g Graph, value: &str) -> Option<(WeightSource, &'g Tensor)> {
    crate::ir::lookup::scans::add(graph.nodes.len() + graph.initializers.len());
    if graph.inputs.iter().any(|i| i.name == value) {
        return None;
    }
    if let Some(i) = graph.initializers.iter().position(|i| i.name == value) {
        return Some((WeightSource::Initializer(i), &graph.initializers[i].tensor));
    }
    let index = graph.nodes.iter().position(|n| n.outputs.first().is_some_and(|o| o == value))?;
    constant_tensor(&graph.nodes[index]).map(|t| (WeightSource::Constant(index), t))
}

/// [`find_weight`] answered from `lookup` (built from `graph` unchanged since, or changed only
/// by appending initializers and editing node inputs): no scan of the graph.
pub fn find_weight_in<'g>(graph: &'g Graph, lookup: &GraphLookup, value: &str) -> Option<(WeightSource, &'g Tensor)> {
    if lookup.is_input(value) {
        return None;
    }
    if let Some(i) = lookup.initializer(value) {
        return Some((WeightSource::Initializer(i), &graph.initializers[i].tensor));
    }
    let index = lookup.first_output(value)?;
    constant_tensor(&graph.nodes[index]).map(|t| (WeightSource::Constant(index), t))
}

/// Removes the main graph's input entries that name an initializer (models exported with
/// `keep_initializers_as_inputs`, the rule before IR 4): each such weight is overridable, so no
/// pass could touch it. Returns how many were freed.
pub fn free_initializers_from_inputs(graph: &mut Graph) -> usize {
    let initializers: std::collections::HashSet<&str> = graph.initializers.iter().map(|i| i.name.as_str()).collect();
    let (freed, kept): (Vec<_>, Vec<_>) = graph.inputs.iter().cloned().partition(|i| initializers.contains(i.name.as_str()));
    graph.inputs = kept;
    // Those nothing reads (BatchNorm's num_batches_tracked) were only there as inputs: drop them.
    let freed_names: std::collections::HashSet<String> = freed.iter().map(|i| i.name.clone()).collect();
    super::quantize::qdq::remove_orphaned(graph, &freed_names);
    freed.len()
}

/// An initializer [`localize_body_weights`] moved into a body: its name, the path of the graph
/// it came from (as [`for_each_graph_mut`] names it) and its index there.
#[derive(Clone, Debug, PartialEq)]
pub struct Localized {
    pub name: String,
    pub origin: String,
    pub index: usize,
}

/// Moves every initializer that exactly one If/Loop/Scan body reads, and nothing else, into
/// that body (and on into a nested body when only that one reads it), so passes that work graph
/// by graph see it as the body's own weight. Exporters store every branch's weights in the main
/// graph (Silero VAD's 8 kHz and 16 kHz models are the two branches of one If); moved, they can
/// be pruned and quantized like any weight. The model computes the same. [`return_localized`]
/// puts back those still there after the steps (a nested graph costs a few bytes of framing).
pub fn localize_body_weights(graph: &mut Graph) -> Vec<Localized> {
    let mut moved = Vec::new();
    localize_in(graph, "", &mut moved);
    moved
}

fn localize_in(graph: &mut Graph, path: &str, moved: &mut Vec<Localized>) {
    use std::collections::{HashMap, HashSet};
    // Readers of each name in this graph: its own nodes' explicit inputs and its outputs count
    // as "other"; a body reading it (directly or in nested bodies) counts by (node, attr, index).
    let mut other: HashSet<String> = graph.outputs.iter().map(|o| o.name.clone()).collect();
    let mut bodies: HashMap<String, Vec<(usize, usize, usize)>> = HashMap::new();
    for (n, node) in graph.nodes.iter().enumerate() {
        other.extend(node.inputs.iter().cloned());
        for (a, attribute) in node.attributes.iter().enumerate() {
            let graphs: Vec<&Graph> = match &attribute.value {
                AttrValue::Graph(g) => vec![&**g],
                AttrValue::Graphs(gs) => gs.iter().collect(),
                _ => continue,
            };
            for (i, g) in graphs.into_iter().enumerate() {
                for v in crate::ir::free_variables(g) {
                    bodies.entry(v).or_default().push((n, a, i));
                }
            }
        }
    }
    let inputs: HashSet<&str> = graph.inputs.iter().map(|i| i.name.as_str()).collect();
    let mut moves: Vec<(usize, (usize, usize, usize))> = Vec::new();
    for (index, init) in graph.initializers.iter().enumerate() {
        match bodies.get(&init.name).map(Vec::as_slice) {
            Some([only]) if !other.contains(&init.name) && !inputs.contains(init.name.as_str()) => {
                moves.push((index, *only))
            }
            _ => {}
        }
    }
    for (index, (n, a, i)) in moves.into_iter().rev() {
        let init = graph.initializers.remove(index);
        // Its declared type goes along (a pass that reshapes the weight updates it there).
        let declared = graph
            .value_info
            .iter()
            .position(|v| v.name == init.name)
            .map(|p| graph.value_info.remove(p));
        let body = match &mut graph.nodes[n].attributes[a].value {
            AttrValue::Graph(g) => Some(&mut **g),
            AttrValue::Graphs(gs) => gs.get_mut(i),
            _ => None,
        };
        match body {
            Some(body) => {
                moved.push(Localized {
                    name: init.name.clone(),
                    origin: path.to_string(),
                    index,
                });
                body.initializers.insert(0, init);
                body.value_info.extend(declared);
            }
            None => {
                graph.initializers.insert(index, init);
                graph.value_info.extend(declared);
            }
        }
    }
    for node in &mut graph.nodes {
        let label = node.label();
        for attribute in &mut node.attributes {
            let prefix = if path.is_empty() {
                String::new()
            } else {
                format!("{path}/")
            };
            match &mut attribute.value {
                AttrValue::Graph(g) => {
                    localize_in(g, &format!("{prefix}{label}/{}", attribute.name), moved)
                }
                AttrValue::Graphs(gs) => {
                    for (i, g) in gs.iter_mut().enumerate() {
                        localize_in(
                            g,
                            &format!("{prefix}{label}/{}[{i}]", attribute.name),
                            moved,
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

/// Puts every initializer [`localize_body_weights`] moved, and that is still there (a step may
/// have replaced it: a quantized weight stays in its body), back where it was.
pub fn return_localized(graph: &mut Graph, moved: &[Localized]) {
    use std::collections::HashMap;
    let wanted: HashMap<&str, &Localized> = moved.iter().map(|m| (m.name.as_str(), m)).collect();
    let mut taken: Vec<(
        &Localized,
        crate::ir::Initializer,
        Option<crate::ir::ValueInfo>,
    )> = Vec::new();
    let _ = for_each_graph_mut::<()>(graph, &mut |_, g| {
        let mut i = 0;
        while i < g.initializers.len() {
            match wanted.get(g.initializers[i].name.as_str()) {
                Some(m) => {
                    let init = g.initializers.remove(i);
                    let declared = g
                        .value_info
                        .iter()
                        .position(|v| v.name == init.name)
                        .map(|p| g.value_info.remove(p));
                    taken.push((m, init, declared));
                }
                None => i += 1,
            }
        }
        Ok(())
    });
    let mut by_origin: HashMap<
        String,
        Vec<(usize, crate::ir::Initializer, Option<crate::ir::ValueInfo>)>,
    > = HashMap::new();
    for (m, init, declared) in taken {
        by_origin
            .entry(m.origin.clone())
            .or_default()
            .push((m.index, init, declared));
    }
    let _ = for_each_graph_mut::<()>(graph, &mut |path, g| {
        if let Some(mut list) = by_origin.remove(path) {
            crate::sort::sort_by_key(&mut list, |(index, _, _)| *index);
            for (index, init, declared) in list {
                g.initializers.insert(index.min(g.initializers.len()), init);
                g.value_info.extend(declared);
            }
        }
        Ok(())
    });
    // An origin no longer found (cannot happen: steps keep If/Loop/Scan nodes): the main graph,
    // whose scope every body sees.
    for (_, list) in by_origin {
        for (_, init, declared) in list {
            graph.initializers.push(init);
            graph.value_info.extend(declared);
        }
    }
}

/// The tensor of a `Constant` node given as `value` (the other `value_*` forms hold scalars and
/// lists, never layer weights).
pub(crate) fn constant_tensor(node: &Node) -> Option<&Tensor> {
    if node.op_type != "Constant" || !node.domain.is_empty() && node.domain != "ai.onnx" {
        return None;
    }
    match &node.attribute("value")?.value {
        AttrValue::Tensor(t) => Some(&t.tensor),
        _ => None,
    }
}

/// Replaces the tensor stored at `source`. Returns false if `source` no longer points at a weight.
pub fn replace_weight(graph: &mut Graph, source: WeightSource, tensor: Tensor) -> bool {
    match source {
        WeightSource::Initializer(i) => match graph.initializers.get_mut(i) {
            Some(init) => {
                init.tensor = tensor;
                true
            }
            None => false,
        },
        WeightSource::Constant(i) => {
            let Some(node) = graph.nodes.get_mut(i) else { return false };
            match node.attributes.iter_mut().find(|a| a.name == "value").map(|a| &mut a.value) {
                Some(AttrValue::Tensor(t)) => {
                    t.tensor = tensor;
                    true
                }
                _ => false,
            }
        }
    }
}

/// Calls `f(path, graph)` for the main graph (path `""`) and every subgraph, depth first; a
/// subgraph's path is `node/attribute`, nested paths joined by `/` (as in `analysis::walk`).
/// Subgraphs are visited after their enclosing graph's callback returns, so `f` may rewrite the
/// enclosing graph's nodes; errors stop the walk.
pub fn for_each_graph_mut<E>(graph: &mut Graph, f: &mut dyn FnMut(&str, &mut Graph) -> Result<(), E>) -> Result<(), E> {
    walk(graph, String::new(), f)
}

fn walk<E>(graph: &mut Graph, path: String, f: &mut dyn FnMut(&str, &mut Graph) -> Result<(), E>) -> Result<(), E> {
    f(&path, graph)?;
    for node in &mut graph.nodes {
        let label = node.label();
        for attribute in &mut node.attributes {
            let prefix = if path.is_empty() { String::new() } else { format!("{path}/") };
            match &mut attribute.value {
                AttrValue::Graph(g) => walk(g, format!("{prefix}{label}/{}", attribute.name), f)?,
                AttrValue::Graphs(gs) => {
                    for (i, g) in gs.iter_mut().enumerate() {
                        walk(g, format!("{prefix}{label}/{}[{i}]", attribute.name), f)?;
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AttrTensor, Attribute, Initializer, ValueInfo};

    fn graph_with_both() -> Graph {
        let mut constant = Node::new("Constant", &[], &["w_const"]);
        let t = Tensor::from_vec(&[2], vec![1.0f32, 2.0]).unwrap();
        constant.attributes.push(Attribute::new("value", AttrValue::Tensor(AttrTensor::new(t))));
        Graph {
            nodes: vec![constant, Node::new("MatMul", &["x", "w_init"], &["y"])],
            initializers: vec![Initializer::new("w_init", Tensor::from_vec(&[1], vec![3.0f32]).unwrap())],
            ..Graph::default()
        }
    }

    #[test]
    fn initializers_listed_as_inputs_become_weights() {
        let mut g = graph_with_both();
        g.inputs = vec![ValueInfo { name: "x".into(), ..Default::default() }, ValueInfo { name: "w_init".into(), ..Default::default() }];
        assert!(find_weight(&g, "w_init").is_none(), "overridable: not a constant");
        g.initializers.push(Initializer::new("unread", Tensor::scalar(1i64)));
        g.inputs.push(ValueInfo { name: "unread".into(), ..Default::default() });
        assert_eq!(free_initializers_from_inputs(&mut g), 2);
        assert!(g.initializers.iter().all(|i| i.name != "unread"), "a freed weight nothing reads is dropped");
        assert_eq!(g.inputs.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), vec!["x"], "real inputs stay");
        assert!(find_weight(&g, "w_init").is_some());
    }

    #[test]
    fn finds_initializers_and_constant_nodes_and_replaces_them() {
        let mut g = graph_with_both();
        let (src, t) = find_weight(&g, "w_const").unwrap();
        assert_eq!(src, WeightSource::Constant(0));
        assert_eq!(t.len(), 2);
        assert_eq!(find_weight(&g, "w_init").unwrap().0, WeightSource::Initializer(0));
        assert!(find_weight(&g, "y").is_none());
        assert!(replace_weight(&mut g, src, Tensor::scalar(5.0f32)));
        assert_eq!(find_weight(&g, "w_const").unwrap().1.len(), 1);
    }

    #[test]
    fn an_initializer_that_is_also_an_input_is_not_a_weight() {
        let mut g = graph_with_both();
        g.inputs.push(ValueInfo::tensor("w_init", 1, None));
        assert!(find_weight(&g, "w_init").is_none());
    }

    #[test]
    fn a_weight_only_one_body_reads_moves_into_it() {
        let body = |w: &str| Graph {
            nodes: vec![Node::new("MatMul", &["x", w], &["y"])],
            ..Graph::default()
        };
        let mut node = Node::new("If", &["c"], &["o"]);
        node.attributes.push(Attribute::new(
            "then_branch",
            AttrValue::Graph(Box::new(body("w_then"))),
        ));
        node.attributes.push(Attribute::new(
            "else_branch",
            AttrValue::Graph(Box::new(body("shared"))),
        ));
        let mut shared_reader = body("shared");
        shared_reader.nodes[0].outputs = vec!["z".into()];
        let mut loop_node = Node::new("Loop", &["", "c"], &["l"]);
        loop_node.attributes.push(Attribute::new(
            "body",
            AttrValue::Graph(Box::new(shared_reader)),
        ));
        let t = |v: f32| Tensor::from_vec(&[1], vec![v]).unwrap();
        let mut main = Graph {
            nodes: vec![node, loop_node, Node::new("Relu", &["own"], &["r"])],
            initializers: vec![
                Initializer::new("w_then", t(1.0)),
                Initializer::new("shared", t(2.0)),
                Initializer::new("own", t(3.0)),
            ],
            ..Graph::default()
        };
        let original = main.clone();
        let moved = localize_body_weights(&mut main);
        assert_eq!(
            moved,
            vec![Localized {
                name: "w_then".into(),
                origin: String::new(),
                index: 0
            }]
        );
        let names: Vec<&str> = main.initializers.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["shared", "own"],
            "two bodies read `shared`; the main graph reads `own`"
        );
        let then_branch = main.nodes[0].subgraphs()[0].clone();
        assert_eq!(then_branch.initializers[0].name, "w_then");
        assert!(
            find_weight(&then_branch, "w_then").is_some(),
            "a weight of the body now"
        );
        return_localized(&mut main, &moved);
        assert_eq!(main, original, "put back where it was");
    }

    #[test]
    fn walks_subgraphs_with_paths() {
        let mut inner = graph_with_both();
        inner.name = "body".into();
        let mut node = Node::new("If", &["c"], &["o"]);
        node.name = "if_1".into();
        node.attributes.push(Attribute::new("then_branch", AttrValue::Graph(Box::new(inner))));
        let mut main = Graph { nodes: vec![node], ..Graph::default() };
        let mut seen = Vec::new();
        for_each_graph_mut::<()>(&mut main, &mut |path, g| {
            seen.push((path.to_string(), g.nodes.len()));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![(String::new(), 1), ("if_1/then_branch".to_string(), 2)]);
    }
}
