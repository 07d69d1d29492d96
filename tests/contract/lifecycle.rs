//! Start-up: instantiation, `_initialize`, WASI preopens, load failures.

use logward_harness::filter::FilterSpec;
use logward_harness::pipeline::Pipeline;
use logward_harness::wasm::GuestOutput;
use logward_integration::*;

#[test]
fn echo_and_initialize_once() {
    let mut f = start(&probe_spec(ProbeBuild::Standard, "init_calls"));
    for _ in 0..3 {
        assert_eq!(int(kept(&run(&mut f, r#"{"a":1}"#)), "init_calls"), 1);
    }
    let mut echo = start(&probe_spec(ProbeBuild::Standard, "echo"));
    assert_eq!(
        kept(&run(&mut echo, r#"{"a":[1,2.5,"x",null,true]}"#)),
        &body(r#"{"a":[1,2.5,"x",null,true]}"#)
    );
}

#[test]
fn two_filter_instances_have_separate_state() {
    let mut a = start(&probe_spec(ProbeBuild::Standard, "counter"));
    let mut b = start(&probe_spec(ProbeBuild::Standard, "counter"));
    run(&mut a, "{}");
    run(&mut a, "{}");
    assert_eq!(int(kept(&run(&mut b, "{}")), "count"), 1);
}

#[test]
fn initialize_trap_stops_start_with_the_guest_message() {
    let err = start_err(&probe_spec(ProbeBuild::InitFail, "echo"));
    let text = err.to_string();
    assert!(
        text.contains("Instantiate wasm module failed. error: WASM module instantiate failed: Exception: unreachable"),
        "{text}"
    );
    assert!(
        text.contains("[filter:wasm:wasm.0] failed to instantiate wasm program"),
        "{text}"
    );
    assert!(text.contains("Failed initialize filter wasm.0"), "{text}");
    assert!(
        text.contains("logward-probe: configuration invalid: refusing to start"),
        "the guest's stderr: {text}"
    );
    // The pipeline refuses to start as a whole.
    let ok = probe_spec(ProbeBuild::Standard, "echo");
    assert!(
        Pipeline::start(
            &[ok, probe_spec(ProbeBuild::InitFail, "echo")],
            &GuestOutput::capturing()
        )
        .is_err()
    );
}

#[test]
fn accessible_paths_are_preopened_under_their_own_names() {
    let dir = temp_dir("preopen");
    std::fs::create_dir_all(dir.join("conf")).unwrap();
    std::fs::write(dir.join("conf/rules.txt"), "secret-rule").unwrap();

    // An absolute entry: the guest opens it by the same absolute name.
    let abs = dir.join("conf").display().to_string();
    let mut spec = probe_spec(ProbeBuild::Standard, "read_file");
    spec.accessible_paths = vec![abs.clone()];
    let mut f = start(&spec);
    let r = run(&mut f, &format!(r#"{{"path":"{abs}/rules.txt"}}"#));
    assert_eq!(field(kept(&r), "content").as_str(), Some("secret-rule"));

    // A relative entry resolves against Fluent Bit's working directory and keeps its name.
    let mut spec = probe_spec(ProbeBuild::Standard, "read_file");
    spec.working_dir = dir.clone();
    spec.accessible_paths = vec!["conf".into()];
    let mut f = start(&spec);
    let r = run(&mut f, r#"{"path":"conf/rules.txt"}"#);
    assert_eq!(field(kept(&r), "content").as_str(), Some("secret-rule"));
    // Nothing outside the preopens is reachable.
    let r = run(&mut f, r#"{"path":"/etc/hostname"}"#);
    assert!(field(kept(&r), "error").as_str().is_some());
}

#[test]
fn default_accessible_path_is_the_working_directory() {
    let dir = temp_dir("dot");
    std::fs::write(dir.join("here.txt"), "dot works").unwrap();
    let mut spec = probe_spec(ProbeBuild::Standard, "read_file");
    spec.working_dir = dir;
    assert_eq!(spec.accessible_paths, vec![".".to_string()]);
    let mut f = start(&spec);
    let r = run(&mut f, r#"{"path":"here.txt"}"#);
    assert_eq!(field(kept(&r), "content").as_str(), Some("dot works"));
}

#[test]
fn nonexistent_accessible_path_fails_at_start() {
    let mut spec = probe_spec(ProbeBuild::Standard, "echo");
    spec.accessible_paths = vec![".".into(), "/nonexistent/logward".into()];
    let text = start_err(&spec).to_string();
    assert!(
        text.contains("Instantiate wasm module failed. error: error while pre-opening directory /nonexistent/logward: 2"),
        "{text}"
    );
}

#[test]
fn missing_module_file_fails_at_start() {
    let mut spec = FilterSpec::new("no/such/module.wasm", "filter");
    spec.working_dir = workspace_root();
    let text = start_err(&spec).to_string();
    assert!(
        text.contains("[filter:wasm:wasm.0] cannot access wasm program at no/such/module.wasm"),
        "{text}"
    );
}

#[test]
fn simd_module_fails_to_load() {
    // (module (func (result v128) v128.const i32x4 0 0 0 0)): WAMR in Fluent Bit has no SIMD.
    let mut module =
        b"\0asm\x01\0\0\0\x01\x05\x01\x60\x00\x01\x7b\x03\x02\x01\x00\x0a\x16\x01\x14\x00\xfd\x0c"
            .to_vec();
    module.extend_from_slice(&[0u8; 16]);
    module.push(0x0b);
    let dir = temp_dir("simd");
    let path = dir.join("simd.wasm");
    std::fs::write(&path, module).unwrap();
    let mut spec = FilterSpec::new(&path, "filter");
    spec.working_dir = dir;
    let text = start_err(&spec).to_string();
    assert!(text.contains("Load wasm module failed. error:"), "{text}");
    assert!(text.to_lowercase().contains("simd"), "{text}");
}

#[test]
fn not_wasm_at_all_fails_like_fluent_bit() {
    let dir = temp_dir("notwasm");
    std::fs::write(dir.join("x.wasm"), b"hello").unwrap();
    let mut spec = FilterSpec::new("x.wasm", "filter");
    spec.working_dir = dir;
    let text = start_err(&spec).to_string();
    assert!(
        text.contains("WASM bytecode or AOT object is expected but other file format"),
        "{text}"
    );
}
