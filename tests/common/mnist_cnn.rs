//! The MNIST CNN fixture of tests/fixtures/mnist_cnn (trained on real digits by the script
//! there): the model, its 200 calibration and 1,000 held-out digits as the model's float input,
//! the held-out labels, and top-1 accuracy.

use std::path::PathBuf;

use pare::ir::{Model, Tensor};
use pare::npy::read_npy;
use pare::onnx::decode_model;
use pare::runtime::{Dataset, Session};

use super::{read, repo_root};

/// A file of the fixture folder.
pub fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests/fixtures/mnist_cnn").join(name)
}

pub fn mnist() -> Model {
    decode_model(&read(&fixture("model.onnx"))).unwrap()
}

/// A `.npy` file of the fixture folder, as stored.
pub fn npy(name: &str) -> Tensor {
    read_npy(&read(&fixture(name))).unwrap()
}

/// uint8 pixels [N, 28, 28] or [N, 1, 28, 28] (`calib_pixels.npy`, `heldout_pixels.npy`) → the
/// model's float input [N, 1, 28, 28] (÷ 255).
pub fn pixels(name: &str) -> Tensor {
    first_pixels(name, usize::MAX)
}

/// The first `count` digits of [`pixels`] (all of them if there are fewer).
pub fn first_pixels(name: &str, count: usize) -> Tensor {
    let Tensor::U8(a) = npy(name) else { panic!("{name}: uint8 pixels expected") };
    let n = a.shape()[0].min(count);
    Tensor::from_vec(&[n, 1, 28, 28], a.iter().take(n * 784).map(|&p| f32::from(p) / 255.0).collect()).unwrap()
}

/// The labels of the held-out digits.
pub fn heldout_labels() -> Vec<i64> {
    npy("heldout_labels.npy").to_i64_vec().unwrap()
}

/// The 200 calibration digits as a dataset for the model's input `image`.
pub fn calibration() -> Dataset {
    let inputs = Session::new(&mnist()).unwrap().inputs().to_vec();
    Dataset::from_stacked(vec![("image".into(), pixels("calib_pixels.npy"))], &inputs).unwrap()
}

/// Top-1 accuracy of `model` on `images` (fed as `image`) against `labels`.
pub fn accuracy(model: &Model, images: &Tensor, labels: &[i64]) -> f64 {
    let out = Session::new(model).unwrap().run(vec![("image".into(), images.clone())]).unwrap();
    let Tensor::F32(logits) = &out[0].1 else { panic!("float logits expected") };
    let rows = logits.outer_iter().map(|row| row.iter().copied().collect::<Vec<f32>>());
    let correct = rows.zip(labels).filter(|(row, label)| super::argmax(row) as i64 == **label).count();
    correct as f64 / labels.len() as f64
}
