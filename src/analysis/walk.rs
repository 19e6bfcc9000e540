//! Every node of a model, subgraphs included, with the path of the graph that holds it.

use crate::ir::{AttrValue, Graph, Node};

/// A graph and where it sits: `""` for the main graph, `"loop_1/body"` for the `body`
/// attribute of node `loop_1`, nested paths joined by `/`.
pub struct GraphAt<'g> {
    pub path: String,
    pub graph: &'g Graph,
}

/// The main graph followed by every subgraph, depth first in node order.
pub fn all_graphs(main: &Graph) -> Vec<GraphAt<'_>> {
    let mut out = Vec::new();
    collect(main, String::new(), &mut out);
    out
}

fn collect<'g>(graph: &'g Graph, path: String, out: &mut Vec<GraphAt<'g>>) {
    out.push(GraphAt { path: path.clone(), graph });
    for node in &graph.nodes {
        for (attribute, sub) in named_subgraphs(node) {
            let prefix = if path.is_empty() { String::new() } else { format!("{path}/") };
            collect(sub, format!("{prefix}{}/{attribute}", node.label()), out);
        }
    }
}

/// A node's subgraphs with their attribute names (`then_branch`, `body`, `branches[2]`…).
pub(super) fn named_subgraphs(node: &Node) -> Vec<(String, &Graph)> {
    let mut out = Vec::new();
    for a in &node.attributes {
        match &a.value {
            AttrValue::Graph(g) => out.push((a.name.clone(), g.as_ref())),
            AttrValue::Graphs(gs) => {
                out.extend(gs.iter().enumerate().map(|(i, g)| (format!("{}[{i}]", a.name), g)));
            }
            _ => {}
        }
    }
    out
}
