//! What `cb_wasm_filter` (`plugins/filter_wasm/filter_wasm.c`) does with the bytes a call
//! returned: JSON mode parses them with `flb_pack_json` (yyjson) and keeps only an object;
//! msgpack mode appends `strlen(ret)` bytes to the chunk without looking at them.

use rmpv::Value;

use super::diagnostic::{Diagnostic, Level};
use super::invoke::Invocation;
use super::outcome::{CorruptReason, DropReason, Outcome};
use super::spec::{AbiVersion, EventFormat};
use crate::fluentbit::body_check::{
    DecodeLimit, MAX_BODY_DEPTH, MsgpackScan, container_depth, scan_msgpack_object,
};
use crate::fluentbit::parse_json_stream;
use crate::wasm::traps::ExceptionKind;

/// Longest returned text quoted in an "invalid JSON format" message.
const QUOTE_LIMIT: usize = 2048;

fn quote(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(QUOTE_LIMIT)]).into_owned();
    if bytes.len() > QUOTE_LIMIT {
        format!("{text}…({} bytes)", bytes.len())
    } else {
        text
    }
}

/// Turns an [`Invocation`] into the record's fate, adding Fluent Bit's log lines.
pub fn interpret(
    invocation: Invocation,
    format: EventFormat,
    abi: AbiVersion,
    filter: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Outcome {
    let (bytes, pointer) = match invocation {
        Invocation::NotFound => return Outcome::Dropped(DropReason::FunctionNotFound),
        Invocation::Exception { text, kind } => {
            return Outcome::Dropped(match kind {
                ExceptionKind::StackOverflow => DropReason::StackOverflow,
                ExceptionKind::FuelExhausted => DropReason::FuelExhausted,
                ExceptionKind::Stale => DropReason::Exception { text, stale: true },
                ExceptionKind::Trap => DropReason::Exception { text, stale: false },
            });
        }
        Invocation::InvalidReturn => return Outcome::Dropped(DropReason::InvalidPointer),
        Invocation::V2Zero => return Outcome::Dropped(DropReason::V2Zero),
        Invocation::Returned { bytes, pointer } => (bytes, pointer),
    };
    match format {
        EventFormat::Json => interpret_json(&bytes, pointer, filter, diagnostics),
        EventFormat::Msgpack => interpret_msgpack(&bytes, abi),
    }
}

fn interpret_json(
    bytes: &[u8],
    pointer: u32,
    filter: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Outcome {
    if bytes.is_empty() {
        diagnostics.push(Diagnostic::plugin(
            Level::Debug,
            filter,
            "WASM function returned empty string. Skip.",
        ));
        return Outcome::Dropped(DropReason::EmptyResult {
            null_pointer: pointer == 0,
        });
    }
    let values = match parse_json_stream(bytes) {
        Ok(values) => values,
        Err(_) => {
            diagnostics.push(Diagnostic::plugin(
                Level::Error,
                filter,
                format!("invalid JSON format. ret: -1, buf: {}", quote(bytes)),
            ));
            return Outcome::Dropped(DropReason::InvalidJson);
        }
    };
    let Some(first) = values.first() else {
        return Outcome::Corrupted(CorruptReason::WhitespaceOnlyJson);
    };
    if !matches!(first, Value::Map(_)) {
        diagnostics.push(Diagnostic::plugin(
            Level::Error,
            filter,
            format!("invalid JSON format. ret: 0, buf: {}", quote(bytes)),
        ));
        return Outcome::Dropped(DropReason::NotAnObject);
    }
    if values.len() > 1 {
        return Outcome::Corrupted(CorruptReason::MultipleJsonValues {
            count: values.len(),
        });
    }
    let body = values.into_iter().next().unwrap_or(Value::Nil);
    if container_depth(&body) > MAX_BODY_DEPTH {
        return Outcome::Corrupted(CorruptReason::TooDeep);
    }
    Outcome::Kept(body)
}

fn interpret_msgpack(bytes: &[u8], abi: AbiVersion) -> Outcome {
    if bytes.is_empty() {
        return Outcome::Corrupted(CorruptReason::EmptyBody);
    }
    match scan_msgpack_object(bytes, DecodeLimit::RECORD_BODY) {
        MsgpackScan::Truncated if abi == AbiVersion::V1 => {
            Outcome::Corrupted(CorruptReason::CutAtNul { kept: bytes.len() })
        }
        MsgpackScan::Truncated => Outcome::Corrupted(CorruptReason::Truncated),
        MsgpackScan::Invalid { offset } => {
            Outcome::Corrupted(CorruptReason::InvalidMsgpack { offset })
        }
        MsgpackScan::TooDeep { .. } => Outcome::Corrupted(CorruptReason::TooDeep),
        MsgpackScan::Complete { len, .. } if len < bytes.len() => {
            Outcome::Corrupted(CorruptReason::TrailingBytes {
                extra: bytes.len() - len,
            })
        }
        MsgpackScan::Complete { is_map: false, .. } => Outcome::Corrupted(CorruptReason::NotAMap),
        MsgpackScan::Complete { .. } => match rmpv::decode::read_value(&mut &bytes[..]) {
            Ok(value) => Outcome::Kept(value),
            Err(_) => Outcome::Corrupted(CorruptReason::Truncated),
        },
    }
}
