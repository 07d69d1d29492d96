//! Emulation of `Wasm_Stack_Size`, through `logward-wamr-model`'s instrumentation: the module
//! gets three exported globals (`__logward_wamr_stack_used/peak/limit`) and traps when the
//! modelled WAMR frame stack exceeds the limit. We set the limit and reset the counters before
//! every top-level call (filter, malloc, free, `_initialize`), as WAMR starts each call on an
//! empty exec-env stack of `Wasm_Stack_Size` bytes.

use wasmtime::{Global, Instance, Store, Val};

/// Names of the globals the instrumentation exports.
pub const USED: &str = "__logward_wamr_stack_used";
/// Highest `used` seen since the last reset.
pub const PEAK: &str = "__logward_wamr_stack_peak";
/// The limit the instrumentation compares `used` against.
pub const LIMIT: &str = "__logward_wamr_stack_limit";
/// Set (to the frame size) right before the instrumentation traps for an overflow.
pub const OVERFLOW: &str = logward_wamr_model::GLOBAL_OVERFLOW;
/// Highest `used + 2*frame` any allocation needed: the smallest stack size that works.
pub const NEED: &str = logward_wamr_model::GLOBAL_NEED;

/// Handles to the instrumentation's globals in one instance.
#[derive(Debug, Clone, Copy)]
pub struct StackGlobals {
    used: Global,
    peak: Global,
    limit: Global,
    overflow: Global,
    need: Global,
}

impl StackGlobals {
    /// Finds the globals; `None` when the module was not instrumented (placeholder model).
    pub fn find<T>(store: &mut Store<T>, instance: &Instance) -> Option<Self> {
        Some(StackGlobals {
            used: instance.get_global(&mut *store, USED)?,
            peak: instance.get_global(&mut *store, PEAK)?,
            limit: instance.get_global(&mut *store, LIMIT)?,
            overflow: instance.get_global(&mut *store, OVERFLOW)?,
            need: instance.get_global(&mut *store, NEED)?,
        })
    }

    /// Prepares for a top-level call with a stack of `limit` bytes: WAMR first allocates the
    /// host call's own frame of `entry_bytes` (48 for every export of the filter ABI).
    pub fn reset<T>(&self, store: &mut Store<T>, limit: u32, entry_bytes: u32) {
        let entry = entry_bytes as i32;
        let _ = self.limit.set(&mut *store, Val::I32(limit as i32));
        let _ = self.used.set(&mut *store, Val::I32(entry));
        let _ = self.peak.set(&mut *store, Val::I32(entry));
        let _ = self.need.set(&mut *store, Val::I32(2 * entry));
        let _ = self.overflow.set(&mut *store, Val::I32(0));
    }

    /// The smallest `Wasm_Stack_Size` (bytes) under which the last call would have fitted.
    pub fn need<T>(&self, store: &mut Store<T>) -> u32 {
        self.need.get(&mut *store).i32().unwrap_or(0) as u32
    }

    /// Peak bytes used since the last reset.
    pub fn peak<T>(&self, store: &mut Store<T>) -> u32 {
        self.peak.get(&mut *store).i32().unwrap_or(0) as u32
    }

    /// Whether the last call's trap was the modelled "wasm operand stack overflow".
    pub fn overflowed<T>(&self, store: &mut Store<T>) -> bool {
        self.overflow.get(&mut *store).i32().unwrap_or(0) != 0
    }
}

/// Whether `logward-wamr-model` actually models WAMR's frames for `module` (the placeholder
/// crate cannot): tests use this to decide whether stack overflows can be asserted.
pub fn model_available(module: &[u8]) -> bool {
    logward_wamr_model::frame_sizes(module).is_ok()
}
