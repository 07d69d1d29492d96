//! A running wasm filter: `cb_wasm_pre_run` + `cb_wasm_init` at construction, the per-record
//! body of `cb_wasm_filter` in [`WasmFilter::process`].

use std::sync::atomic::{AtomicBool, Ordering};

use rmpv::Value;
use wasmtime::{Func, ValType};

use super::diagnostic::{Diagnostic, Level};
use super::interpret::interpret;
use super::invoke::{CopyAddresses, invoke};
use super::outcome::Outcome;
use super::spec::{AbiVersion, EventFormat, FilterSpec};
use crate::fluentbit::{FlbTime, msgpack_to_json};
use crate::wasm::instance::Usage;
use crate::wasm::{GuestOutput, InstanceConfig, SetupError, WamrInstance};

/// Set once the "stack model unavailable" warning has been printed.
static STACK_MODEL_WARNED: AtomicBool = AtomicBool::new(false);

/// What one record's trip through the filter produced.
#[derive(Debug, Clone)]
pub struct FilterResult {
    /// Kept / dropped / corrupted.
    pub outcome: Outcome,
    /// Log lines, in the order Fluent Bit would print them.
    pub diagnostics: Vec<Diagnostic>,
    /// Guest work for this record (filter call, malloc and free).
    pub usage: Usage,
    /// Where the tag and record copies landed (0 = they did not fit).
    pub copies: CopyAddresses,
    /// Bytes of the record as handed to the guest (JSON text or msgpack).
    pub record_bytes: usize,
}

/// One `[FILTER] Name wasm` instance.
pub struct WasmFilter {
    spec: FilterSpec,
    instance: WamrInstance,
    function: Option<Func>,
    setup_notes: Vec<Diagnostic>,
    init_usage: Usage,
}

impl WasmFilter {
    /// Starts the filter the way Fluent Bit does; an `Err` is Fluent Bit refusing to start.
    pub fn new(spec: &FilterSpec, guest_output: &GuestOutput) -> Result<Self, SetupError> {
        let name = &spec.name;
        let path = spec.working_dir.join(&spec.wasm_path);
        let init_failed = |err: SetupError| {
            err.then(format!(
                "[filter:wasm:{name}] failed to instantiate wasm program: {}",
                spec.wasm_path.display()
            ))
            .then(format!("Failed initialize filter {name}"))
        };
        let bytes = std::fs::read(&path).map_err(|e| {
            SetupError::new(format!("[filter:wasm:{name}] cannot access wasm program at {}", spec.wasm_path.display()))
                .then(format!("Failed initialize filter {name}"))
                .with_hint(format!("{}: {e} (defined in {}; relative paths resolve against Fluent Bit's working directory {})",
                    path.display(), spec.origin, spec.working_dir.display()))
        })?;
        let config = InstanceConfig {
            wasm_path: spec.wasm_path.clone(),
            module_bytes: bytes,
            heap_size: spec.effective_heap_size(),
            stack_size: spec.effective_stack_size(),
            accessible_paths: spec.accessible_paths.clone(),
            working_dir: spec.working_dir.clone(),
            stack_model: spec.stack_model && !spec.profile,
            profile: spec.profile,
            fuel_limit: spec.fuel_limit,
            guest_output: guest_output.clone(),
        };
        let mut instance = WamrInstance::instantiate(&config).map_err(init_failed)?;
        // `_initialize` is start-up work: keep it out of the first record's fuel and stack.
        let init_usage = instance.take_usage();
        instance.reset_profile();
        let function = instance.lookup_function(&spec.function_name);
        let mut setup_notes = Vec::new();
        check_signature(spec, &instance, function.as_ref(), &mut setup_notes)?;
        if spec.stack_model
            && !instance.has_stack_model()
            && !STACK_MODEL_WARNED.swap(true, Ordering::Relaxed)
        {
            setup_notes.push(Diagnostic::logward(
                Level::Warn,
                name,
                "the WAMR stack model is not available (logward-wamr-model left the module unchanged): Wasm_Stack_Size overflows are NOT emulated",
            ));
        }
        Ok(WasmFilter {
            spec: spec.clone(),
            instance,
            function,
            setup_notes,
            init_usage,
        })
    }

    /// Remarks made while starting (missing export, no stack model, …).
    pub fn setup_notes(&self) -> &[Diagnostic] {
        &self.setup_notes
    }

    /// The configuration this filter runs with.
    pub fn spec(&self) -> &FilterSpec {
        &self.spec
    }

    /// Whether Fluent Bit would run this filter on a record with `tag`.
    pub fn matches(&self, tag: &str) -> bool {
        self.spec.matcher.as_ref().is_none_or(|m| m.matches(tag))
    }

    /// Current linear memory size in bytes.
    pub fn memory_size(&self) -> usize {
        self.instance.memory_size()
    }

    /// Whether `Wasm_Stack_Size` is being emulated for this filter.
    /// The per-function fuel profile (when the spec asked for one).
    pub fn profile(&self) -> Option<&crate::wasm::profile::FuelProfile> {
        self.instance.profile()
    }

    /// Fuel and stack that instantiation (`_initialize`) used.
    pub fn init_usage(&self) -> Usage {
        self.init_usage
    }

    pub fn has_stack_model(&self) -> bool {
        self.instance.has_stack_model()
    }

    /// Whether copies go through the module's malloc/free (else the emulated app heap).
    pub fn uses_module_malloc(&self) -> bool {
        self.instance.uses_module_malloc()
    }

    /// Runs the filter on one record. The body is what Fluent Bit holds (msgpack); time and tag
    /// are passed as Fluent Bit passes them and never change.
    pub fn process(&mut self, tag: &str, time: FlbTime, body: &Value) -> FilterResult {
        let (record, nul) = match self.spec.event_format {
            EventFormat::Json => (msgpack_to_json(body), true),
            EventFormat::Msgpack => {
                let mut bytes = Vec::new();
                let _ = rmpv::encode::write_value(&mut bytes, body);
                (bytes, false)
            }
        };
        self.process_raw(tag.as_bytes(), time, &record, nul)
    }

    /// Calls the export with `record` bytes exactly as given (fuzzing "raw" mode, and the
    /// building block of [`process`](Self::process)). `nul` appends a NUL after the record.
    pub fn process_raw(
        &mut self,
        tag: &[u8],
        time: FlbTime,
        record: &[u8],
        nul: bool,
    ) -> FilterResult {
        let mut diagnostics = Vec::new();
        let diagnostics_ref = &mut diagnostics;
        let (invocation, copies) = invoke(
            &mut self.instance,
            self.function.as_ref(),
            &self.spec.function_name,
            &self.spec.name,
            self.spec.abi,
            tag,
            time,
            record,
            nul,
            diagnostics_ref,
        );
        let outcome = interpret(
            invocation,
            self.spec.event_format,
            self.spec.abi,
            &self.spec.name,
            &mut diagnostics,
        );
        if let Outcome::Corrupted(reason) = &outcome {
            diagnostics.push(Diagnostic::logward(
                Level::Error,
                &self.spec.name,
                format!("record corrupts the chunk: {}", reason.explain()),
            ));
        }
        FilterResult {
            outcome,
            diagnostics,
            usage: self.instance.take_usage(),
            copies,
            record_bytes: record.len(),
        }
    }
}

/// Export checks Fluent Bit does not make at start (it only finds out per record), reported
/// early; ABI v2 signatures are logward's own rule and are enforced.
fn check_signature(
    spec: &FilterSpec,
    instance: &WamrInstance,
    function: Option<&Func>,
    notes: &mut Vec<Diagnostic>,
) -> Result<(), SetupError> {
    let name = &spec.name;
    let Some(func) = function else {
        notes.push(Diagnostic::logward(
            Level::Warn,
            name,
            format!(
                "the module exports no function '{}': Fluent Bit starts anyway and drops every record with \"The {} wasm function is not found.\"",
                spec.function_name, spec.function_name
            ),
        ));
        return Ok(());
    };
    let results = instance.result_types(func);
    let returns_i64 = results.len() == 1 && matches!(results[0], ValType::I64);
    match spec.abi {
        AbiVersion::V2 if !returns_i64 => Err(SetupError::new(format!(
            "[filter:wasm:{name}] ABI_Version 2 needs '{}' to return i64 ((len << 32) | ptr)",
            spec.function_name
        ))
        .then(format!("Failed initialize filter {name}"))),
        AbiVersion::V1 if returns_i64 => {
            notes.push(Diagnostic::logward(
                Level::Warn,
                name,
                format!(
                    "'{}' returns i64 (an ABI v2 export?): Fluent Bit 5.1.1 reads only its low 32 bits, as a pointer to a NUL-terminated string",
                    spec.function_name
                ),
            ));
            Ok(())
        }
        _ => Ok(()),
    }
}
