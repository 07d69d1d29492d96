//! Splice edits give the same record a DOM edit would, in JSON and in msgpack, and an untouched
//! record is not rewritten.

mod common;

use common::*;
use logward_sdk::{FieldPath, Format, Record};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn path_text(keys: &[String]) -> String {
    keys.iter()
        .map(|k| if k.contains('.') { format!("[\"{k}\"]") } else { k.clone() })
        .collect::<Vec<_>>()
        .join(".")
        .replace(".[", "[")
}

/// The DOM model of `Record::set`: `Err` where the SDK must refuse.
fn model_set(v: &mut Value, keys: &[String], value: Value) -> Result<(), ()> {
    let mut cur = v;
    for (i, k) in keys.iter().enumerate() {
        let Value::Object(m) = cur else { return Err(()) };
        if i + 1 == keys.len() {
            m.insert(k.clone(), value);
            return Ok(());
        }
        cur = m.entry(k.clone()).or_insert_with(|| Value::Object(Map::new()));
        if !cur.is_object() {
            return Err(());
        }
    }
    Ok(())
}

fn decode(format: Format, bytes: &[u8]) -> Value {
    match format {
        Format::Json => serde_json::from_slice(bytes).unwrap(),
        Format::Msgpack => from_msgpack(bytes),
    }
}

fn encode(format: Format, v: &Value) -> Vec<u8> {
    match format {
        Format::Json => fluent_bit_json(v).into_bytes(),
        Format::Msgpack => to_msgpack(v),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn set_matches_the_dom_model(
        v in json_object(),
        edits in prop::collection::vec((prop::collection::vec(key(), 1..4), json_value()), 1..4),
    ) {
        for format in [Format::Json, Format::Msgpack] {
            let bytes = encode(format, &v);
            let mut rec = Record::new(&bytes, format);
            let mut model = v.clone();
            let mut ok = true;
            for (keys, value) in &edits {
                let path = FieldPath::parse(&path_text(keys)).unwrap();
                let sdk = rec.set(&path, value.clone());
                let dom = model_set(&mut model, keys, value.clone());
                if dom.is_err() {
                    // The SDK may refuse (value on the way is not an object); stop this case.
                    ok = false;
                    break;
                }
                prop_assert!(sdk.is_ok(), "SDK refused {:?}: {:?}", keys, sdk);
            }
            if !ok { continue; }
            let mut out = Vec::new();
            rec.write(&mut out).unwrap();
            prop_assert_eq!(decode(format, &out), model, "format {:?}", format);
        }
    }

    #[test]
    fn untouched_record_is_written_verbatim(v in json_object()) {
        for format in [Format::Json, Format::Msgpack] {
            let bytes = encode(format, &v);
            let rec = Record::new(&bytes, format);
            prop_assert!(!rec.is_modified());
            let mut out = Vec::new();
            rec.write(&mut out).unwrap();
            prop_assert_eq!(out, bytes);
        }
    }

    #[test]
    fn replacing_every_string_matches_the_dom(v in json_object()) {
        // Mask-like walk: replace every string value with "X" via token spans.
        fn model(v: &mut Value) {
            match v {
                Value::String(s) => *s = "X".into(),
                Value::Array(a) => a.iter_mut().for_each(model),
                Value::Object(m) => m.values_mut().for_each(model),
                _ => {}
            }
        }
        let mut expected = v.clone();
        model(&mut expected);
        for format in [Format::Json, Format::Msgpack] {
            let bytes = encode(format, &v);
            let mut rec = Record::new(&bytes, format);
            let spans: Vec<_> = rec
                .tokens()
                .filter_map(|t| {
                    let t = t.unwrap();
                    matches!(t.token, logward_sdk::Token::Scalar(logward_sdk::Scalar::Str(_))).then(|| t.range())
                })
                .collect();
            for s in spans {
                rec.replace_str(s, "X");
            }
            let mut out = Vec::new();
            rec.write(&mut out).unwrap();
            prop_assert_eq!(decode(format, &out), expected.clone());
        }
    }
}

#[test]
fn sets_under_one_new_object_build_one_object() {
    for format in [Format::Json, Format::Msgpack] {
        let bytes = encode(format, &json!({"log": "x"}));
        let mut rec = Record::new(&bytes, format);
        rec.set(&FieldPath::parse("logward.mask").unwrap(), json!({"email": 1})).unwrap();
        rec.set(&FieldPath::parse("logward.comply").unwrap(), json!(["a"])).unwrap();
        rec.set(&FieldPath::parse("logward.mask.card").unwrap(), json!(2)).unwrap();
        let mut out = Vec::new();
        rec.write(&mut out).unwrap();
        assert_eq!(
            decode(format, &out),
            json!({"log": "x", "logward": {"mask": {"email": 1, "card": 2}, "comply": ["a"]}})
        );
    }
}

#[test]
fn set_into_existing_nested_and_empty_objects() {
    let text = br#"{"a":{},"b":{"c":1} }"#;
    let mut rec = Record::new(text, Format::Json);
    rec.set(&FieldPath::parse("a.x").unwrap(), json!(1)).unwrap();
    rec.set(&FieldPath::parse("b.d").unwrap(), json!("y")).unwrap();
    rec.set(&FieldPath::parse("b.c").unwrap(), json!(null)).unwrap();
    let mut out = Vec::new();
    rec.write(&mut out).unwrap();
    assert_eq!(std::str::from_utf8(&out).unwrap(), r#"{"a":{"x":1},"b":{"c":null,"d":"y"} }"#);
}

#[test]
fn set_through_a_scalar_is_refused() {
    let mut rec = Record::new(br#"{"a":"s"}"#, Format::Json);
    assert!(rec.set(&FieldPath::parse("a.b").unwrap(), json!(1)).is_err());
}

#[test]
fn replacing_a_container_wins_over_edits_inside_it() {
    for format in [Format::Json, Format::Msgpack] {
        let bytes = encode(format, &json!({"a": {"b": "s"}, "z": 1}));
        let mut rec = Record::new(&bytes, format);
        rec.set(&FieldPath::parse("a.c").unwrap(), json!(2)).unwrap();
        let inner = rec.get(&FieldPath::parse("a.b").unwrap()).unwrap().unwrap().span().unwrap();
        rec.replace_str(inner, "masked");
        let outer = rec.get(&FieldPath::parse("a").unwrap()).unwrap().unwrap().span().unwrap();
        rec.replace_str(outer, "gone");
        let mut out = Vec::new();
        rec.write(&mut out).unwrap();
        assert_eq!(decode(format, &out), json!({"a": "gone", "z": 1}));
    }
}

#[test]
fn msgpack_map_grows_past_fixmap() {
    let mut v = Map::new();
    for i in 0..15 {
        v.insert(format!("k{i:02}"), json!(i + 1));
    }
    let v = Value::Object(v);
    let bytes = to_msgpack(&v);
    assert_eq!(bytes[0], 0x8f);
    let mut rec = Record::new(&bytes, Format::Msgpack);
    rec.set(&FieldPath::parse("new").unwrap(), json!("x")).unwrap();
    let mut out = Vec::new();
    rec.write(&mut out).unwrap();
    assert_eq!(out[0], 0xde, "map16 header");
    let mut expected = v.clone();
    expected["new"] = json!("x");
    assert_eq!(from_msgpack(&out), expected);
}

#[test]
fn escaped_keys_are_found_decoded() {
    // Fluent Bit escapes non-ASCII in keys too.
    let text = br#"{"\u8eab\u4efd":"x"}"#;
    let rec = Record::new(text, Format::Json);
    assert!(rec.get(&FieldPath::parse("身份").unwrap()).unwrap().is_some());
}

#[test]
fn append_encoded_inserts_bytes_as_given() {
    for format in [Format::Json, Format::Msgpack] {
        let bytes = encode(format, &json!({"a": 1}));
        let mut rec = Record::new(&bytes, format);
        let value = encode(format, &json!({"seq": 7}));
        rec.append_encoded("_chain", value).unwrap();
        rec.set(&FieldPath::parse("b").unwrap(), json!(true)).unwrap();
        let mut out = Vec::new();
        rec.write(&mut out).unwrap();
        assert_eq!(decode(format, &out), json!({"a": 1, "_chain": {"seq": 7}, "b": true}));
    }
}

#[test]
fn append_encoded_finds_the_root_end_without_reading_members() {
    for (text, expected) in [
        (&b"{}"[..], r#"{"k":1}"#),
        (b" {\"a\":[1,{\"b\":\"}\"}]} \n\0", "{\"a\":[1,{\"b\":\"}\"}],\"k\":1}"),
    ] {
        let mut rec = Record::new(text, Format::Json);
        rec.append_encoded("k", b"1".to_vec()).unwrap();
        let mut out = Vec::new();
        rec.write(&mut out).unwrap();
        let v: Value = serde_json::from_slice(&out[..out.iter().rposition(|&b| b == b'}').unwrap() + 1]).unwrap();
        assert_eq!(v, serde_json::from_str::<Value>(expected).unwrap());
    }
    let mut rec = Record::new(b"[1]", Format::Json);
    assert!(rec.append_encoded("k", b"1".to_vec()).is_err());
}

#[test]
fn replacing_the_whole_record_writes_the_replacement_alone() {
    for format in [Format::Json, Format::Msgpack] {
        let mut bytes = encode(format, &json!({"a": 1, "b": [true]}));
        if format == Format::Json {
            bytes.push(0); // the host's NUL is part of the replaced span
        }
        let replacement = encode(format, &json!({"z": "new"}));
        let mut rec = Record::new(&bytes, format);
        rec.replace_encoded(0..bytes.len(), replacement.clone());
        let mut out = Vec::new();
        rec.write(&mut out).unwrap();
        assert_eq!(out, replacement);
        // A value replacing the whole record is encoded in the record's format.
        let mut rec = Record::new(&bytes, format);
        rec.replace(0..bytes.len(), json!({"v": 2}));
        let mut out = Vec::new();
        rec.write(&mut out).unwrap();
        assert_eq!(decode(format, &out), json!({"v": 2}));
    }
}
