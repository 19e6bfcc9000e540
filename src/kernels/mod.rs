//! Hot loops on slices, free of IR types. `scalar` is the reference (the test oracle);
//! SIMD twins mirror it file for file and are declared here, the only place that
//! mentions `cfg(target_feature)`.

pub mod scalar;
