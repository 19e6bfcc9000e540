//! `.npz` reading and writing: numpy's own files (tests/fixtures/npz, made by make_fixtures.py
//! there), round trips, and broken or hostile archives that must fail with an error, not a panic.

use std::path::PathBuf;

use super::*;
use flate2::Crc;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/npz").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn images() -> Tensor {
    Tensor::from_vec(&[2, 1, 3, 3], (0..18).map(|v| (v as f32 - 8.0) / 4.0).collect()).unwrap()
}

fn fixture_arrays() -> Vec<(String, Tensor)> {
    vec![
        ("images".into(), images()),
        ("labels".into(), Tensor::from_vec(&[2], vec![3i64, 7]).unwrap()),
        ("mask".into(), Tensor::from_vec(&[2, 2], vec![true, false, false, true]).unwrap()),
    ]
}

#[test]
fn reads_numpy_savez_in_archive_order() {
    assert_eq!(read_npz(&fixture("stored.npz")).unwrap(), fixture_arrays());
}

#[test]
fn reads_numpy_savez_compressed() {
    let mut want = fixture_arrays();
    want.push(("zeros".into(), Tensor::zeros::<f32>(&[64, 64]).unwrap()));
    assert_eq!(read_npz(&fixture("deflated.npz")).unwrap(), want);
}

#[test]
fn reads_utf8_member_names() {
    let arrays = read_npz(&fixture("unicode_name.npz")).unwrap();
    assert_eq!(arrays, vec![("höhe".to_string(), Tensor::from_vec(&[2], vec![1.5f64, 2.5]).unwrap())]);
}

#[test]
fn round_trips_stored_and_compressed() {
    let mut arrays = fixture_arrays();
    arrays.push(("ünïcode".into(), Tensor::scalar(2.5f64)));
    for bytes in [write_npz(&arrays).unwrap(), write_npz_compressed(&arrays).unwrap()] {
        assert_eq!(read_npz(&bytes).unwrap(), arrays);
    }
    assert_eq!(read_npz(&write_npz(&[]).unwrap()).unwrap(), vec![]);
}

#[test]
fn writer_refuses_duplicates_and_unwritable_tensors() {
    let t = Tensor::scalar(1.0f32);
    let err = write_npz(&[("a".into(), t.clone()), ("a".into(), t)]).unwrap_err();
    assert_eq!(err, NpzError::Duplicate("a".into()));
    let bf = Tensor::from_vec(&[1], vec![half::bf16::ONE]).unwrap();
    assert!(write_npz(&[("w".into(), bf)]).unwrap_err().to_string().contains("bfloat16"));
}

/// Every prefix of a valid archive is an error, never a panic (the end record is missing or
/// points past the end).
#[test]
fn truncated_archives_are_errors() {
    for name in ["stored.npz", "deflated.npz"] {
        let bytes = fixture(name);
        for len in 0..bytes.len() {
            assert!(read_npz(&bytes[..len]).is_err(), "{name} cut at {len}");
        }
    }
}

/// Any single corrupted byte either still reads (a field pare ignores) or gives an error; the
/// data bytes are covered by the CRC, so a flip inside them is always caught.
#[test]
fn corrupted_bytes_never_panic_and_data_flips_are_caught() {
    for name in ["stored.npz", "deflated.npz"] {
        let bytes = fixture(name);
        let mut errors = 0;
        for at in 0..bytes.len() {
            let mut broken = bytes.clone();
            broken[at] ^= 0x5a;
            if read_npz(&broken).is_err() {
                errors += 1;
            }
        }
        assert!(errors > bytes.len() / 2, "{name}: only {errors} of {} flips detected", bytes.len());
    }
    let mut bytes = fixture("stored.npz");
    let data_byte = bytes.windows(4).position(|w| w == [0, 0, 0, 0xc0]).unwrap() + 3; // images[0] = -2.0
    bytes[data_byte] ^= 1;
    assert!(read_npz(&bytes).unwrap_err().to_string().contains("CRC-32"));
}

#[test]
fn duplicate_member_names_are_an_error() {
    let t = Tensor::scalar(1.0f32);
    let mut bytes = write_npz(&[("a".into(), t.clone()), ("b".into(), t)]).unwrap();
    // Rename every `b.npy` (local header and directory) to `a.npy`.
    let hits: Vec<usize> = bytes.windows(5).enumerate().filter(|(_, w)| w == b"b.npy").map(|(i, _)| i).collect();
    assert_eq!(hits.len(), 2);
    for i in hits {
        bytes[i] = b'a';
    }
    assert_eq!(read_npz(&bytes).unwrap_err(), NpzError::Duplicate("a".into()));
}

#[test]
fn zip64_and_non_npy_members_are_refused_clearly() {
    let mut bytes = write_npz(&[("a".into(), Tensor::scalar(1.0f32))]).unwrap();
    let end = bytes.len() - END_OF_DIRECTORY_LEN;
    bytes[end + 16..end + 20].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(read_npz(&bytes).unwrap_err(), NpzError::Zip64);

    let mut bytes = write_npz(&[("a".into(), Tensor::scalar(1.0f32))]).unwrap();
    for i in 0..bytes.len() - 4 {
        if &bytes[i..i + 4] == b".npy" {
            bytes[i..i + 4].copy_from_slice(b".txt");
        }
    }
    let err = read_npz(&bytes).unwrap_err().to_string();
    assert!(err.contains("`a.txt`") && err.contains("not a .npy array"), "{err}");
    assert!(matches!(read_npz(b"\x93NUMPY not a zip at all, just text"), Err(NpzError::NotZip(_))));
}

/// A one-member archive whose member is `raw` (arbitrary bytes claiming to be a .npy), deflated,
/// with the directory giving `declared_size` as its inflated size.
fn deflated_archive(raw: &[u8], declared_size: u32) -> Vec<u8> {
    let mut bytes = write_npz_compressed(&[("x".into(), Tensor::scalar(0u8))]).unwrap();
    let compressed = deflate(raw).unwrap();
    let mut crc = Crc::new();
    crc.update(raw);
    // Rebuild around the new data: local header, data, directory entry, end record.
    let old_len = u32_at(&bytes, 18) as usize;
    let data_start = LOCAL_HEADER_LEN + 5;
    let mut out = bytes[..data_start].to_vec();
    out[14..18].copy_from_slice(&crc.sum().to_le_bytes());
    out[18..22].copy_from_slice(&(compressed.len() as u32).to_le_bytes());
    out[22..26].copy_from_slice(&declared_size.to_le_bytes());
    out.extend_from_slice(&compressed);
    let directory_offset = out.len() as u32;
    let mut rest = bytes.split_off(data_start + old_len);
    rest[16..20].copy_from_slice(&crc.sum().to_le_bytes());
    rest[20..24].copy_from_slice(&(compressed.len() as u32).to_le_bytes());
    rest[24..28].copy_from_slice(&declared_size.to_le_bytes());
    let end = rest.len() - END_OF_DIRECTORY_LEN;
    rest[end + 16..end + 20].copy_from_slice(&directory_offset.to_le_bytes());
    out.extend_from_slice(&rest);
    out
}

/// A version 1.0 .npy header of 128 bytes for float32 data of `shape` (a Python tuple).
fn npy_header(shape: &str) -> Vec<u8> {
    let mut dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}").into_bytes();
    dict.resize(117, b' ');
    dict.push(b'\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    bytes.extend_from_slice(&dict);
    bytes
}

#[test]
fn the_test_archive_builder_makes_readable_archives() {
    let mut raw = npy_header("(2,)");
    raw.extend_from_slice(&[0; 8]);
    let arrays = read_npz(&deflated_archive(&raw, raw.len() as u32)).unwrap();
    assert_eq!(arrays, vec![("x".to_string(), Tensor::zeros::<f32>(&[2]).unwrap())]);
}

#[test]
fn decompression_bombs_stop_at_the_declared_shape() {
    // The header says 2 floats, the stream inflates to 10 MB of zeros.
    let mut raw = npy_header("(2,)");
    let declared = (raw.len() + 8) as u32;
    raw.resize(raw.len() + 10_000_000, 0);
    let err = read_npz(&deflated_archive(&raw, declared)).unwrap_err().to_string();
    assert!(err.contains("inflates to more than"), "{err}");

    // The header claims a 1 GB array (the directory agrees) but the stream holds a few bytes:
    // reading stops where the data ends, without allocating the claim.
    let mut raw = npy_header("(250000000,)");
    let declared = (raw.len() + 1_000_000_000) as u32;
    raw.extend_from_slice(&[0; 16]);
    let err = read_npz(&deflated_archive(&raw, declared)).unwrap_err().to_string();
    assert!(err.contains("ends after 144 of"), "{err}");

    // The directory and the header disagree.
    let mut raw = npy_header("(2,)");
    raw.extend_from_slice(&[0; 8]);
    let err = read_npz(&deflated_archive(&raw, 4096)).unwrap_err().to_string();
    assert!(err.contains("gives 4096 bytes but its .npy header describes 136"), "{err}");
}
