//! `Session`: a model ready to run — inputs checked by name, dtype and declared shape,
//! outputs returned by name, and optionally every intermediate value observed.
//!
//! By default a quantized (QDQ) model runs its quantized layers on integer kernels
//! (`super::integer`); `SessionOptions { integer: false, .. }` runs it exactly as written, in
//! float arithmetic between the Q/DQ nodes. Ternary weight-only layers run on the row-add
//! ternary kernel where it pays off (wasm; `super::integer::ternary_kernel_pays_off`),
//! listed by [`Session::ternary_layers`].
//!
//! Nodes computing constants (dequantized weights, shape arithmetic…) are evaluated once when
//! the session is built (`super::fold`; `SessionOptions { fold_constants: false, .. }` keeps
//! them), after the integer lowering so that it still sees the quantized weights. Observers
//! are shown the folded values at the start of every observed run, under their names.

use std::borrow::Cow;
use std::collections::HashMap;

use super::error::RunError;
use super::fold::fold_constants;
use super::integer::{DequantizedAlias, IntegerLayer, has_dequantize, lower_qdq, ternary_kernel_pays_off};
use super::plan::{Observer, Opsets, Plan};
use crate::ir::{DType, Dim, DimValue, Model, Tensor, ValueInfo, dtype::onnx_type_name, format_shape, normalize_domain};
use crate::ops::{EmptyScope, RUNTIME_DOMAIN, Registry, standard_registry};

pub struct Session {
    pub(super) plan: Plan,
    /// Declared graph inputs that a caller must (or may, if an initializer backs them) feed.
    inputs: Vec<InputSpec>,
    /// Layers running on integer kernels (empty for float models or `integer: false`).
    integer_layers: Vec<IntegerLayer>,
    /// Layers running on the row-add ternary kernel (TernaryConv, TernaryGemm).
    ternary_layers: Vec<IntegerLayer>,
    /// Float values the integer graph only has quantized, by quantized name.
    aliases: HashMap<String, DequantizedAlias>,
    /// The folded values (`super::fold`), as positions among the plan's constants, in
    /// execution order.
    folded_values: Vec<usize>,
    /// Number of nodes folded into constants.
    folded_nodes: usize,
}

/// How a session runs a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionOptions {
    /// Run QDQ patterns on integer kernels (default), as onnxruntime does.
    pub integer: bool,
    /// Run weight-only ternary layers on the row-add ternary kernel: `None` (default) where
    /// it pays off (`ternary_kernel_pays_off`: wasm builds), `Some` to force it on or off
    /// (tests, benchmarks). Needs `integer`.
    pub ternary_kernel: Option<bool>,
    /// Evaluate the nodes that only compute constants once, when the session is built
    /// (default), instead of on every run (`super::fold`).
    pub fold_constants: bool,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions { integer: true, ternary_kernel: None, fold_constants: true }
    }
}

/// A graph input as declared in the model.
#[derive(Clone, Debug, PartialEq)]
pub struct InputSpec {
    pub name: String,
    /// ONNX element-type code, if declared.
    pub elem_type: Option<i32>,
    /// Declared dims, if declared.
    pub shape: Option<Vec<Dim>>,
    /// True when an initializer of the same name provides a default.
    pub has_default: bool,
}

impl InputSpec {
    fn from_value_info(v: &ValueInfo, has_default: bool) -> Self {
        let (elem_type, shape) = match v.tensor_type() {
            Some((e, s)) => (Some(e), s.map(<[Dim]>::to_vec)),
            None => (None, None),
        };
        InputSpec { name: v.name.clone(), elem_type, shape, has_default }
    }

    /// `float32 [batch, 3, 224, 224]` for messages.
    pub fn describe(&self) -> String {
        let ty = self.elem_type.map(onnx_type_name).unwrap_or_else(|| "a tensor".into());
        match &self.shape {
            Some(dims) => format!("{ty} {}", format_shape(dims)),
            None => ty,
        }
    }

    pub fn dtype(&self) -> Option<DType> {
        self.elem_type.and_then(DType::from_onnx_code)
    }
}

impl Session {
    /// Prepares `model` with every operator pare implements.
    pub fn new(model: &Model) -> Result<Session, RunError> {
        Session::with_options(model, SessionOptions::default())
    }

    pub fn with_options(model: &Model, options: SessionOptions) -> Result<Session, RunError> {
        Session::build(model, &standard_registry(), options)
    }

    pub fn with_registry(model: &Model, registry: &Registry) -> Result<Session, RunError> {
        Session::build(model, registry, SessionOptions::default())
    }

    fn build(model: &Model, registry: &Registry, options: SessionOptions) -> Result<Session, RunError> {
        let mut opsets: Opsets =
            model.opset_import.iter().map(|o| (normalize_domain(&o.domain).to_string(), o.version)).collect();
        let unpacked = super::unpack4::unpack_4bit_initializers(&model.graph, opsets.get("").copied().unwrap_or(0));
        let graph = unpacked.as_ref().unwrap_or(&model.graph);
        let ternary = options.ternary_kernel.unwrap_or_else(ternary_kernel_pays_off);
        let lowered = (options.integer && has_dequantize(graph))
            .then(|| lower_qdq(graph, registry, &opsets, ternary))
            .filter(|l| !l.layers.is_empty() || !l.ternary_layers.is_empty());
        let (graph, integer_layers, ternary_layers, aliases) = match lowered {
            Some(lowered) => {
                opsets.entry(RUNTIME_DOMAIN.to_string()).or_insert(1);
                let aliases = lowered.aliases.into_iter().map(|a| (a.quantized_name.clone(), a)).collect();
                (Cow::Owned(lowered.graph), lowered.layers, lowered.ternary_layers, aliases)
            }
            None => (Cow::Borrowed(graph), Vec::new(), Vec::new(), HashMap::new()),
        };
        let folded = options.fold_constants.then(|| fold_constants(&graph, registry, &opsets)).flatten();
        let (plan, folded_values, folded_nodes) = match folded {
            Some(folded) => {
                let plan = Plan::compile(&folded.graph, registry, &opsets)?;
                let values = folded.values.iter().filter_map(|name| plan.constant_index(name)).collect();
                (plan, values, folded.nodes)
            }
            None => (Plan::compile(&graph, registry, &opsets)?, Vec::new(), 0),
        };
        let inputs = model
            .graph
            .inputs
            .iter()
            .map(|v| InputSpec::from_value_info(v, model.graph.initializer(&v.name).is_some()))
            .collect();
        Ok(Session { plan, inputs, integer_layers, ternary_layers, aliases, folded_values, folded_nodes })
    }

    /// The layers that run on integer kernels, in graph order.
    pub fn integer_layers(&self) -> &[IntegerLayer] {
        &self.integer_layers
    }

    /// The layers that run on the row-add ternary kernel (TernaryConv, TernaryGemm), in
    /// graph order: empty natively unless `SessionOptions::ternary_kernel` forces it.
    pub fn ternary_layers(&self) -> &[IntegerLayer] {
        &self.ternary_layers
    }

    /// Number of nodes evaluated once when the session was built (`SessionOptions::fold_constants`).
    pub fn folded_nodes(&self) -> usize {
        self.folded_nodes
    }

    /// Declared inputs, including initializer-backed ones (`has_default`).
    pub fn inputs(&self) -> &[InputSpec] {
        &self.inputs
    }

    /// Inputs a caller must feed.
    pub fn required_inputs(&self) -> impl Iterator<Item = &InputSpec> {
        self.inputs.iter().filter(|i| !i.has_default)
    }

    pub fn output_names(&self) -> &[String] {
        self.plan.output_names()
    }

    /// Runs the model on named inputs and returns the named outputs in declared order.
    pub fn run(&self, inputs: Vec<(String, Tensor)>) -> Result<Vec<(String, Tensor)>, RunError> {
        self.run_observed(inputs, None)
    }

    /// Like `run`, and calls `observer` with every value a node produces (calibration and
    /// per-layer comparison stream through this instead of keeping all activations).
    pub fn run_observed(
        &self,
        inputs: Vec<(String, Tensor)>,
        observer: Option<Observer>,
    ) -> Result<Vec<(String, Tensor)>, RunError> {
        let feeds = self.check_inputs(inputs)?;
        let outputs = match observer {
            Some(observe) => {
                // Observers also see the float values integer layers no longer produce, and
                // the values folded into constants (first: they are computed before the run).
                let mut with_aliases = |name: &str, t: &Tensor| {
                    observe(name, t);
                    if let Some(alias) = self.aliases.get(name) {
                        if let Some(dequantized) = alias.dequantize(t) {
                            observe(&alias.float_name, &dequantized);
                        }
                    }
                };
                for (name, t) in self.folded_values.iter().filter_map(|&i| self.plan.constant_at(i)) {
                    with_aliases(name, t);
                }
                self.plan.execute(feeds, &EmptyScope, Some(&mut with_aliases))?
            }
            None => self.plan.execute(feeds, &EmptyScope, None)?,
        };
        Ok(self.plan.output_names().iter().cloned().zip(outputs).collect())
    }

    /// Runs the model and also returns a copy of every intermediate value, by name.
    pub fn run_capture(
        &self,
        inputs: Vec<(String, Tensor)>,
    ) -> Result<(Vec<(String, Tensor)>, Vec<(String, Tensor)>), RunError> {
        let mut captured = Vec::new();
        let mut keep = |name: &str, t: &Tensor| captured.push((name.to_string(), t.clone()));
        let outputs = self.run_observed(inputs, Some(&mut keep))?;
        Ok((outputs, captured))
    }

    fn check_inputs(&self, inputs: Vec<(String, Tensor)>) -> Result<Vec<Option<Tensor>>, RunError> {
        let mut by_name: HashMap<String, Tensor> = HashMap::new();
        for (name, t) in inputs {
            if !self.inputs.iter().any(|i| i.name == name) {
                let expected: Vec<String> = self.inputs.iter().map(|i| format!("`{}`", i.name)).collect();
                return Err(RunError::UnknownInput { name, expected: expected.join(", ") });
            }
            by_name.insert(name, t);
        }
        let mut symbols: HashMap<String, usize> = HashMap::new();
        let mut feeds = Vec::with_capacity(self.inputs.len());
        for spec in &self.inputs {
            match by_name.remove(&spec.name) {
                Some(t) => {
                    check_input(spec, &t, &mut symbols)?;
                    feeds.push(Some(t));
                }
                None if spec.has_default => feeds.push(None),
                None => return Err(RunError::MissingInput { name: spec.name.clone(), want: spec.describe() }),
            }
        }
        Ok(feeds)
    }
}

/// Checks dtype, rank and known dims; a symbolic dim must take one value across all inputs.
fn check_input(spec: &InputSpec, t: &Tensor, symbols: &mut HashMap<String, usize>) -> Result<(), RunError> {
    if let Some(want) = spec.elem_type {
        if want != 0 && t.onnx_type() != want {
            return Err(RunError::InputType { name: spec.name.clone(), got: t.type_name(), want: spec.describe() });
        }
    }
    let Some(dims) = &spec.shape else { return Ok(()) };
    let got = t.shape();
    let shape_error = || RunError::InputShape { name: spec.name.clone(), got: got.clone(), want: spec.describe() };
    if dims.len() != got.len() {
        return Err(shape_error());
    }
    for (d, &g) in dims.iter().zip(&got) {
        match &d.value {
            DimValue::Known(v) if *v >= 0 && *v as usize != g => return Err(shape_error()),
            // PaddlePaddle and others write "?" (or "-1") for "unknown": not one shared symbol.
            DimValue::Symbol(s) if s == "?" || s.parse::<i64>().is_ok() => {}
            DimValue::Symbol(s) => {
                if *symbols.entry(s.clone()).or_insert(g) != g {
                    return Err(shape_error());
                }
            }
            _ => {}
        }
    }
    Ok(())
}
