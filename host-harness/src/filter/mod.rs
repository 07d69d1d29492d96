//! `filter_wasm` as Fluent Bit 5.1.1 runs it (`plugins/filter_wasm/filter_wasm.c`): one
//! instance per `[FILTER]`, created at start, called once per record, and the rules that turn
//! what the guest returns into a kept, dropped or corrupted record.

pub mod diagnostic;
pub mod interpret;
pub mod invoke;
pub mod outcome;
pub mod spec;
pub mod wasm_filter;

pub use diagnostic::{Diagnostic, Level};
pub use outcome::{CorruptReason, DropReason, Outcome};
pub use spec::{AbiVersion, EventFormat, FilterSpec};
pub use wasm_filter::{FilterResult, WasmFilter};
