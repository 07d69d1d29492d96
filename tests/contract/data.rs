//! What the guest receives and what survives: JSON text, msgpack bytes, time and tag.

use logward_harness::filter::{CorruptReason, Outcome};
use logward_harness::pipeline::{Fate, Pipeline, Record};
use logward_harness::wasm::GuestOutput;
use logward_integration::*;
use rmpv::Value;

#[test]
fn json_input_is_nul_terminated_and_ascii_only() {
    let mut f = start(&probe_spec(ProbeBuild::Standard, "report"));
    let r = run(&mut f, r#"{"msg":"héllo 😀","n":1.0}"#);
    let report = kept(&r);
    assert_eq!(
        int(report, "rec_nul"),
        0,
        "JSON mode adds a NUL after the record (not counted in the length)"
    );
    assert_eq!(
        int(report, "high_bytes"),
        0,
        "non-ASCII reaches the guest as \\uXXXX escapes"
    );
    assert_eq!(int(report, "tag_nul"), 0);
    assert_eq!(
        field(report, "rec_head").as_str(),
        Some(r#"{"msg":"h\u00e9llo \ud83d\ude00","n":1.0}"#)
    );
    assert_eq!(
        int(report, "rec_len"),
        r#"{"msg":"h\u00e9llo \ud83d\ude00","n":1.0}"#.len() as i64
    );
}

#[test]
fn guest_sees_the_record_time_and_tag() {
    let mut f = start(&probe_spec(ProbeBuild::Standard, "report"));
    let r = f.process("kube.var.log", T, &body(r#"{"a":1}"#));
    let report = kept(&r);
    assert_eq!(field(report, "tag").as_str(), Some("kube.var.log"));
    assert_eq!(int(report, "tag_len"), 12);
    assert_eq!(int(report, "sec"), T.sec);
    assert_eq!(int(report, "nsec"), i64::from(T.nsec));
}

#[test]
fn time_and_tag_are_unchanged_by_the_filter() {
    let spec = probe_spec(ProbeBuild::Standard, "report");
    let mut pipeline = Pipeline::start(&[spec], &GuestOutput::capturing()).unwrap();
    let trip = pipeline.run(Record {
        tag: "app.logs".into(),
        time: T,
        body: body(r#"{"a":1}"#),
    });
    let Fate::Kept(out) = trip.fate else {
        panic!("{:?}", trip.fate)
    };
    assert_eq!(out.tag, "app.logs");
    assert_eq!(out.time, T);
    assert_ne!(
        out.body,
        body(r#"{"a":1}"#),
        "the body is the guest's output"
    );
}

#[test]
fn msgpack_input_is_the_exact_bytes() {
    let mut f = start(&msgpack_spec(ProbeBuild::Standard, "report_msgpack"));
    let record = body(r#"{"k":"v","n":[1,-2,3.5]}"#);
    let r = f.process("app.logs", T, &record);
    let report = body(field(kept(&r), "report").as_str().expect("report string"));
    let mut expected = Vec::new();
    rmpv::encode::write_value(&mut expected, &record).unwrap();
    assert_eq!(
        int(&report, "rec_len"),
        expected.len() as i64,
        "no NUL is added in msgpack mode"
    );
    assert_eq!(
        int(&report, "tag_nul"),
        0,
        "the tag is still NUL-terminated"
    );
    // The probe escapes each byte as one character: map them back to bytes.
    let head: Vec<u8> = field(&report, "rec_head")
        .as_str()
        .unwrap()
        .chars()
        .map(|c| c as u32 as u8)
        .collect();
    assert_eq!(
        head, expected,
        "the guest receives msgpack_pack_object's exact bytes"
    );
}

#[test]
fn msgpack_nul_cuts_the_body() {
    // {"a": 0} ends in 0x00: Fluent Bit takes strlen() of the result and appends 3 bytes of
    // an unfinished map to the chunk.
    let mut f = start(&msgpack_spec(ProbeBuild::Standard, "msgpack_with_nul"));
    let r = run(&mut f, r#"{"a":1}"#);
    assert_eq!(
        r.outcome,
        Outcome::Corrupted(CorruptReason::CutAtNul { kept: 3 })
    );
    assert!(logged(&r, "0x00"), "{:?}", messages(&r));
    let mut ok = start(&msgpack_spec(ProbeBuild::Standard, "msgpack_without_nul"));
    assert_eq!(
        kept(&run(&mut ok, r#"{"a":0}"#)),
        &Value::Map(vec![(Value::from("a"), Value::from(1))])
    );
}

#[test]
fn msgpack_null_or_empty_result_corrupts() {
    // In msgpack mode an empty result is NOT skipped: an empty body is appended.
    let mut f = start(&msgpack_spec(ProbeBuild::Standard, "null"));
    assert_eq!(
        run(&mut f, r#"{"a":1}"#).outcome,
        Outcome::Corrupted(CorruptReason::EmptyBody)
    );
}

#[test]
fn records_nested_beyond_msgpack_c_limits_never_reach_the_filter() {
    let spec = probe_spec(ProbeBuild::Standard, "echo");
    let mut pipeline = Pipeline::start(&[spec], &GuestOutput::capturing()).unwrap();
    let deep = format!("{}1{}", r#"{"a":"#.repeat(32), "}".repeat(32));
    let trip = pipeline.run(Record {
        tag: "t".into(),
        time: T,
        body: body(&deep),
    });
    assert_eq!(
        trip.fate,
        Fate::Corrupted {
            filter: None,
            reason: CorruptReason::TooDeep
        }
    );
    let ok = format!("{}1{}", r#"{"a":"#.repeat(31), "}".repeat(31));
    assert!(matches!(
        pipeline
            .run(Record {
                tag: "t".into(),
                time: T,
                body: body(&ok)
            })
            .fate,
        Fate::Kept(_)
    ));
}
