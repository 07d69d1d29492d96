//! One test per operator and option, each on JSON and msgpack records.

use logward_match::Compiler;
use logward_sdk::{Format, Record};
use serde_json::{json, Value};

const AUDIT: &str = r#"{"verb":"get","objectRef":{"resource":"secrets","namespace":"prod","name":"db-password"},
 "user":{"username":"alice@example.com","groups":["system:authenticated","dev"]},
 "sourceIPs":["10.2.3.4","2001:db8::1"],"responseStatus":{"code":403},"latency":"0.25",
 "requestObject":{"spec":{"containers":[{"securityContext":{"privileged":true}},{"securityContext":{"privileged":false}}]}},
 "annotations":{"authorization.k8s.io/decision":"forbid"},"stage":null,"msg":"User Alice read Secret"}"#;

fn msgpack(v: &Value) -> Vec<u8> {
    fn conv(v: &Value) -> rmpv::Value {
        match v {
            Value::Null => rmpv::Value::Nil,
            Value::Bool(b) => rmpv::Value::Boolean(*b),
            Value::Number(n) => n.as_i64().map(rmpv::Value::from).unwrap_or_else(|| rmpv::Value::F64(n.as_f64().unwrap())),
            Value::String(s) => rmpv::Value::from(s.as_str()),
            Value::Array(a) => rmpv::Value::Array(a.iter().map(conv).collect()),
            Value::Object(m) => rmpv::Value::Map(m.iter().map(|(k, v)| (rmpv::Value::from(k.as_str()), conv(v))).collect()),
        }
    }
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, &conv(v)).unwrap();
    out
}

/// Evaluates `cond` on AUDIT in both formats; asserts they agree and returns the result.
fn eval(cond: Value) -> bool {
    let mut c = Compiler::new();
    let condition = c.compile(&cond, "").unwrap_or_else(|e| panic!("{cond}: {e}"));
    let set = c.field_set();
    let json_bytes = AUDIT.as_bytes().to_vec();
    let mp = msgpack(&serde_json::from_str(AUDIT).unwrap());
    let mut results = Vec::new();
    for (format, bytes) in [(Format::Json, &json_bytes), (Format::Msgpack, &mp)] {
        let rec = Record::new(bytes, format);
        let fields = rec.lookup(&set).unwrap();
        results.push(condition.eval(&fields, &rec));
    }
    assert_eq!(results[0], results[1], "JSON and msgpack disagree on {cond}");
    results[0]
}

#[test]
fn equals() {
    assert!(eval(json!({"field": "verb", "equals": "get"})));
    assert!(eval(json!({"field": "verb", "equals": ["list", "get"]})));
    assert!(!eval(json!({"field": "verb", "equals": "GET"})));
    assert!(eval(json!({"field": "verb", "equals": "GET", "ignore_case": true})));
    assert!(!eval(json!({"field": "verb", "equals": "ge"})));
    assert!(!eval(json!({"field": "missing", "equals": "get"})));
}

#[test]
fn equals_numbers_booleans_null() {
    assert!(eval(json!({"field": "responseStatus.code", "equals": 403})));
    assert!(eval(json!({"field": "responseStatus.code", "equals": "403"})));
    assert!(eval(json!({"field": "responseStatus.code", "equals": 403.0})));
    assert!(!eval(json!({"field": "responseStatus.code", "equals": 401})));
    assert!(eval(json!({"field": "latency", "equals": 0.25})));
    assert!(eval(json!({"field": "requestObject.spec.containers.securityContext.privileged", "equals": true})));
    assert!(eval(json!({"field": "stage", "equals": null})));
    assert!(eval(json!({"field": "absent", "equals": null})));
    assert!(!eval(json!({"field": "verb", "equals": null})));
}

#[test]
fn glob() {
    assert!(eval(json!({"field": "objectRef.name", "glob": "db-*"})));
    assert!(eval(json!({"field": "objectRef.name", "glob": "*PASS*", "ignore_case": true})));
    assert!(!eval(json!({"field": "objectRef.name", "glob": "*pass"})));
    assert!(eval(json!({"field": "user.groups", "glob": "system:*"})));
    assert!(eval(json!({"field": "objectRef.name", "glob": "db-password"})));
}

#[test]
fn contains_startswith_endswith() {
    assert!(eval(json!({"field": "msg", "contains": "read"})));
    assert!(!eval(json!({"field": "msg", "contains": "alice"})));
    assert!(eval(json!({"field": "msg", "contains": "alice", "ignore_case": true})));
    assert!(eval(json!({"field": "user.username", "startswith": "alice"})));
    assert!(eval(json!({"field": "user.username", "endswith": ["@corp.com", "@example.com"]})));
    assert!(!eval(json!({"field": "stage", "contains": "ul"})), "null is not text");
}

#[test]
fn regex() {
    assert!(eval(json!({"field": "user.username", "regex": "^[a-z]+@example\\.com$"})));
    assert!(!eval(json!({"field": "user.username", "regex": "^bob"})));
    assert!(eval(json!({"field": "msg", "regex": "(?i)SECRET"})));
}

#[test]
fn cidr() {
    assert!(eval(json!({"field": "sourceIPs", "cidr": "10.0.0.0/8"})));
    assert!(eval(json!({"field": "sourceIPs", "cidr": ["192.168.0.0/16", "2001:db8::/32"]})));
    assert!(!eval(json!({"field": "sourceIPs", "cidr": "172.16.0.0/12"})));
}

#[test]
fn exists() {
    assert!(eval(json!({"field": "objectRef.namespace", "exists": true})));
    assert!(eval(json!({"field": "objectRef.subresource", "exists": false})));
    assert!(eval(json!({"field": "stage", "exists": true})), "present with null value");
}

#[test]
fn numeric_compares() {
    assert!(eval(json!({"field": "responseStatus.code", "gte": 400})));
    assert!(eval(json!({"field": "responseStatus.code", "lt": 404})));
    assert!(!eval(json!({"field": "responseStatus.code", "gt": 403})));
    assert!(eval(json!({"field": "latency", "lte": 1})), "numeric strings compare as numbers");
    assert!(!eval(json!({"field": "verb", "gt": 0})));
}

#[test]
fn quantifiers() {
    // containers[].privileged is [true, false]
    let f = "requestObject.spec.containers.securityContext.privileged";
    assert!(eval(json!({"field": f, "equals": true})));
    assert!(!eval(json!({"field": f, "equals": true, "elements": "all"})));
    assert!(eval(json!({"field": "user.groups", "equals": ["dev", "system:authenticated"], "values": "all"})));
    assert!(!eval(json!({"field": "user.groups", "equals": ["dev", "admin"], "values": "all"})));
    assert!(eval(json!({"field": "msg", "contains": ["User", "Secret"], "values": "all"})));
}

#[test]
fn deep_searches_keys_and_values_under_an_object() {
    // An object found at the field contributes nothing unless `deep` is set.
    assert!(!eval(json!({"field": "objectRef", "contains": "password"})));
    assert!(eval(json!({"field": "objectRef", "contains": "password", "deep": true})));
    assert!(eval(json!({"field": "objectRef", "equals": "namespace", "deep": true})), "keys are values too");
    assert!(!eval(json!({"field": "objectRef", "equals": "verb", "deep": true})), "only under the field");
    // Nested objects and arrays below it are reached.
    assert!(eval(json!({"field": "requestObject", "equals": true, "deep": true})));
    assert!(eval(json!({"field": "requestObject", "equals": "privileged", "deep": true})));
    assert!(eval(json!({"field": "user", "glob": "*@example.com", "deep": true})));
    // Scalars at the field behave as without `deep`.
    assert!(eval(json!({"field": "verb", "equals": "get", "deep": true})));
    let mut c = Compiler::new();
    assert_eq!(c.compile(&json!({"field": "a", "equals": 1, "deep": "yes"}), "").unwrap_err().pointer, "/deep");
}

#[test]
fn dotted_keys() {
    assert!(eval(json!({"field": "annotations.authorization.k8s.io/decision", "equals": "forbid"})));
    assert!(eval(json!({"field": "annotations[\"authorization.k8s.io/decision\"]", "equals": "forbid"})));
}

#[test]
fn combinators_and_keywords() {
    assert!(eval(json!({"all": [{"field": "verb", "equals": "get"}, {"field": "objectRef.resource", "equals": "secrets"}]})));
    assert!(!eval(json!({"all": [{"field": "verb", "equals": "get"}, {"field": "objectRef.resource", "equals": "pods"}]})));
    assert!(eval(json!({"any": [{"field": "verb", "equals": "delete"}, {"field": "objectRef.namespace", "equals": "prod"}]})));
    assert!(eval(json!({"not": {"field": "user.username", "startswith": "system:"}})));
    assert!(eval(json!({"keywords": ["SECRET"]})));
    assert!(!eval(json!({"keywords": ["rootkit"]})));
    assert!(eval(json!(true)));
    assert!(!eval(json!({"all": [false]})));
}

#[test]
fn conditions_assembled_from_parts_equal_compiled_ones() {
    let mut c = Compiler::new();
    let get = c.compile(&json!({"field": "verb", "equals": "get"}), "").unwrap();
    let secrets = c.compile(&json!({"field": "objectRef.resource", "equals": "secrets"}), "").unwrap();
    let system = c.compile(&json!({"field": "user.username", "startswith": "system:"}), "").unwrap();
    let built = logward_match::Condition::all(vec![get, logward_match::Condition::any(vec![secrets]), logward_match::Condition::negate(system)]);
    let set = c.field_set();
    let rec = Record::new(AUDIT.as_bytes(), Format::Json);
    let fields = rec.lookup(&set).unwrap();
    assert!(built.eval(&fields, &rec));
    assert!(!logward_match::Condition::any(vec![]).eval(&fields, &rec));
    assert!(logward_match::Condition::all(vec![]).eval(&fields, &rec));
    let deny = c.compile(&json!({"field": "verb", "equals": "get"}), "").unwrap();
    let set = c.field_set();
    let fields = rec.lookup(&set).unwrap();
    assert!(!logward_match::Condition::negate(deny).eval(&fields, &rec));
}

#[test]
fn errors_are_located() {
    let mut c = Compiler::new();
    let cases = [
        (json!({"all": [{"field": "a", "equal": 1}]}), "/all/0/equal"),
        (json!({"all": [{"field": "a", "regex": "("}]}), "/all/0/regex"),
        (json!({"field": "a", "equals": 1, "contains": "x"}), ""),
        (json!({"field": "a"}), ""),
        (json!({"field": "a..b", "exists": true}), "/field"),
        (json!({"any": {"field": "a"}}), "/any"),
        (json!({"not": {"field": "a", "cidr": "300.1.1.1/8"}}), "/not/cidr"),
        (json!({"field": "a", "gt": "x"}), "/gt"),
        (json!({"field": "a", "regex": "x", "ignore_case": true}), ""),
        (json!({"field": "a", "equals": 1, "values": "some"}), "/values"),
        (json!("x"), ""),
    ];
    for (cond, pointer) in cases {
        let e = c.compile(&cond, "").expect_err(&cond.to_string());
        assert_eq!(e.pointer, pointer, "{cond}: {e}");
    }
    let mut deep = json!({"field": "a", "exists": true});
    for _ in 0..20 {
        deep = json!({"not": deep});
    }
    assert!(c.compile(&deep, "").unwrap_err().message.contains("nest deeper"));
}

#[test]
fn malformed_records_do_not_match_and_do_not_panic() {
    let mut c = Compiler::new();
    let cond = c.compile(&json!({"field": "a.b", "equals": "x"}), "").unwrap();
    let set = c.field_set();
    for bad in [&b"{\"a\":{\"b\":"[..], b"{\"a\"", b"\x81\xa1a\x81\xa1b", b"[]"] {
        let rec = Record::new(bad, logward_sdk::detect_format(bad));
        if let Ok(fields) = rec.lookup(&set) {
            assert!(!cond.eval(&fields, &rec));
        }
    }
}

#[test]
fn required_fields_are_necessary_for_a_match() {
    let required = |cond: Value| -> Option<Vec<String>> {
        let mut c = Compiler::new();
        let condition = c.compile(&cond, "").unwrap();
        let set = c.field_set();
        let ids = condition.required_fields()?;
        // The claim: with none of these fields in the record, the condition is false.
        let empty = Record::new(b"{}", Format::Json);
        let fields = empty.lookup(&set).unwrap();
        assert!(!condition.eval(&fields, &empty), "{cond} is true without its required fields");
        Some(ids.iter().map(|&id| set.paths()[id].as_str().to_string()).collect())
    };
    let s = |v: &[&str]| Some(v.iter().map(|x| x.to_string()).collect::<Vec<_>>());
    assert_eq!(required(json!({"field": "verb", "equals": "get"})), s(&["verb"]));
    assert_eq!(required(json!({"all": [{"field": "kind", "equals": "Event"}, {"any": [{"field": "a", "gt": 1}, {"field": "b", "exists": true}]}]})), s(&["kind"]));
    assert_eq!(required(json!({"all": [{"not": {"field": "x", "exists": true}}, {"any": [{"field": "a", "regex": "x"}, {"field": "b", "cidr": "10.0.0.0/8"}]}]})), s(&["a", "b"]));
    assert_eq!(required(json!({"any": [{"field": "a", "contains": "x"}, {"field": "b", "exists": false}]})), None);
    assert_eq!(required(json!({"field": "a", "equals": ["x", null]})), None);
    assert_eq!(required(json!({"not": {"field": "a", "equals": "x"}})), None);
    assert_eq!(required(json!({"keywords": ["x"]})), None);
    assert_eq!(required(json!(true)), None);
    assert_eq!(required(json!(false)), s(&[]));
    assert_eq!(required(json!({"any": []})), s(&[]));
}
