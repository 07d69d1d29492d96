//! # logward harness
//!
//! A native host that runs Fluent Bit wasm filter plugins the way Fluent Bit 5.1.1's
//! `filter_wasm` (with its bundled WAMR 2.4.1) runs them — sharp edges included — so CI can
//! prove a plugin works in Fluent Bit without Fluent Bit.
//!
//! - [`fluentbit`]: Fluent Bit's own data handling (msgpack↔JSON, tag matching, sizes).
//! - [`wasm`]: the emulated runtime (wasmtime configured and driven like WAMR).
//! - [`filter`]: `filter_wasm` itself: one instance per filter, the per-record call and the
//!   rules that keep, drop or corrupt a record.
//! - [`pipeline`]: filters chained in order.
//! - [`config`]: Fluent Bit classic and YAML configuration files.
//! - [`input`] / [`output`]: the line formats `logward replay` reads and writes.
//! - [`fuzz`]: record generators for `logward fuzz`.
//!
//! Integration tests use the library directly: build a [`filter::FilterSpec`], start a
//! [`pipeline::Pipeline`] and [`pipeline::Pipeline::run`] records through it.

pub mod config;
pub mod filter;
pub mod fluentbit;
pub mod fuzz;
pub mod input;
pub mod output;
pub mod pipeline;
pub mod wasm;

pub use filter::{
    AbiVersion, CorruptReason, Diagnostic, DropReason, EventFormat, FilterSpec, Outcome, WasmFilter,
};
pub use fluentbit::FlbTime;
pub use pipeline::{Fate, Pipeline, Record, Step, Trip};
pub use wasm::{GuestOutput, SetupError};
