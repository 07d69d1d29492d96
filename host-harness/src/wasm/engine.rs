//! The wasmtime engine, configured with the WebAssembly features WAMR 2.4.1 has in Fluent Bit
//! 5.1.1 (see `src/wasm/CMakeLists.txt`): bulk memory, reference types, multi-value, sign
//! extension and non-trapping float-to-int are on; SIMD, tail calls, exception handling, GC,
//! memory64, threads and multi-memory are off, so a module using them fails to load here as it
//! does in Fluent Bit. Fuel is on: it counts instructions deterministically for `bench` and
//! bounds runaway loops.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Mutex, OnceLock};

use anyhow::{Result, anyhow};
use wasmtime::{Config, Engine, Module};

/// The process-wide engine.
pub fn shared_engine() -> Result<&'static Engine> {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    if let Some(engine) = ENGINE.get() {
        return Ok(engine);
    }
    let engine = Engine::new(&wamr_like_config())
        .map_err(|e| anyhow!("creating the wasmtime engine: {e:#}"))?;
    Ok(ENGINE.get_or_init(|| engine))
}

fn wamr_like_config() -> Config {
    // Threads, function references and exception handling need wasmtime cargo features this
    // crate does not enable, so modules using them already fail validation.
    let mut config = Config::new();
    config
        .consume_fuel(true)
        .wasm_bulk_memory(true)
        .wasm_multi_value(true)
        .wasm_simd(false)
        .wasm_relaxed_simd(false)
        .wasm_tail_call(false)
        .wasm_multi_memory(false)
        .wasm_memory64(false)
        .wasm_extended_const(false)
        .wasm_wide_arithmetic(false)
        .wasm_custom_page_sizes(false)
        .wasm_gc(false)
        .wasm_stack_switching(false)
        .wasm_component_model(false);
    if let Some(cache) = compilation_cache() {
        config.cache(Some(cache));
    }
    config
}

/// wasmtime's on-disk cache of compiled modules (`$XDG_CACHE_HOME/logward` or
/// `~/.cache/logward`): compiling a 2 MB plugin takes seconds, and every `logward` process and
/// test would otherwise pay it again. `LOGWARD_NO_CACHE=1` turns it off. Entries are keyed by
/// the module bytes, wasmtime's version and the engine settings.
fn compilation_cache() -> Option<wasmtime::Cache> {
    if std::env::var_os("LOGWARD_NO_CACHE").is_some_and(|v| v != "0") {
        return None;
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cache")))?;
    let mut config = wasmtime::CacheConfig::new();
    config.with_directory(base.join("logward"));
    wasmtime::Cache::new(config).ok()
}

/// Compiles `bytes`, reusing an earlier compilation of identical bytes in this process (tests
/// and `bench` instantiate the same module many times).
pub fn compile(bytes: &[u8]) -> Result<Module> {
    static CACHE: OnceLock<Mutex<HashMap<(u64, usize), Module>>> = OnceLock::new();
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    let key = (hasher.finish(), bytes.len());
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(module) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(module);
    }
    let module = Module::new(shared_engine()?, bytes).map_err(|e| anyhow!("{e:#}"))?;
    if let Ok(mut c) = cache.lock() {
        c.insert(key, module.clone());
    }
    Ok(module)
}
