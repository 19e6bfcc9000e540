//! `calibrate_prefixes` against separate `calibrate` runs on the real MNIST CNN fixture: one set
//! of passes over the samples gives each leading part exactly the ranges calibrating that part
//! alone gives, for every method and under a `max_samples` cap.

use super::*;
use crate::compress::quantize::params::Scheme;
use crate::fixtures::{fixture, mnist};
use crate::compress::quantize::IntType;
use crate::runtime::random_inputs::declared_inputs;

/// The first `count` held-out digits, scaled to [0, 1] as the model expects.
fn digits(model: &Model, count: usize) -> Dataset {
    let pixels = crate::npy::read_npy(&fixture("mnist_cnn/heldout_pixels.npy")).unwrap();
    let values: Vec<f32> = pixels.to_f64_vec().unwrap()[..count * 784].iter().map(|&p| (p / 255.0) as f32).collect();
    let stacked = Tensor::from_vec(&[count, 1, 28, 28], values).unwrap();
    Dataset::from_stacked(vec![("image".into(), stacked)], &declared_inputs(&model.graph)).unwrap()
}

fn first(data: &Dataset, n: usize) -> Dataset {
    Dataset { samples: data.samples[..n].to_vec(), random: data.random }
}

#[test]
fn each_leading_part_gets_the_ranges_of_calibrating_it_alone() {
    let model = mnist();
    let data = digits(&model, 8);
    let wanted: Vec<String> = ["image", "relu1", "pool1", "relu2", "fc1", "relu3", "logits"].iter().map(|s| s.to_string()).collect();
    let scheme = Scheme { ty: IntType::Uint8, symmetric: false, reduced: false };
    for method in [CalibrationMethod::Minmax, CalibrationMethod::Percentile, CalibrationMethod::Entropy, CalibrationMethod::Mse] {
        for max_samples in [None, Some(5)] {
            let spec = CalibrationSpec { method, percentile: 99.0, max_samples, ..CalibrationSpec::default() };
            let parts = calibrate_prefixes(&model, &wanted, &data, &[3, 8], &spec, scheme, &mut |_, _| {}).unwrap();
            let alone: Vec<_> = [3, 8].iter().map(|&n| calibrate(&model, &wanted, &first(&data, n), &spec, scheme, &mut |_, _| {}).unwrap()).collect();
            assert_eq!(parts, alone, "{method:?}, max_samples {max_samples:?}");
            assert_eq!(parts[1].1, max_samples.unwrap_or(8));
            assert_eq!(parts[0].0.len(), wanted.len(), "{method:?}: every wanted tensor has a range");
            // The parts differ: the test would not notice a part given the other's ranges.
            assert_ne!(parts[0].0, parts[1].0, "{method:?}");
        }
    }
}

#[test]
fn an_empty_part_is_refused() {
    let model = mnist();
    let data = digits(&model, 2);
    let wanted = vec!["relu1".to_string()];
    let scheme = Scheme { ty: IntType::Uint8, symmetric: false, reduced: false };
    let err = calibrate_prefixes(&model, &wanted, &data, &[0, 2], &CalibrationSpec::default(), scheme, &mut |_, _| {}).unwrap_err();
    assert!(matches!(err, CalibrateError::Empty), "{err}");
}

#[test]
fn ranges_are_the_same_on_one_two_and_three_threads() {
    // Samples run in parallel natively; min/max and histogram counts merge exactly.
    let model = mnist();
    let data = digits(&model, 7);
    let wanted: Vec<String> = ["image", "relu1", "pool1", "relu2", "fc1", "relu3", "logits"].iter().map(|s| s.to_string()).collect();
    let scheme = Scheme { ty: IntType::Uint8, symmetric: false, reduced: false };
    for method in [CalibrationMethod::Minmax, CalibrationMethod::Percentile, CalibrationMethod::Mse] {
        let spec = CalibrationSpec { method, percentile: 99.0, ..CalibrationSpec::default() };
        let run = |threads| {
            crate::kernels::parallel::on_threads(threads, || {
                let mut steps = Vec::new();
                let parts = calibrate_prefixes(&model, &wanted, &data, &[2, 7], &spec, scheme, &mut |done, total| steps.push((done, total))).unwrap();
                (parts, steps)
            })
            .unwrap()
        };
        let (one, steps) = run(1);
        assert_eq!(steps.last(), Some(&(steps[0].1, steps[0].1)), "{method:?}: progress ends at its total");
        assert!(steps.windows(2).all(|w| w[0].0 <= w[1].0), "{method:?}: progress never goes back");
        for threads in [2, 3] {
            assert_eq!(run(threads).0, one, "{method:?}, {threads} threads");
        }
    }
}
