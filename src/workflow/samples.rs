//! Samples for a job: random ones at sizes the model runs on (`runtime::input_sizes` chooses
//! them), for every command that needs inputs and has no data.

use crate::Error;
use crate::ir::Model;
use crate::runtime::{Dataset, RandomInputs, Session, SizeChoice, resolve_sizes};

use super::wording::Interface;

/// `count` seeded random samples for `model` at sizes it runs on, and how the sizes were
/// chosen. Sizes the caller fixed in `random` (dims, whole shapes) are kept; the chosen ones are
/// added to it. An error when no size tried runs (it says what to pass, in `interface`'s words).
pub fn random_dataset(model: &Model, random: &mut RandomInputs, count: usize, interface: Interface) -> Result<(Dataset, SizeChoice), Error> {
    let session = Session::new(model)?;
    let choice = resolve_sizes(&session, random, &[], &model.metadata_props);
    if let Some(failure) = &choice.failure {
        return Err(Error::Sizes(super::wording::sizes_failure(failure, interface)));
    }
    let data = Dataset::random(session.inputs(), count, random)?;
    Ok((data, choice))
}
