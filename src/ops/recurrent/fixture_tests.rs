//! Replays the fixtures in `testdata/cases` (made by `testdata/make_fixtures.py` with
//! onnxruntime): every direction, layout, optional input and output, activation and flag
//! the ONNX node tests leave uncovered.

use std::path::{Path, PathBuf};

use crate::ir::Tensor;
use crate::onnx::{decode_model, decode_tensor};
use crate::runtime::Session;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ops/recurrent/testdata/cases")
}

/// |got − want| ≤ 1e-5 + 1e-3·|want| elementwise (float16 cases: the ONNX backend tolerance).
fn assert_close(case: &str, output: usize, got: &Tensor, want: &Tensor) {
    assert_eq!(got.type_name(), want.type_name(), "{case}: output {output} type");
    assert_eq!(got.shape(), want.shape(), "{case}: output {output} shape");
    let (a, b) = (got.to_f64_vec().unwrap(), want.to_f64_vec().unwrap());
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert!((x - y).abs() <= 1e-5 + 1e-3 * y.abs(), "{case}: output {output} element {i}: got {x}, want {y}");
    }
}

#[test]
fn recurrent_layers_match_onnxruntime_on_every_fixture() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cases_dir()).unwrap().map(|e| e.unwrap().path()).collect();
    dirs.sort();
    assert!(dirs.len() > 40, "fixtures missing: run testdata/make_fixtures.py");
    for dir in dirs {
        let case = dir.file_name().unwrap().to_string_lossy().to_string();
        let model = decode_model(&std::fs::read(dir.join("model.onnx")).unwrap()).unwrap();
        let session = Session::new(&model).unwrap_or_else(|e| panic!("{case}: {e}"));
        let data = dir.join("test_data_set_0");
        let feeds: Vec<(String, Tensor)> = (0..)
            .map(|i| data.join(format!("input_{i}.pb")))
            .take_while(|p| p.exists())
            .map(|p| decode_tensor(&std::fs::read(p).unwrap()).unwrap())
            .collect();
        let outputs = session.run(feeds).unwrap_or_else(|e| panic!("{case}: {e}"));
        for (i, (_, got)) in outputs.iter().enumerate() {
            let (_, want) = decode_tensor(&std::fs::read(data.join(format!("output_{i}.pb"))).unwrap()).unwrap();
            assert_close(&case, i, got, &want);
        }
    }
}
