//! The comparison loop: for each sample, run the reference keeping only the intermediates the
//! candidate also names, then run the candidate and compare each of its values as it appears,
//! dropping both; then compare the outputs. Each sample's sums start from zero and are added to
//! the totals in sample order, so natively several samples run at once with the same result.

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
    // Natively several samples run at once: each sample's sums start from zero and are merged
    // in sample order, so the report is the same bits for any thread count. Memory stays
    // bounded by one sample per thread.
    let sessions = Sessions {
        reference: &reference_session,
        candidate: &candidate_session,
        shared: &shared,
        by_quantized: &by_quantized,
        by_dequantized: &by_dequantized,
        rounded: &rounded,
    };
    crate::kernels::parallel::map_in_order(
        inputs.len(),
        |i| sessions.sample(i, &inputs[i]),
        |i, result| {
            let (sample_outputs, sample_intermediates) = result?;
            merge_outputs(&mut outputs, sample_outputs);
            intermediates.merge(sample_intermediates);
            progress(i + 1, inputs.len());
            Ok::<(), CompareError>(())
        },
    )?;
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

/// What every sample's run reads: both sessions and which intermediates to compare how.
struct Sessions<'a> {
    reference: &'a Session,
    candidate: &'a Session,
    shared: &'a HashSet<String>,
    by_quantized: &'a HashMap<&'a str, &'a QuantizedIntermediate>,
    by_dequantized: &'a HashMap<&'a str, &'a QuantizedIntermediate>,
    rounded: &'a HashSet<&'a str>,
}

impl Sessions<'_> {
    /// One sample: the reference runs keeping the shared intermediates, then the candidate
    /// compares each as it appears; the sums of this sample alone.
    fn sample(&self, sample: usize, feeds: &InputSet) -> Result<(Vec<OutputState>, Intermediates), CompareError> {
        let mut intermediates = Intermediates::default();
        let mut captured: HashMap<String, Tensor> = HashMap::new();
        let mut keep = |name: &str, t: &Tensor| {
            if self.shared.contains(name) && is_float(t) {
                intermediates.register(name);
                captured.insert(name.to_string(), t.clone());
            }
        };
        let reference_outputs = self
            .reference
            .run_observed(feeds.clone(), Some(&mut keep))
            .map_err(|source| CompareError::Run { model: Role::Reference, sample, source })?;
        // The candidate's best value so far for each rounded intermediate: its own, then the
        // dequantized copy of its quantized value; its DequantizeLinear's output settles it.
        let mut best: HashMap<String, Tensor> = HashMap::new();
        let mut check = |name: &str, t: &Tensor| {
            if let Some(q) = self.by_dequantized.get(name) {
                if let Some(r) = captured.remove(&q.reference) {
                    best.remove(&q.reference);
                    intermediates.compare(&q.reference, &r, t, sample);
                }
            } else if let Some(q) = self.by_quantized.get(name) {
                if let (true, Some(y)) = (captured.contains_key(&q.reference), q.dequantize(t)) {
                    best.insert(q.reference.clone(), y);
                }
            } else if self.rounded.contains(name) {
                if captured.contains_key(name) && !best.contains_key(name) {
                    best.insert(name.to_string(), t.clone());
                }
            } else if let Some(r) = captured.remove(name) {
                intermediates.compare(name, &r, t, sample);
            }
        };
        let candidate_outputs = self
            .candidate
            .run_observed(feeds.clone(), Some(&mut check))
            .map_err(|source| CompareError::Run { model: Role::Candidate, sample, source })?;
        for (name, t) in best {
            if let Some(r) = captured.remove(&name) {
                intermediates.compare(&name, &r, &t, sample);
            }
        }
        let mut outputs = Vec::new();
        compare_outputs(&mut outputs, &reference_outputs, &candidate_outputs, sample)?;
        Ok((outputs, intermediates))
    }
}

/// Adds one sample's output sums to the totals (the first sample's dtype and shape stand). A
/// class count that differs from the first sample's ends the agreement count, as a non-classifier
/// output on a later sample does.
fn merge_outputs(totals: &mut Vec<OutputState>, sample: Vec<OutputState>) {
    if totals.is_empty() {
        *totals = sample;
        return;
    }
    for (total, one) in totals.iter_mut().zip(sample) {
        total.errors.merge(&one.errors);
        total.agreement = match (total.agreement.take(), one.agreement) {
            (Some(mut a), Some(b)) if a.classes() == b.classes() => {
                a.merge(&b);
                Some(a)
            }
            _ => None,
        };
    }
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

    /// Adds one sample's intermediates (registered in its execution order): a skip is final
    /// (the first reason stands), sums add up.
    fn merge(&mut self, sample: Intermediates) {
        for (name, one) in sample.order {
            self.register(&name);
            let state = &mut self.order[self.index[&name]].1;
            match (state, one) {
                (Tracked::Skipped(_), _) | (_, Tracked::Pending) => {}
                (state, Tracked::Skipped(reason)) => *state = Tracked::Skipped(reason),
                (state @ Tracked::Pending, one @ Tracked::Comparing { .. }) => *state = one,
                (Tracked::Comparing { errors, .. }, Tracked::Comparing { errors: more, .. }) => errors.merge(&more),
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
