//! JSON strings as yyjson reads them with `REPLACE_INVALID_UNICODE`: raw bytes (even invalid
//! UTF-8 and control characters) are kept; malformed `\u` escapes and unpaired surrogates
//! become U+FFFD, except that an escape with bad hex digits is copied literally.

use rmpv::{Utf8String, Value};

use super::{JsonParseError, Parser, err};

impl Parser<'_> {
    pub(super) fn parse_string(&mut self) -> Result<Value, JsonParseError> {
        let open = self.pos;
        self.pos += 1; // opening quote
        let mut out: Vec<u8> = Vec::new();
        loop {
            if self.at_end() {
                return Err(err(open, "unclosed string"));
            }
            let byte = self.text[self.pos];
            match byte {
                b'"' => {
                    self.pos += 1;
                    return Ok(Value::String(out_to_string_lossless(out)));
                }
                b'\\' => self.parse_escape(&mut out)?,
                _ => {
                    out.push(byte);
                    self.pos += 1;
                }
            }
        }
    }

    fn parse_escape(&mut self, out: &mut Vec<u8>) -> Result<(), JsonParseError> {
        let at = self.pos;
        let Some(&kind) = self.text.get(self.pos + 1) else {
            return Err(err(at, "invalid escaped sequence in string"));
        };
        let simple = match kind {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(0x08),
            b'f' => Some(0x0C),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'u' => None,
            _ => return Err(err(at, "invalid escaped sequence in string")),
        };
        if let Some(byte) = simple {
            out.push(byte);
            self.pos += 2;
            return Ok(());
        }
        self.parse_unicode_escape(out);
        Ok(())
    }

    fn hex4(&self, at: usize) -> Option<u16> {
        let digits = self.text.get(at..at + 4)?;
        let text = std::str::from_utf8(digits).ok()?;
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u16::from_str_radix(text, 16).ok()
    }

    fn hex_prefix_len(&self, at: usize) -> usize {
        (0..4)
            .take_while(|i| self.text.get(at + i).is_some_and(|b| b.is_ascii_hexdigit()))
            .count()
    }

    /// `read_uni_esc` with `REPLACE_INVALID_UNICODE`; `self.pos` is at the backslash.
    fn parse_unicode_escape(&mut self, out: &mut Vec<u8>) {
        const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();
        let hex_at = self.pos + 2;
        let Some(hi) = self.hex4(hex_at) else {
            // Copy `\u` and the hex digits that were there, then skip one more character
            // unless it is a quote or the end of the text.
            let count = self.hex_prefix_len(hex_at);
            out.extend_from_slice(b"\\u");
            out.extend_from_slice(&self.text[hex_at..hex_at + count]);
            self.pos = hex_at + count;
            if let Some(&c) = self.text.get(self.pos)
                && c != b'"'
                && c != b'\''
                && c != 0
            {
                self.pos += 1;
            }
            return;
        };
        self.pos = hex_at + 4;
        match hi {
            0xD800..=0xDBFF => {
                if self.text.get(self.pos..self.pos + 2) != Some(b"\\u") {
                    out.extend_from_slice(REPLACEMENT);
                    return;
                }
                let Some(lo) = self.hex4(self.pos + 2) else {
                    let count = self.hex_prefix_len(self.pos + 2);
                    self.pos += 2 + count;
                    out.extend_from_slice(REPLACEMENT);
                    return;
                };
                self.pos += 6;
                if !(0xDC00..=0xDFFF).contains(&lo) {
                    out.extend_from_slice(REPLACEMENT);
                    return;
                }
                let code = 0x10000 + ((u32::from(hi) - 0xD800) << 10) + (u32::from(lo) - 0xDC00);
                let ch = char::from_u32(code).unwrap_or('\u{FFFD}');
                out.extend_from_slice(ch.to_string().as_bytes());
            }
            0xDC00..=0xDFFF => out.extend_from_slice(REPLACEMENT),
            _ => {
                let ch = char::from_u32(u32::from(hi)).unwrap_or('\u{FFFD}');
                out.extend_from_slice(ch.to_string().as_bytes());
            }
        }
    }
}

/// Keeps the exact bytes: valid UTF-8 becomes a `String`, anything else stays raw bytes inside
/// rmpv's `Utf8String` (which tolerates invalid UTF-8).
fn out_to_string_lossless(bytes: Vec<u8>) -> Utf8String {
    match String::from_utf8(bytes) {
        Ok(s) => Utf8String::from(s),
        Err(e) => raw_utf8_string(e.into_bytes()),
    }
}

/// An rmpv string holding bytes that are not valid UTF-8 (msgpack `str` with raw content).
pub fn raw_utf8_string(bytes: Vec<u8>) -> Utf8String {
    let mut encoded = Vec::with_capacity(bytes.len() + 5);
    // Encode as msgpack str and decode: the only public way to build an invalid Utf8String.
    rmp::encode::write_str_len(&mut encoded, bytes.len() as u32).ok();
    encoded.extend_from_slice(&bytes);
    match rmpv::decode::read_value(&mut encoded.as_slice()) {
        Ok(Value::String(s)) => s,
        _ => Utf8String::from(String::from_utf8_lossy(&bytes).into_owned()),
    }
}
