//! What Fluent Bit's msgpack-c decoder makes of a record body: used to judge msgpack-mode
//! filter output (appended raw to the chunk by `flb_log_event_encoder_set_body_from_raw_msgpack`,
//! never validated) and whether a record can be decoded at all.
//!
//! msgpack-c 6.x as bundled in Fluent Bit unpacks with a fixed stack of
//! `MSGPACK_EMBED_STACK_SIZE` = 32 containers. A record is `[[time, metadata], body]`, so the
//! root array takes one slot and a container nested deeper than 31 levels inside the body
//! (the body map itself is level 1) cannot be decoded: the log event decoder stops there and
//! the rest of the chunk is lost.

/// Deepest container level (body map = 1) that msgpack-c can decode inside a record body.
pub const MAX_BODY_DEPTH: usize = 31;

/// Decoding limits of the reader that will see the bytes.
#[derive(Debug, Clone, Copy)]
pub struct DecodeLimit {
    /// Deepest allowed container level, counting the scanned object itself as level 1.
    pub max_depth: usize,
}

impl DecodeLimit {
    /// The limit for a record body inside a Fluent Bit chunk.
    pub const RECORD_BODY: DecodeLimit = DecodeLimit {
        max_depth: MAX_BODY_DEPTH,
    };
}

/// The result of scanning the first msgpack object in a buffer.
#[derive(Debug, Clone, PartialEq)]
pub enum MsgpackScan {
    /// One complete object of `len` bytes; `is_map` tells whether it is a map.
    Complete { len: usize, is_map: bool },
    /// The buffer ends before the object does.
    Truncated,
    /// A byte that msgpack never uses (0xc1) at `offset`.
    Invalid { offset: usize },
    /// Containers nest deeper than the decoder's stack at `offset`.
    TooDeep { offset: usize },
}

/// Scans the first object in `buf` as msgpack-c would.
pub fn scan_msgpack_object(buf: &[u8], limit: DecodeLimit) -> MsgpackScan {
    let mut pos = 0usize;
    // Remaining element counts of open containers (maps count keys and values).
    let mut open: Vec<u64> = Vec::new();
    let is_map = buf
        .first()
        .is_some_and(|&b| matches!(b, 0x80..=0x8f | 0xde | 0xdf));
    loop {
        let Some(&marker) = buf.get(pos) else {
            return MsgpackScan::Truncated;
        };
        let header_at = pos;
        let (header_len, payload_len, children): (usize, u64, Option<u64>) = match marker {
            0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => (1, 0, None),
            0x80..=0x8f => (1, 0, Some(u64::from(marker & 0x0f) * 2)),
            0x90..=0x9f => (1, 0, Some(u64::from(marker & 0x0f))),
            0xa0..=0xbf => (1, u64::from(marker & 0x1f), None),
            0xc1 => return MsgpackScan::Invalid { offset: pos },
            0xc4 | 0xd9 => match read_be(buf, pos + 1, 1) {
                Some(n) => (2, n, None),
                None => return MsgpackScan::Truncated,
            },
            0xc5 | 0xda => match read_be(buf, pos + 1, 2) {
                Some(n) => (3, n, None),
                None => return MsgpackScan::Truncated,
            },
            0xc6 | 0xdb => match read_be(buf, pos + 1, 4) {
                Some(n) => (5, n, None),
                None => return MsgpackScan::Truncated,
            },
            0xc7 => match read_be(buf, pos + 1, 1) {
                Some(n) => (3, n, None),
                None => return MsgpackScan::Truncated,
            },
            0xc8 => match read_be(buf, pos + 1, 2) {
                Some(n) => (4, n, None),
                None => return MsgpackScan::Truncated,
            },
            0xc9 => match read_be(buf, pos + 1, 4) {
                Some(n) => (6, n, None),
                None => return MsgpackScan::Truncated,
            },
            0xca => (5, 0, None),
            0xcb => (9, 0, None),
            0xcc | 0xd0 => (2, 0, None),
            0xcd | 0xd1 => (3, 0, None),
            0xce | 0xd2 => (5, 0, None),
            0xcf | 0xd3 => (9, 0, None),
            0xd4 => (3, 0, None),
            0xd5 => (4, 0, None),
            0xd6 => (6, 0, None),
            0xd7 => (10, 0, None),
            0xd8 => (18, 0, None),
            0xdc => match read_be(buf, pos + 1, 2) {
                Some(n) => (3, 0, Some(n)),
                None => return MsgpackScan::Truncated,
            },
            0xdd => match read_be(buf, pos + 1, 4) {
                Some(n) => (5, 0, Some(n)),
                None => return MsgpackScan::Truncated,
            },
            0xde => match read_be(buf, pos + 1, 2) {
                Some(n) => (3, 0, Some(n * 2)),
                None => return MsgpackScan::Truncated,
            },
            0xdf => match read_be(buf, pos + 1, 4) {
                Some(n) => (5, 0, Some(n * 2)),
                None => return MsgpackScan::Truncated,
            },
        };
        let end = pos as u64 + header_len as u64 + payload_len;
        if end > buf.len() as u64 {
            return MsgpackScan::Truncated;
        }
        pos = end as usize;
        let mut finished_element = true;
        if let Some(count) = children {
            // msgpack-c checks the stack before looking at the element count, so even an
            // empty container at the limit fails.
            if open.len() >= limit.max_depth {
                return MsgpackScan::TooDeep { offset: header_at };
            }
            if count > 0 {
                open.push(count);
                finished_element = false;
            }
        }
        if finished_element {
            // Close every container whose last element this was.
            loop {
                match open.last_mut() {
                    None => return MsgpackScan::Complete { len: pos, is_map },
                    Some(remaining) => {
                        *remaining -= 1;
                        if *remaining > 0 {
                            break;
                        }
                        open.pop();
                    }
                }
            }
        }
    }
}

fn read_be(buf: &[u8], at: usize, width: usize) -> Option<u64> {
    let bytes = buf.get(at..at + width)?;
    Some(bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// Deepest container level of a value (the value itself is level 1 if it is a container).
pub fn container_depth(value: &rmpv::Value) -> usize {
    let mut deepest = 0;
    let mut stack: Vec<(&rmpv::Value, usize)> = vec![(value, 1)];
    while let Some((v, level)) = stack.pop() {
        match v {
            rmpv::Value::Array(items) => {
                deepest = deepest.max(level);
                stack.extend(items.iter().map(|i| (i, level + 1)));
            }
            rmpv::Value::Map(entries) => {
                deepest = deepest.max(level);
                for (k, val) in entries {
                    stack.push((k, level + 1));
                    stack.push((val, level + 1));
                }
            }
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: DecodeLimit = DecodeLimit::RECORD_BODY;

    #[test]
    fn complete_map() {
        // {"a": 0}
        assert_eq!(
            scan_msgpack_object(&[0x81, 0xa1, b'a', 0x00], LIMIT),
            MsgpackScan::Complete {
                len: 4,
                is_map: true
            }
        );
    }

    #[test]
    fn truncated_by_nul() {
        // {"a": 0} cut before the 0x00 value, as strlen() would.
        assert_eq!(
            scan_msgpack_object(&[0x81, 0xa1, b'a'], LIMIT),
            MsgpackScan::Truncated
        );
        assert_eq!(scan_msgpack_object(&[], LIMIT), MsgpackScan::Truncated);
    }

    #[test]
    fn trailing_bytes_and_non_maps() {
        assert_eq!(
            scan_msgpack_object(&[0x80, 0x01], LIMIT),
            MsgpackScan::Complete {
                len: 1,
                is_map: true
            }
        );
        assert_eq!(
            scan_msgpack_object(&[0x01], LIMIT),
            MsgpackScan::Complete {
                len: 1,
                is_map: false
            }
        );
        assert_eq!(
            scan_msgpack_object(&[0xc1], LIMIT),
            MsgpackScan::Invalid { offset: 0 }
        );
    }

    #[test]
    fn depth_limit_counts_empty_containers() {
        let mut ok = vec![0x91u8; 30];
        ok.push(0x90); // 31 levels
        assert!(matches!(
            scan_msgpack_object(&ok, LIMIT),
            MsgpackScan::Complete { .. }
        ));
        let mut deep = vec![0x91u8; 31];
        deep.push(0x90); // 32 levels
        assert!(matches!(
            scan_msgpack_object(&deep, LIMIT),
            MsgpackScan::TooDeep { .. }
        ));
    }
}
