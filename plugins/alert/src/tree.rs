//! Compiles a condition tree without recursion: logward-match compiles each leaf test, and the
//! `all` / `any` / `not` nodes above them are assembled here with an explicit stack. Fluent Bit
//! runs `_initialize` on an 8 KiB interpreter stack; compiling a rule's condition recursively
//! spent most of it.

use logward_match::{CompileError, Compiler, Condition, MAX_NESTING};
use serde_json::Value;

enum Kind {
    All,
    Any,
    Not,
}

/// A combinator whose children are being compiled.
struct Frame<'v> {
    kind: Kind,
    children: Vec<&'v Value>,
    pointer: String,
    done: Vec<Condition>,
}

fn combinator<'v>(v: &'v Value, pointer: &str) -> Result<Option<Frame<'v>>, CompileError> {
    let Value::Object(obj) = v else { return Ok(None) };
    for (key, kind) in [("all", Kind::All), ("any", Kind::Any), ("not", Kind::Not)] {
        let Some(inner) = obj.get(key) else { continue };
        let pointer = format!("{pointer}/{key}");
        if obj.len() != 1 {
            return Err(CompileError { pointer, message: format!("`{key}` must be the only key of its object") });
        }
        let children: Vec<&Value> = match (&kind, inner) {
            (Kind::Not, v) => vec![v],
            (_, Value::Array(items)) => items.iter().collect(),
            _ => return Err(CompileError { pointer, message: format!("`{key}` takes a list") }),
        };
        return Ok(Some(Frame { kind, children, pointer, done: Vec::new() }));
    }
    Ok(None)
}

/// Compiles `cond` (found at JSON pointer `pointer`) into one condition.
pub fn compile(compiler: &mut Compiler, cond: &Value, pointer: &str) -> Result<Condition, CompileError> {
    let Some(root) = combinator(cond, pointer)? else {
        return compiler.compile(cond, pointer);
    };
    let mut stack: Vec<Frame<'_>> = vec![root];
    loop {
        let Some(top) = stack.last_mut() else {
            return Err(CompileError { pointer: pointer.to_string(), message: "empty condition".into() });
        };
        let next = top.done.len();
        if let Some(&child) = top.children.get(next) {
            let child_pointer = match top.kind {
                Kind::Not => top.pointer.clone(),
                _ => format!("{}/{next}", top.pointer),
            };
            match combinator(child, &child_pointer)? {
                Some(frame) => {
                    if stack.len() >= MAX_NESTING {
                        return Err(CompileError {
                            pointer: child_pointer,
                            message: format!("conditions nest deeper than {MAX_NESTING} levels"),
                        });
                    }
                    stack.push(frame);
                }
                None => {
                    let leaf = compiler.compile(child, &child_pointer)?;
                    top.done.push(leaf);
                }
            }
            continue;
        }
        // Every child is compiled: assemble this node and hand it to its parent.
        let Some(frame) = stack.pop() else { continue };
        let node = match frame.kind {
            Kind::All => Condition::all(frame.done),
            Kind::Any => Condition::any(frame.done),
            Kind::Not => match frame.done.into_iter().next() {
                Some(c) => Condition::negate(c),
                None => return Err(CompileError { pointer: frame.pointer, message: "`not` needs a condition".into() }),
            },
        };
        match stack.last_mut() {
            Some(parent) => parent.done.push(node),
            None => return Ok(node),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logward_sdk::{Format, Record};
    use serde_json::json;

    fn eval(cond: Value, record: &str) -> bool {
        let mut c = Compiler::new();
        let built = compile(&mut c, &cond, "").unwrap();
        // The same condition compiled by logward-match in one piece agrees.
        let mut c2 = Compiler::new();
        let whole = c2.compile(&cond, "").unwrap();
        let rec = Record::new(record.as_bytes(), Format::Json);
        let (f1, f2) = (rec.lookup(&c.field_set()).unwrap(), rec.lookup(&c2.field_set()).unwrap());
        assert_eq!(built.eval(&f1, &rec), whole.eval(&f2, &rec), "{cond}");
        built.eval(&f1, &rec)
    }

    #[test]
    fn same_results_as_compiling_in_one_piece() {
        let rec = r#"{"verb":"get","objectRef":{"resource":"secrets"},"user":{"username":"alice"}}"#;
        let c = json!({"all": [
            {"field": "verb", "equals": ["get", "list"]},
            {"any": [{"field": "objectRef.resource", "equals": "secrets"}, {"keywords": ["x"]}]},
            {"not": {"any": [{"field": "user.username", "startswith": "system:"}, false]}}]});
        assert!(eval(c, rec));
        assert!(!eval(json!({"not": {"all": [{"field": "verb", "equals": "get"}, true]}}), rec));
        assert!(eval(json!({"field": "verb", "equals": "get"}), rec));
        assert!(!eval(json!({"any": []}), rec));
    }

    #[test]
    fn errors_are_located_like_logward_match() {
        let mut c = Compiler::new();
        let e = compile(&mut c, &json!({"all": [{"field": "a", "equals": 1}, {"not": {"field": "a", "equal": 1}}]}), "/condition").unwrap_err();
        assert_eq!(e.pointer, "/condition/all/1/not/equal");
        let e = compile(&mut c, &json!({"any": {"field": "a"}}), "").unwrap_err();
        assert_eq!(e.pointer, "/any");
        let mut deep = json!({"field": "a", "exists": true});
        for _ in 0..20 {
            deep = json!({"not": deep});
        }
        assert!(compile(&mut c, &deep, "").unwrap_err().message.contains("nest deeper"));
    }
}
