//! Contract tests: for every edge in `shared/FLUENT-BIT-WASM.md` (and the ones found in Fluent
//! Bit 5.1.1's source), the harness must give the outcome real Fluent Bit gives. Each test runs
//! a probe export from `tests/probes` (build them with `make probes`).
//!
//! | edge | test |
//! |---|---|
//! | correct static-buffer return, `_initialize` once | `lifecycle::echo_and_initialize_once` |
//! | returning the host's input copy | `returns::returning_the_input_copy_works` |
//! | dangling pointer | `returns::dangling_pointer_is_garbage_and_dropped` |
//! | NULL / "" / invalid JSON / array / two objects / trailing text | `returns::*` |
//! | pointer outside memory, then the stale exception | `traps::invalid_pointer_poisons_the_next_call` |
//! | trap drops one record, state survives | `traps::trap_drops_one_record_and_state_survives` |
//! | missing export, void export | `traps::missing_export_drops_every_record`, `returns::void_export_returns_its_first_argument` |
//! | deep recursion vs Wasm_Stack_Size | `memory::deep_recursion_and_stack_size` |
//! | 1 MB record with and without malloc/free | `memory::*` |
//! | msgpack output containing 0x00 | `data::msgpack_nul_cuts_the_body` |
//! | JSON input NUL-terminated, non-ASCII escaped; time and tag | `data::*` |
//! | v2: slice of input, 0 drops, binary-safe | `abi_v2::*` |
//! | `_initialize` failure, bad Accessible_Paths, SIMD module | `lifecycle::*` |
//! | Accessible_Paths preopen names | `lifecycle::accessible_paths_are_preopened_under_their_own_names` |
//! | config file → pipeline with Match / Match_Regex | `config::*` |

mod contract {
    pub mod abi_v2;
    pub mod config;
    pub mod data;
    pub mod lifecycle;
    pub mod memory;
    pub mod returns;
    pub mod traps;
}
