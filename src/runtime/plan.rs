//! `Plan`: a graph compiled for execution — nodes sorted, ops built, values in numbered slots,
//! and each slot freed right after its last reader (unless the caller observes every value).
//!
//! A step whose operator can apply an activation itself (Conv) absorbs the activation nodes
//! that only read its output (`super::fusion`) — in runs without an observer; observed runs
//! (calibration, per-layer comparison) execute every node as written.
//!
//! Subgraphs (If/Loop/Scan bodies) compile to plans too; a value a body reads from an
//! enclosing graph is a "capture", resolved through the enclosing `Scope` when the body runs.

use std::collections::HashMap;

use super::error::RunError;
use crate::ir::{Graph, Tensor, free_variables, node_reads, normalize_domain, topological_order};
use crate::ops::{BuildContext, Epilogue, ExecContext, OpError, Operator, Registry, Scope, Subgraph, SubgraphCompiler};

/// Opset version per domain (`""` is the default ONNX domain).
pub type Opsets = HashMap<String, i64>;

/// One compiled node.
struct Step {
    op: Box<dyn Operator>,
    label: String,
    op_type: String,
    inputs: Vec<Option<usize>>,
    outputs: Vec<Option<usize>>,
    /// Slots read for the last time by this step.
    frees: Vec<usize>,
    /// The activation this step's operator applies itself when no observer watches the run.
    fusion: Option<Fused>,
}

/// A step that applies the activation nodes after it (`super::fusion`).
struct Fused {
    epilogue: Epilogue,
    /// The slot of the last absorbed node's output, which the fused step fills instead.
    output: usize,
    /// Steps (indices into `Plan::steps`) that a fused run skips.
    absorbed: Vec<usize>,
}

pub struct Plan {
    names: Vec<String>,
    slot_of: HashMap<String, usize>,
    /// Initializers, by slot. Borrowed during execution, never copied.
    constants: Vec<(usize, Tensor)>,
    input_names: Vec<String>,
    input_slots: Vec<usize>,
    output_names: Vec<String>,
    output_slots: Vec<usize>,
    /// Slots filled from the enclosing scope when the plan starts (subgraphs only).
    captures: Vec<usize>,
    steps: Vec<Step>,
    /// Steps with a `fusion`.
    fused_steps: usize,
}

/// A value during execution: produced here, or borrowed from the plan or an outer scope.
enum Value<'a> {
    Owned(Tensor),
    Borrowed(&'a Tensor),
}

impl Value<'_> {
    fn get(&self) -> &Tensor {
        match self {
            Value::Owned(t) => t,
            Value::Borrowed(t) => t,
        }
    }
}

/// Called with every value a step produces (name, tensor), in execution order.
pub type Observer<'o> = &'o mut dyn FnMut(&str, &Tensor);

struct Compiler<'r> {
    registry: &'r Registry,
    opsets: &'r Opsets,
}

impl SubgraphCompiler for Compiler<'_> {
    fn compile(&self, graph: &Graph) -> Result<Box<dyn Subgraph>, OpError> {
        let plan = Plan::compile_inner(graph, self.registry, self.opsets, true).map_err(|e| OpError::Subgraph(e.to_string()))?;
        Ok(Box::new(plan))
    }
}

impl Plan {
    /// Compiles a top-level graph: every value it reads must be defined inside it.
    pub fn compile(graph: &Graph, registry: &Registry, opsets: &Opsets) -> Result<Plan, RunError> {
        Plan::compile_inner(graph, registry, opsets, false)
    }

    fn compile_inner(graph: &Graph, registry: &Registry, opsets: &Opsets, allow_captures: bool) -> Result<Plan, RunError> {
        let order = topological_order(graph)?;
        let mut plan = Plan {
            names: Vec::new(),
            slot_of: HashMap::new(),
            constants: Vec::new(),
            input_names: Vec::new(),
            input_slots: Vec::new(),
            output_names: Vec::new(),
            output_slots: Vec::new(),
            captures: Vec::new(),
            steps: Vec::new(),
            fused_steps: 0,
        };
        for init in &graph.initializers {
            let slot = plan.slot(&init.name);
            plan.constants.push((slot, init.tensor.clone()));
        }
        for input in &graph.inputs {
            let slot = plan.slot(&input.name);
            plan.input_names.push(input.name.clone());
            plan.input_slots.push(slot);
        }
        let mut produced: Vec<bool> = vec![true; plan.names.len()];
        if allow_captures {
            for name in free_variables(graph) {
                let slot = plan.slot(&name);
                produced.resize(plan.names.len(), false);
                produced[slot] = true;
                plan.captures.push(slot);
            }
        }
        let compiler = Compiler { registry, opsets };
        // Initializers no feed can replace (ONNX IR < 4 lets a graph input override one).
        let fed: std::collections::HashSet<&str> = graph.inputs.iter().map(|i| i.name.as_str()).collect();
        let constant_values: HashMap<&str, &Tensor> =
            graph.initializers.iter().filter(|i| !fed.contains(i.name.as_str())).map(|i| (i.name.as_str(), &i.tensor)).collect();
        let mut last_read: HashMap<usize, usize> = HashMap::new();
        for (step_index, &node_index) in order.iter().enumerate() {
            let node = &graph.nodes[node_index];
            let mut inputs = Vec::with_capacity(node.inputs.len());
            for name in &node.inputs {
                inputs.push(if name.is_empty() { None } else { plan.lookup_defined(name, &produced, node)? });
            }
            for name in node_reads(node) {
                if let Some(slot) = plan.lookup_defined(&name, &produced, node)? {
                    last_read.insert(slot, step_index);
                }
            }
            let domain = normalize_domain(&node.domain);
            let opset = *opsets
                .get(domain)
                .ok_or_else(|| RunError::MissingOpset { node: node.label(), domain: domain.to_string() })?;
            let build_error = |source| RunError::Build { node: node.label(), op_type: node.op_type.clone(), source };
            let build = registry.lookup(domain, &node.op_type, opset).map_err(build_error)?;
            let constants: Vec<Option<&Tensor>> = node.inputs.iter().map(|name| constant_values.get(name.as_str()).copied()).collect();
            let op = build(&BuildContext { node, opset, subgraphs: &compiler, constants: &constants }).map_err(build_error)?;
            let mut outputs = Vec::with_capacity(node.outputs.len());
            for name in &node.outputs {
                if name.is_empty() {
                    outputs.push(None);
                } else {
                    let slot = plan.slot(name);
                    produced.resize(plan.names.len(), false);
                    produced[slot] = true;
                    outputs.push(Some(slot));
                }
            }
            plan.steps.push(Step { op, label: node.label(), op_type: node.op_type.clone(), inputs, outputs, frees: Vec::new(), fusion: None });
        }
        for output in &graph.outputs {
            let slot = plan.slot(&output.name);
            plan.output_names.push(output.name.clone());
            plan.output_slots.push(slot);
        }
        for c in super::fusion::candidates(graph, &order, &constant_values, opsets.get("").copied()) {
            let step = &plan.steps[c.producer];
            if step.outputs.len() == 1 && step.op.fuses_epilogue() {
                let output = plan.slot_of[&c.output];
                plan.steps[c.producer].fusion = Some(Fused { epilogue: c.epilogue, output, absorbed: c.absorbed });
                plan.fused_steps += 1;
            }
        }
        // A set: a graph may declare many outputs (a scan of `kept` per slot was quadratic).
        let kept: std::collections::HashSet<usize> = plan.output_slots.iter().copied().collect();
        for (slot, step) in last_read {
            if !kept.contains(&slot) {
                plan.steps[step].frees.push(slot);
            }
        }
        Ok(plan)
    }

    fn slot(&mut self, name: &str) -> usize {
        if let Some(&s) = self.slot_of.get(name) {
            return s;
        }
        let s = self.names.len();
        self.names.push(name.to_string());
        self.slot_of.insert(name.to_string(), s);
        s
    }

    fn lookup_defined(&self, name: &str, produced: &[bool], node: &crate::ir::Node) -> Result<Option<usize>, RunError> {
        match self.slot_of.get(name) {
            Some(&s) if produced.get(s).copied().unwrap_or(false) => Ok(Some(s)),
            _ => Err(RunError::UndefinedValue { node: node.label(), value: name.to_string() }),
        }
    }

    pub fn input_names(&self) -> &[String] {
        &self.input_names
    }

    /// Where the initializer (constant of the plan) named `name` is, for [`Plan::constant_at`].
    pub(super) fn constant_index(&self, name: &str) -> Option<usize> {
        let slot = *self.slot_of.get(name)?;
        self.constants.iter().position(|(s, _)| *s == slot)
    }

    pub(super) fn constant_at(&self, index: usize) -> Option<(&str, &Tensor)> {
        self.constants.get(index).map(|(slot, t)| (self.names[*slot].as_str(), t))
    }

    /// Steps that apply the activation after them in unobserved runs (`super::fusion`).
    pub fn fused_steps(&self) -> usize {
        self.fused_steps
    }

    pub fn output_names(&self) -> &[String] {
        &self.output_names
    }

    /// Runs the plan. `feeds` is positional over `input_names()`; `None` uses the initializer
    /// of the same name (ONNX IR < 4 lets initializers be overridable inputs).
    pub fn execute(
        &self,
        feeds: Vec<Option<Tensor>>,
        outer: &dyn Scope,
        mut observer: Option<Observer>,
    ) -> Result<Vec<Tensor>, RunError> {
        if feeds.len() != self.input_slots.len() {
            return Err(RunError::SubgraphArity { want: self.input_slots.len(), got: feeds.len() });
        }
        let mut env: Vec<Option<Value>> = Vec::with_capacity(self.names.len());
        env.resize_with(self.names.len(), || None);
        for (slot, tensor) in &self.constants {
            env[*slot] = Some(Value::Borrowed(tensor));
        }
        for &slot in &self.captures {
            let name = &self.names[slot];
            let t = outer
                .lookup(name)
                .ok_or_else(|| RunError::UndefinedValue { node: "(subgraph)".into(), value: name.clone() })?;
            env[slot] = Some(Value::Borrowed(t));
        }
        for (feed, (&slot, name)) in feeds.into_iter().zip(self.input_slots.iter().zip(&self.input_names)) {
            match feed {
                Some(t) => env[slot] = Some(Value::Owned(t)),
                None if env[slot].is_some() => {}
                None => return Err(RunError::MissingInput { name: name.clone(), want: "a value".into() }),
            }
        }
        // Fused activations only when nobody watches: observers see every node's output.
        let fuse = observer.is_none() && self.fused_steps > 0;
        let mut absorbed = vec![false; if fuse { self.steps.len() } else { 0 }];
        for (index, step) in self.steps.iter().enumerate() {
            if absorbed.get(index).copied().unwrap_or(false) {
                free(&mut env, &step.frees);
                continue;
            }
            let fusion = step.fusion.as_ref().filter(|_| fuse);
            let (outputs, fused) = {
                let inputs: Vec<Option<&Tensor>> =
                    step.inputs.iter().map(|s| s.and_then(|s| env[s].as_ref().map(Value::get))).collect();
                let scope = EnvScope { plan: self, env: &env, outer };
                let ctx = ExecContext { scope: &scope };
                let (result, fused) = match fusion.and_then(|f| step.op.run_fused(&inputs, &ctx, &f.epilogue).map(|r| (r, f))) {
                    Some((result, f)) => (result, Some(f)),
                    None => (step.op.run(&inputs, &ctx), None),
                };
                let outputs =
                    result.map_err(|source| RunError::Node { node: step.label.clone(), op_type: step.op_type.clone(), source })?;
                (outputs, fused)
            };
            if let Some(f) = fused {
                let Some(tensor) = outputs.into_iter().next() else {
                    return Err(RunError::OutputCount { node: step.label.clone(), op_type: step.op_type.clone(), got: 0, want: 1 });
                };
                env[f.output] = Some(Value::Owned(tensor));
                f.absorbed.iter().for_each(|&a| absorbed[a] = true);
                free(&mut env, &step.frees);
                continue;
            }
            let wanted = step.outputs.iter().rposition(Option::is_some).map_or(0, |i| i + 1);
            if outputs.len() < wanted {
                return Err(RunError::OutputCount {
                    node: step.label.clone(),
                    op_type: step.op_type.clone(),
                    got: outputs.len(),
                    want: wanted,
                });
            }
            for (tensor, slot) in outputs.into_iter().zip(&step.outputs) {
                if let Some(slot) = *slot {
                    if let Some(obs) = observer.as_mut() {
                        obs(&self.names[slot], &tensor);
                    }
                    env[slot] = Some(Value::Owned(tensor));
                }
            }
            free(&mut env, &step.frees);
        }
        let mut results = Vec::with_capacity(self.output_slots.len());
        for (i, (&slot, name)) in self.output_slots.iter().zip(&self.output_names).enumerate() {
            // The same value may be listed as several outputs: move it out only at its last listing.
            let listed_again = self.output_slots[i + 1..].contains(&slot);
            let tensor = match (&env[slot], listed_again) {
                (Some(Value::Owned(_)), false) => match env[slot].take() {
                    Some(Value::Owned(t)) => t,
                    _ => unreachable!("checked just above"),
                },
                (Some(v), _) => v.get().clone(),
                (None, _) => outer.lookup(name).cloned().ok_or_else(|| RunError::MissingOutput(name.clone()))?,
            };
            results.push(tensor);
        }
        Ok(results)
    }
}

impl Subgraph for Plan {
    fn input_names(&self) -> &[String] {
        &self.input_names
    }
    fn output_names(&self) -> &[String] {
        &self.output_names
    }
    fn run(&self, inputs: Vec<Tensor>, outer: &dyn Scope) -> Result<Vec<Tensor>, OpError> {
        self.execute(inputs.into_iter().map(Some).collect(), outer, None).map_err(|e| OpError::Subgraph(e.to_string()))
    }
}

/// Drops the values in `slots` that the plan owns (borrowed constants stay).
fn free(env: &mut [Option<Value>], slots: &[usize]) {
    for &slot in slots {
        if matches!(env[slot], Some(Value::Owned(_))) {
            env[slot] = None;
        }
    }
}

/// The values visible at a step: this plan's live slots, then the enclosing scopes.
struct EnvScope<'a, 'v> {
    plan: &'a Plan,
    env: &'a [Option<Value<'v>>],
    outer: &'a dyn Scope,
}

impl Scope for EnvScope<'_, '_> {
    fn lookup(&self, name: &str) -> Option<&Tensor> {
        match self.plan.slot_of.get(name).and_then(|&s| self.env.get(s)).and_then(Option::as_ref) {
            Some(v) => Some(v.get()),
            None => self.outer.lookup(name),
        }
    }
}
