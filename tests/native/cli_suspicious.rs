//! Suspicious data (issue 17, finding 8): NaN or infinite weights and calibration samples give
//! a warning on stderr and in the report (the job still runs, ranges leave them out); IR
//! versions outside 3–13 are refused with a message.

use pare::ir::Tensor;
use pare::onnx::{decode_model, encode_model};

use crate::common::cli::{assert_fails, pare_mixed as pare, stderr, workdir};
use crate::common::mnist_cnn::fixture;

#[test]
fn nan_and_infinite_weights_and_samples_are_warned_about() {
    let dir = workdir("cli_suspicious", "non_finite");
    let mut model = decode_model(&std::fs::read(fixture("model.onnx")).unwrap()).unwrap();
    let weight = model.graph.initializers.iter_mut().find(|i| matches!(i.tensor, Tensor::F32(_)) && i.tensor.len() > 2).unwrap();
    let name = weight.name.clone();
    if let Tensor::F32(a) = &mut weight.tensor {
        let values = a.as_slice_mut().unwrap();
        (values[0], values[1]) = (f32::NAN, f32::INFINITY);
    }
    let broken = dir.join("broken.onnx");
    std::fs::write(&broken, encode_model(&model)).unwrap();
    let mut pixels = vec![0.5f32; 2 * 784];
    pixels[7] = f32::NAN;
    let calib = dir.join("calib.npz");
    let image = Tensor::from_vec(&[2, 1, 1, 28, 28], pixels).unwrap();
    std::fs::write(&calib, pare::npz::write_npz(&[("image".to_string(), image)]).unwrap()).unwrap();
    let (out, report) = (dir.join("out.onnx"), dir.join("report.json"));
    let o = pare(&[&"compress", &broken, &"-o", &out, &"--quantize", &"int8", &"--calib", &calib, &"--no-compare", &"--report", &report]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let weights_warning = format!("pare: warning: the model's weights hold NaN or infinite values: `{name}` (1 NaN, 1 infinite of");
    assert!(err.contains(&weights_warning), "{err}");
    assert!(err.contains("pare: warning: the calibration samples hold NaN or infinite values: input `image` (1 NaN, 0 infinite of 1568 values)"), "{err}");
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["warnings"].as_array().unwrap().len(), 2, "{r}");
    // The original model: no warning.
    let o = pare(&[&"compress", &fixture("model.onnx"), &"-o", &out, &"--quantize", &"int8", &"--calib-random", &"2", &"--no-compare"]);
    assert!(!stderr(&o).contains("NaN"), "{}", stderr(&o));
}

#[test]
fn ir_versions_outside_the_supported_range_are_refused() {
    let dir = workdir("cli_suspicious", "ir_versions");
    let mut model = decode_model(&std::fs::read(fixture("model.onnx")).unwrap()).unwrap();
    for (version, accepted) in [(1, false), (2, false), (3, true), (13, true), (14, false), (-1, false)] {
        model.ir_version = version;
        let path = dir.join(format!("ir{version}.onnx"));
        std::fs::write(&path, encode_model(&model)).unwrap();
        let o = pare(&[&"inspect", &path, &"--no-run"]);
        if accepted {
            assert!(o.status.success(), "IR {version}: {}", stderr(&o));
        } else {
            let err = assert_fails(&o, 1);
            assert!(err.contains(&format!("error[invalid-model]: `{}`: IR version {version} is not supported: pare reads IR versions 3 to 13", path.display())), "{err}");
        }
    }
}
