//! Fluent Bit configuration files, classic (`.conf`) and YAML, reduced to what logward
//! emulates: the wasm filters (and wasm processors of the chosen input), in pipeline order.
//! Everything else is reported, never silently faked.

pub mod classic;
pub mod env;
pub mod model;
pub mod wasm_props;
pub mod yaml;

pub use model::{LoadOptions, LoadedConfig, load_config};
