//! The analysis on hand-built graphs whose answers are known: each expected number is computed
//! here from the textbook formula, independently of pare's code.

use pare::analysis::{AnalysisOptions, OpCategory, ShapeMap, ShapeSource, ValueShape, analyze_graph, analyze_model};
use pare::ir::{
    AttrTensor, AttrValue, DType, Dim, Graph, Initializer, Model, Node, OpsetImport, Tensor, ValueInfo,
    dtype::onnx_code,
};

fn shapes(list: &[(&str, &[usize])]) -> ShapeMap {
    list.iter().map(|(name, dims)| (name.to_string(), ValueShape::new(Some(DType::F32), dims.to_vec()))).collect()
}

fn weight(name: &str, dims: &[usize]) -> Initializer {
    Initializer::new(name, Tensor::zeros::<f32>(dims).unwrap())
}

fn node(op: &str, name: &str, inputs: &[&str], outputs: &[&str], attributes: &[(&str, AttrValue)]) -> Node {
    let mut n = Node::new(op, inputs, outputs);
    n.name = name.to_string();
    for (key, value) in attributes {
        n.set_attribute(key, value.clone());
    }
    n
}

fn model(graph: Graph) -> Model {
    Model {
        ir_version: 8,
        opset_import: vec![OpsetImport { domain: String::new(), version: 17 }],
        graph,
        ..Model::default()
    }
}

fn float_value(name: &str, dims: &[i64]) -> ValueInfo {
    ValueInfo::tensor(name, onnx_code::FLOAT, Some(dims.iter().map(|&d| Dim::known(d)).collect()))
}

#[test]
fn conv_flops_params_and_memory_match_the_formulas() {
    let (n, c_in, c_out, h, w, k) = (1u64, 3u64, 16u64, 32u64, 32u64, 3u64);
    let mut g = Graph::default();
    g.initializers.push(weight("w", &[16, 3, 3, 3]));
    g.initializers.push(weight("b", &[16]));
    g.nodes.push(node("Conv", "conv", &["x", "w", "b"], &["y"], &[("pads", AttrValue::Ints(vec![1, 1, 1, 1]))]));
    // With pads 1 and stride 1, the output keeps the 32×32 size.
    let map = shapes(&[("x", &[1, 3, 32, 32]), ("y", &[1, 16, 32, 32])]);
    let a = analyze_graph(&g, &map);

    let macs = n * c_out * h * w * c_in * k * k;
    assert_eq!(a.totals.macs, macs);
    assert_eq!(a.totals.flops, 2 * 16 * 32 * 32 * 3 * 9);
    assert_eq!(a.params.total_params, c_out * c_in * k * k + c_out);
    assert_eq!(a.params.total_bytes, 4 * (c_out * c_in * k * k + c_out));
    let conv = &a.nodes[0];
    assert_eq!(conv.category, OpCategory::Compute);
    assert_eq!(conv.memory.activation_read_bytes, 4 * n * c_in * h * w);
    assert_eq!(conv.memory.weight_read_bytes, 4 * (c_out * c_in * k * k + c_out));
    assert_eq!(conv.memory.written_bytes, 4 * n * c_out * h * w);
    assert_eq!(conv.output_shapes, vec![Some(vec![1, 16, 32, 32])]);
    assert_eq!(conv.outputs, vec!["y".to_string()], "the tensors the node writes, by name");
}

#[test]
fn grouped_and_transposed_convs_divide_by_groups() {
    let mut g = Graph::default();
    // Depthwise 3×3 on 32 channels, 2 images of 8×8 output.
    g.initializers.push(weight("dw", &[32, 1, 3, 3]));
    g.nodes.push(node("Conv", "dw", &["x", "dw"], &["d"], &[("group", AttrValue::Int(32))]));
    // ConvTranspose 32 → 8 channels, 4×4 kernel, groups 2: weight [Cin, Cout/group, kh, kw].
    g.initializers.push(weight("tw", &[32, 4, 4, 4]));
    g.nodes.push(node("ConvTranspose", "up", &["d", "tw"], &["u"], &[("group", AttrValue::Int(2))]));
    let map = shapes(&[("x", &[2, 32, 10, 10]), ("d", &[2, 32, 8, 8]), ("u", &[2, 8, 11, 11])]);
    let a = analyze_graph(&g, &map);
    let depthwise_macs = 2 * 32 * 8 * 8 * 9;
    // Every input element meets (Cout/group)·kh·kw weights.
    let transposed_macs = (2 * 32 * 8 * 8) * 4 * 4 * 4;
    assert_eq!(a.nodes[0].macs, depthwise_macs);
    assert_eq!(a.nodes[1].macs, transposed_macs);
    assert_eq!(a.totals.flops, 2 * (depthwise_macs + transposed_macs));
}

#[test]
fn gemm_and_matmul_count_two_m_n_k() {
    let mut g = Graph::default();
    g.initializers.push(weight("fc", &[10, 64]));
    g.nodes.push(node("Gemm", "fc", &["x", "fc"], &["y"], &[("transB", AttrValue::Int(1))]));
    g.nodes.push(node("MatMul", "mm", &["q", "k"], &["s"], &[]));
    let map =
        shapes(&[("x", &[4, 64]), ("y", &[4, 10]), ("q", &[2, 8, 5, 16]), ("k", &[2, 8, 16, 7]), ("s", &[2, 8, 5, 7])]);
    let a = analyze_graph(&g, &map);
    assert_eq!(a.nodes[0].flops, 2 * 4 * 10 * 64);
    assert_eq!(a.nodes[1].flops, 2 * (2 * 8) * 5 * 7 * 16);
    // Without the output shape, MatMul broadcasts the inputs itself.
    let mut partial = map.clone();
    partial.remove("s");
    assert_eq!(analyze_graph(&g, &partial).nodes[1].flops, 2 * (2 * 8) * 5 * 7 * 16);
}

#[test]
fn lstm_follows_the_gate_formula() {
    let (seq, batch, input, hidden, dirs) = (7u64, 3u64, 20u64, 16u64, 2u64);
    let mut g = Graph::default();
    g.initializers.push(weight("W", &[2, 64, 20]));
    g.initializers.push(weight("R", &[2, 64, 16]));
    let attrs = [("hidden_size", AttrValue::Int(16)), ("direction", AttrValue::String(b"bidirectional".to_vec()))];
    g.nodes.push(node("LSTM", "lstm", &["x", "W", "R"], &["y"], &attrs));
    let a = analyze_graph(&g, &shapes(&[("x", &[7, 3, 20]), ("y", &[7, 2, 3, 16])]));
    let macs = dirs * seq * batch * 4 * hidden * (input + hidden);
    assert_eq!(a.nodes[0].macs, macs);
    assert!(a.nodes[0].flops >= 2 * macs);
}

#[test]
fn elementwise_pooling_and_data_movement() {
    let mut g = Graph::default();
    g.nodes.push(node("Add", "add", &["a", "b"], &["s"], &[]));
    g.nodes.push(node("MaxPool", "pool", &["s"], &["p"], &[("kernel_shape", AttrValue::Ints(vec![2, 2]))]));
    g.nodes.push(node("Reshape", "flat", &["p", "shape"], &["f"], &[]));
    g.initializers.push(Initializer::new("shape", Tensor::from_vec(&[2], vec![1i64, -1]).unwrap()));
    let map = shapes(&[
        ("a", &[1, 8, 6, 6]),
        ("b", &[1, 8, 1, 1]),
        ("s", &[1, 8, 6, 6]),
        ("p", &[1, 8, 3, 3]),
        ("f", &[1, 72]),
    ]);
    let a = analyze_graph(&g, &map);
    assert_eq!(a.nodes[0].flops, 8 * 6 * 6);
    assert_eq!(a.nodes[0].macs, 0);
    assert_eq!(a.nodes[1].flops, 8 * 3 * 3 * 4);
    assert_eq!(a.nodes[2].flops, 0);
    assert_eq!(a.nodes[2].memory.total_bytes, 2 * 4 * 72 + 16);
    assert_eq!(a.params.by_dtype.iter().map(|d| d.dtype.as_str()).collect::<Vec<_>>(), vec!["int64"]);
}

#[test]
fn params_count_constants_and_subgraph_weights_per_dtype() {
    let mut then_branch = Graph::default();
    then_branch.initializers.push(weight("inner", &[5]));
    let mut constant = node("Constant", "c", &[], &["k"], &[]);
    constant.set_attribute("value", AttrValue::Tensor(AttrTensor::new(Tensor::zeros::<i64>(&[3]).unwrap())));
    then_branch.nodes.push(constant);
    let mut g = Graph::default();
    g.initializers.push(weight("outer", &[2, 2]));
    let mut scalar = node("Constant", "s", &[], &["f"], &[]);
    scalar.set_attribute("value_float", AttrValue::Float(1.0));
    g.nodes.push(scalar);
    g.nodes.push(node("If", "if", &["cond"], &["y"], &[("then_branch", AttrValue::Graph(Box::new(then_branch)))]));
    let a = analyze_graph(&g, &ShapeMap::new());
    assert_eq!(a.params.total_params, 4 + 1 + 5 + 3);
    assert_eq!(a.params.constant_params, 1 + 3);
    assert_eq!(a.params.tensor_count, 4);
    let float = a.params.by_dtype.iter().find(|d| d.dtype == "float32").unwrap();
    assert_eq!((float.params, float.bytes, float.tensors), (10, 40, 3));
    let int = a.params.by_dtype.iter().find(|d| d.dtype == "int64").unwrap();
    assert_eq!((int.params, int.bytes), (3, 24));
    // The subgraph's Constant node is a node too, reported with its graph path.
    assert_eq!(a.structure.node_count, 3);
    assert_eq!(a.nodes[2].graph, "if/then_branch");
}

#[test]
fn structure_sees_branches_merges_depth_and_width() {
    // x → conv_a → relu ─┐
    //   └→ conv_b ───────┴→ add → y      (a residual-like fork and join)
    let mut g = Graph::default();
    g.initializers.push(weight("wa", &[16, 16, 3, 3]));
    g.initializers.push(weight("wb", &[16, 16, 1, 1]));
    g.nodes.push(node("Conv", "conv_a", &["x", "wa"], &["a"], &[]));
    g.nodes.push(node("Relu", "relu", &["a"], &["r"], &[]));
    g.nodes.push(node("Conv", "conv_b", &["x", "wb"], &["b"], &[]));
    g.nodes.push(node("Add", "add", &["r", "b"], &["y"], &[]));
    let dims: &[usize] = &[1, 16, 8, 8];
    let a = analyze_graph(&g, &shapes(&[("x", dims), ("a", dims), ("r", dims), ("b", dims), ("y", dims)]));
    let s = &a.structure;
    assert_eq!((s.node_count, s.depth, s.max_width), (4, 3, 2));
    assert_eq!((s.branch_points, s.merge_points), (1, 1));
    assert_eq!(s.elementwise_share, 0.5);
    assert_eq!(s.nodes_by_category.get("compute"), Some(&2));
}

#[test]
fn lint_flags_what_compression_md_describes() {
    let mut g = Graph::default();
    g.outputs.push(float_value("logits", &[1, 10]));
    // 3 parallel convs read `x`: 20 channels (not /8), 24 channels (/8 not /16), a 5×5 kernel.
    g.initializers.push(weight("w20", &[20, 32, 1, 1]));
    g.initializers.push(weight("w24", &[24, 32, 3, 3]));
    g.initializers.push(weight("w5", &[32, 32, 5, 5]));
    g.nodes.push(node("Conv", "narrow", &["x", "w20"], &["n"], &[]));
    g.nodes.push(node("Conv", "mid", &["x", "w24"], &["m"], &[]));
    g.nodes.push(node("Conv", "wide5", &["x", "w5"], &["v"], &[]));
    // Grouped (not depthwise) conv, then a depthwise one, then BatchNorm right after a conv.
    g.initializers.push(weight("wg", &[32, 8, 3, 3]));
    g.nodes.push(node("Conv", "grouped", &["v", "wg"], &["gv"], &[("group", AttrValue::Int(4))]));
    g.initializers.push(weight("wd", &[32, 1, 3, 3]));
    g.nodes.push(node("Conv", "depthwise", &["gv", "wd"], &["dv"], &[("group", AttrValue::Int(32))]));
    for p in ["s", "bb", "mean", "var"] {
        g.initializers.push(weight(p, &[32]));
    }
    g.nodes.push(node("BatchNormalization", "bn", &["dv", "s", "bb", "mean", "var"], &["bnv"], &[]));
    // 1×1 expanding 32 → 256 (G1), then a 10-class head (task-fixed: not flagged).
    g.initializers.push(weight("wx", &[256, 32, 1, 1]));
    g.nodes.push(node("Conv", "expand", &["bnv", "wx"], &["e"], &[]));
    g.nodes.push(node("Flatten", "flat", &["e"], &["fe"], &[]));
    g.initializers.push(weight("head", &[10, 256]));
    g.nodes.push(node("Gemm", "classifier", &["fe", "head"], &["logits"], &[("transB", AttrValue::Int(1))]));
    let a = analyze_graph(&g, &ShapeMap::new());
    let rules_of = |name: &str| a.nodes.iter().find(|n| n.name == name).unwrap().lint.clone();
    assert!(rules_of("narrow").contains(&"channels-multiple-of-8"));
    assert!(rules_of("mid").contains(&"channels-multiple-of-16"));
    assert!(rules_of("wide5").contains(&"kernel-size"));
    for branch in ["narrow", "mid", "wide5"] {
        assert!(rules_of(branch).contains(&"shufflenet-g3-fragmentation"), "{branch}");
    }
    assert!(rules_of("grouped").contains(&"shufflenet-g2-group-conv"));
    assert!(rules_of("depthwise").contains(&"depthwise-conv"));
    assert!(!rules_of("depthwise").contains(&"shufflenet-g2-group-conv"));
    assert!(rules_of("bn").contains(&"foldable-batchnorm"));
    assert!(rules_of("expand").contains(&"shufflenet-g1-channel-ratio"));
    assert!(rules_of("classifier").is_empty(), "{:?}", rules_of("classifier"));
    let last = a.lint.findings.last().unwrap();
    assert_eq!(last.rule, "flops-not-latency");
    // Every rule that fired is listed once, with its reason.
    for f in &a.lint.findings {
        let rule = a.lint.rules.iter().find(|r| r.id == f.rule).unwrap();
        assert!(!rule.reason.is_empty());
    }
}

#[test]
fn unknown_ops_and_shapes_are_reported_not_guessed() {
    let mut g = Graph::default();
    let mut custom = node("Mystery", "m", &["x"], &["y"], &[]);
    custom.domain = "com.example".into();
    g.nodes.push(custom);
    g.nodes.push(node("Relu", "r", &["y"], &["z"], &[]));
    let a = analyze_graph(&g, &shapes(&[("x", &[4])]));
    assert!(!a.nodes[0].flops_counted);
    assert!(a.nodes[0].note.as_deref().unwrap().contains("com.example::Mystery"));
    assert!(!a.nodes[1].flops_counted);
    assert!(a.nodes[1].note.as_deref().unwrap().contains("`z`"));
    assert_eq!(a.totals.nodes_without_flops, 2);
}

fn relu_model(then_custom: bool) -> Model {
    let mut g = Graph::default();
    g.inputs.push(ValueInfo::tensor("x", onnx_code::FLOAT, Some(vec![Dim::symbol("batch"), Dim::known(4)])));
    g.nodes.push(node("Relu", "relu", &["x"], &["r"], &[]));
    let last = if then_custom {
        let mut custom = node("Mystery", "mystery", &["r"], &["y"], &[]);
        custom.domain = "com.example".into();
        g.nodes.push(custom);
        "y"
    } else {
        "r"
    };
    g.outputs.push(ValueInfo::tensor(last, onnx_code::FLOAT, Some(vec![Dim::symbol("batch"), Dim::known(4)])));
    let mut m = model(g);
    if then_custom {
        m.opset_import.push(OpsetImport { domain: "com.example".into(), version: 1 });
    }
    m
}

#[test]
fn shapes_are_observed_by_running_when_the_model_runs() {
    let mut options = AnalysisOptions::default();
    options.random.dims.insert("batch".into(), 3);
    let a = analyze_model(&relu_model(false), &options);
    assert_eq!(a.shapes.source, ShapeSource::Observed);
    assert_eq!(a.shapes.note, None);
    assert_eq!(a.shapes.inputs[0].shape, vec![3, 4]);
    assert_eq!(a.analysis.nodes[0].output_shapes, vec![Some(vec![3, 4])]);
    assert_eq!(a.analysis.totals.flops, 12);
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["shapes"]["source"], "observed");
    assert_eq!(json["totals"]["flops"], 12);
    assert_eq!(json["nodes"][0]["category"], "elementwise");
}

#[test]
fn shapes_fall_back_to_declarations_and_say_why() {
    // The custom op cannot be prepared: nothing runs, declared input/output shapes are used.
    let a = analyze_model(&relu_model(true), &AnalysisOptions::default());
    assert_eq!(a.shapes.source, ShapeSource::Declared);
    let note = a.shapes.note.as_deref().unwrap();
    assert!(note.contains("Mystery"), "{note}");
    // Relu's output is inferred from the input; the custom op's output is declared.
    assert_eq!(a.analysis.nodes[0].output_shapes, vec![Some(vec![1, 4])]);
    assert_eq!(a.shapes.inferred_values, 1);
    assert_eq!(a.analysis.nodes[1].output_shapes, vec![Some(vec![1, 4])]);
    assert_eq!(a.shapes.defaulted_dims, vec!["batch"]);
    // --no-run: declared only, by request.
    let options = AnalysisOptions { skip_run: true, ..AnalysisOptions::default() };
    let a = analyze_model(&relu_model(false), &options);
    assert_eq!(a.shapes.source, ShapeSource::Declared);
    assert_eq!(a.analysis.nodes[0].output_shapes, vec![Some(vec![1, 4])]);
}

#[test]
fn a_conv_model_gets_its_flops_whether_it_runs_or_not() {
    // Declares only the input; intermediate shapes come from the run (when pare has Conv and
    // MaxPool) or from shape inference (when it does not): the answer must not change.
    let mut g = Graph::default();
    g.inputs.push(ValueInfo::tensor(
        "x",
        onnx_code::FLOAT,
        Some(vec![Dim::symbol("batch"), Dim::known(3), Dim::symbol("side"), Dim::symbol("side")]),
    ));
    g.initializers.push(weight("w", &[16, 3, 3, 3]));
    let conv_attrs = [("pads", AttrValue::Ints(vec![1, 1, 1, 1])), ("strides", AttrValue::Ints(vec![2, 2]))];
    g.nodes.push(node("Conv", "conv", &["x", "w"], &["c"], &conv_attrs));
    g.nodes.push(node("Relu", "relu", &["c"], &["r"], &[]));
    let pool_attrs = [("kernel_shape", AttrValue::Ints(vec![2, 2])), ("strides", AttrValue::Ints(vec![2, 2]))];
    g.nodes.push(node("MaxPool", "pool", &["r"], &["y"], &pool_attrs));
    g.outputs.push(ValueInfo::tensor("y", onnx_code::FLOAT, None));
    // 32×32 with pads 1, stride 2 → 16×16; pooling 2×2 stride 2 → 8×8.
    let conv_flops = 2 * 2 * 16 * 16 * 16 * 3 * 9;
    let relu_flops = 2 * 16 * 16 * 16;
    let pool_flops = 2 * 16 * 8 * 8 * 4;
    // Both paths: the run observes every shape; without it (`skip_run`, as when pare cannot run
    // the model) only the input is declared and Conv, Relu and MaxPool shapes come from inference.
    for (skip_run, source) in [(false, ShapeSource::Observed), (true, ShapeSource::Declared)] {
        let mut options = AnalysisOptions { skip_run, ..AnalysisOptions::default() };
        options.random.dims.insert("batch".into(), 2);
        options.random.dims.insert("side".into(), 32);
        let a = analyze_model(&model(g.clone()), &options);
        assert_eq!(a.shapes.source, source, "skip_run {skip_run}");
        assert_eq!(a.analysis.totals.flops, conv_flops + relu_flops + pool_flops, "skip_run {skip_run}: {:?}", a.shapes);
        assert_eq!(a.shapes.known_values, a.shapes.total_values, "skip_run {skip_run}");
        // Observed: nothing inferred; declared: the three node outputs c, r, y all inferred.
        assert_eq!(a.shapes.inferred_values, if skip_run { 3 } else { 0 }, "skip_run {skip_run}: {:?}", a.shapes);
        assert!(a.shapes.defaulted_dims.is_empty());
    }
}
