//! What Fluent Bit does with the pointer a v1 export returns.

use logward_harness::filter::{CorruptReason, DropReason, Level, Outcome};
use logward_integration::*;

#[test]
fn returning_the_input_copy_works() {
    // The host strdup()s the result before it frees its copies of tag and record.
    let mut f = start(&probe_spec(ProbeBuild::Standard, "return_input"));
    let r = run(&mut f, r#"{"msg":"hello"}"#);
    assert_eq!(kept(&r), &body(r#"{"msg":"hello"}"#));
}

#[test]
fn dangling_pointer_is_garbage_and_dropped() {
    // The String was freed before Fluent Bit read it: dlmalloc's free-list links now occupy
    // its first bytes, so what Fluent Bit reads is not the record.
    let mut f = start(&probe_spec(ProbeBuild::Standard, "dangling"));
    let input = r#"{"msg":"this text lives in a freed buffer"}"#;
    let r = run(&mut f, input);
    match &r.outcome {
        Outcome::Dropped(
            DropReason::InvalidJson | DropReason::EmptyResult { .. } | DropReason::InvalidPointer,
        ) => {}
        Outcome::Kept(v) => assert_ne!(
            v,
            &body(input),
            "a dangling pointer must not look like a working filter"
        ),
        other => panic!("unexpected outcome {other:?}"),
    }
}

#[test]
fn null_is_dropped_silently() {
    // NULL passes WAMR's string validation (address 0 holds a NUL in a Rust module), so it
    // reads as "", which JSON mode skips with only a debug line.
    let mut f = start(&probe_spec(ProbeBuild::Standard, "null"));
    let r = run(&mut f, r#"{"a":1}"#);
    assert_eq!(
        r.outcome,
        Outcome::Dropped(DropReason::EmptyResult { null_pointer: true })
    );
    assert!(
        r.diagnostics.iter().all(|d| d.level == Level::Debug),
        "{:?}",
        messages(&r)
    );
    assert!(logged(&r, "WASM function returned empty string. Skip."));
}

#[test]
fn empty_string_is_dropped_silently() {
    let mut f = start(&probe_spec(ProbeBuild::Standard, "empty"));
    let r = run(&mut f, r#"{"a":1}"#);
    assert_eq!(
        r.outcome,
        Outcome::Dropped(DropReason::EmptyResult {
            null_pointer: false
        })
    );
    assert!(r.diagnostics.iter().all(|d| d.level == Level::Debug));
}

#[test]
fn invalid_json_is_dropped_with_fluent_bits_message() {
    let mut f = start(&probe_spec(ProbeBuild::Standard, "invalid_json"));
    let r = run(&mut f, r#"{"a":1}"#);
    assert_eq!(r.outcome, Outcome::Dropped(DropReason::InvalidJson));
    assert!(
        logged(
            &r,
            "[error] [filter:wasm:wasm.0] invalid JSON format. ret: -1, buf: {not json"
        ),
        "{:?}",
        messages(&r)
    );
}

#[test]
fn json_array_is_dropped() {
    let mut f = start(&probe_spec(ProbeBuild::Standard, "json_array"));
    let r = run(&mut f, r#"{"a":1}"#);
    assert_eq!(r.outcome, Outcome::Dropped(DropReason::NotAnObject));
    assert!(logged(&r, "invalid JSON format. ret: 0, buf: [1,2,3]"));
}

#[test]
fn two_objects_corrupt_the_chunk() {
    // yyjson packs every value of the stream into the body.
    let mut f = start(&probe_spec(ProbeBuild::Standard, "two_objects"));
    let r = run(&mut f, r#"{"a":1}"#);
    assert_eq!(
        r.outcome,
        Outcome::Corrupted(CorruptReason::MultipleJsonValues { count: 2 })
    );
}

#[test]
fn trailing_text_after_an_object_is_ignored() {
    let mut f = start(&probe_spec(ProbeBuild::Standard, "trailing_garbage"));
    let r = run(&mut f, r#"{"x":0}"#);
    assert_eq!(kept(&r), &body(r#"{"a":1}"#));
}

#[test]
fn void_export_returns_its_first_argument() {
    // WAMR leaves argv[0] (the tag pointer) in place when a function returns nothing, so
    // Fluent Bit parses the tag as the result.
    let mut f = start(&probe_spec(ProbeBuild::Standard, "returns_nothing"));
    let r = run(&mut f, r#"{"a":1}"#);
    assert_eq!(r.outcome, Outcome::Dropped(DropReason::InvalidJson));
    assert!(logged(&r, "buf: app.logs"), "{:?}", messages(&r));
}
