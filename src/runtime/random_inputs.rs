//! Seeded random inputs for a [`Session`](super::Session): what `pare run --random` feeds, and
//! how `analysis` runs a model once to learn the real shape of every value.
//!
//! Shapes come from the declared inputs. A symbolic dim (`batch`) takes the value the caller
//! sets for that name, else the value a caller-provided tensor (or whole-shape override) shows
//! for it, else 1; an unnamed dim (`?`, or a negative number some exporters write) is 1. The
//! caller may also give an input's whole shape, which must agree with the declared rank and
//! known dims. An input with no declared shape and no override cannot be guessed: the error
//! names it.
//!
//! Values, by element type (chosen so that most models run without a domain-specific input):
//! - floats: uniform in [-1, 1) (the range of normalised images and embeddings);
//! - integers: uniform in [0, 4) (small and non-negative, so index-like inputs such as token ids
//!   or Gather indices stay in range of small tables);
//! - bool: true or false with equal odds.
//!
//! The generator is SplitMix64 (Steele, Lea, Flood 2014): tiny, no dependency, and plenty for
//! test data. Each input gets its own stream derived from the seed and its name, so one input's
//! values do not change when another input is provided from a file instead.

use std::collections::HashMap;

use num_traits::AsPrimitive;

use super::session::InputSpec;
use crate::ir::dtype_dispatch::dispatch_dtype;
use crate::ir::{DType, DimValue, Graph, Tensor, checked_numel, dtype::onnx_type_name};
use crate::ops::util::float::FloatElement;

/// Refuse to invent inputs above this many elements (1 GiB of float32): a symbolic dim was
/// probably meant to be smaller.
const MAX_RANDOM_ELEMENTS: usize = 1 << 28;

/// Largest integer generated, exclusive.
const INTEGER_BOUND: u64 = 4;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RandomInputError {
    #[error("input `{name}` declares no shape, so random data cannot be made for it; provide a tensor")]
    NoShape { name: String },
    #[error("input `{name}` declares no tensor element type, so random data cannot be made for it; provide a tensor")]
    NoType { name: String },
    #[error("input `{name}` is {type_name}; random data is made for numeric and bool inputs only")]
    UnsupportedType { name: String, type_name: String },
    #[error("input `{name}` would have shape {shape:?}, too large for random data; set smaller symbolic dims")]
    TooLarge { name: String, shape: Vec<usize> },
    #[error("dim `{name}` is set but no input declares it (declared symbolic dims: {declared})")]
    UnknownDim { name: String, declared: String },
    #[error("a shape is given for `{name}`, but the model has no such input (its inputs: {inputs})")]
    UnknownInput { name: String, inputs: String },
    #[error("shape {given:?} given for input `{name}` does not fit its declared shape {declared}")]
    ShapeMismatch { name: String, given: Vec<usize>, declared: String },
    /// Too many samples for the memory budget (`crate::budget`).
    #[error(transparent)]
    Budget(#[from] crate::budget::OverBudget),
}

impl RandomInputError {
    pub fn kind(&self) -> crate::error::ErrorKind {
        use crate::error::ErrorKind;
        match self {
            RandomInputError::TooLarge { .. } | RandomInputError::Budget(_) => ErrorKind::TooLarge,
            RandomInputError::NoShape { .. } | RandomInputError::NoType { .. } | RandomInputError::UnsupportedType { .. } => {
                ErrorKind::BadInput
            }
            _ => ErrorKind::BadArgument,
        }
    }
}

/// How to make random inputs: a seed and values for symbolic dims.
#[derive(Clone, Debug, Default)]
pub struct RandomInputs {
    pub seed: u64,
    /// Symbolic dim name → size (`--dim batch=4`).
    pub dims: HashMap<String, usize>,
    /// Input name → whole shape (`--shape x=1,3,48,192`), for inputs whose dims are unnamed or
    /// share one symbol.
    pub shapes: HashMap<String, Vec<usize>>,
}

impl RandomInputs {
    pub fn new(seed: u64) -> Self {
        RandomInputs { seed, dims: HashMap::new(), shapes: HashMap::new() }
    }

    pub fn with_dim(mut self, name: impl Into<String>, size: usize) -> Self {
        self.dims.insert(name.into(), size);
        self
    }

    pub fn with_shape(mut self, input: impl Into<String>, shape: Vec<usize>) -> Self {
        self.shapes.insert(input.into(), shape);
        self
    }

    /// Checks that every dim set by the caller is a symbolic dim some input declares, and that
    /// every whole shape names an input and fits its declaration.
    pub fn check_dims(&self, specs: &[InputSpec]) -> Result<(), RandomInputError> {
        let mut named: Vec<(&String, &Vec<usize>)> = self.shapes.iter().collect();
        crate::sort::sort_by(&mut named, |a, b| a.cmp(b));
        for (name, given) in named {
            let Some(spec) = specs.iter().find(|s| &s.name == name) else {
                let inputs: Vec<String> = specs.iter().map(|s| format!("`{}`", s.name)).collect();
                return Err(RandomInputError::UnknownInput { name: name.clone(), inputs: inputs.join(", ") });
            };
            if !fits_declaration(given, spec) {
                let declared = spec.shape.as_deref().map(crate::ir::format_shape).unwrap_or_default();
                return Err(RandomInputError::ShapeMismatch { name: name.clone(), given: given.clone(), declared });
            }
        }
        let declared = symbolic_dims(specs);
        let mut names: Vec<&String> = self.dims.keys().collect();
        crate::sort::sort_by(&mut names, |a, b| a.cmp(b));
        match names.into_iter().find(|n| !declared.contains(n)) {
            Some(name) => Err(RandomInputError::UnknownDim {
                name: name.clone(),
                declared: if declared.is_empty() { "none".into() } else { declared.join(", ") },
            }),
            None => Ok(()),
        }
    }

    /// Random tensors for every input a caller must feed, in declared order.
    pub fn generate(&self, specs: &[InputSpec]) -> Result<Vec<(String, Tensor)>, RandomInputError> {
        self.complete(specs, Vec::new())
    }

    /// `provided` plus random tensors for the required inputs it lacks. Symbolic dims not set
    /// by the caller take the size a provided tensor shows for them.
    pub fn complete(
        &self,
        specs: &[InputSpec],
        provided: Vec<(String, Tensor)>,
    ) -> Result<Vec<(String, Tensor)>, RandomInputError> {
        let mut dims = self.dims.clone();
        let provided_shapes = provided.iter().map(|(name, t)| (name, t.shape()));
        let known_shapes: Vec<(&String, Vec<usize>)> =
            provided_shapes.chain(self.shapes.iter().map(|(n, s)| (n, s.clone()))).collect();
        for (name, shape) in &known_shapes {
            let Some(declared) = specs.iter().find(|s| &s.name == *name).and_then(|s| s.shape.as_ref()) else {
                continue;
            };
            for (dim, &size) in declared.iter().zip(shape) {
                if let DimValue::Symbol(symbol) = &dim.value {
                    dims.entry(symbol.clone()).or_insert(size);
                }
            }
        }
        let mut out = provided;
        for spec in specs.iter().filter(|s| !s.has_default) {
            if out.iter().any(|(name, _)| name == &spec.name) {
                continue;
            }
            let tensor = random_tensor_for(spec, self.shapes.get(&spec.name), &dims, self.seed)?;
            out.push((spec.name.clone(), tensor));
        }
        Ok(out)
    }
}

/// The inputs `graph` declares, as a `Session` would see them (without preparing one).
pub fn declared_inputs(graph: &Graph) -> Vec<InputSpec> {
    graph
        .inputs
        .iter()
        .map(|v| {
            let (elem_type, shape) = match v.tensor_type() {
                Some((e, s)) => (Some(e), s.map(<[_]>::to_vec)),
                None => (None, None),
            };
            InputSpec { name: v.name.clone(), elem_type, shape, has_default: graph.initializer(&v.name).is_some() }
        })
        .collect()
}

/// Symbolic dim names declared by the inputs, in first-use order.
pub fn symbolic_dims(specs: &[InputSpec]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for dim in specs.iter().filter_map(|s| s.shape.as_ref()).flatten() {
        if let DimValue::Symbol(s) = &dim.value {
            if !names.contains(s) {
                names.push(s.clone());
            }
        }
    }
    names
}

/// The concrete shape for `spec`: known dims as declared, symbols from `dims` (default 1).
pub fn resolve_shape(spec: &InputSpec, dims: &HashMap<String, usize>) -> Result<Vec<usize>, RandomInputError> {
    let Some(declared) = &spec.shape else {
        return Err(RandomInputError::NoShape { name: spec.name.clone() });
    };
    let shape: Vec<usize> = declared
        .iter()
        .map(|d| match &d.value {
            DimValue::Known(v) => usize::try_from(*v).unwrap_or(1),
            DimValue::Symbol(s) => dims.get(s).copied().unwrap_or(1),
            DimValue::Unknown => 1,
        })
        .collect();
    match checked_numel(&shape) {
        Ok(n) if n <= MAX_RANDOM_ELEMENTS => Ok(shape),
        _ => Err(RandomInputError::TooLarge { name: spec.name.clone(), shape }),
    }
}

/// True when `given` has the declared rank and agrees with every known (non-negative) dim.
fn fits_declaration(given: &[usize], spec: &InputSpec) -> bool {
    let Some(declared) = &spec.shape else { return true };
    declared.len() == given.len()
        && declared.iter().zip(given).all(|(d, &g)| match d.value {
            DimValue::Known(v) if v >= 0 => v as usize == g,
            _ => true,
        })
}

fn random_tensor_for(
    spec: &InputSpec,
    whole_shape: Option<&Vec<usize>>,
    dims: &HashMap<String, usize>,
    seed: u64,
) -> Result<Tensor, RandomInputError> {
    let dtype = match spec.elem_type {
        None | Some(0) => return Err(RandomInputError::NoType { name: spec.name.clone() }),
        Some(code) => DType::from_onnx_code(code).filter(|d| *d != DType::String).ok_or_else(|| {
            RandomInputError::UnsupportedType { name: spec.name.clone(), type_name: onnx_type_name(code) }
        })?,
    };
    let shape = match whole_shape {
        Some(shape) => match checked_numel(shape) {
            Ok(n) if n <= MAX_RANDOM_ELEMENTS => shape.clone(),
            _ => return Err(RandomInputError::TooLarge { name: spec.name.clone(), shape: shape.clone() }),
        },
        None => resolve_shape(spec, dims)?,
    };
    let mut rng = SplitMix64::new(seed ^ fnv1a(spec.name.as_bytes()));
    random_tensor(dtype, &shape, &mut rng)
        .ok_or_else(|| RandomInputError::TooLarge { name: spec.name.clone(), shape: shape.clone() })
}

/// A tensor of `dtype` and `shape` with the value distribution in the module docs; `None` for
/// strings or a shape that cannot be allocated.
pub fn random_tensor(dtype: DType, shape: &[usize], rng: &mut SplitMix64) -> Option<Tensor> {
    let n = checked_numel(shape).ok()?;
    macro_rules! fill {
        ($make:expr) => {
            Tensor::from_vec(shape, (0..n).map(|_| $make).collect()).ok()
        };
    }
    let small_int = |rng: &mut SplitMix64| rng.below(INTEGER_BOUND);
    match dtype {
        DType::F64 => fill!(rng.next_f64() * 2.0 - 1.0),
        DType::Bool => fill!(rng.next_u64() >> 63 == 1),
        DType::String => None,
        // Other floats: an f32 draw rounded to the type; integers: `as` from the small draw.
        d => dispatch_dtype!(float, d, E => fill!(E::narrow((rng.next_f32() * 2.0 - 1.0).as_())), _ => {
            dispatch_dtype!(int, d, E => fill!(AsPrimitive::<E>::as_(small_int(rng))), _ => None)
        }),
    }
}

/// SplitMix64: a 64-bit state advanced by a constant and scrambled on output.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 random bits (every value exactly representable).
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 * (1.0 / (1u64 << 24) as f32)
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [0, bound) for small bounds (the modulo bias is below 2^-60).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }
}

/// FNV-1a: a stable hash of an input name, to give each input its own stream.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Dim, dtype::onnx_code};

    fn spec(name: &str, elem_type: i32, shape: Option<Vec<Dim>>) -> InputSpec {
        InputSpec { name: name.into(), elem_type: Some(elem_type), shape, has_default: false }
    }

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // First outputs for seed 1234567 from the reference C implementation (Vigna).
        let mut rng = SplitMix64::new(1234567);
        assert_eq!(rng.next_u64(), 6457827717110365317);
        assert_eq!(rng.next_u64(), 3203168211198807973);
        assert_eq!(rng.next_u64(), 9817491932198370423);
    }

    #[test]
    fn symbolic_dims_come_from_the_caller_then_default_to_one() {
        let x = spec("x", onnx_code::FLOAT, Some(vec![Dim::symbol("batch"), Dim::known(3), Dim::default()]));
        let generator = RandomInputs::new(7).with_dim("batch", 5);
        let inputs = generator.generate(std::slice::from_ref(&x)).unwrap();
        assert_eq!(inputs[0].1.shape(), vec![5, 3, 1]);
        let inputs = RandomInputs::new(7).generate(&[x]).unwrap();
        assert_eq!(inputs[0].1.shape(), vec![1, 3, 1]);
    }

    #[test]
    fn provided_tensors_fix_the_symbols_they_show() {
        let specs = [
            spec("a", onnx_code::FLOAT, Some(vec![Dim::symbol("n"), Dim::known(2)])),
            spec("b", onnx_code::INT64, Some(vec![Dim::symbol("n")])),
        ];
        let a = Tensor::zeros::<f32>(&[6, 2]).unwrap();
        let all = RandomInputs::new(1).complete(&specs, vec![("a".into(), a)]).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].0, "b");
        assert_eq!(all[1].1.shape(), vec![6]);
    }

    #[test]
    fn values_follow_the_documented_ranges_and_the_seed() {
        let specs = [
            spec("f", onnx_code::FLOAT, Some(vec![Dim::known(1000)])),
            spec("i", onnx_code::INT64, Some(vec![Dim::known(1000)])),
            spec("b", onnx_code::BOOL, Some(vec![Dim::known(1000)])),
            spec("h", onnx_code::FLOAT16, Some(vec![Dim::known(10)])),
        ];
        let first = RandomInputs::new(42).generate(&specs).unwrap();
        assert_eq!(first, RandomInputs::new(42).generate(&specs).unwrap());
        assert_ne!(first, RandomInputs::new(43).generate(&specs).unwrap());
        let floats = first[0].1.to_f64_vec().unwrap();
        assert!(floats.iter().all(|v| (-1.0..1.0).contains(v)));
        assert!(floats.iter().any(|&v| v < -0.5) && floats.iter().any(|&v| v > 0.5));
        let ints = first[1].1.to_i64_vec().unwrap();
        assert!(ints.iter().all(|v| (0..4).contains(v)));
        assert!((0..4).all(|k| ints.contains(&k)));
        let trues = first[2].1.as_array::<bool>().unwrap().iter().filter(|&&b| b).count();
        assert!((400..600).contains(&trues));
    }

    #[test]
    fn an_input_keeps_its_values_when_another_is_provided() {
        let specs = [
            spec("a", onnx_code::FLOAT, Some(vec![Dim::known(4)])),
            spec("b", onnx_code::FLOAT, Some(vec![Dim::known(4)])),
        ];
        let both = RandomInputs::new(9).generate(&specs).unwrap();
        let only_b = RandomInputs::new(9).complete(&specs, vec![both[0].clone()]).unwrap();
        assert_eq!(only_b[1], both[1]);
        assert_ne!(both[0].1, both[1].1);
    }

    #[test]
    fn errors_name_the_input() {
        let generator = RandomInputs::new(0);
        let err = generator.generate(&[spec("img", onnx_code::FLOAT, None)]).unwrap_err();
        assert!(err.to_string().contains("`img` declares no shape"), "{err}");
        let err = generator.generate(&[spec("txt", onnx_code::STRING, Some(vec![]))]).unwrap_err();
        assert!(err.to_string().contains("`txt` is string"), "{err}");
        let huge = spec("big", onnx_code::FLOAT, Some(vec![Dim::symbol("n"), Dim::known(1 << 20)]));
        let err = RandomInputs::new(0).with_dim("n", 1 << 20).generate(&[huge]).unwrap_err();
        assert!(matches!(err, RandomInputError::TooLarge { ref name, .. } if name == "big"), "{err}");
        let err =
            RandomInputs::new(0).with_dim("batchh", 2).check_dims(&[spec("x", 1, Some(vec![Dim::symbol("batch")]))]);
        assert_eq!(
            err.unwrap_err().to_string(),
            "dim `batchh` is set but no input declares it (declared symbolic dims: batch)"
        );
    }

    #[test]
    fn whole_shapes_override_unnamed_dims_and_are_checked() {
        let x =
            spec("x", onnx_code::FLOAT, Some(vec![Dim::known(-1), Dim::known(3), Dim::symbol("?"), Dim::symbol("?")]));
        let y = spec("y", onnx_code::FLOAT, Some(vec![Dim::symbol("?")]));
        let generator = RandomInputs::new(0).with_shape("x", vec![2, 3, 48, 192]);
        generator.check_dims(&[x.clone(), y.clone()]).unwrap();
        let inputs = generator.generate(&[x.clone(), y]).unwrap();
        assert_eq!(inputs[0].1.shape(), vec![2, 3, 48, 192]);
        let wrong =
            RandomInputs::new(0).with_shape("x", vec![2, 4, 48, 192]).check_dims(std::slice::from_ref(&x)).unwrap_err();
        assert_eq!(
            wrong.to_string(),
            "shape [2, 4, 48, 192] given for input `x` does not fit its declared shape [-1, 3, ?, ?]"
        );
        let unknown = RandomInputs::new(0).with_shape("z", vec![1]).check_dims(&[x]).unwrap_err();
        assert!(unknown.to_string().contains("no such input"), "{unknown}");
        let undeclared = spec("u", onnx_code::FLOAT, None);
        let made = RandomInputs::new(0).with_shape("u", vec![5]).generate(&[undeclared]).unwrap();
        assert_eq!(made[0].1.shape(), vec![5]);
    }

    #[test]
    fn inputs_backed_by_initializers_are_left_to_their_default() {
        let mut w = spec("w", onnx_code::FLOAT, Some(vec![Dim::known(2)]));
        w.has_default = true;
        assert!(RandomInputs::new(0).generate(&[w]).unwrap().is_empty());
    }
}
