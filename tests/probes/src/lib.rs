//! Probe modules for the logward contract tests.
//!
//! Every export has Fluent Bit's filter signature
//! `(tag, tag_len, time_sec, time_nsec, record, record_len)`; the test picks one with
//! `Function_Name`. Each probe does one deliberately simple (often deliberately wrong) thing so
//! that a test can check the harness gives the outcome Fluent Bit 5.1.1 gives. The crate uses
//! `unsafe` freely: it talks to the host through raw pointers, which is the point.
//!
//! v1 exports return an i32 pointer to a NUL-terminated string; `v2_*` exports return
//! `(len << 32) | ptr`.

#![allow(clippy::missing_safety_doc)]

mod buffer;
mod json;
mod probes_v1;
mod probes_v2;
mod report;

#[cfg(feature = "init-fail")]
mod init_fail;
#[cfg(not(feature = "init-fail"))]
mod init_ok;
