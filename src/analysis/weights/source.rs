//! Where a layer's weight values come from, and how to read them as numbers: a float tensor
//! stored in an initializer or a `Constant` node (in this graph or an enclosing one), an
//! integer tensor behind a `DequantizeLinear` (dequantized with its scale and zero point, per
//! tensor or per axis), or the weight input of `QLinearConv`/`QLinearMatMul` (dequantized) and
//! `ConvInteger`/`MatMulInteger` (integer levels minus the zero point: the scale is applied
//! later in the graph, by a node of its own).
//!
//! Everything here reads an untrusted model: a scale or zero point of the wrong shape or type
//! is an `Err` with a message for the layer's entry, never a panic.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::super::values::constant_value;
use crate::ir::dtype_dispatch::dispatch_tensor;
use crate::ir::{Graph, Node, Tensor};
use crate::ops::layer_table::{is_default_domain, layer_op};

/// What the summarized values are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// The stored values themselves (a float weight).
    Stored,
    /// `(q − zero_point) · scale`, computed in float32 as `DequantizeLinear` does.
    Dequantized,
    /// `q − zero_point`: integer levels whose scale is not part of the weight's node.
    Integer,
}

/// One graph's names, indexed once: what is fed from outside, stored, or computed.
pub struct ScopeIndex<'g> {
    inputs: HashSet<&'g str>,
    initializers: HashMap<&'g str, &'g Tensor>,
    producers: HashMap<&'g str, &'g Node>,
}

impl<'g> ScopeIndex<'g> {
    pub fn new(graph: &'g Graph) -> Self {
        let mut initializers = HashMap::new();
        for init in &graph.initializers {
            initializers.entry(init.name.as_str()).or_insert(&init.tensor);
        }
        let mut producers = HashMap::new();
        for node in &graph.nodes {
            for output in node.outputs.iter().filter(|o| !o.is_empty()) {
                producers.entry(output.as_str()).or_insert(node);
            }
        }
        ScopeIndex { inputs: graph.inputs.iter().map(|i| i.name.as_str()).collect(), initializers, producers }
    }
}

/// What a value name refers to, seen from the innermost graph outwards.
enum Origin<'g> {
    Stored(Cow<'g, Tensor>),
    /// The output of this node (not a `Constant`).
    Node(&'g Node),
    /// A graph input, or a name no graph in scope defines.
    Runtime,
}

/// The graphs in scope at a node: the enclosing graphs, innermost last.
pub struct Scopes<'s, 'g> {
    pub levels: &'s [ScopeIndex<'g>],
}

impl<'g> Scopes<'_, 'g> {
    fn origin(&self, name: &str) -> Origin<'g> {
        for scope in self.levels.iter().rev() {
            // An initializer also listed as an input (older exporters list every weight) is
            // still what the file stores; analysis reports it.
            if let Some(&tensor) = scope.initializers.get(name) {
                return Origin::Stored(Cow::Borrowed(tensor));
            }
            if scope.inputs.contains(name) {
                return Origin::Runtime;
            }
            if let Some(&node) = scope.producers.get(name) {
                return match constant_value(node) {
                    Some(tensor) => Origin::Stored(tensor),
                    None if node.op_type == "Constant" => Origin::Runtime,
                    None => Origin::Node(node),
                };
            }
        }
        Origin::Runtime
    }

    fn stored(&self, name: &str) -> Option<Cow<'g, Tensor>> {
        match self.origin(name) {
            Origin::Stored(t) => Some(t),
            _ => None,
        }
    }

    /// A `DequantizeLinear` producing `name` from a stored tensor.
    fn dequantize_of_stored(&self, name: &str) -> Option<&'g Node> {
        match self.origin(name) {
            Origin::Node(node) if is_default_domain(node) && node.op_type == "DequantizeLinear" => {
                node.input(0).and_then(|x| self.stored(x)).map(|_| node)
            }
            _ => None,
        }
    }

    /// Whether `name` is a weight: stored, or dequantized from a stored tensor.
    fn is_weight(&self, name: &str) -> bool {
        matches!(self.origin(name), Origin::Stored(_)) || self.dequantize_of_stored(name).is_some()
    }
}

/// Which input of a node holds its weight, and how to read it.
enum Role {
    /// A float weight at the first of `candidates` that is stored or dequantized from a stored
    /// tensor; `required`: a node without one gets an entry saying so (a MatMul of two
    /// activations is not a layer and is skipped).
    Float { candidates: &'static [usize], required: bool },
    /// An integer weight with its scale (None for the `*Integer` ops) and zero point inputs.
    Quantized { weight: usize, scale: Option<usize>, zero_point: usize, axis: Axis },
}

/// The axis a 1-D scale or zero point runs along.
#[derive(Clone, Copy)]
enum Axis {
    Fixed(i64),
    /// The weight's last dimension (per column of a MatMul's B).
    Last,
}

fn role(node: &Node) -> Option<Role> {
    if !is_default_domain(node) {
        return None;
    }
    // The float layer ops (`ops::layer_table`); a Gemm or MatMul whose constant operand is A
    // (input 0) is a layer too. A MatMul of two activations is not a layer.
    if let Some(op) = layer_op(node) {
        // (A malformed `transB` only affects which Gemm layout: still a matrix.)
        let matrix = op.map_or(true, |op| op.layout.is_matrix());
        let candidates: &'static [usize] = if matrix { &[1, 0] } else { &[1] };
        return Some(Role::Float { candidates, required: node.op_type != "MatMul" });
    }
    Some(match node.op_type.as_str() {
        "QLinearConv" => Role::Quantized { weight: 3, scale: Some(4), zero_point: 5, axis: Axis::Fixed(0) },
        "QLinearMatMul" => Role::Quantized { weight: 3, scale: Some(4), zero_point: 5, axis: Axis::Last },
        "ConvInteger" => Role::Quantized { weight: 1, scale: None, zero_point: 3, axis: Axis::Fixed(0) },
        "MatMulInteger" => Role::Quantized { weight: 1, scale: None, zero_point: 3, axis: Axis::Last },
        _ => return None,
    })
}

/// A layer's weight, ready to summarize.
pub struct Weight<'g> {
    /// The stored tensor's name (the integer tensor for a dequantized weight).
    pub name: String,
    pub tensor: Cow<'g, Tensor>,
    pub kind: ValueKind,
    /// `per-tensor` or `per-axis 0 (16 channels)` for dequantized and integer weights.
    pub quantization: Option<String>,
    /// Identifies the values within the node's graph (what the weight's name, its
    /// `DequantizeLinear` and its scale make them), for summarizing a shared weight once.
    pub key: String,
    params: Option<QuantParams>,
}

/// The result of looking at one node.
pub enum Found<'g> {
    /// Not a weight-bearing node.
    NotALayer,
    Weight(Box<Weight<'g>>),
    /// A layer whose weight cannot be summarized: the weight's name (if known) and why.
    Problem(String, String),
}

/// The weight of `node` as the graphs in `scopes` define it.
pub fn find_weight<'g>(node: &'g Node, scopes: &Scopes<'_, 'g>) -> Found<'g> {
    match role(node) {
        None => Found::NotALayer,
        Some(Role::Float { candidates, required }) => {
            let found = candidates.iter().filter_map(|&i| node.input(i)).find(|name| scopes.is_weight(name));
            match found {
                Some(name) => {
                    let weight = match scopes.dequantize_of_stored(name) {
                        Some(dq) => dequantized(dq, scopes),
                        None => match scopes.stored(name) {
                            Some(tensor) => stored(name, tensor),
                            None => return Found::NotALayer,
                        },
                    };
                    into_found(weight.map(|w| Weight { key: name.to_string(), ..w }))
                }
                None if required => {
                    let name = candidates.first().and_then(|&i| node.input(i)).unwrap_or_default().to_string();
                    Found::Problem(name, "the weight is computed when the model runs, not stored in the file".into())
                }
                None => Found::NotALayer,
            }
        }
        Some(Role::Quantized { weight, scale, zero_point, axis }) => {
            let (scale_index, zero_point_index) = (scale, zero_point);
            let name = node.input(weight).unwrap_or_default();
            let Some(tensor) = scopes.stored(name) else {
                return Found::Problem(name.into(), "the weight is computed when the model runs, not stored in the file".into());
            };
            let scale = match scale.map(|i| node.input(i).map(|n| scopes.stored(n))) {
                None => None,
                Some(Some(Some(t))) => Some(t),
                Some(_) => return Found::Problem(name.into(), "the weight's scale is not stored in the file".into()),
            };
            let zero_point = match node.input(zero_point) {
                None => None,
                Some(n) => match scopes.stored(n) {
                    Some(t) => Some(t),
                    None => return Found::Problem(name.into(), "the weight's zero point is not stored in the file".into()),
                },
            };
            let key = [weight, scale_index.unwrap_or(weight), zero_point_index].map(|i| node.input(i).unwrap_or_default()).join("|");
            into_found(quantized(name, tensor, scale.as_deref(), zero_point.as_deref(), axis).map(|w| Weight { key, ..w }))
        }
    }
}

fn into_found(result: Result<Weight<'_>, (String, String)>) -> Found<'_> {
    match result {
        Ok(w) => Found::Weight(Box::new(w)),
        Err((name, reason)) => Found::Problem(name, reason),
    }
}

fn stored<'g>(name: &str, tensor: Cow<'g, Tensor>) -> Result<Weight<'g>, (String, String)> {
    let numeric = !matches!(&*tensor, Tensor::Bool(_) | Tensor::String(_) | Tensor::Opaque(_));
    if !numeric {
        return Err((name.into(), format!("element type {} is not summarized (not a number pare decodes)", tensor.type_name())));
    }
    Ok(Weight { name: name.into(), tensor, kind: ValueKind::Stored, quantization: None, key: String::new(), params: None })
}

fn dequantized<'g>(dq: &'g Node, scopes: &Scopes<'_, 'g>) -> Result<Weight<'g>, (String, String)> {
    let name = dq.input(0).unwrap_or_default();
    let fail = |reason: String| (name.to_string(), format!("DequantizeLinear `{}`: {reason}", dq.label()));
    let tensor = scopes.stored(name).ok_or_else(|| fail("its input is not stored".into()))?;
    let scale = dq.input(1).and_then(|n| scopes.stored(n)).ok_or_else(|| fail("its scale is not stored".into()))?;
    let zero_point = match dq.input(2) {
        None => None,
        Some(n) => Some(scopes.stored(n).ok_or_else(|| fail("its zero point is not stored".into()))?),
    };
    match dq.attr_int("block_size") {
        Ok(None | Some(0)) => {}
        Ok(Some(_)) => return Err(fail("blocked quantization (block_size) is not summarized".into())),
        Err(e) => return Err(fail(e.to_string())),
    }
    let axis = dq.attr_int("axis").map_err(|e| fail(e.to_string()))?.unwrap_or(1);
    quantized(name, tensor, Some(&scale), zero_point.as_deref(), Axis::Fixed(axis))
        .map_err(|(n, reason)| (n, format!("DequantizeLinear `{}`: {reason}", dq.label())))
}

/// Scale, zero point and channel layout of a quantized weight.
struct QuantParams {
    /// None: integer levels (no scale).
    scales: Option<Vec<f32>>,
    zero_points: Vec<i64>,
    /// Element `i` (row-major) uses parameter `(i / inner) % channels`.
    channels: usize,
    inner: usize,
}

fn quantized<'g>(
    name: &str,
    tensor: Cow<'g, Tensor>,
    scale: Option<&Tensor>,
    zero_point: Option<&Tensor>,
    axis: Axis,
) -> Result<Weight<'g>, (String, String)> {
    let fail = |reason: String| (name.to_string(), reason);
    if !matches!(&*tensor, Tensor::I8(_) | Tensor::U8(_) | Tensor::I16(_) | Tensor::U16(_) | Tensor::I32(_)) {
        return Err(fail(format!(
            "quantized element type {} is not summarized (int8, uint8, int16, uint16 and int32 are)",
            tensor.type_name()
        )));
    }
    let scales = match scale {
        None => None,
        Some(t) => Some(dispatch_tensor!(float, t, a => a.iter().map(|&v| f64::from(v) as f32).collect::<Vec<f32>>(), other => {
            return Err(fail(format!("the scale has element type {}, not a float type", other.type_name())))
        })),
    };
    let zero_points = match zero_point {
        None => None,
        Some(zp) if zp.dtype() != tensor.dtype() => {
            return Err(fail(format!("the zero point is {} but the weight is {}", zp.type_name(), tensor.type_name())));
        }
        Some(zp) => Some(zp.to_i64_vec().map_err(|e| fail(format!("the zero point: {e}")))?),
    };
    let params_len = match (&scales, &zero_points) {
        (Some(s), Some(z)) if s.len() != z.len() => {
            return Err(fail(format!("the scale has {} values but the zero point {}", s.len(), z.len())));
        }
        (Some(s), _) => s.len(),
        (None, Some(z)) => z.len(),
        (None, None) => 1,
    };
    let shape = tensor.shape();
    let (channels, inner, quantization) = if params_len == 1 {
        (1, 1, "per-tensor".to_string())
    } else {
        let rank = shape.len() as i64;
        let axis = match axis {
            Axis::Fixed(a) => a,
            Axis::Last => rank - 1,
        };
        let normalized = if axis < 0 { axis + rank } else { axis };
        let axis = usize::try_from(normalized)
            .ok()
            .filter(|&a| a < shape.len())
            .ok_or_else(|| fail(format!("axis {axis} is out of range for a weight of rank {rank}")))?;
        let length = shape.get(axis).copied().unwrap_or(0);
        if params_len != length {
            return Err(fail(format!(
                "{params_len} scale/zero point values for axis {axis} of length {length} (weight shape {shape:?})"
            )));
        }
        let inner = shape.get(axis + 1..).unwrap_or_default().iter().product::<usize>().max(1);
        (length, inner, format!("per-axis {axis} ({length} channels)"))
    };
    let zero_points = zero_points.unwrap_or_else(|| vec![0; params_len]);
    let kind = if scales.is_some() { ValueKind::Dequantized } else { ValueKind::Integer };
    let params = QuantParams { scales, zero_points, channels, inner };
    Ok(Weight { name: name.into(), tensor, kind, quantization: Some(quantization), key: String::new(), params: Some(params) })
}

impl Weight<'_> {
    /// Calls `f` with every value, in row-major order, as [`Weight::kind`] says.
    pub fn visit(&self, f: &mut dyn FnMut(f64)) {
        match &self.params {
            None => visit_stored(&self.tensor, f),
            Some(p) => match &*self.tensor {
                Tensor::I8(a) => p.visit(a.iter().map(|&q| i64::from(q)), f),
                Tensor::U8(a) => p.visit(a.iter().map(|&q| i64::from(q)), f),
                Tensor::I16(a) => p.visit(a.iter().map(|&q| i64::from(q)), f),
                Tensor::U16(a) => p.visit(a.iter().map(|&q| i64::from(q)), f),
                Tensor::I32(a) => p.visit(a.iter().map(|&q| i64::from(q)), f),
                _ => {}
            },
        }
    }
}

impl Weight<'_> {
    /// Distinct stored integers of a quantized weight, counted up to `cap` (`None` for a float
    /// weight): the quantization levels, at most 256 for 8-bit weights whatever the per-channel
    /// scales make of them.
    pub fn stored_levels(&self, cap: usize) -> Option<u32> {
        self.params.as_ref()?;
        let mut distinct: Vec<i64> = Vec::new();
        let mut add = |q: i64| {
            if distinct.len() < cap
                && let Err(at) = distinct.binary_search(&q)
            {
                distinct.insert(at, q);
            }
        };
        match &*self.tensor {
            Tensor::I8(a) => a.iter().for_each(|&q| add(i64::from(q))),
            Tensor::U8(a) => a.iter().for_each(|&q| add(i64::from(q))),
            Tensor::I16(a) => a.iter().for_each(|&q| add(i64::from(q))),
            Tensor::U16(a) => a.iter().for_each(|&q| add(i64::from(q))),
            Tensor::I32(a) => a.iter().for_each(|&q| add(i64::from(q))),
            _ => return None,
        }
        u32::try_from(distinct.len()).ok()
    }
}

fn visit_stored(tensor: &Tensor, f: &mut dyn FnMut(f64)) {
    // Every numeric type converts exactly to f64 except 64-bit integers beyond 2^53 (rounded).
    dispatch_tensor!(numeric, tensor, a => a.iter().for_each(|v| f(num_traits::ToPrimitive::to_f64(v).unwrap_or(f64::NAN))), _ => {})
}

impl QuantParams {
    fn visit(&self, values: impl Iterator<Item = i64>, f: &mut dyn FnMut(f64)) {
        for (i, q) in values.enumerate() {
            let p = (i / self.inner) % self.channels.max(1);
            let centered = q.saturating_sub(self.zero_points.get(p).copied().unwrap_or(0));
            let value = match &self.scales {
                // As DequantizeLinear: the exact difference, to float32, times the float32 scale.
                Some(scales) => f64::from(centered as f32 * scales.get(p).copied().unwrap_or(0.0)),
                None => centered as f64,
            };
            f(value);
        }
    }
}
