//! logward's ABI v2 (`(len << 32) | ptr`); and a v2 export run under Fluent Bit 5.1.1's v1.

use logward_harness::filter::{AbiVersion, DropReason, Outcome};
use logward_integration::*;
use rmpv::Value;

fn v2(function: &str) -> logward_harness::FilterSpec {
    let mut spec = probe_spec(ProbeBuild::Standard, function);
    spec.abi = AbiVersion::V2;
    spec
}

#[test]
fn v2_echo_round_trips() {
    let mut f = start(&v2("v2_echo"));
    assert_eq!(kept(&run(&mut f, r#"{"a":"b"}"#)), &body(r#"{"a":"b"}"#));
}

#[test]
fn v2_zero_drops() {
    let mut f = start(&v2("v2_zero"));
    assert_eq!(
        run(&mut f, r#"{"a":1}"#).outcome,
        Outcome::Dropped(DropReason::V2Zero)
    );
}

#[test]
fn v2_may_return_a_slice_of_its_input() {
    let mut f = start(&v2("v2_slice"));
    assert_eq!(
        kept(&run(&mut f, r#"{"keep":{"a":1},"x":2}"#)),
        &body(r#"{"a":1}"#)
    );
}

#[test]
fn v2_is_binary_safe_in_msgpack_mode() {
    let mut spec = msgpack_spec(ProbeBuild::Standard, "v2_msgpack_with_nul");
    spec.abi = AbiVersion::V2;
    let mut f = start(&spec);
    assert_eq!(
        kept(&run(&mut f, r#"{"a":1}"#)),
        &Value::Map(vec![(Value::from("a"), Value::from(0))])
    );
}

#[test]
fn v2_needs_an_i64_export() {
    let err = start_err(&v2("echo"));
    assert!(
        err.to_string().contains("needs 'echo' to return i64"),
        "{err}"
    );
}

#[test]
fn v2_export_under_v1_reads_the_low_half_as_a_c_string() {
    // Fluent Bit 5.1.1 knows only v1: it takes the low 32 bits (the pointer) and strlen()s.
    let mut f = start(&probe_spec(ProbeBuild::Standard, "v2_echo"));
    assert!(
        f.setup_notes()
            .iter()
            .any(|n| n.message.contains("low 32 bits"))
    );
    assert_eq!(kept(&run(&mut f, r#"{"a":"b"}"#)), &body(r#"{"a":"b"}"#));
}
