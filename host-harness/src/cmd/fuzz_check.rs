//! What counts as a fuzzing failure.
//!
//! Host mode (records Fluent Bit can deliver): any trap or call failure, any drop the plugin
//! did not ask for (invalid JSON, non-object, invalid pointer), any corrupted output, and —
//! unless `--allow-drop` — even intentional drops (our plugins must never lose a record).
//! Exception: under ABI v1 + msgpack a body cut at a 0x00 byte is counted, not failed (the SDK
//! documents and wraps that case).
//!
//! Raw mode (bytes Fluent Bit never sends): only traps and call failures; dropping or echoing
//! garbage is fine.

use logward_harness::filter::{
    AbiVersion, CorruptReason, DropReason, EventFormat, FilterResult, FilterSpec, Outcome,
};
use logward_harness::fluentbit::json_round_trips;
use logward_harness::pipeline::{Fate, Trip};
use rmpv::Value;

/// A failure, with a key that identifies its kind (a shrunk input must keep the same key).
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Stable identity of the failure kind.
    pub key: String,
    /// What went wrong.
    pub description: String,
}

/// Non-failing events worth counting.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    /// Intentional drops (allowed by `--allow-drop`).
    pub intentional_drops: u64,
    /// v1 + msgpack bodies cut at 0x00.
    pub cut_at_nul: u64,
    /// JSON-mode drops of records whose Fluent Bit JSON text is not valid JSON (NaN, inf, ext,
    /// non-string keys): Fluent Bit's limitation, not the plugin's.
    pub json_unrepresentable: u64,
}

fn drop_failure(name: &str, reason: &DropReason) -> Failure {
    let text = match reason {
        DropReason::Exception { text, stale } => {
            format!(
                "{}trap: Exception: {text}",
                if *stale { "stale " } else { "" }
            )
        }
        other => other.key().to_string(),
    };
    Failure {
        key: format!("{name}:{}", reason.key()),
        description: format!("{name}: dropped the record ({text})"),
    }
}

/// Judges a host-mode trip of the record `body`.
pub fn check_trip(
    trip: &Trip,
    specs: &[FilterSpec],
    body: &Value,
    allow_drop: bool,
    tally: &mut Tally,
) -> Option<Failure> {
    let name = |i: usize| specs.get(i).map_or("?".to_string(), |s| s.name.clone());
    match &trip.fate {
        Fate::Kept(_) => None,
        Fate::Dropped { filter, reason } => {
            let json_mode = specs
                .get(*filter)
                .is_some_and(|s| s.event_format == EventFormat::Json);
            if json_mode && *reason == DropReason::InvalidJson && !json_round_trips(body) {
                tally.json_unrepresentable += 1;
                return None;
            }
            if reason.is_intentional() {
                tally.intentional_drops += 1;
                if allow_drop {
                    return None;
                }
            }
            Some(drop_failure(&name(*filter), reason))
        }
        Fate::Corrupted { filter: None, .. } => None, // generator bug guard: Fluent Bit could not deliver it
        Fate::Corrupted {
            filter: Some(i),
            reason,
        } => {
            let spec = &specs[*i];
            if matches!(reason, CorruptReason::CutAtNul { .. })
                && spec.abi == AbiVersion::V1
                && spec.event_format == EventFormat::Msgpack
            {
                tally.cut_at_nul += 1;
                return None;
            }
            Some(Failure {
                key: format!("{}:{}", spec.name, reason.key()),
                description: format!(
                    "{}: output corrupts the chunk: {}",
                    spec.name,
                    reason.explain()
                ),
            })
        }
    }
}

/// Judges a raw-mode call.
pub fn check_raw(result: &FilterResult, spec: &FilterSpec) -> Option<Failure> {
    match &result.outcome {
        Outcome::Dropped(reason) if reason.is_error() || *reason == DropReason::InvalidPointer => {
            Some(drop_failure(&spec.name, reason))
        }
        _ => None,
    }
}
