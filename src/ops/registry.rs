//! The operator table: (domain, op type) → builder, with the opset range each builder covers.
//! Every op file has a `register(&mut Registry)` function; `ops::standard_registry` calls them all.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use super::context::{BuildContext, Operator};
use super::error::OpError;

pub type BuildFn = fn(&BuildContext) -> Result<Box<dyn Operator>, OpError>;

#[derive(Clone)]
pub struct OpEntry {
    /// Empty for the default ONNX domain.
    pub domain: &'static str,
    pub op_type: &'static str,
    pub opsets: RangeInclusive<i64>,
    pub build: BuildFn,
}

#[derive(Default, Clone)]
pub struct Registry {
    entries: HashMap<(&'static str, &'static str), Vec<OpEntry>>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `build` for `op_type` in `domain` over the given opset versions.
    pub fn add(&mut self, domain: &'static str, op_type: &'static str, opsets: RangeInclusive<i64>, build: BuildFn) {
        self.entries.entry((domain, op_type)).or_default().push(OpEntry { domain, op_type, opsets, build });
    }

    /// The builder for `op_type` at `opset`, or an error saying what is unsupported.
    pub fn lookup(&self, domain: &str, op_type: &str, opset: i64) -> Result<BuildFn, OpError> {
        let domain = crate::ir::normalize_domain(domain);
        let Some(list) = self.entries.get(&(domain, op_type)) else {
            let shown = if domain.is_empty() { String::new() } else { format!(" (domain `{domain}`)") };
            return Err(OpError::unsupported(format!("operator `{op_type}`{shown} is not supported by pare")));
        };
        list.iter().find(|e| e.opsets.contains(&opset)).map(|e| e.build).ok_or_else(|| {
            let ranges: Vec<String> = list.iter().map(|e| format!("{}–{}", e.opsets.start(), e.opsets.end())).collect();
            OpError::unsupported(format!("`{op_type}` at opset {opset} is not supported (pare supports opsets {})", ranges.join(", ")))
        })
    }

    pub fn contains(&self, domain: &str, op_type: &str) -> bool {
        self.entries.contains_key(&(crate::ir::normalize_domain(domain), op_type))
    }

    /// All entries, sorted by domain and op type (for the support table).
    pub fn entries(&self) -> Vec<&OpEntry> {
        let mut all: Vec<&OpEntry> = self.entries.values().flatten().collect();
        all.sort_by(|a, b| (a.domain, a.op_type, a.opsets.start()).cmp(&(b.domain, b.op_type, b.opsets.start())));
        all
    }
}
