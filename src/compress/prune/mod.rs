//! Pruning passes (fine-grained, vector, kernel, N:M, filter with graph surgery).
//! Placeholder until the pruning work lands: the recipe format reserves `{"prune": {…}}`.

use serde::{Deserialize, Serialize};

use super::PassContext;
use crate::ir::Model;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PruneSpec {
    pub method: String,
    pub ratio: f64,
}

impl PruneSpec {
    pub fn validate(&self) -> Result<(), PruneError> {
        Err(PruneError::NotYet)
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct PruneReport {}

#[derive(Debug, thiserror::Error)]
pub enum PruneError {
    #[error("pruning is not implemented yet")]
    NotYet,
}

pub fn apply(_model: &mut Model, _spec: &PruneSpec, _ctx: &mut PassContext) -> Result<PruneReport, PruneError> {
    Err(PruneError::NotYet)
}
