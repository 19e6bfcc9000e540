//! If, Loop and Scan on small hand-built graphs, with a registry of the control ops plus
//! three test-local ops (Add, Less, Identity), so these tests do not depend on other families.

use crate::ir::{AttrValue, Dim, Graph, Node, Tensor, ValueInfo, dtype::onnx_code};
use crate::ops::util::{binary_map, required};
use crate::ops::{EmptyScope, ExecContext, OpError, Registry};
use crate::runtime::{Opsets, Plan};

fn registry() -> Registry {
    let mut r = Registry::new();
    super::register(&mut r);
    r.add("", "Identity", 1..=99, |_| {
        Ok(Box::new(|i: &[Option<&Tensor>], _: &ExecContext| Ok(vec![required(i, 0, "x")?.clone()])))
    });
    r.add("", "Add", 1..=99, |_| {
        Ok(Box::new(|i: &[Option<&Tensor>], _: &ExecContext| match (required(i, 0, "a")?, required(i, 1, "b")?) {
            (Tensor::I64(a), Tensor::I64(b)) => Ok(vec![Tensor::I64(binary_map(a, b, |x, y| x + y)?)]),
            (Tensor::F32(a), Tensor::F32(b)) => Ok(vec![Tensor::F32(binary_map(a, b, |x, y| x + y)?)]),
            _ => Err(OpError::invalid("test Add: int64 or float32 pairs only")),
        }))
    });
    r.add("", "Less", 1..=99, |_| {
        Ok(Box::new(|i: &[Option<&Tensor>], _: &ExecContext| {
            let (a, b) = (required(i, 0, "a")?.as_array::<i64>()?, required(i, 1, "b")?.as_array::<i64>()?);
            Ok(vec![Tensor::Bool(binary_map(a, b, |x, y| x < y)?)])
        }))
    });
    r
}

fn value(name: &str) -> ValueInfo {
    ValueInfo::tensor(name, 0, None)
}

fn graph(inputs: &[&str], nodes: Vec<Node>, outputs: &[&str]) -> Graph {
    Graph {
        inputs: inputs.iter().map(|n| value(n)).collect(),
        outputs: outputs.iter().map(|n| value(n)).collect(),
        nodes,
        ..Graph::default()
    }
}

fn node(op: &str, inputs: &[&str], outputs: &[&str], attrs: Vec<(&str, AttrValue)>) -> Node {
    let mut n = Node::new(op, inputs, outputs);
    for (name, v) in attrs {
        n.set_attribute(name, v);
    }
    n
}

fn body(g: Graph) -> AttrValue {
    AttrValue::Graph(Box::new(g))
}

fn compile(g: &Graph, opset: i64) -> Result<Plan, String> {
    let opsets: Opsets = [(String::new(), opset)].into_iter().collect();
    Plan::compile(g, &registry(), &opsets).map_err(|e| e.to_string())
}

/// The error preparing `g` reports (panics if it compiles).
fn compile_error(g: &Graph) -> String {
    match compile(g, 16) {
        Ok(_) => panic!("the graph compiled"),
        Err(e) => e,
    }
}

fn run(g: &Graph, feeds: Vec<Tensor>) -> Result<Vec<Tensor>, String> {
    run_at(g, 16, feeds)
}

fn run_at(g: &Graph, opset: i64, feeds: Vec<Tensor>) -> Result<Vec<Tensor>, String> {
    let plan = compile(g, opset)?;
    plan.execute(feeds.into_iter().map(Some).collect(), &EmptyScope, None).map_err(|e| e.to_string())
}

fn ints(shape: &[usize], v: Vec<i64>) -> Tensor {
    Tensor::from_vec(shape, v).unwrap()
}

/// `If(cond)`: then adds the outer `x` to itself, else returns the outer `y` untouched.
fn if_graph() -> Graph {
    let then_branch = graph(&[], vec![node("Add", &["x", "x"], &["doubled"], vec![])], &["doubled"]);
    let else_branch = graph(&[], vec![], &["y"]);
    let if_node =
        node("If", &["cond"], &["out"], vec![("then_branch", body(then_branch)), ("else_branch", body(else_branch))]);
    graph(&["cond", "x", "y"], vec![if_node], &["out"])
}

#[test]
fn if_runs_the_chosen_branch_with_outer_values() {
    let g = if_graph();
    let (x, y) = (ints(&[2], vec![1, 2]), ints(&[1], vec![7]));
    assert_eq!(run(&g, vec![Tensor::scalar(true), x.clone(), y.clone()]).unwrap(), vec![ints(&[2], vec![2, 4])]);
    assert_eq!(run(&g, vec![Tensor::scalar(false), x.clone(), y.clone()]).unwrap(), vec![y.clone()]);
    let one_element = Tensor::from_vec(&[1], vec![true]).unwrap();
    assert!(run(&g, vec![one_element, x.clone(), y.clone()]).is_ok());
    let err = run(&g, vec![Tensor::scalar(1i64), x, y]).unwrap_err();
    assert!(err.contains("bool"), "{err}");
}

#[test]
fn if_branches_must_agree_and_take_no_inputs() {
    let two = graph(&[], vec![], &["x", "y"]);
    let one = graph(&[], vec![], &["x"]);
    let n = node("If", &["cond"], &["out"], vec![("then_branch", body(two)), ("else_branch", body(one.clone()))]);
    let err = compile_error(&graph(&["cond", "x", "y"], vec![n], &["out"]));
    assert!(err.contains("must match"), "{err}");
    let with_input = graph(&["z"], vec![], &["z"]);
    let n = node("If", &["cond"], &["out"], vec![("then_branch", body(with_input)), ("else_branch", body(one))]);
    let err = compile_error(&graph(&["cond", "x"], vec![n], &["out"]));
    assert!(err.contains("no inputs"), "{err}");
    let n = node("If", &["cond"], &["out"], vec![]);
    assert!(compile_error(&graph(&["cond"], vec![n], &["out"])).contains("then_branch"));
}

/// Loop whose body adds the outer `step` to the carried sum, scans the running sum, and
/// continues while iteration_num + 1 < `limit` (an outer value).
fn loop_graph(inputs: [&str; 2]) -> Graph {
    let body_graph = graph(
        &["i", "cond_in", "sum_in"],
        vec![
            node("Add", &["sum_in", "step"], &["sum_out"], vec![]),
            node("Identity", &["sum_out"], &["scan_out"], vec![]),
            node("Add", &["i", "one"], &["next_i"], vec![]),
            node("Less", &["next_i", "limit"], &["cond_out"], vec![]),
        ],
        &["cond_out", "sum_out", "scan_out"],
    );
    let mut g = graph(
        &["M", "cond", "sum0", "step", "one", "limit"],
        vec![node("Loop", &[inputs[0], inputs[1], "sum0"], &["sum", "sums"], vec![("body", body(body_graph))])],
        &["sum", "sums"],
    );
    g.outputs[1] = ValueInfo::tensor("sums", onnx_code::INT64, Some(vec![Dim::symbol("n"), Dim::known(2)]));
    // Declare the body's scan output (what a zero-iteration loop reports).
    if let Some(AttrValue::Graph(b)) = g.nodes[0].attributes.first_mut().map(|a| &mut a.value) {
        b.outputs[2] = ValueInfo::tensor("scan_out", onnx_code::INT64, Some(vec![Dim::known(2)]));
    }
    g
}

fn loop_feeds(m: i64, cond: bool, limit: i64) -> Vec<Tensor> {
    vec![
        Tensor::scalar(m),
        Tensor::scalar(cond),
        ints(&[2], vec![0, 100]),
        ints(&[2], vec![1, 10]),
        Tensor::scalar(1i64),
        Tensor::scalar(limit),
    ]
}

#[test]
fn loop_with_a_trip_count_ignores_the_body_condition() {
    let g = loop_graph(["M", ""]);
    let out = run(&g, loop_feeds(3, true, 0)).unwrap();
    assert_eq!(out[0], ints(&[2], vec![3, 130]));
    assert_eq!(out[1], ints(&[3, 2], vec![1, 110, 2, 120, 3, 130]));
}

#[test]
fn loop_with_a_condition_stops_when_the_body_says_so() {
    let g = loop_graph(["", "cond"]);
    let out = run(&g, loop_feeds(0, true, 2)).unwrap();
    assert_eq!(out[0], ints(&[2], vec![2, 120]));
    // Both: whichever ends first.
    let g = loop_graph(["M", "cond"]);
    assert_eq!(run(&g, loop_feeds(1, true, 5)).unwrap()[0], ints(&[2], vec![1, 110]));
    assert_eq!(run(&g, loop_feeds(5, true, 2)).unwrap()[0], ints(&[2], vec![2, 120]));
}

#[test]
fn a_loop_asking_for_2_to_the_40_iterations_is_refused_before_it_starts() {
    let err = run(&loop_graph(["M", ""]), loop_feeds(1 << 40, true, 0)).unwrap_err();
    assert!(err.contains("Loop would run 1099511627776 iterations or more; pare runs at most 1048576"), "{err}");
    // A trip count within the cap runs.
    assert!(run(&loop_graph(["M", ""]), loop_feeds(4, true, 0)).is_ok());
}

#[test]
fn a_loop_that_never_runs_returns_its_initial_values_and_empty_scans() {
    for (inputs, m, cond) in [(["M", ""], 0, true), (["M", ""], -4, true), (["M", "cond"], 9, false)] {
        let out = run(&loop_graph(inputs), loop_feeds(m, cond, 9)).unwrap();
        assert_eq!(out[0], ints(&[2], vec![0, 100]));
        assert_eq!(out[1], Tensor::zeros::<i64>(&[0, 2]).unwrap());
    }
}

#[test]
fn loop_arity_is_checked_when_the_model_is_prepared() {
    let mut g = loop_graph(["M", ""]);
    g.nodes[0].inputs.push("extra".into());
    g.inputs.push(value("extra"));
    let err = compile_error(&g);
    assert!(err.contains("must take 4 inputs"), "{err}");
    let mut g = loop_graph(["M", ""]);
    g.nodes[0].outputs.push("third".into());
    assert!(compile_error(&g).contains("3 outputs"));
    let mut g = loop_graph(["M", ""]);
    g.nodes[0].inputs.truncate(1);
    assert!(compile_error(&g).contains("at least 2 inputs"));
}

#[test]
fn loop_scan_outputs_must_keep_their_shape() {
    // The scan output is the carried value before the update, which broadcasting grows from
    // [1] to [2] after the first iteration: the iterations cannot be stacked.
    let body_graph = graph(
        &["i", "cond_in", "acc_in"],
        vec![
            node("Add", &["acc_in", "grow"], &["acc_out"], vec![]),
            node("Identity", &["cond_in"], &["cond_out"], vec![]),
        ],
        &["cond_out", "acc_out", "acc_in"],
    );
    let g = graph(
        &["M", "acc0", "grow"],
        vec![node("Loop", &["M", "", "acc0"], &["acc", "accs"], vec![("body", body(body_graph))])],
        &["acc", "accs"],
    );
    let feeds = |grow: Tensor| vec![Tensor::scalar(2i64), ints(&[1], vec![0]), grow];
    let out = run(&g, feeds(ints(&[1], vec![1]))).unwrap();
    assert_eq!(out[1], ints(&[2, 1], vec![0, 1]));
    let err = run(&g, feeds(ints(&[2], vec![1, 2]))).unwrap_err();
    assert!(err.contains("iteration 1 has shape [2]"), "{err}");
}

/// Scan over `xs` (axis `axis`) summing the slices into a state and scanning the partial sums.
fn scan_graph(attrs: Vec<(&str, AttrValue)>) -> Graph {
    let body_graph = graph(
        &["sum_in", "x"],
        vec![node("Add", &["sum_in", "x"], &["sum_out"], vec![]), node("Identity", &["sum_out"], &["partial"], vec![])],
        &["sum_out", "partial"],
    );
    let mut attrs = attrs;
    attrs.push(("body", body(body_graph)));
    attrs.push(("num_scan_inputs", AttrValue::Int(1)));
    graph(&["sum0", "xs"], vec![node("Scan", &["sum0", "xs"], &["sum", "partials"], attrs)], &["sum", "partials"])
}

#[test]
fn scan_slices_inputs_and_stacks_outputs_along_the_chosen_axes() {
    let xs = ints(&[2, 3], vec![1, 2, 3, 10, 20, 30]);
    let zero2 = ints(&[2], vec![0, 0]);
    let zero3 = ints(&[3], vec![0, 0, 0]);

    let out = run(&scan_graph(vec![]), vec![zero3.clone(), xs.clone()]).unwrap();
    assert_eq!(out[0], ints(&[3], vec![11, 22, 33]));
    assert_eq!(out[1], ints(&[2, 3], vec![1, 2, 3, 11, 22, 33]));

    // Scan the columns (axis -1), backwards; stack along axis 1; reverse the output too.
    let attrs = vec![
        ("scan_input_axes", AttrValue::Ints(vec![-1])),
        ("scan_input_directions", AttrValue::Ints(vec![1])),
        ("scan_output_axes", AttrValue::Ints(vec![1])),
        ("scan_output_directions", AttrValue::Ints(vec![1])),
    ];
    let out = run(&scan_graph(attrs), vec![zero2, xs.clone()]).unwrap();
    assert_eq!(out[0], ints(&[2], vec![6, 60]));
    // Partial sums from the last column: [3,30], [5,50], [6,60]; written back to front.
    assert_eq!(out[1], ints(&[2, 3], vec![6, 5, 3, 60, 50, 30]));

    let err = run(&scan_graph(vec![("scan_input_axes", AttrValue::Ints(vec![2]))]), vec![zero3.clone(), xs.clone()]);
    assert!(err.unwrap_err().contains("scan_input_axes"));
    let err = run(&scan_graph(vec![("scan_output_directions", AttrValue::Ints(vec![2]))]), vec![zero3, xs]);
    assert!(err.unwrap_err().contains("0 or 1"));
}

#[test]
fn scan_inputs_must_have_the_same_length() {
    let body_graph = graph(
        &["s", "a", "b"],
        vec![node("Add", &["a", "b"], &["ab"], vec![]), node("Add", &["s", "ab"], &["s_out"], vec![])],
        &["s_out"],
    );
    let attrs = vec![("body", body(body_graph)), ("num_scan_inputs", AttrValue::Int(2))];
    let g = graph(&["s0", "a", "b"], vec![node("Scan", &["s0", "a", "b"], &["s"], attrs)], &["s"]);
    let ok = run(&g, vec![Tensor::scalar(0i64), ints(&[2], vec![1, 2]), ints(&[2], vec![3, 4])]).unwrap();
    assert_eq!(ok[0], Tensor::scalar(10i64));
    let err = run(&g, vec![Tensor::scalar(0i64), ints(&[2], vec![1, 2]), ints(&[3], vec![3, 4, 5])]).unwrap_err();
    assert!(err.contains("scans 3 steps"), "{err}");
}

#[test]
fn scan_8_runs_each_batch_entry_for_its_length_and_pads_with_zeros() {
    let body_graph = graph(
        &["sum_in", "x"],
        vec![node("Add", &["sum_in", "x"], &["sum_out"], vec![]), node("Identity", &["sum_out"], &["partial"], vec![])],
        &["sum_out", "partial"],
    );
    let attrs = vec![
        ("body", body(body_graph)),
        ("num_scan_inputs", AttrValue::Int(1)),
        ("directions", AttrValue::Ints(vec![1])),
    ];
    let g = graph(
        &["lens", "sum0", "xs"],
        vec![node("Scan", &["lens", "sum0", "xs"], &["sum", "partials"], attrs)],
        &["sum", "partials"],
    );
    // batch 2, sequence 3, elements [1]; entry 1 has length 2 (scanned from its step 1).
    let xs = ints(&[2, 3, 1], vec![1, 2, 3, 10, 20, 30]);
    let feeds = vec![ints(&[2], vec![3, 2]), ints(&[2, 1], vec![0, 0]), xs];
    let out = run_at(&g, 8, feeds).unwrap();
    assert_eq!(out[0], ints(&[2, 1], vec![6, 30]));
    assert_eq!(out[1], ints(&[2, 3, 1], vec![3, 5, 6, 20, 30, 0]));
}

#[test]
fn nested_bodies_read_values_two_scopes_out() {
    // Loop body → If branch → reads `step` from the top graph and `sum_in` from the body.
    let then_branch = graph(&[], vec![node("Add", &["sum_in", "step"], &["added"], vec![])], &["added"]);
    let else_branch = graph(&[], vec![], &["sum_in"]);
    let body_graph = graph(
        &["i", "cond_in", "sum_in"],
        vec![
            node(
                "If",
                &["cond_in"],
                &["sum_out"],
                vec![("then_branch", body(then_branch)), ("else_branch", body(else_branch))],
            ),
            node("Identity", &["cond_in"], &["cond_out"], vec![]),
        ],
        &["cond_out", "sum_out"],
    );
    let g = graph(
        &["M", "sum0", "step"],
        vec![node("Loop", &["M", "", "sum0"], &["sum"], vec![("body", body(body_graph))])],
        &["sum"],
    );
    let out = run(&g, vec![Tensor::scalar(4i64), Tensor::scalar(1i64), Tensor::scalar(5i64)]).unwrap();
    assert_eq!(out, vec![Tensor::scalar(21i64)]);
}
