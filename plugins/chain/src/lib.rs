//! # logward-chain
//!
//! Tamper-evident logs for Fluent Bit: every record gets a chain field linking it to the
//! previous record of its stream with a MAC under a key that ratchets forward every epoch, so
//! records cannot be edited, deleted, inserted, reordered or replayed without `logward verify`
//! noticing — and stealing the node's current key does not allow forging earlier epochs.
//!
//! The same code runs inside Fluent Bit (`chain.wasm`) and in the verifier:
//! - [`canonical`]: the exact bytes a record's MAC covers, identical for msgpack and JSON input
//!   and for any re-encoding of Fluent Bit's JSON output;
//! - [`mac`]: SHA-256, HMAC-SHA256, the key ratchet;
//! - [`field`]: the chain field's members and the header the MAC covers;
//! - [`plugin`]: the filter ([`Chain`]); [`state`], [`checkpoint`]: what it persists;
//! - `verify` (feature `verify`): reading Fluent Bit outputs and reporting every break.
//!
//! See README.md for the configuration and the threat model.

pub mod canonical;
pub mod checkpoint;
pub mod config;
pub mod field;
pub mod keyfile;
pub mod mac;
mod plugin;
pub mod state;
#[cfg(feature = "verify")]
pub mod verify;

pub use plugin::Chain;

#[cfg(test)]
mod tests;
