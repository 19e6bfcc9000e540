//! The comparison loop: for each sample, run the reference keeping only the intermediates the
//! candidate also names, then run the candidate and compare each of its values as it appears,
//! dropping both; then compare the outputs. All sums stream into accumulators.

use std::collections::{HashMap, HashSet};

use super::CompareOptions;
use super::error::{CompareError, Role};
use super::interface::{QuantizedIntermediate, check_interfaces, quantized_intermediates, shared_intermediates};
use super::metrics::{AgreementAccumulator, ErrorAccumulator};
use super::report::{CompareReport, SkippedTensor, TensorComparison};
use crate::ir::{DType, Model, Tensor};
use crate::runtime::{InputSet, Session};

pub(super) fn compare(
    reference: &Model,
    candidate: &Model,
    inputs: &[InputSet],
    options: &CompareOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<CompareReport, CompareError> {
    if inputs.is_empty() {
        return Err(CompareError::NoInputs);
    }
    check_interfaces(&reference.graph, &candidate.graph)?;
    let prepare =
        |model: &Model, role| Session::new(model).map_err(|source| CompareError::Prepare { model: role, source });
    let reference_session = prepare(reference, Role::Reference)?;
    let candidate_session = prepare(candidate, Role::Candidate)?;
    let shared =
        if options.intermediates { shared_intermediates(&reference.graph, &candidate.graph) } else { HashSet::new() };
    // A quantized intermediate is compared after its DequantizeLinear (what the next layers
    // read). An integer session may not write that value: then it is computed from the
    // quantized one, or, for an integer layer's own output, read under the tensor's name.
    let quantized = quantized_intermediates(&candidate.graph, &shared);
    let by_quantized: HashMap<&str, &QuantizedIntermediate> = quantized.iter().map(|q| (q.quantized.as_str(), q)).collect();
    let by_dequantized: HashMap<&str, &QuantizedIntermediate> = quantized.iter().map(|q| (q.dequantized.as_str(), q)).collect();
    let rounded: HashSet<&str> = quantized.iter().map(|q| q.reference.as_str()).collect();
    let mut outputs: Vec<OutputState> = Vec::new();
    let mut intermediates = Intermediates::default();
    for (sample, feeds) in inputs.iter().enumerate() {
        let mut captured: HashMap<String, Tensor> = HashMap::new();
        let mut keep = |name: &str, t: &Tensor| {
            if shared.contains(name) && is_float(t) {
                intermediates.register(name);
                captured.insert(name.to_string(), t.clone());
            }
        };
        let reference_outputs = reference_session
            .run_observed(feeds.clone(), Some(&mut keep))
            .map_err(|source| CompareError::Run { model: Role::Reference, sample, source })?;
        // The candidate's best value so far for each rounded intermediate: its own, then the
        // dequantized copy of its quantized value; its DequantizeLinear's output settles it.
        let mut best: HashMap<String, Tensor> = HashMap::new();
        let mut check = |name: &str, t: &Tensor| {
            if let Some(q) = by_dequantized.get(name) {
                if let Some(r) = captured.remove(&q.reference) {
                    best.remove(&q.reference);
                    intermediates.compare(&q.reference, &r, t, sample);
                }
            } else if let Some(q) = by_quantized.get(name) {
                if let (true, Some(y)) = (captured.contains_key(&q.reference), q.dequantize(t)) {
                    best.insert(q.reference.clone(), y);
                }
            } else if rounded.contains(name) {
                if captured.contains_key(name) && !best.contains_key(name) {
                    best.insert(name.to_string(), t.clone());
                }
            } else if let Some(r) = captured.remove(name) {
                intermediates.compare(name, &r, t, sample);
            }
        };
        let candidate_outputs = candidate_session
            .run_observed(feeds.clone(), Some(&mut check))
            .map_err(|source| CompareError::Run { model: Role::Candidate, sample, source })?;
        for (name, t) in best {
            if let Some(r) = captured.remove(&name) {
                intermediates.compare(&name, &r, &t, sample);
            }
        }
        compare_outputs(&mut outputs, &reference_outputs, &candidate_outputs, sample)?;
        progress(sample + 1, inputs.len());
    }
    let (compared, skipped) = intermediates.finish();
    Ok(CompareReport {
        input_source: options.input_source.clone(),
        samples: inputs.len(),
        outputs: outputs.into_iter().map(OutputState::finish).collect(),
        intermediates_compared: options.intermediates,
        intermediates: compared,
        intermediates_skipped: skipped,
    })
}

fn is_float(t: &Tensor) -> bool {
    t.dtype().is_some_and(DType::is_float)
}

fn is_numeric(t: &Tensor) -> bool {
    t.dtype().is_some_and(|d| d != DType::String)
}

/// One graph output's sums; created from the first sample.
struct OutputState {
    name: String,
    dtype: String,
    shape: Vec<usize>,
    errors: ErrorAccumulator,
    agreement: Option<AgreementAccumulator>,
}

impl OutputState {
    fn finish(self) -> TensorComparison {
        TensorComparison {
            name: self.name,
            dtype: self.dtype,
            shape: self.shape,
            metrics: self.errors.finish(),
            agreement: self.agreement.map(|a| a.finish()),
        }
    }
}

fn compare_outputs(
    states: &mut Vec<OutputState>,
    reference: &[(String, Tensor)],
    candidate: &[(String, Tensor)],
    sample: usize,
) -> Result<(), CompareError> {
    for (index, (name, r)) in reference.iter().enumerate() {
        let Some((_, c)) = candidate.iter().find(|(n, _)| n == name) else {
            return Err(CompareError::OutputsDiffer(format!("the candidate did not return `{name}`")));
        };
        for (t, model) in [(r, Role::Reference), (c, Role::Candidate)] {
            if !is_numeric(t) {
                return Err(CompareError::NotNumeric { name: name.clone(), model, dtype: t.type_name() });
            }
        }
        if r.shape() != c.shape() {
            return Err(CompareError::OutputShape {
                name: name.clone(),
                reference: format!("{:?}", r.shape()),
                candidate: format!("{:?}", c.shape()),
                at: format!(" on sample {sample} (counting from 0)"),
            });
        }
        if states.len() <= index {
            states.push(OutputState {
                name: name.clone(),
                dtype: r.type_name(),
                shape: r.shape(),
                errors: ErrorAccumulator::default(),
                agreement: AgreementAccumulator::for_output(r),
            });
        }
        let state = &mut states[index];
        let not_numeric = |dtype| CompareError::NotNumeric { name: name.clone(), model: Role::Reference, dtype };
        state.errors.add_tensors(r, c).map_err(not_numeric)?;
        if let Some(agreement) = &mut state.agreement {
            // A dynamic class count (different last dim on another sample) ends the agreement count.
            if r.shape().last() == Some(&agreement.classes()) {
                agreement.add_tensors(r, c).map_err(not_numeric)?;
            } else {
                state.agreement = None;
            }
        }
    }
    Ok(())
}

/// Where one shared intermediate stands.
enum Tracked {
    /// Kept from the reference, not yet seen in the candidate.
    Pending,
    Comparing {
        dtype: String,
        shape: Vec<usize>,
        errors: ErrorAccumulator,
    },
    Skipped(String),
}

/// The shared intermediates in the reference's execution order (the order it first produced them).
#[derive(Default)]
struct Intermediates {
    order: Vec<(String, Tracked)>,
    index: HashMap<String, usize>,
}

impl Intermediates {
    fn register(&mut self, name: &str) {
        if !self.index.contains_key(name) {
            self.index.insert(name.to_string(), self.order.len());
            self.order.push((name.to_string(), Tracked::Pending));
        }
    }

    fn compare(&mut self, name: &str, r: &Tensor, c: &Tensor, sample: usize) {
        let Some(&i) = self.index.get(name) else { return };
        let state = &mut self.order[i].1;
        if matches!(state, Tracked::Skipped(_)) {
            return;
        }
        if !is_float(c) {
            *state =
                Tracked::Skipped(format!("{} in the reference but {} in the candidate", r.type_name(), c.type_name()));
            return;
        }
        if r.shape() != c.shape() {
            *state = Tracked::Skipped(format!(
                "shape {:?} in the reference but {:?} in the candidate (sample {sample})",
                r.shape(),
                c.shape()
            ));
            return;
        }
        if matches!(state, Tracked::Pending) {
            *state = Tracked::Comparing { dtype: r.type_name(), shape: r.shape(), errors: ErrorAccumulator::default() };
        }
        if let Tracked::Comparing { errors, .. } = state {
            if let Err(dtype) = errors.add_tensors(r, c) {
                *state = Tracked::Skipped(format!("{dtype} values cannot be compared as numbers"));
            }
        }
    }

    fn finish(self) -> (Vec<TensorComparison>, Vec<SkippedTensor>) {
        let mut compared = Vec::new();
        let mut skipped = Vec::new();
        for (name, state) in self.order {
            match state {
                Tracked::Comparing { dtype, shape, errors } => {
                    compared.push(TensorComparison { name, dtype, shape, metrics: errors.finish(), agreement: None });
                }
                Tracked::Skipped(reason) => skipped.push(SkippedTensor { name, reason }),
                Tracked::Pending => {
                    skipped.push(SkippedTensor { name, reason: "the candidate did not compute it".into() })
                }
            }
        }
        (compared, skipped)
    }
}
