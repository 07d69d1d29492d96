//! The classic `.conf` format, read as `src/config_format/flb_cf_fluentbit.c` reads it:
//! `[SECTION]` headers, `key value` lines whose indentation must match the file's first
//! indented line, `#` comments, `@SET KEY=VALUE`, and `@INCLUDE file` (a `*` makes it a glob).
//! An include path is tried as written (from Fluent Bit's working directory), then relative to
//! the main file's directory.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use super::env::ConfigEnv;
use super::model::{Section, read_text};
use crate::fluentbit::matcher::wildcard_match;

struct Reader {
    root_dir: PathBuf,
    included: Vec<PathBuf>,
    env: ConfigEnv,
    sections: Vec<Section>,
}

/// Reads `path` and its includes into sections (values with `${VAR}` expanded).
pub fn read_classic_config(path: &Path) -> Result<Vec<Section>> {
    let root_dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let mut reader = Reader {
        root_dir,
        included: Vec::new(),
        env: ConfigEnv::default(),
        sections: Vec::new(),
    };
    reader.read_file(path)?;
    let env = reader.env.clone();
    for section in &mut reader.sections {
        for (_, value) in &mut section.properties {
            *value = env.translate(value);
        }
    }
    Ok(reader.sections)
}

impl Reader {
    fn resolve_include(&self, target: &str) -> PathBuf {
        let direct = PathBuf::from(target);
        if direct.exists() || direct.is_absolute() {
            direct
        } else {
            self.root_dir.join(target)
        }
    }

    fn read_file(&mut self, path: &Path) -> Result<()> {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if self.included.contains(&canonical) {
            bail!("{}: [config] file already included", path.display());
        }
        self.included.push(canonical);
        let text = read_text(path)?;
        let mut indent: Option<String> = None;
        let mut current: Option<usize> = None;
        for (number, raw_line) in text.lines().enumerate() {
            let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
            let origin = format!("{}:{}", path.display(), number + 1);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.len() > 9 && line[..9].eq_ignore_ascii_case("@INCLUDE ") {
                self.include(line[9..].trim(), &origin)?;
                indent = None;
                continue;
            }
            if line.starts_with('@') && line.len() > 3 {
                self.meta(line, &origin)?;
                continue;
            }
            if let Some(rest) = line.strip_prefix('[') {
                let Some(end) = rest.find(']') else {
                    bail!("{origin}: [config] bad header definition");
                };
                self.sections.push(Section {
                    kind: rest[..end].trim().to_ascii_lowercase(),
                    origin,
                    ..Section::default()
                });
                current = Some(self.sections.len() - 1);
                continue;
            }
            let indent_str = indent.get_or_insert_with(|| {
                let first = line.chars().next().map(|c| c.len_utf8()).unwrap_or(0);
                let blanks =
                    line[first..].len() - line[first..].trim_start_matches([' ', '\t']).len();
                line[..first + blanks].to_string()
            });
            if line.trim().is_empty() {
                continue;
            }
            let Some(body) = line.strip_prefix(indent_str.as_str()) else {
                bail!(
                    "{origin}: [config] invalid indentation level (indentation level is too low, or tabs and spaces mixed)"
                );
            };
            if body.starts_with([' ', '\t']) {
                // Deeper indentation is only valid for group content; logward has no use for
                // groups, so they are skipped.
                continue;
            }
            if body.starts_with('#') {
                continue;
            }
            if body.starts_with('[') {
                continue; // a group header inside a section
            }
            let Some((key, value)) = body.split_once(' ') else {
                bail!(
                    "{origin}: [config] undefined value - check config is in valid classic format"
                );
            };
            let value = value.trim();
            if value.is_empty() {
                bail!("{origin}: [config] key has an empty value");
            }
            match current {
                Some(i) => self.sections[i]
                    .properties
                    .push((key.trim().to_string(), value.to_string())),
                None => bail!("{origin}: [config] property '{key}' outside of any section"),
            }
        }
        Ok(())
    }

    fn meta(&mut self, line: &str, origin: &str) -> Result<()> {
        let (command, rest) = line.split_once(' ').unwrap_or((line, ""));
        if command.eq_ignore_ascii_case("@SET") {
            let Some((key, value)) = rest.trim().split_once('=') else {
                bail!("{origin}: @SET needs KEY=VALUE");
            };
            self.env.set(key.trim(), value.trim());
            Ok(())
        } else {
            bail!("{origin}: unknown configuration command {command}")
        }
    }

    fn include(&mut self, target: &str, origin: &str) -> Result<()> {
        if !target.contains('*') {
            let path = self.resolve_include(target);
            if !path.exists() {
                bail!("{origin}: [config] I cannot open {target} file");
            }
            return self.read_file(&path);
        }
        let path = self.resolve_include(target);
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let pattern = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut matches: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .filter(|p| {
                    let name = p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    wildcard_match(name.as_bytes(), pattern.as_bytes())
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        // glob(3) with GLOB_NOSORT leaves the order to the filesystem; sorted is the common case.
        matches.sort();
        for m in matches {
            self.read_file(&m)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn temp_dir(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("logward-classic-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn sections_properties_set_and_include() {
        let dir = temp_dir("basic");
        write(
            &dir,
            "filters.conf",
            "[FILTER]\n    Name wasm\n    Match app.*\n    WASM_Path ${PLUGIN_DIR}/mask.wasm\n",
        );
        let main = write(
            &dir,
            "fluent-bit.conf",
            "@SET PLUGIN_DIR=/opt/plugins\n# comment\n[SERVICE]\n    Flush 1\n\n[INPUT]\n    Name tail\n    Tag  app.logs\n@INCLUDE filters.conf\n",
        );
        let sections = read_classic_config(&main).unwrap();
        let kinds: Vec<&str> = sections.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(kinds, ["service", "input", "filter"]);
        assert_eq!(sections[1].get("tag"), Some("app.logs"));
        assert_eq!(sections[2].get("WASM_PATH"), Some("/opt/plugins/mask.wasm"));
    }

    #[test]
    fn bad_indentation_is_an_error() {
        let dir = temp_dir("indent");
        let main = write(&dir, "a.conf", "[FILTER]\n    Name wasm\n  Match *\n");
        let err = read_classic_config(&main).unwrap_err().to_string();
        assert!(err.contains("indentation"), "{err}");
    }

    #[test]
    fn glob_includes_in_order() {
        let dir = temp_dir("glob");
        std::fs::create_dir_all(dir.join("conf.d")).unwrap();
        write(
            &dir.join("conf.d"),
            "b.conf",
            "[FILTER]\n    Name wasm\n    Alias second\n",
        );
        write(
            &dir.join("conf.d"),
            "a.conf",
            "[FILTER]\n    Name wasm\n    Alias first\n",
        );
        let main = write(&dir, "main.conf", "@INCLUDE conf.d/*.conf\n");
        let sections = read_classic_config(&main).unwrap();
        let aliases: Vec<_> = sections.iter().map(|s| s.get("alias").unwrap()).collect();
        assert_eq!(aliases, ["first", "second"]);
    }
}
