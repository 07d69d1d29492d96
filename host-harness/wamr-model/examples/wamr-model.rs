//! `cargo run --example wamr-model -- cells FILE.wasm` prints, per defined function,
//! `idx param_cells local_cells const_cells max_stack_cells frame_bytes` (same format as
//! the C checker `wamr-dump cells`). `heap FILE.wasm HEAP_SIZE` prints the app-heap model.
fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let wasm = std::fs::read(&args[2])?;
    match args[1].as_str() {
        "cells" => {
            for (i, c) in logward_wamr_model::func_cells(&wasm)?.iter().enumerate() {
                println!(
                    "{} {} {} {} {} {}",
                    i,
                    c.param_cell_num,
                    c.local_cell_num,
                    c.const_cell_num,
                    c.max_stack_cell_num,
                    c.frame_bytes()
                );
            }
        }
        "heap" => {
            let h = logward_wamr_model::app_heap(&wasm, args[3].parse()?)?;
            println!("{h:?}");
            if h.capacity != u64::MAX {
                println!("max_single_alloc {}", h.capacity.saturating_sub(4));
            }
        }
        "instrument" => {
            let out = logward_wamr_model::instrument_stack(&wasm)?;
            std::fs::write(&args[3], out)?;
        }
        _ => anyhow::bail!("usage: cells FILE | heap FILE HEAP | instrument IN OUT"),
    }
    Ok(())
}
