//! A chain of wasm filters applied to records in order, as Fluent Bit applies an input's
//! processors and then every `[FILTER]` whose `Match` accepts the record's tag.
//!
//! Differences from Fluent Bit that are deliberate: records are processed one at a time, so a
//! corrupted record costs only itself (in Fluent Bit the rest of its chunk is lost too, and
//! chunk boundaries depend on the input plugin); it is counted and reported instead.

use rmpv::Value;

use crate::filter::{
    CorruptReason, Diagnostic, DropReason, FilterResult, FilterSpec, Outcome, WasmFilter,
};
use crate::fluentbit::FlbTime;
use crate::fluentbit::body_check::{MAX_BODY_DEPTH, container_depth};
use crate::wasm::{GuestOutput, SetupError};

/// One record: tag, timestamp and body (the msgpack map Fluent Bit holds).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The tag it travels with.
    pub tag: String,
    /// Its timestamp.
    pub time: FlbTime,
    /// Its body.
    pub body: Value,
}

/// Where a record ended up.
#[derive(Debug, Clone, PartialEq)]
pub enum Fate {
    /// It came out of the chain with this body (tag and time unchanged).
    Kept(Record),
    /// A filter dropped it.
    Dropped {
        /// Index of the filter in the chain.
        filter: usize,
        /// Why.
        reason: DropReason,
    },
    /// A filter (or, with `filter` = `None`, the input itself) produced bytes that corrupt
    /// the chunk.
    Corrupted {
        /// Index of the filter in the chain; `None` when the input record itself cannot be
        /// decoded by Fluent Bit.
        filter: Option<usize>,
        /// Why.
        reason: CorruptReason,
    },
}

/// A record's trip through the chain.
#[derive(Debug, Clone)]
pub struct Trip {
    /// The result.
    pub fate: Fate,
    /// Fluent Bit's log lines (and logward's notes), in order.
    pub diagnostics: Vec<Diagnostic>,
    /// Every filter that ran, in order.
    pub steps: Vec<Step>,
}

/// One filter's part in a trip.
#[derive(Debug, Clone)]
pub struct Step {
    /// Index of the filter in the chain.
    pub filter: usize,
    /// Its result (diagnostics moved to [`Trip::diagnostics`]).
    pub result: FilterResult,
    /// Wall time of the call, host work included.
    pub elapsed: std::time::Duration,
}

/// An ordered chain of started filters.
pub struct Pipeline {
    filters: Vec<WasmFilter>,
}

impl Pipeline {
    /// Starts every filter in order; the first failure stops everything, as in Fluent Bit.
    pub fn start(specs: &[FilterSpec], guest_output: &GuestOutput) -> Result<Self, SetupError> {
        let mut filters = Vec::with_capacity(specs.len());
        for spec in specs {
            filters.push(WasmFilter::new(spec, guest_output)?);
        }
        Ok(Pipeline { filters })
    }

    /// The started filters.
    pub fn filters(&self) -> &[WasmFilter] {
        &self.filters
    }

    /// Mutable access to the filters (bench and fuzz drive them one by one).
    pub fn filters_mut(&mut self) -> &mut [WasmFilter] {
        &mut self.filters
    }

    /// Runs one record through every matching filter.
    pub fn run(&mut self, record: Record) -> Trip {
        let mut diagnostics = Vec::new();
        let mut steps = Vec::new();
        if container_depth(&record.body) > MAX_BODY_DEPTH {
            return Trip {
                fate: Fate::Corrupted {
                    filter: None,
                    reason: CorruptReason::TooDeep,
                },
                diagnostics,
                steps,
            };
        }
        let Record {
            tag,
            time,
            mut body,
        } = record;
        for (index, filter) in self.filters.iter_mut().enumerate() {
            if !filter.matches(&tag) {
                continue;
            }
            let started = std::time::Instant::now();
            let mut result = filter.process(&tag, time, &body);
            let elapsed = started.elapsed();
            diagnostics.append(&mut result.diagnostics);
            let outcome = result.outcome.clone();
            steps.push(Step {
                filter: index,
                result,
                elapsed,
            });
            match outcome {
                Outcome::Kept(new_body) => body = new_body,
                Outcome::Dropped(reason) => {
                    return Trip {
                        fate: Fate::Dropped {
                            filter: index,
                            reason,
                        },
                        diagnostics,
                        steps,
                    };
                }
                Outcome::Corrupted(reason) => {
                    return Trip {
                        fate: Fate::Corrupted {
                            filter: Some(index),
                            reason,
                        },
                        diagnostics,
                        steps,
                    };
                }
            }
        }
        Trip {
            fate: Fate::Kept(Record { tag, time, body }),
            diagnostics,
            steps,
        }
    }
}
