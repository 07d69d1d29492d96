//! A deterministic per-function fuel profile (`logward bench --profile`).
//!
//! Every defined function is rewritten to call `logward_profile.enter(idx)` on entry and
//! `logward_profile.exit(idx)` on every exit path (the body is wrapped in a block; `return`
//! becomes a branch to it). The host reads the store's remaining fuel at each call, so the
//! profile says exactly how many wasm instructions each function executed itself and with
//! its callees. Under Fluent Bit's interpreter, instructions are time: this is how to find
//! what to optimize.

use std::collections::HashMap;

use anyhow::{Result, anyhow};
use wasm_encoder::reencode::{Error as ReError, Reencode, utils};
use wasm_encoder::{BlockType, CodeSection, EntityType, ImportSection, Instruction, Module, TypeSection, ValType};
use wasmparser::{Operator, Payload};

/// Import module of the two profiling hooks.
pub const IMPORT_MODULE: &str = "logward_profile";

/// Fuel each instrumented call adds: `i32.const; call` on entry and on exit.
const HOOK_FUEL: u64 = 2;

/// Per-function totals, by original function index.
#[derive(Debug, Default, Clone)]
pub struct FuelProfile {
    /// (function, fuel left at entry, fuel spent in callees, callee count)
    stack: Vec<(u32, u64, u64, u64)>,
    pub functions: HashMap<u32, FunctionFuel>,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct FunctionFuel {
    pub calls: u64,
    /// Instructions executed in the function itself.
    pub self_fuel: u64,
    /// Instructions executed in it and everything it called.
    pub inclusive: u64,
}

impl FuelProfile {
    /// A top-level call starts: frames left by a trap are discarded.
    pub fn begin_call(&mut self) {
        self.stack.clear();
    }

    pub fn enter(&mut self, func: u32, fuel_left: u64) {
        self.stack.push((func, fuel_left, 0, 0));
    }

    pub fn exit(&mut self, func: u32, fuel_left: u64) {
        let Some((f, start, in_callees, callees)) = self.stack.pop() else { return };
        if f != func {
            self.stack.clear();
            return;
        }
        let total = start.saturating_sub(fuel_left);
        // The hooks' own instructions: this function's exit hook, its callees' entry hooks.
        let own = total.saturating_sub(in_callees).saturating_sub(HOOK_FUEL * (1 + callees));
        let entry = self.functions.entry(f).or_default();
        entry.calls += 1;
        entry.self_fuel += own;
        entry.inclusive += total;
        if let Some(parent) = self.stack.last_mut() {
            parent.2 += total;
            parent.3 += 1;
        }
    }

    /// Functions sorted by self fuel, highest first.
    pub fn top(&self, names: &HashMap<u32, String>, n: usize) -> Vec<(String, FunctionFuel)> {
        let mut rows: Vec<(String, FunctionFuel)> = self
            .functions
            .iter()
            .map(|(i, f)| {
                let name = names.get(i).map_or_else(|| format!("func[{i}]"), |n| demangle(n));
                (name, *f)
            })
            .collect();
        rows.sort_by(|a, b| b.1.self_fuel.cmp(&a.1.self_fuel).then_with(|| a.0.cmp(&b.0)));
        rows.truncate(n);
        rows
    }
}

/// Rust symbol names without the hash suffix.
fn demangle(name: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(name))
}

/// Function names from the module's name section, by function index.
pub fn function_names(module: &[u8]) -> HashMap<u32, String> {
    let mut names = HashMap::new();
    for payload in wasmparser::Parser::new(0).parse_all(module).flatten() {
        if let Payload::CustomSection(c) = payload {
            if let wasmparser::KnownCustom::Name(reader) = c.as_known() {
                for sub in reader.into_iter().flatten() {
                    if let wasmparser::Name::Function(map) = sub {
                        for n in map.into_iter().flatten() {
                            names.insert(n.index, n.name.to_string());
                        }
                    }
                }
            }
        }
    }
    names
}

struct Profiler {
    imported_funcs: u32,
    /// Index of the `(i32) -> ()` type added for the hooks.
    hook_type: u32,
    /// Results of each defined function.
    results: Vec<Vec<ValType>>,
    /// Extra `[] -> results` types for wrapper blocks of multi-value functions.
    multi_value: Vec<Vec<ValType>>,
    next_defined: usize,
}

impl Reencode for Profiler {
    type Error = std::convert::Infallible;

    fn function_index(&mut self, func: u32) -> Result<u32, ReError<Self::Error>> {
        // The two hooks are appended after the module's own imports.
        Ok(if func >= self.imported_funcs { func + 2 } else { func })
    }

    fn parse_type_section(
        &mut self,
        types: &mut TypeSection,
        section: wasmparser::TypeSectionReader<'_>,
    ) -> Result<(), ReError<Self::Error>> {
        utils::parse_type_section(self, types, section)?;
        types.ty().function([ValType::I32], []);
        for r in &self.multi_value {
            types.ty().function([], r.iter().copied());
        }
        Ok(())
    }

    fn parse_import_section(
        &mut self,
        imports: &mut ImportSection,
        section: wasmparser::ImportSectionReader<'_>,
    ) -> Result<(), ReError<Self::Error>> {
        utils::parse_import_section(self, imports, section)?;
        imports.import(IMPORT_MODULE, "enter", EntityType::Function(self.hook_type));
        imports.import(IMPORT_MODULE, "exit", EntityType::Function(self.hook_type));
        Ok(())
    }

    fn parse_code_section(
        &mut self,
        code: &mut CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> Result<(), ReError<Self::Error>> {
        let (enter, exit) = (self.imported_funcs, self.imported_funcs + 1);
        for body in section {
            let body = body?;
            let def = self.next_defined;
            self.next_defined += 1;
            let original_index = (self.imported_funcs as usize + def) as i32;
            let results = self.results.get(def).cloned().unwrap_or_default();
            let block = match results.as_slice() {
                [] => BlockType::Empty,
                [one] => BlockType::Result(*one),
                many => {
                    let k = self.multi_value.iter().position(|r| r == many).unwrap_or(0);
                    BlockType::FunctionType(self.hook_type + 1 + k as u32)
                }
            };
            let mut f = self.new_function_with_parsed_locals(&body)?;
            f.instruction(&Instruction::I32Const(original_index));
            f.instruction(&Instruction::Call(enter));
            f.instruction(&Instruction::Block(block));
            let mut depth = 0u32;
            let mut ops = body.get_operators_reader()?;
            while !ops.eof() {
                let op = ops.read()?;
                match &op {
                    Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                        depth += 1;
                        f.instruction(&self.instruction(op)?);
                    }
                    Operator::End if depth == 0 => {
                        f.instruction(&Instruction::End);
                        f.instruction(&Instruction::I32Const(original_index));
                        f.instruction(&Instruction::Call(exit));
                        f.instruction(&Instruction::End);
                    }
                    Operator::End => {
                        depth -= 1;
                        f.instruction(&Instruction::End);
                    }
                    Operator::Return => {
                        f.instruction(&Instruction::Br(depth));
                    }
                    _ => {
                        f.instruction(&self.instruction(op)?);
                    }
                }
            }
            code.function(&f);
        }
        Ok(())
    }
}

fn val_type(t: &wasmparser::ValType) -> ValType {
    match t {
        wasmparser::ValType::I32 => ValType::I32,
        wasmparser::ValType::I64 => ValType::I64,
        wasmparser::ValType::F32 => ValType::F32,
        wasmparser::ValType::F64 => ValType::F64,
        wasmparser::ValType::V128 => ValType::V128,
        wasmparser::ValType::Ref(_) => ValType::FUNCREF,
    }
}

/// Rewrites `module` to call the profiling hooks; see the module docs.
pub fn instrument_calls(module: &[u8]) -> Result<Vec<u8>> {
    let mut imported_funcs = 0u32;
    let mut type_results: Vec<Vec<ValType>> = Vec::new();
    let mut func_types: Vec<u32> = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(module) {
        match payload? {
            Payload::TypeSection(s) => {
                for group in s {
                    for t in group?.into_types() {
                        let results = match &t.composite_type.inner {
                            wasmparser::CompositeInnerType::Func(f) => f.results().iter().map(val_type).collect(),
                            _ => Vec::new(),
                        };
                        type_results.push(results);
                    }
                }
            }
            Payload::ImportSection(s) => {
                for import in s.into_imports() {
                    if matches!(import?.ty, wasmparser::TypeRef::Func(_)) {
                        imported_funcs += 1;
                    }
                }
            }
            Payload::FunctionSection(s) => {
                for t in s {
                    func_types.push(t?);
                }
            }
            _ => {}
        }
    }
    let results: Vec<Vec<ValType>> =
        func_types.iter().map(|t| type_results.get(*t as usize).cloned().unwrap_or_default()).collect();
    let mut multi_value: Vec<Vec<ValType>> = Vec::new();
    for r in &results {
        if r.len() > 1 && !multi_value.contains(r) {
            multi_value.push(r.clone());
        }
    }
    let mut profiler = Profiler {
        imported_funcs,
        hook_type: type_results.len() as u32,
        results,
        multi_value,
        next_defined: 0,
    };
    let mut out = Module::new();
    profiler
        .parse_core_module(&mut out, wasmparser::Parser::new(0), module)
        .map_err(|e| anyhow!("instrumenting for the profile failed: {e:?}"))?;
    Ok(out.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_self_and_inclusive_fuel() {
        let mut p = FuelProfile::default();
        p.begin_call();
        p.enter(1, 1000);
        p.enter(2, 990);
        p.exit(2, 950); // 40 in f2, 2 of them its exit hook
        p.exit(1, 900); // 100 in f1 total
        let f1 = p.functions[&1];
        let f2 = p.functions[&2];
        assert_eq!((f2.calls, f2.self_fuel, f2.inclusive), (1, 38, 40));
        // f1: 100 total - 40 in f2 - 2 (own exit) - 2 (f2's entry hook)
        assert_eq!((f1.calls, f1.self_fuel, f1.inclusive), (1, 56, 100));
    }

    #[test]
    fn instrumented_module_validates_and_keeps_names() {
        let wat = r#"(module
            (import "env" "g" (func $g (param i32)))
            (func $a (export "a") (param i32) (result i32)
                local.get 0 i32.eqz if i32.const 7 return end
                local.get 0 call $b)
            (func $b (param i32) (result i32) local.get 0 call $g local.get 0)
            (func $pair (result i32 i64) i32.const 1 i64.const 2))"#;
        let module = wat::parse_str(wat).unwrap();
        let out = instrument_calls(&module).unwrap();
        wasmparser::Validator::new().validate_all(&out).unwrap();
        let names = function_names(&module);
        assert_eq!(names.get(&1).map(String::as_str), Some("a"));
    }
}
