//! Regeneration: instead of trusting a release's generated files by name, produce them again
//! from the tag's tree, in a sandbox, and compare byte for byte.
//!
//! This crate owns running untrusted build code. [`sandbox`] is the only place it runs
//! (bubblewrap, no network, read-only toolchain, a fresh tmpfs holding only the inputs,
//! limits); [`autotools`] decides what to run and compares the results; [`versions`] reads
//! which toolchain a release was made with; [`toolchain`] and [`fetch`] provide exact
//! versions; [`gitlog`] regenerates files written from `git log` (ChangeLog, CHANGES) by
//! running git itself in the sandbox; [`diff`] turns a mismatch into a short excerpt a person can review. It reads
//! nothing from git or archives itself: the caller (tarseal-check) hands it bytes.

pub mod autotools;
pub mod diff;
pub mod fetch;
pub mod gitlog;
pub mod known;
pub mod sandbox;
pub mod toolchain;
pub mod versions;

pub use autotools::{regenerate, FileResult, InputFile, Outcome, RegenError, Request};
pub use sandbox::{Isolation, Limits, Sandbox};
pub use toolchain::Toolchain;
