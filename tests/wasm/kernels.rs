//! The SIMD twins against their scalar oracles, where the twins exist: under wasm (Node and
//! headless Chromium, `make test-wasm`) `pare::kernels::twins` lists the SIMD128 kernels, and
//! in the second build (`+relaxed-simd`) the relaxed INT8 GEMM too, and the entry points
//! dispatch to them. Natively only the scalar twins and the dispatch are compared (the same
//! suite runs as unit tests in `crates/pare-kernels/src/twin_tests.rs`).
//!
//! The bodies live in `pare::kernels::testing::suite` (sizes around every tile and cache
//! block, random shapes from a seeded generator): integer and binary results must be
//! bit-identical, f32 within 1e-6 relative.

use pare::kernels::testing::suite;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn int8_gemm_twins_are_bit_identical_around_the_tiles() {
    suite::int8_gemm_twins_are_bit_identical_around_the_tiles();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn int8_gemm_twins_are_bit_identical_on_random_and_blocked_shapes() {
    suite::int8_gemm_twins_are_bit_identical_on_random_and_blocked_shapes();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn int8_gemm_twins_report_short_slices() {
    suite::int8_gemm_twins_report_short_slices();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn f32_gemm_twins_agree_around_the_tiles_and_blocks() {
    suite::f32_gemm_twins_agree_around_the_tiles_and_blocks();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn binary_gemm_twins_are_bit_identical() {
    suite::binary_gemm_twins_are_bit_identical();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn ternary_gemm_twins_are_bit_identical() {
    suite::ternary_gemm_twins_are_bit_identical();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn requantize_twins_are_bit_identical() {
    suite::requantize_twins_are_bit_identical();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn sigmoid_twins_agree_with_libm_over_the_whole_range() {
    suite::sigmoid_twins_agree_with_libm_over_the_whole_range();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn sigmoid_of_a_value_does_not_depend_on_its_position() {
    suite::sigmoid_of_a_value_does_not_depend_on_its_position();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn depthwise_twins_are_bit_identical_over_strides_dilations_and_pads() {
    suite::depthwise_twins_are_bit_identical_over_strides_dilations_and_pads();
}

/// The SIMD builds really list (and so check) their SIMD twins.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[wasm_bindgen_test]
fn the_simd_builds_compare_their_simd_twins() {
    use pare::kernels::twins;
    let names = |list: Vec<&'static str>| list.join(", ");
    let f32_names = names(twins::gemm_f32().iter().map(|t| t.name).collect());
    assert!(f32_names.contains("gemm_f32_6x8_simd128"), "{f32_names}");
    let i8_names = names(twins::gemm_i8::<u8, i8>().iter().map(|t| t.name).collect());
    assert!(i8_names.contains("gemm_i8_4x16c2_simd128"), "{i8_names}");
    #[cfg(target_feature = "relaxed-simd")]
    assert!(i8_names.contains("gemm_i8_4x8c4_split_relaxed"), "{i8_names}");
    assert!(twins::gemm_binary().iter().any(|t| t.name == "gemm_binary_2x4_simd128"));
    assert!(twins::sigmoid_f32().iter().any(|t| t.name == "sigmoid_f32_simd128"));
}
