//! Running several plugins in one wasm call.
//!
//! Every separate `[FILTER]` costs Fluent Bit a msgpack → JSON → msgpack round trip per record;
//! a module that runs mask, comply, alert and chain in sequence pays it once. [`Stage`] is an
//! object-safe view of any [`Plugin`]; [`Stages`] runs a list of them, each on the previous
//! one's output, with each stage's own failure policy.

use crate::config::{ConfigError, ConfigSource};
use crate::plugin::{Call, Plugin, PluginError, Verdict};
use crate::record::Record;

/// A plugin seen through a trait object.
pub trait Stage {
    fn name(&self) -> &'static str;
    fn start(&mut self) -> Result<(), ConfigError>;
    fn process(&mut self, record: &mut Record<'_>, call: &Call<'_>) -> Result<Verdict, PluginError>;
    fn on_error(&mut self, record: &mut Record<'_>, call: &Call<'_>, error: &PluginError) -> Verdict;
}

impl<P: Plugin> Stage for P {
    fn name(&self) -> &'static str {
        P::NAME
    }
    fn start(&mut self) -> Result<(), ConfigError> {
        Plugin::start(self)
    }
    fn process(&mut self, record: &mut Record<'_>, call: &Call<'_>) -> Result<Verdict, PluginError> {
        Plugin::process(self, record, call)
    }
    fn on_error(&mut self, record: &mut Record<'_>, call: &Call<'_>, error: &PluginError) -> Verdict {
        Plugin::on_error(self, record, call, error)
    }
}

/// Builds one stage from its config (`None`: defaults).
pub type StageInit = fn(Option<&ConfigSource>) -> Result<Box<dyn Stage>, ConfigError>;

/// The name and constructor of plugin `P`, for a registry of available stages.
pub fn stage_of<P: Plugin>() -> (&'static str, StageInit) {
    fn init<P: Plugin>(config: Option<&ConfigSource>) -> Result<Box<dyn Stage>, ConfigError> {
        Ok(Box::new(P::init(config)?))
    }
    (P::NAME, init::<P>)
}

/// Stages run in order on each record.
#[derive(Default)]
pub struct Stages {
    stages: Vec<Box<dyn Stage>>,
    /// Two buffers reused across records: each stage reads one and writes the other.
    spare: [Vec<u8>; 2],
}

impl Stages {
    pub fn new(stages: Vec<Box<dyn Stage>>) -> Self {
        Stages { stages, spare: [Vec::new(), Vec::new()] }
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.stages.iter().map(|s| s.name()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.stages.is_empty()
    }

    /// Runs every stage's [`Plugin::start`], in order (call it from `start`, not `init`).
    pub fn start(&mut self) -> Result<(), ConfigError> {
        self.stages.iter_mut().try_for_each(|s| s.start())
    }

    /// Runs every stage. A stage's error goes to that stage's `on_error` (its edits discarded),
    /// and the next stage continues from there. A `Drop` ends the run. If anything changed, the
    /// final bytes replace the whole record.
    pub fn run(&mut self, record: &mut Record<'_>, call: &Call<'_>) -> Verdict {
        let format = record.format();
        let src = record.bytes();
        // Which bytes the next stage reads: 0 = the input, 1 = spare[0], 2 = spare[1].
        let mut cur = 0u8;
        for stage in &mut self.stages {
            let (lo, hi) = self.spare.split_at_mut(1);
            let (lo, hi) = (&mut lo[0], &mut hi[0]);
            let (input, out, next): (&[u8], &mut Vec<u8>, u8) = match cur {
                0 => (src, lo, 1),
                1 => (lo, hi, 2),
                _ => (hi, lo, 1),
            };
            let mut rec = Record::new(input, format);
            let verdict = match stage.process(&mut rec, call) {
                Ok(v) => v,
                Err(e) => {
                    rec.discard_edits();
                    stage.on_error(&mut rec, call, &e)
                }
            };
            if verdict == Verdict::Drop {
                return Verdict::Drop;
            }
            if rec.is_modified() {
                out.clear();
                // A stage whose edits cannot be written is skipped (its input goes on).
                if rec.write(out).is_ok() {
                    cur = next;
                }
            }
        }
        if cur != 0 {
            // Handed over, not copied; the buffer is allocated again by the next record.
            let result = std::mem::take(&mut self.spare[usize::from(cur - 1)]);
            record.replace_encoded(0..src.len(), result);
        }
        Verdict::Keep
    }
}
