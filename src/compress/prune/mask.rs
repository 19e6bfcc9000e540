//! Runs a masking method (unstructured, vector, kernel, N:M) on the selected layers: reads each
//! weight, zeroes what the method chooses (at the layer's own ratio: `PruneSpec::ratio_for`),
//! writes it back in place (same name, same shape). With `adaptive` samples the per-layer ratios
//! come from `allocate.rs` instead.

use super::PruneError;
use super::allocate;
use super::layers::Layer;
use super::layout::WeightView;
use super::methods::{groups, nm, unstructured};
use super::report::{LayerReport, PruneReport, SkippedLayer};
use super::spec::{Method, PruneSpec, Scope};
use crate::compress::PassContext;
use crate::compress::weights::{find_weight, for_each_graph_mut, replace_weight};
use crate::ir::{Model, Tensor};
use crate::runtime::InputSet;

/// Zeroes weights of `layers[chosen]` as `spec` says; fills `report.layers` and `report.skipped`.
/// `adaptive`: share `spec.ratio` among the layers from these samples (`allocate.rs`).
pub fn apply(
    model: &mut Model,
    layers: &[Layer],
    chosen: &[usize],
    spec: &PruneSpec,
    adaptive: Option<&[InputSet]>,
    ctx: &mut PassContext,
    report: &mut PruneReport,
) -> Result<(), PruneError> {
    let mut work: Vec<(usize, Tensor, Vec<f32>)> = Vec::new();
    for &i in chosen {
        let layer = &layers[i];
        if matches!(spec.method, Method::Vector | Method::Kernel) && layer.layout.is_matrix() {
            report.skipped.push(SkippedLayer::new(layer, format!(
                "{} pruning works on convolution kernels; a {} weight has none",
                spec.method.name(),
                layer.op_type
            )));
            continue;
        }
        let before = read_weight(model, layer)?;
        let data = before.as_array::<f32>().map(|a| a.iter().copied().collect()).map_err(|e| PruneError::Weight {
            layer: layer.name.clone(),
            reason: e.to_string(),
        })?;
        work.push((i, before, data));
    }

    let total = work.len();
    let allocated;
    let spec = match adaptive {
        Some(samples) if spec.method != Method::Nm && spec.method != Method::Filter && spec.scope == Scope::Layer => {
            ctx.progress("prune", 0, total);
            let indices: Vec<usize> = work.iter().map(|(i, _, _)| *i).collect();
            let weights: Vec<Vec<f32>> = work.iter().map(|(_, _, d)| d.clone()).collect();
            let ratios = allocate::allocate(model, layers, &indices, &weights, spec.method, spec.ratio_or_zero(), samples)
                .map_err(|e| PruneError::Calibration(format!("adaptive allocation: {e}")))?;
            report.notes.push(format!(
                "allocation adaptive: the {} layers' ratios were chosen from {} calibration samples so that {} of their weights are pruned \
                 in total, layers whose weights carry more of their output (w² × input channel RMS) less \
                 (at most {} each; each layer's `sparsity` is its share); `\"allocation\": \"uniform\"` prunes every layer to the ratio",
                indices.len(),
                samples.len(),
                spec.ratio_or_zero(),
                allocate::MAX_LAYER_RATIO
            ));
            allocated = PruneSpec { ratio: Some(0.0), ratios, ..spec.clone() };
            &allocated
        }
        _ => spec,
    };
    if spec.method == Method::Unstructured && spec.scope == Scope::Global {
        let mut slices: Vec<&mut [f32]> = work.iter_mut().map(|(_, _, d)| d.as_mut_slice()).collect();
        unstructured::prune_global(&mut slices, spec.ratio_or_zero());
    } else {
        for (done, (i, _, data)) in work.iter_mut().enumerate() {
            let layer = &layers[*i];
            let view = WeightView::new(layer.layout, &layer.shape)
                .map_err(|reason| PruneError::Weight { layer: layer.name.clone(), reason })?;
            match spec.method {
                Method::Unstructured => unstructured::prune_layer(data, spec.ratio_for(layer)),
                Method::Kernel => {
                    groups::prune(data, &view, groups::Granularity::Kernel, spec.ratio_for(layer), spec.criterion);
                }
                Method::Vector => {
                    groups::prune(data, &view, groups::Granularity::Vector, spec.ratio_for(layer), spec.criterion);
                }
                Method::Nm => nm::prune(data, &view, spec.n.unwrap_or(0), spec.m.unwrap_or(1)),
                Method::Filter => {}
            }
            ctx.progress("prune", done + 1, total);
        }
    }

    for (i, before, data) in work {
        let layer = &layers[i];
        let after = Tensor::from_vec(&layer.shape, data)
            .map_err(|e| PruneError::Weight { layer: layer.name.clone(), reason: e.to_string() })?;
        report.layers.push(LayerReport::new(layer, spec.method.name(), &before, &after));
        write_weight(model, layer, after)?;
    }
    Ok(())
}

/// The current weight tensor of `layer`.
pub fn read_weight(model: &mut Model, layer: &Layer) -> Result<Tensor, PruneError> {
    let mut found = None;
    let _ = for_each_graph_mut::<()>(&mut model.graph, &mut |path, graph| {
        if path == layer.graph {
            found = find_weight(graph, &layer.weight).map(|(_, t)| t.clone());
        }
        Ok(())
    });
    found.ok_or_else(|| PruneError::Weight { layer: layer.name.clone(), reason: format!("weight `{}` vanished", layer.weight) })
}

/// Replaces the weight tensor of `layer` in place.
pub fn write_weight(model: &mut Model, layer: &Layer, tensor: Tensor) -> Result<(), PruneError> {
    let mut slot = Some(tensor);
    let mut written = false;
    let _ = for_each_graph_mut::<()>(&mut model.graph, &mut |path, graph| {
        if path == layer.graph {
            if let (Some((source, _)), Some(t)) = (find_weight(graph, &layer.weight), slot.take()) {
                written = replace_weight(graph, source, t);
            }
        }
        Ok(())
    });
    if written {
        Ok(())
    } else {
        Err(PruneError::Weight { layer: layer.name.clone(), reason: format!("weight `{}` could not be replaced", layer.weight) })
    }
}
