//! Threads change nothing but time: the MNIST CNN of tests/fixtures/mnist_cnn on its 1,000
//! held-out digits as one batch (fc1 is then a 1000×784 by 784×64 GEMM, which the kernels
//! split over threads), float and statically quantized to INT8 (calibration runs the model on
//! 200 digits, the integer GEMMs run on threads too), gives the same bits on a local rayon pool
//! of 1, 2 and 3 threads (`on_threads`, what `pare … --threads N` uses).

use pare::compress::quantize::{Mode, QuantizeSpec};
use pare::compress::{Recipe, Step, compress};
use pare::ir::{Model, Tensor};
use pare::onnx::encode_model;
use pare::runtime::Session;

use crate::common::mnist_cnn::{calibration, mnist, pixels};

/// `run` on a local pool of `threads` threads.
fn on_threads<R: Send>(threads: usize, run: impl FnOnce() -> R + Send) -> R {
    pare::kernels::parallel::on_threads(threads, run).unwrap()
}

/// The model's output on the held-out digits, as bits.
fn output_bits(model: &Model, images: &Tensor) -> Vec<u32> {
    let out = Session::new(model).unwrap().run(vec![("image".into(), images.clone())]).unwrap();
    let Tensor::F32(logits) = &out[0].1 else { panic!("float logits expected") };
    logits.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn float_and_int8_mnist_give_the_same_bits_on_one_two_and_three_threads() {
    let images = pixels("heldout_pixels.npy");
    let float = mnist();
    let one = on_threads(1, || output_bits(&float, &images));
    for threads in [2, 3] {
        assert!(on_threads(threads, || output_bits(&float, &images)) == one, "float outputs differ on {threads} threads");
    }

    let quantize = || {
        let recipe = Recipe { steps: vec![Step::Quantize(QuantizeSpec::new(Mode::Static))] };
        let model = compress(&float, &recipe, Some(&calibration()), &mut |_| {}).unwrap().0;
        let bits = output_bits(&model, &images);
        (encode_model(&model), bits)
    };
    let (bytes, bits) = on_threads(1, quantize);
    for threads in [2, 3] {
        let (other_bytes, other_bits) = on_threads(threads, quantize);
        assert!(other_bytes == bytes, "the INT8 model's bytes differ when calibrated on {threads} threads");
        assert!(other_bits == bits, "INT8 outputs differ on {threads} threads");
    }
}
