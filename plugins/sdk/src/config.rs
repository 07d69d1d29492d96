//! Plugin configuration: found in Fluent Bit's `Accessible_Paths`, parsed strictly, and every
//! error reported as `file:line:column: problem` so a bad config stops Fluent Bit at start with
//! a message a person can act on.
//!
//! Fluent Bit gives a wasm filter no config channel: each `Accessible_Paths` entry becomes a
//! preopened directory whose guest name is the host string. `<plugin>.json` is looked up in each
//! of them, in that order; the first one found wins.

use std::fmt;
use std::rc::Rc;

use serde::de::DeserializeOwned;

use crate::node::{Node, Shape};
use crate::Format;

/// A config problem, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ConfigError {
    pub fn new(file: impl Into<String>, line: usize, column: usize, message: impl Into<String>) -> Self {
        ConfigError { file: file.into(), line, column, message: message.into() }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// A config file's path and text.
#[derive(Debug)]
pub struct ConfigFile {
    pub path: String,
    pub text: String,
}

/// A config document: a whole file, or one section of it (the bundle's `logward.json` holds one
/// section per stage). Errors are always located in the file.
#[derive(Debug, Clone)]
pub struct ConfigSource {
    file: Rc<ConfigFile>,
    /// Byte range of this document inside the file.
    start: usize,
    end: usize,
}

impl ConfigSource {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let end = text.len();
        ConfigSource { file: Rc::new(ConfigFile { path: path.into(), text }), start: 0, end }
    }

    /// Reads a config file from disk.
    pub fn read(path: &str) -> Result<Self, ConfigError> {
        let bytes = std::fs::read(path)
            .map_err(|e| ConfigError::new(path, 1, 1, format!("cannot read the file: {e}")))?;
        let text = String::from_utf8(bytes)
            .map_err(|e| ConfigError::new(path, 1, 1, format!("not UTF-8: {e}")))?;
        Ok(ConfigSource::new(path, text))
    }

    /// The file's path as the plugin sees it (a guest path under a preopened directory).
    pub fn path(&self) -> &str {
        &self.file.path
    }

    /// The directory holding the file, for sibling files such as keys.
    pub fn dir(&self) -> &str {
        match self.file.path.rfind('/') {
            Some(0) => "/",
            Some(i) => &self.file.path[..i],
            None => ".",
        }
    }

    /// The JSON text of this document.
    pub fn text(&self) -> &str {
        &self.file.text[self.start..self.end]
    }

    /// Deserializes the document. Use `#[serde(deny_unknown_fields)]` so typos are errors.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ConfigError> {
        serde_json::from_str(self.text()).map_err(|e| {
            let message = strip_position(&e.to_string());
            let offset = offset_of(self.text(), e.line(), e.column());
            self.error_at_offset(offset, message)
        })
    }

    /// The member `key` of this document as its own document (`Ok(None)` if absent).
    pub fn section(&self, key: &str) -> Result<Option<ConfigSource>, ConfigError> {
        let node = self.root()?;
        let Some(value) = node.get(key).map_err(|e| self.error_at_offset(node.start(), e.to_string()))? else {
            return Ok(None);
        };
        let span = value.span().map_err(|e| self.error_at_offset(value.start(), e.to_string()))?;
        Ok(Some(ConfigSource { file: self.file.clone(), start: self.start + span.start, end: self.start + span.end }))
    }

    /// An error located at the value that JSON pointer `pointer` (e.g. `/rules/3/regex`, relative
    /// to this document) names; at the closest existing parent if that value is absent.
    pub fn error_at(&self, pointer: &str, message: impl Into<String>) -> ConfigError {
        let offset = self.locate(pointer);
        self.error_at_offset(offset, message)
    }

    fn error_at_offset(&self, offset: usize, message: impl Into<String>) -> ConfigError {
        let (line, column) = line_col(&self.file.text, self.start + offset);
        ConfigError::new(self.path(), line, column, message)
    }

    fn root(&self) -> Result<Node<'_>, ConfigError> {
        let node = Node::root(self.text().as_bytes(), Format::Json)
            .map_err(|e| self.error_at_offset(0, format!("not valid JSON: {e}")))?;
        if node.shape().ok() != Some(Shape::Object) {
            return Err(self.error_at_offset(node.start(), "expected a JSON object"));
        }
        Ok(node)
    }

    /// Byte offset (within this document) of the value at `pointer`, or its closest parent.
    fn locate(&self, pointer: &str) -> usize {
        let Ok(mut node) = Node::root(self.text().as_bytes(), Format::Json) else {
            return 0;
        };
        for part in pointer.split('/').skip(1) {
            let part = part.replace("~1", "/").replace("~0", "~");
            let next = match node.shape() {
                Ok(Shape::Object) => node.get(&part).ok().flatten(),
                Ok(Shape::Array) => part
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| node.elements().ok().flatten()?.nth(i)?.ok()),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.start()
    }
}

/// Byte offset of serde_json's (1-based line, column) position; column 0 means "at the end of
/// the previous line", which is where serde_json reports a token cut short by a newline.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2).map_or(text.len(), |(i, _)| i + 1)
    };
    if column == 0 {
        return line_start.saturating_sub(1);
    }
    text[line_start..]
        .char_indices()
        .nth(column - 1)
        .map_or(text.len(), |(i, _)| line_start + i)
}

/// serde_json appends " at line L column C"; we print the position ourselves.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Directories searched for config files: on wasm, the preopened directories in
/// `Accessible_Paths` order; natively (unit tests, tools), the current directory.
pub fn search_dirs() -> Vec<String> {
    #[cfg(target_family = "wasm")]
    {
        crate::abi::wasi::preopened_dirs()
    }
    #[cfg(not(target_family = "wasm"))]
    {
        vec![".".to_string()]
    }
}

/// Joins a preopen name and a file name the way the guest must spell the path.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() || dir == "." {
        name.to_string()
    } else if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The first `name` found in `dirs`, as a path the guest can open.
pub fn find_in(dirs: &[String], name: &str) -> Option<String> {
    dirs.iter().map(|d| join(d, name)).find(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()))
}

/// Loads `name` from the first search directory that has it.
pub fn load(name: &str) -> Result<Option<ConfigSource>, ConfigError> {
    match find_in(&search_dirs(), name) {
        Some(path) => ConfigSource::read(&path).map(Some),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Conf {
        enabled: bool,
        #[serde(default)]
        rules: Vec<String>,
    }

    #[test]
    fn unknown_key_is_located() {
        let src = ConfigSource::new("./mask.json", "{\n  \"enabled\": true,\n  \"colour\": 1\n}");
        let e = src.parse::<Conf>().unwrap_err();
        assert_eq!((e.line, e.file.as_str()), (3, "./mask.json"));
        assert!(e.message.starts_with("unknown field `colour`"), "{}", e.message);
        assert!(e.to_string().starts_with("./mask.json:3:"), "{e}");
    }

    #[test]
    fn type_error_in_section_is_located_in_the_file() {
        let text = "{\n \"mask\": {\n   \"enabled\": \"yes\"\n }\n}";
        let src = ConfigSource::new("logward.json", text);
        let sec = src.section("mask").unwrap().unwrap();
        let e = sec.parse::<Conf>().unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("invalid type"), "{e}");
        assert!(src.section("chain").unwrap().is_none());
    }

    #[test]
    fn error_at_pointer() {
        let text = "{\"rules\": [\n  \"a\",\n  \"(b\"\n]}";
        let src = ConfigSource::new("c.json", text);
        let e = src.error_at("/rules/1", "regex does not compile");
        assert_eq!((e.line, e.column), (3, 3));
        let e = src.error_at("/rules/9", "x");
        assert_eq!((e.line, e.column), (1, 11));
    }

    #[test]
    fn invalid_json_is_located() {
        let src = ConfigSource::new("c.json", "{\n \"enabled\": tru\n}");
        let e = src.parse::<Conf>().unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(line_col("ab\n身份x", 9), (2, 3));
    }
}
