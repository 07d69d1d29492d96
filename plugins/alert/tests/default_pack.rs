//! The embedded default pack (`default-rules.json`) is exactly what `rules/` compiles to.
//! `UPDATE_GOLDEN=1 cargo test -p logward-alert --test default_pack` rewrites it.

use std::path::PathBuf;

use logward_alert::compiler::{collect_files, compile, read_sources, Options};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn embedded_pack_is_compiled_from_rules() {
    let files = collect_files(&[crate_dir().join("rules")]).unwrap();
    // Paths relative to the crate, so `source` fields do not depend on the checkout location.
    let relative: Vec<PathBuf> = files.iter().map(|f| f.strip_prefix(crate_dir()).unwrap().to_path_buf()).collect();
    std::env::set_current_dir(crate_dir()).unwrap();
    let sources = read_sources(&relative).unwrap_or_else(|e| panic!("{}", e[0]));
    let bundle = compile(&sources, &Options::default()).unwrap_or_else(|errors| {
        panic!("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
    });
    let json = bundle.to_json();
    let path = crate_dir().join("default-rules.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &json).unwrap();
        eprintln!("wrote {}", path.display());
        return;
    }
    let embedded = std::fs::read_to_string(&path).unwrap();
    assert!(
        embedded == json && embedded == logward_alert::DEFAULT_RULES,
        "default-rules.json is out of date with rules/: run UPDATE_GOLDEN=1 cargo test -p logward-alert --test default_pack"
    );
}

#[test]
fn readme_lists_every_rule_and_placeholder() {
    let readme = std::fs::read_to_string(crate_dir().join("README.md")).unwrap();
    let pack = logward_alert::default_bundle().unwrap();
    for r in &pack.rules {
        assert!(readme.contains(&format!("| `{}` |", r.id)), "README.md does not list rule {}", r.id);
    }
    for name in pack.placeholders.keys() {
        assert!(readme.contains(&format!("| `{name}` |")), "README.md does not list placeholder {name}");
    }
}

#[test]
fn rules_can_be_read_from_a_config_with_settings() {
    let text = r#"{"include_default": false, "output": {"min_level": "high"},
                   "rules": [{"id": "r", "title": "t", "condition": {"field": "a", "exists": true}}]}"#;
    let rules = logward_alert::bundle::rules_in(text).unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].condition_value(), Some(serde_json::json!({"field": "a", "exists": true})));
    assert_eq!(logward_alert::bundle::rules_in(logward_alert::DEFAULT_RULES).unwrap().len(), 66);
}
