//! What became of one record at one filter.

use rmpv::Value;

/// The result of running a filter on a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The record continues with this body (time and tag are always the originals).
    Kept(Value),
    /// Fluent Bit drops the record and carries on with the next one.
    Dropped(DropReason),
    /// Fluent Bit would append broken bytes to the chunk: this record is lost and so, in Fluent
    /// Bit, is everything after it in the same chunk (the next decoder stops there). logward
    /// excludes just this record and reports it.
    Corrupted(CorruptReason),
}

/// Why a record was dropped.
#[derive(Debug, Clone, PartialEq)]
pub enum DropReason {
    /// The call failed: "Got exception running wasm code: Exception: <text>".
    Exception {
        /// WAMR's exception text.
        text: String,
        /// The exception was left over from an earlier failure (WAMR never clears it itself).
        stale: bool,
    },
    /// The modelled stack exceeded `Wasm_Stack_Size`: "wasm operand stack overflow".
    StackOverflow,
    /// logward's fuel budget ran out (Fluent Bit would hang in this call).
    FuelExhausted,
    /// "[wasm] returned value is invalid": the pointer is outside memory or no NUL follows it
    /// (v1), or the (pointer, length) pair is outside memory (v2).
    InvalidPointer,
    /// "The <fn> wasm function is not found."
    FunctionNotFound,
    /// JSON mode, v1: the returned string was empty (also what returning NULL usually gives).
    EmptyResult {
        /// The guest returned pointer 0.
        null_pointer: bool,
    },
    /// v2: the export returned 0.
    V2Zero,
    /// "invalid JSON format. ret: -1": the returned text did not parse.
    InvalidJson,
    /// "invalid JSON format. ret: 0": it parsed, but the first value is not an object.
    NotAnObject,
}

impl DropReason {
    /// A short stable name for summaries and JSON reports.
    pub fn key(&self) -> &'static str {
        match self {
            DropReason::Exception { stale: false, .. } => "exception",
            DropReason::Exception { stale: true, .. } => "stale-exception",
            DropReason::StackOverflow => "stack-overflow",
            DropReason::FuelExhausted => "fuel-exhausted",
            DropReason::InvalidPointer => "invalid-pointer",
            DropReason::FunctionNotFound => "function-not-found",
            DropReason::EmptyResult { null_pointer: true } => "returned-null",
            DropReason::EmptyResult {
                null_pointer: false,
            } => "empty-string",
            DropReason::V2Zero => "v2-returned-0",
            DropReason::InvalidJson => "invalid-json",
            DropReason::NotAnObject => "json-not-an-object",
        }
    }

    /// Whether the plugin asked for this drop (returned NULL, "" or v2 0) rather than failed.
    pub fn is_intentional(&self) -> bool {
        matches!(self, DropReason::EmptyResult { .. } | DropReason::V2Zero)
    }

    /// Whether the call itself failed (a trap or equivalent).
    pub fn is_error(&self) -> bool {
        matches!(
            self,
            DropReason::Exception { .. }
                | DropReason::StackOverflow
                | DropReason::FuelExhausted
                | DropReason::FunctionNotFound
        )
    }
}

/// Why a record's bytes would corrupt the chunk.
#[derive(Debug, Clone, PartialEq)]
pub enum CorruptReason {
    /// msgpack mode: the body has no bytes (the guest returned "" or NULL).
    EmptyBody,
    /// msgpack mode, v1: the body ended early because it contains a 0x00 byte, and Fluent Bit
    /// took `strlen()` of the result. `kept` bytes survived.
    CutAtNul {
        /// Bytes before the first 0x00.
        kept: usize,
    },
    /// msgpack mode: the body ends in the middle of a msgpack object.
    Truncated,
    /// msgpack mode: a complete object followed by `extra` more bytes.
    TrailingBytes {
        /// Bytes after the first object.
        extra: usize,
    },
    /// The body is a complete msgpack object but not a map.
    NotAMap,
    /// msgpack mode: the reserved byte 0xc1 at `offset`.
    InvalidMsgpack {
        /// Where.
        offset: usize,
    },
    /// Containers nested deeper than msgpack-c can decode (31 levels inside a body).
    TooDeep,
    /// JSON mode: the text holds several JSON values; all are packed into the body.
    MultipleJsonValues {
        /// How many values.
        count: usize,
    },
    /// JSON mode: the text is only whitespace; Fluent Bit then reads an uninitialized
    /// `root_type` and may append an empty body.
    WhitespaceOnlyJson,
}

impl CorruptReason {
    /// A short stable name for summaries and JSON reports.
    pub fn key(&self) -> &'static str {
        match self {
            CorruptReason::EmptyBody => "empty-body",
            CorruptReason::CutAtNul { .. } => "cut-at-nul",
            CorruptReason::Truncated => "truncated",
            CorruptReason::TrailingBytes { .. } => "trailing-bytes",
            CorruptReason::NotAMap => "not-a-map",
            CorruptReason::InvalidMsgpack { .. } => "invalid-msgpack",
            CorruptReason::TooDeep => "too-deep",
            CorruptReason::MultipleJsonValues { .. } => "multiple-json-values",
            CorruptReason::WhitespaceOnlyJson => "whitespace-only-json",
        }
    }

    /// One sentence for humans.
    pub fn explain(&self) -> String {
        match self {
            CorruptReason::EmptyBody => "the body is empty; Fluent Bit appends a record with no body, which swallows the next record".into(),
            CorruptReason::CutAtNul { kept } => format!(
                "the msgpack body contains a 0x00 byte: ABI v1 reads the result as a C string, so only the first {kept} bytes reach Fluent Bit and the truncated record corrupts the chunk (emit JSON under v1, or use ABI v2)"
            ),
            CorruptReason::Truncated => "the msgpack body ends in the middle of an object".into(),
            CorruptReason::TrailingBytes { extra } => format!(
                "{extra} byte(s) follow the msgpack body; Fluent Bit's decoder reads them as a broken next record"
            ),
            CorruptReason::NotAMap => "the body is not a map; Fluent Bit's log event decoder rejects it".into(),
            CorruptReason::InvalidMsgpack { offset } => format!("invalid msgpack byte 0xc1 at offset {offset}"),
            CorruptReason::TooDeep => "the body nests containers deeper than 31 levels; msgpack-c (MSGPACK_EMBED_STACK_SIZE 32) cannot decode it".into(),
            CorruptReason::MultipleJsonValues { count } => format!(
                "the returned text holds {count} JSON values; Fluent Bit packs them all into one body"
            ),
            CorruptReason::WhitespaceOnlyJson => "the returned text is only whitespace; Fluent Bit then uses an uninitialized variable and may append an empty body".into(),
        }
    }
}
