//! Tests for logward-wamr-model.
//!
//! Golden data in `tests/golden/*.wamr` was produced by WAMR 2.4.1 itself (Fluent Bit
//! v5.1.1's `libvmlib-static.a`, same build flags) via `/work/fb/tools/wamr-dump cells`:
//! one line per defined function: `idx param_cells local_cells const_cells max_stack_cells
//! frame_bytes`. Depth thresholds marked "real Fluent Bit" were measured with
//! `/work/fb/run-fb.sh` on Fluent Bit 5.1.1 (see /work/fb/FINDINGS.md).

use logward_wamr_model as model;
use wasmtime::{Engine, Instance, Linker, Module, Store, Val};

fn golden(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn wat(name: &str) -> Vec<u8> {
    wat::parse_bytes(&golden(name)).unwrap().into_owned()
}

fn check_golden_cells(wasm: &[u8], wamr: &str) {
    let expected = String::from_utf8(golden(wamr)).unwrap();
    let cells = model::func_cells(wasm).unwrap();
    let sizes = model::frame_sizes(wasm).unwrap();
    let mut n = 0;
    for line in expected.lines().filter(|l| !l.trim().is_empty()) {
        let v: Vec<u32> = line.split_whitespace().map(|x| x.parse().unwrap()).collect();
        let i = v[0] as usize;
        let c = cells[i];
        assert_eq!(
            [c.param_cell_num, c.local_cell_num, c.const_cell_num, c.max_stack_cell_num, c.frame_bytes()],
            [v[1], v[2], v[3], v[4], v[5]],
            "{wamr}: function {i}"
        );
        assert_eq!(sizes[i], v[5]);
        n += 1;
    }
    assert_eq!(n, cells.len(), "{wamr}: function count");
}

#[test]
fn golden_cells_tricky_control_flow() {
    check_golden_cells(&wat("tricky.wat"), "tricky.wamr");
}

#[test]
fn golden_cells_recurse_probe() {
    check_golden_cells(&wat("recurse.wat"), "recurse.wamr");
}

#[test]
fn golden_cells_import_probe() {
    check_golden_cells(&wat("import_depth.wat"), "import_depth.wamr");
}

#[test]
fn golden_cells_rust_cdylib_with_serde_json() {
    // 300 functions of a Rust 1.95 wasm32-wasip1 cdylib (serde_json, std, dlmalloc)
    check_golden_cells(&golden("fbprobe.wasm"), "fbprobe.wamr");
}

#[test]
fn frame_formula_by_hand() {
    // $rec in recurse.wat: 1 param cell, 0 locals, consts {0, 1} = 2 cells, 3 dynamic cells
    // -> 40 + 4 * (2 + 1 + 0 + 3) = 64
    let sizes = model::frame_sizes(&wat("recurse.wat")).unwrap();
    assert_eq!(sizes[0], 64);
    assert_eq!(model::entry_frame_bytes(1), 48);
    assert_eq!(model::entry_frame_bytes(0), 48);
    assert_eq!(model::entry_frame_bytes(3), 52);
    assert_eq!(model::import_frame_bytes(11), 84);
    assert_eq!(model::import_frame_bytes(1), 48);
    // exported `rec` (a 52-byte wrapper frame calling $rec) called by the host:
    // 48 + 52 + (k-1)*64 + 2*64 <= 8192 -> k = 125 frames of $rec, i.e. rec(124)
    assert_eq!(sizes[5], 52);
    assert_eq!(model::max_self_recursion_frames(64, 48 + 52, 8192), 125);
    assert_eq!(model::max_self_recursion_frames(240, 48 + 52, 8192), 32);
}

/// A wasmtime instance of an instrumented module with every import stubbed to return zeros.
struct Sim {
    store: Store<()>,
    inst: Instance,
}

impl Sim {
    fn new(wasm: &[u8]) -> Sim {
        let instrumented = model::instrument_stack(wasm).unwrap();
        let engine = Engine::default();
        let module = Module::new(&engine, &instrumented).unwrap();
        let mut store = Store::new(&engine, ());
        let mut linker: Linker<()> = Linker::new(&engine);
        linker.define_unknown_imports_as_default_values(&mut store, &module).unwrap();
        let inst = linker.instantiate(&mut store, &module).unwrap();
        Sim { store, inst }
    }
    fn global(&mut self, name: &str) -> wasmtime::Global {
        self.inst.get_global(&mut self.store, name).unwrap()
    }
    fn get(&mut self, name: &str) -> i32 {
        let g = self.global(name);
        g.get(&mut self.store).unwrap_i32()
    }
    fn set(&mut self, name: &str, v: i32) {
        let g = self.global(name);
        g.set(&mut self.store, Val::I32(v)).unwrap();
    }
    /// Calls `func` the way WAMR's host entry does; Ok(result) or Err(overflow frame size).
    fn call(&mut self, func: &str, args: &[i32], limit: u32, entry: u32) -> Result<i32, i32> {
        self.set(model::GLOBAL_LIMIT, limit as i32);
        self.set(model::GLOBAL_USED, entry as i32);
        self.set(model::GLOBAL_PEAK, 0);
        self.set(model::GLOBAL_OVERFLOW, 0);
        let f = self.inst.get_func(&mut self.store, func).unwrap();
        let args: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
        let nres = f.ty(&self.store).results().len();
        let mut res = vec![Val::I32(0); nres];
        match f.call(&mut self.store, &args, &mut res) {
            Ok(()) => Ok(res.first().map(|v| v.unwrap_i32()).unwrap_or(0)),
            Err(e) => {
                let o = self.get(model::GLOBAL_OVERFLOW);
                assert!(o != 0, "guest trap that is not a modelled overflow: {e:?}");
                Err(o)
            }
        }
    }
    /// Largest `n` for which `func(n)` does not overflow.
    fn max_ok(&mut self, func: &str, limit: u32, entry: u32, hi: i32) -> i32 {
        let mut best = -1;
        for n in 0..=hi {
            match self.call(func, &[n], limit, entry) {
                Ok(_) => best = n,
                Err(_) => break,
            }
        }
        best
    }
}

/// Calls the recurse.wat filter export like Fluent Bit does (record `{"depth":N}` in guest
/// memory) and returns the deepest N that does not overflow.
fn filter_max_depth(sim: &mut Sim, func: &str, limit: u32) -> u32 {
    let mem = sim.inst.get_memory(&mut sim.store, "memory").unwrap();
    let mut best = 0;
    for n in 0..3000u32 {
        let rec = format!("{{\"depth\":{n}}}");
        mem.write(&mut sim.store, 4096, rec.as_bytes()).unwrap();
        match sim.call(func, &[0, 0, 0, 0, 4096, rec.len() as i32], limit, 48) {
            Ok(_) => best = n,
            Err(_) => break,
        }
    }
    best
}

#[test]
fn recursion_depth_matches_wamr_and_real_fluent_bit() {
    let wasm = wat("recurse.wat");
    let mut sim = Sim::new(&wasm);
    // Direct export `rec`: WAMR (wamr-dump call) accepts n=124 and overflows at 125 for 8192.
    assert_eq!(sim.max_ok("rec", 8192, 48, 2000), 124);
    assert_eq!(sim.max_ok("rec_big", 8192, 48, 2000), 31);
    // Through the filter export (`filter` frame 76 + `rec`), real Fluent Bit 5.1.1 kept
    // records up to depth 124 / 508 / 1020 (rec) and 31 / 134 / 270 (rec_big) for
    // Wasm_Stack_Size 8192 / 32768 / 65536.
    let sizes = model::frame_sizes(&wasm).unwrap();
    for (limit, rec, big) in [(8192u32, 124u32, 31u32), (32768, 508, 134), (65536, 1020, 270)] {
        // closed form: entry + filter frame + (n+1) rec frames, the last needing 2x
        let closed = |f: u32| (limit - 48 - 76 - 2 * f) / f;
        assert_eq!(closed(sizes[0]), rec);
        assert_eq!(closed(sizes[1]), big);
        assert_eq!(filter_max_depth(&mut sim, "filter", limit), rec);
        assert_eq!(filter_max_depth(&mut sim, "filter_big", limit), big);
    }
    // 64K in a Fluent Bit config means 64000 bytes: real Fluent Bit kept depth 996.
    assert_eq!(filter_max_depth(&mut sim, "filter", 64000), 996);
}

#[test]
fn used_returns_to_base_on_every_exit_path() {
    let wasm = wat::parse_str(
        r#"(module
          (func $f (export "f") (param i32) (result i32)
            block $out
              block
                local.get 0
                i32.eqz
                br_if $out          ;; branch to a block
                local.get 0
                i32.const 1
                i32.eq
                if
                  i32.const 11
                  return            ;; return from inside an if inside a block
                end
                i32.const 22
                local.get 0
                i32.const 2
                i32.eq
                br_if 2             ;; branch to the function label
                drop
                local.get 0
                i32.const 3
                i32.eq
                if
                  i32.const 33
                  br 3              ;; br to the function label from inside an if
                end
              end
            end
            local.get 0
            i32.const 100
            i32.add)
          (func (export "call_f") (param i32) (result i32)
            local.get 0 call $f local.get 0 call $f i32.add)
          (func (export "multi") (param i32) (result i32 i64)
            local.get 0
            i64.const 5
            local.get 0
            if (param i32 i64) (result i32 i64)
              return
            end))"#,
    )
    .unwrap();
    let sizes = model::frame_sizes(&wasm).unwrap();
    let mut sim = Sim::new(&wasm);
    for n in 0..5 {
        let r = sim.call("f", &[n], 8192, 48);
        assert!(r.is_ok());
        assert_eq!(sim.get(model::GLOBAL_USED), 48, "n={n}");
        assert_eq!(sim.get(model::GLOBAL_PEAK), 48 + sizes[0] as i32);
    }
    assert_eq!(sim.call("f", &[1], 8192, 48), Ok(11));
    assert_eq!(sim.call("f", &[0], 8192, 48), Ok(100));
    assert_eq!(sim.call("f", &[2], 8192, 48), Ok(22));
    assert_eq!(sim.call("f", &[3], 8192, 48), Ok(33));
    assert_eq!(sim.call("f", &[4], 8192, 48), Ok(104));
    let r = sim.call("call_f", &[3], 8192, 48);
    assert_eq!(r, Ok(66));
    assert_eq!(sim.get(model::GLOBAL_USED), 48);
    assert_eq!(sim.get(model::GLOBAL_PEAK), 48 + (sizes[1] + sizes[0]) as i32);
    let r = sim.call("multi", &[1], 8192, model::entry_frame_bytes(3));
    assert!(r.is_ok());
    assert_eq!(sim.get(model::GLOBAL_USED), model::entry_frame_bytes(3) as i32);
    // exactly at the boundary: frame fits iff used + 2*frame <= limit
    let limit = 48 + 2 * sizes[0];
    assert!(sim.call("f", &[5], limit, 48).is_ok());
    assert_eq!(sim.call("f", &[5], limit - 1, 48), Err(sizes[0] as i32));
}

#[test]
fn import_calls_are_checked_like_wamr_native_frames() {
    // WAMR (wamr-dump call, 8192): rec_imp(103) ok, rec_imp(104) overflows at the path_open
    // call (native frame 40 + 4*11 = 84, needs used + 168 <= 8192) although the wasm frames
    // alone would allow 105.
    let wasm = wat("import_depth.wat");
    let mut sim = Sim::new(&wasm);
    assert_eq!(sim.max_ok("rec_imp", 8192, 48, 400), 103);
    assert_eq!(sim.call("rec_imp", &[104], 8192, 48), Err(84));
    let f = model::frame_sizes(&wasm).unwrap()[0];
    assert_eq!(model::max_self_recursion_frames(f, 48, 8192) - 1, 105);
}

#[test]
fn initialize_runs_under_the_same_limit() {
    // Real Fluent Bit: `_initialize` recursing to K in $rec starts for K=124 and fails
    // ("wasm operand stack overflow") for K=125 at 8192; 508/509 at 32768; 1020/1021 at 65536.
    let tmpl = String::from_utf8(golden("init_rec.wat.tmpl")).unwrap();
    for (limit, ok_k) in [(8192u32, 124), (32768, 508), (65536, 1020)] {
        for (k, expect_ok) in [(ok_k, true), (ok_k + 1, false)] {
            let wasm = wat::parse_str(tmpl.replace("DEPTH", &k.to_string())).unwrap();
            let mut sim = Sim::new(&wasm);
            let r = sim.call("_initialize", &[], limit, model::entry_frame_bytes(0));
            assert_eq!(r.is_ok(), expect_ok, "limit {limit} K {k}");
        }
    }
}

#[test]
fn serde_json_depth_matches_real_fluent_bit() {
    // fbprobe.wasm `filter_serde_str` parses the record, then its "s" field, with serde_json.
    // Real Fluent Bit 5.1.1 (JSON mode, tag "logward.test"): nesting survives up to
    // 16 / 75 / 127 for Wasm_Stack_Size 8192 / 32768 / 65536 (127 is serde_json's own
    // recursion limit: 128+ return {"err":..}).
    let wasm = golden("fbprobe.wasm");
    let entry = model::export_entry_frame_bytes(&wasm, "filter_serde_str").unwrap();
    assert_eq!(entry, 48);
    for (limit, expect) in [(8192u32, 16), (32768, 75), (65536, 127)] {
        // fresh instance per limit: a trapped call leaks Rust's shadow stack (as in WAMR)
        let mut sim = Sim::new(&wasm);
        let mem = sim.inst.get_memory(&mut sim.store, "memory").unwrap();
        let base = mem.grow(&mut sim.store, 1).unwrap() as usize * 65536;
        let tag = b"logward.test\0";
        mem.write(&mut sim.store, base, tag).unwrap();
        let mut best = 0;
        for d in 1..=130 {
            let rec = format!("{{\"s\":\"{}{}\"}}\0", "[".repeat(d), "]".repeat(d));
            let rp = base + 64;
            mem.write(&mut sim.store, rp, rec.as_bytes()).unwrap();
            let r = sim.call(
                "filter_serde_str",
                &[base as i32, 12, 0, 0, rp as i32, rec.len() as i32 - 1],
                limit,
                entry,
            );
            match r {
                Ok(p) => {
                    let data = mem.data(&sim.store);
                    let p = p as usize;
                    if &data[p..p + 8] == b"{\"ok\":1}" {
                        best = d;
                    }
                }
                Err(_) => break,
            }
        }
        assert_eq!(best, expect, "limit {limit}");
    }
}

#[test]
fn instrumented_rust_module_validates_and_keeps_exports() {
    let wasm = golden("fbprobe.wasm");
    let out = model::instrument_stack(&wasm).unwrap();
    wasmparser::Validator::new().validate_all(&out).unwrap();
    let names: Vec<String> = wasmparser::Parser::new(0)
        .parse_all(&out)
        .filter_map(|p| match p.unwrap() {
            wasmparser::Payload::ExportSection(r) => {
                Some(r.into_iter().map(|e| e.unwrap().name.to_string()).collect::<Vec<_>>())
            }
            _ => None,
        })
        .flatten()
        .collect();
    for n in ["filter_echo", "filter_serde", model::GLOBAL_USED, model::GLOBAL_PEAK, model::GLOBAL_LIMIT] {
        assert!(names.iter().any(|x| x == n), "{n}");
    }
    assert!(model::instrument_stack(&out).is_err(), "double instrumentation is refused");
    // a module without globals/exports gets both sections
    let bare = wat::parse_str("(module (func (result i32) i32.const 1))").unwrap();
    let out = model::instrument_stack(&bare).unwrap();
    wasmparser::Validator::new().validate_all(&out).unwrap();
}

#[test]
fn app_heap_capacity_matches_wamr_and_fluent_bit() {
    // WAMR (wamr-dump heap): largest single module_malloc = capacity - 4.
    // Rust cdylib (memory.grow present, no __heap_base export): one appended 64 KiB page,
    // pool 64512, capacity 64504 (max single alloc 64500). Heap 100000 -> 2 pages: 130040.
    let rust = golden("fbprobe.wasm");
    let h = model::app_heap(&rust, 8192).unwrap();
    assert_eq!(h.placement, model::HeapPlacement::NewPages);
    assert_eq!((h.pool_bytes, h.capacity), (64512, 64504));
    assert_eq!(model::app_heap_capacity(&rust, 0), 64504); // below default -> default
    assert_eq!(model::app_heap_capacity(&rust, 100000), 130040);
    // Module without memory.grow: memory becomes one fixed page and the heap is appended
    // with exactly Wasm_Heap_Size bytes: pool 8192, capacity 8184 (max single alloc 8180).
    let wat_mod = wat("recurse.wat");
    let h = model::app_heap(&wat_mod, 8192).unwrap();
    assert_eq!(h.placement, model::HeapPlacement::AppendedToSinglePage);
    assert_eq!(h.capacity, 8184);
    // malloc + free exported: app heap disabled
    assert_eq!(model::app_heap_capacity(&golden("fbprobe_malloc.wasm"), 8192), u64::MAX);

    // allocation cost
    assert_eq!(model::app_heap_alloc_cost(0), 16);
    assert_eq!(model::app_heap_alloc_cost(12), 16);
    assert_eq!(model::app_heap_alloc_cost(13), 24);
    assert_eq!(model::app_heap_alloc_cost(8156), 8160);

    // Real Fluent Bit 5.1.1, JSON mode, tag "logward.test" (13-byte copy):
    // Rust cdylib: records of 64475 JSON bytes arrive, 64476 arrive as pointer 0.
    assert!(model::record_fits(64504, 12, 64475 + 1));
    assert!(!model::record_fits(64504, 12, 64476 + 1));
    // WAT module with 8 KiB appended heap: 8155 arrives, 8156 does not.
    assert!(model::record_fits(8184, 12, 8155 + 1));
    assert!(!model::record_fits(8184, 12, 8156 + 1));
}
