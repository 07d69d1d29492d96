//! The WASI context Fluent Bit gives a filter: one preopened directory per `Accessible_Paths`
//! entry whose guest name is the configured string itself, no environment, no arguments, and
//! the host's stdio (here: [`GuestOutput`]). WAMR resolves each entry with `realpath` from the
//! process's working directory and fails instantiation when that fails
//! (`wasm_runtime_init_wasi` in `core/iwasm/common/wasm_runtime_common.c`).

use std::path::Path;

use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use super::guest_output::GuestOutput;

/// `__WASI_ENOTDIR`: what WAMR reports when an entry is not a directory.
const WASI_ENOTDIR: i32 = 54;

/// Builds the WASI context; `Err` carries WAMR's error text.
pub fn build_wasi(
    accessible_paths: &[String],
    working_dir: &Path,
    output: &GuestOutput,
) -> Result<WasiP1Ctx, String> {
    let mut builder = WasiCtxBuilder::new();
    builder.stdout(output.clone()).stderr(output.clone());
    for entry in accessible_paths {
        let host_path = working_dir.join(entry);
        let resolved = match std::fs::canonicalize(&host_path) {
            Ok(p) => p,
            Err(e) => {
                let errno = e.raw_os_error().unwrap_or(2);
                return Err(format!(
                    "error while pre-opening directory {entry}: {errno}\n"
                ));
            }
        };
        if !resolved.is_dir() {
            return Err(format!(
                "error while pre-opening directory {entry}: {WASI_ENOTDIR}\n"
            ));
        }
        builder
            .preopened_dir(&resolved, entry, FsPerms::ReadWrite)
            .map_err(|e| format!("error while pre-opening directory {entry}: {e}\n"))?;
    }
    Ok(builder.build_p1())
}
