//! tarseal-witness: the witness role of the transparency log (c2sp.org/tlog-witness), and the
//! two ends that talk to witnesses.
//!
//! A witness keeps, per log it is configured for, the last checkpoint it cosigned, and
//! cosigns a new one only when it is signed by the log's pinned key and proven consistent
//! with that one. A log that shows two histories (a split view) can then get cosignatures
//! for at most one of them, so a client that requires k of n witnesses cannot be shown the
//! other. Modules:
//!
//! - [`witness`]: the decision (parse, verify, consistency, the 409 rules) and the cosigning,
//!   over a durable [`state`] (one file per log, fsync + atomic rename before any answer).
//! - [`key`]: the witness's Ed25519 tlog-cosignature key, created in its data directory.
//! - [`http`]: `POST /add-checkpoint` (axum), what `tarseal witness` runs.
//! - [`submit`]: the log's client (`tarseal serve --witness URL`).
//! - [`policy`]: the verifier's rule (`--witness-key`, `--witness-threshold`): valid
//!   cosignatures from N distinct pinned witnesses on the checkpoint a proof is against.

mod error;
pub mod http;
pub mod key;
pub mod policy;
pub mod state;
pub mod submit;
pub mod witness;

pub use error::{AddError, WitnessError};
pub use policy::{PolicyError, WitnessPolicy};
pub use witness::Witness;
