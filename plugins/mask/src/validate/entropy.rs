//! Shannon entropy of a candidate secret, in bits per byte: random tokens score high, words
//! and placeholders (`xxxxxxxx`, `changeme`) low.

pub fn shannon(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_beats_repetitive() {
        assert_eq!(shannon(b""), 0.0);
        assert_eq!(shannon(b"aaaa"), 0.0);
        assert!((shannon(b"ab") - 1.0).abs() < 1e-9);
        assert!(shannon(b"Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB") > 4.0);
        assert!(shannon(b"XXXXXXXXXXXXXXXXXXXXXXXXXXXXX1") < 1.0);
    }
}
