//! Tensor layout and indexing ops: Reshape, Transpose, Concat, Split, Slice, Gather, Pad, Shape, constants, Range…

use super::Registry;


pub fn register(r: &mut Registry) {
    let _ = r;
}
