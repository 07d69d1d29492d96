//! wasmtime errors → the exception text WAMR 2.4.1 would have set. Fluent Bit prints it as
//! `Got exception running wasm code: Exception: <text>`.

use wasmtime::Trap;

/// Why a call stopped, beyond the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExceptionKind {
    /// An ordinary trap (unreachable, out of bounds, …).
    Trap,
    /// The modelled WAMR stack (or, without the model, the native stack) overflowed.
    StackOverflow,
    /// logward's fuel budget ran out: Fluent Bit would still be running this call.
    FuelExhausted,
    /// An exception left over from an earlier failure was still set (WAMR never clears it
    /// unless the host does), so this call failed although the guest did nothing wrong.
    Stale,
}

/// Marker error the call hook raises to abort a call that runs with a stale exception.
#[derive(Debug)]
pub struct StaleException;

impl std::fmt::Display for StaleException {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a previous WAMR exception is still set")
    }
}

impl std::error::Error for StaleException {}

/// The WAMR exception text (without the `Exception: ` prefix) for a failed call.
pub fn wamr_exception_text(error: &wasmtime::Error) -> (String, ExceptionKind) {
    if let Some(trap) = error.downcast_ref::<Trap>() {
        let text = match trap {
            Trap::UnreachableCodeReached => "unreachable",
            Trap::MemoryOutOfBounds => "out of bounds memory access",
            Trap::HeapMisaligned => "unaligned atomic",
            Trap::TableOutOfBounds => "undefined element",
            Trap::IndirectCallToNull => "uninitialized element",
            Trap::BadSignature => "indirect call type mismatch",
            Trap::IntegerOverflow => "integer overflow",
            Trap::IntegerDivisionByZero => "integer divide by zero",
            Trap::BadConversionToInteger => "invalid conversion to integer",
            Trap::StackOverflow => {
                return (
                    "wasm operand stack overflow".into(),
                    ExceptionKind::StackOverflow,
                );
            }
            Trap::OutOfFuel => {
                return (
                    "logward fuel limit exhausted (Fluent Bit has no such limit: this call would still be running)"
                        .into(),
                    ExceptionKind::FuelExhausted,
                );
            }
            other => return (other.to_string(), ExceptionKind::Trap),
        };
        return (text.into(), ExceptionKind::Trap);
    }
    if error.downcast_ref::<wasmtime_wasi::I32Exit>().is_some() {
        return ("wasi proc exit".into(), ExceptionKind::Trap);
    }
    let text = format!("{error:#}");
    if text.contains("has not been defined") {
        return (
            "failed to call unlinked import function".into(),
            ExceptionKind::Trap,
        );
    }
    (text, ExceptionKind::Trap)
}
