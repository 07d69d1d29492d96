//! A wasm filter's configuration, wherever it came from (`--plugin` or a Fluent Bit config).

use std::path::PathBuf;

use crate::fluentbit::TagMatcher;
use crate::wasm::instance::{DEFAULT_FUEL_LIMIT, DEFAULT_HEAP_SIZE, DEFAULT_STACK_SIZE};

/// `Event_Format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EventFormat {
    /// The record reaches the guest as NUL-terminated JSON text (default).
    #[default]
    Json,
    /// The record reaches the guest as its msgpack bytes.
    Msgpack,
}

impl EventFormat {
    /// Parses `json` / `msgpack` (case-insensitive, as Fluent Bit does).
    pub fn parse(text: &str) -> Option<Self> {
        if text.eq_ignore_ascii_case("json") {
            Some(EventFormat::Json)
        } else if text.eq_ignore_ascii_case("msgpack") {
            Some(EventFormat::Msgpack)
        } else {
            None
        }
    }
}

/// Which calling convention the export uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AbiVersion {
    /// Fluent Bit 5.1.1: the export returns an i32 pointer to a NUL-terminated string.
    #[default]
    V1,
    /// logward's proposed ABI (`ABI_Version 2`; NOT a Fluent Bit 5.1.1 property): the export
    /// returns an i64 `(len << 32) | ptr`; 0 drops the record; binary-safe.
    V2,
}

/// One wasm filter, fully resolved.
#[derive(Debug, Clone)]
pub struct FilterSpec {
    /// Instance name as Fluent Bit would print it (`wasm.0`, or the `Alias`).
    pub name: String,
    /// `WASM_Path` as configured (relative to `working_dir`).
    pub wasm_path: PathBuf,
    /// `Function_Name`.
    pub function_name: String,
    /// `Event_Format`.
    pub event_format: EventFormat,
    /// `ABI_Version`.
    pub abi: AbiVersion,
    /// `Wasm_Heap_Size` as configured, in bytes (values below 8 KiB are raised to 8 KiB).
    pub heap_size: u64,
    /// `Wasm_Stack_Size` as configured, in bytes (values below 8 KiB are raised to 8 KiB).
    pub stack_size: u64,
    /// `Accessible_Paths` entries.
    pub accessible_paths: Vec<String>,
    /// `Match`/`Match_Regex`; `None` for a processor, which sees every record of its input.
    pub matcher: Option<TagMatcher>,
    /// Fluent Bit's working directory (relative `WASM_Path`/`Accessible_Paths` resolve here).
    pub working_dir: PathBuf,
    /// Emulate `Wasm_Stack_Size` with the WAMR stack model.
    pub stack_model: bool,
    /// Fuel budget per call.
    pub fuel_limit: u64,
    /// Collect a per-function fuel profile (instruments the module; excludes the stack model).
    pub profile: bool,
    /// Where the filter was defined, for messages (`fluent-bit.conf`, `--plugin #1`).
    pub origin: String,
}

impl FilterSpec {
    /// A filter with Fluent Bit's defaults for everything but the module and function.
    pub fn new(wasm_path: impl Into<PathBuf>, function_name: impl Into<String>) -> Self {
        FilterSpec {
            name: "wasm.0".into(),
            wasm_path: wasm_path.into(),
            function_name: function_name.into(),
            event_format: EventFormat::Json,
            abi: AbiVersion::V1,
            heap_size: u64::from(DEFAULT_HEAP_SIZE),
            stack_size: u64::from(DEFAULT_STACK_SIZE),
            accessible_paths: vec![".".into()],
            matcher: Some(TagMatcher::all()),
            working_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            stack_model: true,
            fuel_limit: DEFAULT_FUEL_LIMIT,
            profile: false,
            origin: "api".into(),
        }
    }

    /// The heap size WAMR gets: `filter_wasm.c` only overrides the 8 KiB default when the value
    /// is larger, and `flb_wasm.c` raises smaller values to it.
    pub fn effective_heap_size(&self) -> u32 {
        self.heap_size
            .max(u64::from(DEFAULT_HEAP_SIZE))
            .min(u64::from(u32::MAX)) as u32
    }

    /// The stack size WAMR gets (same rule as the heap).
    pub fn effective_stack_size(&self) -> u32 {
        self.stack_size
            .max(u64::from(DEFAULT_STACK_SIZE))
            .min(u64::from(u32::MAX)) as u32
    }
}
