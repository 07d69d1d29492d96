//! YAML documents as a small owned tree where every node knows its line and column, so each
//! compile error can say `file:line:column`.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Y>),
    Map(Vec<(Y, Y)>),
}

/// A YAML node and where it starts (1-based line and column).
#[derive(Debug, Clone, PartialEq)]
pub struct Y {
    pub val: Val,
    pub line: usize,
    pub col: usize,
}

/// A parse error with its position.
#[derive(Debug, Clone)]
pub struct YamlError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

/// The documents of a YAML stream (`---`-separated).
pub fn load(text: &str) -> Result<Vec<Y>, YamlError> {
    let docs = MarkedYaml::load_from_str(text).map_err(|e| YamlError {
        line: e.marker().line(),
        col: e.marker().col() + 1,
        message: e.info().to_string(),
    })?;
    docs.iter().map(convert).collect()
}

fn convert(node: &MarkedYaml<'_>) -> Result<Y, YamlError> {
    let line = node.span.start.line();
    let col = node.span.start.col() + 1;
    let err = |message: &str| YamlError { line, col, message: message.to_string() };
    let val = match &node.data {
        YamlData::Value(s) => scalar(s),
        YamlData::Sequence(items) => Val::Seq(items.iter().map(convert).collect::<Result<_, _>>()?),
        YamlData::Mapping(map) => {
            Val::Map(map.iter().map(|(k, v)| Ok((convert(k)?, convert(v)?))).collect::<Result<_, YamlError>>()?)
        }
        YamlData::Tagged(_, inner) => return convert(inner),
        YamlData::Representation(text, _, _) => Val::Str(text.to_string()),
        YamlData::Alias(_) => return Err(err("YAML aliases are not supported in rules")),
        YamlData::BadValue => return Err(err("a value that does not parse as its tagged type")),
    };
    Ok(Y { val, line, col })
}

fn scalar(s: &Scalar<'_>) -> Val {
    match s {
        Scalar::Null => Val::Null,
        Scalar::Boolean(b) => Val::Bool(*b),
        Scalar::Integer(i) => Val::Int(*i),
        Scalar::FloatingPoint(f) => Val::Float(f.into_inner()),
        Scalar::String(s) => Val::Str(s.to_string()),
    }
}

impl Y {
    pub fn as_str(&self) -> Option<&str> {
        match &self.val {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Y, Y)]> {
        match &self.val {
            Val::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Y]> {
        match &self.val {
            Val::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Y> {
        self.as_map()?.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v)
    }

    /// A scalar as text (numbers and booleans as written in YAML's canonical form).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.val {
            Val::Str(s) => Some(s.clone()),
            Val::Int(i) => Some(i.to_string()),
            Val::Float(f) => Some(f.to_string()),
            Val::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self.val {
            Val::Null => "null",
            Val::Bool(_) => "a boolean",
            Val::Int(_) | Val::Float(_) => "a number",
            Val::Str(_) => "a string",
            Val::Seq(_) => "a list",
            Val::Map(_) => "a mapping",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_scalars() {
        let docs = load("title: x\ndetection:\n  sel:\n    a: 403\n    b: '403'\n    c: null\n---\nk: [true, 1.5]\n").unwrap();
        assert_eq!(docs.len(), 2);
        let sel = docs[0].get("detection").unwrap().get("sel").unwrap();
        let a = sel.get("a").unwrap();
        assert_eq!((a.line, a.col, &a.val), (4, 8, &Val::Int(403)));
        assert_eq!(sel.get("b").unwrap().val, Val::Str("403".into()));
        assert_eq!(sel.get("c").unwrap().val, Val::Null);
        let k = docs[1].get("k").unwrap().as_seq().unwrap();
        assert_eq!((k[0].val.clone(), k[1].val.clone()), (Val::Bool(true), Val::Float(1.5)));
        assert_eq!(k[0].line, 8);
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = load("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.line >= 1 && !e.message.is_empty(), "{e:?}");
    }
}
