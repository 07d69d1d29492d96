(module
  (memory (export "memory") 1)
  (data (i32.const 1024) "{\"ok\":1}\00")
  (data (i32.const 1040) "{\"null\":1}\00")
  (global $sp (mut i32) (i32.const 0))
  ;; simple recursion: frame = header + params/locals/consts/stack cells
  (func $rec (param $n i32) (result i32)
    local.get $n
    i32.eqz
    if (result i32)
      i32.const 0
    else
      local.get $n
      i32.const 1
      i32.sub
      call $rec
      i32.const 1
      i32.add
    end)
  ;; a fatter frame: 20 i64 locals, some consts
  (func $rec_big (param $n i32) (result i32)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    i64.const 7 local.set 1
    i64.const 9 local.set 2
    local.get $n
    i32.eqz
    if (result i32)
      i32.const 0
    else
      local.get $n
      i32.const 1
      i32.sub
      call $rec_big
      i32.const 1
      i32.add
    end)
  ;; parse the first run of digits in the record as N
  (func $parse (param $p i32) (param $len i32) (result i32)
    (local $i i32) (local $n i32) (local $c i32) (local $seen i32)
    block $done
      loop $l
        local.get $i
        local.get $len
        i32.ge_u
        br_if $done
        local.get $p
        local.get $i
        i32.add
        i32.load8_u
        local.tee $c
        i32.const 48
        i32.sub
        i32.const 10
        i32.lt_u
        if
          local.get $n
          i32.const 10
          i32.mul
          local.get $c
          i32.const 48
          i32.sub
          i32.add
          local.set $n
          i32.const 1
          local.set $seen
        else
          local.get $seen
          br_if $done
        end
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br $l
      end
    end
    local.get $n)
  (func (export "filter") (param i32 i32 i32 i32 i32 i32) (result i32)
    local.get 4
    local.get 5
    call $parse
    call $rec
    drop
    local.get 4)
  (func (export "filter_big") (param i32 i32 i32 i32 i32 i32) (result i32)
    local.get 4
    local.get 5
    call $parse
    call $rec_big
    drop
    local.get 4)
  (func (export "rec") (param i32) (result i32) local.get 0 call $rec)
  (func (export "rec_big") (param i32) (result i32) local.get 0 call $rec_big)
  (func (export "static") (param i32 i32 i32 i32 i32 i32) (result i32) i32.const 1024)
  (func (export "nullcheck") (param i32 i32 i32 i32 i32 i32) (result i32)
    local.get 4
    i32.eqz
    if (result i32) i32.const 1040 else local.get 4 end)
  (func (export "passthrough") (param i32 i32 i32 i32 i32 i32) (result i32) local.get 4)
)
