//! One-pass answers to the questions passes ask per node — who produces a value, who reads it,
//! is it a graph output — which `Graph::producer`/`consumers`/`is_output` answer by scanning
//! every node: asked once per node, that is quadratic (issue 17: static INT8 of a 200k-node
//! Relu chain did not finish in 30 s). Built in O(n) from an unchanged graph; each answer is a
//! hash lookup and equals the scanning helper's. Stale once the graph's nodes or outputs change.

use std::collections::{HashMap, HashSet};

use super::graph::Graph;
use super::topo::node_reads;

/// Producers, readers and outputs of one graph's values (not looking into enclosing graphs).
#[derive(Debug, Default)]
pub struct GraphLookup {
    /// The first node with `value` among its outputs (`Graph::producer`).
    producer: HashMap<String, usize>,
    /// The first node whose first output is `value` (where a `Constant` weight lives).
    first_output: HashMap<String, usize>,
    /// Nodes reading `value`, directly or from a subgraph, ascending, each once (`Graph::consumers`).
    consumers: HashMap<String, Vec<usize>>,
    outputs: HashSet<String>,
    inputs: HashSet<String>,
    /// The first initializer named `value` (index into `graph.initializers`).
    initializer: HashMap<String, usize>,
}

impl GraphLookup {
    pub fn new(graph: &Graph) -> GraphLookup {
        let mut lookup = GraphLookup::default();
        for (i, node) in graph.nodes.iter().enumerate() {
            for o in &node.outputs {
                lookup.producer.entry(o.clone()).or_insert(i);
            }
            if let Some(first) = node.outputs.first() {
                lookup.first_output.entry(first.clone()).or_insert(i);
            }
            // `node_reads` repeats an input read twice (`Add(x, x)`): count the node once.
            for r in node_reads(node) {
                let readers = lookup.consumers.entry(r).or_default();
                if readers.last() != Some(&i) {
                    readers.push(i);
                }
            }
        }
        lookup.outputs = graph.outputs.iter().map(|o| o.name.clone()).collect();
        lookup.inputs = graph.inputs.iter().map(|o| o.name.clone()).collect();
        for (i, init) in graph.initializers.iter().enumerate() {
            lookup.initializer.entry(init.name.clone()).or_insert(i);
        }
        lookup
    }

    /// Index of the node producing `value`, as `Graph::producer`.
    pub fn producer(&self, value: &str) -> Option<usize> {
        self.producer.get(value).copied()
    }

    /// Index of the first node whose first output is `value`.
    pub fn first_output(&self, value: &str) -> Option<usize> {
        self.first_output.get(value).copied()
    }

    /// Indices of the nodes reading `value`, as `Graph::consumers`.
    pub fn consumers(&self, value: &str) -> &[usize] {
        self.consumers.get(value).map_or(&[], Vec::as_slice)
    }

    /// True if `value` is a graph output.
    pub fn is_output(&self, value: &str) -> bool {
        self.outputs.contains(value)
    }

    /// True if `value` is a declared graph input.
    pub fn is_input(&self, value: &str) -> bool {
        self.inputs.contains(value)
    }

    /// Index of the first initializer named `value`.
    pub fn initializer(&self, value: &str) -> Option<usize> {
        self.initializer.get(value).copied()
    }
}

/// Work done by the scanning helpers (`Graph::producer`, `consumers`, `redirect_uses`,
/// `insert_node`, `compress::weights::find_weight`): nodes and initializers visited or shifted,
/// counted per thread in test builds only. A test asserts a pass's count grows linearly with
/// the graph — deterministic, unlike a timing.
pub mod scans {
    #[cfg(test)]
    thread_local! {
        static COUNT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }

    /// Counts `n` elements visited (a no-op outside tests).
    #[inline]
    pub fn add(n: usize) {
        #[cfg(test)]
        COUNT.with(|c| c.set(c.get() + n as u64));
        #[cfg(not(test))]
        let _ = n;
    }

    /// The count so far on this thread, reset to 0.
    #[cfg(test)]
    pub fn take() -> u64 {
        COUNT.with(|c| c.replace(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AttrValue, Node, ValueInfo};

    #[test]
    fn answers_equal_the_scanning_helpers() {
        let mut branch = Graph::default();
        branch.nodes.push(Node::new("Identity", &["a"], &["b"]));
        branch.outputs.push(ValueInfo { name: "b".into(), ..Default::default() });
        let mut if_node = Node::new("If", &["c"], &["z"]);
        if_node.set_attribute("then_branch", AttrValue::Graph(Box::new(branch.clone())));
        if_node.set_attribute("else_branch", AttrValue::Graph(Box::new(branch)));
        let mut g = Graph::default();
        g.nodes.push(Node::new("Split", &["x"], &["a", "c"]));
        g.nodes.push(Node::new("Add", &["a", "a"], &["y"]));
        g.nodes.push(if_node);
        g.nodes.push(Node::new("Relu", &["c"], &["a"]));
        g.outputs.push(ValueInfo { name: "y".into(), ..Default::default() });
        let l = GraphLookup::new(&g);
        for v in ["a", "c", "x", "y", "z", "b", "missing"] {
            assert_eq!(l.producer(v), g.producer(v), "{v}");
            assert_eq!(l.consumers(v), g.consumers(v).as_slice(), "{v}");
            assert_eq!(l.is_output(v), g.is_output(v), "{v}");
        }
        assert_eq!((l.first_output("a"), l.first_output("c")), (Some(0), None));
    }
}
