//! What the QDQ matcher needs to know about a graph before rewriting it: which values are
//! constants (initializers or `Constant` nodes), who produces and who reads each value, and the
//! quantization parameters a `QuantizeLinear`/`DequantizeLinear` node applies.

use std::collections::HashMap;

use crate::ir::{DType, Graph, Node, Tensor, node_reads};

/// Index of one graph's values: constants, producers and readers.
pub struct GraphIndex<'g> {
    graph: &'g Graph,
    constants: HashMap<&'g str, &'g Tensor>,
    producer: HashMap<&'g str, usize>,
    readers: HashMap<String, usize>,
    /// The nodes whose first input is each value, in graph order (so that
    /// `sole_reader_of_type` is a lookup, not a scan of every node: linear preparation).
    first_input_of: HashMap<&'g str, Vec<usize>>,
}

impl<'g> GraphIndex<'g> {
    pub fn new(graph: &'g Graph) -> Self {
        let mut constants: HashMap<&str, &Tensor> =
            graph.initializers.iter().map(|i| (i.name.as_str(), &i.tensor)).collect();
        let mut producer = HashMap::new();
        let mut readers: HashMap<String, usize> = HashMap::new();
        let mut first_input_of: HashMap<&str, Vec<usize>> = HashMap::new();
        for (index, node) in graph.nodes.iter().enumerate() {
            if let Some(first) = node.inputs.first() {
                first_input_of.entry(first.as_str()).or_default().push(index);
            }
            for output in node.outputs.iter().filter(|o| !o.is_empty()) {
                producer.insert(output.as_str(), index);
            }
            if node.op_type == "Constant" && node.domain.is_empty() && node.outputs.len() == 1 {
                if let Ok(Some(t)) = node.attr_tensor("value") {
                    constants.insert(node.outputs[0].as_str(), t);
                }
            }
            for read in node_reads(node) {
                *readers.entry(read).or_default() += 1;
            }
        }
        for output in &graph.outputs {
            // A graph output counts as a reader that must keep seeing the value.
            *readers.entry(output.name.clone()).or_default() += 1;
        }
        GraphIndex { graph, constants, producer, readers, first_input_of }
    }

    pub fn constant(&self, name: &str) -> Option<&'g Tensor> {
        self.constants.get(name).copied()
    }

    /// The node producing `value` if it has `op_type` (default domain).
    pub fn producer_of_type(&self, value: &str, op_type: &str) -> Option<(usize, &'g Node)> {
        let &index = self.producer.get(value)?;
        let node = &self.graph.nodes[index];
        (node.op_type == op_type && node.domain.is_empty()).then_some((index, node))
    }

    /// `value = DequantizeLinear(constant int8 codes)` with no `block_size` and every code one
    /// `allowed` accepts: that node and the codes (the weights of binary and ternary layers).
    pub fn coded_weight(&self, value: &str, allowed: fn(i8) -> bool) -> Option<(&'g Node, &'g Tensor)> {
        let (_, dq) = self.producer_of_type(value, "DequantizeLinear")?;
        if dq.attribute("block_size").is_some() {
            return None;
        }
        let codes = self.constant(dq.input(0)?)?;
        let Tensor::I8(values) = codes else { return None };
        values.iter().all(|&v| allowed(v)).then_some((dq, codes))
    }

    /// A layer's bias (input 2) for `outputs` channels: `""` when it has none, its name when it
    /// is a constant f32 of `outputs` values along its last axis; None otherwise.
    pub fn float_bias(&self, node: &Node, outputs: usize) -> Option<String> {
        let Some(b) = node.input(2) else { return Some(String::new()) };
        let t = self.constant(b)?;
        let fits = t.dtype() == Some(DType::F32) && t.shape().iter().product::<usize>() == outputs && t.shape().last() == Some(&outputs);
        fits.then(|| b.to_string())
    }

    /// The only reader of `value`, if there is exactly one and it is a node of `op_type`
    /// (a graph output or a subgraph capture counts as another reader).
    pub fn sole_reader_of_type(&self, value: &str, op_type: &str) -> Option<(usize, &'g Node)> {
        if self.readers.get(value).copied() != Some(1) {
            return None;
        }
        let candidates = self.first_input_of.get(value)?;
        candidates.iter().map(|&i| (i, &self.graph.nodes[i])).find(|(_, n)| n.op_type == op_type && n.domain.is_empty())
    }

    /// The quantization parameters of a QuantizeLinear/DequantizeLinear node, when its scale
    /// and zero point are constants and the zero point is given (its type is the 8-bit type).
    pub fn qparams(&self, node: &Node) -> Option<QParams> {
        if node.attribute("block_size").is_some() {
            return None;
        }
        let scale = self.constant(node.input(1)?)?;
        let zero_point = self.constant(node.input(2)?)?;
        let scales: Vec<f32> = scale.as_array::<f32>().ok()?.iter().copied().collect();
        let dtype = zero_point.dtype()?;
        if !matches!(dtype, DType::U8 | DType::I8 | DType::I32) {
            return None;
        }
        let zero_points: Vec<i32> = zero_point.to_i64_vec().ok()?.into_iter().map(|z| z as i32).collect();
        if scales.is_empty() || (zero_points.len() != scales.len() && zero_points.len() != 1) {
            return None;
        }
        let axis = node.attr_int("axis").ok()?.unwrap_or(1);
        Some(QParams {
            scale_name: node.inputs[1].clone(),
            zero_point_name: node.inputs[2].clone(),
            scales,
            zero_points,
            dtype,
            axis,
            scale_rank: scale.rank(),
        })
    }

    /// Like [`qparams`](Self::qparams), for a DequantizeLinear whose zero point may be omitted
    /// (an int32 bias): the zero point is then 0.
    pub fn bias_scales(&self, node: &Node) -> Option<Vec<f32>> {
        let scale = self.constant(node.input(1)?)?;
        if let Some(zp) = node.input(2) {
            if self.constant(zp)?.to_i64_vec().ok()?.iter().any(|&z| z != 0) {
                return None;
            }
        }
        Some(scale.as_array::<f32>().ok()?.iter().copied().collect())
    }
}

/// Constant quantization parameters of one Q/DQ node.
#[derive(Clone, Debug)]
pub struct QParams {
    pub scale_name: String,
    pub zero_point_name: String,
    pub scales: Vec<f32>,
    pub zero_points: Vec<i32>,
    /// The 8-bit (or int32) type of the quantized side.
    pub dtype: DType,
    /// The `axis` attribute as written (default 1), meaningful when per-axis.
    pub axis: i64,
    pub scale_rank: usize,
}

impl QParams {
    /// One scale and one zero point for the whole tensor.
    pub fn is_per_tensor(&self) -> bool {
        self.scales.len() == 1 && self.zero_points.len() == 1 && self.scale_rank <= 1
    }

    pub fn is_8bit(&self) -> bool {
        matches!(self.dtype, DType::U8 | DType::I8)
    }

    /// Per-axis along `axis` of a rank-`rank` tensor with `channels` entries, or per-tensor.
    pub fn fits_channels(&self, axis: usize, rank: usize, channels: usize) -> bool {
        if self.is_per_tensor() {
            return true;
        }
        let written = if self.axis < 0 { self.axis + rank as i64 } else { self.axis };
        self.scale_rank == 1 && written == axis as i64 && self.scales.len() == channels
    }

    /// Same scale and zero point (per-tensor both): a pass-through op may then run on the
    /// quantized values directly.
    pub fn same_as(&self, other: &QParams) -> bool {
        self.is_per_tensor()
            && other.is_per_tensor()
            && self.dtype == other.dtype
            && self.scales[0].to_bits() == other.scales[0].to_bits()
            && self.zero_points[0] == other.zero_points[0]
    }
}
