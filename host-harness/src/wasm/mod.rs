//! The emulated runtime: a wasmtime host that behaves like the WAMR 2.4.1 embedded in Fluent
//! Bit 5.1.1 (`src/wasm/flb_wasm.c` plus the WAMR functions it calls), down to its error texts.

pub mod app_heap;
pub mod calls;
pub mod engine;
pub mod guest_output;
pub mod instance;
pub mod memory_ops;
pub mod profile;
pub mod setup_error;
pub mod stack_model;
pub mod traps;
pub mod wasi;

pub use guest_output::GuestOutput;
pub use instance::{InstanceConfig, WamrInstance};
pub use setup_error::SetupError;
