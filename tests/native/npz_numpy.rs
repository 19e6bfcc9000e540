//! .npz files written by pare (`pare::npz`, stored and deflated) load in numpy with the same
//! names, dtypes, shapes and values, in order (the reading side is tested on numpy's own files
//! in src/npz/tests.rs).

use pare::ir::Tensor;
use pare::npz::{write_npz, write_npz_compressed};

use crate::common::{repo_root, venv_python};

const CHECK: &str = r#"
import sys, numpy as np
for path in sys.argv[1:]:
    with np.load(path) as f:
        assert list(f.keys()) == ["images", "labels", "höhe", "empty"], list(f.keys())
        images = f["images"]
        assert images.dtype == np.float32 and images.shape == (2, 1, 3, 3)
        assert np.array_equal(images, (np.arange(18, dtype=np.float32).reshape(2, 1, 3, 3) - 8) / 4)
        assert f["labels"].dtype == np.int64 and f["labels"].tolist() == [3, 7]
        assert f["höhe"].dtype == np.float64 and f["höhe"].shape == () and f["höhe"] == 2.5
        assert f["empty"].dtype == np.uint8 and f["empty"].shape == (0, 4)
print("ok")
"#;

#[test]
fn numpy_loads_what_pare_writes() {
    let arrays = vec![
        (
            "images".to_string(),
            Tensor::from_vec(&[2, 1, 3, 3], (0..18).map(|v| (v as f32 - 8.0) / 4.0).collect()).unwrap(),
        ),
        ("labels".to_string(), Tensor::from_vec(&[2], vec![3i64, 7]).unwrap()),
        ("höhe".to_string(), Tensor::scalar(2.5f64)),
        ("empty".to_string(), Tensor::zeros::<u8>(&[0, 4]).unwrap()),
    ];
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("npz_numpy");
    std::fs::create_dir_all(&dir).unwrap();
    let (stored, deflated) = (dir.join("stored.npz"), dir.join("deflated.npz"));
    std::fs::write(&stored, write_npz(&arrays).unwrap()).unwrap();
    std::fs::write(&deflated, write_npz_compressed(&arrays).unwrap()).unwrap();
    let python = venv_python();
    let out = std::process::Command::new(&python)
        .current_dir(repo_root())
        .args(["-c", CHECK])
        .arg(&stored)
        .arg(&deflated)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "numpy could not read pare's .npz: {stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
}
