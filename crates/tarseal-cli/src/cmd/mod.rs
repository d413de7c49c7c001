//! One module per command: flags (clap), a call into the `tarseal` library, the output.
//! They share only crate::common and never import each other.

pub mod check;
pub mod docs;
pub mod gate;
pub mod monitor;
pub mod policy;
pub mod publish;
pub mod query;
pub mod record;
pub mod seal;
pub mod serve;
pub mod sigs;
pub mod toolchain;
pub mod trust;
pub mod verify;
pub mod witness;
