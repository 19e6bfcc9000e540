//! Helpers shared by op implementations: input access, broadcasting, axis handling.

pub mod axes;
pub mod broadcast;
pub mod float;
pub mod inputs;
pub mod map;

pub use axes::{normalize_axes, normalize_axis};
pub use broadcast::{arith_map_f32, binary_map, broadcast_all, broadcast_shapes};
pub use inputs::{optional, required};
pub use map::map_values;
