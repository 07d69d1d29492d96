//! Operators, one concern per file.

pub mod cidr;
pub mod glob;
pub mod text;
