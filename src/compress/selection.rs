//! Which of the layers a step found it works on: the `include` / `exclude` / `keep_first_last`
//! fields of the prune and binarize specs, applied in one place. A layer answers to its node
//! name, its label (`Op → output` for unnamed nodes) and its op type; `include` may name op
//! types, but only a layer named by node name or label escapes `keep_first_last`.

/// Declares a step's spec struct with the selection fields `include`, `exclude` and
/// `keep_first_last` (their serde rules and docs written here once) where `..selection` stands
/// among the step's own fields, and its `selection()` as a [`LayerSelection`] calling layers
/// `$noun`. serde cannot `flatten` a shared struct into a spec that denies unknown fields, so
/// the fields are spliced in: the JSON accepted and written (field order included) and the
/// "expected one of …" list of an unknown key are those of a hand-written struct.
macro_rules! spec_with_selection {
    (
        $(#[$meta:meta])*
        pub struct $name:ident ($noun:literal) {
            $($(#[$before_meta:meta])* pub $before:ident: $before_ty:ty,)*
            ..selection,
            $($(#[$after_meta:meta])* pub $after:ident: $after_ty:ty,)*
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $($(#[$before_meta])* pub $before: $before_ty,)*
            #[doc = concat!("Apply the step only to these layers (node names or op types); default: every ", $noun, " layer.")]
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub include: Option<Vec<String>>,
            /// Leave these layers alone (node names or op types); wins over everything.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub exclude: Vec<String>,
            #[doc = concat!("Leave the first and the last ", $noun, " layer (in graph order) alone: they cost the most")]
            /// accuracy and the least compute. A layer named in `include` is handled anyway.
            #[serde(default = "crate::compress::selection::default_true")]
            pub keep_first_last: bool,
            $($(#[$after_meta])* pub $after: $after_ty,)*
        }

        impl $name {
            /// The `include` / `exclude` / `keep_first_last` fields as the selection every step applies.
            pub fn selection(&self) -> $crate::compress::selection::LayerSelection<'_> {
                $crate::compress::selection::LayerSelection {
                    include: self.include.as_deref(),
                    exclude: &self.exclude,
                    keep_first_last: self.keep_first_last,
                    noun: $noun,
                }
            }
        }
    };
}
pub(crate) use spec_with_selection;

/// `keep_first_last`'s default.
pub(crate) fn default_true() -> bool {
    true
}

/// A spec's layer selection (borrowed from the spec's fields).
pub struct LayerSelection<'a> {
    /// Only these layers (names or op types); `None`: every layer the step can handle.
    pub include: Option<&'a [String]>,
    /// Never these layers (names or op types); wins over everything.
    pub exclude: &'a [String],
    /// Leave the first and the last layer (in graph order) alone.
    pub keep_first_last: bool,
    /// What the step calls its layers in messages: "prunable", "binarizable".
    pub noun: &'static str,
}

/// How one candidate layer answers to names.
pub struct LayerNames<'a> {
    pub node_name: &'a str,
    pub label: &'a str,
    pub op_type: &'a str,
}

impl LayerNames<'_> {
    /// Named by node name, label or op type.
    pub fn matches(&self, entry: &str) -> bool {
        entry == self.node_name || entry == self.label || entry == self.op_type
    }

    /// Named as this very layer (node name or label), not by its op type.
    pub fn named(&self, entry: &str) -> bool {
        entry == self.node_name || entry == self.label
    }
}

impl LayerSelection<'_> {
    /// An `include` entry that names no candidate (a typo must not select the wrong layers).
    pub fn check_include(&self, layers: &[LayerNames]) -> Result<(), String> {
        for entry in self.include.unwrap_or_default() {
            if !layers.iter().any(|l| l.matches(entry)) {
                let known: Vec<&str> = layers.iter().map(|l| l.label).take(12).collect();
                return Err(format!(
                    "`include` names `{entry}`, which is neither a {noun} layer nor the op type of one ({noun} layers: {})",
                    known.join(", "),
                    noun = self.noun
                ));
            }
        }
        Ok(())
    }

    /// Why layer `i` of `layers` is left out, or `None` when it is selected. `pinned`: the
    /// spec names this layer elsewhere (prune's `ratios`), which beats `keep_first_last`.
    pub fn left_out(&self, layers: &[LayerNames], i: usize, pinned: bool) -> Option<String> {
        let layer = &layers[i];
        let last = layers.len().saturating_sub(1);
        let named_in_include = self.include.is_some_and(|inc| inc.iter().any(|e| layer.named(e)));
        if self.exclude.iter().any(|e| layer.matches(e)) {
            Some("excluded by `exclude`".to_string())
        } else if self.include.is_some_and(|inc| !inc.iter().any(|e| layer.matches(e))) {
            Some("not in `include`".to_string())
        } else if self.keep_first_last && (i == 0 || i == last) && !named_in_include && !pinned {
            Some(format!("{} {} layer, kept by `keep_first_last`", if i == 0 { "first" } else { "last" }, self.noun))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layers() -> Vec<LayerNames<'static>> {
        [("c1", "Conv"), ("c2", "Conv"), ("fc", "Gemm")]
            .into_iter()
            .map(|(n, op)| LayerNames { node_name: n, label: n, op_type: op })
            .collect()
    }

    #[test]
    fn include_exclude_and_first_last() {
        let layers = layers();
        let all = |s: &LayerSelection, pinned: bool| (0..3).map(|i| s.left_out(&layers, i, pinned)).collect::<Vec<_>>();
        let keep = LayerSelection { include: None, exclude: &[], keep_first_last: true, noun: "prunable" };
        let reasons = all(&keep, false);
        assert_eq!(reasons[0].as_deref(), Some("first prunable layer, kept by `keep_first_last`"));
        assert_eq!(reasons[1], None);
        assert!(reasons[2].as_ref().unwrap().starts_with("last"));
        assert_eq!(all(&keep, true), vec![None, None, None], "pinned layers beat keep_first_last");
        let include = ["Conv".to_string()];
        let by_type = LayerSelection { include: Some(&include), ..keep };
        let reasons = all(&by_type, false);
        assert!(reasons[0].is_some(), "an op type in include does not beat keep_first_last");
        assert_eq!(reasons[2].as_deref(), Some("not in `include`"));
        let named = ["c1".to_string(), "fc".to_string()];
        let exclude = ["fc".to_string()];
        let by_name = LayerSelection { include: Some(&named), exclude: &exclude, keep_first_last: true, noun: "prunable" };
        let reasons = all(&by_name, false);
        assert_eq!(reasons[0], None, "named in include beats keep_first_last");
        assert_eq!(reasons[2].as_deref(), Some("excluded by `exclude`"), "exclude wins");
        let typo = ["c3".to_string()];
        let bad = LayerSelection { include: Some(&typo), exclude: &[], keep_first_last: false, noun: "binarizable" };
        let err = bad.check_include(&layers).unwrap_err();
        assert!(err.contains("`c3`") && err.contains("binarizable layers: c1, c2, fc"), "{err}");
        assert!(by_name.check_include(&layers).is_ok());
    }
}
