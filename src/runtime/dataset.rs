//! `Dataset`: several sets of model inputs (calibration samples, comparison inputs).
//!
//! Users hand pare stacked arrays — an `.npz` whose keys are input names and whose first axis
//! indexes samples, or typed arrays from JS — and `from_stacked` cuts them into per-sample input
//! sets that match what the model declares (adding a leading batch axis of 1 when the model's
//! input has one more dim than a sample).

use ndarray::Axis;

use super::random_inputs::{RandomInputError, RandomInputs};
use super::session::InputSpec;
use crate::ir::dtype_dispatch::map_tensor;
use crate::ir::Tensor;

/// One sample: a value for each fed input, by name.
pub type InputSet = Vec<(String, Tensor)>;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dataset {
    pub samples: Vec<InputSet>,
    /// Made by pare from seeds (`Dataset::random`: `--calib-random`, the page's "random
    /// samples"), not the user's data. Passes that would fit weights to the samples by default
    /// (pruning's least-squares correction) do not do so on noise, and results carry a warning.
    pub random: bool,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DatasetError {
    #[error("the data set is empty: give at least one sample")]
    Empty,
    #[error("the data has no array for input `{input}` (it has: {have})")]
    MissingInput { input: String, have: String },
    #[error("array `{name}` does not match any model input (inputs: {inputs})")]
    UnknownArray { name: String, inputs: String },
    #[error("array `{name}` has {got} samples along its first axis, but `{first}` has {want}")]
    SampleCount { name: String, got: usize, first: String, want: usize },
    #[error("array `{name}` is a scalar: its first axis must index samples")]
    Scalar { name: String },
    #[error("array `{name}`: {reason}")]
    Tensor { name: String, reason: String },
}

impl DatasetError {
    /// Every dataset error is about the arrays given, so it is a bad input.
    pub fn kind(&self) -> crate::error::ErrorKind {
        crate::error::ErrorKind::BadInput
    }
}

impl Dataset {
    /// `samples` sets of seeded random inputs (see `RandomInputs`): sample `i` uses seed
    /// `generator.seed + i`, so a data set is reproducible from its first seed.
    pub fn random(specs: &[InputSpec], samples: usize, generator: &RandomInputs) -> Result<Dataset, RandomInputError> {
        let mut out: Vec<InputSet> = Vec::new();
        for i in 0..samples {
            let mut g = generator.clone();
            g.seed = generator.seed.wrapping_add(i as u64);
            let sample = g.generate(specs)?;
            if i == 0 {
                // Every sample has the size of the first: the whole set must fit the memory
                // budget before more are made (a count of 2^40 is an error, not an abort).
                let each = std::mem::size_of::<InputSet>()
                    + sample.iter().map(|(n, t)| std::mem::size_of::<(String, Tensor)>() + n.len() + t.byte_size()).sum::<usize>();
                let what = || format!("making {samples} random samples of {each} bytes each");
                crate::budget::check(each.saturating_mul(samples), what)?;
                out = crate::budget::try_vec(samples, what)?;
            }
            out.push(sample);
        }
        Ok(Dataset { samples: out, random: true })
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Cuts stacked arrays (first axis = samples) into samples for a model with these inputs.
    /// Every input without a default must have an array; every array must name an input; all
    /// arrays must hold the same number of samples. Dtypes and shapes are checked when the model
    /// runs (the session names the input and the shape it expects).
    pub fn from_stacked(arrays: Vec<(String, Tensor)>, inputs: &[InputSpec]) -> Result<Dataset, DatasetError> {
        let names = || inputs.iter().map(|i| format!("`{}`", i.name)).collect::<Vec<_>>().join(", ");
        for (name, _) in &arrays {
            if !inputs.iter().any(|i| &i.name == name) {
                return Err(DatasetError::UnknownArray { name: name.clone(), inputs: names() });
            }
        }
        for spec in inputs.iter().filter(|i| !i.has_default) {
            if !arrays.iter().any(|(n, _)| n == &spec.name) {
                let have = arrays.iter().map(|(n, _)| format!("`{n}`")).collect::<Vec<_>>().join(", ");
                return Err(DatasetError::MissingInput { input: spec.name.clone(), have });
            }
        }
        let Some((first, first_tensor)) = arrays.first() else { return Err(DatasetError::Empty) };
        let count = first_tensor.shape().first().copied().ok_or_else(|| DatasetError::Scalar { name: first.clone() })?;
        if count == 0 {
            return Err(DatasetError::Empty);
        }
        let mut samples: Vec<InputSet> = vec![Vec::with_capacity(arrays.len()); count];
        for (name, tensor) in &arrays {
            let shape = tensor.shape();
            let got = *shape.first().ok_or_else(|| DatasetError::Scalar { name: name.clone() })?;
            if got != count {
                return Err(DatasetError::SampleCount { name: name.clone(), got, first: first.clone(), want: count });
            }
            let declared_rank = inputs.iter().find(|i| &i.name == name).and_then(|i| i.shape.as_ref()).map(Vec::len);
            let keep_batch_axis = declared_rank == Some(shape.len());
            for (i, sample) in samples.iter_mut().enumerate() {
                let one = sample_of(tensor, i, keep_batch_axis)
                    .map_err(|reason| DatasetError::Tensor { name: name.clone(), reason })?;
                sample.push((name.clone(), one));
            }
        }
        Ok(Dataset { samples, random: false })
    }
}

/// Sample `i` of a stacked tensor: `t[i]`, or `t[i:i+1]` when the model wants the leading axis.
fn sample_of(t: &Tensor, i: usize, keep_batch_axis: bool) -> Result<Tensor, String> {
    map_tensor!(any, t, a => {
        let view = a.slice_axis(Axis(0), ndarray::Slice::from(i..i + 1));
        let owned = view.to_owned();
        if keep_batch_axis { owned } else { owned.index_axis_move(Axis(0), 0) }
    }, _ => Err(format!("element type {} cannot be cut into samples", t.type_name())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Dim, dtype::onnx_code};

    fn spec(name: &str, dims: Option<Vec<Dim>>) -> InputSpec {
        InputSpec { name: name.into(), elem_type: Some(onnx_code::FLOAT), shape: dims, has_default: false }
    }

    #[test]
    fn stacked_arrays_become_samples_with_a_batch_axis_when_the_model_has_one() {
        let images = Tensor::from_vec(&[3, 1, 2, 2], (0..12).map(|v| v as f32).collect()).unwrap();
        let batched = spec("x", Some(vec![Dim::symbol("N"), Dim::known(1), Dim::known(2), Dim::known(2)]));
        let d = Dataset::from_stacked(vec![("x".into(), images.clone())], &[batched]).unwrap();
        assert_eq!(d.len(), 3);
        assert_eq!(d.samples[2][0].1.shape(), vec![1, 1, 2, 2]);
        assert_eq!(d.samples[2][0].1.to_f64_vec().unwrap(), vec![8.0, 9.0, 10.0, 11.0]);

        let unbatched = spec("x", Some(vec![Dim::known(1), Dim::known(2), Dim::known(2)]));
        let d = Dataset::from_stacked(vec![("x".into(), images)], &[unbatched]).unwrap();
        assert_eq!(d.samples[0][0].1.shape(), vec![1, 2, 2]);
    }

    #[test]
    fn random_data_sets_are_reproducible_and_samples_differ() {
        let x = spec("x", Some(vec![Dim::known(2), Dim::known(3)]));
        let d = Dataset::random(std::slice::from_ref(&x), 2, &RandomInputs::new(7)).unwrap();
        assert_eq!(d.len(), 2);
        assert_ne!(d.samples[0], d.samples[1]);
        assert_eq!(d, Dataset::random(&[x], 2, &RandomInputs::new(7)).unwrap());
    }

    #[test]
    fn mismatches_are_named() {
        let a = Tensor::zeros::<f32>(&[3, 2]).unwrap();
        let b = Tensor::zeros::<f32>(&[4, 2]).unwrap();
        let inputs = [spec("a", None), spec("b", None)];
        let err = Dataset::from_stacked(vec![("a".into(), a.clone()), ("b".into(), b)], &inputs).unwrap_err();
        assert_eq!(err.to_string(), "array `b` has 4 samples along its first axis, but `a` has 3");
        let err = Dataset::from_stacked(vec![("a".into(), a.clone())], &inputs).unwrap_err();
        assert!(err.to_string().starts_with("the data has no array for input `b`"), "{err}");
        let err = Dataset::from_stacked(vec![("a".into(), a.clone()), ("c".into(), a)], &inputs).unwrap_err();
        assert!(err.to_string().starts_with("array `c` does not match any model input"), "{err}");
        let empty = Tensor::zeros::<f32>(&[0, 2]).unwrap();
        assert_eq!(Dataset::from_stacked(vec![("a".into(), empty)], &inputs[..1]).unwrap_err(), DatasetError::Empty);
    }
}
