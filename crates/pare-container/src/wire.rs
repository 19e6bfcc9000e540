//! Finds the tensor payloads of an ONNX file by reading its protobuf at wire level: the
//! ModelProto, its graphs (also subgraphs in attributes, functions, training info), their
//! initializers, sparse initializers and tensor attributes. Only the payload bytes of a
//! TensorProto's data fields are reported (`raw_data`, `float_data`, `int32_data`, `int64_data`,
//! `double_data`, `uint64_data`, packed); their tags and lengths stay in the skeleton. Nothing is
//! re-serialized. Bytes that do not parse as this structure yield no payloads (then the whole
//! file is the skeleton: still lossless).

use alloc::vec::Vec;

use crate::varint;

/// A payload: its byte range in the file and its element width (1 for varint-packed fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payload {
    pub start: usize,
    pub end: usize,
    pub width: usize,
}

#[derive(Clone, Copy)]
enum Kind {
    Model,
    Graph,
    Function,
    TrainingInfo,
    Node,
    Attribute,
    Tensor,
    SparseTensor,
}

/// Which field of a message of `kind` holds which message (None: not followed).
fn child(kind: Kind, field: u64) -> Option<Kind> {
    use Kind::*;
    match (kind, field) {
        (Model, 7) => Some(Graph),
        (Model, 20) => Some(TrainingInfo),
        (Model, 25) => Some(Function),
        (TrainingInfo, 1 | 2) => Some(Graph),
        (Graph, 1) | (Function, 7) => Some(Node),
        (Graph, 5) => Some(Tensor),
        (Graph, 15) => Some(SparseTensor),
        (Node, 5) => Some(Attribute),
        (Attribute, 5 | 10) => Some(Tensor),
        (Attribute, 6 | 11) => Some(Graph),
        (Attribute, 22 | 23) => Some(SparseTensor),
        (SparseTensor, 1 | 2) => Some(Tensor),
        _ => None,
    }
}

/// The element width of ONNX's TensorProto.DataType `data_type` in `raw_data`.
fn raw_width(data_type: u64) -> usize {
    match data_type {
        1 | 6 | 12 | 14 => 4,      // float, int32, uint32, complex64 (as floats)
        4 | 5 | 10 | 16 => 2,      // uint16, int16, float16, bfloat16
        7 | 11 | 13 | 15 => 8,     // int64, double, uint64, complex128 (as doubles)
        _ => 1,
    }
}

/// Payloads shorter than this stay in the skeleton.
pub const MIN_PAYLOAD: usize = 64;

/// The payloads of `file` in file order, and whether it looked like an ONNX model (a ModelProto
/// with a graph). Empty when it does not parse.
pub fn payloads(file: &[u8]) -> (Vec<Payload>, bool) {
    let mut out = Vec::new();
    let mut has_graph = false;
    match walk(file, 0, file.len(), Kind::Model, &mut out, &mut has_graph, 0) {
        Some(()) => (out, has_graph),
        None => (Vec::new(), false),
    }
}

struct Field {
    number: u64,
    /// For length-delimited fields, the value's range; for varints, the value in `start`.
    start: usize,
    end: usize,
    wire: u64,
}

fn next_field(file: &[u8], at: &mut usize, end: usize) -> Option<Field> {
    let bytes = &file[..end];
    let key = varint::get(bytes, at)?;
    let (number, wire) = (key >> 3, key & 7);
    if number == 0 {
        return None;
    }
    let (start, stop) = match wire {
        0 => {
            let v = varint::get(bytes, at)?;
            (v as usize, *at)
        }
        1 => (*at, at.checked_add(8)?),
        2 => {
            let len = usize::try_from(varint::get(bytes, at)?).ok()?;
            (*at, at.checked_add(len)?)
        }
        5 => (*at, at.checked_add(4)?),
        _ => return None,
    };
    if stop > end {
        return None;
    }
    *at = stop;
    Some(Field { number, start, end: stop, wire })
}

fn walk(file: &[u8], start: usize, end: usize, kind: Kind, out: &mut Vec<Payload>, has_graph: &mut bool, depth: u32) -> Option<()> {
    if depth > 64 {
        return None;
    }
    let mut at = start;
    if let Kind::Tensor = kind {
        return tensor(file, start, end, out);
    }
    while at < end {
        let field = next_field(file, &mut at, end)?;
        if field.wire != 2 {
            continue;
        }
        if let Some(sub) = child(kind, field.number) {
            if let (Kind::Model, Kind::Graph) = (kind, sub) {
                *has_graph = true;
            }
            walk(file, field.start, field.end, sub, out, has_graph, depth + 1)?;
        }
    }
    Some(())
}

fn tensor(file: &[u8], start: usize, end: usize, out: &mut Vec<Payload>) -> Option<()> {
    let mut data_type = 0;
    let mut found: Vec<(usize, usize, u64)> = Vec::new();
    let mut at = start;
    while at < end {
        let field = next_field(file, &mut at, end)?;
        match (field.number, field.wire) {
            (2, 0) => data_type = field.start as u64,
            (4 | 5 | 7 | 9 | 10 | 11, 2) => found.push((field.start, field.end, field.number)),
            _ => {}
        }
    }
    for (s, e, number) in found {
        let width = match number {
            9 => raw_width(data_type),
            4 => 4,
            10 => 8,
            _ => 1,
        };
        if e - s >= MIN_PAYLOAD {
            out.push(Payload { start: s, end: e, width });
        }
    }
    Some(())
}
