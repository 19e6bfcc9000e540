//! Output sizes of sliding-window ops (ONNX Conv, ConvTranspose, MaxPool/AveragePool/LpPool,
//! opsets 1–22): kernel, strides, dilations, pads, `auto_pad` and pooling's `ceil_mode`.

use crate::ir::Node;

/// Window attributes for `spatial` axes, with spec defaults filled in.
struct Window {
    kernel: Vec<usize>,
    strides: Vec<usize>,
    dilations: Vec<usize>,
    /// Begin pads then end pads, as in the `pads` attribute.
    pads: Vec<usize>,
    auto_pad: String,
    ceil_mode: bool,
}

fn ints_or(node: &Node, name: &str, len: usize, default: usize) -> Option<Vec<usize>> {
    match node.attr_ints(name).ok()? {
        Some(v) if v.len() == len => v.iter().map(|&x| usize::try_from(x).ok()).collect(),
        Some(_) => None,
        None => Some(vec![default; len]),
    }
}

fn window(node: &Node, kernel: Vec<usize>) -> Option<Window> {
    let n = kernel.len();
    Some(Window {
        strides: ints_or(node, "strides", n, 1)?,
        dilations: ints_or(node, "dilations", n, 1)?,
        pads: ints_or(node, "pads", 2 * n, 0)?,
        auto_pad: node.attr_string("auto_pad").ok()?.unwrap_or_else(|| "NOTSET".into()),
        ceil_mode: node.attr_int("ceil_mode").ok()?.unwrap_or(0) != 0,
        kernel,
    })
}

/// Output spatial sizes of a convolution or pooling over `input` spatial sizes.
fn forward(input: &[usize], w: &Window) -> Option<Vec<usize>> {
    let n = input.len();
    if w.kernel.len() != n || w.strides.contains(&0) {
        return None;
    }
    (0..n)
        .map(|i| {
            let stride = w.strides[i];
            let effective_kernel = w.dilations[i].checked_mul(w.kernel[i].checked_sub(1)?)?.checked_add(1)?;
            match w.auto_pad.as_str() {
                "SAME_UPPER" | "SAME_LOWER" => Some(input[i].div_ceil(stride)),
                "VALID" => Some(input[i].checked_sub(effective_kernel)? / stride + 1),
                _ => {
                    let padded = input[i].checked_add(w.pads[i])?.checked_add(w.pads[i + n])?;
                    let span = padded.checked_sub(effective_kernel)?;
                    Some(if w.ceil_mode { span.div_ceil(stride) + 1 } else { span / stride + 1 })
                }
            }
        })
        .collect()
}

/// Conv: `[N, Cout, spatial…]` from X `[N, C, spatial…]` and W `[Cout, C/group, k…]`.
pub fn conv(node: &Node, x: &[usize], w: &[usize]) -> Option<Vec<usize>> {
    if x.len() < 3 || w.len() != x.len() {
        return None;
    }
    let kernel = match node.attr_ints("kernel_shape").ok()? {
        Some(k) => k.iter().map(|&v| usize::try_from(v).ok()).collect::<Option<Vec<_>>>()?,
        None => w[2..].to_vec(),
    };
    let spatial = forward(&x[2..], &window(node, kernel)?)?;
    Some([vec![x[0], w[0]], spatial].concat())
}

/// MaxPool, AveragePool, LpPool: `[N, C, spatial…]` with the `kernel_shape` window.
pub fn pool(node: &Node, x: &[usize]) -> Option<Vec<usize>> {
    let kernel: Vec<usize> =
        node.attr_ints("kernel_shape").ok()??.iter().map(|&v| usize::try_from(v).ok()).collect::<Option<_>>()?;
    if x.len() != kernel.len() + 2 {
        return None;
    }
    let spatial = forward(&x[2..], &window(node, kernel)?)?;
    Some([x[..2].to_vec(), spatial].concat())
}

/// ConvTranspose: `output_shape` if given, else `stride·(in−1) + output_padding +
/// ((k−1)·dilation + 1) − pads` per axis; channels `W[1]·group`.
pub fn conv_transpose(node: &Node, x: &[usize], w: &[usize]) -> Option<Vec<usize>> {
    if x.len() < 3 || w.len() != x.len() {
        return None;
    }
    let n = x.len() - 2;
    let group = usize::try_from(node.attr_int("group").ok()?.unwrap_or(1)).ok()?;
    let channels = w[1].checked_mul(group)?;
    if let Some(shape) = node.attr_ints("output_shape").ok()? {
        let spatial: Vec<usize> = shape.iter().map(|&v| usize::try_from(v).ok()).collect::<Option<_>>()?;
        let spatial = spatial.get(spatial.len().checked_sub(n)?..)?.to_vec();
        return Some([vec![x[0], channels], spatial].concat());
    }
    let win = window(node, w[2..].to_vec())?;
    let output_padding = ints_or(node, "output_padding", n, 0)?;
    let spatial = (0..n)
        .map(|i| {
            let effective_kernel = win.dilations[i].checked_mul(win.kernel[i].checked_sub(1)?)?.checked_add(1)?;
            let full = win.strides[i].checked_mul(x[2 + i].checked_sub(1)?)?.checked_add(output_padding[i])?;
            let full = full.checked_add(effective_kernel)?;
            match win.auto_pad.as_str() {
                "SAME_UPPER" | "SAME_LOWER" => x[2 + i].checked_mul(win.strides[i]),
                _ => full.checked_sub(win.pads[i])?.checked_sub(win.pads[i + n]),
            }
        })
        .collect::<Option<Vec<usize>>>()?;
    Some([vec![x[0], channels], spatial].concat())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::AttrValue;

    fn node(attrs: &[(&str, AttrValue)]) -> Node {
        let mut n = Node::new("Conv", &["x", "w"], &["y"]);
        for (k, v) in attrs {
            n.set_attribute(k, v.clone());
        }
        n
    }

    #[test]
    fn conv_sizes_follow_the_spec_formula() {
        let padded = node(&[("pads", AttrValue::Ints(vec![1, 1, 1, 1])), ("strides", AttrValue::Ints(vec![2, 2]))]);
        assert_eq!(conv(&padded, &[1, 3, 224, 224], &[32, 3, 3, 3]), Some(vec![1, 32, 112, 112]));
        let same =
            node(&[("auto_pad", AttrValue::String(b"SAME_UPPER".to_vec())), ("strides", AttrValue::Ints(vec![2, 2]))]);
        assert_eq!(conv(&same, &[1, 3, 7, 7], &[8, 3, 3, 3]), Some(vec![1, 8, 4, 4]));
        let dilated = node(&[("dilations", AttrValue::Ints(vec![2, 2]))]);
        assert_eq!(conv(&dilated, &[1, 3, 10, 10], &[8, 3, 3, 3]), Some(vec![1, 8, 6, 6]));
        assert_eq!(conv(&node(&[]), &[1, 3, 2, 2], &[8, 3, 3, 3]), None, "kernel larger than input");
    }

    #[test]
    fn pooling_and_transposed_sizes() {
        let pool_node = node(&[
            ("kernel_shape", AttrValue::Ints(vec![3, 3])),
            ("strides", AttrValue::Ints(vec![2, 2])),
            ("ceil_mode", AttrValue::Int(1)),
        ]);
        assert_eq!(pool(&pool_node, &[1, 64, 112, 112]), Some(vec![1, 64, 56, 56]));
        let up = node(&[("strides", AttrValue::Ints(vec![2, 2])), ("pads", AttrValue::Ints(vec![1, 1, 1, 1]))]);
        // 2·(8−1) + 4 − 2 = 16
        assert_eq!(conv_transpose(&up, &[1, 16, 8, 8], &[16, 4, 4, 4]), Some(vec![1, 4, 16, 16]));
    }
}
