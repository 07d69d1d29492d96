(module
  (type $ii_i (func (param i32 i32) (result i32)))
  (type $i_ii (func (param i32) (result i32 i32)))
  (type $ii_ii (func (param i32 i32) (result i32 i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (table 2 funcref)
  (global $g (mut i32) (i32.const 0))
  (global $g64 (mut i64) (i64.const 0))
  ;; 0: if with params and no else
  (func (param i32) (result i32)
    i32.const 1 i32.const 2
    local.get 0
    if (param i32 i32) (result i32 i32) local.get 0 drop end
    i32.add)
  ;; 1: br_table in polymorphic state + select + local.set after i32.add
  (func (param i32 i32) (result i32) (local i32 i64)
    block $a (result i32)
      block $b (result i32)
        local.get 0 local.get 1 i32.add local.set 2
        local.get 2 local.get 0 local.get 1 select
        local.get 0 br_table $a $b $a
        unreachable
        br_table $a $b
      end
      i32.const 5 i32.add
    end)
  ;; 2: tee in polymorphic code, preserve of locals before blocks, 64-bit set-after-op
  (func (param i64 i32) (result i64) (local i64)
    local.get 0 local.get 0 i64.add local.set 2
    local.get 2
    local.get 1
    if (result i64) local.get 0 local.set 2 local.get 2 else local.get 2 end
    i64.add
    return
    local.tee 2)
  ;; 3: many duplicate consts (more than 10 distinct, then repeats)
  (func (result i32)
    i32.const 1 i32.const 2 i32.add i32.const 3 i32.add i32.const 4 i32.add i32.const 5 i32.add
    i32.const 6 i32.add i32.const 7 i32.add i32.const 8 i32.add i32.const 9 i32.add i32.const 10 i32.add
    i32.const 11 i32.add i32.const 1 i32.add i32.const 2 i32.add i32.const 11 i32.add
    f64.const 1.5 f64.const 2.5 f64.add i64.trunc_f64_s i64.const 7 i64.add i32.wrap_i64 i32.add
    f32.const 1 i32.reinterpret_f32 i32.add)
  ;; 4: multi-value block ends, loop with params, call_indirect, globals
  (func (param i32) (result i32 i32) (local i32)
    local.get 0 local.get 0
    block (type $ii_ii) i32.add local.get 0 end
    local.set 1
    local.get 1 i32.const 3
    loop (type $ii_i) i32.add global.get $g local.get 0 call_indirect (type $ii_i) end
    global.get $g64 i32.wrap_i64
    local.get 0 i32.const 1 call_indirect (type $i_ii) drop drop drop)
  ;; 5: many locals (> 256 cells) so local.set takes the slow path
  (func (param i32) (result i32)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i32 i32)
    local.get 0 local.get 0 i32.mul local.set 131
    local.get 131 local.get 0 i32.add local.tee 132
    i64.extend_i32_s local.set 130
    local.get 130 i32.wrap_i64)
  ;; 6: WASI call, memory ops, bulk memory, ref types
  (func (param i32) (result i32)
    local.get 0 i32.const 0 i32.const 8 memory.fill
    i32.const 1 local.get 0 i32.const 1 i32.const 0 call $fd_write
    ref.null func ref.is_null i32.add
    i32.const 0 table.get 0 ref.is_null i32.add
    memory.size i32.add
    i32.const 16 i32.load offset=4 i32.add
    local.get 0 i32.const 8 i32.const 4 memory.copy)
  ;; 7: dead code after br inside blocks (leaked dynamic slots)
  (func (param i32) (result i32)
    block (result i32)
      local.get 0 i32.const 2 i32.mul
      block (result i32) i32.const 7 local.get 0 br_if 0 drop i32.const 9 end
      i32.add
      br 0
      i32.const 3 i32.const 4 i32.add drop
    end
    block local.get 0 br_if 0 i32.const 1 drop end
    local.get 0 i32.add)
  (elem (i32.const 0) func 0 4)
)
