//! Private keys printed line by line: container runtimes turn each line into its own record,
//! so a block opened in one record is masked in the following records of the same stream (tag)
//! until its END line, a line that cannot belong to a key, or a length no key has.

use std::collections::BTreeMap;

use crate::walk::RecordState;

/// A 8192-bit RSA key in PEM is about 100 lines; nothing longer is a key.
const MAX_LINES: u32 = 200;
/// Streams tracked at once (each open block costs its tag's length).
const MAX_STREAMS: usize = 4096;

#[derive(Debug, Default)]
pub struct OpenBlocks {
    /// tag → records still allowed to continue the block.
    open: BTreeMap<String, u32>,
}

impl OpenBlocks {
    pub fn is_open(&self, tag: &str) -> bool {
        self.open.contains_key(tag)
    }

    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// Records what this record did to its stream's block.
    pub fn update(&mut self, tag: &str, st: &RecordState) {
        if st.pem_opened {
            if !self.open.contains_key(tag) && self.open.len() >= MAX_STREAMS {
                self.open.pop_first();
            }
            self.open.insert(tag.to_string(), MAX_LINES);
            return;
        }
        if !st.pem_open {
            return;
        }
        if st.pem_closed || !st.pem_continued {
            self.open.remove(tag);
            return;
        }
        if let Some(left) = self.open.get_mut(tag) {
            *left -= 1;
            if *left == 0 {
                self.open.remove(tag);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(open: bool, continued: bool, closed: bool, opened: bool) -> RecordState {
        let mut s = RecordState::default();
        s.reset(open);
        s.pem_continued = continued;
        s.pem_closed = closed;
        s.pem_opened = opened;
        s
    }

    #[test]
    fn lifecycle() {
        let mut b = OpenBlocks::default();
        b.update("a", &st(false, false, false, true));
        assert!(b.is_open("a") && !b.is_open("b"));
        b.update("a", &st(true, true, false, false));
        assert!(b.is_open("a"));
        b.update("a", &st(true, true, true, false));
        assert!(!b.is_open("a"));
        b.update("a", &st(false, false, false, true));
        b.update("a", &st(true, false, false, false));
        assert!(!b.is_open("a"), "a record that is not a key line ends the block");
    }

    #[test]
    fn blocks_end_after_the_longest_key() {
        let mut b = OpenBlocks::default();
        b.update("a", &st(false, false, false, true));
        for _ in 0..MAX_LINES {
            b.update("a", &st(true, true, false, false));
        }
        assert!(b.is_empty());
    }
}
