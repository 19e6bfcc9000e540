//! One Conv or Gemm layer's weight and bias as DFQ rescales them: loaded once as f64, changed
//! per output channel (the layer's own) or per input channel (the previous layer's), written
//! back as float32. A grouped (depthwise) Conv's input channel i is read by the output channels
//! of its group only.

use ndarray::{ArrayD, Axis};

use crate::compress::weights::{WeightSource, find_weight_in, replace_weight};
use crate::ir::{Graph, GraphLookup, Initializer, Names, Tensor};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Weight [Cout, Cin/group, k…].
    Conv { group: usize },
    /// Weight [K, N], or [N, K] with transB.
    Gemm { trans_b: bool },
}

#[derive(Clone, Debug)]
pub struct Layer {
    pub node: usize,
    pub kind: Kind,
    pub w: ArrayD<f64>,
    w_source: WeightSource,
    /// The bias (one value per output channel) and where it is stored; `None` source: the
    /// layer had none and [`Layer::store`] adds it.
    pub bias: Option<(Option<WeightSource>, Vec<f64>)>,
}

/// The kind of the layer at `node` if DFQ can rescale it: a default-domain Conv (weight rank ≥
/// 3) or Gemm (alpha = beta = 1, no transA) with a constant float32 weight and bias (or none)
/// that only it reads, and a computed input.
pub fn layer_kind(graph: &Graph, lookup: &GraphLookup, node: usize) -> Option<(Kind, usize, usize)> {
    let n = &graph.nodes[node];
    if !(n.domain.is_empty() || n.domain == "ai.onnx") || n.outputs.len() != 1 {
        return None;
    }
    let int = |name: &str, default: i64| n.attr_int(name).ok().flatten().unwrap_or(default);
    let float = |name: &str| n.attr_float(name).ok().flatten().unwrap_or(1.0);
    let own = |name: &str| lookup.consumers(name) == [node] && !lookup.is_output(name);
    let weight = n.input(1)?;
    let Some((_, Tensor::F32(w))) = find_weight_in(graph, lookup, weight) else { return None };
    if !own(weight) || n.input(0).is_none_or(|x| find_weight_in(graph, lookup, x).is_some()) {
        return None;
    }
    let shape = w.shape();
    let (kind, outs, ins) = match n.op_type.as_str() {
        "Conv" if w.ndim() >= 3 => {
            let group = usize::try_from(int("group", 1)).ok().filter(|&g| g >= 1 && shape[0] % g == 0)?;
            (Kind::Conv { group }, shape[0], shape[1] * group)
        }
        "Gemm" if w.ndim() == 2 && int("transA", 0) == 0 && float("alpha") == 1.0 && float("beta") == 1.0 => {
            let trans_b = int("transB", 0) != 0;
            let (outs, ins) = if trans_b { (shape[0], shape[1]) } else { (shape[1], shape[0]) };
            (Kind::Gemm { trans_b }, outs, ins)
        }
        _ => return None,
    };
    match n.input(2) {
        None => {}
        Some(b) => match find_weight_in(graph, lookup, b) {
            Some((_, Tensor::F32(t))) if t.ndim() == 1 && t.len() == outs && own(b) => {}
            _ => return None,
        },
    }
    Some((kind, outs, ins))
}

impl Layer {
    /// The layer at `node` if [`layer_kind`] accepts it.
    pub fn load(graph: &Graph, lookup: &GraphLookup, node: usize) -> Option<Layer> {
        let (kind, _, _) = layer_kind(graph, lookup, node)?;
        let n = &graph.nodes[node];
        let (w_source, Tensor::F32(w)) = find_weight_in(graph, lookup, n.input(1)?)? else { return None };
        let bias = match n.input(2) {
            Some(b) => match find_weight_in(graph, lookup, b)? {
                (source, Tensor::F32(t)) => Some((Some(source), t.iter().map(|&v| f64::from(v)).collect())),
                _ => return None,
            },
            None => None,
        };
        Some(Layer { node, kind, w: w.mapv(f64::from), w_source, bias })
    }

    pub fn out_axis(&self) -> usize {
        match self.kind {
            Kind::Conv { .. } | Kind::Gemm { trans_b: true } => 0,
            Kind::Gemm { trans_b: false } => 1,
        }
    }

    pub fn out_channels(&self) -> usize {
        self.w.shape()[self.out_axis()]
    }

    pub fn in_channels(&self) -> usize {
        match self.kind {
            Kind::Conv { group } => self.w.shape()[1] * group,
            Kind::Gemm { trans_b } => self.w.shape()[usize::from(trans_b)],
        }
    }

    /// max |w| over output channel `c`.
    pub fn out_range(&self, c: usize) -> f64 {
        self.w.index_axis(Axis(self.out_axis()), c).iter().fold(0.0, |m, v| m.max(v.abs()))
    }

    /// max |w| over the weights that read input channel `i`.
    pub fn in_range(&self, i: usize) -> f64 {
        let mut m = 0f64;
        self.visit_in_lane(i, |v| m = m.max(v.abs()));
        m
    }

    /// Output channel `c` (weights and bias) times `f`.
    pub fn scale_out(&mut self, c: usize, f: f64) {
        let axis = self.out_axis();
        self.w.index_axis_mut(Axis(axis), c).mapv_inplace(|v| v * f);
        if let Some((_, b)) = &mut self.bias {
            b[c] *= f;
        }
    }

    /// The weights reading input channel `i` times `f`.
    pub fn scale_in(&mut self, i: usize, f: f64) {
        self.visit_in_lane_mut(i, |v| *v *= f);
    }

    fn visit_in_lane(&self, i: usize, mut f: impl FnMut(f64)) {
        match self.kind {
            Kind::Conv { group } => {
                let (cpg, opg) = (self.w.shape()[1], self.w.shape()[0] / group);
                let (g, j) = (i / cpg, i % cpg);
                for o in g * opg..(g + 1) * opg {
                    self.w.index_axis(Axis(0), o).index_axis(Axis(0), j).iter().for_each(|&v| f(v));
                }
            }
            Kind::Gemm { trans_b } => self.w.index_axis(Axis(usize::from(trans_b)), i).iter().for_each(|&v| f(v)),
        }
    }

    fn visit_in_lane_mut(&mut self, i: usize, mut f: impl FnMut(&mut f64)) {
        match self.kind {
            Kind::Conv { group } => {
                let (cpg, opg) = (self.w.shape()[1], self.w.shape()[0] / group);
                let (g, j) = (i / cpg, i % cpg);
                for o in g * opg..(g + 1) * opg {
                    let mut out = self.w.index_axis_mut(Axis(0), o);
                    out.index_axis_mut(Axis(0), j).iter_mut().for_each(&mut f);
                }
            }
            Kind::Gemm { trans_b } => self.w.index_axis_mut(Axis(usize::from(trans_b)), i).iter_mut().for_each(f),
        }
    }

    /// Adds `values` (one per output channel) to the bias, making one if there is none.
    pub fn add_to_bias(&mut self, values: &[f64]) {
        let channels = self.out_channels();
        let (_, b) = self.bias.get_or_insert_with(|| (None, vec![0.0; channels]));
        for (b, v) in b.iter_mut().zip(values) {
            *b += v;
        }
    }

    /// Writes the weight and bias back as float32 (a new bias initializer when the layer had
    /// none). False if a weight could not be written.
    pub fn store(&self, graph: &mut Graph, names: &mut Names) -> bool {
        if !replace_weight(graph, self.w_source, Tensor::F32(self.w.mapv(|v| v as f32))) {
            return false;
        }
        let Some((source, values)) = &self.bias else { return true };
        let Ok(b) = ArrayD::from_shape_vec(vec![values.len()], values.iter().map(|&v| v as f32).collect()) else { return false };
        match source {
            Some(source) => replace_weight(graph, *source, Tensor::F32(b)),
            None => {
                let name = names.fresh(&format!("{}_bias", graph.nodes[self.node].outputs[0]));
                graph.initializers.push(Initializer::new(name.clone(), Tensor::F32(b)));
                let node = &mut graph.nodes[self.node];
                node.inputs.resize(2, String::new());
                node.inputs.push(name);
                true
            }
        }
    }
}

/// Per output channel of a layer of `kind` with weight `w`: Σ over the weights reading input
/// channel i (all taps) of w · e_i — what the layer adds to its output when every value of input
/// channel i is e_i (away from padding).
pub fn input_contribution(w: &ArrayD<f64>, kind: Kind, e: &[f64]) -> Vec<f64> {
    match kind {
        Kind::Conv { group } => {
            let (cpg, opg) = (w.shape()[1], w.shape()[0] / group);
            (0..w.shape()[0])
                .map(|o| {
                    let g = o / opg;
                    let out = w.index_axis(Axis(0), o);
                    (0..cpg).map(|j| out.index_axis(Axis(0), j).sum() * e[g * cpg + j]).sum()
                })
                .collect()
        }
        Kind::Gemm { trans_b } => {
            let out_axis = usize::from(!trans_b);
            (0..w.shape()[out_axis]).map(|o| w.index_axis(Axis(out_axis), o).iter().zip(e).map(|(v, e)| v * e).sum()).collect()
        }
    }
}
