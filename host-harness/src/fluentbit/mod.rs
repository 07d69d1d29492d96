//! Fluent Bit 5.1.1's own data handling, re-implemented byte for byte where a plugin can see the
//! difference: how records are turned into the JSON text a wasm filter receives, how the text it
//! returns is parsed back, how msgpack bodies are decoded, how tags are matched and how sizes in
//! configuration files are read.
//!
//! Every function here names the Fluent Bit (or bundled library) function it emulates, so a
//! reviewer can compare the two side by side.

pub mod body_check;
pub mod cfloat;
pub mod escape;
pub mod json_in;
pub mod json_out;
pub mod matcher;
pub mod size;
pub mod time;

pub use body_check::{DecodeLimit, MsgpackScan, scan_msgpack_object};
pub use json_in::{JsonParseError, parse_json_stream};
pub use json_out::{json_round_trips, msgpack_to_json};
pub use matcher::TagMatcher;
pub use size::size_to_bytes;
pub use time::FlbTime;
