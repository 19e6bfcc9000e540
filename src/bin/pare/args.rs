//! The command-line parser lives in the library (`pare::workflow::args`), shared with the npm CLI.

pub use pare::workflow::args::*;
