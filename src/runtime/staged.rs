//! `Staged`: runs a model over many samples in lockstep, one stretch of nodes at a time, so a
//! pass can change a node's weights between stretches and continue from where it stopped.
//!
//! Sequential corrections (pruning's least squares, layer by layer) need each layer's input as
//! the model computes it with the earlier layers already corrected. Running the whole model per
//! layer costs layers × samples runs; here every node runs once per sample (plus a look at the
//! corrected layer before its change), which is what makes the correction of a detector with
//! dozens of layers take seconds instead of minutes.
//!
//! Natively the samples of a stretch run in parallel (batches of as many as threads); the
//! observer still sees every value in the order one thread would show them.
//!
//! Per sample it keeps only the live values (produced, and read by a node not yet run). A
//! stretch is compiled into a small model of its own (its nodes, the initializers they read,
//! the live values they read as inputs) each time it runs, so weights changed between stretches
//! are picked up. Nodes are found by an output name, so an edit that renames a node's output and
//! inserts a node after it (a MatMul gaining a bias Add) is followed naturally: the renamed node
//! and the new one have outputs not computed yet, and run in the next stretch.

use std::collections::{HashMap, HashSet};

use super::dataset::InputSet;
use super::error::RunError;
use super::session::Session;
use crate::ir::{Graph, Model, Tensor, ValueInfo, topo::node_reads, topological_order};

/// The state of a lockstep run: which values exist, and their tensors per sample.
pub struct Staged {
    /// Names of the values computed so far (node outputs only).
    computed: HashSet<String>,
    /// Live values per sample, by name.
    lives: Vec<HashMap<String, Tensor>>,
}

impl Staged {
    /// Starts a run of `model` on `samples` (each sample's graph inputs by name).
    pub fn new(samples: &[InputSet]) -> Staged {
        let lives = samples.iter().map(|s| s.iter().cloned().collect()).collect();
        Staged { computed: HashSet::new(), lives }
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.lives.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lives.is_empty()
    }

    /// The live value `name` of sample `s` (a graph input, or computed and not yet dropped).
    pub fn value(&self, s: usize, name: &str) -> Option<&Tensor> {
        self.lives.get(s)?.get(name)
    }

    /// Runs every node not run yet that comes before the producer of `value` in `model`'s
    /// topological order, for every sample. `observe(sample, name, tensor)` sees each value
    /// produced.
    pub fn run_before(
        &mut self,
        model: &Model,
        value: &str,
        observe: &mut dyn FnMut(usize, &str, &Tensor),
    ) -> Result<(), RunError> {
        let graph = &model.graph;
        let order = topological_order(graph)?;
        let producer = producer_position(graph, &order, value)?;
        let stretch: Vec<usize> = order[..producer]
            .iter()
            .copied()
            .filter(|&n| !self.is_done(&graph.nodes[n]) && !is_constant(&graph.nodes[n]))
            .collect();
        self.run_nodes(model, &order, &stretch, true, observe)
    }

    /// Runs the producer of `value` for every sample and shows its outputs to `observe` without
    /// keeping them: the node stays "not run", so after its weights change it runs again in the
    /// next `run_before`.
    pub fn peek(&mut self, model: &Model, value: &str, observe: &mut dyn FnMut(usize, &str, &Tensor)) -> Result<(), RunError> {
        let graph = &model.graph;
        let order = topological_order(graph)?;
        let node = order[producer_position(graph, &order, value)?];
        self.run_nodes(model, &order, &[node], false, observe)
    }

    fn is_done(&self, node: &crate::ir::Node) -> bool {
        node.outputs.iter().filter(|o| !o.is_empty()).all(|o| self.computed.contains(o))
            && node.outputs.iter().any(|o| !o.is_empty())
    }

    /// Runs `nodes` (topologically sorted indices) as one small model per sample; with `keep`
    /// their outputs that later nodes read are kept and marked computed.
    fn run_nodes(
        &mut self,
        model: &Model,
        order: &[usize],
        nodes: &[usize],
        keep: bool,
        observe: &mut dyn FnMut(usize, &str, &Tensor),
    ) -> Result<(), RunError> {
        if nodes.is_empty() || self.lives.is_empty() {
            return Ok(());
        }
        let graph = &model.graph;
        let in_stretch: HashSet<usize> = nodes.iter().copied().collect();
        let produced: HashSet<&str> =
            nodes.iter().flat_map(|&n| graph.nodes[n].outputs.iter()).filter(|o| !o.is_empty()).map(String::as_str).collect();
        // Values read by nodes that will still run afterwards.
        let mut later_reads: HashSet<String> = HashSet::new();
        for &n in order {
            let node = &graph.nodes[n];
            if (keep && in_stretch.contains(&n)) || self.is_done(node) {
                continue;
            }
            later_reads.extend(node_reads(node));
        }
        // The stretch's own model: live values in, initializers and `Constant` nodes it reads
        // (copied from the model as it is now: weights may be `Constant` nodes), kept values out.
        let constants: HashMap<&str, usize> = graph
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| is_constant(n))
            .flat_map(|(i, n)| n.outputs.iter().map(move |o| (o.as_str(), i)))
            .collect();
        let mut constant_nodes: Vec<usize> = Vec::new();
        let mut reads: Vec<String> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for &n in nodes {
            for r in node_reads(&graph.nodes[n]) {
                if !produced.contains(r.as_str()) && seen.insert(r.clone()) {
                    reads.push(r);
                }
            }
        }
        let first = &self.lives[0];
        let mut inputs = Vec::new();
        let mut initializers = Vec::new();
        for r in &reads {
            if let Some(&c) = constants.get(r.as_str()) {
                if !constant_nodes.contains(&c) {
                    constant_nodes.push(c);
                }
            } else if let Some(t) = first.get(r) {
                inputs.push(ValueInfo::tensor(r.clone(), t.onnx_type(), None));
            } else if let Some(init) = graph.initializer(r) {
                initializers.push(init.clone());
            } else {
                let node = nodes.iter().map(|&n| &graph.nodes[n]).find(|n| node_reads(n).contains(r));
                return Err(RunError::UndefinedValue { node: node.map_or_else(String::new, |n| n.label()), value: r.clone() });
            }
        }
        let outputs: Vec<String> = if keep {
            let mut outs: Vec<String> =
                produced.iter().filter(|p| later_reads.contains(**p)).map(|p| p.to_string()).collect();
            crate::sort::sort_by(&mut outs, |a, b| a.cmp(b));
            outs
        } else {
            nodes.iter().flat_map(|&n| graph.nodes[n].outputs.iter()).filter(|o| !o.is_empty()).cloned().collect()
        };
        let stretch = Model {
            ir_version: model.ir_version,
            opset_import: model.opset_import.clone(),
            functions: model.functions.clone(),
            graph: Graph {
                name: graph.name.clone(),
                nodes: constant_nodes.iter().chain(nodes).map(|&n| graph.nodes[n].clone()).collect(),
                initializers,
                sparse_initializers: graph.sparse_initializers.clone(),
                inputs,
                outputs: outputs.iter().map(|o| ValueInfo { name: o.clone(), ..ValueInfo::default() }).collect(),
                ..Graph::default()
            },
            ..Model::default()
        };
        let session = Session::new(&stretch)?;
        let feed_names: Vec<String> = stretch.graph.inputs.iter().map(|v| v.name.clone()).collect();
        let feeds_of = |live: &HashMap<String, Tensor>| -> Result<Vec<(String, Tensor)>, RunError> {
            feed_names
                .iter()
                .map(|name| {
                    let t = live.get(name).ok_or_else(|| RunError::MissingInput { name: name.clone(), want: "a live value".into() })?;
                    Ok((name.clone(), t.clone()))
                })
                .collect()
        };
        let settle = |live: &mut HashMap<String, Tensor>, results: Vec<(String, Tensor)>| {
            if keep {
                live.extend(results);
                // Values nothing later reads are dropped (graph inputs included).
                live.retain(|name, _| later_reads.contains(name));
            }
        };
        let batch = crate::kernels::parallel::threads();
        if batch <= 1 {
            // One thread (and wasm): each value is shown to `observe` as it is produced.
            for (s, live) in self.lives.iter_mut().enumerate() {
                let mut see = |name: &str, t: &Tensor| observe(s, name, t);
                let results = session.run_observed(feeds_of(live)?, Some(&mut see))?;
                settle(live, results);
            }
        } else {
            // Several samples run at once, each keeping what it produced; `observe` then sees
            // them sample after sample in the order they were produced: the same calls as on
            // one thread, so whatever it sums comes out the same bits.
            for start in (0..self.lives.len()).step_by(batch) {
                let end = (start + batch).min(self.lives.len());
                let lives = &self.lives;
                let ran = crate::kernels::parallel::map_indices(end - start, |j| -> Result<_, RunError> {
                    let mut seen: Vec<(String, Tensor)> = Vec::new();
                    let mut see = |name: &str, t: &Tensor| seen.push((name.to_string(), t.clone()));
                    let results = session.run_observed(feeds_of(&lives[start + j])?, Some(&mut see))?;
                    Ok((seen, results))
                });
                for (j, one) in ran.into_iter().enumerate() {
                    let (seen, results) = one?;
                    seen.iter().for_each(|(name, t)| observe(start + j, name, t));
                    settle(&mut self.lives[start + j], results);
                }
            }
        }
        if keep {
            self.computed.extend(produced.iter().map(|p| p.to_string()));
        }
        Ok(())
    }
}

/// A `Constant` node: never kept as a live value but copied into each stretch that reads it, so
/// a weight held by one is read as it is now, not as it was when the run started.
fn is_constant(node: &crate::ir::Node) -> bool {
    node.op_type == "Constant" && crate::ir::normalize_domain(&node.domain).is_empty()
}

/// Position in `order` of the node producing `value`.
fn producer_position(graph: &Graph, order: &[usize], value: &str) -> Result<usize, RunError> {
    order
        .iter()
        .position(|&n| graph.nodes[n].outputs.iter().any(|o| o == value))
        .ok_or_else(|| RunError::MissingOutput(value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Initializer, Node, OpsetImport};

    /// `x → Mul(w1) → a → Mul(w2) → b → Add(a) → y`: `a` is live across the second Mul.
    fn chain() -> Model {
        Model {
            ir_version: 8,
            opset_import: vec![OpsetImport { domain: String::new(), version: 13 }],
            graph: Graph {
                nodes: vec![
                    Node::new("Mul", &["x", "w1"], &["a"]),
                    Node::new("Mul", &["a", "w2"], &["b"]),
                    Node::new("Add", &["b", "a"], &["y"]),
                ],
                inputs: vec![ValueInfo::tensor("x", 1, None)],
                outputs: vec![ValueInfo::tensor("y", 1, None)],
                initializers: vec![
                    Initializer::new("w1", Tensor::from_vec(&[1], vec![2.0f32]).unwrap()),
                    Initializer::new("w2", Tensor::from_vec(&[1], vec![3.0f32]).unwrap()),
                ],
                ..Graph::default()
            },
            ..Model::default()
        }
    }

    fn scalar(v: f32) -> Tensor {
        Tensor::from_vec(&[1], vec![v]).unwrap()
    }

    fn get(t: &Tensor) -> f32 {
        t.as_array::<f32>().unwrap().iter().copied().next().unwrap()
    }

    #[test]
    fn a_weight_changed_between_stretches_is_used_and_earlier_values_are_not_recomputed() {
        let mut model = chain();
        let samples = vec![vec![("x".to_string(), scalar(1.0))], vec![("x".to_string(), scalar(-2.0))]];
        let mut staged = Staged::new(&samples);
        let mut seen: Vec<(usize, String, f32)> = Vec::new();
        staged.run_before(&model, "b", &mut |s, n, t| seen.push((s, n.to_string(), get(t)))).unwrap();
        assert_eq!(seen, vec![(0, "a".into(), 2.0), (1, "a".into(), -4.0)]);
        assert_eq!(staged.value(1, "a").map(get), Some(-4.0));
        assert!(staged.value(0, "x").is_none(), "the input is dropped once nothing reads it");

        // Peek at `b` with the old weight: seen, not kept.
        seen.clear();
        staged.peek(&model, "b", &mut |s, n, t| seen.push((s, n.to_string(), get(t)))).unwrap();
        assert_eq!(seen, vec![(0, "b".into(), 6.0), (1, "b".into(), -12.0)]);
        assert!(staged.value(0, "b").is_none());

        // Change w2, then run to the end: `a` comes from the first stretch, `b` uses the new weight.
        model.graph.initializer_mut("w2").unwrap().tensor = scalar(10.0);
        seen.clear();
        let mut y = Vec::new();
        model.graph.nodes.push(Node::new("Identity", &["y"], &["z"]));
        staged
            .run_before(&model, "z", &mut |s, n, t| {
                if n == "y" {
                    y.push((s, get(t)));
                }
                seen.push((s, n.to_string(), get(t)));
            })
            .unwrap();
        assert_eq!(y, vec![(0, 22.0), (1, -44.0)]);
        assert!(!seen.iter().any(|(_, n, _)| n == "a"), "`a` was not computed again: {seen:?}");
    }

    #[test]
    fn a_weight_held_by_a_constant_node_is_read_as_it_is_now() {
        // w2 as a `Constant` node first in the file (Paddle and old exporters write weights so).
        let mut model = chain();
        model.graph.initializers.retain(|i| i.name != "w2");
        let mut constant = Node::new("Constant", &[], &["w2"]);
        constant.attributes.push(crate::ir::Attribute::new("value", crate::ir::AttrValue::Tensor(crate::ir::AttrTensor::new(scalar(3.0)))));
        model.graph.nodes.insert(0, constant);
        let samples = vec![vec![("x".to_string(), scalar(1.0))]];
        let mut staged = Staged::new(&samples);
        staged.run_before(&model, "b", &mut |_, _, _| {}).unwrap();
        model.graph.nodes[0].attributes[0].value = crate::ir::AttrValue::Tensor(crate::ir::AttrTensor::new(scalar(10.0)));
        let mut b = None;
        staged.peek(&model, "b", &mut |_, n, t| if n == "b" { b = Some(get(t)) }).unwrap();
        assert_eq!(b, Some(20.0), "the changed Constant is used");
    }

    #[test]
    fn an_unknown_value_is_an_error_not_a_panic() {
        let model = chain();
        let mut staged = Staged::new(&[vec![("x".to_string(), scalar(1.0))]]);
        let err = staged.run_before(&model, "nope", &mut |_, _, _| {}).unwrap_err();
        assert!(matches!(err, RunError::MissingOutput(_)), "{err}");
        let mut staged = Staged::new(&[vec![("q".to_string(), scalar(1.0))]]);
        let err = staged.run_before(&model, "y", &mut |_, _, _| {}).unwrap_err();
        assert!(matches!(err, RunError::UndefinedValue { .. }), "{err}");
    }

    #[test]
    fn the_observer_sees_the_same_calls_on_one_two_and_three_threads() {
        // Natively the samples of a stretch run in parallel; the observer's calls keep their order.
        let mut model = chain();
        model.graph.nodes.push(Node::new("Identity", &["y"], &["z"]));
        let samples: Vec<InputSet> = (0..5).map(|i| vec![("x".to_string(), scalar(i as f32 - 1.5))]).collect();
        let run = |threads| {
            crate::kernels::parallel::on_threads(threads, || {
                let mut staged = Staged::new(&samples);
                let mut seen: Vec<(usize, String, u32)> = Vec::new();
                let mut see = |s: usize, n: &str, t: &Tensor| seen.push((s, n.to_string(), get(t).to_bits()));
                staged.run_before(&model, "b", &mut see).unwrap();
                staged.peek(&model, "b", &mut see).unwrap();
                staged.run_before(&model, "z", &mut see).unwrap();
                let kept: Vec<Option<u32>> = (0..5).map(|s| staged.value(s, "y").map(|t| get(t).to_bits())).collect();
                (seen, kept)
            })
            .unwrap()
        };
        let one = run(1);
        assert_eq!(one.0.len(), 5 * 4, "a, b (peek), b and y for each sample: {:?}", one.0);
        assert_eq!(&one.0[..2], &[(0, "a".to_string(), (-3.0f32).to_bits()), (1, "a".to_string(), (-1.0f32).to_bits())]);
        assert!(one.1.iter().all(Option::is_some), "y is live: z reads it");
        for threads in [2, 3] {
            assert_eq!(run(threads), one, "{threads} threads");
        }
    }
}
