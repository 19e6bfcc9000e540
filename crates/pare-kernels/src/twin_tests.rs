//! The twin checks of [`testing::suite`](super::testing::suite) as native tests: here the
//! twins are the scalar kernels (the packed INT8 GEMMs against `gemm_i8_reference`, every
//! oracle against its per-value rule) and the dispatch; `tests/wasm/kernels.rs` runs the same
//! suite under wasm, where the SIMD twins join.

use super::testing::suite;

#[test]
fn int8_gemm_twins_are_bit_identical_around_the_tiles() {
    suite::int8_gemm_twins_are_bit_identical_around_the_tiles();
}

#[test]
fn int8_gemm_twins_are_bit_identical_on_random_and_blocked_shapes() {
    suite::int8_gemm_twins_are_bit_identical_on_random_and_blocked_shapes();
}

#[test]
fn int8_gemm_twins_report_short_slices() {
    suite::int8_gemm_twins_report_short_slices();
}

#[test]
fn f32_gemm_twins_agree_around_the_tiles_and_blocks() {
    suite::f32_gemm_twins_agree_around_the_tiles_and_blocks();
}

#[test]
fn binary_gemm_twins_are_bit_identical() {
    suite::binary_gemm_twins_are_bit_identical();
}

#[test]
fn ternary_gemm_twins_are_bit_identical() {
    suite::ternary_gemm_twins_are_bit_identical();
}

#[test]
fn requantize_twins_are_bit_identical() {
    suite::requantize_twins_are_bit_identical();
}

#[test]
fn sigmoid_twins_agree_with_libm_over_the_whole_range() {
    suite::sigmoid_twins_agree_with_libm_over_the_whole_range();
}

#[test]
fn sigmoid_of_a_value_does_not_depend_on_its_position() {
    suite::sigmoid_of_a_value_does_not_depend_on_its_position();
}

#[test]
fn max_pool_twins_are_bit_identical() {
    suite::max_pool_twins_are_bit_identical();
}

#[test]
fn depthwise_twins_are_bit_identical_over_strides_dilations_and_pads() {
    suite::depthwise_twins_are_bit_identical_over_strides_dilations_and_pads();
}
