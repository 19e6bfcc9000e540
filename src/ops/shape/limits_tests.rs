//! Hostile inputs through the real registry: sizes that ask for about 10^12 elements, and
//! indices out of range, must come back as `OpError`s (no panic, no giant allocation).

use crate::ir::{AttrValue, Graph, Node, Tensor};
use crate::ops::{BuildContext, EmptyScope, ExecContext, OpError, Subgraph, SubgraphCompiler, standard_registry};

struct NoSubgraphs;
impl SubgraphCompiler for NoSubgraphs {
    fn compile(&self, _: &Graph) -> Result<Box<dyn Subgraph>, OpError> {
        Err(OpError::unsupported("no subgraphs in these tests"))
    }
}

/// Builds `op_type` at `opset` with `attrs` and runs it on `inputs`.
fn run(
    op_type: &str,
    opset: i64,
    attrs: &[(&str, AttrValue)],
    inputs: &[Option<Tensor>],
) -> Result<Vec<Tensor>, OpError> {
    let names: Vec<String> = (0..inputs.len()).map(|i| format!("in{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut node = Node::new(op_type, &refs, &["out"]);
    for (name, value) in attrs {
        node.set_attribute(name, value.clone());
    }
    let build = standard_registry().lookup("", op_type, opset)?;
    let op = build(&BuildContext { node: &node, opset, subgraphs: &NoSubgraphs })?;
    let inputs: Vec<Option<&Tensor>> = inputs.iter().map(Option::as_ref).collect();
    op.run(&inputs, &ExecContext { scope: &EmptyScope })
}

fn ints(v: &[i64]) -> Option<Tensor> {
    Some(Tensor::from_vec(&[v.len()], v.to_vec()).unwrap())
}

fn one() -> Option<Tensor> {
    Some(Tensor::from_vec(&[1, 1], vec![1f32]).unwrap())
}

const MILLION: i64 = 1_000_000;

#[test]
fn size_bombs_are_errors() {
    assert!(run("Expand", 13, &[], &[one(), ints(&[MILLION, MILLION])]).is_err());
    assert!(run("Tile", 13, &[], &[one(), ints(&[MILLION, MILLION])]).is_err());
    assert!(run("ConstantOfShape", 20, &[], &[ints(&[MILLION, MILLION])]).is_err());
    assert!(run("ConstantOfShape", 20, &[], &[ints(&[i64::MAX, i64::MAX])]).is_err());
    let range = [Some(Tensor::scalar(0i64)), Some(Tensor::scalar(MILLION * MILLION)), Some(Tensor::scalar(1i64))];
    assert!(run("Range", 11, &[], &range).is_err());
    assert!(run("Pad", 13, &[], &[one(), ints(&[0, 0, MILLION, MILLION * MILLION])]).is_err());
    assert!(
        run(
            "Pad",
            13,
            &[("mode", AttrValue::String(b"edge".to_vec()))],
            &[one(), ints(&[MILLION, MILLION / 2, MILLION, MILLION / 2])]
        )
        .is_err()
    );
    let onehot =
        [ints(&[0; 1000]), Some(Tensor::scalar(1e12f32)), Some(Tensor::from_vec(&[2], vec![0f32, 1.0]).unwrap())];
    assert!(run("OneHot", 11, &[], &onehot).is_err());
    // Gather of a 1x10^6 row 10^6 times.
    let wide = Some(Tensor::zeros::<u8>(&[1, MILLION as usize]).unwrap());
    let picks = Some(Tensor::zeros::<i64>(&[MILLION as usize]).unwrap());
    assert!(run("Gather", 13, &[], &[wide, picks]).is_err());
    assert!(run("Reshape", 13, &[], &[one(), ints(&[MILLION, MILLION])]).is_err());
}

#[test]
fn out_of_range_indices_are_errors() {
    let data = Some(Tensor::from_vec(&[2, 2], vec![1f32, 2.0, 3.0, 4.0]).unwrap());
    assert!(run("Gather", 13, &[], &[data.clone(), ints(&[2])]).is_err());
    assert!(run("Gather", 13, &[], &[data.clone(), ints(&[-3])]).is_err());
    assert!(run("Gather", 13, &[], &[data.clone(), ints(&[i64::MIN])]).is_err());
    assert!(
        run("GatherElements", 13, &[], &[data.clone(), Some(Tensor::from_vec(&[1, 1], vec![5i64]).unwrap())]).is_err()
    );
    assert!(
        run("GatherND", 13, &[], &[data.clone(), Some(Tensor::from_vec(&[1, 2], vec![0i64, 9]).unwrap())]).is_err()
    );
    let updates = Some(Tensor::from_vec(&[1, 1], vec![9f32]).unwrap());
    let bad = Some(Tensor::from_vec(&[1, 1], vec![-3i64]).unwrap());
    assert!(run("ScatterElements", 13, &[], &[data.clone(), bad, updates]).is_err());
    let nd_updates = Some(Tensor::from_vec(&[1], vec![9f32]).unwrap());
    let nd_bad = Some(Tensor::from_vec(&[1, 2], vec![0i64, 2]).unwrap());
    assert!(run("ScatterND", 13, &[], &[data.clone(), nd_bad, nd_updates]).is_err());
    assert!(run("Transpose", 13, &[("perm", AttrValue::Ints(vec![0, 2]))], std::slice::from_ref(&data)).is_err());
    assert!(run("Slice", 13, &[], &[data.clone(), ints(&[0]), ints(&[1]), ints(&[0]), ints(&[0])]).is_err());
    assert!(run("Unsqueeze", 13, &[], &[data.clone(), ints(&[5])]).is_err());
    assert!(run("Split", 13, &[], &[data, ints(&[1, 2])]).is_err());
}

#[test]
fn strings_and_bools_move_like_numbers() {
    let words = Tensor::from_vec(&[2, 2], vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec(), b"d".to_vec()]).unwrap();
    let t = run("Transpose", 13, &[], &[Some(words.clone())]).unwrap();
    assert_eq!(
        t[0],
        Tensor::from_vec(&[2, 2], vec![b"a".to_vec(), b"c".to_vec(), b"b".to_vec(), b"d".to_vec()]).unwrap()
    );
    let padded = run("Pad", 13, &[], &[Some(words.clone()), ints(&[0, 1, 0, 0])]).unwrap();
    assert_eq!(padded[0].shape(), vec![2, 3]);
    let flags = Tensor::from_vec(&[3], vec![true, false, true]).unwrap();
    let tiled = run("Tile", 13, &[], &[Some(flags), ints(&[2])]).unwrap();
    assert_eq!(tiled[0], Tensor::from_vec(&[6], vec![true, false, true, true, false, true]).unwrap());
    let sliced =
        run("Slice", 13, &[], &[Some(words), ints(&[-1]), ints(&[i64::MIN]), ints(&[1]), ints(&[-1])]).unwrap();
    assert_eq!(
        sliced[0],
        Tensor::from_vec(&[2, 2], vec![b"b".to_vec(), b"a".to_vec(), b"d".to_vec(), b"c".to_vec()]).unwrap()
    );
}
