//! The filter, driven natively the way the SDK drives it inside Fluent Bit.

use std::path::{Path, PathBuf};

use logward_sdk::serde_json::{self, json, Value};
use logward_sdk::{msgpack, Abi, Call, ConfigSource, Format, Plugin, Record, Timestamp};

use crate::canonical::Canonicalizer;
use crate::field::ChainField;
use crate::keyfile;
use crate::mac::{hex, SecretKey, Signer, GENESIS};
use crate::Chain;

pub(crate) const KEY: [u8; 32] = [0x42; 32];

/// A fresh directory with chain.key and chain.json (`extra` merged into the config).
pub(crate) fn setup(name: &str, extra: Value) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("logward-chain-unit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("chain.key"), keyfile::render(&SecretKey::from_bytes(KEY))).unwrap();
    let mut config = json!({"persist": {"fsync": false}});
    if let (Value::Object(c), Value::Object(e)) = (&mut config, extra) {
        c.extend(e);
    }
    std::fs::write(dir.join("chain.json"), serde_json::to_string_pretty(&config).unwrap()).unwrap();
    dir
}

pub(crate) fn open(dir: &Path) -> Result<Chain, logward_sdk::ConfigError> {
    let path = dir.join("chain.json");
    let src = ConfigSource::read(path.to_str().unwrap())?;
    Chain::init(Some(&src))
}

/// Runs one record (JSON text or msgpack bytes) and returns the output bytes.
pub(crate) fn run_bytes(chain: &mut Chain, tag: &str, sec: u32, src: &[u8], format: Format) -> Vec<u8> {
    let mut rec = Record::new(src, format);
    let call = Call { tag, time: Timestamp { sec, nsec: 7 }, format, abi: Abi::V1 };
    chain.process(&mut rec, &call).unwrap();
    let mut out = Vec::new();
    rec.write(&mut out).unwrap();
    out
}

pub(crate) fn run(chain: &mut Chain, tag: &str, sec: u32, json_text: &str) -> String {
    String::from_utf8(run_bytes(chain, tag, sec, json_text.as_bytes(), Format::Json)).unwrap()
}

pub(crate) fn chain_of(text: &str) -> ChainField {
    let mut c = Canonicalizer::new();
    let mut doc = c.load_json(text.as_bytes()).unwrap();
    let id = doc.root_member("_chain").expect("a chain field");
    ChainField::read(&mut doc, id).unwrap()
}

fn state_text(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("chain.state")).unwrap()
}

#[test]
fn chains_records_and_links_them() {
    let dir = setup("links", json!({}));
    let mut chain = open(&dir).unwrap();
    let outs: Vec<String> = (0..3).map(|i| run(&mut chain, "app", 1_700_000_000, &format!(r#"{{"msg":"m{i}","n":{i}}}"#))).collect();
    let fields: Vec<ChainField> = outs.iter().map(|o| chain_of(o)).collect();
    assert_eq!(fields.iter().map(|f| f.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(fields[0].prev, GENESIS);
    assert_eq!(fields[1].prev, fields[0].mac);
    assert_eq!(fields[2].prev, fields[1].mac);
    assert_eq!(fields[0].kid.as_deref(), Some(SecretKey::from_bytes(KEY).key_id().as_str()));
    assert_eq!(fields[0].keys, 2);
    assert_eq!(fields[0].time.render(), "1700000000.000000007");
    // The MAC is HMAC(k0, domain ‖ header ‖ \n ‖ canonical body), recomputed independently.
    let mut header = Vec::new();
    fields[2].write_header(&mut header);
    let expected = Signer::for_key(Some(&SecretKey::from_bytes(KEY))).record_mac(&header, br#"{"msg":"m2","n":2}"#);
    assert_eq!(fields[2].mac, expected);
    // The record is untouched but for the appended field.
    assert!(outs[2].starts_with(r#"{"msg":"m2","n":2,"_chain":{"#), "{}", outs[2]);
}

#[test]
fn json_and_msgpack_input_give_the_same_mac() {
    let record = json!({"msg": "héllo", "f": 1.5, "i": 1.0, "list": [1, {"b": null}]});
    let mut macs = Vec::new();
    for (i, format) in [Format::Json, Format::Msgpack].into_iter().enumerate() {
        let dir = setup(&format!("formats{i}"), json!({}));
        let mut chain = open(&dir).unwrap();
        let src = match format {
            Format::Json => serde_json::to_vec(&record).unwrap(),
            Format::Msgpack => {
                let mut b = Vec::new();
                msgpack::write_value(&mut b, &record);
                b
            }
        };
        let out = run_bytes(&mut chain, "app", 5, &src, format);
        let text = match format {
            Format::Json => String::from_utf8(out).unwrap(),
            Format::Msgpack => logward_sdk::convert::msgpack_to_json(&out).unwrap(),
        };
        macs.push(chain_of(&text).mac);
    }
    assert_eq!(macs[0], macs[1]);
}

#[test]
fn restart_continues_from_the_persisted_head_with_a_mark() {
    let dir = setup("restart", json!({"persist": {"records": 2, "fsync": false}, "checkpoint": {"enabled": false}}));
    let mut chain = open(&dir).unwrap();
    let last = (0..5).map(|i| run(&mut chain, "app", 10, &format!(r#"{{"i":{i}}}"#))).last().unwrap();
    assert_eq!(chain_of(&last).seq, 5);
    drop(chain); // a kill: nothing is written at exit
    let mut chain = open(&dir).unwrap();
    let first = chain_of(&run(&mut chain, "app", 11, r#"{"i":5}"#));
    assert_eq!((first.seq, first.restart), (5, Some(4)));
    let next = chain_of(&run(&mut chain, "app", 11, r#"{"i":6}"#));
    assert_eq!((next.seq, next.restart, next.prev), (6, None, first.mac));
    // A stream the previous run never persisted is marked too (it may have existed).
    let other = chain_of(&run(&mut chain, "other", 11, r#"{"i":0}"#));
    assert_eq!((other.seq, other.restart), (1, Some(0)));
}

#[test]
fn the_key_ratchets_and_old_keys_leave_the_state() {
    let dir = setup("ratchet", json!({"epoch": {"records": 2, "seconds": 0}}));
    let mut chain = open(&dir).unwrap();
    let k0 = SecretKey::from_bytes(KEY);
    assert!(state_text(&dir).contains(&hex(k0.expose())));
    let epochs: Vec<u64> = (0..5).map(|i| chain_of(&run(&mut chain, "app", 10, &format!(r#"{{"i":{i}}}"#))).epoch).collect();
    assert_eq!(epochs, [0, 0, 1, 1, 2]);
    let state = state_text(&dir);
    let k2 = k0.ratchet().ratchet();
    assert!(state.contains(&hex(k2.expose())), "{state}");
    assert!(!state.contains(&hex(k0.expose())) && !state.contains(&hex(k0.ratchet().expose())));
}

#[test]
fn epochs_follow_record_time() {
    let dir = setup("epoch-time", json!({"epoch": {"records": 0, "seconds": 10}}));
    let mut chain = open(&dir).unwrap();
    let epochs: Vec<u64> = [100u32, 105, 111, 50, 200, 0]
        .iter()
        .map(|&t| chain_of(&run(&mut chain, "app", t, "{}")).epoch)
        .collect();
    // Late records stay in the current epoch; a jump of many periods is one step; time 0 never
    // starts an epoch.
    assert_eq!(epochs, [0, 0, 1, 1, 2, 2]);
}

#[test]
fn start_up_problems_stop_fluent_bit_with_a_located_message() {
    let dir = setup("no-key", json!({}));
    std::fs::remove_file(dir.join("chain.key")).unwrap();
    let e = open(&dir).err().unwrap();
    assert!(e.message.contains("logward keygen"), "{e}");

    let dir = setup("bad-key", json!({}));
    std::fs::write(dir.join("chain.key"), "abcd").unwrap();
    assert!(open(&dir).err().unwrap().message.contains("64 hex digits"));

    let dir = setup("other-key", json!({}));
    drop(open(&dir).unwrap());
    std::fs::write(dir.join("chain.key"), keyfile::render(&SecretKey::from_bytes([1; 32]))).unwrap();
    assert!(open(&dir).err().unwrap().message.contains("is not the key of the chain"));

    let dir = setup("damaged", json!({}));
    drop(open(&dir).unwrap());
    std::fs::write(dir.join("chain.state"), "{").unwrap();
    assert!(open(&dir).err().unwrap().message.contains("is damaged"));

    assert!(Chain::init(None).err().unwrap().message.contains("chain.json was not found"));
}

#[test]
fn the_key_file_is_not_needed_after_the_first_start() {
    let dir = setup("key-gone", json!({}));
    drop(open(&dir).unwrap());
    std::fs::remove_file(dir.join("chain.key")).unwrap();
    let mut chain = open(&dir).unwrap();
    assert_eq!(chain_of(&run(&mut chain, "app", 1, "{}")).seq, 1);
}

#[test]
fn streams_by_field_record_the_tag() {
    let dir = setup("stream-field", json!({"stream_field": "kubernetes.namespace_name"}));
    let mut chain = open(&dir).unwrap();
    let a = chain_of(&run(&mut chain, "kube.x", 1, r#"{"kubernetes":{"namespace_name":"prod"}}"#));
    let b = chain_of(&run(&mut chain, "kube.y", 1, r#"{"kubernetes":{"namespace_name":"prod"}}"#));
    let c = chain_of(&run(&mut chain, "kube.z", 1, r#"{"log":"no namespace"}"#));
    assert_eq!((a.stream.as_str(), a.seq, a.tag.as_deref()), ("prod", 1, Some("kube.x")));
    assert_eq!((b.stream.as_str(), b.seq), ("prod", 2));
    assert_eq!((c.stream.as_str(), c.seq), ("kube.z", 1));
}

#[test]
fn an_existing_chain_field_is_kept_as_upstream() {
    let dir = setup("upstream", json!({}));
    let mut chain = open(&dir).unwrap();
    let out = run(&mut chain, "app", 1, r#"{"a":1,"_chain":{"seq":9,"stream":"edge"}}"#);
    let f = chain_of(&out);
    assert_eq!(f.upstream.as_deref(), Some(&br#"{"seq":9,"stream":"edge"}"#[..]));
    assert_eq!(f.keys, 1);
    assert!(out.contains(r#""upstream":{"seq":9,"stream":"edge"}"#), "{out}");
}

/// A msgpack record the canonical reader refuses: `members` (string values), then `x: NaN`.
fn nan_record(members: &[(&str, &str)]) -> Vec<u8> {
    let mut src = Vec::new();
    msgpack::write_map_header(&mut src, members.len() as u32 + 1);
    for (k, v) in members {
        msgpack::write_str(&mut src, k);
        msgpack::write_str(&mut src, v);
    }
    msgpack::write_str(&mut src, "x");
    src.push(0xcb);
    src.extend_from_slice(&f64::NAN.to_be_bytes());
    src
}

#[test]
fn unreadable_content_is_chained_without_cover() {
    let dir = setup("nan", json!({}));
    let mut chain = open(&dir).unwrap();
    let out = run_bytes(&mut chain, "app", 1, &nan_record(&[]), Format::Msgpack);
    let text = logward_sdk::convert::msgpack_to_json(&out).unwrap_or_else(|_| String::from_utf8_lossy(&out).into_owned());
    assert!(text.contains("logward_error"), "{text}");
    let next = chain_of(&run(&mut chain, "app", 1, "{}"));
    assert_eq!(next.seq, 2, "the unreadable record still took seq 1");
}

#[test]
fn unreadable_content_with_a_chain_field_still_gets_one_field() {
    // The canonical pass refuses the record (NaN), so it cannot say whether `_chain` is there:
    // the plugin must ask the SDK, or the output holds the name twice.
    let dir = setup("nan-field", json!({}));
    let mut chain = open(&dir).unwrap();
    let out = run_bytes(&mut chain, "app", 1, &nan_record(&[("_chain", "forged")]), Format::Msgpack);
    let root = logward_sdk::Node::root(&out, Format::Msgpack).unwrap();
    let names: Vec<String> = root.members().unwrap().unwrap().filter_map(Result::ok).map(|(k, _)| k.text().into_owned()).collect();
    assert_eq!(names.iter().filter(|n| *n == "_chain").count(), 1, "{names:?}");
}

#[test]
fn evicted_streams_come_back_marked() {
    let dir = setup("evict", json!({"max_streams": 2}));
    let mut chain = open(&dir).unwrap();
    for tag in ["a", "b", "a", "c"] {
        run(&mut chain, tag, 1, "{}");
    }
    // "b" was least recently used when "c" arrived.
    let b = chain_of(&run(&mut chain, "b", 2, "{}"));
    assert_eq!((b.seq, b.evicted), (1, true));
    let state = state_text(&dir);
    assert!(state.contains("\"evictions\": 2"), "{state}");
    let checkpoints = std::fs::read_to_string(dir.join("chain.checkpoints")).unwrap();
    assert!(checkpoints.lines().any(|l| l.contains(r#""stream":"b""#) && l.contains(r#""evicted":true"#)), "{checkpoints}");
}

#[test]
fn checkpoints_name_each_advanced_stream() {
    let dir = setup("checkpoints", json!({"checkpoint": {"records": 3, "seconds": 0}}));
    let mut chain = open(&dir).unwrap();
    for (i, tag) in ["a", "b", "a", "a", "a", "a"].iter().enumerate() {
        run(&mut chain, tag, 100 + i as u32, "{}");
    }
    let lines: Vec<crate::checkpoint::Checkpoint> = std::fs::read_to_string(dir.join("chain.checkpoints"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary: Vec<(String, u64)> = lines.iter().map(|c| (c.stream.clone(), c.seq)).collect();
    assert_eq!(summary, [("a".to_string(), 2), ("b".to_string(), 1), ("a".to_string(), 5)]);
}

#[test]
fn sha256_mode_needs_no_key() {
    let dir = setup("sha", json!({"mode": "sha256"}));
    std::fs::remove_file(dir.join("chain.key")).unwrap();
    let mut chain = open(&dir).unwrap();
    let f = chain_of(&run(&mut chain, "app", 1, r#"{"a":1}"#));
    assert_eq!(f.kid, None);
    let mut header = Vec::new();
    f.write_header(&mut header);
    assert_eq!(f.mac, Signer::Sha256.record_mac(&header, br#"{"a":1}"#));
}

#[test]
fn state_size_is_bounded_by_max_streams() {
    let dir = setup("bounded", json!({"max_streams": 8, "persist": {"strict": true, "fsync": false}}));
    let mut chain = open(&dir).unwrap();
    let long = "n".repeat(300);
    let mut sizes = Vec::new();
    for i in 0..200 {
        run(&mut chain, &format!("{long}{i}"), 1, "{}");
        sizes.push(state_text(&dir).len());
    }
    let max = *sizes.iter().max().unwrap();
    assert!(sizes[150..].iter().all(|&s| s == sizes[150]), "size keeps growing: {:?}", &sizes[140..]);
    assert!(max < 8 * 2 * 600, "{max}");
}
