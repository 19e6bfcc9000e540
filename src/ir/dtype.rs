//! Element types pare can hold in memory, and their ONNX `TensorProto.DataType` codes.
//!
//! ONNX defines more codes than pare computes with (complex, float8, 4-bit). Those are kept
//! as raw codes (`i32`) wherever the IR stores declared types, so files round-trip losslessly;
//! `DType` is the closed set that has an in-memory `Tensor` variant.

use std::fmt;

/// An element type with an in-memory representation (see `Tensor`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    F32,
    F64,
    F16,
    BF16,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    Bool,
    String,
}

/// ONNX `TensorProto.DataType` codes (onnx-ml.proto, ONNX 1.22).
pub mod onnx_code {
    pub const UNDEFINED: i32 = 0;
    pub const FLOAT: i32 = 1;
    pub const UINT8: i32 = 2;
    pub const INT8: i32 = 3;
    pub const UINT16: i32 = 4;
    pub const INT16: i32 = 5;
    pub const INT32: i32 = 6;
    pub const INT64: i32 = 7;
    pub const STRING: i32 = 8;
    pub const BOOL: i32 = 9;
    pub const FLOAT16: i32 = 10;
    pub const DOUBLE: i32 = 11;
    pub const UINT32: i32 = 12;
    pub const UINT64: i32 = 13;
    pub const COMPLEX64: i32 = 14;
    pub const COMPLEX128: i32 = 15;
    pub const BFLOAT16: i32 = 16;
}

impl DType {
    pub const ALL: [DType; 14] = [
        DType::F32,
        DType::F64,
        DType::F16,
        DType::BF16,
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::U8,
        DType::U16,
        DType::U32,
        DType::U64,
        DType::Bool,
        DType::String,
    ];

    /// The ONNX `TensorProto.DataType` code.
    pub fn onnx_code(self) -> i32 {
        use onnx_code::*;
        match self {
            DType::F32 => FLOAT,
            DType::F64 => DOUBLE,
            DType::F16 => FLOAT16,
            DType::BF16 => BFLOAT16,
            DType::I8 => INT8,
            DType::I16 => INT16,
            DType::I32 => INT32,
            DType::I64 => INT64,
            DType::U8 => UINT8,
            DType::U16 => UINT16,
            DType::U32 => UINT32,
            DType::U64 => UINT64,
            DType::Bool => BOOL,
            DType::String => STRING,
        }
    }

    /// The dtype for an ONNX code, or `None` for codes pare keeps but does not compute with.
    pub fn from_onnx_code(code: i32) -> Option<DType> {
        DType::ALL.into_iter().find(|d| d.onnx_code() == code)
    }

    /// Bytes per element in a dense buffer (strings: 0, they have no fixed size).
    pub fn size_bytes(self) -> usize {
        match self {
            DType::F64 | DType::I64 | DType::U64 => 8,
            DType::F32 | DType::I32 | DType::U32 => 4,
            DType::F16 | DType::BF16 | DType::I16 | DType::U16 => 2,
            DType::I8 | DType::U8 | DType::Bool => 1,
            DType::String => 0,
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64 | DType::F16 | DType::BF16)
    }

    pub fn is_integer(self) -> bool {
        matches!(
            self,
            DType::I8 | DType::I16 | DType::I32 | DType::I64 | DType::U8 | DType::U16 | DType::U32 | DType::U64
        )
    }

    /// Lower-case name as used in reports, npy headers and the JS API (`"float32"`, `"int8"`…).
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::F16 => "float16",
            DType::BF16 => "bfloat16",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U8 => "uint8",
            DType::U16 => "uint16",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
            DType::Bool => "bool",
            DType::String => "string",
        }
    }

    /// Parses the names produced by [`DType::name`].
    pub fn from_name(name: &str) -> Option<DType> {
        DType::ALL.into_iter().find(|d| d.name() == name)
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Human-readable name for any ONNX element-type code, including the ones without a `DType`.
pub fn onnx_type_name(code: i32) -> String {
    if let Some(d) = DType::from_onnx_code(code) {
        return d.name().to_string();
    }
    match code {
        0 => "undefined".into(),
        14 => "complex64".into(),
        15 => "complex128".into(),
        17 => "float8e4m3fn".into(),
        18 => "float8e4m3fnuz".into(),
        19 => "float8e5m2".into(),
        20 => "float8e5m2fnuz".into(),
        21 => "uint4".into(),
        22 => "int4".into(),
        23 => "float4e2m1".into(),
        24 => "float8e8m0".into(),
        25 => "uint2".into(),
        26 => "int2".into(),
        other => format!("onnx type {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_round_trip_for_every_dtype() {
        for d in DType::ALL {
            assert_eq!(DType::from_onnx_code(d.onnx_code()), Some(d));
            assert_eq!(DType::from_name(d.name()), Some(d));
        }
        assert_eq!(DType::from_onnx_code(14), None);
        assert_eq!(onnx_type_name(22), "int4");
    }
}
