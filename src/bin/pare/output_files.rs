//! File names for `pare run --out DIR`: one `.npy` per model output, named after the output.
//!
//! The rule (also in `pare run --help`): keep ASCII letters, digits, `.`, `_` and `-`; replace
//! every other character with `_`; an empty name becomes `output`; cut to 200 characters. When
//! two outputs get the same name (compared ignoring case, for case-insensitive file systems),
//! the later ones get `_1`, `_2`… before `.npy`, in output order.

use std::collections::HashSet;

pub const RULE: &str = "Each output is written as DIR/<name>.npy, where <name> is the output name with every\n\
character other than A-Z a-z 0-9 . _ - replaced by _ (an empty name becomes `output`,\n\
long names are cut to 200 characters). Names that collide (ignoring case) get _1, _2, …\n\
in output order: outputs `a/b` and `a:b` are written as a_b.npy and a_b_1.npy.";

const MAX_STEM: usize = 200;

/// The file name (`x.npy`) for each output name, in order.
pub fn file_names(outputs: &[&str]) -> Vec<String> {
    let mut taken: HashSet<String> = HashSet::new();
    outputs
        .iter()
        .map(|name| {
            let stem = sanitize(name);
            let mut candidate = stem.clone();
            let mut suffix = 0;
            while !taken.insert(candidate.to_lowercase()) {
                suffix += 1;
                candidate = format!("{stem}_{suffix}");
            }
            format!("{candidate}.npy")
        })
        .collect()
}

fn sanitize(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' })
        .take(MAX_STEM)
        .collect();
    if cleaned.is_empty() { "output".to_string() } else { cleaned }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sanitized_and_collisions_numbered() {
        assert_eq!(
            file_names(&["y", "a/b", "a:b", "A_B", "", "ünï", "a_b_1"]),
            vec!["y.npy", "a_b.npy", "a_b_1.npy", "A_B_2.npy", "output.npy", "_n_.npy", "a_b_1_1.npy"]
        );
        assert_eq!(file_names(&[&"x".repeat(300)])[0].len(), 204);
    }
}
