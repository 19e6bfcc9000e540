//! Numbers for people live in the library (`pare::workflow::human`), shared with the npm CLI.

pub use pare::workflow::human::*;
