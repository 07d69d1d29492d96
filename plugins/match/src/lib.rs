//! # logward-match
//!
//! Conditions over record fields, shared by `comply` (its mapping rules) and `alert` (Sigma
//! detections compile to them): one set of operator semantics, one evaluator.
//!
//! Compile every condition of a rule set with one [`Compiler`], build its [`FieldSet`] once,
//! then per record: `let fields = record.lookup(&set)?;` (one pass, no DOM) and
//! `condition.eval(&fields, &record)`.
//!
//! Semantics:
//! - a field that is an array matches when any element does (`elements: "all"` for every);
//! - a list of values matches when any value does (`values: "all"` for every — Sigma `|all`);
//! - `equals` compares numbers numerically (`403` matches `"403"` and `403.0`), booleans with
//!   `true`/`false` strings, and `null` matches null or an absent field;
//! - `glob` uses `*` and `?` (escape with `\`); regexes are the `regex` crate's (linear time);
//! - string operators never match null, objects or arrays of objects.
//!
//! [`FieldSet`]: logward_sdk::FieldSet

mod compile;
mod condition;
pub mod ops;

pub use compile::{CompileError, Compiler, MAX_NESTING};
pub use condition::{Condition, Quantifier};
