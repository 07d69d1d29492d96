//! No input makes comply panic (a panic is a trap in Fluent Bit, and the record is dropped):
//! lines that start like each source's format and then go wrong, and arbitrary records.

mod common;

use common::*;
use logward_comply::sources::{self, Source};
use logward_comply::Comply;
use logward_sdk::{Abi, Call, Format, Plugin, Record, Timestamp};
use proptest::prelude::*;

const PREFIXES: &[&str] = &[
    "type=SYSCALL msg=audit(1700000000.123:456): ",
    "node=h type=USER_LOGIN msg=audit(1.2:3): msg='op=login acct=\"",
    "type=X msg=audit(",
    "203.0.113.9 - - [14/Nov/2023:22:13:20 +0000] \"",
    "2001:db8::1 - u [",
    "2023-11-14T22:13:20.123456Z\t   12 ",
    "231114 22:13:20\t",
    "\t\t  12 Connect\t",
    "# User@Host: ",
    "# Query_time: ",
    "# Time: ",
    "<38>1 ",
    "<13>Nov 14 22:13:20 h ",
    "Nov  4 02:00:01 ",
    "2023-11-14T22:13:20+00:00 h sshd[",
];

fn tail() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("\"".to_string()), Just("'".to_string()), Just("=".to_string()), Just(" ".to_string()), Just("\t".to_string()),
            Just("\u{1d}".to_string()), Just("[".to_string()), Just("]".to_string()), Just(":".to_string()), Just("\n".to_string()),
            Just("(null)".to_string()), Just("key=".to_string()), Just("@".to_string()), Just("é身".to_string()),
            "[a-zA-Z0-9]{0,6}".prop_map(|s| s),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

thread_local! {
    // Built once: compiling the default mapping per case would dominate the run time.
    static PLUGIN: std::cell::RefCell<Comply> = std::cell::RefCell::new(plugin(Some(r#"{"normalize": {"enabled": true}}"#)));
}

fn run_all(record: &[u8], format: Format) {
    PLUGIN.with(|p| process(&mut p.borrow_mut(), record, format));
}

fn process(p: &mut Comply, record: &[u8], format: Format) {
    let mut rec = Record::new(record, format);
    let call = Call { tag: "t", time: Timestamp::default(), format, abi: Abi::V1 };
    if p.process(&mut rec, &call).is_ok() {
        let mut out = Vec::new();
        rec.write(&mut out).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, .. ProptestConfig::default() })]

    #[test]
    fn lines_never_panic(prefix in prop::sample::select(PREFIXES), tail in tail()) {
        let text = format!("{prefix}{tail}");
        for source in Source::ALL {
            let _ = sources::parse(source, &text);
        }
        let rec = serde_json::json!({"log": text}).to_string();
        run_all(rec.as_bytes(), Format::Json);
        run_all(&to_msgpack(&serde_json::json!({"message": text})), Format::Msgpack);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        run_all(&bytes, Format::Json);
        run_all(&bytes, Format::Msgpack);
    }
}
