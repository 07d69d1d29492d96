//! One module instance, driven the way Fluent Bit's `flb_wasm.c` drives WAMR:
//! `wasm_runtime_instantiate` (app heap, `_initialize`), `wasm_runtime_call_wasm` with 32-bit
//! argument cells, `wasm_runtime_module_dup_data` / `module_free`, and
//! `wasm_runtime_validate_app_str_addr`.
//!
//! The one piece of WAMR state that leaks between calls is reproduced too: the instance's
//! exception. WAMR only clears it when the host asks (Fluent Bit does so after "Got exception"),
//! so an exception set outside a call — by the string validation of an invalid return value, or
//! by a trap inside `malloc`/`free` — makes the NEXT call fail with that old text, and aborts it
//! as soon as it returns from any host (WASI) function.

use std::path::PathBuf;

use wasmtime::{CallHook, Func, Instance, Linker, Memory, Store, ValType};
use wasmtime_wasi::p1::WasiP1Ctx;

use super::app_heap::AppHeap;
use super::engine;
use super::guest_output::GuestOutput;
use super::setup_error::SetupError;
use super::profile::FuelProfile;
use super::stack_model::StackGlobals;
use super::traps::{ExceptionKind, StaleException, wamr_exception_text};
use super::wasi::build_wasi;

/// Fluent Bit's defaults and floors for `Wasm_Heap_Size` and `Wasm_Stack_Size` (bytes).
pub const DEFAULT_HEAP_SIZE: u32 = 8192;
/// See [`DEFAULT_HEAP_SIZE`].
pub const DEFAULT_STACK_SIZE: u32 = 8192;
/// Default fuel per call: about ten seconds of interpreter work; only runaway loops hit it.
pub const DEFAULT_FUEL_LIMIT: u64 = 5_000_000_000;

/// Everything needed to instantiate a module as Fluent Bit would.
#[derive(Debug, Clone)]
pub struct InstanceConfig {
    /// The module file (for messages).
    pub wasm_path: PathBuf,
    /// Its bytes, as read.
    pub module_bytes: Vec<u8>,
    /// `Wasm_Heap_Size` after Fluent Bit's floor.
    pub heap_size: u32,
    /// `Wasm_Stack_Size` after Fluent Bit's floor.
    pub stack_size: u32,
    /// `Accessible_Paths` entries, as written.
    pub accessible_paths: Vec<String>,
    /// Fluent Bit's working directory: relative paths resolve against it.
    pub working_dir: PathBuf,
    /// Emulate `Wasm_Stack_Size` with the WAMR stack model.
    pub stack_model: bool,
    /// Collect a per-function fuel profile instead (see [`super::profile`]).
    pub profile: bool,
    /// Fuel budget per top-level call.
    pub fuel_limit: u64,
    /// Where guest stdout/stderr go.
    pub guest_output: GuestOutput,
}

/// Per-store host state.
pub struct HostState {
    pub(super) wasi: WasiP1Ctx,
    /// Per-function fuel, when profiling.
    pub(super) profile: Option<FuelProfile>,
    /// WAMR's `cur_exception` (text after `Exception: `), and why it was set.
    pub(super) exception: Option<(String, ExceptionKind)>,
}

/// Work done since [`WamrInstance::take_usage`] was last called.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// Fuel consumed (≈ wasm instructions executed).
    pub fuel: u64,
    /// Highest modelled WAMR stack use in bytes (0 without the model).
    pub peak_stack: u32,
    /// Smallest `Wasm_Stack_Size` (bytes) under which every call so far would have fitted.
    pub need_stack: u32,
}

/// A live instance plus the WAMR bookkeeping around it.
pub struct WamrInstance {
    pub(super) store: Store<HostState>,
    pub(super) instance: Instance,
    pub(super) memory: Option<Memory>,
    pub(super) malloc_free: Option<(Func, Func)>,
    pub(super) app_heap: Option<AppHeap>,
    pub(super) stack: Option<StackGlobals>,
    pub(super) stack_size: u32,
    pub(super) fuel_limit: u64,
    pub(super) usage: Usage,
    pub(super) imports_wasi: bool,
}

fn link_profile_hooks(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    let module = super::profile::IMPORT_MODULE;
    linker.func_wrap(module, "enter", |mut caller: wasmtime::Caller<'_, HostState>, func: i32| {
        let fuel = caller.get_fuel().unwrap_or(0);
        if let Some(p) = caller.data_mut().profile.as_mut() {
            p.enter(func as u32, fuel);
        }
    })?;
    linker.func_wrap(module, "exit", |mut caller: wasmtime::Caller<'_, HostState>, func: i32| {
        let fuel = caller.get_fuel().unwrap_or(0);
        if let Some(p) = caller.data_mut().profile.as_mut() {
            p.exit(func as u32, fuel);
        }
    })?;
    Ok(())
}

fn is_wasi_module(module: &str) -> bool {
    module == "wasi_snapshot_preview1" || module == "wasi_unstable"
}

/// WAMR's `error_buf` is 128 bytes: longer messages are cut at 127.
fn error_buf(text: String) -> String {
    let mut end = text.len().min(127);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

impl WamrInstance {
    /// `flb_wasm_instantiate` from `wasm_runtime_load` on; the caller has read the file.
    pub fn instantiate(config: &InstanceConfig) -> Result<Self, SetupError> {
        let path = config.wasm_path.display().to_string();
        let bytes = &config.module_bytes;
        if bytes.starts_with(b"\0aot") {
            return Err(SetupError::new(format!(
                "Load wasm module failed. error: {path} is a WAMR AOT file"
            ))
            .with_hint(
                "logward runs wasm bytecode only; test the .wasm the AOT file was compiled from",
            ));
        }
        if !bytes.starts_with(b"\0asm") {
            return Err(SetupError::new(
                "WASM bytecode or AOT object is expected but other file format",
            ));
        }
        let load_failed = |e: anyhow::Error| {
            SetupError::new(error_buf(format!("Load wasm module failed. error: {e:#}")))
        };
        let runnable = if config.profile {
            super::profile::instrument_calls(bytes).map_err(load_failed)?
        } else if config.stack_model {
            logward_wamr_model::instrument_stack(bytes).map_err(load_failed)?
        } else {
            bytes.clone()
        };
        let module = engine::compile(&runnable).map_err(load_failed)?;
        let imports_wasi = module.imports().any(|i| is_wasi_module(i.module()));

        let instantiate_failed = |text: String| {
            SetupError::new(error_buf(format!(
                "Instantiate wasm module failed. error: {text}"
            )))
        };
        let wasi = build_wasi(
            &config.accessible_paths,
            &config.working_dir,
            &config.guest_output,
        )
        .map_err(instantiate_failed)?;
        let engine = engine::shared_engine().map_err(load_failed)?;
        let mut store = Store::new(
            engine,
            HostState {
                wasi,
                profile: config.profile.then(FuelProfile::default),
                exception: None,
            },
        );
        store.call_hook(|ctx, hook| {
            if matches!(hook, CallHook::ReturningFromHost) && ctx.data().exception.is_some() {
                return Err(wasmtime::Error::new(StaleException));
            }
            Ok(())
        });
        let _ = store.set_fuel(config.fuel_limit);

        let mut linker: Linker<HostState> = Linker::new(engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s: &mut HostState| &mut s.wasi)
            .map_err(|e| instantiate_failed(format!("{e:#}")))?;
        if config.profile {
            link_profile_hooks(&mut linker).map_err(|e| instantiate_failed(format!("{e:#}")))?;
        }
        // WAMR instantiates modules with unresolved function imports and traps only if one is
        // called ("failed to call unlinked import function").
        linker
            .define_unknown_imports_as_traps(&module)
            .map_err(|e| instantiate_failed(format!("{e:#}")))?;
        let instance = linker.instantiate(&mut store, &module).map_err(|e| {
            let (text, _) = wamr_exception_text(&e);
            instantiate_failed(format!("WASM module instantiate failed: Exception: {text}"))
        })?;

        let memory = instance.get_memory(&mut store, "memory");
        let malloc_free = find_malloc_free(&mut store, &instance);
        let stack = StackGlobals::find(&mut store, &instance);
        let mut this = WamrInstance {
            store,
            instance,
            memory,
            malloc_free,
            app_heap: None,
            stack,
            stack_size: config.stack_size,
            fuel_limit: config.fuel_limit,
            usage: Usage::default(),
            imports_wasi,
        };
        if this.malloc_free.is_none() {
            this.insert_app_heap(bytes, config.heap_size, &path)?;
        }
        this.run_post_instantiate_functions(&config.guest_output)?;
        Ok(this)
    }

    /// WAMR appends the app heap to linear memory before anything runs. logward always places
    /// it after the module's initial pages (WAMR puts it at `__heap_base` when that is
    /// exported); only its size matters to the guest.
    fn insert_app_heap(
        &mut self,
        module: &[u8],
        heap_size: u32,
        path: &str,
    ) -> Result<(), SetupError> {
        let Some(memory) = self.memory else {
            return Ok(());
        };
        let capacity = logward_wamr_model::app_heap_capacity(module, heap_size);
        let pages = capacity.div_ceil(65536).max(1);
        let base = memory.data_size(&self.store);
        memory.grow(&mut self.store, pages).map_err(|e| {
            SetupError::new("Instantiate wasm module failed. error: failed to insert app heap into linear memory, try using `--heap-size=0` option")
                .with_hint(format!("{path}: logward could not add {pages} page(s) of app heap to this module's memory ({e:#}); export malloc and free to avoid the app heap"))
        })?;
        let base = u32::try_from(base)
            .map_err(|_| SetupError::new("linear memory too large for an app heap"))?;
        self.app_heap = Some(AppHeap::new(
            base,
            capacity,
            logward_wamr_model::app_heap_alloc_cost,
        ));
        Ok(())
    }

    /// `execute_post_instantiate_functions`: `_initialize` (only for modules importing WASI),
    /// `__post_instantiate`, and `__wasm_call_ctors` (only for modules NOT importing WASI).
    fn run_post_instantiate_functions(&mut self, output: &GuestOutput) -> Result<(), SetupError> {
        let mut names = Vec::new();
        if self.imports_wasi {
            names.push("_initialize");
        }
        names.push("__post_instantiate");
        if !self.imports_wasi {
            names.push("__wasm_call_ctors");
        }
        for name in names {
            let Some(func) = self.lookup_function(name) else {
                continue;
            };
            let ty = func.ty(&self.store);
            if ty.params().len() != 0 || ty.results().len() != 0 {
                continue;
            }
            let mut cells = Vec::new();
            if !self.call_cells(&func, &mut cells) {
                let text = self.exception_text().unwrap_or_default();
                let mut err = SetupError::new(error_buf(format!(
                    "Instantiate wasm module failed. error: WASM module instantiate failed: Exception: {text}"
                )));
                err.guest_output = output.captured();
                err.guest_output_shown = output.is_forwarding();
                return Err(err);
            }
        }
        Ok(())
    }

    /// An exported function by name (`wasm_runtime_lookup_function`).
    pub fn lookup_function(&mut self, name: &str) -> Option<Func> {
        self.instance.get_func(&mut self.store, name)
    }

    /// The result types of `func`.
    pub fn result_types(&self, func: &Func) -> Vec<ValType> {
        func.ty(&self.store).results().collect()
    }

    /// Whether copies go through the module's own `malloc`/`free`.
    pub fn uses_module_malloc(&self) -> bool {
        self.malloc_free.is_some()
    }

    /// The emulated app heap, when the module does not export malloc and free.
    pub fn app_heap(&self) -> Option<&AppHeap> {
        self.app_heap.as_ref()
    }

    /// Whether `Wasm_Stack_Size` is being emulated (the module carries the model's globals).
    pub fn has_stack_model(&self) -> bool {
        self.stack.is_some()
    }

    /// The fuel profile collected so far (when profiling).
    pub fn profile(&self) -> Option<&FuelProfile> {
        self.store.data().profile.as_ref()
    }

    /// Forgets the profile collected so far (e.g. `_initialize`'s).
    pub fn reset_profile(&mut self) {
        if let Some(p) = self.store.data_mut().profile.as_mut() {
            *p = FuelProfile::default();
        }
    }

    /// The pending WAMR exception text, if any.
    pub fn exception_text(&self) -> Option<String> {
        self.store.data().exception.as_ref().map(|(t, _)| t.clone())
    }

    /// Why the pending exception was set.
    pub fn exception_kind(&self) -> Option<ExceptionKind> {
        self.store.data().exception.as_ref().map(|(_, k)| *k)
    }

    /// `wasm_runtime_clear_exception`.
    pub fn clear_exception(&mut self) {
        self.store.data_mut().exception = None;
    }

    pub(super) fn mark_stale(&mut self) {
        if let Some((_, kind)) = &mut self.store.data_mut().exception {
            *kind = ExceptionKind::Stale;
        }
    }

    pub(super) fn set_exception(&mut self, text: impl Into<String>, kind: ExceptionKind) {
        self.store.data_mut().exception = Some((text.into(), kind));
    }

    /// Fuel and peak stack since the last call of this method.
    pub fn take_usage(&mut self) -> Usage {
        std::mem::take(&mut self.usage)
    }

    /// Current linear memory size in bytes (0 without a memory).
    pub fn memory_size(&self) -> usize {
        self.memory.map(|m| m.data_size(&self.store)).unwrap_or(0)
    }
}

/// WAMR uses the module's allocator only if it exports `malloc: (i32) -> i32` AND
/// `free: (i32) -> ()` (`wasm_loader.c`).
fn find_malloc_free(store: &mut Store<HostState>, instance: &Instance) -> Option<(Func, Func)> {
    let malloc = instance.get_func(&mut *store, "malloc")?;
    let free = instance.get_func(&mut *store, "free")?;
    let mty = malloc.ty(&*store);
    let fty = free.ty(&*store);
    let only_i32 = |types: Vec<ValType>| types.len() == 1 && matches!(types[0], ValType::I32);
    let malloc_ok = only_i32(mty.params().collect()) && only_i32(mty.results().collect());
    let free_ok = only_i32(fty.params().collect()) && fty.results().len() == 0;
    (malloc_ok && free_ok).then_some((malloc, free))
}
