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
    let op = build(&BuildContext { node: &node, opset, subgraphs: &NoSubgraphs, constants: &[] })?;
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

/// A tiny deterministic generator (64-bit LCG) for the fuzz test below.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
    /// Small values most of the time, sometimes an extreme one.
    fn int(&mut self) -> i64 {
        const EXTREMES: [i64; 6] = [i64::MIN, i64::MAX, 1 << 40, -(1 << 40), i64::MIN + 1, 1 << 62];
        if self.next(8) == 0 { EXTREMES[self.next(EXTREMES.len())] } else { self.next(11) as i64 - 5 }
    }
    fn ints(&mut self) -> Option<Tensor> {
        let n = self.next(6);
        let values: Vec<i64> = (0..n).map(|_| self.int()).collect();
        if self.next(6) == 0 { Some(Tensor::scalar(self.int())) } else { ints(&values) }
    }
    fn data(&mut self) -> Option<Tensor> {
        let shape: Vec<usize> = (0..self.next(5)).map(|_| self.next(4)).collect();
        let n: usize = shape.iter().product();
        Some(Tensor::from_vec(&shape, (0..n).map(|v| v as f32).collect()).unwrap())
    }
}

/// One fuzz case: op type, opset, attributes, inputs.
type Case = (&'static str, i64, Vec<(&'static str, AttrValue)>, Vec<Option<Tensor>>);

#[test]
fn random_hostile_arguments_never_panic() {
    let mut g = Lcg(7);
    let int_attr = |g: &mut Lcg| AttrValue::Int(g.int());
    for round in 0..3000 {
        let (op, opset, attrs, inputs): Case = match round % 24 {
            0 => ("Reshape", 14, vec![("allowzero", AttrValue::Int(g.next(2) as i64))], vec![g.data(), g.ints()]),
            1 => ("Expand", 13, vec![], vec![g.data(), g.ints()]),
            2 => ("Tile", 13, vec![], vec![g.data(), g.ints()]),
            3 => ("Slice", 13, vec![], vec![g.data(), g.ints(), g.ints(), g.ints(), g.ints()]),
            4 => {
                let mode = ["constant", "reflect", "edge", "wrap"][g.next(4)];
                ("Pad", 19, vec![("mode", AttrValue::String(mode.into()))], vec![g.data(), g.ints(), None, g.ints()])
            }
            5 => ("Gather", 13, vec![("axis", int_attr(&mut g))], vec![g.data(), g.ints()]),
            6 => ("GatherElements", 13, vec![("axis", int_attr(&mut g))], vec![g.data(), g.ints()]),
            7 => ("GatherND", 13, vec![("batch_dims", int_attr(&mut g))], vec![g.data(), g.ints()]),
            8 => ("ScatterElements", 18, vec![("axis", int_attr(&mut g))], vec![g.data(), g.ints(), g.data()]),
            9 => (
                "ScatterND",
                18,
                vec![("reduction", AttrValue::String(b"add".to_vec()))],
                vec![g.data(), g.ints(), g.data()],
            ),
            10 => ("Squeeze", 13, vec![], vec![g.data(), g.ints()]),
            11 => ("Unsqueeze", 13, vec![], vec![g.data(), g.ints()]),
            12 => ("Split", 18, vec![("axis", int_attr(&mut g))], vec![g.data(), g.ints()]),
            13 => ("ConstantOfShape", 20, vec![], vec![g.ints()]),
            14 => (
                "Range",
                11,
                vec![],
                vec![Some(Tensor::scalar(g.int())), Some(Tensor::scalar(g.int())), Some(Tensor::scalar(g.int()))],
            ),
            15 => ("OneHot", 11, vec![("axis", int_attr(&mut g))], vec![g.ints(), g.ints(), ints(&[0, 1])]),
            16 => ("Trilu", 14, vec![], vec![g.data(), g.ints()]),
            17 => ("CumSum", 14, vec![], vec![g.data(), g.ints()]),
            18 => ("EyeLike", 22, vec![("k", int_attr(&mut g))], vec![g.data()]),
            19 => {
                let perm: Vec<i64> = (0..g.next(5)).map(|_| g.int()).collect();
                ("Transpose", 13, vec![("perm", AttrValue::Ints(perm))], vec![g.data()])
            }
            20 => ("Flatten", 13, vec![("axis", int_attr(&mut g))], vec![g.data()]),
            21 => ("DepthToSpace", 13, vec![("blocksize", int_attr(&mut g))], vec![g.data()]),
            22 => ("SpaceToDepth", 13, vec![("blocksize", int_attr(&mut g))], vec![g.data()]),
            _ => ("Shape", 21, vec![("start", int_attr(&mut g)), ("end", int_attr(&mut g))], vec![g.data()]),
        };
        let outcome = std::panic::catch_unwind(|| run(op, opset, &attrs, &inputs));
        assert!(outcome.is_ok(), "{op} panicked on attrs {attrs:?} inputs {inputs:?}");
    }
}
