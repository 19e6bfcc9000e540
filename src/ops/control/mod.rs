//! Control flow: If, Loop (and Scan), running subgraphs through `BuildContext::compile_subgraph`.

use super::Registry;


pub fn register(r: &mut Registry) {
    let _ = r;
}
