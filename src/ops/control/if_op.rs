//! If — ONNX opsets 1–24 (all versions; tensor-valued branches only: pare has no sequence
//! or optional values). Input `cond` (one bool); attributes `then_branch`, `else_branch`.
//!
//! Both branches are compiled once, when the model is prepared. A branch takes no inputs
//! and reads what it needs from the enclosing graphs; the chosen one runs inside the
//! scope the If node sees, and its outputs become the node's outputs.

use crate::ir::{Graph, Node, Tensor};
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry, Subgraph};

use super::tensors::read_condition;

pub fn register(r: &mut Registry) {
    r.add("", "If", 1..=crate::ops::MAX_OPSET, build_if);
}

struct If {
    then_branch: Box<dyn Subgraph>,
    else_branch: Box<dyn Subgraph>,
}

fn branch<'g>(node: &'g Node, name: &str) -> Result<&'g Graph, OpError> {
    let graph = node.attr_graph(name)?.ok_or_else(|| OpError::attribute(name, "is required"))?;
    if !graph.inputs.is_empty() {
        return Err(OpError::attribute(
            name,
            format!("a branch takes no inputs, this one declares {}", graph.inputs.len()),
        ));
    }
    if graph.outputs.len() < node.outputs.len() {
        return Err(OpError::attribute(
            name,
            format!("has {} output(s) but the If node has {}", graph.outputs.len(), node.outputs.len()),
        ));
    }
    Ok(graph)
}

fn build_if(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let then_graph = branch(ctx.node, "then_branch")?;
    let else_graph = branch(ctx.node, "else_branch")?;
    if then_graph.outputs.len() != else_graph.outputs.len() {
        return Err(OpError::invalid(format!(
            "then_branch has {} output(s) but else_branch has {}; they must match",
            then_graph.outputs.len(),
            else_graph.outputs.len()
        )));
    }
    let op = If { then_branch: ctx.compile_subgraph(then_graph)?, else_branch: ctx.compile_subgraph(else_graph)? };
    Ok(Box::new(op))
}

impl Operator for If {
    fn run(&self, inputs: &[Option<&Tensor>], ctx: &ExecContext) -> Result<Vec<Tensor>, OpError> {
        let cond = read_condition(required(inputs, 0, "cond")?, "cond")?;
        let (branch, name) = if cond { (&self.then_branch, "then_branch") } else { (&self.else_branch, "else_branch") };
        branch.run(Vec::new(), ctx.scope).map_err(|e| OpError::Subgraph(format!("{name}: {e}")))
    }
}
