//! `wasm_runtime_call_wasm` for [`WamrInstance`]: WAMR passes arguments and results in 32-bit
//! cells, and reports failure through the instance's exception — which may be left over from
//! before the call.

use wasmtime::{Func, Val, ValType};

use super::instance::WamrInstance;
use super::traps::{ExceptionKind, StaleException, wamr_exception_text};

impl WamrInstance {
    /// `wasm_runtime_call_wasm`: arguments and results travel in 32-bit cells; results
    /// overwrite the first cells and everything else keeps the argument values (so a function
    /// returning nothing "returns" its first argument). Returns false when an exception is set
    /// afterwards — including one left over from before the call.
    pub fn call_cells(&mut self, func: &Func, cells: &mut Vec<u32>) -> bool {
        let ty = func.ty(&self.store);
        let param_cells: usize = ty.params().map(|p| cell_count(&p)).sum();
        if cells.len() < param_cells {
            let text = format!(
                "invalid argument count {}, must be no smaller than {param_cells}",
                cells.len()
            );
            self.set_exception(text, ExceptionKind::Trap);
            return false;
        }
        let mut params = Vec::with_capacity(ty.params().len());
        let mut at = 0usize;
        for p in ty.params() {
            let lo = cells[at];
            let hi = cells.get(at + 1).copied().unwrap_or(0);
            let val = match p {
                ValType::I32 => Val::I32(lo as i32),
                ValType::F32 => Val::F32(lo),
                ValType::I64 => Val::I64((u64::from(lo) | (u64::from(hi) << 32)) as i64),
                ValType::F64 => Val::F64(u64::from(lo) | (u64::from(hi) << 32)),
                _ => {
                    self.set_exception("the arguments conversion is failed", ExceptionKind::Trap);
                    return false;
                }
            };
            params.push(val);
            at += cell_count(&p);
        }
        let mut results: Vec<Val> = ty
            .results()
            .map(|r| Val::default_for_ty(&r).unwrap_or(Val::I32(0)))
            .collect();

        let exception_before = self.store.data().exception.is_some();
        if let Some(stack) = &self.stack {
            let result_cells: u32 = ty.results().map(|r| if matches!(r, ValType::I64 | ValType::F64) { 2 } else { 1 }).sum();
            let entry = logward_wamr_model::entry_frame_bytes(result_cells);
            stack.reset(&mut self.store, self.stack_size, entry);
        }
        if let Some(p) = self.store.data_mut().profile.as_mut() {
            p.begin_call();
        }
        let _ = self.store.set_fuel(self.fuel_limit);
        let outcome = func.call(&mut self.store, &params, &mut results);
        let fuel_left = self.store.get_fuel().unwrap_or(0);
        self.usage.fuel += self.fuel_limit.saturating_sub(fuel_left);
        let overflowed = match &self.stack {
            Some(stack) => {
                let peak = stack.peak(&mut self.store);
                self.usage.peak_stack = self.usage.peak_stack.max(peak);
                let need = stack.need(&mut self.store);
                self.usage.need_stack = self.usage.need_stack.max(need);
                stack.overflowed(&mut self.store)
            }
            None => false,
        };
        match outcome {
            Err(error) if error.downcast_ref::<StaleException>().is_some() => self.mark_stale(),
            Err(error) => {
                let (text, kind) = if overflowed {
                    (
                        "wasm operand stack overflow".to_string(),
                        ExceptionKind::StackOverflow,
                    )
                } else {
                    wamr_exception_text(&error)
                };
                self.set_exception(text, kind);
            }
            Ok(()) if exception_before => self.mark_stale(),
            Ok(()) => {
                if self.store.data().exception.is_none() {
                    let mut at = 0usize;
                    for r in &results {
                        let bits: u64 = match r {
                            Val::I32(v) => u64::from(*v as u32),
                            Val::I64(v) => *v as u64,
                            Val::F32(v) => u64::from(*v),
                            Val::F64(v) => *v,
                            _ => 0,
                        };
                        let n = if matches!(r, Val::I64(_) | Val::F64(_)) {
                            2
                        } else {
                            1
                        };
                        for k in 0..n {
                            let cell = (bits >> (32 * k)) as u32;
                            if at < cells.len() {
                                cells[at] = cell;
                            } else {
                                cells.push(cell);
                            }
                            at += 1;
                        }
                    }
                }
            }
        }
        self.store.data().exception.is_none()
    }
}

fn cell_count(ty: &ValType) -> usize {
    match ty {
        ValType::I64 | ValType::F64 => 2,
        ValType::V128 => 4,
        _ => 1,
    }
}
