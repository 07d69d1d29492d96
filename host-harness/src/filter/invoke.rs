//! One call of the filter export, as `flb_wasm_call_function_format_json` /
//! `flb_wasm_call_function_format_msgpack` (`src/wasm/flb_wasm.c`) make it: look the export
//! up, copy tag (+NUL) and record (+NUL in JSON mode) into guest memory, call with six i32
//! cells, validate and copy the result, free the copies.

use wasmtime::Func;

use super::diagnostic::{Diagnostic, Level};
use super::spec::AbiVersion;
use crate::fluentbit::FlbTime;
use crate::wasm::WamrInstance;
use crate::wasm::traps::ExceptionKind;

/// What the host got back from one call.
#[derive(Debug, Clone, PartialEq)]
pub enum Invocation {
    /// The export does not exist.
    NotFound,
    /// The call failed with WAMR exception `text`.
    Exception {
        /// Exception text (after `Exception: `).
        text: String,
        /// Its cause.
        kind: ExceptionKind,
    },
    /// The returned pointer (or v2 pointer/length) failed validation.
    InvalidReturn,
    /// v2: the export returned 0.
    V2Zero,
    /// The result bytes (v1: up to the NUL), and the pointer they came from.
    Returned {
        /// The copied result.
        bytes: Vec<u8>,
        /// The guest address of the result.
        pointer: u32,
    },
}

/// The guest addresses the copies landed at (0 = the copy did not fit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CopyAddresses {
    /// Where the tag went.
    pub tag: u32,
    /// Where the record went.
    pub record: u32,
}

/// `wasm_runtime_module_dup_data`.
fn dup_data(
    instance: &mut WamrInstance,
    bytes: &[u8],
    diagnostics: &mut Vec<Diagnostic>,
    filter: &str,
) -> u32 {
    let size = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    let (addr, full) = instance.module_malloc(size);
    if full {
        diagnostics.push(Diagnostic::runtime(
            Level::Warn,
            format!("warning: allocate {size} bytes memory failed"),
        ));
    }
    if addr != 0 && !instance.write_bytes(addr, bytes) {
        diagnostics.push(Diagnostic::logward(
            Level::Error,
            filter,
            format!("the module's malloc returned {addr:#x}, which is outside its memory; Fluent Bit would write out of bounds"),
        ));
        return 0;
    }
    addr
}

/// Calls the filter export once. `record_nul` adds the NUL that JSON mode passes (excluded
/// from the length).
#[allow(clippy::too_many_arguments)]
pub fn invoke(
    instance: &mut WamrInstance,
    func: Option<&Func>,
    function_name: &str,
    filter: &str,
    abi: AbiVersion,
    tag: &[u8],
    time: FlbTime,
    record: &[u8],
    record_nul: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Invocation, CopyAddresses) {
    let Some(func) = func else {
        diagnostics.push(Diagnostic::runtime(
            Level::Error,
            format!("The {function_name} wasm function is not found."),
        ));
        return (Invocation::NotFound, CopyAddresses::default());
    };
    let mut tag_copy = Vec::with_capacity(tag.len() + 1);
    tag_copy.extend_from_slice(tag);
    tag_copy.push(0);
    let tag_addr = dup_data(instance, &tag_copy, diagnostics, filter);
    let record_addr = if record_nul {
        let mut copy = Vec::with_capacity(record.len() + 1);
        copy.extend_from_slice(record);
        copy.push(0);
        dup_data(instance, &copy, diagnostics, filter)
    } else {
        dup_data(instance, record, diagnostics, filter)
    };
    let addresses = CopyAddresses {
        tag: tag_addr,
        record: record_addr,
    };

    let mut cells = vec![
        tag_addr,
        tag.len() as u32,
        time.sec as u32,
        time.nsec,
        record_addr,
        record.len() as u32,
    ];
    let free_copies = |instance: &mut WamrInstance| {
        instance.module_free(tag_addr);
        instance.module_free(record_addr);
    };
    if !instance.call_cells(func, &mut cells) {
        let text = instance.exception_text().unwrap_or_default();
        let kind = instance.exception_kind().unwrap_or(ExceptionKind::Trap);
        diagnostics.push(Diagnostic::runtime(
            Level::Error,
            format!("Got exception running wasm code: Exception: {text}"),
        ));
        instance.clear_exception();
        free_copies(instance);
        return (Invocation::Exception { text, kind }, addresses);
    }
    let result = match abi {
        AbiVersion::V1 => match instance.read_c_string(cells[0]) {
            Some(bytes) => Invocation::Returned {
                bytes,
                pointer: cells[0],
            },
            None => Invocation::InvalidReturn,
        },
        AbiVersion::V2 => {
            let packed =
                u64::from(cells[0]) | (u64::from(cells.get(1).copied().unwrap_or(0)) << 32);
            if packed == 0 {
                Invocation::V2Zero
            } else {
                let (ptr, len) = (packed as u32, (packed >> 32) as u32);
                match instance.read_bytes(ptr, len) {
                    Some(bytes) => Invocation::Returned {
                        bytes,
                        pointer: ptr,
                    },
                    None => Invocation::InvalidReturn,
                }
            }
        }
    };
    if result == Invocation::InvalidReturn {
        diagnostics.push(Diagnostic::runtime(
            Level::Warn,
            "[wasm] returned value is invalid",
        ));
    }
    free_copies(instance);
    (result, addresses)
}
