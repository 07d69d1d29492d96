//! Compiling conditions from their JSON form, with errors located by JSON pointer so a config
//! loader can report `file:line:column`.
//!
//! ```json
//! {"all": [
//!   {"field": "verb", "equals": ["get", "list", "watch"]},
//!   {"field": "objectRef.resource", "equals": "secrets"},
//!   {"not": {"field": "user.username", "startswith": "system:", "ignore_case": true}}
//! ]}
//! ```
//!
//! A field test is `{"field": PATH, OP: VALUE(S), ...options}` with exactly one operator:
//! `equals` (string/number/bool/null, or a list: any of them), `glob` (`*`, `?`), `contains`,
//! `startswith`, `endswith`, `regex`, `cidr`, `exists` (bool), `gt`/`gte`/`lt`/`lte` (number).
//! Options: `ignore_case` (default false; not for `regex` — use `(?i)`), `values`
//! (`"any"`/`"all"`: how the listed values combine, default any), `elements` (`"any"`/`"all"`:
//! how the values found in the record combine when the field is an array, default any), `deep`
//! (default false: objects found at the field contribute nothing; true: every key and scalar
//! value anywhere under them is a value of the field — a search within a subtree).
//! Combinators: `{"all": [...]}`, `{"any": [...]}`, `{"not": {...}}`, `{"keywords": [...]}`
//! (some string value of the record contains one, case-insensitive), and `true`/`false`.

use std::collections::BTreeMap;

use logward_sdk::{FieldPath, FieldSet};
use regex::Regex;
use serde_json::{Map, Value};

use crate::condition::{Cmp, Condition, Expr, Literal, Matcher, Quantifier, Test};
use crate::ops::cidr::Cidr;
use crate::ops::glob::Glob;
use crate::ops::text::Needle;

/// Deepest nesting of `all`/`any`/`not` accepted (evaluation recurses over it).
pub const MAX_NESTING: usize = 16;

/// Regexes larger than this after compilation are refused (bounded memory per instance).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// JSON pointer of the offending value, relative to what was compiled.
    pub pointer: String,
    pub message: String,
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

fn err(pointer: &str, message: impl Into<String>) -> CompileError {
    CompileError { pointer: pointer.to_string(), message: message.into() }
}

/// Collects the fields conditions use and compiles conditions against them. Build every
/// condition of a rule set with one compiler, then [`Compiler::field_set`] once: one record pass
/// then serves all of them.
#[derive(Debug, Default)]
pub struct Compiler {
    paths: Vec<FieldPath>,
    ids: BTreeMap<String, usize>,
}

const OPERATORS: &[&str] =
    &["equals", "glob", "contains", "startswith", "endswith", "regex", "cidr", "exists", "gt", "gte", "lt", "lte"];
const OPTIONS: &[&str] = &["field", "ignore_case", "values", "elements", "deep"];

impl Compiler {
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `path` in the field set (registering it on first use).
    pub fn field(&mut self, path: &str) -> Result<usize, String> {
        if let Some(&id) = self.ids.get(path) {
            return Ok(id);
        }
        let parsed = FieldPath::parse(path)?;
        let id = self.paths.len();
        self.paths.push(parsed);
        self.ids.insert(path.to_string(), id);
        Ok(id)
    }

    /// The field set covering every field compiled so far.
    pub fn field_set(&self) -> FieldSet {
        FieldSet::new(&self.paths)
    }

    /// Compiles a condition; `pointer` is where `value` sits in its document (for errors).
    pub fn compile(&mut self, value: &Value, pointer: &str) -> Result<Condition, CompileError> {
        Ok(Condition { expr: self.expr(value, pointer, 0)? })
    }

    fn expr(&mut self, value: &Value, ptr: &str, depth: usize) -> Result<Expr, CompileError> {
        if depth > MAX_NESTING {
            return Err(err(ptr, format!("conditions nest deeper than {MAX_NESTING} levels")));
        }
        let obj = match value {
            Value::Bool(b) => return Ok(Expr::Const(*b)),
            Value::Object(o) => o,
            _ => return Err(err(ptr, "a condition must be an object (or true/false)")),
        };
        for combinator in ["all", "any", "not", "keywords"] {
            if let Some(inner) = obj.get(combinator) {
                if obj.len() != 1 {
                    return Err(err(ptr, format!("`{combinator}` must be the only key of its object")));
                }
                let p = format!("{ptr}/{combinator}");
                return match combinator {
                    "not" => Ok(Expr::Not(Box::new(self.expr(inner, &p, depth + 1)?))),
                    "keywords" => Ok(Expr::Keywords(strings(inner, &p)?.iter().map(|s| Needle::new(s, true)).collect())),
                    _ => {
                        let items = inner.as_array().ok_or_else(|| err(&p, format!("`{combinator}` takes a list")))?;
                        let exprs = items
                            .iter()
                            .enumerate()
                            .map(|(i, v)| self.expr(v, &format!("{p}/{i}"), depth + 1))
                            .collect::<Result<Vec<_>, _>>()?;
                        Ok(if combinator == "all" { Expr::All(exprs) } else { Expr::Any(exprs) })
                    }
                };
            }
        }
        self.test(obj, ptr).map(Expr::Test)
    }

    fn test(&mut self, obj: &Map<String, Value>, ptr: &str) -> Result<Test, CompileError> {
        let field_path = obj
            .get("field")
            .and_then(Value::as_str)
            .ok_or_else(|| err(ptr, "a test needs `field` (a string) and one operator, or use all/any/not/keywords"))?;
        let field = self.field(field_path).map_err(|e| err(&format!("{ptr}/field"), e))?;
        for key in obj.keys() {
            if !OPERATORS.contains(&key.as_str()) && !OPTIONS.contains(&key.as_str()) {
                return Err(err(
                    &format!("{ptr}/{key}"),
                    format!("unknown key `{key}`; operators: {}; options: ignore_case, values, elements, deep", OPERATORS.join(", ")),
                ));
            }
        }
        let ops: Vec<&str> = OPERATORS.iter().copied().filter(|op| obj.contains_key(*op)).collect();
        let op = match ops.as_slice() {
            [op] => *op,
            [] => return Err(err(ptr, format!("no operator; use one of: {}", OPERATORS.join(", ")))),
            _ => return Err(err(ptr, format!("one operator per test, found {}", ops.join(" and ")))),
        };
        let ignore_case = flag(obj, "ignore_case", ptr)?;
        let values = quantifier(obj, "values", ptr)?;
        let elements = quantifier(obj, "elements", ptr)?;
        let deep = flag(obj, "deep", ptr)?;
        let arg = &obj[op];
        let p = format!("{ptr}/{op}");
        let needles = |v: &Value| -> Result<Vec<Needle>, CompileError> {
            Ok(strings(v, &p)?.iter().map(|s| Needle::new(s, ignore_case)).collect())
        };
        let matcher = match op {
            "equals" => Matcher::Equals(list(arg).iter().enumerate().map(|(i, v)| literal(v, ignore_case, false, &format!("{p}/{i}"))).collect::<Result<_, _>>()?),
            "glob" => Matcher::Equals(list(arg).iter().enumerate().map(|(i, v)| literal(v, ignore_case, true, &format!("{p}/{i}"))).collect::<Result<_, _>>()?),
            "contains" => Matcher::Contains(needles(arg)?),
            "startswith" => Matcher::StartsWith(needles(arg)?),
            "endswith" => Matcher::EndsWith(needles(arg)?),
            "regex" => {
                if ignore_case {
                    return Err(err(ptr, "`ignore_case` does not apply to `regex`; write (?i) in the pattern"));
                }
                Matcher::Regex(strings(arg, &p)?.iter().map(|s| {
                    regex::RegexBuilder::new(s)
                        .size_limit(REGEX_SIZE_LIMIT)
                        .build()
                        .map_err(|e| err(&p, format!("regex does not compile: {e}")))
                }).collect::<Result<Vec<Regex>, _>>()?)
            }
            "cidr" => Matcher::Cidr(strings(arg, &p)?.iter().map(|s| Cidr::parse(s).map_err(|e| err(&p, e))).collect::<Result<_, _>>()?),
            "exists" => Matcher::Exists(arg.as_bool().ok_or_else(|| err(&p, "`exists` takes true or false"))?),
            cmp => {
                let bound = arg.as_f64().ok_or_else(|| err(&p, format!("`{cmp}` takes a number")))?;
                let cmp = match cmp {
                    "gt" => Cmp::Gt,
                    "gte" => Cmp::Gte,
                    "lt" => Cmp::Lt,
                    _ => Cmp::Lte,
                };
                Matcher::Compare(cmp, bound)
            }
        };
        Ok(Test { field, matcher, values, elements, deep })
    }
}

fn list(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

fn strings(v: &Value, ptr: &str) -> Result<Vec<String>, CompileError> {
    let items = list(v);
    if items.is_empty() {
        return Err(err(ptr, "needs at least one value"));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, s)| match s {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(err(&format!("{ptr}/{i}"), "expected a string")),
        })
        .collect()
}

fn literal(v: &Value, ignore_case: bool, glob: bool, ptr: &str) -> Result<Literal, CompileError> {
    Ok(match v {
        Value::Null => Literal::Null,
        Value::Bool(b) => Literal::Bool(*b),
        Value::Number(n) => Literal::Num(n.as_f64().ok_or_else(|| err(ptr, "number out of range"))?),
        Value::String(s) if glob => match Glob::parse(s, ignore_case) {
            Some(g) => Literal::Glob(g),
            None => Literal::Text(Needle::new(&Glob::unescape(s), ignore_case)),
        },
        Value::String(s) => Literal::Text(Needle::new(s, ignore_case)),
        _ => return Err(err(ptr, "expected a string, number, boolean or null")),
    })
}

fn flag(obj: &Map<String, Value>, key: &str, ptr: &str) -> Result<bool, CompileError> {
    match obj.get(key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(err(&format!("{ptr}/{key}"), format!("`{key}` takes true or false"))),
    }
}

fn quantifier(obj: &Map<String, Value>, key: &str, ptr: &str) -> Result<Quantifier, CompileError> {
    match obj.get(key).map(|v| v.as_str()) {
        None => Ok(Quantifier::Any),
        Some(Some("any")) => Ok(Quantifier::Any),
        Some(Some("all")) => Ok(Quantifier::All),
        Some(_) => Err(err(&format!("{ptr}/{key}"), format!("`{key}` takes \"any\" or \"all\""))),
    }
}
