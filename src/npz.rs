//! NumPy `.npz` archives ⇄ named tensors: how the CLI takes calibration and comparison data
//! (stacked arrays, first axis = samples) and writes sets of inputs or outputs.
//!
//! An `.npz` is a zip archive of `.npy` members (`np.savez` stores them, `np.savez_compressed`
//! deflates them). The zip is read from its central directory, as `unzip` does; the local
//! headers only locate the data (numpy writes 0xFFFFFFFF sizes there with a zip64 extra field,
//! while the directory holds the real ones). Members come back in archive order, named without
//! their `.npy` suffix. Written archives store their members uncompressed.
//!
//! The bytes are untrusted. Every offset and size is checked against the file before use; a
//! deflated member is inflated first only as far as its `.npy` header, whose shape (with the
//! directory's size, which must agree) caps how much more is inflated, so a small archive that
//! claims or inflates to a huge array fails before allocating it; each member's CRC-32 is checked.
//! Refused with a message saying so: zip64 archives (members or archives above 4 GiB),
//! encryption, compression methods other than stored and deflate, multi-disk archives, member
//! names that are not UTF-8 or do not end in `.npy`, and two members with the same name.

use std::io::{Read, Write};

use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use pare_container::crc32::crc32;

use crate::ir::Tensor;
use crate::npy::{self, NpyError};

const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_DIRECTORY: u32 = 0x0605_4b50;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
const LOCAL_HEADER_LEN: usize = 30;
const CENTRAL_HEADER_LEN: usize = 46;
const END_OF_DIRECTORY_LEN: usize = 22;
/// The end record may be followed by a comment of up to this many bytes.
const MAX_COMMENT_LEN: usize = u16::MAX as usize;
const STORED: u16 = 0;
const DEFLATED: u16 = 8;
/// General-purpose flag bits.
const FLAG_ENCRYPTED: u16 = 1;
const FLAG_UTF8_NAME: u16 = 1 << 11;
/// 1980-01-01 00:00 in MS-DOS format, the earliest a zip can say (numpy writes it too).
const DOS_DATE_1980: u16 = (1 << 5) | 1;
/// "Version needed to extract" 2.0: deflate.
const ZIP_VERSION: u16 = 20;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NpzError {
    #[error("not a .npz file: {0}")]
    NotZip(String),
    #[error("corrupt .npz archive: {0}")]
    Corrupt(String),
    #[error(".npz is in zip64 format (an archive or member above 4 GiB), which pare does not read")]
    Zip64,
    #[error(".npz member `{name}`: {reason}")]
    Unsupported { name: String, reason: String },
    #[error(".npz member `{name}`: {source}")]
    Member { name: String, source: NpyError },
    #[error(".npz holds two arrays named `{0}`")]
    Duplicate(String),
    #[error("cannot write .npz: {0}")]
    Unwritable(String),
}

impl NpzError {
    pub fn kind(&self) -> crate::error::ErrorKind {
        match self {
            NpzError::Member { source, .. } => source.kind(),
            _ => crate::error::ErrorKind::BadInput,
        }
    }
}

/// Reads every array of an `.npz`, in archive order, named without the `.npy` suffix.
pub fn read_npz(bytes: &[u8]) -> Result<Vec<(String, Tensor)>, NpzError> {
    let entries = central_directory(bytes)?;
    let mut arrays: Vec<(String, Tensor)> = Vec::with_capacity(entries.len());
    for entry in entries {
        let Some(name) = entry.name.strip_suffix(".npy") else {
            let reason = "it is not a .npy array (pare reads .npz archives of .npy members only)".into();
            return Err(NpzError::Unsupported { name: entry.name, reason });
        };
        if arrays.iter().any(|(n, _)| n == name) {
            return Err(NpzError::Duplicate(name.to_string()));
        }
        let tensor = read_member(bytes, &entry)?;
        arrays.push((name.to_string(), tensor));
    }
    Ok(arrays)
}

/// Encodes named tensors as an `.npz` with stored members (what `np.savez` writes).
pub fn write_npz(arrays: &[(String, Tensor)]) -> Result<Vec<u8>, NpzError> {
    write_archive(arrays, STORED)
}

/// Encodes named tensors as an `.npz` with deflated members (what `np.savez_compressed` writes).
pub fn write_npz_compressed(arrays: &[(String, Tensor)]) -> Result<Vec<u8>, NpzError> {
    write_archive(arrays, DEFLATED)
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// One member as the central directory describes it.
#[derive(Debug)]
struct Entry {
    name: String,
    method: u16,
    crc: u32,
    compressed_size: usize,
    size: usize,
    local_header_offset: usize,
}

/// Little-endian fields at fixed offsets of a record already known to be long enough.
fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// The end-of-central-directory record: the last signature whose comment reaches the file's end.
fn find_end_record(bytes: &[u8]) -> Result<usize, NpzError> {
    let Some(last) = bytes.len().checked_sub(END_OF_DIRECTORY_LEN) else {
        return Err(NpzError::NotZip(format!("{} bytes is too short for a zip archive", bytes.len())));
    };
    let first = last.saturating_sub(MAX_COMMENT_LEN);
    (first..=last)
        .rev()
        .find(|&at| {
            u32_at(bytes, at) == END_OF_DIRECTORY
                && usize::from(u16_at(bytes, at + 20)) == bytes.len() - at - END_OF_DIRECTORY_LEN
        })
        .ok_or_else(|| NpzError::NotZip("no zip end-of-directory record (is it a zip archive?)".into()))
}

fn central_directory(bytes: &[u8]) -> Result<Vec<Entry>, NpzError> {
    let end = find_end_record(bytes)?;
    if end >= 20 && u32_at(bytes, end - 20) == ZIP64_LOCATOR {
        return Err(NpzError::Zip64);
    }
    let (disk, directory_disk) = (u16_at(bytes, end + 4), u16_at(bytes, end + 6));
    let (count_here, count) = (u16_at(bytes, end + 8), u16_at(bytes, end + 10));
    let (size, offset) = (u32_at(bytes, end + 12), u32_at(bytes, end + 16));
    if count == u16::MAX || size == u32::MAX || offset == u32::MAX {
        return Err(NpzError::Zip64);
    }
    if disk != 0 || directory_disk != 0 || count_here != count {
        return Err(NpzError::NotZip("it is one part of a multi-disk zip archive".into()));
    }
    let (size, offset) = (size as usize, offset as usize);
    let Some(directory) = offset.checked_add(size).filter(|&stop| stop <= end).map(|stop| &bytes[offset..stop]) else {
        return Err(NpzError::Corrupt(format!(
            "the central directory ({size} bytes at offset {offset}) lies outside the file"
        )));
    };
    let mut entries = Vec::with_capacity(usize::from(count).min(directory.len() / CENTRAL_HEADER_LEN));
    let mut at = 0;
    for index in 0..count {
        let entry = parse_central_entry(directory, &mut at)
            .map_err(|reason| NpzError::Corrupt(format!("central directory entry {index}: {reason}")))?;
        entries.push(entry?);
    }
    Ok(entries)
}

/// Parses the entry at `*at` and advances past it. The outer error is a broken directory; the
/// inner one a well-formed entry pare does not read.
fn parse_central_entry(directory: &[u8], at: &mut usize) -> Result<Result<Entry, NpzError>, String> {
    let record = directory.get(*at..).filter(|r| r.len() >= CENTRAL_HEADER_LEN).ok_or("the directory ends early")?;
    if u32_at(record, 0) != CENTRAL_HEADER {
        return Err("bad signature".into());
    }
    let (flags, method, crc) = (u16_at(record, 8), u16_at(record, 10), u32_at(record, 16));
    let (compressed_size, size) = (u32_at(record, 20), u32_at(record, 24));
    let name_len = usize::from(u16_at(record, 28));
    let variable_len = name_len + usize::from(u16_at(record, 30)) + usize::from(u16_at(record, 32));
    let local_header_offset = u32_at(record, 42);
    let name_bytes =
        record.get(CENTRAL_HEADER_LEN..CENTRAL_HEADER_LEN + name_len).ok_or("the name runs past the directory")?;
    if record.len() < CENTRAL_HEADER_LEN + variable_len {
        return Err("the extra field or comment runs past the directory".into());
    }
    *at += CENTRAL_HEADER_LEN + variable_len;
    let Ok(name) = std::str::from_utf8(name_bytes) else {
        let shown = String::from_utf8_lossy(name_bytes).into_owned();
        return Ok(Err(NpzError::Unsupported { name: shown, reason: "its name is not UTF-8".into() }));
    };
    let name = name.to_string();
    if [compressed_size, size, local_header_offset].contains(&u32::MAX) {
        return Ok(Err(NpzError::Zip64));
    }
    if flags & FLAG_ENCRYPTED != 0 {
        return Ok(Err(NpzError::Unsupported { name, reason: "it is encrypted".into() }));
    }
    if method != STORED && method != DEFLATED {
        let reason = format!("compression method {method} is not supported (pare reads stored and deflate)");
        return Ok(Err(NpzError::Unsupported { name, reason }));
    }
    Ok(Ok(Entry {
        name,
        method,
        crc,
        compressed_size: compressed_size as usize,
        size: size as usize,
        local_header_offset: local_header_offset as usize,
    }))
}

/// The member's raw (possibly compressed) bytes, located through its local header.
fn member_data<'b>(bytes: &'b [u8], entry: &Entry) -> Result<&'b [u8], NpzError> {
    let corrupt = |what: &str| NpzError::Corrupt(format!("member `{}`: {what}", entry.name));
    let header = bytes
        .get(entry.local_header_offset..)
        .filter(|h| h.len() >= LOCAL_HEADER_LEN && u32_at(h, 0) == LOCAL_HEADER)
        .ok_or_else(|| corrupt("no local header where the directory points"))?;
    let name_len = usize::from(u16_at(header, 26));
    let extra_len = usize::from(u16_at(header, 28));
    if header.get(LOCAL_HEADER_LEN..LOCAL_HEADER_LEN + name_len) != Some(entry.name.as_bytes()) {
        return Err(corrupt("the local header names another member"));
    }
    let start = LOCAL_HEADER_LEN + name_len + extra_len;
    start
        .checked_add(entry.compressed_size)
        .and_then(|stop| header.get(start..stop))
        .ok_or_else(|| corrupt(&format!("its {} bytes of data run past the end of the file", entry.compressed_size)))
}

fn read_member(bytes: &[u8], entry: &Entry) -> Result<Tensor, NpzError> {
    let data = member_data(bytes, entry)?;
    let inflated;
    let npy_bytes = match entry.method {
        STORED => {
            if entry.compressed_size != entry.size {
                return Err(NpzError::Corrupt(format!(
                    "member `{}` is stored but its sizes differ ({} and {} bytes)",
                    entry.name, entry.compressed_size, entry.size
                )));
            }
            data
        }
        _ => {
            inflated = inflate_npy(&entry.name, data, entry.size)?;
            &inflated[..]
        }
    };
    if crc32(npy_bytes) != entry.crc {
        return Err(NpzError::Corrupt(format!("member `{}` fails its CRC-32 check", entry.name)));
    }
    npy::read_npy(npy_bytes).map_err(|source| NpzError::Member { name: entry.name.clone(), source })
}

/// Inflates a deflated `.npy` member: its header first, then exactly the bytes the header
/// declares (which must equal the directory's `declared_size`), never more.
fn inflate_npy(name: &str, compressed: &[u8], declared_size: usize) -> Result<Vec<u8>, NpzError> {
    let member_error = |source| NpzError::Member { name: name.to_string(), source };
    let mut decoder = DeflateDecoder::new(compressed);
    let mut out = Vec::new();
    // The magic, version and header length fit in 12 bytes.
    inflate_up_to(name, &mut decoder, &mut out, 12)?;
    let header_end = npy::header_end(&out).map_err(member_error)?;
    inflate_up_to(name, &mut decoder, &mut out, header_end)?;
    let total = npy::declared_len(&out).map_err(member_error)?;
    if total != declared_size {
        return Err(NpzError::Corrupt(format!(
            "member `{name}`: the zip directory gives {declared_size} bytes but its .npy header describes {total}"
        )));
    }
    // The inflated bytes and, next, the array decoded from them: both must fit the budget, and
    // both are reserved fallibly.
    let shown = || format!("its array ({total} bytes inflated, then decoded)");
    crate::budget::check(total.saturating_mul(2), shown).map_err(|e| member_error(e.into()))?;
    out.try_reserve_exact(total - out.len())
        .map_err(|_| member_error(crate::budget::OverBudget { what: shown(), bytes: total, budget: crate::budget::max_bytes() }.into()))?;
    inflate_up_to(name, &mut decoder, &mut out, total)?;
    if out.len() < total {
        return Err(NpzError::Corrupt(format!(
            "member `{name}`: its compressed data ends after {} of {total} bytes",
            out.len()
        )));
    }
    let mut one_more = [0u8; 1];
    match decoder.read(&mut one_more) {
        Ok(0) => Ok(out),
        Ok(_) => Err(NpzError::Corrupt(format!("member `{name}` inflates to more than its {total} bytes"))),
        Err(e) => Err(NpzError::Corrupt(format!("member `{name}`: bad deflate data ({e})"))),
    }
}

/// Inflates until `out` holds `target` bytes or the stream ends.
fn inflate_up_to(name: &str, decoder: &mut impl Read, out: &mut Vec<u8>, target: usize) -> Result<(), NpzError> {
    let wanted = target.saturating_sub(out.len()) as u64;
    decoder
        .take(wanted)
        .read_to_end(out)
        .map(|_| ())
        .map_err(|e| NpzError::Corrupt(format!("member `{name}`: bad deflate data ({e})")))
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

fn write_archive(arrays: &[(String, Tensor)], method: u16) -> Result<Vec<u8>, NpzError> {
    if arrays.len() >= usize::from(u16::MAX) {
        return Err(NpzError::Unwritable(format!("{} arrays is more than a zip without zip64 holds", arrays.len())));
    }
    let too_large = |what: String| NpzError::Unwritable(format!("{what} exceeds 4 GiB, which needs zip64"));
    let mut out = Vec::new();
    let mut directory = Vec::new();
    for (index, (name, tensor)) in arrays.iter().enumerate() {
        if arrays[..index].iter().any(|(n, _)| n == name) {
            return Err(NpzError::Duplicate(name.clone()));
        }
        let member = format!("{name}.npy");
        let name_len = u16::try_from(member.len())
            .map_err(|_| NpzError::Unwritable(format!("array name `{name}` is longer than a zip name may be")))?;
        let npy_bytes = npy::write_npy(tensor).map_err(|source| NpzError::Member { name: member.clone(), source })?;
        let crc = crc32(&npy_bytes);
        let data = match method {
            STORED => npy_bytes.clone(),
            _ => deflate(&npy_bytes).map_err(|e| NpzError::Unwritable(format!("deflating `{member}`: {e}")))?,
        };
        let size = u32::try_from(npy_bytes.len()).map_err(|_| too_large(format!("array `{name}`")))?;
        let compressed_size = u32::try_from(data.len()).map_err(|_| too_large(format!("array `{name}`")))?;
        let offset = u32::try_from(out.len()).map_err(|_| too_large("the archive".into()))?;
        let flags = if member.is_ascii() { 0 } else { FLAG_UTF8_NAME };
        // Fields shared by the local and central headers, from "version needed" to the name length.
        let mut common = Vec::with_capacity(26);
        for half in [ZIP_VERSION, flags, method, 0, DOS_DATE_1980] {
            common.extend_from_slice(&half.to_le_bytes());
        }
        for word in [crc, compressed_size, size] {
            common.extend_from_slice(&word.to_le_bytes());
        }
        common.extend_from_slice(&name_len.to_le_bytes());

        out.extend_from_slice(&LOCAL_HEADER.to_le_bytes());
        out.extend_from_slice(&common);
        out.extend_from_slice(&0u16.to_le_bytes()); // extra field length
        out.extend_from_slice(member.as_bytes());
        out.extend_from_slice(&data);

        directory.extend_from_slice(&CENTRAL_HEADER.to_le_bytes());
        directory.extend_from_slice(&ZIP_VERSION.to_le_bytes()); // version made by
        directory.extend_from_slice(&common);
        // Extra field, comment, disk number, internal attributes: all zero; external attributes.
        directory.extend_from_slice(&[0; 4 * 2 + 4]);
        directory.extend_from_slice(&offset.to_le_bytes());
        directory.extend_from_slice(member.as_bytes());
    }
    let directory_offset = u32::try_from(out.len()).map_err(|_| too_large("the archive".into()))?;
    let directory_size = u32::try_from(directory.len()).map_err(|_| too_large("the directory".into()))?;
    out.extend_from_slice(&directory);
    out.extend_from_slice(&END_OF_DIRECTORY.to_le_bytes());
    let count = arrays.len() as u16; // checked above
    for half in [0, 0, count, count] {
        out.extend_from_slice(&half.to_le_bytes());
    }
    out.extend_from_slice(&directory_size.to_le_bytes());
    out.extend_from_slice(&directory_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment length
    Ok(out)
}

fn deflate(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes)?;
    encoder.finish()
}

#[cfg(test)]
mod tests;
