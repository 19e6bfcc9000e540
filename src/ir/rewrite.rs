//! Graph surgery for compression passes: find producers and consumers, insert, replace and
//! remove nodes, redirect or rename values, make fresh names, drop what nothing reads.
//!
//! Values are named by strings as in ONNX, and subgraphs (If/Loop/Scan bodies) may read outer
//! values by name, so every helper here that renames or redirects also walks into subgraphs —
//! stopping where a subgraph defines the same name itself (shadowing).

use std::collections::HashSet;

use super::graph::{Graph, Node};
use super::lookup::scans;
use super::topo::{free_variables, node_reads};

impl Graph {
    /// Index of the node producing `value`, if a node does.
    pub fn producer(&self, value: &str) -> Option<usize> {
        scans::add(self.nodes.len());
        self.nodes.iter().position(|n| n.outputs.iter().any(|o| o == value))
    }

    /// Indices of nodes that read `value`, directly or from inside one of their subgraphs.
    pub fn consumers(&self, value: &str) -> Vec<usize> {
        scans::add(self.nodes.len());
        self.nodes.iter().enumerate().filter(|(_, n)| node_reads(n).iter().any(|r| r == value)).map(|(i, _)| i).collect()
    }

    /// True if `value` is a graph output.
    pub fn is_output(&self, value: &str) -> bool {
        self.outputs.iter().any(|o| o.name == value)
    }

    /// Inserts `node` at `index` (nodes after it shift by one).
    pub fn insert_node(&mut self, index: usize, node: Node) {
        let index = index.min(self.nodes.len());
        scans::add(self.nodes.len() - index);
        self.nodes.insert(index, node);
    }

    /// Inserts `node` right after the producer of `value` (or first, if `value` is an input or
    /// initializer). Returns the index it landed at.
    pub fn insert_after_producer(&mut self, value: &str, node: Node) -> usize {
        let at = self.producer(value).map_or(0, |i| i + 1);
        self.insert_node(at, node);
        at
    }

    /// Removes and returns the node at `index`; its outputs become undefined unless redirected.
    pub fn remove_node(&mut self, index: usize) -> Option<Node> {
        scans::add(self.nodes.len().saturating_sub(index));
        (index < self.nodes.len()).then(|| self.nodes.remove(index))
    }

    /// Replaces the node at `index`, returning the old one.
    pub fn replace_node(&mut self, index: usize, node: Node) -> Option<Node> {
        self.nodes.get_mut(index).map(|slot| std::mem::replace(slot, node))
    }

    /// Makes every reader of `old` read `new` instead (node inputs, subgraph references and
    /// graph outputs), leaving the producer of `old` alone. Returns how many uses changed.
    pub fn redirect_uses(&mut self, old: &str, new: &str) -> usize {
        scans::add(self.nodes.len());
        let mut changed = 0;
        for node in &mut self.nodes {
            changed += redirect_in_node(node, old, new);
        }
        for output in &mut self.outputs {
            if output.name == old {
                output.name = new.to_string();
                changed += 1;
            }
        }
        changed
    }

    /// Renames a value everywhere in this graph: its definition (input, initializer, node
    /// output), every use, value_info, and references from subgraphs that do not shadow it.
    pub fn rename_value(&mut self, old: &str, new: &str) {
        for input in &mut self.inputs {
            if input.name == old {
                input.name = new.to_string();
            }
        }
        for init in &mut self.initializers {
            if init.name == old {
                init.name = new.to_string();
            }
        }
        for info in &mut self.value_info {
            if info.name == old {
                info.name = new.to_string();
            }
        }
        for node in &mut self.nodes {
            for output in &mut node.outputs {
                if output == old {
                    *output = new.to_string();
                }
            }
        }
        self.redirect_uses(old, new);
    }

    /// Removes nodes none of whose outputs are read (transitively) and initializers nothing
    /// reads. Graph outputs and graph inputs are kept. Returns (nodes removed, initializers removed).
    pub fn remove_unused(&mut self) -> (usize, usize) {
        let mut removed_nodes = 0;
        loop {
            let mut needed: HashSet<String> = self.outputs.iter().map(|o| o.name.clone()).collect();
            for n in &self.nodes {
                needed.extend(node_reads(n));
            }
            let before = self.nodes.len();
            self.nodes.retain(|n| n.outputs.iter().any(|o| !o.is_empty() && needed.contains(o)));
            let gone = before - self.nodes.len();
            removed_nodes += gone;
            if gone == 0 {
                break;
            }
        }
        let mut needed: HashSet<String> = self.outputs.iter().map(|o| o.name.clone()).collect();
        for n in &self.nodes {
            needed.extend(node_reads(n));
        }
        let declared_inputs: HashSet<&str> = self.inputs.iter().map(|i| i.name.as_str()).collect();
        let before = self.initializers.len();
        let keep: Vec<bool> =
            self.initializers.iter().map(|i| needed.contains(&i.name) || declared_inputs.contains(i.name.as_str())).collect();
        let mut keep = keep.into_iter();
        self.initializers.retain(|_| keep.next().unwrap_or(true));
        (removed_nodes, before - self.initializers.len())
    }
}

/// Makes `node` (its inputs and subgraphs that do not shadow `old`) read `new` instead of `old`.
pub(crate) fn redirect_in_node(node: &mut Node, old: &str, new: &str) -> usize {
    let mut changed = 0;
    for input in &mut node.inputs {
        if input == old {
            *input = new.to_string();
            changed += 1;
        }
    }
    for sub in node.subgraphs_mut() {
        // A subgraph that defines `old` itself shadows the outer value: leave it alone.
        if free_variables(sub).iter().any(|v| v == old) {
            changed += sub.redirect_uses(old, new);
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AttrValue, Initializer, Tensor, ValueInfo};

    fn value(name: &str) -> ValueInfo {
        ValueInfo { name: name.into(), ..Default::default() }
    }

    /// x → Relu → a → Neg → y, with an If whose branch reads `a` from outside.
    fn sample() -> Graph {
        let mut branch = Graph::default();
        branch.nodes.push(Node::new("Identity", &["a"], &["b"]));
        branch.outputs.push(value("b"));
        let mut shadowing = Graph::default();
        shadowing.nodes.push(Node::new("Constant", &[], &["a"]));
        shadowing.nodes.push(Node::new("Identity", &["a"], &["c"]));
        shadowing.outputs.push(value("c"));
        let mut if_node = Node::new("If", &["cond"], &["z"]);
        if_node.set_attribute("then_branch", AttrValue::Graph(Box::new(branch)));
        if_node.set_attribute("else_branch", AttrValue::Graph(Box::new(shadowing)));

        let mut g = Graph::default();
        g.inputs = vec![value("x"), value("cond")];
        g.outputs = vec![value("y"), value("z")];
        g.nodes.push(Node::new("Relu", &["x"], &["a"]));
        g.nodes.push(Node::new("Neg", &["a"], &["y"]));
        g.nodes.push(if_node);
        g.initializers.push(Initializer::new("unused_weight", Tensor::scalar(1.0f32)));
        g
    }

    #[test]
    fn consumers_include_subgraph_readers() {
        let g = sample();
        assert_eq!(g.producer("a"), Some(0));
        assert_eq!(g.consumers("a"), vec![1, 2]);
        assert_eq!(g.consumers("x"), vec![0]);
    }

    #[test]
    fn rename_reaches_subgraphs_but_respects_shadowing() {
        let mut g = sample();
        g.rename_value("a", "activation");
        assert_eq!(g.nodes[0].outputs, vec!["activation"]);
        assert_eq!(g.nodes[1].inputs, vec!["activation"]);
        let subs = g.nodes[2].subgraphs();
        assert_eq!(subs[0].nodes[0].inputs, vec!["activation"], "then-branch reads the outer value");
        assert_eq!(subs[1].nodes[1].inputs, vec!["a"], "else-branch defines its own `a`");
    }

    #[test]
    fn redirect_changes_readers_not_the_producer() {
        let mut g = sample();
        let mut scale = Node::new("Mul", &["a", "s"], &["a_scaled"]);
        scale.name = "scale".into();
        let at = g.insert_after_producer("a", scale);
        assert_eq!(at, 1);
        let changed = g.redirect_uses("a", "a_scaled");
        assert_eq!(changed, 3, "Mul itself, Neg, and the then-branch");
        // Undo the self-reference the redirect created, as a pass would.
        g.nodes[1].inputs[0] = "a".into();
        assert_eq!(g.consumers("a"), vec![1]);
        assert_eq!(g.consumers("a_scaled"), vec![2, 3]);
    }

    #[test]
    fn remove_unused_drops_dead_nodes_and_weights() {
        let mut g = sample();
        g.nodes.push(Node::new("Exp", &["x"], &["dead"]));
        g.nodes.push(Node::new("Log", &["dead"], &["deader"]));
        assert_eq!(g.remove_unused(), (2, 1));
        assert_eq!(g.nodes.len(), 3);
        assert!(g.initializers.is_empty());
        assert_eq!(g.remove_node(5), None);
        assert_eq!(g.remove_node(1).map(|n| n.op_type), Some("Neg".to_string()));
    }
}
