//! WAMR's memory services for [`WamrInstance`]: `wasm_runtime_module_malloc`/`module_free`
//! (module allocator or emulated app heap), copying into guest memory, and reading results
//! (`wasm_runtime_validate_app_str_addr` + `strdup` for v1, a bounded slice for v2).

use super::instance::WamrInstance;
use super::traps::ExceptionKind;

impl WamrInstance {
    /// `wasm_runtime_module_malloc` as used by `module_dup_data`: 0 on failure. Returns the
    /// address and, for the app heap, whether it was full (WAMR logs a warning then).
    pub fn module_malloc(&mut self, size: u32) -> (u32, bool) {
        if self.memory.is_none() {
            self.set_exception("uninitialized memory", ExceptionKind::Trap);
            return (0, false);
        }
        if let Some(heap) = &mut self.app_heap {
            return match heap.alloc(size) {
                Some(addr) => (addr, false),
                None => (0, true),
            };
        }
        let Some((malloc, _)) = self.malloc_free else {
            return (0, true);
        };
        let mut cells = vec![size];
        if !self.call_cells(&malloc, &mut cells) {
            return (0, false);
        }
        (cells[0], cells[0] == 0)
    }

    /// `wasm_runtime_module_free`.
    pub fn module_free(&mut self, addr: u32) {
        if addr == 0 {
            return;
        }
        if let Some(heap) = &mut self.app_heap
            && heap.contains(addr)
        {
            heap.free(addr);
            return;
        }
        if let Some((_, free)) = self.malloc_free
            && (addr as usize) < self.memory_size()
        {
            let mut cells = vec![addr];
            self.call_cells(&free, &mut cells);
        }
    }

    /// Copies `bytes` into guest memory at `addr` (an address `module_malloc` returned).
    /// `false` if the range is outside memory (a broken guest `malloc`).
    pub fn write_bytes(&mut self, addr: u32, bytes: &[u8]) -> bool {
        let Some(memory) = self.memory else {
            return false;
        };
        let data = memory.data_mut(&mut self.store);
        let start = addr as usize;
        match data.get_mut(start..start + bytes.len()) {
            Some(dest) => {
                dest.copy_from_slice(bytes);
                true
            }
            None => false,
        }
    }

    /// `wasm_runtime_validate_app_str_addr` + `strdup`: the NUL-terminated string at `addr`.
    /// On failure WAMR sets the exception "out of bounds memory access" — and nobody clears it.
    pub fn read_c_string(&mut self, addr: u32) -> Option<Vec<u8>> {
        let found = self.memory.and_then(|memory| {
            let data = memory.data(&self.store);
            let start = addr as usize;
            let rest = data.get(start..)?;
            let len = rest.iter().position(|&b| b == 0)?;
            Some(rest[..len].to_vec())
        });
        if found.is_none() {
            self.set_exception("out of bounds memory access", ExceptionKind::Trap);
        }
        found
    }

    /// `len` bytes at `addr`, if they lie inside memory (ABI v2 results).
    pub fn read_bytes(&self, addr: u32, len: u32) -> Option<Vec<u8>> {
        let memory = self.memory?;
        let data = memory.data(&self.store);
        let start = addr as usize;
        data.get(start..start.checked_add(len as usize)?)
            .map(<[u8]>::to_vec)
    }
}
