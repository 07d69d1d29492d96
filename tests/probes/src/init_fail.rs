//! Built only with `--features init-fail`: an `_initialize` that prints why it refuses to
//! start and traps — the way a plugin should fail on bad configuration. Fluent Bit then
//! refuses to start.

#[unsafe(no_mangle)]
pub extern "C" fn _initialize() {
    eprintln!("logward-probe: configuration invalid: refusing to start");
    core::arch::wasm32::unreachable();
}
