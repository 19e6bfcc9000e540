//! The fuzzer's mutations, all driven by the seeded [`Rng`] so a failure reproduces from its
//! seed and iteration: on bytes (truncation, bit and byte flips, varints rewritten to runs of
//! 0xff, chunks duplicated or removed) and on a decoded model (structural edits: nodes removed,
//! duplicated, reordered, rewired or retyped, attributes and dims made extreme).

use pare::ir::{AttrValue, Dim, Model, TypeInfo};

use crate::common::Rng;

/// One byte-level mutation of `bytes`.
pub fn bytes(rng: &mut Rng, original: &[u8]) -> Vec<u8> {
    let mut b = original.to_vec();
    if b.is_empty() {
        let n = 1 + rng.below(64);
        return rng.bytes(n);
    }
    let at = rng.below(b.len());
    match rng.below(8) {
        0 => b.truncate(at),
        1 => b[at] ^= 1 << rng.below(8),
        2 => b[at] = rng.next() as u8,
        // A varint rewritten: a run of 0xff (continuation bits set) then a terminator, which
        // claims a huge length or field number.
        3 => {
            let run = 1 + rng.below(10);
            let end = (at + run).min(b.len());
            b.splice(at..end, std::iter::repeat_n(0xff, run).chain([0x01]));
        }
        4 => {
            let len = 1 + rng.below(64.min(b.len() - at));
            let chunk = b[at..at + len].to_vec();
            let to = rng.below(b.len() + 1);
            b.splice(to..to, chunk);
        }
        5 => {
            let len = 1 + rng.below(256.min(b.len() - at));
            b.drain(at..at + len);
        }
        6 => {
            let run = 1 + rng.below(16);
            b.splice(at..at, std::iter::repeat_n(0xff, run));
        }
        _ => {
            // A few flips at once.
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(b.len());
                b[i] = rng.next() as u8;
            }
        }
    }
    b
}

/// Values an attribute or dim is set to: degenerate, negative and huge.
const EXTREMES: [i64; 8] = [0, -1, 1, 2, 1 << 20, 1 << 40, i64::MAX, i64::MIN];

const OP_TYPES: [&str; 16] = [
    "Relu", "Add", "Conv", "MatMul", "Reshape", "Expand", "Tile", "ConstantOfShape", "Concat", "Gather", "Pad", "Resize",
    "Loop", "Range", "Slice", "Transpose",
];

/// One structural edit of `model`'s main graph.
pub fn structure(rng: &mut Rng, model: &mut Model) {
    let graph = &mut model.graph;
    let n = graph.nodes.len();
    if n == 0 {
        return;
    }
    let i = rng.below(n);
    match rng.below(9) {
        0 => {
            graph.nodes.remove(i);
        }
        1 => {
            let copy = graph.nodes[i].clone();
            graph.nodes.insert(rng.below(n + 1), copy);
        }
        2 => graph.nodes.reverse(),
        3 => {
            // Rewire an input to another value of the graph (maybe a later one: a cycle).
            let j = rng.below(n);
            if let (Some(out), false) = (graph.nodes[j].outputs.first().cloned(), graph.nodes[i].inputs.is_empty()) {
                let slot = rng.below(graph.nodes[i].inputs.len());
                graph.nodes[i].inputs[slot] = out;
            }
        }
        4 => graph.nodes[i].op_type = OP_TYPES[rng.below(OP_TYPES.len())].to_string(),
        5 => {
            let node = &mut graph.nodes[i];
            let value = EXTREMES[rng.below(EXTREMES.len())];
            match node.attributes.iter_mut().find(|a| matches!(a.value, AttrValue::Int(_) | AttrValue::Ints(_))) {
                Some(a) => match &mut a.value {
                    AttrValue::Int(v) => *v = value,
                    AttrValue::Ints(v) if !v.is_empty() => {
                        let k = rng.below(v.len());
                        v[k] = value;
                    }
                    _ => {}
                },
                None => node.set_attribute("axis", AttrValue::Int(value)),
            }
        }
        6 => {
            // A declared input dim made extreme.
            if let Some(input) = graph.inputs.first_mut() {
                if let Some(TypeInfo::Tensor { shape: Some(dims), .. }) = input.ty.as_mut() {
                    if !dims.is_empty() {
                        let k = rng.below(dims.len());
                        dims[k] = Dim::known(EXTREMES[rng.below(EXTREMES.len())]);
                    }
                }
            }
        }
        7 => {
            graph.nodes[i].outputs.push(format!("extra_{i}"));
        }
        _ => {
            graph.nodes[i].inputs.push(String::new());
        }
    }
}

/// One edit of a recipe's JSON text: characters removed or duplicated, numbers made extreme,
/// a key misspelled.
pub fn text(rng: &mut Rng, original: &str) -> String {
    let mut chars: Vec<char> = original.chars().collect();
    if chars.is_empty() {
        return "{".into();
    }
    let at = rng.below(chars.len());
    match rng.below(5) {
        0 => chars.truncate(at),
        1 => {
            chars.remove(at);
        }
        2 => {
            let len = 1 + rng.below(16.min(chars.len() - at));
            let chunk: Vec<char> = chars[at..at + len].to_vec();
            let to = rng.below(chars.len() + 1);
            chars.splice(to..to, chunk);
        }
        3 => {
            let number = ["1e309", "-1", "0", "18446744073709551616", "NaN", "1e-320", "99999999999"][rng.below(7)];
            chars.splice(at..at, number.chars());
        }
        _ => chars[at] = ['"', '{', '}', '[', ']', ':', ',', 'x', '\u{0}', 'é'][rng.below(10)],
    }
    chars.into_iter().collect()
}
