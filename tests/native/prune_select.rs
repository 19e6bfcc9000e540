//! Pruning's least-squares arithmetic and channel selection on small hand-built cases whose
//! answer is known:
//!
//! - the blocked Cholesky factorisation (matrix products for the panel and the trailing update)
//!   gives the factor and the least-squares refit of the column-by-column loop it replaced, within
//!   rounding, on sizes across the block edges;
//! - the Gram matrix with targets (`XᵀX` and `XᵀY` as one matrix product per block of rows)
//!   equals the plain sums;
//! - filter pruning with `"criterion": "reconstruction"` removes the channel the next layer
//!   barely reads, where the L1 norm removes the small one the next layer amplifies.

use pare::compress::cholesky::{cholesky_lower, solve_factored};
use pare::compress::prune::correct::lsq::{Gram, refit};
use pare::compress::prune::PruneReport;
use pare::compress::{Recipe, StepReport, compress};
use pare::ir::{Graph, Initializer, Model, Node, OpsetImport, Tensor, ValueInfo};
use pare::runtime::Dataset;

/// Deterministic values in [−1, 1).
fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1);
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        })
        .collect()
}

/// `BᵀB / n + 0.01 I` with correlated columns (like im2col features).
fn spd(n: usize, seed: u64) -> Vec<f64> {
    let b = values(n * n, seed);
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let s: f64 = (0..n).map(|p| (b[p * n + i] + b[p * n + (i + 1) % n]) * (b[p * n + j] + b[p * n + (j + 1) % n])).sum();
            a[i * n + j] = s / n as f64 + if i == j { 0.01 } else { 0.0 };
        }
    }
    a
}

/// The column-by-column factorisation pare used before the blocked one (the reference).
fn reference_cholesky(a: &mut [f64], n: usize) -> bool {
    for j in 0..n {
        let mut d = a[j * n + j];
        for p in 0..j {
            d -= a[j * n + p] * a[j * n + p];
        }
        if d <= 0.0 {
            return false;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for p in 0..j {
                s -= a[i * n + p] * a[j * n + p];
            }
            a[i * n + j] = s / d;
        }
    }
    true
}

#[test]
fn the_blocked_cholesky_matches_the_column_loop_and_solves_the_same() {
    for n in [3, 63, 64, 65, 130, 257] {
        let a = spd(n, n as u64);
        let (mut blocked, mut reference) = (a.clone(), a.clone());
        assert!(cholesky_lower(&mut blocked, n) && reference_cholesky(&mut reference, n), "n = {n}");
        let scale = reference.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for i in 0..n {
            for j in 0..=i {
                let (b, r) = (blocked[i * n + j], reference[i * n + j]);
                assert!((b - r).abs() <= 1e-9 * scale, "n = {n}: L[{i},{j}] = {b}, reference {r}");
            }
        }
        let rhs = values(n, 99);
        let (mut x, mut y) = (rhs.clone(), rhs.clone());
        assert!(solve_factored(&blocked, n, &mut x) && solve_factored(&reference, n, &mut y));
        let norm = y.iter().map(|v| v * v).sum::<f64>().sqrt();
        let diff = x.iter().zip(&y).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt();
        assert!(diff <= 1e-8 * norm, "n = {n}: solutions differ by {diff} (norm {norm})");
    }
}

#[test]
fn the_refit_of_a_row_with_a_kept_set_matches_the_reference_solve() {
    // 150 features, every other one kept: (G_SS + λI) w_S = xty_S + λ w_S, solved directly.
    let k = 150;
    let g = ndarray::Array2::from_shape_vec((k, k), spd(k, 7)).unwrap();
    let xty = values(k, 8);
    let w = values(k, 9);
    let keep: Vec<usize> = (0..k).step_by(2).collect();
    let lambda = 0.05;
    let got = refit(&g, &xty, &w, &keep, lambda).unwrap();
    let s = keep.len();
    let mut a = vec![0.0; s * s];
    let mut b = vec![0.0; s];
    for (r, &i) in keep.iter().enumerate() {
        for (c, &j) in keep.iter().enumerate() {
            a[r * s + c] = g[[i, j]] + if r == c { lambda } else { 0.0 };
        }
        b[r] = xty[i] + lambda * w[i];
    }
    assert!(reference_cholesky(&mut a, s) && solve_factored(&a, s, &mut b));
    for (r, &i) in keep.iter().enumerate() {
        assert!((got[i] - b[r]).abs() <= 1e-8 * (1.0 + b[r].abs()), "w[{i}] = {}, reference {}", got[i], b[r]);
    }
    assert!((0..k).filter(|i| i % 2 == 1).all(|i| got[i] == 0.0), "pruned positions stay exactly zero");
}

#[test]
fn the_gram_matrix_with_targets_equals_the_plain_sums() {
    // 300 rows: one full block of 256 and a tail.
    let (k, m, rows) = (5, 3, 300);
    let x: Vec<f32> = values(rows * k, 1).iter().map(|&v| v as f32).collect();
    let y = values(rows * m, 2);
    let mut gram = Gram::with_targets(k, m);
    for r in 0..rows {
        gram.add_pair(&x[r * k..(r + 1) * k], &y[r * m..(r + 1) * m]);
    }
    let (xtx, xty) = gram.finish_with_targets();
    for i in 0..k {
        for j in 0..k {
            let want: f64 = (0..rows).map(|r| f64::from(x[r * k + i]) * f64::from(x[r * k + j])).sum();
            assert!((xtx[[i, j]] - want).abs() < 1e-9, "XᵀX[{i},{j}]");
        }
        for c in 0..m {
            let want: f64 = (0..rows).map(|r| f64::from(x[r * k + i]) * y[r * m + c]).sum();
            assert!((xty[[i, c]] - want).abs() < 1e-9, "XᵀY[{i},{c}]");
        }
    }
}

/// `x [1, 6] → fc1 (MatMul, 3 channels) → fc2 (MatMul) → y [1, 2]`. Channel 0 of fc1 has the
/// largest weights but fc2 reads it with 0.001; channel 1 has the smallest L1 norm but fc2
/// multiplies it by 5.
fn two_layers() -> Model {
    let mut fc1 = Node::new("MatMul", &["x", "w1"], &["h"]);
    fc1.name = "fc1".into();
    let mut fc2 = Node::new("MatMul", &["h", "w2"], &["y"]);
    fc2.name = "fc2".into();
    // w1 [6, 3], column c = channel c.
    let w1: Vec<f32> = (0..6)
        .flat_map(|i| {
            let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
            [2.0 * sign, 0.1 * (i as f32 - 2.5), 0.5 * if i < 3 { 1.0 } else { -1.0 }]
        })
        .collect();
    let w2 = vec![0.001f32, 0.001, 5.0, -5.0, 1.0, 1.0];
    Model {
        ir_version: 8,
        opset_import: vec![OpsetImport { domain: String::new(), version: 13 }],
        graph: Graph {
            nodes: vec![fc1, fc2],
            inputs: vec![ValueInfo::tensor("x", 1, Some(vec![pare::ir::Dim::known(1), pare::ir::Dim::known(6)]))],
            outputs: vec![ValueInfo::tensor("y", 1, None)],
            initializers: vec![
                Initializer::new("w1", Tensor::from_vec(&[6, 3], w1).unwrap()),
                Initializer::new("w2", Tensor::from_vec(&[3, 2], w2).unwrap()),
            ],
            ..Graph::default()
        },
        ..Model::default()
    }
}

fn samples(count: usize) -> Dataset {
    let v = values(count * 6, 5);
    Dataset {
        samples: (0..count)
            .map(|s| vec![("x".to_string(), Tensor::from_vec(&[1, 6], v[s * 6..(s + 1) * 6].iter().map(|&x| x as f32).collect()).unwrap())])
            .collect(),
        random: false,
    }
}

fn filter_prune(model: &Model, criterion: &str, data: Option<&Dataset>) -> Result<(Model, PruneReport), String> {
    let recipe = Recipe::from_json(&format!(
        r#"{{"steps": [{{"prune": {{"method": "filter", "ratio": 0.34, "include": ["fc1"], "keep_first_last": false, "criterion": "{criterion}", "correct": "none"}}}}]}}"#
    ))
    .map_err(|e| e.to_string())?;
    let (out, report) = compress(model, &recipe, data, &mut |_| {}).map_err(|e| e.to_string())?;
    match report.steps.into_iter().next() {
        Some(StepReport::Prune(r)) => Ok((out, r)),
        other => Err(format!("unexpected step report {other:?}")),
    }
}

/// The columns of fc1's weight left after pruning, as indices of the original's.
fn kept_columns(original: &Model, pruned: &Model) -> Vec<usize> {
    let w = |m: &Model| -> (Vec<f32>, Vec<usize>) {
        let a = m.graph.initializer("w1").unwrap().tensor.as_array::<f32>().unwrap();
        (a.iter().copied().collect(), a.shape().to_vec())
    };
    let ((before, shape_before), (after, shape_after)) = (w(original), w(pruned));
    let (rows, cols, kept) = (shape_before[0], shape_before[1], shape_after[1]);
    (0..kept)
        .map(|c| {
            (0..cols)
                .find(|&o| (0..rows).all(|r| after[r * kept + c] == before[r * cols + o]))
                .expect("a kept column is one of the original's")
        })
        .collect()
}

#[test]
fn reconstruction_removes_the_channel_the_next_layer_barely_reads() {
    let model = two_layers();
    let data = samples(32);
    let (by_norm, _) = filter_prune(&model, "l1", Some(&data)).unwrap();
    assert_eq!(kept_columns(&model, &by_norm), vec![0, 2], "L1 removes channel 1, the smallest filter");
    let (by_output, report) = filter_prune(&model, "reconstruction", Some(&data)).unwrap();
    assert_eq!(kept_columns(&model, &by_output), vec![1, 2], "reconstruction removes channel 0, which fc2 reads with 0.001");
    assert!(report.notes.iter().any(|n| n.contains("1 of 1 pruned group(s)")), "{:?}", report.notes);
    // The output changes far less.
    let error = |m: &Model| -> f64 {
        let (a, b) = (pare::runtime::Session::new(&model).unwrap(), pare::runtime::Session::new(m).unwrap());
        data.samples
            .iter()
            .map(|s| {
                let (Tensor::F32(ya), Tensor::F32(yb)) = (&a.run(s.clone()).unwrap()[0].1, &b.run(s.clone()).unwrap()[0].1) else { panic!() };
                ya.iter().zip(yb.iter()).map(|(p, q)| f64::from(p - q).powi(2)).sum::<f64>()
            })
            .sum()
    };
    assert!(error(&by_output) < 0.01 * error(&by_norm), "{} vs {}", error(&by_output), error(&by_norm));
}

#[test]
fn reconstruction_needs_calibration_samples_and_the_filter_method() {
    let model = two_layers();
    let err = filter_prune(&model, "reconstruction", None).unwrap_err();
    assert!(err.contains("calibration samples") && err.contains("--calib"), "{err}");
    let recipe = Recipe::from_json(r#"{"steps": [{"prune": {"method": "kernel", "ratio": 0.5, "criterion": "reconstruction"}}]}"#);
    let err = match recipe {
        Err(e) => e.to_string(),
        Ok(r) => compress(&model, &r, Some(&samples(4)), &mut |_| {}).map(|_| ()).unwrap_err().to_string(),
    };
    assert!(err.contains("reconstruction") && err.contains("filter"), "{err}");
}
