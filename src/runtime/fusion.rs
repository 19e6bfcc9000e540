//! Activation fusion: finds the nodes that only apply an activation to another node's output
//! (Relu, LeakyRelu, Clip with constant bounds, HardSigmoid, HardSwish, Sigmoid, and SiLU as
//! Sigmoid + Mul), a BatchNormalization with constant statistics (a per-channel affine, which
//! what follows it may join), or a chain of them with Add/Sub/Mul/Div by scalar constants that may read a
//! value twice (an elementwise program: Paddle's `scale·y + bias` around a written-out
//! HardSwish, [`program`]), so that the plan can have the producer apply it as an [`Epilogue`]
//! and skip them. The producer's output must feed nothing else and not be a graph output; the plan
//! fuses only when the producer's operator can apply an epilogue, only when no observer
//! watches the run (calibration and per-layer comparison see every node's output), and
//! falls back to the separate nodes whenever the operator declines at run time.

use std::collections::HashMap;

use crate::ir::{Graph, Node, Tensor, node_reads, normalize_domain};
use crate::kernels::types::{Activation, ArithF32, PROGRAM_REGISTERS, ProgramOperand, ProgramStep};
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
        // A BatchNormalization reading only `y` folds in first; what follows it may fuse too.
        let normalized = match users.as_slice() {
            [a] => channel_affine(graph, *a, y, constants, default_opset),
            _ => None,
        };
        let fused = match normalized {
            Some((gain, shift, bn, z)) => {
                let then = (!is_output(&z)).then(|| after(graph, &position, &z, &readers, constants, default_opset, &is_output)).flatten();
                let (then, mut absorbed, output) = match then {
                    Some((e, absorbed, output)) => (Some(Box::new(e)), absorbed, output),
                    None => (None, Vec::new(), z),
                };
                absorbed.insert(0, bn);
                Some((Epilogue::ChannelAffine { gain: gain.into(), shift: shift.into(), then }, absorbed, output))
            }
            None => after(graph, &position, y, &readers, constants, default_opset, &is_output),
        };
        if let Some((epilogue, absorbed, output)) = fused {
            let absorbed = absorbed.iter().map(|a| position[a]).collect();
            out.push(Candidate { producer: position[&n], epilogue, absorbed, output });
        }
    }
    out
}

/// What may fuse after value `y`: a single activation, SiLU, or a program (whichever takes in
/// more nodes): the epilogue, the nodes it absorbs and the value it produces.
fn after(
    graph: &Graph,
    position: &HashMap<usize, usize>,
    y: &str,
    readers: &HashMap<String, Vec<usize>>,
    constants: &HashMap<&str, &Tensor>,
    default_opset: Option<i64>,
    is_output: &dyn Fn(&str) -> bool,
) -> Option<(Epilogue, Vec<usize>, String)> {
    let users = readers.get(y)?;
    let fused = match users.as_slice() {
        [a] => single(graph, *a, y, constants, default_opset).map(|(e, z)| (e, vec![*a], z)),
        [a, b] => silu(graph, *a, *b, y, readers, is_output),
        _ => None,
    };
    // A program when it takes in more nodes than the single activation.
    match program(graph, position, y, readers, constants, default_opset, is_output) {
        Some(p) if p.1.len() > fused.as_ref().map_or(0, |f| f.1.len()) => Some(p),
        _ => fused,
    }
}

/// The one reader `a` of `y`, when it is a BatchNormalization of `y` with constant f32
/// statistics (`ops::nn::batch_norm::constant_affine`): its gain, shift, node and output.
fn channel_affine(
    graph: &Graph,
    a: usize,
    y: &str,
    constants: &HashMap<&str, &Tensor>,
    opset: Option<i64>,
) -> Option<(Vec<f32>, Vec<f32>, usize, String)> {
    let node = &graph.nodes[a];
    if !default_domain(node) || node.inputs.first().map(String::as_str) != Some(y) || node.inputs[1..].iter().any(|i| i == y) {
        return None;
    }
    let z = node.outputs.first().filter(|z| !z.is_empty())?;
    let (gain, shift) = crate::ops::nn::batch_norm::constant_affine(node, opset?, |name| constants.get(name).copied())?;
    Some((gain, shift, a, z.clone()))
}

fn default_domain(node: &Node) -> bool {
    normalize_domain(&node.domain).is_empty()
}

/// The one reader `a` of `y`, when it is an activation of `y` alone: its epilogue and output.
fn single(graph: &Graph, a: usize, y: &str, constants: &HashMap<&str, &Tensor>, opset: Option<i64>) -> Option<(Epilogue, String)> {
    let node = &graph.nodes[a];
    if node.inputs.first().map(String::as_str) != Some(y) || node.inputs[1..].iter().any(|i| i == y) {
        return None;
    }
    Some((activation_of(node, constants, opset)?, node.outputs[0].clone()))
}

/// `node` as an activation of its first input (the other inputs constants): its epilogue.
fn activation_of(node: &Node, constants: &HashMap<&str, &Tensor>, opset: Option<i64>) -> Option<Epilogue> {
    if !default_domain(node) || node.outputs.len() != 1 || node.outputs[0].is_empty() || node.inputs.is_empty() || !node.subgraphs().is_empty() {
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
    Some(epilogue)
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

/// Most nodes one program takes in.
const PROGRAM_MAX_NODES: usize = 32;

/// One node of a program, its operands as indices into the program's values (0: `y`).
#[derive(Clone, Copy)]
enum ProgramNode {
    Binary { op: ArithF32, a: Source, b: Source },
    Unary { activation: Activation, src: usize },
}

#[derive(Clone, Copy)]
enum Source {
    Value(usize),
    Const(f32),
}

/// `y`'s readers as an elementwise program: nodes (in plan order) each reading only values of
/// the program and scalar f32 constants — Add/Sub/Mul/Div, or an activation of
/// [`activation_of`] — as long as every value but the last is read inside the program only and
/// is not a graph output, and the values fit in `PROGRAM_REGISTERS` registers. Its epilogue,
/// nodes and output.
fn program(
    graph: &Graph,
    position: &HashMap<usize, usize>,
    y: &str,
    readers: &HashMap<String, Vec<usize>>,
    constants: &HashMap<&str, &Tensor>,
    opset: Option<i64>,
    is_output: &dyn Fn(&str) -> bool,
) -> Option<(Epilogue, Vec<usize>, String)> {
    let mut values: Vec<String> = vec![y.to_string()];
    let (mut taken, mut nodes): (Vec<usize>, Vec<ProgramNode>) = (Vec::new(), Vec::new());
    // Grow: the earliest reader of a program value that reads nothing else.
    while taken.len() < PROGRAM_MAX_NODES {
        let next = values
            .iter()
            .flat_map(|v| readers.get(v.as_str()).into_iter().flatten().copied())
            .filter(|r| !taken.contains(r))
            .filter_map(|r| Some((position.get(&r)?, r, program_node(&graph.nodes[r], &values, constants, opset)?)))
            .min_by_key(|(p, _, _)| **p);
        let Some((_, r, node)) = next else { break };
        taken.push(r);
        nodes.push(node);
        values.push(graph.nodes[r].outputs[0].clone());
    }
    // The longest prefix whose values other than the last stay inside and fit the registers.
    for len in (1..=taken.len()).rev() {
        let inside = |v: &str| !is_output(v) && readers.get(v).is_some_and(|rs| rs.iter().all(|r| taken[..len].contains(r)));
        if !values[..len].iter().all(|v| inside(v)) {
            continue;
        }
        if let Some((steps, result)) = allocate(&nodes[..len]) {
            return Some((Epilogue::Program { steps: steps.into(), result }, taken[..len].to_vec(), values[len].clone()));
        }
    }
    None
}

/// `node` as a program node over `values` (at least one operand a value, the others scalar f32
/// constants), or `None`.
fn program_node(node: &Node, values: &[String], constants: &HashMap<&str, &Tensor>, opset: Option<i64>) -> Option<ProgramNode> {
    let value = |name: &str| values.iter().position(|v| v == name);
    let source = |name: &str| match value(name) {
        Some(i) => Some(Source::Value(i)),
        None => match constants.get(name)? {
            Tensor::F32(a) if a.len() == 1 && a.ndim() <= 1 => a.iter().next().map(|&c| Source::Const(c)),
            _ => None,
        },
    };
    if !default_domain(node) || node.outputs.len() != 1 || node.outputs[0].is_empty() || !node.subgraphs().is_empty() {
        return None;
    }
    let op = match node.op_type.as_str() {
        "Add" => Some(ArithF32::Add),
        "Sub" => Some(ArithF32::Sub),
        "Mul" => Some(ArithF32::Mul),
        "Div" => Some(ArithF32::Div),
        _ => None,
    };
    if let Some(op) = op {
        let [a, b] = node.inputs.as_slice() else { return None };
        let (a, b) = (source(a)?, source(b)?);
        return matches!((a, b), (Source::Value(_), _) | (_, Source::Value(_))).then_some(ProgramNode::Binary { op, a, b });
    }
    let src = value(node.inputs.first()?)?;
    if node.inputs[1..].iter().any(|i| value(i).is_some()) {
        return None;
    }
    let activation = activation_of(node, constants, opset)?.activation()?;
    Some(ProgramNode::Unary { activation, src })
}

/// Registers for `nodes` (value 0 in register 0, each value's register freed after its last
/// reader, so a node may write where its input was): the steps and the result's register, or
/// `None` if more than `PROGRAM_REGISTERS` values are live at once.
fn allocate(nodes: &[ProgramNode]) -> Option<(Vec<ProgramStep>, u8)> {
    let reads = |n: &ProgramNode| -> Vec<usize> {
        match *n {
            ProgramNode::Binary { a, b, .. } => [a, b].into_iter().filter_map(|s| if let Source::Value(v) = s { Some(v) } else { None }).collect(),
            ProgramNode::Unary { src, .. } => vec![src],
        }
    };
    let mut last_read = vec![0usize; nodes.len() + 1];
    for (k, n) in nodes.iter().enumerate() {
        reads(n).into_iter().for_each(|v| last_read[v] = k);
    }
    let mut register = vec![u8::MAX; nodes.len() + 1];
    let mut free: Vec<bool> = vec![true; PROGRAM_REGISTERS];
    register[0] = 0;
    free[0] = false;
    let mut steps = Vec::with_capacity(nodes.len());
    for (k, n) in nodes.iter().enumerate() {
        for v in reads(n) {
            if last_read[v] == k {
                free[usize::from(register[v])] = true;
            }
        }
        let dst = free.iter().position(|&f| f)?;
        free[dst] = false;
        // Operands keep the registers they had (freeing only lets this step write over them).
        let operand = |s: Source| match s {
            Source::Value(v) => ProgramOperand::Reg(register[v]),
            Source::Const(c) => ProgramOperand::Const(c),
        };
        steps.push(match *n {
            ProgramNode::Binary { op, a, b } => ProgramStep::Binary { op, a: operand(a), b: operand(b), dst: dst as u8 },
            ProgramNode::Unary { activation, src } => ProgramStep::Activation { activation, src: register[src], dst: dst as u8 },
        });
        register[k + 1] = dst as u8;
    }
    Some((steps, register[nodes.len()]))
}
