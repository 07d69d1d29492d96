//! The YAML format (`src/config_format/flb_cf_yaml.c`): `env:` variables, `includes:` (paths
//! relative to the including file), and `pipeline:` with `inputs` (and their
//! `processors: logs:`), `filters` and `outputs`. Keys are case-insensitive; a list value
//! (e.g. `accessible_paths: [a, b]`) is joined with commas as Fluent Bit does for CLIST
//! properties.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use saphyr::{LoadableYamlNode, ScalarOwned, YamlOwned};

use super::env::ConfigEnv;
use super::model::{Section, read_text};

/// Reads `path` (and its includes) into sections.
pub fn read_yaml_config(path: &Path) -> Result<Vec<Section>> {
    let mut env = ConfigEnv::default();
    let mut sections = Vec::new();
    let mut seen = Vec::new();
    read_file(path, &mut env, &mut sections, &mut seen)?;
    for section in &mut sections {
        translate(section, &env);
    }
    Ok(sections)
}

fn translate(section: &mut Section, env: &ConfigEnv) {
    for (_, value) in &mut section.properties {
        *value = env.translate(value);
    }
    for p in &mut section.log_processors {
        translate(p, env);
    }
}

fn read_file(
    path: &Path,
    env: &mut ConfigEnv,
    sections: &mut Vec<Section>,
    seen: &mut Vec<PathBuf>,
) -> Result<()> {
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if seen.contains(&canonical) {
        bail!("{}: file already included", path.display());
    }
    seen.push(canonical);
    let text = read_text(path)?;
    let docs = YamlOwned::load_from_str(&text)
        .with_context(|| format!("{}: invalid YAML", path.display()))?;
    let Some(root) = docs.into_iter().next() else {
        return Ok(());
    };
    let Some(root) = root.as_mapping() else {
        bail!("{}: the top level must be a mapping", path.display());
    };
    let file = path.display().to_string();
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    for (key, value) in root {
        let key = scalar_text(key).unwrap_or_default().to_ascii_lowercase();
        match key.as_str() {
            "env" => {
                for (k, v) in value.as_mapping().into_iter().flatten() {
                    if let (Some(k), Some(v)) = (scalar_text(k), scalar_text(v)) {
                        env.set(&k, &v);
                    }
                }
            }
            "includes" => {
                for item in value.as_sequence().into_iter().flatten() {
                    let Some(target) = scalar_text(item) else {
                        continue;
                    };
                    let target_path = if Path::new(&target).is_absolute() {
                        PathBuf::from(&target)
                    } else {
                        dir.join(&target)
                    };
                    read_file(&target_path, env, sections, seen)
                        .with_context(|| format!("{file}: in include '{target}'"))?;
                }
            }
            "service" => {
                sections.push(section_from(value, "service", &format!("{file}: service"))?)
            }
            "pipeline" => read_pipeline(value, &file, sections)?,
            _ => {}
        }
    }
    Ok(())
}

fn read_pipeline(pipeline: &YamlOwned, file: &str, sections: &mut Vec<Section>) -> Result<()> {
    let Some(map) = pipeline.as_mapping() else {
        bail!("{file}: 'pipeline' must be a mapping");
    };
    for (key, value) in map {
        let key = scalar_text(key).unwrap_or_default().to_ascii_lowercase();
        let kind = match key.as_str() {
            "inputs" => "input",
            "filters" => "filter",
            "outputs" => "output",
            _ => continue,
        };
        for (i, item) in value.as_sequence().into_iter().flatten().enumerate() {
            sections.push(section_from(
                item,
                kind,
                &format!("{file}: pipeline.{key}[{i}]"),
            )?);
        }
    }
    Ok(())
}

fn section_from(node: &YamlOwned, kind: &str, origin: &str) -> Result<Section> {
    let Some(map) = node.as_mapping() else {
        bail!("{origin}: expected a mapping of properties");
    };
    let mut section = Section {
        kind: kind.into(),
        origin: origin.into(),
        ..Section::default()
    };
    for (key, value) in map {
        let Some(key) = scalar_text(key) else {
            continue;
        };
        if key.eq_ignore_ascii_case("processors") {
            let logs = value.as_mapping().and_then(|m| {
                m.iter()
                    .find(|(k, _)| scalar_text(k).is_some_and(|k| k.eq_ignore_ascii_case("logs")))
                    .map(|(_, v)| v)
            });
            for (i, p) in logs
                .and_then(|l| l.as_sequence())
                .into_iter()
                .flatten()
                .enumerate()
            {
                section.log_processors.push(section_from(
                    p,
                    "processor",
                    &format!("{origin}.processors.logs[{i}]"),
                )?);
            }
            continue;
        }
        let text = match value.as_sequence() {
            Some(items) => items
                .iter()
                .filter_map(scalar_text)
                .collect::<Vec<_>>()
                .join(","),
            None => scalar_text(value).unwrap_or_default(),
        };
        section.properties.push((key, text));
    }
    Ok(section)
}

/// The text of a scalar node (strings as written, numbers and booleans re-printed).
fn scalar_text(node: &YamlOwned) -> Option<String> {
    match node {
        YamlOwned::Value(ScalarOwned::String(s)) => Some(s.clone()),
        YamlOwned::Value(ScalarOwned::Integer(i)) => Some(i.to_string()),
        YamlOwned::Value(ScalarOwned::FloatingPoint(f)) => Some(f.to_string()),
        YamlOwned::Value(ScalarOwned::Boolean(b)) => Some(b.to_string()),
        YamlOwned::Value(ScalarOwned::Null) => Some(String::new()),
        YamlOwned::Representation(s, _, _) => Some(s.clone()),
        YamlOwned::Tagged(_, inner) => scalar_text(inner),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipeline_filters_processors_env_and_includes() {
        let dir = std::env::temp_dir().join(format!("logward-yaml-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("extra.yaml"),
            "pipeline:\n  filters:\n    - name: wasm\n      match: '*'\n      wasm_path: b.wasm\n      function_name: f\n",
        )
        .unwrap();
        let main = dir.join("fluent-bit.yaml");
        std::fs::write(
            &main,
            r#"env:
  DIR: /plugins
includes:
  - extra.yaml
pipeline:
  inputs:
    - name: tail
      tag: app.logs
      processors:
        logs:
          - name: wasm
            wasm_path: ${DIR}/a.wasm
            function_name: go
            accessible_paths: [/etc, /tmp]
  filters:
    - name: grep
      match: '*'
      regex: log x
    - name: wasm
      Match: app.*
      WASM_Path: c.wasm
      Function_Name: filter
      Wasm_Stack_Size: 64K
"#,
        )
        .unwrap();
        let sections = read_yaml_config(&main).unwrap();
        let kinds: Vec<_> = sections.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(kinds, ["filter", "input", "filter", "filter"]);
        let input = &sections[1];
        assert_eq!(input.log_processors.len(), 1);
        assert_eq!(
            input.log_processors[0].get("wasm_path"),
            Some("/plugins/a.wasm")
        );
        assert_eq!(
            input.log_processors[0].get("accessible_paths"),
            Some("/etc,/tmp")
        );
        assert_eq!(sections[3].get("wasm_stack_size"), Some("64K"));
    }
}
