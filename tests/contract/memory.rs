//! Where the record copy goes (module malloc vs WAMR's app heap) and the WAMR stack.

use logward_harness::filter::{DropReason, Outcome};
use logward_integration::*;

fn big_record(bytes: usize) -> String {
    format!(r#"{{"blob":"{}"}}"#, "x".repeat(bytes))
}

#[test]
fn one_megabyte_record_with_malloc_export_arrives() {
    let mut f = start(&probe_spec(ProbeBuild::Standard, "report"));
    assert!(f.uses_module_malloc());
    let record = big_record(1 << 20);
    let r = run(&mut f, &record);
    let report = kept(&r);
    assert_ne!(int(report, "rec_ptr"), 0);
    assert_eq!(int(report, "rec_len"), record.len() as i64);
    assert_eq!(int(report, "rec_nul"), 0);
}

#[test]
fn one_megabyte_echo_round_trips_with_malloc_export() {
    let mut f = start(&probe_spec(ProbeBuild::Standard, "echo"));
    let record = big_record(1 << 20);
    assert_eq!(kept(&run(&mut f, &record)), &body(&record));
}

#[test]
fn without_malloc_export_a_large_record_arrives_as_pointer_zero() {
    // WAMR's app heap (64,512 usable bytes for this module at the default Wasm_Heap_Size)
    // cannot hold 1 MB: the guest is called with record = 0 and the full length.
    let mut f = start(&probe_spec(ProbeBuild::NoMalloc, "report"));
    assert!(!f.uses_module_malloc());
    let record = big_record(1 << 20);
    let r = run(&mut f, &record);
    let report = kept(&r);
    assert_eq!(int(report, "rec_ptr"), 0, "{report:?}");
    assert_eq!(int(report, "rec_len"), record.len() as i64);
    assert_ne!(int(report, "tag_ptr"), 0, "the small tag still fits");
    assert!(logged(
        &r,
        &format!("warning: allocate {} bytes memory failed", record.len() + 1)
    ));
}

#[test]
fn without_malloc_export_a_small_record_uses_the_app_heap() {
    let mut f = start(&probe_spec(ProbeBuild::NoMalloc, "report"));
    let r = run(&mut f, r#"{"small":true}"#);
    let report = kept(&r);
    assert_ne!(int(report, "rec_ptr"), 0);
    assert_eq!(int(report, "rec_nul"), 0);
    // Copies are freed after each call: the heap does not fill up over many records.
    for _ in 0..200 {
        let r = run(&mut f, &big_record(30_000));
        assert_ne!(int(kept(&r), "rec_ptr"), 0);
    }
}

#[test]
fn deep_recursion_and_stack_size() {
    let deep = r#"{"depth":2000}"#;
    let model_is_real = logward_harness::wasm::stack_model::model_available(
        &std::fs::read(probe_path(ProbeBuild::Standard)).unwrap(),
    );
    let mut default_stack = start(&probe_spec(ProbeBuild::Standard, "recurse"));
    if !model_is_real {
        // Placeholder logward-wamr-model: the harness must say it cannot emulate the stack,
        // and must not invent an overflow.
        assert!(!default_stack.has_stack_model());
        assert_eq!(int(kept(&run(&mut default_stack, deep)), "depth"), 2000);
        eprintln!(
            "note: logward-wamr-model is a placeholder; Wasm_Stack_Size overflow is not asserted"
        );
        return;
    }
    assert!(default_stack.has_stack_model());
    let r = run(&mut default_stack, deep);
    assert_eq!(r.outcome, Outcome::Dropped(DropReason::StackOverflow));
    assert!(logged(
        &r,
        "Got exception running wasm code: Exception: wasm operand stack overflow"
    ));
    // The instance survives the overflow.
    assert_eq!(
        int(kept(&run(&mut default_stack, r#"{"depth":3}"#)), "depth"),
        3
    );
    let mut spec = probe_spec(ProbeBuild::Standard, "recurse");
    spec.stack_size = 4 * 1024 * 1024;
    let mut big_stack = start(&spec);
    assert_eq!(int(kept(&run(&mut big_stack, deep)), "depth"), 2000);
}
