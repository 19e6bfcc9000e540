//! One weight to `α·sign(w)`: signs as an int8 tensor of ±1 (0 counts as +1, as the binary
//! kernels pack it), α = mean |w| over each output channel — the scale that minimises
//! `‖w − α·sign(w)‖²` for fixed signs (XNOR-Net, eq. 4).

use ndarray::{ArrayD, Axis};

/// The binarized weight: signs, one α per channel along `axis`, and the SQNR of the result.
pub struct BinaryWeight {
    pub signs: ArrayD<i8>,
    pub alphas: Vec<f32>,
    pub sqnr_db: Option<f64>,
}

/// The smallest scale written: an all-zero channel (a pruned filter) keeps a positive scale so
/// the DequantizeLinear stays valid, and its values stay ≈ 0.
pub const SMALLEST_ALPHA: f32 = f32::MIN_POSITIVE;

/// Binarizes `w` per channel along `axis`. Fails (with the reason) on non-finite values.
pub fn binarize(w: &ArrayD<f32>, axis: usize) -> Result<BinaryWeight, String> {
    if axis >= w.ndim() {
        return Err(format!("channel axis {axis} is outside the weight's rank {}", w.ndim()));
    }
    if w.iter().any(|v| !v.is_finite()) {
        return Err("the weight holds NaN or infinite values".into());
    }
    let signs = w.mapv(|v| if v < 0.0 { -1i8 } else { 1 });
    let alphas: Vec<f32> = w
        .axis_iter(Axis(axis))
        .map(|channel| {
            let n = channel.len().max(1) as f64;
            let mean = channel.iter().map(|v| f64::from(v.abs())).sum::<f64>() / n;
            (mean as f32).max(SMALLEST_ALPHA)
        })
        .collect();
    let (mut signal, mut noise) = (0f64, 0f64);
    for ((channel, signs), &alpha) in w.axis_iter(Axis(axis)).zip(signs.axis_iter(Axis(axis))).zip(&alphas) {
        for (&v, &s) in channel.iter().zip(signs.iter()) {
            let e = f64::from(v) - f64::from(alpha) * f64::from(s);
            signal += f64::from(v) * f64::from(v);
            noise += e * e;
        }
    }
    let sqnr_db = (noise > 0.0).then(|| 10.0 * (signal / noise).log10());
    Ok(BinaryWeight { signs, alphas, sqnr_db })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha_is_the_mean_magnitude_per_channel_and_zero_is_plus_one() {
        let w = ArrayD::from_shape_vec(vec![2, 3], vec![1.0f32, -2.0, 0.0, 0.0, 0.0, 0.0]).unwrap();
        let b = binarize(&w, 0).unwrap();
        assert_eq!(b.signs.iter().copied().collect::<Vec<_>>(), vec![1, -1, 1, 1, 1, 1]);
        assert_eq!(b.alphas[0], 1.0);
        assert_eq!(b.alphas[1], SMALLEST_ALPHA, "an all-zero channel keeps a valid scale");
        // Along axis 1 (a Gemm weight [K, N]): columns.
        let b = binarize(&w, 1).unwrap();
        assert_eq!(b.alphas, vec![0.5, 1.0, SMALLEST_ALPHA]);
    }

    #[test]
    fn sign_weights_are_exact_and_others_are_not() {
        let w = ArrayD::from_shape_vec(vec![1, 4], vec![0.5f32, -0.5, 0.5, -0.5]).unwrap();
        assert!(binarize(&w, 0).unwrap().sqnr_db.is_none());
        let w = ArrayD::from_shape_vec(vec![1, 2], vec![1.0f32, -3.0]).unwrap();
        // α = 2: errors −1 and +1, signal 10, noise 2 → 10·log10(5).
        let sqnr = binarize(&w, 0).unwrap().sqnr_db.unwrap();
        assert!((sqnr - 10.0 * 5f64.log10()).abs() < 1e-9);
    }

    #[test]
    fn bad_weights_are_reasons() {
        let w = ArrayD::from_shape_vec(vec![1, 2], vec![f32::NAN, 1.0]).unwrap();
        assert!(binarize(&w, 0).err().unwrap().contains("NaN"));
        assert!(binarize(&w, 2).is_err());
    }
}
