//! Real pretrained models from PyPI packages (OCR detectors and recognizers, a YOLOv8n
//! detector; see tests/python/wild_reference.py) run in pare and match onnxruntime:
//! |pare − ort| ≤ 1e-3 · max(max|ort| over the element's channel, 0.01), where a channel is a slice
//! along the axis on which the output concatenates quantities of different scales (a detector's
//! boxes in pixels next to its scores in [0, 1]); and the largest difference stays near the one
//! README.md quotes. A model using an onnxruntime-only contrib op must be refused with a message
//! that names the op.
//!
//! Why 1e-3 of the channel's magnitude: pare and onnxruntime sum in different orders (GEMM
//! tiles, Winograd-free direct convolutions), and f32 summation of K terms moves a result by up
//! to ~K·2⁻²⁴ of the sum of the terms' magnitudes; over tens of layers with K up to a few thousand,
//! and exp/sigmoid amplifying a logit's error, that bounds the relative error well under 1e-3
//! while a wrong op (a missing bias, a transposed weight, a wrong activation) moves outputs by
//! their own magnitude. The 0.01 floor is for near-zero channels (scores of a detector on noise).

use std::time::Instant;

use pare::onnx::decode_model;

use crate::common::{Tolerance, python_script, read, repo_root, run_data_sets};

/// Per model: the output axis along which channels of different scales are concatenated (None:
/// one scale, the whole output), and the largest |pare − onnxruntime| README.md quotes.
fn expected(name: &str) -> (Option<usize>, f64) {
    match name {
        // [1, 3549, 6]: x, y, w, h in pixels (up to ~416), objectness and class score in [0, 1].
        "ddddocr_det" => (Some(2), 4.6e-6),
        "ddddocr_ocr" => (None, 2.3e-5),
        // [1, 1, H, W] probability map, [1, T, 6625] softmax over characters, [1, 2] softmax.
        "ppocr_v4_det" => (None, 1.2e-7),
        "ppocr_v4_rec" => (None, 8.2e-6),
        // Measured 7.2e-7 on an AVX-512 machine and 1.8e-7 on an AVX2 one (2026-12-07): onnxruntime's
        // kernels differ by CPU; their geometric mean keeps both within README_DRIFT.
        "ppocr_mobile_cls" => (None, 3.6e-7),
        // [1, 22, 2100]: rows 0–3 box centre and size in pixels (up to ~320), rows 4–21 the 18
        // class scores in [0, 1].
        "nudenet_320n" => (Some(1), 1.2e-4),
        _ => panic!("{name}: no expectation; add it here and to README.md's table"),
    }
}

/// How far the measured largest difference may drift from README.md's figure before the test asks
/// for the README to be updated: a factor 4 either way. Summation order (a kernel's tile size) moves
/// the last bits, and so the maximum, by small factors; an order of magnitude is a real change.
const README_DRIFT: f64 = 4.0;

#[test]
fn pretrained_models_from_pypi_packages_match_onnxruntime() {
    let out = repo_root().join("target/wild");
    let status = python_script("wild_reference.py").arg(&out).status().unwrap_or_else(|e| panic!("cannot run wild_reference.py: {e}"));
    assert!(status.success(), "wild_reference.py failed");

    let mut dirs: Vec<_> = std::fs::read_dir(&out).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    assert!(dirs.len() >= 7, "expected 7 models from ddddocr, rapidocr-onnxruntime and nudenet; found {}", dirs.len());
    let mut failures = Vec::new();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let model_path = std::fs::read_to_string(dir.join("model.path")).unwrap();
        let started = Instant::now();
        let model = match decode_model(&read(model_path.trim().as_ref())) {
            Ok(m) => m,
            Err(e) => {
                failures.push(format!("{name}: decode: {e}"));
                continue;
            }
        };
        let tolerance = match name.as_str() {
            "ddddocr_ocr_quantized" => Tolerance::RelativeToMax(1e-3),
            other => match expected(other).0 {
                Some(axis) => Tolerance::RelativeToChannelMax { axis, r: 1e-3 },
                None => Tolerance::RelativeToMax(1e-3),
            },
        };
        let outcome = run_data_sets(&model, &dir, tolerance);
        let seconds = started.elapsed().as_secs_f64();
        if name == "ddddocr_ocr_quantized" {
            // Uses com.microsoft DynamicQuantizeLSTM, which only onnxruntime implements.
            match outcome {
                Err(e) if e.contains("DynamicQuantizeLSTM") && e.contains("not supported") => {
                    println!("{name}: refused as expected: {e}")
                }
                other => failures.push(format!("{name}: expected a clear refusal naming DynamicQuantizeLSTM, got {other:?}")),
            }
            continue;
        }
        match outcome {
            Ok(worst) => {
                println!("{name}: max abs diff vs onnxruntime {worst:.3e} ({seconds:.2} s incl. load, debug-or-release build)");
                let quoted = expected(&name).1;
                if !(quoted / README_DRIFT..=quoted * README_DRIFT).contains(&worst) {
                    failures.push(format!("{name}: max abs diff {worst:.1e} but README.md quotes {quoted:.1e}: update the README table and `expected`"));
                }
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The discrimination guard of the check above: on an output shaped like NudeNet's (rows 0–3 box
/// coordinates up to 320, rows 4–21 scores in [0, 1]), scores off by 0.01 pass one scale for the
/// whole tensor (1e-3 · 320 = 0.32 allowed) but fail the per-channel one, and the float noise of a
/// different summation order (1e-6 relative) passes both.
#[test]
fn per_channel_tolerance_catches_score_errors_that_one_scale_for_the_tensor_hides() {
    use pare::ir::Tensor;

    use crate::common::compare;
    let (rows, anchors) = (22, 50);
    let want: Vec<f32> = (0..rows * anchors)
        .map(|i| if i / anchors < 4 { 320.0 * ((i % anchors) as f32 + 1.0) / anchors as f32 } else { ((i * 37) % 100) as f32 / 100.0 })
        .collect();
    let scores_off: Vec<f32> = want.iter().enumerate().map(|(i, v)| if i / anchors >= 4 { v + 0.01 } else { *v }).collect();
    let noise: Vec<f32> = want.iter().map(|v| v * (1.0 + 1e-6)).collect();
    let tensor = |v: Vec<f32>| Tensor::from_vec(&[1, rows, anchors], v).unwrap();
    let per_channel = Tolerance::RelativeToChannelMax { axis: 1, r: 1e-3 };
    assert!(compare(&tensor(scores_off.clone()), &tensor(want.clone()), Tolerance::RelativeToMax(1e-3)).is_ok(), "one scale hides it");
    let err = compare(&tensor(scores_off), &tensor(want.clone()), per_channel).expect_err("scores off by 0.01 must fail per channel");
    assert!(err.starts_with(&format!("element {}:", 4 * anchors)), "the first score: {err}");
    assert!(compare(&tensor(noise), &tensor(want), per_channel).is_ok());
}
