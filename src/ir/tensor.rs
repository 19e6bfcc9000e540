//! `Tensor`: an n-dimensional array of one element type, the value every op consumes and produces.
//!
//! One enum variant per [`DType`], each an `ndarray::ArrayD` (row-major, owned). Ops match on
//! the variant they support, usually through the macros of [`super::dtype_dispatch`], and report the
//! dtype they got otherwise. Element types ONNX defines but pare does not compute with
//! (complex, float8, 4-bit) live in [`Tensor::Opaque`]: kept byte-exact for round trips,
//! refused by ops, except 4-bit integers, which DequantizeLinear reads ([`super::packed4`]).

use half::{bf16, f16};
use ndarray::{ArrayD, IxDyn};

use super::dtype::DType;
use super::dtype_dispatch::{dispatch_tensor, for_each_dtype};

/// String tensors hold raw bytes: ONNX strings are not guaranteed to be UTF-8.
pub type Bytes = Vec<u8>;

#[derive(Clone, Debug, PartialEq)]
pub enum Tensor {
    F32(ArrayD<f32>),
    F64(ArrayD<f64>),
    F16(ArrayD<f16>),
    BF16(ArrayD<bf16>),
    I8(ArrayD<i8>),
    I16(ArrayD<i16>),
    I32(ArrayD<i32>),
    I64(ArrayD<i64>),
    U8(ArrayD<u8>),
    U16(ArrayD<u16>),
    U32(ArrayD<u32>),
    U64(ArrayD<u64>),
    Bool(ArrayD<bool>),
    String(ArrayD<Bytes>),
    /// An element type pare does not compute with: the encoded `TensorProto` without its name.
    Opaque(OpaqueTensor),
}

/// A tensor of an element type without a `DType` (complex, float8, int4…), kept as encoded bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct OpaqueTensor {
    /// ONNX `TensorProto.DataType` code.
    pub data_type: i32,
    pub dims: Vec<i64>,
    /// The encoded `TensorProto` (name cleared), re-emitted unchanged on save. Empty for a
    /// tensor built in memory (a 4-bit weight a pass wrote): saved from `dims` and `packed`.
    pub encoded: Vec<u8>,
    /// int4/uint4 only: the packed data (as `raw_data` stores it, see [`super::packed4`]), which
    /// DequantizeLinear reads. `None` for other types.
    pub packed: Option<Vec<u8>>,
}

/// Rust element types that have a `Tensor` variant; lets generic code build and borrow tensors.
pub trait Element: Clone + Default + std::fmt::Debug + PartialEq + 'static {
    const DTYPE: DType;
    fn wrap(a: ArrayD<Self>) -> Tensor;
    fn view(t: &Tensor) -> Option<&ArrayD<Self>>;
    fn unwrap(t: Tensor) -> Result<ArrayD<Self>, Tensor>;
}

macro_rules! impl_element {
    ($variant:ident, $ty:ty) => {
        impl Element for $ty {
            const DTYPE: DType = DType::$variant;
            fn wrap(a: ArrayD<Self>) -> Tensor {
                Tensor::$variant(a)
            }
            fn view(t: &Tensor) -> Option<&ArrayD<Self>> {
                match t {
                    Tensor::$variant(a) => Some(a),
                    _ => None,
                }
            }
            fn unwrap(t: Tensor) -> Result<ArrayD<Self>, Tensor> {
                match t {
                    Tensor::$variant(a) => Ok(a),
                    other => Err(other),
                }
            }
        }
    };
}
for_each_dtype!(any, impl_element);

/// Why a tensor could not be built or read as asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TensorError {
    #[error("shape {shape:?} holds {expected} elements but {got} were given")]
    ElementCount { shape: Vec<usize>, expected: usize, got: usize },
    #[error("expected a {want} tensor, got {got}")]
    DType { want: String, got: String },
    #[error("shape {0:?} is too large")]
    TooLarge(Vec<usize>),
}

impl TensorError {
    pub fn kind(&self) -> crate::error::ErrorKind {
        use crate::error::ErrorKind;
        match self {
            TensorError::ElementCount { .. } | TensorError::DType { .. } => ErrorKind::BadInput,
            TensorError::TooLarge(_) => ErrorKind::TooLarge,
        }
    }
}

impl Tensor {
    /// Builds a tensor from a shape and row-major data, checking the element count.
    pub fn from_vec<T: Element>(shape: &[usize], data: Vec<T>) -> Result<Tensor, TensorError> {
        let expected = checked_numel(shape)?;
        if expected != data.len() {
            return Err(TensorError::ElementCount { shape: shape.to_vec(), expected, got: data.len() });
        }
        ArrayD::from_shape_vec(IxDyn(shape), data)
            .map(T::wrap)
            .map_err(|_| TensorError::TooLarge(shape.to_vec()))
    }

    /// A 0-d tensor holding one value.
    pub fn scalar<T: Element>(value: T) -> Tensor {
        T::wrap(ArrayD::from_elem(IxDyn(&[]), value))
    }

    /// A tensor of `shape` filled with `T::default()` (zeros, `false`, empty strings).
    pub fn zeros<T: Element>(shape: &[usize]) -> Result<Tensor, TensorError> {
        checked_numel(shape)?;
        Ok(T::wrap(ArrayD::from_elem(IxDyn(shape), T::default())))
    }

    /// The element type, or `None` for an opaque tensor.
    pub fn dtype(&self) -> Option<DType> {
        dispatch_tensor!(any, self, _a: E => Some(<E as Element>::DTYPE), Tensor::Opaque(_) => None)
    }

    /// The ONNX element-type code (also for opaque tensors).
    pub fn onnx_type(&self) -> i32 {
        match self {
            Tensor::Opaque(o) => o.data_type,
            t => t.dtype().map(DType::onnx_code).unwrap_or(0),
        }
    }

    /// Name of the element type for messages (`"float32"`, `"int4"`…).
    pub fn type_name(&self) -> String {
        super::dtype::onnx_type_name(self.onnx_type())
    }

    /// Dimensions. Opaque tensors with a negative or overflowing dim report 0 there.
    pub fn shape(&self) -> Vec<usize> {
        dispatch_tensor!(any, self, a => a.shape().to_vec(), Tensor::Opaque(o) => {
            o.dims.iter().map(|&d| usize::try_from(d).unwrap_or(0)).collect()
        })
    }

    pub fn rank(&self) -> usize {
        self.shape().len()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.shape().iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of the dense data (strings: sum of their lengths; 4-bit: packed size; other opaque
    /// types: encoded size).
    pub fn byte_size(&self) -> usize {
        match self {
            Tensor::String(a) => a.iter().map(Vec::len).sum(),
            Tensor::Opaque(o) => o.packed.as_ref().map_or(o.encoded.len(), Vec::len),
            t => t.len() * t.dtype().map(DType::size_bytes).unwrap_or(0),
        }
    }

    /// Borrows the array if the tensor has element type `T`.
    pub fn as_array<T: Element>(&self) -> Result<&ArrayD<T>, TensorError> {
        T::view(self).ok_or_else(|| TensorError::DType { want: T::DTYPE.name().into(), got: self.type_name() })
    }

    /// Takes the array if the tensor has element type `T`.
    pub fn into_array<T: Element>(self) -> Result<ArrayD<T>, TensorError> {
        T::unwrap(self).map_err(|t| TensorError::DType { want: T::DTYPE.name().into(), got: t.type_name() })
    }

    /// Values of an integer tensor as i64 (for shape-like inputs: axes, pads, sizes…).
    pub fn to_i64_vec(&self) -> Result<Vec<i64>, TensorError> {
        // `as` is lossless for every integer type but u64, whose values above i64::MAX wrap.
        dispatch_tensor!(int, self, a => Ok(a.iter().map(|&v| v as i64).collect()), other => {
            Err(TensorError::DType { want: "an integer type".into(), got: other.type_name() })
        })
    }

    /// Values of any numeric or bool tensor converted to f64 (for scalars such as Clip bounds).
    pub fn to_f64_vec(&self) -> Result<Vec<f64>, TensorError> {
        Ok(dispatch_tensor!(float, self, a => a.iter().map(|&v| f64::from(v)).collect(), other => match other {
            Tensor::Bool(a) => a.iter().map(|&v| if v { 1.0 } else { 0.0 }).collect(),
            Tensor::String(_) | Tensor::Opaque(_) => {
                return Err(TensorError::DType { want: "a numeric type".into(), got: self.type_name() });
            }
            int => int.to_i64_vec()?.into_iter().map(|v| v as f64).collect(),
        }))
    }
}

/// Most elements one tensor may hold. 64-bit targets: 2^40 (no 24 GiB machine holds that many).
/// 32-bit targets (wasm32): what the address space can hold at 16 bytes an element, so a buffer of
/// any checked size never overflows `isize` (which would panic instead of erroring).
pub const MAX_ELEMENTS: usize = if usize::BITS > 40 { 1 << 40 } else { isize::MAX as usize / 16 };

/// Product of dims, refusing overflow and anything above [`MAX_ELEMENTS`].
pub fn checked_numel(shape: &[usize]) -> Result<usize, TensorError> {
    let mut n: usize = 1;
    for &d in shape {
        n = n.checked_mul(d).ok_or_else(|| TensorError::TooLarge(shape.to_vec()))?;
    }
    if n > MAX_ELEMENTS {
        return Err(TensorError::TooLarge(shape.to_vec()));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_vec_checks_the_element_count() {
        assert!(Tensor::from_vec(&[2, 3], vec![0f32; 6]).is_ok());
        let err = Tensor::from_vec(&[2, 3], vec![0f32; 5]).unwrap_err();
        assert_eq!(err, TensorError::ElementCount { shape: vec![2, 3], expected: 6, got: 5 });
    }

    #[test]
    fn overflowing_shapes_are_refused() {
        assert!(matches!(Tensor::zeros::<f32>(&[usize::MAX, 2]), Err(TensorError::TooLarge(_))));
        assert!(matches!(Tensor::zeros::<u8>(&[1 << 21, 1 << 21]), Err(TensorError::TooLarge(_))));
    }

    #[test]
    fn typed_access_reports_the_actual_type() {
        let t = Tensor::scalar(3i64);
        assert_eq!(t.dtype(), Some(DType::I64));
        assert_eq!(t.to_i64_vec().unwrap(), vec![3]);
        let err = t.as_array::<f32>().unwrap_err();
        assert_eq!(err.to_string(), "expected a float32 tensor, got int64");
    }
}
