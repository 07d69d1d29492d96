//! `FieldSet::lookup` (one depth-first pass over the bytes) finds exactly what a naive walk
//! over a parsed DOM finds, for random records and random path sets, in JSON and msgpack.

mod common;

use common::*;
use logward_sdk::{FieldPath, FieldSet, Format, Node, Segment};
use proptest::prelude::*;
use serde_json::Value;

/// The reference semantics, on a DOM: exact keys (or a dotted key spelling several segments),
/// arrays transparent to keys, `[i]` selecting an element, values recorded where a path ends.
fn reference(v: &Value, segs: &[Segment], out: &mut Vec<Value>) {
    let Some(seg) = segs.first() else {
        out.push(v.clone());
        return;
    };
    match (v, seg) {
        (Value::Object(m), Segment::Key(_)) => {
            for (k, child) in m {
                let parts: Vec<&str> = k.split('.').collect();
                let exact = matches!(seg, Segment::Key(s) if s == k);
                let dotted = !exact
                    && parts.len() > 1
                    && parts.len() <= segs.len()
                    && parts.iter().zip(segs).all(|(p, s)| matches!(s, Segment::Key(s) if s == p))
                    // The dotted spelling only applies when the path continues below it.
                    && segs.len() > 1;
                if exact {
                    reference(child, &segs[1..], out);
                } else if dotted {
                    reference(child, &segs[parts.len()..], out);
                }
            }
        }
        (Value::Array(items), Segment::Key(_)) => items.iter().for_each(|e| reference(e, segs, out)),
        (Value::Array(items), Segment::Index(i)) => {
            if let Some(e) = items.get(*i) {
                reference(e, &segs[1..], out);
            }
        }
        _ => {}
    }
}

fn path() -> impl Strategy<Value = FieldPath> {
    prop::collection::vec(prop_oneof![4 => key().prop_map(Segment::Key), 1 => (0usize..3).prop_map(Segment::Index)], 1..4)
        .prop_map(|segs| {
            let text: String = segs
                .iter()
                .enumerate()
                .map(|(i, s)| match s {
                    Segment::Key(k) if k.contains('.') => format!("[\"{k}\"]"),
                    Segment::Key(k) if i == 0 => k.clone(),
                    Segment::Key(k) => format!(".{k}"),
                    Segment::Index(n) => format!("[{n}]"),
                })
                .collect();
            FieldPath::parse(&text).unwrap()
        })
}

fn decode(format: Format, raw: &[u8]) -> Value {
    match format {
        Format::Json => serde_json::from_slice(raw).unwrap(),
        Format::Msgpack => from_msgpack(raw),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn one_pass_lookup_matches_the_dom(v in json_object(), paths in prop::collection::vec(path(), 1..6)) {
        let set = FieldSet::new(&paths);
        // Keys are unique in these records, so stopping after first occurrences loses nothing.
        let early = FieldSet::new(&paths).first_occurrences();
        for (format, bytes) in [(Format::Json, fluent_bit_json(&v).into_bytes()), (Format::Msgpack, to_msgpack(&v))] {
            let fields = set.lookup(Node::root(&bytes, format).unwrap()).unwrap();
            let early_fields = early.lookup(Node::root(&bytes, format).unwrap()).unwrap();
            for id in 0..paths.len() {
                let a: Vec<&[u8]> = fields.get(id).iter().map(|n| n.raw().unwrap()).collect();
                let b: Vec<&[u8]> = early_fields.get(id).iter().map(|n| n.raw().unwrap()).collect();
                prop_assert_eq!(a, b);
            }
            for (id, p) in paths.iter().enumerate() {
                let mut expected = Vec::new();
                reference(&v, p.segments(), &mut expected);
                let got: Vec<Value> = fields.get(id).iter().map(|n| decode(format, n.raw().unwrap())).collect();
                prop_assert_eq!(&got, &expected, "path {} in {:?}", p, format);
            }
        }
    }
}
