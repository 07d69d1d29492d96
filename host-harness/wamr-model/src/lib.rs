//! # logward-wamr-model
//!
//! An exact model of how WAMR 2.4.1 — the WebAssembly runtime vendored in Fluent Bit 5.1.1
//! and used by its `wasm` filter — accounts for its *wasm stack* (`Wasm_Stack_Size`) in the
//! fast interpreter, and how much of its *app heap* (`Wasm_Heap_Size`) the host's copies of
//! tag and record may use. See `MODEL.md` for the derivation and sources.
//!
//! Stack model in one paragraph: every call of a defined function allocates an interpreter
//! frame of `40 + 4 * (const_cells + param_cells + local_cells + max_stack_cells)` bytes
//! (cell counts exactly as WAMR's loader computes them — see [`frame`]); a call into an
//! imported (WASI) function allocates `40 + 4 * max(param_cells, 2)` bytes; the host's call
//! into the exported entry point first allocates `40 + 4 * max(result_cells, 2)` bytes.
//! A frame of `s` bytes can be allocated only when `used + 2*s <= Wasm_Stack_Size`, otherwise
//! WAMR raises "wasm operand stack overflow".

pub mod frame;
pub mod heap;
mod instrument;

pub use frame::{FRAME_HEADER_BYTES, FuncCells};
pub use heap::{
    AppHeap, FLB_WASM_DEFAULT_HEAP_SIZE, FLB_WASM_DEFAULT_STACK_SIZE, HeapPlacement, app_heap,
    app_heap_alloc_cost,
};

use anyhow::{Result, anyhow};
use frame::{ModuleInfo, parse_module};
use wasmparser::ExternalKind;

/// Exported mutable i32 global: bytes of WAMR wasm stack currently in use.
pub const GLOBAL_USED: &str = "__logward_wamr_stack_used";
/// Exported mutable i32 global: highest value `used` reached.
pub const GLOBAL_PEAK: &str = "__logward_wamr_stack_peak";
/// Exported mutable i32 global: the stack size (Fluent Bit's `Wasm_Stack_Size`, default 8192).
pub const GLOBAL_LIMIT: &str = "__logward_wamr_stack_limit";
/// Exported mutable i32 global: the highest `used + 2*frame` any frame allocation needed — the
/// smallest `Wasm_Stack_Size` under which every call so far would have fitted.
pub const GLOBAL_NEED: &str = "__logward_wamr_stack_need";
/// Exported mutable i32 global: set to the size of the frame that did not fit right before the
/// instrumentation executes `unreachable` (0 otherwise), so a host can tell a modelled
/// "wasm operand stack overflow" from a guest trap. The host resets it to 0.
pub const GLOBAL_OVERFLOW: &str = "__logward_wamr_stack_overflow";

/// Bytes of the frame WAMR allocates for a call into an imported (native) function:
/// `wasm_interp_call_func_native`, `local_cell_num = max(param_cell_num, 2)`.
pub fn import_frame_bytes(param_cells: u32) -> u32 {
    FRAME_HEADER_BYTES + 4 * param_cells.max(2)
}

/// Bytes of the frame `wasm_interp_call_wasm` allocates for the host's call itself
/// (`all_cell_num = max(ret_cell_num, 2)`): 48 for a function returning one i32 or nothing.
pub fn entry_frame_bytes(result_cells: u32) -> u32 {
    FRAME_HEADER_BYTES + 4 * result_cells.max(2)
}

/// Whether a frame of `frame_bytes` can be allocated with `used` bytes in use
/// (`wasm_exec_env_alloc_wasm_frame`: fails when `size * 2 > top_boundary - top`).
pub fn frame_fits(used: u64, frame_bytes: u32, stack_size: u32) -> bool {
    used + 2 * frame_bytes as u64 <= stack_size as u64
}

/// Rewrites a module so every defined function charges its WAMR fast-interp frame size on
/// entry to the exported mutable i32 global `__logward_wamr_stack_used` (tracking the peak in
/// `__logward_wamr_stack_peak`), traps with `unreachable` when WAMR would raise
/// "wasm operand stack overflow" (`used + 2*frame > __logward_wamr_stack_limit`), and releases
/// the frame on every exit path. Calls to imported functions are checked the same way
/// (their native-call frame is never charged because it is freed before control returns).
///
/// Before each top-level call the host must set `used` to [`entry_frame_bytes`] of the
/// function it calls (48 for Fluent Bit's filter ABI, `_initialize` and `malloc`); a trap
/// leaves `used` stale. `limit` starts at 8192 (Fluent Bit's default).
pub fn instrument_stack(module: &[u8]) -> Result<Vec<u8>> {
    validate(module)?;
    instrument::instrument(module)
}

/// WAMR's frame size in bytes for each defined function (index = defined function index).
pub fn frame_sizes(module: &[u8]) -> Result<Vec<u32>> {
    validate(module)?;
    let info = parse_module(module)?;
    frame_sizes_from_info(&info)
}

/// The loader's per-function cell counts (index = defined function index).
pub fn func_cells(module: &[u8]) -> Result<Vec<FuncCells>> {
    validate(module)?;
    let info = parse_module(module)?;
    (0..info.bodies.len()).map(|i| frame::analyze_function(&info, i)).collect()
}

pub(crate) fn frame_sizes_from_info(info: &ModuleInfo<'_>) -> Result<Vec<u32>> {
    (0..info.bodies.len())
        .map(|i| frame::analyze_function(info, i).map(|c| c.frame_bytes()))
        .collect()
}

fn validate(module: &[u8]) -> Result<()> {
    wasmparser::Validator::new()
        .validate_all(module)
        .map(|_| ())
        .map_err(|e| anyhow!("invalid module: {e}"))
}

/// [`entry_frame_bytes`] for an exported function.
pub fn export_entry_frame_bytes(module: &[u8], export: &str) -> Result<u32> {
    let info = parse_module(module)?;
    let idx = info
        .exports
        .iter()
        .find(|(n, k, _)| n == export && *k == ExternalKind::Func)
        .map(|e| e.2)
        .ok_or_else(|| anyhow!("no exported function {export}"))?;
    Ok(entry_frame_bytes(info.func_type(idx)?.result_cells() as u32))
}

/// Usable bytes of WAMR's app heap for `module_dup_data` when the module exports no
/// malloc/free, for Fluent Bit's `Wasm_Heap_Size = wasm_heap_size` (values ≤ 8192 mean the
/// 8192 default, as in Fluent Bit). The tag copy (`tag_len + 1` bytes) and the record copy
/// (`record_len + 1` in JSON mode, `record_len` in msgpack mode) each consume
/// [`app_heap_alloc_cost`] of it; the record is passed as pointer 0 when
/// `cost(tag) + cost(record) > capacity`. Returns `u64::MAX` when the module exports
/// `malloc` and `free` (WAMR then disables the app heap and calls them), 0 when the module
/// has no memory or WAMR could not create the heap.
pub fn app_heap_capacity(module: &[u8], wasm_heap_size: u32) -> u64 {
    match app_heap(module, wasm_heap_size) {
        Ok(h) => h.capacity,
        Err(_) => 0,
    }
}

/// Whether Fluent Bit can copy a record of `record_copy_len` bytes (JSON: `len + 1`,
/// msgpack: `len`) after a tag of `tag_len` bytes into the app heap of `capacity` bytes.
pub fn record_fits(capacity: u64, tag_len: u32, record_copy_len: u32) -> bool {
    if capacity == u64::MAX {
        return true;
    }
    app_heap_alloc_cost(tag_len + 1) + app_heap_alloc_cost(record_copy_len) <= capacity
}

/// For a function that only calls itself (frame `frame_bytes`), the number of frames of it
/// that fit when the host calls it with an entry frame of `entry_bytes`: the largest `n` with
/// `entry + (n-1)*frame + 2*frame <= stack_size`.
pub fn max_self_recursion_frames(frame_bytes: u32, entry_bytes: u32, stack_size: u32) -> u32 {
    let (f, e, s) = (frame_bytes as u64, entry_bytes as u64, stack_size as u64);
    if 2 * e > s || e + 2 * f > s {
        return 0;
    }
    ((s - e - 2 * f) / f + 1) as u32
}
