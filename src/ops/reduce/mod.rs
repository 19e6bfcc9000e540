//! Reductions and selection: Reduce*, ArgMax/ArgMin, TopK; and Resize/Upsample.

use super::Registry;

mod arg_extreme;
mod fold;
mod layout;
mod numeric;
mod reductions;
mod resize;
mod top_k;

pub fn register(r: &mut Registry) {
    reductions::register(r);
    arg_extreme::register(r);
    top_k::register(r);
    resize::register(r);
}
