//! The `logward` subcommands, one file each.

pub mod bench;
pub mod bench_report;
pub mod fuzz;
pub mod fuzz_check;
pub mod keygen;
pub mod messages;
pub mod pipeline_args;
pub mod replay;
pub mod rules;
pub mod report;
pub mod summary;
pub mod verify;

/// Exit status when a run finished but found problems (`--fail-on-drop`, fuzz failures).
pub const EXIT_FINDINGS: i32 = 1;
/// Exit status for subcommands that are not implemented yet (and clap usage errors).
pub const EXIT_USAGE: i32 = 2;
/// Exit status when the pipeline cannot start (bad config, module load failure, `_initialize`
/// trap — where Fluent Bit refuses to start) or input/output fails.
pub const EXIT_SETUP: i32 = 3;
