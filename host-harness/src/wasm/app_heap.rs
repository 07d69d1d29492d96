//! An emulation of WAMR's "app heap": the block of linear memory WAMR adds to a module that
//! does not export both `malloc` and `free`, and from which it copies the tag and record
//! (`wasm_runtime_module_dup_data`). Its size and per-allocation cost come from
//! `logward-wamr-model`; here we only keep the books so that exactly the copies that would
//! not fit in Fluent Bit do not fit here either (the guest then receives pointer 0).

/// A first-fit allocator over `[base, base + capacity)` in guest memory.
#[derive(Debug, Clone)]
pub struct AppHeap {
    base: u32,
    capacity: u64,
    cost: fn(u32) -> u64,
    /// Live blocks as (offset from base, cost), sorted by offset.
    blocks: Vec<(u64, u64)>,
}

impl AppHeap {
    /// A heap at guest address `base` with `capacity` usable bytes; `cost(n)` is what an
    /// allocation of `n` bytes consumes (header and alignment included).
    pub fn new(base: u32, capacity: u64, cost: fn(u32) -> u64) -> Self {
        AppHeap {
            base,
            capacity,
            cost,
            blocks: Vec::new(),
        }
    }

    /// Guest address of a new block of `size` bytes, or `None` when it does not fit.
    pub fn alloc(&mut self, size: u32) -> Option<u32> {
        let need = (self.cost)(size).max(u64::from(size));
        let mut cursor = 0u64;
        let mut insert_at = self.blocks.len();
        for (i, &(offset, len)) in self.blocks.iter().enumerate() {
            if offset - cursor >= need {
                insert_at = i;
                break;
            }
            cursor = offset + len;
        }
        if insert_at == self.blocks.len() && self.capacity.saturating_sub(cursor) < need {
            return None;
        }
        self.blocks.insert(insert_at, (cursor, need));
        u32::try_from(u64::from(self.base) + cursor).ok()
    }

    /// Releases the block at guest address `addr`; returns false if no block starts there.
    pub fn free(&mut self, addr: u32) -> bool {
        let Some(offset) = u64::from(addr).checked_sub(u64::from(self.base)) else {
            return false;
        };
        match self.blocks.iter().position(|&(o, _)| o == offset) {
            Some(i) => {
                self.blocks.remove(i);
                true
            }
            None => false,
        }
    }

    /// Whether `addr` lies inside the heap.
    pub fn contains(&self, addr: u32) -> bool {
        let addr = u64::from(addr);
        addr >= u64::from(self.base) && addr < u64::from(self.base) + self.capacity
    }

    /// Usable bytes.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Bytes currently allocated (costs included).
    pub fn used(&self) -> u64 {
        self.blocks.iter().map(|&(_, len)| len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::AppHeap;

    fn cost(n: u32) -> u64 {
        u64::from(n).div_ceil(8) * 8 + 8
    }

    #[test]
    fn fills_and_frees() {
        let mut heap = AppHeap::new(65536, 64, cost);
        let a = heap.alloc(10).unwrap(); // 24 bytes
        let b = heap.alloc(20).unwrap(); // 32 bytes
        assert_eq!(a, 65536);
        assert_eq!(b, 65536 + 24);
        assert_eq!(heap.alloc(1), None); // 16 more would exceed 64
        assert!(heap.free(a));
        assert_eq!(heap.alloc(1), Some(65536)); // reuses the first gap
        assert!(!heap.free(12345));
        assert_eq!(heap.used(), 16 + 32);
    }

    #[test]
    fn exact_fit_and_too_big() {
        let mut heap = AppHeap::new(0, 64_512, cost);
        assert_eq!(heap.alloc(64_496), Some(0)); // cost 64_504
        assert_eq!(heap.alloc(1), None); // 16 more bytes would exceed 64_512
        assert_eq!(heap.alloc(0), Some(64_504)); // exactly the 8 left
        let mut heap = AppHeap::new(0, 64_512, cost);
        assert_eq!(heap.alloc(64_512), None);
    }
}
