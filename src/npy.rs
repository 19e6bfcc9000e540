//! NumPy `.npy` files ⇄ [`Tensor`]: how the CLI takes inputs and writes outputs, so results can
//! be compared with onnxruntime in two lines of Python (`np.load`).
//!
//! Format (numpy `lib/format.py`, "NEP 1"): the magic `\x93NUMPY`, a major/minor version byte,
//! the header length (u16 little-endian in 1.0, u32 in 2.0 and 3.0), then a Python dict literal
//! `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` padded with spaces to a multiple
//! of 64 bytes and ended by `\n`, then the raw elements. 3.0 only allows a UTF-8 header.
//!
//! Read: versions 1.0/2.0/3.0; little-, big- and native-endian (`<`, `>`, `=`, `|`); C order, and
//! Fortran order (reordered to C order). Element types float16/32/64, int8/16/32/64,
//! uint8/16/32/64 and bool. Strings, objects, complex, datetimes and structured types are refused
//! with a message saying so. Written: version 1.0 (2.0 if the header needs it), little-endian,
//! C order; bfloat16 and strings have no numpy type and are refused.
//!
//! The bytes are untrusted: the header's shape is checked against the data length before
//! anything is allocated, so a tiny file that claims a huge shape fails cheaply.

use half::f16;
use ndarray::{ArrayD, IxDyn, ShapeBuilder};

use crate::ir::{DType, Element, Tensor, checked_numel};

const MAGIC: &[u8; 6] = b"\x93NUMPY";
/// numpy pads the header so the data starts on a 64-byte boundary.
const ALIGNMENT: usize = 64;
/// numpy refuses headers above 10 000 bytes by default; real headers are ~100 bytes. A larger
/// claim is a corrupt or hostile file.
const MAX_HEADER_LEN: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NpyError {
    #[error("not a .npy file: {0}")]
    NotNpy(String),
    #[error(".npy format version {major}.{minor} is not supported (pare reads 1.0, 2.0 and 3.0)")]
    Version { major: u8, minor: u8 },
    #[error("bad .npy header: {0}")]
    Header(String),
    #[error(".npy element type `{descr}` is not supported: {reason}")]
    ElementType { descr: String, reason: String },
    #[error(".npy data holds {got} bytes but shape {shape:?} of {dtype} needs {want}")]
    DataSize { shape: Vec<usize>, dtype: &'static str, want: usize, got: usize },
    #[error(".npy shape {0:?} is too large")]
    TooLarge(Vec<usize>),
    #[error("a {0} tensor cannot be written as .npy: {1}")]
    Unwritable(String, &'static str),
    #[error(transparent)]
    Budget(#[from] crate::budget::OverBudget),
}

impl NpyError {
    pub fn kind(&self) -> crate::error::ErrorKind {
        match self {
            NpyError::TooLarge(_) | NpyError::Budget(_) => crate::error::ErrorKind::TooLarge,
            _ => crate::error::ErrorKind::BadInput,
        }
    }
}

/// Reads a whole `.npy` file.
pub fn read_npy(bytes: &[u8]) -> Result<Tensor, NpyError> {
    let (header, data) = split_header(bytes)?;
    let header = parse_header(header)?;
    let numel = checked_numel(&header.shape).map_err(|_| NpyError::TooLarge(header.shape.clone()))?;
    let want = numel.checked_mul(header.element.size()).ok_or_else(|| NpyError::TooLarge(header.shape.clone()))?;
    if data.len() != want {
        return Err(NpyError::DataSize {
            shape: header.shape,
            dtype: header.element.dtype.name(),
            want,
            got: data.len(),
        });
    }
    let shown = || format!("a .npy array of shape {:?} ({})", header.shape, header.element.dtype.name());
    // The decoded copy, plus one more when a Fortran-order array is reordered.
    crate::budget::check(if header.fortran_order { want.saturating_mul(2) } else { want }, shown)?;
    decode_data(&header, data)
}

/// Encodes `tensor` as a `.npy` file (little-endian, C order).
pub fn write_npy(tensor: &Tensor) -> Result<Vec<u8>, NpyError> {
    let descr = match tensor.dtype() {
        Some(DType::F32) => "<f4",
        Some(DType::F64) => "<f8",
        Some(DType::F16) => "<f2",
        Some(DType::I8) => "|i1",
        Some(DType::I16) => "<i2",
        Some(DType::I32) => "<i4",
        Some(DType::I64) => "<i8",
        Some(DType::U8) => "|u1",
        Some(DType::U16) => "<u2",
        Some(DType::U32) => "<u4",
        Some(DType::U64) => "<u8",
        Some(DType::Bool) => "|b1",
        Some(DType::BF16) => return Err(NpyError::Unwritable("bfloat16".into(), "numpy has no bfloat16 type")),
        Some(DType::String) => {
            return Err(NpyError::Unwritable("string".into(), "pare writes numeric and bool tensors only"));
        }
        None => return Err(NpyError::Unwritable(tensor.type_name(), "numpy has no such element type")),
    };
    let mut out = header_bytes(descr, &tensor.shape());
    // The encoded copy doubles the tensor's memory: reserved fallibly, so that an output too
    // large to copy is an error (`too-large`), not an abort.
    out.try_reserve_exact(tensor.byte_size()).map_err(|_| {
        let what = format!("the .npy of a {} {:?} tensor", tensor.type_name(), tensor.shape());
        crate::budget::OverBudget { what, bytes: tensor.byte_size(), budget: crate::budget::max_bytes() }
    })?;
    match tensor {
        Tensor::F32(a) => a.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        Tensor::F64(a) => a.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        Tensor::F16(a) => a.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        Tensor::I8(a) => a.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        Tensor::I16(a) => a.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        Tensor::I32(a) => a.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        Tensor::I64(a) => a.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        Tensor::U8(a) => out.extend(a.iter().copied()),
        Tensor::U16(a) => a.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        Tensor::U32(a) => a.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        Tensor::U64(a) => a.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())),
        Tensor::Bool(a) => out.extend(a.iter().map(|&v| u8::from(v))),
        _ => unreachable!("every other variant returned above"),
    }
    Ok(out)
}

/// Magic, version, header length and the padded header dict for `descr` and `shape`.
fn header_bytes(descr: &str, shape: &[usize]) -> Vec<u8> {
    let shape_text = match shape {
        [] => "()".to_string(),
        [one] => format!("({one},)"),
        dims => format!("({})", dims.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")),
    };
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_text}, }}");
    // Version 1.0 has a u16 length; switch to 2.0 only when the header does not fit.
    let (version, length_bytes) =
        if dict.len() + 1 + 10 + ALIGNMENT <= u16::MAX as usize { (1u8, 2) } else { (2u8, 4) };
    let prefix = MAGIC.len() + 2 + length_bytes;
    let padded = (prefix + dict.len() + 1).div_ceil(ALIGNMENT) * ALIGNMENT - prefix;
    let mut header = dict.into_bytes();
    header.resize(padded - 1, b' ');
    header.push(b'\n');
    let mut out = Vec::with_capacity(prefix + header.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[version, 0]);
    if version == 1 {
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(&header);
    out
}

/// Where the header starts and how long it claims to be: `(prefix, header_len)`.
fn header_bounds(bytes: &[u8]) -> Result<(usize, usize), NpyError> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err(NpyError::NotNpy("it does not start with the \\x93NUMPY magic".into()));
    }
    let (major, minor) = (bytes[6], bytes[7]);
    let (header_len, prefix) = match (major, minor) {
        (1, 0) => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        (2 | 3, 0) => {
            let Some(len) = bytes.get(8..12) else {
                return Err(NpyError::NotNpy("the file ends inside the header length".into()));
            };
            (u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize, 12)
        }
        _ => return Err(NpyError::Version { major, minor }),
    };
    if header_len > MAX_HEADER_LEN {
        return Err(NpyError::Header(format!("it claims {header_len} bytes, more than any real header")));
    }
    Ok((prefix, header_len))
}

/// How many leading bytes of a `.npy` file hold its header, from its first 12 bytes (10 for
/// version 1.0); `.npz` reading uses it to inflate only the header before trusting a size.
pub fn header_end(start: &[u8]) -> Result<usize, NpyError> {
    let (prefix, header_len) = header_bounds(start)?;
    Ok(prefix + header_len)
}

/// The whole file's length as its header declares it (`start` holds at least the header), so a
/// reader can cap how much it inflates before it allocates.
pub fn declared_len(start: &[u8]) -> Result<usize, NpyError> {
    let (text, _) = split_header(start)?;
    let header = parse_header(text)?;
    let numel = checked_numel(&header.shape).map_err(|_| NpyError::TooLarge(header.shape.clone()))?;
    let data = numel.checked_mul(header.element.size()).ok_or_else(|| NpyError::TooLarge(header.shape.clone()))?;
    header_end(start)?.checked_add(data).ok_or(NpyError::TooLarge(header.shape))
}

/// Splits the file into the header text and the data bytes.
fn split_header(bytes: &[u8]) -> Result<(&str, &[u8]), NpyError> {
    let (prefix, header_len) = header_bounds(bytes)?;
    let major = bytes[6];
    let Some(header) = bytes.get(prefix..prefix + header_len) else {
        return Err(NpyError::Header(format!("it claims {header_len} bytes but the file ends first")));
    };
    let text = match major {
        3 => std::str::from_utf8(header).map_err(|_| NpyError::Header("a 3.0 header must be UTF-8".into()))?,
        // 1.0 and 2.0 headers are latin-1; every valid one is ASCII.
        _ => std::str::from_utf8(header).map_err(|_| NpyError::Header("it is not ASCII text".into()))?,
    };
    Ok((text, &bytes[prefix + header_len..]))
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum ByteOrder {
    Little,
    Big,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct ElementFormat {
    dtype: DType,
    order: ByteOrder,
}

impl ElementFormat {
    fn size(self) -> usize {
        self.dtype.size_bytes()
    }
}

#[derive(Debug, PartialEq)]
struct Header {
    element: ElementFormat,
    fortran_order: bool,
    shape: Vec<usize>,
}

/// A value in the header dict: the only Python literals numpy writes there.
#[derive(Debug, PartialEq)]
enum Literal {
    Str(String),
    Bool(bool),
    Ints(Vec<u64>),
}

fn parse_header(text: &str) -> Result<Header, NpyError> {
    let entries = DictParser { rest: text.trim_end() }.parse()?;
    let get = |key: &str| entries.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    let descr = match get("descr") {
        Some(Literal::Str(s)) => s.as_str(),
        Some(_) => {
            return Err(NpyError::ElementType {
                descr: "(structured)".into(),
                reason: "structured (record) arrays are not tensors".into(),
            });
        }
        None => return Err(NpyError::Header("it has no 'descr' key".into())),
    };
    let fortran_order = match get("fortran_order") {
        Some(Literal::Bool(b)) => *b,
        _ => return Err(NpyError::Header("'fortran_order' is missing or not True/False".into())),
    };
    let shape = match get("shape") {
        Some(Literal::Ints(dims)) => dims
            .iter()
            .map(|&d| usize::try_from(d).map_err(|_| NpyError::TooLarge(vec![usize::MAX])))
            .collect::<Result<Vec<usize>, _>>()?,
        _ => return Err(NpyError::Header("'shape' is missing or not a tuple of integers".into())),
    };
    Ok(Header { element: parse_descr(descr)?, fortran_order, shape })
}

/// `'<f4'` → float32, little-endian.
fn parse_descr(descr: &str) -> Result<ElementFormat, NpyError> {
    let unsupported = |reason: &str| NpyError::ElementType { descr: descr.to_string(), reason: reason.to_string() };
    let (order, code) = match descr.as_bytes().first() {
        Some(b'<') => (ByteOrder::Little, &descr[1..]),
        Some(b'>') => (ByteOrder::Big, &descr[1..]),
        Some(b'|' | b'=') => (native_order(), &descr[1..]),
        _ => (native_order(), descr),
    };
    let dtype = match code {
        "f2" | "e" => DType::F16,
        "f4" | "f" => DType::F32,
        "f8" | "d" => DType::F64,
        "i1" | "b" => DType::I8,
        "i2" | "h" => DType::I16,
        "i4" => DType::I32,
        "i8" | "q" => DType::I64,
        "u1" | "B" => DType::U8,
        "u2" | "H" => DType::U16,
        "u4" => DType::U32,
        "u8" | "Q" => DType::U64,
        "b1" | "?" => DType::Bool,
        _ => {
            let reason = match code.as_bytes().first() {
                Some(b'U' | b'S' | b'a') => "string arrays cannot be model inputs here; pare reads numbers and bools",
                Some(b'O') => "object arrays need Python to read",
                Some(b'c') => "complex numbers are not supported",
                Some(b'M' | b'm') => "datetimes are not supported",
                Some(b'V') => "void/structured arrays are not tensors",
                _ => "unknown numpy type code",
            };
            return Err(unsupported(reason));
        }
    };
    Ok(ElementFormat { dtype, order })
}

fn native_order() -> ByteOrder {
    if cfg!(target_endian = "big") { ByteOrder::Big } else { ByteOrder::Little }
}

/// A recursive-descent reader for the header's Python dict literal.
struct DictParser<'a> {
    rest: &'a str,
}

impl DictParser<'_> {
    fn parse(mut self) -> Result<Vec<(String, Literal)>, NpyError> {
        self.expect('{')?;
        let mut entries = Vec::new();
        loop {
            if self.eat('}') {
                break;
            }
            let key = self.string()?;
            self.expect(':')?;
            let value = self.literal()?;
            entries.push((key, value));
            if !self.eat(',') {
                self.expect('}')?;
                break;
            }
        }
        if !self.rest.trim().is_empty() {
            return Err(NpyError::Header("text after the closing brace".into()));
        }
        Ok(entries)
    }

    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_space();
        match self.rest.strip_prefix(c) {
            Some(r) => {
                self.rest = r;
                true
            }
            None => false,
        }
    }

    fn expect(&mut self, c: char) -> Result<(), NpyError> {
        if self.eat(c) { Ok(()) } else { Err(self.error(&format!("expected `{c}`"))) }
    }

    fn error(&self, what: &str) -> NpyError {
        let near: String = self.rest.chars().take(20).collect();
        NpyError::Header(format!("{what} near `{near}`"))
    }

    fn string(&mut self) -> Result<String, NpyError> {
        self.skip_space();
        let quote = match self.rest.chars().next() {
            Some(q @ ('\'' | '"')) => q,
            _ => return Err(self.error("expected a quoted string")),
        };
        let body = &self.rest[1..];
        let end = body.find(quote).ok_or_else(|| self.error("unterminated string"))?;
        let s = body[..end].to_string();
        self.rest = &body[end + 1..];
        Ok(s)
    }

    fn literal(&mut self) -> Result<Literal, NpyError> {
        self.skip_space();
        if self.rest.starts_with(['\'', '"']) {
            return self.string().map(Literal::Str);
        }
        for (word, value) in [("True", true), ("False", false)] {
            if let Some(r) = self.rest.strip_prefix(word) {
                self.rest = r;
                return Ok(Literal::Bool(value));
            }
        }
        if self.eat('(') {
            return self.int_tuple().map(Literal::Ints);
        }
        if self.rest.starts_with('[') {
            // A list descr: a structured dtype. Report it as such rather than as a syntax error.
            return Err(NpyError::ElementType {
                descr: "(structured)".into(),
                reason: "structured (record) arrays are not tensors".into(),
            });
        }
        Err(self.error("expected a string, True/False or a tuple"))
    }

    /// The inside of `(2, 3)`, `(3,)` or `()`, after the opening parenthesis.
    fn int_tuple(&mut self) -> Result<Vec<u64>, NpyError> {
        let mut values = Vec::new();
        loop {
            if self.eat(')') {
                return Ok(values);
            }
            self.skip_space();
            let digits = self.rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(self.error("expected a non-negative integer"));
            }
            let value = self.rest[..digits]
                .parse::<u64>()
                .map_err(|_| NpyError::Header("a dimension does not fit in 64 bits".into()))?;
            self.rest = &self.rest[digits..];
            // Python 2 wrote longs as `3L`.
            self.rest = self.rest.strip_prefix('L').unwrap_or(self.rest);
            values.push(value);
            if !self.eat(',') {
                self.expect(')')?;
                return Ok(values);
            }
        }
    }
}

/// Turns the data bytes (length already checked) into a C-order tensor.
fn decode_data(header: &Header, data: &[u8]) -> Result<Tensor, NpyError> {
    let order = header.element.order;
    let shown = || format!("a .npy array of shape {:?} ({})", header.shape, header.element.dtype.name());
    macro_rules! numbers {
        ($ty:ty) => {{
            const SIZE: usize = std::mem::size_of::<$ty>();
            let mut values: Vec<$ty> = crate::budget::try_vec(data.len() / SIZE, shown)?;
            values.extend(data.chunks_exact(SIZE).map(|chunk| {
                    let mut raw = [0u8; SIZE];
                    raw.copy_from_slice(chunk);
                    match order {
                        ByteOrder::Little => <$ty>::from_le_bytes(raw),
                        ByteOrder::Big => <$ty>::from_be_bytes(raw),
                    }
                }));
            build(&header.shape, header.fortran_order, values)
        }};
    }
    match header.element.dtype {
        DType::F32 => numbers!(f32),
        DType::F64 => numbers!(f64),
        DType::F16 => numbers!(f16),
        DType::I8 => numbers!(i8),
        DType::I16 => numbers!(i16),
        DType::I32 => numbers!(i32),
        DType::I64 => numbers!(i64),
        DType::U8 => {
            let mut values = crate::budget::try_vec(data.len(), shown)?;
            values.extend_from_slice(data);
            build(&header.shape, header.fortran_order, values)
        }
        DType::U16 => numbers!(u16),
        DType::U32 => numbers!(u32),
        DType::U64 => numbers!(u64),
        DType::Bool => {
            let mut values = crate::budget::try_vec(data.len(), shown)?;
            values.extend(data.iter().map(|&b| b != 0));
            build(&header.shape, header.fortran_order, values)
        }
        DType::BF16 | DType::String => unreachable!("parse_descr never yields these"),
    }
}

/// Wraps row-major (or column-major when `fortran_order`) values as a C-order tensor.
fn build<T: Element>(shape: &[usize], fortran_order: bool, values: Vec<T>) -> Result<Tensor, NpyError> {
    let too_large = || NpyError::TooLarge(shape.to_vec());
    let array = if fortran_order {
        let column_major = ArrayD::from_shape_vec(IxDyn(shape).f(), values).map_err(|_| too_large())?;
        column_major.as_standard_layout().into_owned()
    } else {
        ArrayD::from_shape_vec(IxDyn(shape), values).map_err(|_| too_large())?
    };
    Ok(T::wrap(array))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/npy").join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn read_fixture(name: &str) -> Tensor {
        read_npy(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn f32_2x3() -> Tensor {
        Tensor::from_vec(&[2, 3], vec![-0.5f32, -0.25, 0.0, 0.25, 0.5, 0.75]).unwrap()
    }

    #[test]
    fn reads_every_numeric_dtype_numpy_writes() {
        assert_eq!(read_fixture("f32_2x3.npy"), f32_2x3());
        assert_eq!(read_fixture("f64_scalar.npy"), Tensor::scalar(3.25f64));
        let halves = [0.5f32, -1.0, 65504.0, 0.0].map(f16::from_f32).to_vec();
        assert_eq!(read_fixture("f16_4.npy"), Tensor::from_vec(&[4], halves).unwrap());
        assert_eq!(read_fixture("i8_3.npy"), Tensor::from_vec(&[3], vec![-128i8, 0, 127]).unwrap());
        assert_eq!(read_fixture("i16_2x2.npy"), Tensor::from_vec(&[2, 2], vec![-300i16, 1, 2, 300]).unwrap());
        let i32s: Vec<i32> = (0..8).map(|v| v - 4).collect();
        assert_eq!(read_fixture("i32_2x2x2.npy"), Tensor::from_vec(&[2, 2, 2], i32s).unwrap());
        let i64s = vec![-(1i64 << 40), -1, 0, 1, 1 << 40];
        assert_eq!(read_fixture("i64_5.npy"), Tensor::from_vec(&[5], i64s).unwrap());
        assert_eq!(read_fixture("u8_2x2.npy"), Tensor::from_vec(&[2, 2], vec![0u8, 1, 254, 255]).unwrap());
        assert_eq!(read_fixture("u16_3.npy"), Tensor::from_vec(&[3], vec![0u16, 1, 65535]).unwrap());
        assert_eq!(read_fixture("u32_3.npy"), Tensor::from_vec(&[3], vec![0u32, 1, u32::MAX]).unwrap());
        assert_eq!(read_fixture("u64_2.npy"), Tensor::from_vec(&[2], vec![0u64, u64::MAX]).unwrap());
        let bools = vec![true, false, true, false, false, true];
        assert_eq!(read_fixture("bool_2x3.npy"), Tensor::from_vec(&[2, 3], bools).unwrap());
        assert_eq!(read_fixture("f32_empty_0x3.npy"), Tensor::from_vec::<f32>(&[0, 3], vec![]).unwrap());
    }

    #[test]
    fn reads_big_endian_fortran_order_and_newer_versions() {
        assert_eq!(read_fixture("f32_be_2x3.npy"), f32_2x3());
        assert_eq!(read_fixture("i32_be_4.npy"), Tensor::from_vec(&[4], vec![1i32, -2, 3, -4]).unwrap());
        assert_eq!(read_fixture("f32_fortran_2x3.npy"), f32_2x3());
        let fortran = read_fixture("i16_fortran_2x3x2.npy");
        assert_eq!(fortran, Tensor::from_vec(&[2, 3, 2], (0..12).collect::<Vec<i16>>()).unwrap());
        assert!(fortran.as_array::<i16>().unwrap().is_standard_layout());
        assert_eq!(read_fixture("f32_v2_2x3.npy"), f32_2x3());
        assert_eq!(read_fixture("f32_v3_2x3.npy"), f32_2x3());
    }

    #[test]
    fn writes_byte_identical_files_to_numpy() {
        for name in
            ["f32_2x3.npy", "f64_scalar.npy", "f16_4.npy", "i8_3.npy", "i64_5.npy", "u8_2x2.npy", "bool_2x3.npy"]
        {
            let bytes = fixture(name);
            assert_eq!(write_npy(&read_npy(&bytes).unwrap()).unwrap(), bytes, "{name}");
        }
        // Fortran and big-endian files come back as plain little-endian C order.
        assert_eq!(write_npy(&read_fixture("f32_fortran_2x3.npy")).unwrap(), fixture("f32_2x3.npy"));
    }

    #[test]
    fn round_trips_every_writable_dtype() {
        let tensors = [
            Tensor::from_vec(&[2], vec![1.5f64, -2.0]).unwrap(),
            Tensor::from_vec(&[1, 2], vec![-7i16, 7]).unwrap(),
            Tensor::from_vec(&[3], vec![5i32, -6, 7]).unwrap(),
            Tensor::from_vec(&[2], vec![3u16, 4]).unwrap(),
            Tensor::from_vec(&[2, 1], vec![8u32, 9]).unwrap(),
            Tensor::from_vec(&[1], vec![u64::MAX]).unwrap(),
            Tensor::from_vec(&[2, 0, 3], Vec::<f32>::new()).unwrap(),
        ];
        for t in tensors {
            let bytes = write_npy(&t).unwrap();
            assert_eq!((10 + u16::from_le_bytes([bytes[8], bytes[9]]) as usize) % ALIGNMENT, 0);
            assert_eq!(read_npy(&bytes).unwrap(), t);
        }
    }

    #[test]
    fn refuses_strings_complex_and_unwritable_types_clearly() {
        for name in ["unicode_2.npy", "bytes_2.npy"] {
            let err = read_npy(&fixture(name)).unwrap_err().to_string();
            assert!(err.contains("string arrays"), "{name}: {err}");
        }
        let err = read_npy(&fixture("complex64_2.npy")).unwrap_err().to_string();
        assert!(err.contains("complex"), "{err}");
        let bf = Tensor::from_vec(&[1], vec![half::bf16::ONE]).unwrap();
        assert!(write_npy(&bf).unwrap_err().to_string().contains("bfloat16"));
        let s = Tensor::from_vec(&[1], vec![b"a".to_vec()]).unwrap();
        assert!(write_npy(&s).is_err());
    }

    #[test]
    fn huge_claimed_shapes_fail_without_allocating() {
        for shape in
            ["(1000000, 1000000, 1000)", "(4294967296, 4294967296)", "(99999999999999999999,)", "(1099511627776,)"]
        {
            let header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}");
            let mut bytes = header_bytes_raw(&header);
            bytes.extend_from_slice(&[0; 16]);
            assert!(read_npy(&bytes).is_err(), "{shape}");
        }
    }

    #[test]
    fn reports_truncated_and_malformed_files() {
        let mut bytes = fixture("f32_2x3.npy");
        bytes.truncate(bytes.len() - 1);
        let err = read_npy(&bytes).unwrap_err();
        assert_eq!(err, NpyError::DataSize { shape: vec![2, 3], dtype: "float32", want: 24, got: 23 });
        assert!(matches!(read_npy(b"PK\x03\x04 not npy"), Err(NpyError::NotNpy(_))));
        assert!(matches!(read_npy(b"\x93NUMPY\x04\x00\x10\x00"), Err(NpyError::Version { major: 4, minor: 0 })));
        assert!(matches!(read_npy(b"\x93NUMPY\x01\x00\xff\x00{"), Err(NpyError::Header(_))));
        for header in [
            "{'descr': '<f4', 'shape': (2,), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,) ",
            "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }",
            "{'descr': '<x9', 'fortran_order': False, 'shape': (2,), }",
        ] {
            let mut bytes = header_bytes_raw(header);
            bytes.extend_from_slice(&[0; 8]);
            assert!(read_npy(&bytes).is_err(), "{header}");
        }
    }

    #[test]
    fn accepts_python2_longs_and_minimal_spacing() {
        let mut bytes = header_bytes_raw("{'descr':'<i4','fortran_order':False,'shape':(2L,)}");
        bytes.extend_from_slice(&[1, 0, 0, 0, 2, 0, 0, 0]);
        assert_eq!(read_npy(&bytes).unwrap(), Tensor::from_vec(&[2], vec![1i32, 2]).unwrap());
    }

    /// A version 1.0 file prefix around an arbitrary header text.
    fn header_bytes_raw(dict: &str) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&((dict.len() + 1) as u16).to_le_bytes());
        out.extend_from_slice(dict.as_bytes());
        out.push(b'\n');
        out
    }
}
