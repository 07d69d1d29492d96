//! Fluent Bit configuration files driving the pipeline.

use logward_harness::config::{LoadOptions, load_config};
use logward_harness::pipeline::{Fate, Pipeline, Record};
use logward_harness::wasm::GuestOutput;
use logward_integration::*;

fn options(dir: &std::path::Path, tag: Option<&str>) -> LoadOptions {
    LoadOptions {
        working_dir: dir.to_path_buf(),
        tag: tag.map(str::to_string),
        stack_model: true,
        fuel_limit: 1_000_000_000,
    }
}

#[test]
fn classic_config_with_match_rules() {
    let dir = temp_dir("classic");
    let probe = probe_path(ProbeBuild::Standard).display().to_string();
    let conf = dir.join("fluent-bit.conf");
    std::fs::write(
        &conf,
        format!(
            "[INPUT]\n    Name tail\n    Tag  app.logs\n\n[FILTER]\n    Name grep\n    Match *\n    Regex log x\n\n\
             [FILTER]\n    Name          wasm\n    Match         app.*\n    WASM_Path     {probe}\n    Function_Name counter\n\n\
             [FILTER]\n    Name          wasm\n    Match_Regex   ^audit\n    WASM_Path     {probe}\n    Function_Name null\n    Wasm_Stack_Size 64K\n"
        ),
    )
    .unwrap();
    let loaded = load_config(&conf, &options(&dir, None)).unwrap();
    assert_eq!(loaded.input_tag.as_deref(), Some("app.logs"));
    assert!(
        loaded
            .notes
            .iter()
            .any(|n| n.contains("filter 'grep' is not emulated")),
        "{:?}",
        loaded.notes
    );
    let names: Vec<_> = loaded.filters.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["wasm.1", "wasm.2"]);
    assert_eq!(loaded.filters[1].stack_size, 64_000);

    let mut pipeline = Pipeline::start(&loaded.filters, &GuestOutput::capturing()).unwrap();
    let app = pipeline.run(Record {
        tag: "app.logs".into(),
        time: T,
        body: body("{}"),
    });
    let Fate::Kept(out) = app.fate else {
        panic!("{:?}", app.fate)
    };
    assert_eq!(int(&out.body, "count"), 1);
    // audit.* matches only the second (dropping) filter.
    let audit = pipeline.run(Record {
        tag: "audit.k8s".into(),
        time: T,
        body: body("{}"),
    });
    assert!(
        matches!(audit.fate, Fate::Dropped { filter: 1, .. }),
        "{:?}",
        audit.fate
    );
    // Neither matches: the record passes untouched.
    let other = pipeline.run(Record {
        tag: "other".into(),
        time: T,
        body: body(r#"{"z":1}"#),
    });
    assert_eq!(
        other.fate,
        Fate::Kept(Record {
            tag: "other".into(),
            time: T,
            body: body(r#"{"z":1}"#)
        })
    );
}

#[test]
fn yaml_processors_run_before_filters() {
    let dir = temp_dir("yaml");
    let probe = probe_path(ProbeBuild::Standard).display().to_string();
    let conf = dir.join("fluent-bit.yaml");
    std::fs::write(
        &conf,
        format!(
            "pipeline:\n  inputs:\n    - name: tail\n      tag: app.logs\n      processors:\n        logs:\n          - name: wasm\n            wasm_path: {probe}\n            function_name: counter\n  filters:\n    - name: wasm\n      match: '*'\n      wasm_path: {probe}\n      function_name: report\n"
        ),
    )
    .unwrap();
    let loaded = load_config(&conf, &options(&dir, Some("app.logs"))).unwrap();
    assert_eq!(loaded.filters.len(), 2);
    assert!(
        loaded.filters[0].matcher.is_none(),
        "processors see every record of their input"
    );
    let mut pipeline = Pipeline::start(&loaded.filters, &GuestOutput::capturing()).unwrap();
    let trip = pipeline.run(Record {
        tag: "app.logs".into(),
        time: T,
        body: body("{}"),
    });
    let Fate::Kept(out) = trip.fate else { panic!() };
    // The report filter saw the processor's output.
    assert_eq!(
        field(&out.body, "rec_head").as_str(),
        Some(r#"{"count":1}"#)
    );
}

#[test]
fn unknown_property_refuses_to_start() {
    let dir = temp_dir("unknown");
    let conf = dir.join("bad.conf");
    std::fs::write(&conf, "[FILTER]\n    Name wasm\n    Match *\n    WASM_Path x.wasm\n    Function_Name f\n    Wasm_Heap 1M\n").unwrap();
    let err = load_config(&conf, &options(&dir, None))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unknown configuration property 'Wasm_Heap'"),
        "{err}"
    );
}

#[test]
fn filter_without_match_is_unloaded() {
    let dir = temp_dir("nomatch");
    let probe = probe_path(ProbeBuild::Standard).display().to_string();
    let conf = dir.join("a.conf");
    std::fs::write(
        &conf,
        format!("[FILTER]\n    Name wasm\n    WASM_Path {probe}\n    Function_Name echo\n\n[FILTER]\n    Name wasm\n    Match *\n    WASM_Path {probe}\n    Function_Name echo\n"),
    )
    .unwrap();
    let loaded = load_config(&conf, &options(&dir, None)).unwrap();
    assert_eq!(loaded.filters.len(), 1);
    assert!(
        loaded
            .notes
            .iter()
            .any(|n| n.contains("NO match rule for wasm.0 filter instance, unloading."))
    );
}
