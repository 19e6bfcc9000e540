//! Activation fusion: finds the nodes that only apply an activation to another node's output
//! (Relu, LeakyRelu, Clip with constant bounds, HardSigmoid, HardSwish, Sigmoid, and SiLU as
//! Sigmoid + Mul) so that the plan can have the producer apply it as an [`Epilogue`] and skip
//! them. The producer's output must feed nothing else and not be a graph output; the plan
//! fuses only when the producer's operator can apply an epilogue, only when no observer
//! watches the run (calibration and per-layer comparison see every node's output), and
//! falls back to the separate nodes whenever the operator declines at run time.

use std::collections::HashMap;

use crate::ir::{Graph, Node, Tensor, node_reads, normalize_domain};
use crate::ops::Epilogue;

/// One fusion: the step (position in the plan's order) whose output gets `epilogue`, the
/// steps it makes redundant, and the value the last of them produced (what the fused step
/// now produces).
#[derive(Debug)]
pub(super) struct Candidate {
    pub producer: usize,
    pub epilogue: Epilogue,
    pub absorbed: Vec<usize>,
    pub output: String,
}

/// Candidates over the nodes in `order` (indices into `graph.nodes`), positions in `order`.
pub(super) fn candidates(graph: &Graph, order: &[usize], constants: &HashMap<&str, &Tensor>, default_opset: Option<i64>) -> Vec<Candidate> {
    let position: HashMap<usize, usize> = order.iter().enumerate().map(|(p, &n)| (n, p)).collect();
    // Every read, subgraph captures included (a node reading a value twice is listed twice).
    let mut readers: HashMap<String, Vec<usize>> = HashMap::new();
    for &n in order {
        for name in node_reads(&graph.nodes[n]) {
            readers.entry(name).or_default().push(n);
        }
    }
    let is_output = |name: &str| graph.outputs.iter().any(|o| o.name == name);
    let mut out = Vec::new();
    for &n in order {
        let node = &graph.nodes[n];
        let [y] = node.outputs.as_slice() else { continue };
        if y.is_empty() || is_output(y) {
            continue;
        }
        let Some(users) = readers.get(y.as_str()) else { continue };
        let fused = match users.as_slice() {
            [a] => single(graph, *a, y, constants, default_opset).map(|(e, z)| (e, vec![*a], z)),
            [a, b] => silu(graph, *a, *b, y, &readers, &is_output),
            _ => None,
        };
        if let Some((epilogue, absorbed, output)) = fused {
            let absorbed = absorbed.iter().map(|a| position[a]).collect();
            out.push(Candidate { producer: position[&n], epilogue, absorbed, output });
        }
    }
    out
}

fn default_domain(node: &Node) -> bool {
    normalize_domain(&node.domain).is_empty()
}

/// The one reader `a` of `y`, when it is an activation of `y` alone: its epilogue and output.
fn single(graph: &Graph, a: usize, y: &str, constants: &HashMap<&str, &Tensor>, opset: Option<i64>) -> Option<(Epilogue, String)> {
    let node = &graph.nodes[a];
    if !default_domain(node) || node.outputs.len() != 1 || node.outputs[0].is_empty() || node.inputs.first().map(String::as_str) != Some(y) {
        return None;
    }
    if node.inputs[1..].iter().any(|i| i == y) || !node.subgraphs().is_empty() {
        return None;
    }
    let float = |name: &str, default: f32| node.attr_float(name).ok().map(|v| v.unwrap_or(default));
    let epilogue = match (node.op_type.as_str(), node.inputs.len()) {
        ("Relu", 1) => Epilogue::Relu,
        ("Sigmoid", 1) => Epilogue::Sigmoid,
        ("HardSwish", 1) => Epilogue::HardSwish,
        ("LeakyRelu", 1) => Epilogue::LeakyRelu { alpha: float("alpha", 0.01)? },
        ("HardSigmoid", 1) => Epilogue::HardSigmoid { alpha: float("alpha", 0.2)?, beta: float("beta", 0.5)? },
        ("Clip", _) if opset.is_some_and(|v| v < 11) => {
            if node.inputs.len() != 1 {
                return None;
            }
            let bound = |name: &str| node.attr_float(name).ok().map(|v| v.map(|v| f64::from(v) as f32));
            Epilogue::Clip { lo: bound("min")?, hi: bound("max")? }
        }
        ("Clip", 1..=3) => {
            let bound = |index: usize| -> Option<Option<f32>> {
                match node.inputs.get(index).map(String::as_str) {
                    None | Some("") => Some(None),
                    Some(name) => {
                        let t = constants.get(name)?;
                        let Tensor::F32(a) = t else { return None };
                        match a.len() {
                            0 => Some(None),
                            1 => a.iter().next().map(|v| Some(*v)),
                            _ => None,
                        }
                    }
                }
            };
            Epilogue::Clip { lo: bound(1)?, hi: bound(2)? }
        }
        _ => return None,
    };
    Some((epilogue, node.outputs[0].clone()))
}

/// `y`'s two readers as SiLU: `s = Sigmoid(y)` and `z = Mul(y, s)` (either operand order),
/// `s` read by the Mul only and not a graph output.
fn silu(
    graph: &Graph,
    a: usize,
    b: usize,
    y: &str,
    readers: &HashMap<String, Vec<usize>>,
    is_output: &dyn Fn(&str) -> bool,
) -> Option<(Epilogue, Vec<usize>, String)> {
    if a == b {
        return None;
    }
    let (sig, mul) = if graph.nodes[a].op_type == "Sigmoid" { (a, b) } else { (b, a) };
    let (s_node, m_node) = (&graph.nodes[sig], &graph.nodes[mul]);
    if s_node.op_type != "Sigmoid" || m_node.op_type != "Mul" || !default_domain(s_node) || !default_domain(m_node) {
        return None;
    }
    let ([x], [s]) = (s_node.inputs.as_slice(), s_node.outputs.as_slice()) else { return None };
    if x != y || s.is_empty() || is_output(s) || readers.get(s.as_str()).map(Vec::as_slice) != Some(&[mul][..]) {
        return None;
    }
    let ([p, q], [z]) = (m_node.inputs.as_slice(), m_node.outputs.as_slice()) else { return None };
    let operands_fit = (p == y && q == s) || (p == s && q == y);
    (operands_fit && !z.is_empty()).then(|| (Epilogue::Silu, vec![sig, mul], z.clone()))
}
