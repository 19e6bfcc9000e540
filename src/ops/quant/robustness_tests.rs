//! Malformed inputs to the quantization ops must give errors, never panics (model files are
//! untrusted); empty tensors give empty results.

use crate::ir::{AttrValue, Graph, Node, Tensor};
use crate::ops::{BuildContext, EmptyScope, ExecContext, OpError, Subgraph, SubgraphCompiler};

struct NoSubgraphs;
impl SubgraphCompiler for NoSubgraphs {
    fn compile(&self, _: &Graph) -> Result<Box<dyn Subgraph>, OpError> {
        Err(OpError::unsupported("no subgraphs here"))
    }
}

fn run(op: &str, opset: i64, attrs: &[(&str, AttrValue)], inputs: &[Option<Tensor>]) -> Result<Vec<Tensor>, OpError> {
    let mut registry = crate::ops::Registry::new();
    super::register(&mut registry);
    let mut node = Node { op_type: op.into(), ..Node::default() };
    for (name, value) in attrs {
        node.set_attribute(name, value.clone());
    }
    let build = registry.lookup("", op, opset)?;
    let operator = build(&BuildContext { node: &node, opset, subgraphs: &NoSubgraphs, constants: &[] })?;
    let refs: Vec<Option<&Tensor>> = inputs.iter().map(Option::as_ref).collect();
    operator.run(&refs, &ExecContext { scope: &EmptyScope })
}

fn t<T: crate::ir::Element>(shape: &[usize], fill: T) -> Option<Tensor> {
    Some(Tensor::from_vec(shape, vec![fill; shape.iter().product()]).unwrap())
}

#[test]
fn bad_shapes_types_and_attributes_are_errors() {
    use AttrValue::{Int, Ints, String as Str};
    let f = |s: &[usize]| t(s, 1.0f32);
    let u = |s: &[usize]| t(s, 3u8);
    type Case<'a> = (&'a str, i64, Vec<(&'a str, AttrValue)>, Vec<Option<Tensor>>);
    let errors: Vec<Case> = vec![
        ("QuantizeLinear", 21, vec![], vec![f(&[2, 3]), f(&[2]), None]),
        ("QuantizeLinear", 21, vec![("axis", Int(5))], vec![f(&[2, 3]), f(&[3]), None]),
        ("QuantizeLinear", 21, vec![("block_size", Int(2))], vec![f(&[2, 3]), f(&[2, 3]), None]),
        ("QuantizeLinear", 21, vec![("block_size", Int(-2))], vec![f(&[2, 3]), f(&[]), None]),
        ("QuantizeLinear", 21, vec![("output_dtype", Int(1))], vec![f(&[2]), f(&[]), None]),
        ("QuantizeLinear", 21, vec![("output_dtype", Int(3))], vec![f(&[2]), f(&[]), u(&[])]),
        ("QuantizeLinear", 21, vec![], vec![f(&[2]), f(&[]), t(&[], 1i32)]),
        ("QuantizeLinear", 21, vec![], vec![u(&[2]), f(&[]), None]),
        ("QuantizeLinear", 21, vec![], vec![f(&[2, 3]), f(&[3]), u(&[2])]),
        ("QuantizeLinear", 21, vec![], vec![f(&[2])]),
        ("DequantizeLinear", 21, vec![], vec![f(&[2]), f(&[]), None]),
        ("DequantizeLinear", 21, vec![], vec![u(&[2]), u(&[]), None]),
        ("DequantizeLinear", 21, vec![], vec![u(&[2]), f(&[]), t(&[], 1i8)]),
        ("DequantizeLinear", 21, vec![("axis", Int(-3))], vec![u(&[2, 2]), f(&[2]), None]),
        ("DynamicQuantizeLinear", 11, vec![], vec![u(&[2])]),
        ("MatMulInteger", 10, vec![], vec![u(&[2, 3]), u(&[4, 2]), None, None]),
        ("MatMulInteger", 10, vec![], vec![u(&[]), u(&[4, 2]), None, None]),
        ("MatMulInteger", 10, vec![], vec![u(&[2, 3]), u(&[3, 2]), u(&[3]), None]),
        ("MatMulInteger", 10, vec![], vec![u(&[2, 3]), u(&[3, 2]), None, t(&[2], 1i8)]),
        ("MatMulInteger", 10, vec![], vec![u(&[2, 2, 3]), u(&[3, 3, 2]), None, None]),
        ("MatMulInteger", 10, vec![], vec![f(&[2, 3]), u(&[3, 2]), None, None]),
        ("QLinearMatMul", 10, vec![], vec![u(&[2, 3]), f(&[]), u(&[]), u(&[3, 2]), f(&[]), u(&[]), f(&[2]), u(&[])]),
        ("QLinearMatMul", 10, vec![], vec![u(&[2, 3]), f(&[]), u(&[]), u(&[3, 2]), t(&[], half::f16::ONE), u(&[]), f(&[]), u(&[])]),
        ("QLinearMatMul", 10, vec![], vec![u(&[2, 3]), f(&[]), u(&[]), u(&[3, 2]), f(&[]), u(&[]), f(&[]), t(&[], 1i32)]),
        ("ConvInteger", 10, vec![], vec![u(&[1, 2, 3]), u(&[1, 1, 2]), None, None]),
        ("ConvInteger", 10, vec![], vec![u(&[1, 1, 3]), u(&[1, 1, 4]), None, None]),
        ("ConvInteger", 10, vec![], vec![u(&[1, 1]), u(&[1, 1]), None, None]),
        ("ConvInteger", 10, vec![("pads", Ints(vec![1]))], vec![u(&[1, 1, 3]), u(&[1, 1, 2]), None, None]),
        ("ConvInteger", 10, vec![("strides", Ints(vec![0]))], vec![u(&[1, 1, 3]), u(&[1, 1, 2]), None, None]),
        ("ConvInteger", 10, vec![("dilations", Ints(vec![i64::MAX]))], vec![u(&[1, 1, 3]), u(&[1, 1, 2]), None, None]),
        ("ConvInteger", 10, vec![("pads", Ints(vec![i64::MAX, i64::MAX]))], vec![u(&[1, 1, 3]), u(&[1, 1, 2]), None, None]),
        ("ConvInteger", 10, vec![("group", Int(0))], vec![u(&[1, 1, 3]), u(&[1, 1, 2]), None, None]),
        ("ConvInteger", 10, vec![("auto_pad", Str(b"FOO".to_vec()))], vec![u(&[1, 1, 3]), u(&[1, 1, 2]), None, None]),
        ("ConvInteger", 10, vec![("kernel_shape", Ints(vec![3]))], vec![u(&[1, 1, 3]), u(&[1, 1, 2]), None, None]),
        ("ConvInteger", 10, vec![], vec![u(&[1, 1, 3]), u(&[2, 1, 2]), None, u(&[3])]),
        ("ConvInteger", 10, vec![], vec![u(&[1, 1, 3]), u(&[2, 1, 0]), None, None]),
        ("QLinearConv", 10, vec![], vec![u(&[1, 1, 3]), f(&[]), u(&[]), u(&[2, 1, 2]), f(&[3]), u(&[]), f(&[]), u(&[])]),
        ("QLinearConv", 10, vec![], vec![u(&[1, 1, 3]), f(&[]), u(&[]), u(&[2, 1, 2]), f(&[]), u(&[]), f(&[]), u(&[]), t(&[3], 1i32)]),
        ("QLinearConv", 10, vec![], vec![u(&[1, 1, 3]), f(&[2]), u(&[]), u(&[2, 1, 2]), f(&[]), u(&[]), f(&[]), u(&[])]),
    ];
    for (op, opset, attrs, inputs) in errors {
        let result = run(op, opset, &attrs, &inputs);
        assert!(result.is_err(), "{op} {attrs:?} {inputs:?} should fail, got {result:?}");
    }
}

#[test]
fn empty_tensors_give_empty_results() {
    let u = |s: &[usize]| t(s, 3u8);
    assert_eq!(run("MatMulInteger", 10, &[], &[u(&[0, 3]), u(&[3, 2]), None, None]).unwrap()[0].shape(), vec![0, 2]);
    assert_eq!(run("MatMulInteger", 10, &[], &[u(&[2, 0]), u(&[0, 2]), None, None]).unwrap()[0], Tensor::zeros::<i32>(&[2, 2]).unwrap());
    assert_eq!(run("ConvInteger", 10, &[], &[u(&[0, 1, 3]), u(&[2, 1, 2]), None, None]).unwrap()[0].shape(), vec![0, 2, 2]);
    assert_eq!(run("QuantizeLinear", 13, &[], &[t(&[0, 2], 1f32), t(&[2], 1f32), None]).unwrap()[0].shape(), vec![0, 2]);
    assert_eq!(run("DynamicQuantizeLinear", 11, &[], &[t(&[0], 1f32)]).unwrap()[0].shape(), vec![0]);
}
