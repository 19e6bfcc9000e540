//! Input sizes that run: the sizes random samples get for input dims the model leaves open
//! (`[batch, 3, height, width]`, `[-1, 3, ?, ?]`), chosen so the model actually runs on them.
//! Every command that makes random inputs (`run --random`, `inspect`, compress's calibration and
//! comparison, `sensitivity`, the wasm API and the page) asks here first.
//!
//! Order of evidence: sizes the caller gave (`--dim`, `--shape`, or the shapes of real data)
//! win; then sizes the model states (Ultralytics' `imgsz` metadata); then a search: each open dim
//! is classed by where it sits — batch (axis 0 of a rank ≥ 2 input) is 1; image dims (axes 2 and
//! 3 of a rank-4 input, or 1 and 2 when the last is a small channel count) try the common
//! training sizes; channels of a rank-4 image try 3; any other open dim is a sequence (tokens,
//! frames, samples) — and candidates are tried with one run on random inputs until the model
//! runs. One dim of 1 makes a detector's pooling fail ("window larger than the padded input")
//! and a 1×1 image says nothing about an image model anyway.

use std::collections::HashMap;

use super::random_inputs::{RandomInputs, symbolic_dims};
use super::session::{InputSpec, Session};
use crate::ir::DimValue;

/// Image sizes tried, in order: the common training resolutions first (classifiers 224,
/// detectors 320–640), then smaller ones for models that cap their input.
pub const SPATIAL_CANDIDATES: &[usize] = &[224, 320, 256, 416, 512, 640, 128, 96, 64, 32];
/// Sequence lengths tried (tokens, frames, audio samples).
pub const SEQUENCE_CANDIDATES: &[usize] = &[64, 128, 32, 16, 256, 512, 1024, 4096, 16000];
/// At most this many trial runs: each costs one inference.
const MAX_TRIALS: usize = 16;

/// Where an input dim sits, which decides what sizes it tries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Batch,
    Channels,
    Spatial,
    Sequence,
}

/// How the sizes were chosen.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeSource {
    /// Every input dim is fixed by the model or the caller.
    Fixed,
    /// Stated in the model (metadata), and it ran.
    Model,
    /// Found by trial runs.
    Searched,
    /// Nothing ran: the sizes of the last candidate are kept (the error is in `failure`).
    Unresolved,
}

/// The outcome: the sizes (already put into the caller's `RandomInputs`), per input, and how.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SizeChoice {
    pub source: SizeSource,
    /// Input name → the shape random samples get.
    pub inputs: Vec<(String, Vec<usize>)>,
    /// Open dims and the size each got: `height=320`, `images[2]=320`.
    pub chosen: Vec<String>,
    /// Candidates that did not run, with the first line of their error.
    pub tried: Vec<String>,
    /// Why no candidate ran, when none did: the facts; what to pass depends on the interface
    /// (`workflow::wording::sizes_failure`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

impl SizeChoice {
    /// One line for the CLI and the page: `image: 1×3×320×320 (searched; 224 did not run)`.
    pub fn summary(&self) -> String {
        let shapes: Vec<String> = self
            .inputs
            .iter()
            .map(|(n, s)| format!("{n} {}", s.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("×")))
            .collect();
        let how = match self.source {
            SizeSource::Fixed => "fixed by the model or given",
            SizeSource::Model => "stated in the model",
            SizeSource::Searched => "searched: the first sizes the model ran on",
            SizeSource::Unresolved => "no size tried ran",
        };
        let mut text = format!("{} ({how}", shapes.join(", "));
        if !self.chosen.is_empty() && self.source != SizeSource::Fixed {
            text.push_str(&format!(": {}", self.chosen.join(", ")));
        }
        if !self.tried.is_empty() {
            text.push_str(&format!("; {} tried before", self.tried.len()));
        }
        text.push(')');
        text
    }
}

/// One dim left open by the declaration and the caller.
#[derive(Clone, Debug)]
struct OpenDim {
    /// The symbol, or `None` for an unnamed dim (`?`, `-1`), which is set per input.
    symbol: Option<String>,
    input: String,
    axis: usize,
    class: Class,
}

/// Fills `random` with sizes for every open dim of `session`'s inputs so the model runs, and
/// says how. `data_shapes` are the shapes of real samples the caller has (calibration data):
/// they fix the dims they show. Runs the model at most `MAX_TRIALS` times.
pub fn resolve_sizes(
    session: &Session,
    random: &mut RandomInputs,
    data_shapes: &[(String, Vec<usize>)],
    metadata: &[(String, String)],
) -> SizeChoice {
    let specs: Vec<InputSpec> = session.inputs().iter().filter(|s| !s.has_default).cloned().collect();
    for (name, shape) in data_shapes {
        random.shapes.entry(name.clone()).or_insert_with(|| shape.clone());
        // A symbol the data fixes (`batch` = 2 in `a`) has that size in every other input too.
        let declared = specs.iter().find(|s| &s.name == name).and_then(|s| s.shape.as_ref());
        for (dim, &size) in declared.into_iter().flatten().zip(shape) {
            if let DimValue::Symbol(symbol) = &dim.value {
                if symbol != "?" && symbol.parse::<i64>().is_err() {
                    random.dims.entry(symbol.clone()).or_insert(size);
                }
            }
        }
    }
    let open = open_dims(&specs, random);
    if open.is_empty() {
        return SizeChoice {
            source: SizeSource::Fixed,
            inputs: shapes_of(&specs, random),
            chosen: Vec::new(),
            tried: Vec::new(),
            failure: None,
        };
    }
    let has = |c: Class| open.iter().any(|d| d.class == c);
    let mut spatial: Vec<(usize, usize)> = SPATIAL_CANDIDATES.iter().map(|&s| (s, s)).collect();
    let stated = metadata_image_size(metadata);
    if let Some(hw) = stated {
        spatial.retain(|c| *c != hw);
        spatial.insert(0, hw);
    }
    if !has(Class::Spatial) {
        spatial = vec![(1, 1)];
    }
    let sequences: Vec<usize> = if has(Class::Sequence) { SEQUENCE_CANDIDATES.to_vec() } else { vec![1] };
    let mut candidates = Vec::new();
    // Interleave so both kinds of dims move early when a model has both.
    for (i, &hw) in spatial.iter().enumerate() {
        for (j, &seq) in sequences.iter().enumerate() {
            candidates.push((i + j, hw, seq));
        }
    }
    crate::sort::sort_by_key(&mut candidates, |c| c.0);

    let mut tried = Vec::new();
    let mut last = random.clone();
    for (index, &(_, (height, width), sequence)) in candidates.iter().take(MAX_TRIALS).enumerate() {
        let mut trial = random.clone();
        let chosen = assign(&open, &specs, &mut trial, height, width, sequence);
        match try_run(session, &trial) {
            Ok(()) => {
                let source = if index == 0 && stated.is_some() { SizeSource::Model } else { SizeSource::Searched };
                *random = trial;
                return SizeChoice { source, inputs: shapes_of(&specs, random), chosen, tried, failure: None };
            }
            Err(e) => {
                tried.push(format!("{}: {}", chosen.join(", "), e.lines().next().unwrap_or_default()));
                last = trial;
            }
        }
    }
    *random = last;
    let names: Vec<String> = open.iter().map(|d| dim_label(d)).collect();
    let failure = format!(
        "the model ran on none of {} tried sizes for {} (last error: {})",
        tried.len(),
        names.join(", "),
        tried.last().map(String::as_str).unwrap_or("none")
    );
    SizeChoice { source: SizeSource::Unresolved, inputs: shapes_of(&specs, random), chosen: Vec::new(), tried, failure: Some(failure) }
}

/// [`resolve_sizes`] for a model not yet loaded into a session: `None` when no session can be
/// built (the caller then falls back to declared sizes and reports why elsewhere) or when every
/// dim is already fixed.
pub fn resolve_model_sizes(
    model: &crate::ir::Model,
    random: &mut RandomInputs,
    data_shapes: &[(String, Vec<usize>)],
) -> Option<SizeChoice> {
    let session = Session::new(model).ok()?;
    let choice = resolve_sizes(&session, random, data_shapes, &model.metadata_props);
    (choice.source != SizeSource::Fixed).then_some(choice)
}

fn dim_label(d: &OpenDim) -> String {
    d.symbol.clone().unwrap_or_else(|| format!("{}[{}]", d.input, d.axis))
}

fn try_run(session: &Session, random: &RandomInputs) -> Result<(), String> {
    let inputs = random.generate(session.inputs()).map_err(|e| e.to_string())?;
    session.run(inputs).map(|_| ()).map_err(|e| e.to_string())
}

/// Dims neither declared as numbers nor set by the caller (by symbol or whole shape).
fn open_dims(specs: &[InputSpec], random: &RandomInputs) -> Vec<OpenDim> {
    let mut open: Vec<OpenDim> = Vec::new();
    for spec in specs {
        if random.shapes.contains_key(&spec.name) {
            continue;
        }
        let Some(shape) = &spec.shape else { continue };
        let rank = shape.len();
        for (axis, dim) in shape.iter().enumerate() {
            let symbol = match &dim.value {
                DimValue::Known(v) if *v >= 0 => continue,
                DimValue::Symbol(s) if s == "?" || s.parse::<i64>().is_ok() => None,
                DimValue::Symbol(s) => {
                    if random.dims.contains_key(s) || open.iter().any(|o| o.symbol.as_deref() == Some(s)) {
                        continue;
                    }
                    Some(s.clone())
                }
                _ => None,
            };
            let class = classify(shape, rank, axis);
            open.push(OpenDim { symbol, input: spec.name.clone(), axis, class });
        }
    }
    open
}

/// What kind of dim `axis` of a declared input shape is (see the module docs).
fn classify(shape: &[crate::ir::Dim], rank: usize, axis: usize) -> Class {
    let known = |i: usize| match shape.get(i).map(|d| &d.value) {
        Some(DimValue::Known(v)) if *v > 0 => Some(*v),
        _ => None,
    };
    if axis == 0 && rank >= 2 {
        return Class::Batch;
    }
    if rank == 4 {
        let channels_last = matches!(known(3), Some(1 | 3 | 4)) && known(1).is_none_or(|c| c > 4);
        return match (axis, channels_last) {
            (1, false) => Class::Channels,
            (2 | 3, false) | (1 | 2, true) => Class::Spatial,
            _ => Class::Channels,
        };
    }
    Class::Sequence
}

/// Puts the candidate sizes into `random` (symbols into `dims`, unnamed dims as whole shapes of
/// their input) and returns `name=size` for each open dim.
fn assign(open: &[OpenDim], specs: &[InputSpec], random: &mut RandomInputs, height: usize, width: usize, sequence: usize) -> Vec<String> {
    let mut chosen = Vec::new();
    let mut whole: HashMap<String, Vec<usize>> = HashMap::new();
    let mut spatial_seen: HashMap<&str, usize> = HashMap::new();
    for d in open {
        let size = match d.class {
            Class::Batch => 1,
            Class::Channels => 3,
            Class::Sequence => sequence,
            Class::Spatial => {
                // The first open image dim of an input is the height, the next the width.
                let seen = spatial_seen.entry(d.input.as_str()).or_insert(0);
                *seen += 1;
                if *seen == 1 { height } else { width }
            }
        };
        chosen.push(format!("{}={size}", dim_label(d)));
        match &d.symbol {
            Some(s) => {
                random.dims.insert(s.clone(), size);
            }
            None => {
                let spec = specs.iter().find(|s| s.name == d.input);
                let base = whole.entry(d.input.clone()).or_insert_with(|| {
                    spec.and_then(|s| s.shape.as_ref())
                        .map(|shape| {
                            shape
                                .iter()
                                .map(|dim| match &dim.value {
                                    DimValue::Known(v) if *v >= 0 => *v as usize,
                                    _ => 0,
                                })
                                .collect()
                        })
                        .unwrap_or_default()
                });
                if let Some(slot) = base.get_mut(d.axis) {
                    *slot = size;
                }
            }
        }
    }
    // Unnamed dims travel as whole shapes: fill the input's symbolic dims from `dims` too.
    for (input, mut shape) in whole {
        if let Some(declared) = specs.iter().find(|s| s.name == input).and_then(|s| s.shape.as_ref()) {
            for (slot, dim) in shape.iter_mut().zip(declared) {
                if let DimValue::Symbol(s) = &dim.value {
                    if let Some(size) = random.dims.get(s) {
                        *slot = *size;
                    }
                }
            }
        }
        random.shapes.insert(input, shape);
    }
    chosen
}

/// The shape each input gets under `random`.
fn shapes_of(specs: &[InputSpec], random: &RandomInputs) -> Vec<(String, Vec<usize>)> {
    specs
        .iter()
        .filter_map(|spec| {
            let shape = match random.shapes.get(&spec.name) {
                Some(s) => s.clone(),
                None => super::random_inputs::resolve_shape(spec, &random.dims).ok()?,
            };
            Some((spec.name.clone(), shape))
        })
        .collect()
}

/// Ultralytics writes `imgsz` (`[640, 640]`) into the metadata of its exports.
fn metadata_image_size(metadata: &[(String, String)]) -> Option<(usize, usize)> {
    let (_, value) = metadata.iter().find(|(k, _)| k == "imgsz")?;
    let numbers: Vec<usize> =
        value.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).filter_map(|s| s.parse().ok()).collect();
    match numbers.as_slice() {
        [h, w] => Some((*h, *w)),
        [s] => Some((*s, *s)),
        _ => None,
    }
}

/// Symbolic dims of the inputs, for messages.
pub fn declared_symbols(session: &Session) -> Vec<String> {
    symbolic_dims(session.inputs())
}

#[cfg(test)]
mod tests;
