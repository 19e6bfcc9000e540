//! `TensorProto` ⇄ `ir::Tensor`.
//!
//! Reading accepts every storage ONNX allows (typed repeated fields or little-endian
//! `raw_data`) and checks the byte count against the dims before allocating. Writing uses
//! `raw_data` (strings: `string_data`), which every reader accepts, except for int32/int64
//! tensors whose typed field (varints) is smaller: exporters store shapes and axes that way, and
//! rewriting them as 8-byte raw values made compressed files larger than their input. Element types
//! without a `DType` are kept as the encoded proto (`Tensor::Opaque`) and written back as is.

use half::{bf16, f16};
use prost::Message;

use super::OnnxError;
use super::proto::{TensorProto, tensor_proto::DataLocation};
use crate::ir::dtype_dispatch::dispatch_tensor;
use crate::ir::{DType, OpaqueTensor, Tensor, checked_numel, packed4};

/// Proto-level labels of a tensor, beside its data.
pub struct TensorLabels {
    pub name: String,
    pub doc_string: String,
    pub metadata_props: Vec<(String, String)>,
}

/// Decodes a `TensorProto` into labels and data.
pub fn tensor_from_proto(p: &TensorProto) -> Result<(TensorLabels, Tensor), OnnxError> {
    let name = p.name.clone().unwrap_or_default();
    if p.data_location == Some(DataLocation::External as i32) || !p.external_data.is_empty() {
        let location = p
            .external_data
            .iter()
            .find(|e| e.key.as_deref() == Some("location"))
            .and_then(|e| e.value.clone())
            .unwrap_or_default();
        return Err(OnnxError::ExternalData { tensor: name, location });
    }
    if p.segment.is_some() {
        return Err(OnnxError::InvalidTensor { tensor: name, reason: "segmented tensors are not supported".into() });
    }
    let labels = TensorLabels {
        name: name.clone(),
        doc_string: p.doc_string.clone().unwrap_or_default(),
        metadata_props: p
            .metadata_props
            .iter()
            .map(|e| (e.key.clone().unwrap_or_default(), e.value.clone().unwrap_or_default()))
            .collect(),
    };
    let mut shape = Vec::with_capacity(p.dims.len());
    for &d in &p.dims {
        let d = usize::try_from(d)
            .map_err(|_| OnnxError::InvalidTensor { tensor: name.clone(), reason: format!("negative dim {d} in {:?}", p.dims) })?;
        shape.push(d);
    }
    let numel = checked_numel(&shape)
        .map_err(|_| OnnxError::InvalidTensor { tensor: name.clone(), reason: format!("dims {:?} are too large", p.dims) })?;
    let code = p.data_type.unwrap_or(0);
    let Some(dtype) = DType::from_onnx_code(code) else {
        let mut unnamed = p.clone();
        unnamed.name = None;
        unnamed.doc_string = None;
        unnamed.metadata_props.clear();
        let packed = if packed4::is_4bit(code) { Some(packed_4bit(p, &name, numel)?) } else { None };
        let opaque = OpaqueTensor { data_type: code, dims: p.dims.clone(), encoded: unnamed.encode_to_vec(), packed };
        return Ok((labels, Tensor::Opaque(opaque)));
    };
    let reader = DataReader { p, name: &name, numel, dtype };
    let tensor = match dtype {
        DType::F32 => build(&shape, reader.read(4, |b| f32::from_le_bytes(arr(b)), || p.float_data.clone())?),
        DType::F64 => build(&shape, reader.read(8, |b| f64::from_le_bytes(arr(b)), || p.double_data.clone())?),
        DType::F16 => build(
            &shape,
            reader.read(2, |b| f16::from_le_bytes(arr(b)), || p.int32_data.iter().map(|&v| f16::from_bits(v as u16)).collect())?,
        ),
        DType::BF16 => build(
            &shape,
            reader.read(2, |b| bf16::from_le_bytes(arr(b)), || p.int32_data.iter().map(|&v| bf16::from_bits(v as u16)).collect())?,
        ),
        DType::I8 => build(&shape, reader.read(1, |b| b[0] as i8, || p.int32_data.iter().map(|&v| v as i8).collect())?),
        DType::I16 => build(&shape, reader.read(2, |b| i16::from_le_bytes(arr(b)), || p.int32_data.iter().map(|&v| v as i16).collect())?),
        DType::I32 => build(&shape, reader.read(4, |b| i32::from_le_bytes(arr(b)), || p.int32_data.clone())?),
        DType::I64 => build(&shape, reader.read(8, |b| i64::from_le_bytes(arr(b)), || p.int64_data.clone())?),
        DType::U8 => build(&shape, reader.read(1, |b| b[0], || p.int32_data.iter().map(|&v| v as u8).collect())?),
        DType::U16 => build(&shape, reader.read(2, |b| u16::from_le_bytes(arr(b)), || p.int32_data.iter().map(|&v| v as u16).collect())?),
        DType::U32 => build(&shape, reader.read(4, |b| u32::from_le_bytes(arr(b)), || p.uint64_data.iter().map(|&v| v as u32).collect())?),
        DType::U64 => build(&shape, reader.read(8, |b| u64::from_le_bytes(arr(b)), || p.uint64_data.clone())?),
        DType::Bool => build(&shape, reader.read(1, |b| b[0] != 0, || p.int32_data.iter().map(|&v| v != 0).collect())?),
        DType::String => {
            if p.string_data.len() != numel {
                return Err(reader.count_error(p.string_data.len()));
            }
            build(&shape, p.string_data.clone())
        }
    };
    tensor.map(|t| (labels, t)).map_err(|e| OnnxError::InvalidTensor { tensor: name, reason: e.to_string() })
}

/// The packed data of an int4/uint4 tensor: `raw_data`, or `int32_data` (two elements, one byte,
/// per value), checked against the dims.
fn packed_4bit(p: &TensorProto, name: &str, numel: usize) -> Result<Vec<u8>, OnnxError> {
    let want = packed4::packed_len(numel);
    let (bytes, field) = match &p.raw_data {
        Some(raw) if !raw.is_empty() || numel == 0 => (raw.clone(), "raw_data"),
        _ => (p.int32_data.iter().map(|&v| v as u8).collect(), "int32_data"),
    };
    if bytes.len() != want {
        return Err(OnnxError::InvalidTensor {
            tensor: name.to_string(),
            reason: format!("{field} has {} bytes, dims {:?} of a 4-bit type need {want}", bytes.len(), p.dims),
        });
    }
    Ok(bytes)
}

struct DataReader<'a> {
    p: &'a TensorProto,
    name: &'a str,
    numel: usize,
    dtype: DType,
}

impl DataReader<'_> {
    /// Reads `numel` values from `raw_data` (little-endian, `width` bytes each) or, when there
    /// is no raw data, from the typed field via `typed`. Counts are checked before allocating.
    fn read<T>(&self, width: usize, from_le: impl Fn(&[u8]) -> T, typed: impl FnOnce() -> Vec<T>) -> Result<Vec<T>, OnnxError> {
        match &self.p.raw_data {
            Some(raw) if !raw.is_empty() || self.numel == 0 => {
                let want = self.numel.checked_mul(width).unwrap_or(usize::MAX);
                if raw.len() != want {
                    return Err(OnnxError::InvalidTensor {
                        tensor: self.name.to_string(),
                        reason: format!(
                            "raw_data has {} bytes, dims {:?} of {} need {want}",
                            raw.len(),
                            self.p.dims,
                            self.dtype
                        ),
                    });
                }
                Ok(raw.chunks_exact(width).map(from_le).collect())
            }
            _ => {
                let values = typed();
                if values.len() != self.numel {
                    return Err(self.count_error(values.len()));
                }
                Ok(values)
            }
        }
    }

    fn count_error(&self, got: usize) -> OnnxError {
        OnnxError::InvalidTensor {
            tensor: self.name.to_string(),
            reason: format!("holds {got} values, dims {:?} need {}", self.p.dims, self.numel),
        }
    }
}

fn arr<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&b[..N]);
    out
}

fn build<T: crate::ir::Element>(shape: &[usize], data: Vec<T>) -> Result<Tensor, crate::ir::TensorError> {
    Tensor::from_vec(shape, data)
}

/// Encodes a tensor with the given labels.
pub fn tensor_to_proto(labels: TensorLabels, t: &Tensor) -> TensorProto {
    let mut p = match t {
        Tensor::Opaque(o) if !o.encoded.is_empty() => TensorProto::decode(o.encoded.as_slice()).unwrap_or_else(|_| TensorProto {
            dims: o.dims.clone(),
            data_type: Some(o.data_type),
            ..TensorProto::default()
        }),
        // Built in memory (a 4-bit weight a pass wrote): its packed bytes are the raw data.
        Tensor::Opaque(o) => TensorProto {
            dims: o.dims.clone(),
            data_type: Some(o.data_type),
            raw_data: o.packed.clone().filter(|b| !b.is_empty()),
            ..TensorProto::default()
        },
        _ => TensorProto {
            dims: t.shape().iter().map(|&d| d as i64).collect(),
            data_type: Some(t.onnx_type()),
            ..TensorProto::default()
        },
    };
    match t {
        Tensor::Opaque(_) => {}
        Tensor::String(a) => p.string_data = a.iter().cloned().collect(),
        Tensor::I32(a) if varints_are_smaller(a.iter().map(|&v| i64::from(v)), 4) => p.int32_data = a.iter().copied().collect(),
        Tensor::I64(a) if varints_are_smaller(a.iter().copied(), 8) => p.int64_data = a.iter().copied().collect(),
        Tensor::Bool(a) => p.raw_data = Some(a.iter().map(|&v| v as u8).collect()),
        // Every numeric type: its little-endian bytes.
        numeric => dispatch_tensor!(numeric, numeric, a => {
            p.raw_data = Some(a.iter().flat_map(|v| num_traits::ToBytes::to_le_bytes(v)).collect());
        }, _ => {}),
    }
    if !matches!(t, Tensor::Opaque(_)) && p.raw_data.as_ref().is_some_and(Vec::is_empty) {
        p.raw_data = None; // an empty tensor needs no data field (exporters write none: 2 bytes each)
    }
    p.name = non_empty(labels.name);
    p.doc_string = non_empty(labels.doc_string);
    p.metadata_props = super::encode::string_pairs(&labels.metadata_props);
    p
}

/// Whether storing `values` as a typed repeated field (one varint each, as prost writes it:
/// with its tag byte, a negative value takes 10 bytes) is smaller than `width` raw bytes each.
fn varints_are_smaller(values: impl Iterator<Item = i64>, width: usize) -> bool {
    let mut varint_bytes = 0usize;
    let mut raw_bytes = 0usize;
    for v in values {
        varint_bytes += 1 + prost::encoding::encoded_len_varint(v as u64);
        raw_bytes += width;
    }
    varint_bytes < raw_bytes
}

pub(crate) fn non_empty(s: String) -> Option<String> {
    if s.is_empty() { None } else { Some(s) }
}

/// Decodes a serialized `TensorProto` (e.g. the conformance suite's `input_0.pb`).
pub fn decode_tensor(bytes: &[u8]) -> Result<(String, Tensor), OnnxError> {
    let p = TensorProto::decode(bytes).map_err(|e| OnnxError::Protobuf(e.to_string()))?;
    let (labels, t) = tensor_from_proto(&p)?;
    Ok((labels.name, t))
}

/// Encodes one tensor as a serialized `TensorProto` named `name`.
pub fn encode_tensor(name: &str, t: &Tensor) -> Vec<u8> {
    let labels = TensorLabels { name: name.to_string(), doc_string: String::new(), metadata_props: Vec::new() };
    tensor_to_proto(labels, t).encode_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::dtype::onnx_code;

    fn proto(dtype: i32, dims: Vec<i64>) -> TensorProto {
        TensorProto { dims, data_type: Some(dtype), name: Some("t".into()), ..TensorProto::default() }
    }

    #[test]
    fn typed_fields_and_raw_data_decode_to_the_same_tensor() {
        let mut typed = proto(onnx_code::FLOAT, vec![2]);
        typed.float_data = vec![1.5, -2.0];
        let mut raw = proto(onnx_code::FLOAT, vec![2]);
        raw.raw_data = Some([1.5f32.to_le_bytes(), (-2.0f32).to_le_bytes()].concat());
        assert_eq!(tensor_from_proto(&typed).unwrap().1, tensor_from_proto(&raw).unwrap().1);
    }

    #[test]
    fn every_dtype_round_trips_through_raw_data() {
        let tensors = [
            Tensor::from_vec(&[2], vec![1.0f32, -0.5]).unwrap(),
            Tensor::from_vec(&[2], vec![f16::from_f32(1.0), f16::from_f32(-3.5)]).unwrap(),
            Tensor::from_vec(&[3], vec![-128i8, 0, 127]).unwrap(),
            Tensor::from_vec(&[1, 2], vec![u64::MAX, 7]).unwrap(),
            Tensor::from_vec(&[2], vec![true, false]).unwrap(),
            Tensor::from_vec(&[2], vec![b"a".to_vec(), vec![0xff]]).unwrap(),
            Tensor::scalar(7i64),
            Tensor::from_vec(&[3], vec![1i64, -1, 1 << 40]).unwrap(),
            Tensor::from_vec(&[2], vec![i32::MIN, 3]).unwrap(),
        ];
        for t in tensors {
            let (name, back) = decode_tensor(&encode_tensor("x", &t)).unwrap();
            assert_eq!(name, "x");
            assert_eq!(back, t);
        }
    }

    #[test]
    fn small_integers_are_written_as_varints_when_that_is_smaller_and_empty_tensors_without_data() {
        let labels = || TensorLabels { name: String::new(), doc_string: String::new(), metadata_props: Vec::new() };
        let small = tensor_to_proto(labels(), &Tensor::from_vec(&[4], vec![1i64, 0, -1, 20]).unwrap());
        assert_eq!((small.int64_data.as_slice(), small.raw_data.as_ref()), (&[1i64, 0, -1, 20][..], None));
        let large = tensor_to_proto(labels(), &Tensor::from_vec(&[2], vec![-1i64, -2]).unwrap());
        assert!(large.int64_data.is_empty() && large.raw_data.as_ref().map(Vec::len) == Some(16));
        let ints = tensor_to_proto(labels(), &Tensor::from_vec(&[2], vec![3i32, 4]).unwrap());
        assert_eq!(ints.int32_data, vec![3, 4]);
        let empty = tensor_to_proto(labels(), &Tensor::from_vec(&[0], Vec::<f32>::new()).unwrap());
        assert_eq!(empty.raw_data, None);
        assert_eq!(decode_tensor(&empty.encode_to_vec()).unwrap().1, Tensor::from_vec(&[0], Vec::<f32>::new()).unwrap());
    }

    #[test]
    fn wrong_byte_counts_and_external_data_are_clear_errors() {
        let mut short = proto(onnx_code::FLOAT, vec![1_000_000_000]);
        short.raw_data = Some(vec![0; 8]);
        let msg = tensor_from_proto(&short).err().unwrap().to_string();
        assert!(msg.contains("raw_data has 8 bytes"), "{msg}");

        let mut ext = proto(onnx_code::FLOAT, vec![4]);
        ext.data_location = Some(DataLocation::External as i32);
        let msg = tensor_from_proto(&ext).err().unwrap().to_string();
        assert!(msg.contains("external"), "{msg}");
    }

    #[test]
    fn unknown_element_types_are_kept_byte_exact() {
        let mut p = proto(22 /* int4 */, vec![3]);
        p.raw_data = Some(vec![0x21, 0x03]);
        let (_, t) = tensor_from_proto(&p).unwrap();
        assert!(matches!(t, Tensor::Opaque(_)));
        let back = tensor_to_proto(TensorLabels { name: "t".into(), doc_string: String::new(), metadata_props: vec![] }, &t);
        assert_eq!(back, p);
    }

    #[test]
    fn int4_tensors_keep_their_bytes_and_read_their_packed_data() {
        let mut p = proto(22, vec![3]);
        p.raw_data = Some(vec![0xf1, 0x08]); // 1, -1, -8
        p.doc_string = Some("kept".into());
        let (_, t) = tensor_from_proto(&p).unwrap();
        assert_eq!(t.unpack_4bit().unwrap().unwrap(), Tensor::from_vec(&[3], vec![1i8, -1, -8]).unwrap());
        let labels = TensorLabels { name: "t".into(), doc_string: "kept".into(), metadata_props: vec![] };
        assert_eq!(tensor_to_proto(labels, &t).encode_to_vec(), p.encode_to_vec());
        // int32_data holds one packed byte a value.
        let mut typed = proto(21, vec![3]);
        typed.int32_data = vec![0xf1, 0x08];
        let (_, u) = tensor_from_proto(&typed).unwrap();
        assert_eq!(u.unpack_4bit().unwrap().unwrap(), Tensor::from_vec(&[3], vec![1u8, 15, 8]).unwrap());
        // A built tensor is saved as raw data and reads back equal.
        let built = OpaqueTensor::packed_4bit(&[2, 3], &[-8, 7, 0, 1, -1, 3], true).unwrap();
        let (_, back) = decode_tensor(&encode_tensor("w", &built)).unwrap();
        assert_eq!(back.unpack_4bit(), built.unpack_4bit());
        // A wrong byte count is refused at load.
        let mut short = proto(22, vec![5]);
        short.raw_data = Some(vec![0; 2]);
        let msg = tensor_from_proto(&short).err().unwrap().to_string();
        assert!(msg.contains("need 3"), "{msg}");
    }
}
