//! Tensor layout and indexing ops: Reshape, Transpose, Concat, Split, Slice, Gather, Pad, Shape, constants, Range…
//!
//! They move data without computing with it, so they are written once, generically over the
//! element type (`map_tensor!`), and work for every dtype including strings and bool. Sizes
//! that come from the model go through `alloc` (checked, fallible allocation); indices are
//! validated before use.

use super::Registry;

mod alloc;
mod args;
mod axis_map;
mod common;
mod mt19937;
mod numeric;
mod permute;
mod scatter;

mod concat;
mod constant;
mod constant_of_shape;
mod cumsum;
mod depth_space;
mod dropout;
mod expand;
mod eye_like;
mod flatten;
mod gather;
mod gather_elements;
mod gather_nd;
mod identity;
mod nonzero;
mod onehot;
mod pad;
mod range;
mod reshape;
mod scatter_elements;
mod scatter_nd;
mod shape_of;
mod slice;
mod split;
mod squeeze;
mod tile;
mod transpose;
mod trilu;

pub fn register(r: &mut Registry) {
    concat::register(r);
    constant::register(r);
    constant_of_shape::register(r);
    cumsum::register(r);
    depth_space::register(r);
    dropout::register(r);
    expand::register(r);
    eye_like::register(r);
    flatten::register(r);
    gather::register(r);
    gather_elements::register(r);
    gather_nd::register(r);
    identity::register(r);
    nonzero::register(r);
    onehot::register(r);
    pad::register(r);
    range::register(r);
    reshape::register(r);
    scatter_elements::register(r);
    scatter_nd::register(r);
    shape_of::register(r);
    slice::register(r);
    split::register(r);
    squeeze::register(r);
    tile::register(r);
    transpose::register(r);
    trilu::register(r);
}

#[cfg(test)]
mod limits_tests;
