//! SHA-256, HMAC-SHA256 and the key ratchet, on top of `sha2`'s compression function.
//!
//! We drive the compression function ourselves (instead of the `hmac` crate) for one reason:
//! an HMAC key's precomputed inner/outer states are as good as the key for forging, so they
//! must be erased when an epoch ends. Here they are plain `[u32; 8]` arrays we zeroize; the
//! tests check every result against the `hmac` and `sha2` crates and RFC 4231.

use sha2::digest::generic_array::GenericArray;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A SHA-256 output: MACs, chain links, key material.
pub type Digest = [u8; 32];

/// The `prev` of the first record of a stream.
pub const GENESIS: Digest = [0; 32];

/// Domain separation for everything this crate hashes, so no MAC can be replayed as another.
pub const RECORD_DOMAIN: &[u8] = b"logward-chain/1 record\n";
pub const RATCHET_DOMAIN: &[u8] = b"logward-chain/1 ratchet";
pub const KEY_ID_DOMAIN: &[u8] = b"logward-chain/1 key-id";

const H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// Streaming SHA-256 that can start from a saved mid-state (an HMAC key's pad block).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Sha256 {
    state: [u32; 8],
    block: [u8; 64],
    filled: usize,
    /// Bytes hashed so far, the pad blocks included.
    total: u64,
}

impl Default for Sha256 {
    fn default() -> Self {
        Self::new()
    }
}

impl Sha256 {
    pub fn new() -> Self {
        Sha256 { state: H0, block: [0; 64], filled: 0, total: 0 }
    }

    fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
        sha2::compress256(state, std::slice::from_ref(GenericArray::from_slice(block)));
    }

    pub fn update(&mut self, mut data: &[u8]) {
        self.total = self.total.wrapping_add(data.len() as u64);
        if self.filled > 0 {
            let take = (64 - self.filled).min(data.len());
            let (head, rest) = data.split_at(take);
            if let Some(dst) = self.block.get_mut(self.filled..self.filled + take) {
                dst.copy_from_slice(head);
            }
            self.filled += take;
            data = rest;
            if self.filled < 64 {
                return;
            }
            Self::compress(&mut self.state, &self.block);
            self.filled = 0;
        }
        let mut chunks = data.chunks_exact(64);
        for chunk in &mut chunks {
            if let Ok(block) = <&[u8; 64]>::try_from(chunk) {
                Self::compress(&mut self.state, block);
            }
        }
        let rest = chunks.remainder();
        if let Some(dst) = self.block.get_mut(..rest.len()) {
            dst.copy_from_slice(rest);
        }
        self.filled = rest.len();
    }

    pub fn finish(mut self) -> Digest {
        let bits = self.total.wrapping_mul(8);
        let mut pad = [0u8; 72];
        pad[0] = 0x80;
        let zeros = (64 + 56 - (self.filled + 1) % 64) % 64;
        let len = 1 + zeros;
        pad[len..len + 8].copy_from_slice(&bits.to_be_bytes());
        let total = self.total;
        self.update(&pad[..len + 8]);
        self.total = total;
        let mut out = [0u8; 32];
        for (dst, word) in out.chunks_exact_mut(4).zip(self.state) {
            dst.copy_from_slice(&word.to_be_bytes());
        }
        out
    }

    /// SHA-256 of the concatenation of `parts`.
    pub fn digest(parts: &[&[u8]]) -> Digest {
        let mut h = Sha256::new();
        for p in parts {
            h.update(p);
        }
        h.finish()
    }
}

/// SHA-256 of `parts` continued from `state` (after `done` bytes, a multiple of 64); returns
/// the final state. The lean path for record MACs: no struct to erase (record data is not
/// secret, and a key's pad state copied into `state` is overwritten by the first compression),
/// whole blocks compressed straight from the input, padding written in place.
fn hash_parts(mut state: [u32; 8], done: u64, parts: &[&[u8]]) -> [u32; 8] {
    let mut block = [0u8; 64];
    let mut filled = 0usize;
    let mut total = done;
    for part in parts {
        let mut data: &[u8] = part;
        total = total.wrapping_add(data.len() as u64);
        if filled > 0 {
            let take = (64 - filled).min(data.len());
            let (head, rest) = data.split_at(take);
            if let Some(dst) = block.get_mut(filled..filled + take) {
                dst.copy_from_slice(head);
            }
            filled += take;
            data = rest;
            if filled < 64 {
                continue;
            }
            Sha256::compress(&mut state, &block);
        }
        let whole = data.len() / 64 * 64;
        compress_blocks(&mut state, data.get(..whole).unwrap_or_default());
        let rest = data.get(whole..).unwrap_or_default();
        if let Some(dst) = block.get_mut(..rest.len()) {
            dst.copy_from_slice(rest);
        }
        filled = rest.len();
    }
    // Padding: 0x80, zeros, the length in bits (big-endian) in the last 8 bytes.
    if let Some(tail) = block.get_mut(filled..) {
        tail.fill(0);
    }
    if let Some(b) = block.get_mut(filled) {
        *b = 0x80;
    }
    if filled >= 56 {
        Sha256::compress(&mut state, &block);
        block = [0; 64];
    }
    block[56..].copy_from_slice(&total.wrapping_mul(8).to_be_bytes());
    Sha256::compress(&mut state, &block);
    state
}

/// Compresses `data`, whole 64-byte blocks, one block per call: under an interpreter a copy
/// costs more than a call.
#[cfg(target_arch = "wasm32")]
fn compress_blocks(state: &mut [u32; 8], data: &[u8]) {
    for chunk in data.chunks_exact(64) {
        if let Ok(b) = <&[u8; 64]>::try_from(chunk) {
            Sha256::compress(state, b);
        }
    }
}

/// Compresses `data`, whole 64-byte blocks, up to eight blocks per call: SHA-NI code loads
/// and stores the state once per call (copying the blocks costs less).
#[cfg(not(target_arch = "wasm32"))]
fn compress_blocks(state: &mut [u32; 8], data: &[u8]) {
    type Block = GenericArray<u8, sha2::digest::consts::U64>;
    let mut blocks = [Block::default(); 8];
    for batch in data.chunks(64 * blocks.len()) {
        let n = batch.len() / 64;
        for (dst, src) in blocks.iter_mut().zip(batch.chunks_exact(64)) {
            dst.copy_from_slice(src);
        }
        sha2::compress256(state, blocks.get(..n).unwrap_or_default());
    }
}

fn state_bytes(state: &[u32; 8]) -> Digest {
    let mut out = [0u8; 32];
    for (dst, word) in out.chunks_exact_mut(4).zip(state) {
        dst.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// A 32-byte secret: a chain key of one epoch. Erased when dropped.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SecretKey(bytes)
    }

    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    /// The next epoch's key: `k' = HMAC-SHA256(k, "logward-chain/1 ratchet")`. One-way, so the
    /// key of a later epoch reveals nothing about an earlier one.
    pub fn ratchet(&self) -> SecretKey {
        SecretKey(HmacKey::new(&self.0).mac(&[RATCHET_DOMAIN]))
    }

    /// Names the chain key without revealing it: the first 4 bytes (8 hex digits) of
    /// SHA-256("logward-chain/1 key-id" ‖ k₀). Computed from the initial key only.
    pub fn key_id(&self) -> String {
        let d = Sha256::digest(&[KEY_ID_DOMAIN, &self.0]);
        hex(d.get(..4).unwrap_or_default())
    }
}

/// HMAC-SHA256 with the key's pad blocks absorbed once (two compressions saved per MAC).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct HmacKey {
    inner: [u32; 8],
    outer: [u32; 8],
}

impl HmacKey {
    /// Keys of at most 64 bytes (ours are 32) are used as they are, padded with zeros.
    pub fn new(key: &[u8; 32]) -> Self {
        let mut ipad = [0x36u8; 64];
        let mut opad = [0x5cu8; 64];
        for (i, k) in key.iter().enumerate() {
            ipad[i] ^= k;
            opad[i] ^= k;
        }
        let mut inner = H0;
        let mut outer = H0;
        Sha256::compress(&mut inner, &ipad);
        Sha256::compress(&mut outer, &opad);
        ipad.zeroize();
        opad.zeroize();
        HmacKey { inner, outer }
    }

    /// HMAC of the concatenation of `parts`.
    pub fn mac(&self, parts: &[&[u8]]) -> Digest {
        let inner = hash_parts(self.inner, 64, parts);
        // The outer message (the 32-byte inner hash) and its padding fill exactly one block:
        // 0x80 after it, and the length of pad block + hash, 96 bytes = 768 bits, at the end.
        let mut block = [0u8; 64];
        for (dst, word) in block.chunks_exact_mut(4).zip(inner) {
            dst.copy_from_slice(&word.to_be_bytes());
        }
        block[32] = 0x80;
        block[56..].copy_from_slice(&(96u64 * 8).to_be_bytes());
        let mut outer = self.outer;
        Sha256::compress(&mut outer, &block);
        state_bytes(&outer)
    }
}

/// How records are linked: keyed (forward-secure) or plain hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// HMAC-SHA256 under a ratcheting key: detects deliberate tampering.
    HmacSha256,
    /// SHA-256 without a key: detects accidents only (anyone can recompute it).
    Sha256,
}

/// Signs (or hashes) records under one epoch's key.
pub enum Signer {
    Hmac(HmacKey),
    Sha256,
}

impl Signer {
    pub fn for_key(key: Option<&SecretKey>) -> Self {
        match key {
            Some(k) => Signer::Hmac(HmacKey::new(k.expose())),
            None => Signer::Sha256,
        }
    }

    /// The MAC of a record: over the domain tag, the canonical chain header, a newline and the
    /// canonical record body.
    pub fn record_mac(&self, header: &[u8], body: &[u8]) -> Digest {
        self.mac_parts(&[RECORD_DOMAIN, header, b"\n", body])
    }

    /// [`record_mac`](Self::record_mac) of a message already laid out in one buffer:
    /// `RECORD_DOMAIN ‖ header ‖ "\n" ‖ body` (whole blocks are hashed in place).
    pub fn record_mac_of(&self, message: &[u8]) -> Digest {
        self.mac_parts(&[message])
    }

    fn mac_parts(&self, parts: &[&[u8]]) -> Digest {
        match self {
            Signer::Hmac(k) => k.mac(parts),
            Signer::Sha256 => state_bytes(&hash_parts(H0, 0, parts)),
        }
    }
}

/// Two lowercase hex digits for every byte value: one table load per byte instead of two
/// nibble lookups and two `char` pushes (this runs three times per record under an interpreter).
const HEX_PAIRS: [[u8; 2]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut table = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = [DIGITS[i >> 4], DIGITS[i & 0xf]];
        i += 1;
    }
    table
};

/// Lowercase hex of a digest, without allocating.
pub fn digest_hex(d: &Digest) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (pair, &b) in out.chunks_exact_mut(2).zip(d) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(b)]);
    }
    out
}

/// Appends the lowercase hex of `bytes`.
pub fn write_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.extend_from_slice(&HEX_PAIRS[usize::from(b)]);
    }
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() * 2);
    write_hex(&mut out, bytes);
    // Only ASCII hex digits were written.
    String::from_utf8(out).unwrap_or_default()
}

/// Parses exactly 64 hex digits (either case).
pub fn parse_digest(text: &str) -> Option<Digest> {
    parse_digest_bytes(text.as_bytes())
}

/// [`parse_digest`] on bytes.
pub fn parse_digest_bytes(bytes: &[u8]) -> Option<Digest> {
    let digits: &[u8; 64] = bytes.try_into().ok()?;
    let mut out = [0u8; 32];
    for (dst, eight) in out.chunks_exact_mut(4).zip(digits.chunks_exact(8)) {
        let word = u64::from_le_bytes(eight.try_into().ok()?);
        dst.copy_from_slice(&hex8(word)?.to_le_bytes());
    }
    Some(out)
}

const ONES: u64 = 0x0101_0101_0101_0101;

/// Eight hex digits (either case, the first in the lowest byte) to the four bytes they spell
/// (the first in the lowest byte); `None` unless all are hex digits. One word at a time: the
/// verifier reads two digests per record.
fn hex8(x: u64) -> Option<u32> {
    let high = ONES * 0x80;
    // Below 0x80 no byte of the sums below carries into the next.
    if x & high != 0 {
        return None;
    }
    let at_least = |v: u64, lo: u8| v + ONES * u64::from(0x80 - lo);
    let digit = at_least(x, b'0') & !at_least(x, b'9' + 1) & high;
    let lower = x | (ONES * 0x20);
    let letter = at_least(lower, b'a') & !at_least(lower, b'f' + 1) & high;
    if digit | letter != high {
        return None;
    }
    // Each byte's value: its low nibble, plus 9 for letters ('a' & 0xf = 1).
    let v = (x & (ONES * 0x0f)) + (letter >> 7) * 9;
    // (high nibble << 4 | low nibble) in the low byte of each 16-bit lane, then the lanes packed.
    let pairs = ((v & 0x00ff_00ff_00ff_00ff) << 4) | ((v >> 8) & 0x00ff_00ff_00ff_00ff);
    let packed = (pairs | (pairs >> 8)) & 0x0000_ffff_0000_ffff;
    Some(((packed | (packed >> 16)) & 0xffff_ffff) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};
    use proptest::prelude::*;
    use sha2::Digest as _;

    fn reference_hmac(key: &[u8], data: &[u8]) -> Digest {
        let mut m = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
        m.update(data);
        m.finalize().into_bytes().into()
    }

    #[test]
    fn rfc4231_case_2_style_vector_with_a_32_byte_key() {
        // RFC 4231 test case 2 uses the 4-byte key "Jefe"; zero-padding to 32 bytes is the same
        // HMAC key (keys are zero-padded to the block size).
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        let mac = HmacKey::new(&key).mac(&[b"what do ya want ", b"for nothing?"]);
        assert_eq!(hex(&mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn sha256_known_answers() {
        assert_eq!(hex(&Sha256::digest(&[])), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(hex(&Sha256::digest(&[b"a", b"bc"])), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    proptest! {
        #[test]
        fn matches_the_sha2_and_hmac_crates(key in any::<[u8; 32]>(), data in prop::collection::vec(any::<u8>(), 0..400), split in 0usize..400) {
            let split = split.min(data.len());
            let (a, b) = data.split_at(split);
            prop_assert_eq!(Sha256::digest(&[a, b]), <[u8; 32]>::from(sha2::Sha256::digest(&data)));
            prop_assert_eq!(HmacKey::new(&key).mac(&[a, b]), reference_hmac(&key, &data));
            prop_assert_eq!(state_bytes(&hash_parts(H0, 0, &[a, b, a])), <[u8; 32]>::from(sha2::Sha256::digest([a, b, a].concat())));
            let header = &data[..split / 2];
            let mut record = RECORD_DOMAIN.to_vec();
            record.extend_from_slice(header);
            record.push(b'\n');
            record.extend_from_slice(b);
            prop_assert_eq!(Signer::Sha256.record_mac(header, b), <[u8; 32]>::from(sha2::Sha256::digest(&record)));
            prop_assert_eq!(Signer::for_key(Some(&SecretKey::from_bytes(key))).record_mac(header, b), reference_hmac(&key, &record));
            prop_assert_eq!(Signer::for_key(Some(&SecretKey::from_bytes(key))).record_mac_of(&record), reference_hmac(&key, &record));
            prop_assert_eq!(Signer::Sha256.record_mac_of(&record), Signer::Sha256.record_mac(header, b));
        }
    }

    #[test]
    fn ratchet_is_hmac_of_the_domain_and_changes_the_key() {
        let k0 = SecretKey::from_bytes([7; 32]);
        let k1 = k0.ratchet();
        assert_eq!(k1.expose(), &reference_hmac(&[7; 32], RATCHET_DOMAIN));
        assert_ne!(k0, k1);
        assert_ne!(k1, k1.ratchet());
        assert_eq!(k0.key_id().len(), 8);
    }

    proptest! {
        /// The word-at-a-time decoder is the digit-by-digit one.
        #[test]
        fn digests_parse_digit_by_digit(text in prop::collection::vec(prop_oneof![
            4 => prop::sample::select(b"0123456789abcdefABCDEF".to_vec()),
            1 => any::<u8>(),
        ], 64)) {
            let value = |c: u8| (c as char).to_digit(16);
            let expected: Option<Vec<u8>> = text.chunks(2).map(|p| Some((value(p[0])? * 16 + value(p[1])?) as u8)).collect();
            prop_assert_eq!(parse_digest_bytes(&text).map(|d| d.to_vec()), expected);
        }
    }

    #[test]
    fn every_byte_in_every_place_of_a_word_decodes_as_a_digit_or_not_at_all() {
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut text = *b"0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789ABCDEF";
                text[8 + at] = b;
                let expected = (b as char).to_digit(16).map(|d| {
                    let mut hex = text;
                    hex[8 + at] = b"0123456789abcdef"[d as usize];
                    hex
                });
                assert_eq!(parse_digest_bytes(&text), expected.and_then(|h| parse_digest(std::str::from_utf8(&h).ok()?)), "{b:#x} at {at}");
                assert_eq!(parse_digest_bytes(&text).is_some(), b.is_ascii_hexdigit());
            }
        }
    }

    #[test]
    fn hex_round_trip() {
        let d = Sha256::digest(&[b"x"]);
        assert_eq!(parse_digest(&hex(&d)), Some(d));
        assert_eq!(parse_digest(&hex(&d).to_uppercase()), Some(d));
        assert_eq!(parse_digest("00"), None);
        assert_eq!(&digest_hex(&d)[..], hex(&d).as_bytes());
        let all: Vec<u8> = (0..=255).collect();
        let reference: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex(&all), reference);
        assert_eq!(parse_digest(&"g".repeat(64)), None);
        for bad in ["0".repeat(63) + "/", "0".repeat(63) + ":", "0".repeat(63) + "@", "0".repeat(63) + "G", "0".repeat(63) + "`", "0".repeat(63) + "g", "0".repeat(62) + "é"] {
            assert_eq!(parse_digest(&bad), None, "{bad}");
        }
        assert_eq!(parse_digest(&"aF".repeat(32)), Some([0xaf; 32]));
    }
}
