//! Warnings for suspicious data a compress job is given: NaN or infinite values in the model's
//! weights (initializers and `Constant` nodes of the main graph) or in calibration and
//! comparison samples. The job still runs: calibration leaves non-finite values out of every
//! activation range (min/max and histograms count finite values only), weight quantization
//! leaves them out of the scale (NaN quantizes to 0, ±inf saturates), and the warning says so.

use crate::ir::dtype_dispatch::dispatch_tensor;
use crate::ir::{AttrValue, Model, Tensor};
use crate::runtime::Dataset;

/// Named tensors shown in a warning before "… and N more".
const SHOWN: usize = 3;

/// NaN and infinite values of a float tensor; `None` for other element types.
fn non_finite(tensor: &Tensor) -> Option<(usize, usize)> {
    fn count<T: num_traits::Float>(values: impl Iterator<Item = T>) -> (usize, usize) {
        values.fold((0, 0), |(n, i), v| (n + usize::from(v.is_nan()), i + usize::from(v.is_infinite())))
    }
    dispatch_tensor!(float, tensor, a => Some(count(a.iter().copied())), _ => None)
}

/// "`w` (3 NaN, 1 infinite of 100 values), `b` (…) and 2 more" for the tensors that hold any.
fn describe<'a>(tensors: impl Iterator<Item = (&'a str, &'a Tensor)>) -> Option<String> {
    let found: Vec<String> = tensors
        .filter_map(|(name, t)| match non_finite(t)? {
            (0, 0) => None,
            (nan, inf) => Some(format!("`{name}` ({nan} NaN, {inf} infinite of {} values)", t.len())),
        })
        .collect();
    match found.len() {
        0 => None,
        n if n <= SHOWN => Some(found.join(", ")),
        n => Some(format!("{} and {} more", found[..SHOWN].join(", "), n - SHOWN)),
    }
}

/// A warning when weights of `model` are NaN or infinite.
pub fn non_finite_weights(model: &Model) -> Option<String> {
    let graph = &model.graph;
    let constants = graph.nodes.iter().filter(|n| n.op_type == "Constant").filter_map(|n| match &n.attribute("value")?.value {
        AttrValue::Tensor(t) => Some((n.outputs.first().map_or("", String::as_str), &t.tensor)),
        _ => None,
    });
    let tensors = graph.initializers.iter().map(|i| (i.name.as_str(), &i.tensor)).chain(constants);
    describe(tensors).map(|list| {
        format!(
            "the model's weights hold NaN or infinite values: {list}; quantization scales leave them out (NaN becomes 0, \
             ±inf saturates), but the model was probably saved broken"
        )
    })
}

/// A warning when `data` (`what`: "calibration", "comparison") holds NaN or infinite values.
pub fn non_finite_samples(data: &Dataset, what: &str) -> Option<String> {
    let mut totals: Vec<(String, usize, usize, usize)> = Vec::new();
    for sample in &data.samples {
        for (name, tensor) in sample {
            let Some((nan, inf)) = non_finite(tensor) else { continue };
            match totals.iter_mut().find(|(n, ..)| n == name) {
                Some(t) => (t.1, t.2, t.3) = (t.1 + nan, t.2 + inf, t.3 + tensor.len()),
                None => totals.push((name.clone(), nan, inf, tensor.len())),
            }
        }
    }
    let found: Vec<String> = totals
        .iter()
        .filter(|(_, nan, inf, _)| nan + inf > 0)
        .map(|(name, nan, inf, len)| format!("input `{name}` ({nan} NaN, {inf} infinite of {len} values)"))
        .collect();
    if found.is_empty() {
        return None;
    }
    let effect = match what {
        "calibration" => "activation ranges are computed from the finite values only",
        _ => "the measured error may be NaN",
    };
    Some(format!("the {what} samples hold NaN or infinite values: {}; {effect}", found.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Graph, Initializer};

    #[test]
    fn non_finite_weights_and_samples_are_named() {
        let tensor = |values: Vec<f32>| Tensor::from_vec(&[values.len()], values).unwrap();
        let mut model = Model { graph: Graph::default(), ..Model::default() };
        model.graph.initializers.push(Initializer::new("fine", tensor(vec![1.0, 2.0])));
        assert_eq!(non_finite_weights(&model), None);
        model.graph.initializers.push(Initializer::new("w", tensor(vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.0])));
        let warning = non_finite_weights(&model).unwrap();
        assert!(warning.contains("`w` (1 NaN, 2 infinite of 4 values)") && !warning.contains("fine"), "{warning}");

        let sample = |v: f32| vec![("x".to_string(), tensor(vec![v, 0.5])), ("ids".to_string(), Tensor::from_vec(&[1], vec![3i64]).unwrap())];
        let data = Dataset { samples: vec![sample(0.0), sample(f32::NAN), sample(f32::NAN)], random: false };
        let warning = non_finite_samples(&data, "calibration").unwrap();
        assert!(warning.contains("input `x` (2 NaN, 0 infinite of 6 values)") && warning.contains("finite values only"), "{warning}");
        assert_eq!(non_finite_samples(&Dataset { samples: vec![sample(1.0)], random: false }, "calibration"), None);
    }
}
