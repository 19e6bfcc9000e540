//! What an operator sees: at build time the node and its opset (plus a way to compile
//! subgraphs), at run time the enclosing scope (for subgraphs that read outer values).
//!
//! `ops` cannot depend on `runtime`, so the runtime hands control-flow ops these traits.

use super::epilogue::Epilogue;
use super::error::OpError;
use crate::ir::{Graph, Node, Tensor};

/// An executable operator built from one node. Inputs are positional; `None` marks an
/// omitted optional input. It returns its outputs in order; trailing optional outputs the
/// node does not name may be left out.
pub trait Operator: Send + Sync {
    fn run(&self, inputs: &[Option<&Tensor>], ctx: &ExecContext) -> Result<Vec<Tensor>, OpError>;

    /// True when [`Operator::run_fused`] may apply an epilogue (the plan fuses only then).
    fn fuses_epilogue(&self) -> bool {
        false
    }

    /// `run` with `epilogue` applied to output 0 (the only output), bit for bit what the
    /// activation node would compute; `None` when it cannot here (another dtype, say), and the
    /// plan then runs `run` and the activation's nodes as written.
    fn run_fused(&self, _inputs: &[Option<&Tensor>], _ctx: &ExecContext, _epilogue: &Epilogue) -> Option<Result<Vec<Tensor>, OpError>> {
        None
    }
}

/// Closures are operators: `Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| { … })`.
impl<F> Operator for F
where
    F: Fn(&[Option<&Tensor>], &ExecContext) -> Result<Vec<Tensor>, OpError> + Send + Sync,
{
    fn run(&self, inputs: &[Option<&Tensor>], ctx: &ExecContext) -> Result<Vec<Tensor>, OpError> {
        self(inputs, ctx)
    }
}

/// Looks up values by name in the graph being executed and, failing that, its enclosing graphs.
pub trait Scope {
    fn lookup(&self, name: &str) -> Option<&Tensor>;
}

/// A scope with nothing in it (top-level graphs).
pub struct EmptyScope;
impl Scope for EmptyScope {
    fn lookup(&self, _name: &str) -> Option<&Tensor> {
        None
    }
}

/// A compiled subgraph, runnable with positional inputs inside an outer scope.
pub trait Subgraph: Send + Sync {
    fn input_names(&self) -> &[String];
    fn output_names(&self) -> &[String];
    fn run(&self, inputs: Vec<Tensor>, outer: &dyn Scope) -> Result<Vec<Tensor>, OpError>;
}

/// Compiles subgraphs with the same registry and opsets as the enclosing model.
pub trait SubgraphCompiler {
    fn compile(&self, graph: &Graph) -> Result<Box<dyn Subgraph>, OpError>;
}

/// Everything a builder may consult.
pub struct BuildContext<'a> {
    pub node: &'a Node,
    /// The opset version imported for the node's domain.
    pub opset: i64,
    pub subgraphs: &'a dyn SubgraphCompiler,
    /// The node's inputs that stay the same for the plan's whole life (initializers that no
    /// feed can replace), by position; shorter than the inputs (or empty) where unknown.
    /// Builders may prepare them once (weights packed for the kernels) but must still accept
    /// whatever arrives at run time.
    pub constants: &'a [Option<&'a Tensor>],
}

impl BuildContext<'_> {
    /// Input `index` when it is a constant of the plan (see [`BuildContext::constants`]).
    pub fn constant_input(&self, index: usize) -> Option<&Tensor> {
        self.constants.get(index).copied().flatten()
    }

    pub fn compile_subgraph(&self, graph: &Graph) -> Result<Box<dyn Subgraph>, OpError> {
        self.subgraphs.compile(graph)
    }
}

/// Run-time context: the scope visible at this node (for subgraph bodies).
pub struct ExecContext<'a> {
    pub scope: &'a dyn Scope,
}
