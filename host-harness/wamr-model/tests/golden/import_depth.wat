(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $rec_imp (export "rec_imp") (param i32) (result i32)
    local.get 0
    i32.eqz
    if (result i32)
      i32.const 3 i32.const 0 i32.const 0 i32.const 0 i32.const 0
      i64.const 0 i64.const 0 i32.const 0 i32.const 0
      call $path_open
    else
      local.get 0 i32.const 1 i32.sub call $rec_imp
    end))
