//! WAMR 2.4.1's "app heap" — where `wasm_runtime_module_dup_data` puts the tag
//! and record copies when the module does not export `malloc` + `free`.
//!
//! Sources (fluent-bit v5.1.1, `lib/wasm-micro-runtime-WAMR-2.4.1/`):
//! - heap placement/size: `core/iwasm/interpreter/wasm_runtime.c` `memory_instantiate` (l.276-495)
//! - heap_size rounding: `wasm_runtime.c` `wasm_instantiate` (l.2448-2450)
//! - memory reshaping at load: `core/iwasm/interpreter/wasm_loader.c` l.6269-6390 (aux globals),
//!   l.6393-6490 (malloc/free detection), l.6508-6580 (shrunk memory / one big page)
//! - allocator: `core/shared/mem-alloc/ems/ems_kfc.c` `gc_init_with_struct_and_pool` (l.89-129),
//!   `ems_alloc.c` `gc_alloc_vo_internal`, `alloc_hmu` (l.343-480), `ems_gc_internal.h` sizes.
//! - Fluent Bit clamps: `include/fluent-bit/wasm/flb_wasm.h` (defaults 8192),
//!   `plugins/filter_wasm/filter_wasm.c:399-404`, `src/wasm/flb_wasm.c:125-131`.

use crate::frame::{ModuleInfo, VT_I32, parse_module};
use wasmparser::{ExternalKind, Operator};

/// Fluent Bit's default (and minimum) `Wasm_Heap_Size` / `Wasm_Stack_Size`.
pub const FLB_WASM_DEFAULT_HEAP_SIZE: u32 = 8192;
pub const FLB_WASM_DEFAULT_STACK_SIZE: u32 = 8192;

const DEFAULT_NUM_BYTES_PER_PAGE: u64 = 65536;
const DEFAULT_MAX_PAGES: u64 = 65536;
const APP_HEAP_SIZE_MAX: u64 = 1024 * 1024 * 1024;
const APP_HEAP_SIZE_MIN: u64 = 256;
/// ems_gc.h: GC_HEAD_PADDING
const GC_HEAD_PADDING: u64 = 4;
/// sizeof(hmu_t): the 4-byte chunk header in front of every allocation
const HMU_SIZE: u64 = 4;
/// GC_SMALLEST_SIZE = GC_ALIGN_8(HMU_SIZE + 8)
const GC_SMALLEST_SIZE: u64 = 16;

/// How the app heap gets placed, for diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeapPlacement {
    /// The module exports `malloc` and `free`: WAMR disables its app heap and calls them.
    GuestMalloc,
    /// No linear memory: nothing can be copied in.
    NoMemory,
    /// Memory is (or was reshaped to) one fixed page: the heap is appended to it, `heap_size` bytes.
    AppendedToSinglePage,
    /// Inserted before `__heap_base` (module exports `__heap_base` and `__data_end`), `heap_size` bytes.
    BeforeHeapBase,
    /// Appended as new 64 KiB pages: `ceil(heap_size/64Ki)*64Ki - 1024` bytes.
    NewPages,
    /// Memory of zero fixed pages: resized to one `heap_size` page.
    ZeroPageMemory,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppHeap {
    pub placement: HeapPlacement,
    /// Bytes handed to the ems allocator (`heap_size` after WAMR's adjustments).
    pub pool_bytes: u64,
    /// Bytes the allocator can hand out as chunks: `(pool - 4) & !7`.
    /// Each allocation of n bytes consumes `app_heap_alloc_cost(n)` of it.
    pub capacity: u64,
}

/// Bytes one allocation of `n` bytes consumes from the ems heap:
/// `max(16, align8(4 + n))` (ems_alloc.c gc_alloc_vo_internal + alloc_hmu; BH_ENABLE_GC_VERIFY=0).
/// When the free chunk it is carved from would leave less than 16 bytes, the whole chunk is
/// taken; for Fluent Bit's two-allocation pattern (tag, then record, both freed after the call)
/// that never changes whether the record fits.
pub fn app_heap_alloc_cost(n: u32) -> u64 {
    let tot = (HMU_SIZE + n as u64 + 7) & !7;
    tot.max(GC_SMALLEST_SIZE)
}

fn exports_func(info: &ModuleInfo<'_>, name: &str) -> Option<u32> {
    info.exports
        .iter()
        .find(|(n, k, idx)| n == name && *k == ExternalKind::Func && *idx >= info.num_imported_funcs)
        .map(|e| e.2)
}

/// wasm_loader.c:6393-6490
fn has_malloc_and_free(info: &ModuleInfo<'_>) -> bool {
    let sig = |idx: u32, p: &[u8], r: &[u8]| {
        info.func_type(idx).map(|t| t.params == p && t.results == r).unwrap_or(false)
    };
    let mut malloc = false;
    let mut free = false;
    for (name, kind, idx) in &info.exports {
        if *kind != ExternalKind::Func || *idx < info.num_imported_funcs {
            continue;
        }
        match name.as_str() {
            "malloc" if sig(*idx, &[VT_I32], &[VT_I32]) => malloc = true,
            "__new" if sig(*idx, &[VT_I32, VT_I32], &[VT_I32]) => {
                // AssemblyScript: needs __retain or __pin as well
                let retain = ["__retain", "__pin"].iter().any(|n| {
                    exports_func(info, n).map(|i| sig(i, &[VT_I32], &[VT_I32])).unwrap_or(false)
                });
                if retain {
                    malloc = true;
                }
            }
            "free" | "__release" | "__unpin" if sig(*idx, &[VT_I32], &[]) => free = true,
            _ => {}
        }
    }
    malloc && free
}

fn global_export(info: &ModuleInfo<'_>, name: &str) -> Option<(bool, Option<i32>)> {
    let (_, _, idx) = info
        .exports
        .iter()
        .find(|(n, k, _)| n == name && *k == ExternalKind::Global)?;
    if *idx < info.num_imported_globals {
        return None;
    }
    info.global_inits.iter().find(|g| g.0 == *idx).map(|g| (g.1, g.2))
}

fn possible_memory_grow(info: &ModuleInfo<'_>) -> bool {
    for (_, body) in &info.bodies {
        let Ok(mut r) = body.get_operators_reader() else { return true };
        while !r.eof() {
            match r.read() {
                Ok(Operator::MemoryGrow { .. }) | Ok(Operator::MemorySize { .. }) => return true,
                Ok(_) => {}
                Err(_) => return true,
            }
        }
    }
    false
}

/// Full description of the app heap WAMR would create for `module` under Fluent Bit
/// with `Wasm_Heap_Size = wasm_heap_size`.
pub fn app_heap(module: &[u8], wasm_heap_size: u32) -> anyhow::Result<AppHeap> {
    let info = parse_module(module)?;
    // Fluent Bit: values not above the default are replaced by the default.
    let flb = if wasm_heap_size > FLB_WASM_DEFAULT_HEAP_SIZE {
        wasm_heap_size
    } else {
        FLB_WASM_DEFAULT_HEAP_SIZE
    } as u64;
    // wasm_instantiate: align to 8, cap at APP_HEAP_SIZE_MAX
    let mut heap_size = ((flb + 7) & !7).min(APP_HEAP_SIZE_MAX);

    if has_malloc_and_free(&info) {
        return Ok(AppHeap { placement: HeapPlacement::GuestMalloc, pool_bytes: 0, capacity: u64::MAX });
    }
    let Some((init0, max0, _imported)) = info.memory else {
        return Ok(AppHeap { placement: HeapPlacement::NoMemory, pool_bytes: 0, capacity: 0 });
    };
    let mut num_bytes_per_page = DEFAULT_NUM_BYTES_PER_PAGE;
    let mut init = init0;
    let mut max = max0.unwrap_or(DEFAULT_MAX_PAGES).min(DEFAULT_MAX_PAGES);

    // aux globals (wasm_loader.c:6274-6390)
    let heap_base = global_export(&info, "__heap_base")
        .and_then(|(m, v)| if !m { v } else { None })
        .map(|v| v as u32 as u64);
    let data_end = global_export(&info, "__data_end")
        .and_then(|(m, v)| if !m { v } else { None })
        .map(|v| ((v as u32 as u64) + 15) & !15);
    let aux_heap_base = match (heap_base, data_end) {
        (Some(hb), Some(de)) if de <= hb => Some(hb),
        _ => None,
    };
    let aux_stack_top = aux_heap_base.and_then(|hb| {
        info.global_inits
            .iter()
            .filter(|g| g.0 >= info.num_imported_globals)
            .find(|g| g.1 && g.2.map(|v| (v as u32 as u64) <= hb).unwrap_or(false))
            .map(|_| ())
    });

    // wasm_loader.c:6508-6580: no memory.grow/size anywhere → shrink / one big page
    if !possible_memory_grow(&info) {
        if let (Some(hb), Some(())) = (aux_heap_base, aux_stack_top) {
            let shrunk = (hb + 7) & !7;
            if shrunk <= u32::MAX as u64 && shrunk <= num_bytes_per_page * init {
                num_bytes_per_page = shrunk;
                init = 1;
            }
        }
        if init < DEFAULT_MAX_PAGES {
            num_bytes_per_page *= init;
            if init > 0 {
                init = 1;
                max = 1;
            } else {
                init = 0;
                max = 0;
            }
        }
    }

    // memory_instantiate (wasm_runtime.c:316-420)
    let heap_offset_full = num_bytes_per_page * init;
    if heap_size > 0 && heap_offset_full == 4 * 1024 * 1024 * 1024 {
        anyhow::bail!("failed to insert app heap into linear memory");
    }
    let placement;
    if init == max && init == 1 {
        placement = HeapPlacement::AppendedToSinglePage;
        if num_bytes_per_page + heap_size > u32::MAX as u64 {
            anyhow::bail!("failed to insert app heap into linear memory");
        }
    } else if init == max && init == 0 {
        placement = HeapPlacement::ZeroPageMemory;
    } else if let Some(hb) = aux_heap_base.filter(|hb| *hb < num_bytes_per_page * init) {
        placement = HeapPlacement::BeforeHeapBase;
        if hb % 8 != 0 {
            anyhow::bail!("init app heap failed (heap not 8-byte aligned)");
        }
    } else {
        placement = HeapPlacement::NewPages;
        let inc = heap_size.div_ceil(num_bytes_per_page);
        heap_size = num_bytes_per_page * inc;
        if heap_size > 0 {
            heap_size -= 1024;
        }
        if init + inc > DEFAULT_MAX_PAGES {
            anyhow::bail!("failed to insert app heap into linear memory");
        }
    }
    if heap_size < APP_HEAP_SIZE_MIN {
        anyhow::bail!("init app heap failed (pool below APP_HEAP_SIZE_MIN)");
    }
    // gc_init_with_struct_and_pool: base = pool + 4, size = (pool_end - base) & ~7
    let capacity = (heap_size - GC_HEAD_PADDING) & !7;
    Ok(AppHeap { placement, pool_bytes: heap_size, capacity })
}
