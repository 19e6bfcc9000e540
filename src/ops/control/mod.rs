//! Control flow: If, Loop and Scan (opsets 8 and 9+). Bodies and branches are compiled once
//! through `BuildContext::compile_subgraph` and run inside the scope the node sees.

use super::Registry;

mod if_op;
mod loop_op;
mod scan;
mod scan8;
mod tensors;

pub fn register(r: &mut Registry) {
    if_op::register(r);
    loop_op::register(r);
    scan::register(r);
}

#[cfg(test)]
mod tests;
