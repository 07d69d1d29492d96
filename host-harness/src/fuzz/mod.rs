//! Input generation for `logward fuzz`: a seeded PRNG, generators of records Fluent Bit can
//! carry and of raw byte strings it never sends, mutations of corpus lines, and shrinking of
//! failing inputs.

pub mod generate;
pub mod minimize;
pub mod mutate;
pub mod raw;
pub mod rng;

pub use rng::Rng;
