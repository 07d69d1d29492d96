//! Traps, invalid results and the exception WAMR keeps between calls.

use logward_harness::filter::{DropReason, Outcome};
use logward_integration::*;

#[test]
fn trap_drops_one_record_and_state_survives() {
    let mut f = start(&probe_spec(ProbeBuild::Standard, "counter"));
    assert_eq!(int(kept(&run(&mut f, r#"{"n":1}"#)), "count"), 1);
    let r = run(&mut f, r#"{"trap":true}"#);
    assert_eq!(
        r.outcome,
        Outcome::Dropped(DropReason::Exception {
            text: "unreachable".into(),
            stale: false
        })
    );
    assert!(
        logged(
            &r,
            "[error] Got exception running wasm code: Exception: unreachable"
        ),
        "{:?}",
        messages(&r)
    );
    // The trapped call had already counted: statics persist across records and traps.
    assert_eq!(int(kept(&run(&mut f, r#"{"n":3}"#)), "count"), 3);
}

#[test]
fn invalid_pointer_poisons_the_next_call() {
    // wasm_runtime_validate_app_str_addr sets "out of bounds memory access" and Fluent Bit
    // never clears it, so the NEXT call fails with that text although the guest ran fine.
    let mut f = start(&probe_spec(ProbeBuild::Standard, "counter"));
    let r = run(&mut f, r#"{"bad_ptr":true}"#);
    assert_eq!(r.outcome, Outcome::Dropped(DropReason::InvalidPointer));
    assert!(
        logged(&r, "[ warn] [wasm] returned value is invalid"),
        "{:?}",
        messages(&r)
    );
    let r = run(&mut f, r#"{"n":2}"#);
    assert_eq!(
        r.outcome,
        Outcome::Dropped(DropReason::Exception {
            text: "out of bounds memory access".into(),
            stale: true
        })
    );
    assert!(logged(
        &r,
        "Got exception running wasm code: Exception: out of bounds memory access"
    ));
    // Fluent Bit cleared it after printing; the guest's counter saw all three calls.
    assert_eq!(int(kept(&run(&mut f, r#"{"n":3}"#)), "count"), 3);
}

#[test]
fn pointer_outside_memory_is_invalid() {
    let mut f = start(&probe_spec(ProbeBuild::Standard, "out_of_range"));
    let r = run(&mut f, r#"{"a":1}"#);
    assert_eq!(r.outcome, Outcome::Dropped(DropReason::InvalidPointer));
}

#[test]
fn missing_export_drops_every_record() {
    // Fluent Bit starts anyway and looks the function up for every record.
    let mut f = start(&probe_spec(ProbeBuild::Standard, "no_such_function"));
    assert!(
        f.setup_notes()
            .iter()
            .any(|n| n.message.contains("no_such_function"))
    );
    for _ in 0..2 {
        let r = run(&mut f, r#"{"a":1}"#);
        assert_eq!(r.outcome, Outcome::Dropped(DropReason::FunctionNotFound));
        assert!(logged(
            &r,
            "[error] The no_such_function wasm function is not found."
        ));
    }
}
