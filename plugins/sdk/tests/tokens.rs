//! The token reader agrees with independent parsers (serde_json, rmpv) on every value, and
//! rejects malformed input with an error instead of panicking.

mod common;

use common::*;
use logward_sdk::{Format, Node, Token, Tokens};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn json_tokens_rebuild_the_value(v in json_value()) {
        let text = fluent_bit_json(&v);
        let rebuilt = value_from_tokens(text.as_bytes(), Format::Json).unwrap();
        prop_assert_eq!(rebuilt, serde_json::from_str::<serde_json::Value>(&text).unwrap());
    }

    #[test]
    fn msgpack_tokens_rebuild_the_value(v in json_value()) {
        let bytes = to_msgpack(&v);
        let rebuilt = value_from_tokens(&bytes, Format::Msgpack).unwrap();
        prop_assert_eq!(rebuilt, from_msgpack(&bytes));
    }

    #[test]
    fn node_spans_cover_exactly_one_value(v in json_object()) {
        for (format, bytes) in [(Format::Json, fluent_bit_json(&v).into_bytes()), (Format::Msgpack, to_msgpack(&v))] {
            let root = Node::root(&bytes, format).unwrap();
            prop_assert_eq!(root.span().unwrap(), 0..bytes.len());
            for m in root.members().unwrap().unwrap() {
                let (k, node) = m.unwrap();
                let raw = node.raw().unwrap();
                let expected = &v[k.text().as_ref()];
                let got = match format {
                    Format::Json => serde_json::from_slice::<serde_json::Value>(raw).unwrap(),
                    Format::Msgpack => from_msgpack(raw),
                };
                prop_assert_eq!(&got, expected);
            }
        }
    }

    #[test]
    fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        for format in [Format::Json, Format::Msgpack] {
            for t in Tokens::new(&bytes, format) {
                if t.is_err() { break; }
            }
            if let Ok(root) = Node::root(&bytes, format) {
                let _ = root.span();
                if let Ok(Some(m)) = root.members() {
                    for x in m { if x.is_err() { break; } }
                }
            }
        }
    }

    #[test]
    fn truncated_records_are_errors(v in json_object(), cut in 1usize..50) {
        let text = fluent_bit_json(&v);
        if cut < text.len() {
            let short = &text.as_bytes()[..text.len() - cut];
            prop_assert!(Tokens::new(short, Format::Json).any(|t| t.is_err()));
        }
        let mp = to_msgpack(&v);
        if cut < mp.len() {
            let short = &mp[..mp.len() - cut];
            prop_assert!(Tokens::new(short, Format::Msgpack).any(|t| t.is_err()));
        }
    }
}

#[test]
fn strict_json_errors() {
    for bad in [
        "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":1 \"b\":2}", "[1,]", "{} x", "{\"a\":tru}",
        "{\"a\":01x}", "{\"a\":-}", "{\"a\":1.}", "{\"a\":1e}", "{a:1}", "",
    ] {
        assert!(Tokens::new(bad.as_bytes(), Format::Json).any(|t| t.is_err()), "accepted {bad:?}");
    }
    // One NUL after the text is what the host appends; tolerated.
    assert!(Tokens::new(b"{}\0", Format::Json).all(|t| t.is_ok()));
}

#[test]
fn deep_nesting_is_iterative() {
    let depth = 5_000;
    let text = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    assert_eq!(Tokens::new(text.as_bytes(), Format::Json).filter(|t| t.is_ok()).count(), 2 * depth + 1);
    let root = Node::root(text.as_bytes(), Format::Json).unwrap();
    assert_eq!(root.span().unwrap(), 0..text.len());
    let too_deep = "[".repeat(logward_sdk::MAX_DEPTH + 1);
    assert!(Tokens::new(too_deep.as_bytes(), Format::Json).any(|t| t.is_err()));
    let mp = vec![0x91u8; 20_000];
    assert!(Tokens::new(&mp, Format::Msgpack).any(|t| t.is_err()));
}

#[test]
fn huge_msgpack_counts_fail_cleanly() {
    // A map claiming 4 billion members in 5 bytes.
    let bytes = [0xdf, 0xff, 0xff, 0xff, 0xff];
    assert!(Tokens::new(&bytes, Format::Msgpack).any(|t| t.is_err()));
    assert!(Node::root(&bytes, Format::Msgpack).unwrap().span().is_err());
    // A string claiming 4 GiB.
    let bytes = [0x81, 0xa1, b'a', 0xdb, 0xff, 0xff, 0xff, 0xff];
    assert!(Tokens::new(&bytes, Format::Msgpack).any(|t| t.is_err()));
}

#[test]
fn object_end_reports_location() {
    let text = br#"{"a":{"b":1},"c":[]}"#;
    let locs: Vec<_> = Tokens::new(text, Format::Json)
        .filter_map(|t| match t.unwrap().token {
            Token::ObjectEnd(loc) => Some(loc),
            _ => None,
        })
        .collect();
    assert_eq!(locs.len(), 2);
    assert_eq!((locs[0].start, locs[0].close, locs[0].len), (5, 11, 1));
    assert_eq!((locs[1].start, locs[1].close, locs[1].end, locs[1].len), (0, 19, 20, 2));
}
