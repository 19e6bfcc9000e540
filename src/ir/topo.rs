//! Dependency order of a graph's nodes, and the outer values a subgraph reads.
//!
//! ONNX requires nodes in topological order, but files in the wild break it; the runtime and
//! passes use this sort instead of trusting the file. A node that holds a subgraph depends on
//! every outer value the subgraph reads (its "implicit inputs").

use std::collections::{HashMap, HashSet};

use super::graph::{Graph, Node};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TopoError {
    #[error("the graph has a cycle through node(s) {0:?}")]
    Cycle(Vec<String>),
    #[error("value `{value}` is produced by two nodes: {first} and {second}")]
    DuplicateProducer { value: String, first: String, second: String },
}

/// Names a graph reads but does not define (inputs, initializers, node outputs), including
/// those read by nested subgraphs. For a subgraph these come from the enclosing scopes.
pub fn free_variables(graph: &Graph) -> Vec<String> {
    let mut defined: HashSet<&str> = HashSet::new();
    defined.extend(graph.inputs.iter().map(|v| v.name.as_str()));
    defined.extend(graph.initializers.iter().map(|i| i.name.as_str()));
    for n in &graph.nodes {
        defined.extend(n.outputs.iter().map(String::as_str));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut note = |name: &str, out: &mut Vec<String>| {
        if !name.is_empty() && !defined.contains(name) && seen.insert(name.to_string()) {
            out.push(name.to_string());
        }
    };
    for n in &graph.nodes {
        for i in node_reads(n) {
            note(&i, &mut out);
        }
    }
    for o in &graph.outputs {
        note(&o.name, &mut out);
    }
    out
}

/// Everything a node reads: its explicit inputs and its subgraphs' free variables.
pub fn node_reads(node: &Node) -> Vec<String> {
    let mut reads: Vec<String> = node.inputs.iter().filter(|s| !s.is_empty()).cloned().collect();
    for g in node.subgraphs() {
        for v in free_variables(g) {
            if !reads.contains(&v) {
                reads.push(v);
            }
        }
    }
    reads
}

/// Node indices in an order where every node comes after the producers of what it reads.
/// Keeps file order among independent nodes. Values nobody produces are ignored here
/// (they are graph inputs, initializers or outer-scope values).
pub fn topological_order(graph: &Graph) -> Result<Vec<usize>, TopoError> {
    let mut producer: HashMap<&str, usize> = HashMap::new();
    for (i, n) in graph.nodes.iter().enumerate() {
        for o in n.outputs.iter().filter(|o| !o.is_empty()) {
            if let Some(&first) = producer.get(o.as_str()) {
                return Err(TopoError::DuplicateProducer {
                    value: o.clone(),
                    first: graph.nodes[first].label(),
                    second: n.label(),
                });
            }
            producer.insert(o, i);
        }
    }
    let count = graph.nodes.len();
    let mut pending = vec![0usize; count];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (i, n) in graph.nodes.iter().enumerate() {
        let mut deps: Vec<usize> = node_reads(n).iter().filter_map(|r| producer.get(r.as_str()).copied()).collect();
        deps.sort_unstable();
        deps.dedup();
        pending[i] = deps.len();
        for d in deps {
            dependents[d].push(i);
        }
    }
    // A min-heap on the index keeps file order among ready nodes.
    let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<usize>> =
        (0..count).filter(|&i| pending[i] == 0).map(std::cmp::Reverse).collect();
    let mut order = Vec::with_capacity(count);
    while let Some(std::cmp::Reverse(i)) = ready.pop() {
        order.push(i);
        for &d in &dependents[i] {
            pending[d] -= 1;
            if pending[d] == 0 {
                ready.push(std::cmp::Reverse(d));
            }
        }
    }
    if order.len() != count {
        let stuck = (0..count).filter(|i| pending[*i] > 0).map(|i| graph.nodes[i].label()).take(8).collect();
        return Err(TopoError::Cycle(stuck));
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AttrValue, ValueInfo};

    #[test]
    fn out_of_order_nodes_are_sorted_and_cycles_reported() {
        let mut g = Graph::default();
        g.inputs.push(ValueInfo { name: "x".into(), ..Default::default() });
        g.nodes.push(Node::new("Relu", &["a"], &["b"]));
        g.nodes.push(Node::new("Neg", &["x"], &["a"]));
        assert_eq!(topological_order(&g).unwrap(), vec![1, 0]);
        g.nodes[1].inputs[0] = "b".into();
        assert!(matches!(topological_order(&g), Err(TopoError::Cycle(_))));
    }

    #[test]
    fn subgraph_reads_count_as_dependencies() {
        let mut body = Graph::default();
        body.nodes.push(Node::new("Identity", &["outer"], &["y"]));
        body.outputs.push(ValueInfo { name: "y".into(), ..Default::default() });
        assert_eq!(free_variables(&body), vec!["outer".to_string()]);

        let mut g = Graph::default();
        let mut if_node = Node::new("If", &["cond"], &["r"]);
        if_node.set_attribute("then_branch", AttrValue::Graph(Box::new(body.clone())));
        if_node.set_attribute("else_branch", AttrValue::Graph(Box::new(body)));
        g.nodes.push(if_node);
        g.nodes.push(Node::new("Neg", &["x"], &["outer"]));
        assert_eq!(topological_order(&g).unwrap(), vec![1, 0]);
    }
}
