//! Module rewriting: charge each function's WAMR frame on entry, release it on exit.

use crate::frame::{ModuleInfo, parse_module};
use crate::{GLOBAL_LIMIT, GLOBAL_NEED, GLOBAL_OVERFLOW, GLOBAL_PEAK, GLOBAL_USED, import_frame_bytes};
use anyhow::{Result, anyhow, bail};
use wasm_encoder::reencode::{Error as ReError, Reencode, RoundtripReencoder, utils};
use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, ExportKind, ExportSection, Function, GlobalSection,
    GlobalType, Instruction, Module, SectionId, TypeSection, ValType,
};
use wasmparser::Operator;

/// Rank of a section in the required order of a core module.
fn rank(id: SectionId) -> u32 {
    match id {
        SectionId::Custom => 0,
        SectionId::Type => 1,
        SectionId::Import => 2,
        SectionId::Function => 3,
        SectionId::Table => 4,
        SectionId::Memory => 5,
        SectionId::Tag => 6,
        SectionId::Global => 7,
        SectionId::Export => 8,
        SectionId::Start => 9,
        SectionId::Element => 10,
        SectionId::DataCount => 11,
        SectionId::Code => 12,
        SectionId::Data => 13,
    }
}

struct Instrumenter<'i> {
    info: &'i ModuleInfo<'i>,
    frame_bytes: Vec<u32>,
    import_bytes: Vec<u32>,
    g_used: u32,
    g_peak: u32,
    g_limit: u32,
    g_overflow: u32,
    g_need: u32,
    /// Extra `[] -> results` types for multi-value wrapper blocks, keyed by result list.
    extra_types: Vec<Vec<u8>>,
    num_types: u32,
    types_done: bool,
    globals_done: bool,
    exports_done: bool,
    next_defined: usize,
}

fn enc_vt(t: u8) -> ValType {
    use crate::frame::*;
    match t {
        VT_I32 => ValType::I32,
        VT_I64 => ValType::I64,
        VT_F32 => ValType::F32,
        VT_F64 => ValType::F64,
        VT_FUNCREF => ValType::FUNCREF,
        VT_EXTERNREF => ValType::EXTERNREF,
        _ => ValType::I32,
    }
}

impl Instrumenter<'_> {
    fn wrapper_block_type(&self, results: &[u8]) -> BlockType {
        match results.len() {
            0 => BlockType::Empty,
            1 => BlockType::Result(enc_vt(results[0])),
            _ => {
                let k = self.extra_types.iter().position(|r| r == results).expect("extra type");
                BlockType::FunctionType(self.num_types + k as u32)
            }
        }
    }

    fn emit_globals(&self, gs: &mut GlobalSection) {
        let ty = GlobalType { val_type: ValType::I32, mutable: true, shared: false };
        gs.global(ty, &ConstExpr::i32_const(0)); // used
        gs.global(ty, &ConstExpr::i32_const(0)); // peak
        gs.global(ty, &ConstExpr::i32_const(crate::heap::FLB_WASM_DEFAULT_STACK_SIZE as i32)); // limit
        gs.global(ty, &ConstExpr::i32_const(0)); // overflow
        gs.global(ty, &ConstExpr::i32_const(0)); // need
    }

    fn emit_exports(&self, es: &mut ExportSection) {
        es.export(GLOBAL_USED, ExportKind::Global, self.g_used);
        es.export(GLOBAL_PEAK, ExportKind::Global, self.g_peak);
        es.export(GLOBAL_LIMIT, ExportKind::Global, self.g_limit);
        es.export(GLOBAL_OVERFLOW, ExportKind::Global, self.g_overflow);
        es.export(GLOBAL_NEED, ExportKind::Global, self.g_need);
    }

    fn emit_extra_types(&self, ts: &mut TypeSection) {
        for r in &self.extra_types {
            ts.ty().function([], r.iter().map(|&t| enc_vt(t)));
        }
    }

    /// `if used + 2*bytes > limit { unreachable }` — WAMR's
    /// `wasm_exec_env_alloc_wasm_frame` test `size * 2 > top_boundary - top`.
    fn check(&self, f: &mut Function, bytes: u32) {
        // need = max(need, used + 2*bytes)
        f.instruction(&Instruction::GlobalGet(self.g_used));
        f.instruction(&Instruction::I32Const((bytes as i64 * 2) as i32));
        f.instruction(&Instruction::I32Add);
        f.instruction(&Instruction::GlobalGet(self.g_need));
        f.instruction(&Instruction::I32GtU);
        f.instruction(&Instruction::If(BlockType::Empty));
        f.instruction(&Instruction::GlobalGet(self.g_used));
        f.instruction(&Instruction::I32Const((bytes as i64 * 2) as i32));
        f.instruction(&Instruction::I32Add);
        f.instruction(&Instruction::GlobalSet(self.g_need));
        f.instruction(&Instruction::End);
        f.instruction(&Instruction::GlobalGet(self.g_used));
        f.instruction(&Instruction::I32Const((bytes as i64 * 2) as i32));
        f.instruction(&Instruction::I32Add);
        f.instruction(&Instruction::GlobalGet(self.g_limit));
        f.instruction(&Instruction::I32GtU);
        f.instruction(&Instruction::If(BlockType::Empty));
        f.instruction(&Instruction::I32Const(bytes as i32));
        f.instruction(&Instruction::GlobalSet(self.g_overflow));
        f.instruction(&Instruction::Unreachable);
        f.instruction(&Instruction::End);
    }

    fn body(&mut self, body: wasmparser::FunctionBody<'_>) -> Result<Function, ReError<std::convert::Infallible>> {
        let def = self.next_defined;
        self.next_defined += 1;
        let func_idx = self.info.num_imported_funcs + def as u32;
        let results = self.info.func_type(func_idx).map(|t| t.results.clone()).unwrap_or_default();
        let fb = self.frame_bytes[def];
        let mut f = RoundtripReencoder.new_function_with_parsed_locals(&body)?;
        // prologue
        self.check(&mut f, fb);
        f.instruction(&Instruction::GlobalGet(self.g_used));
        f.instruction(&Instruction::I32Const(fb as i32));
        f.instruction(&Instruction::I32Add);
        f.instruction(&Instruction::GlobalSet(self.g_used));
        f.instruction(&Instruction::GlobalGet(self.g_used));
        f.instruction(&Instruction::GlobalGet(self.g_peak));
        f.instruction(&Instruction::I32GtU);
        f.instruction(&Instruction::If(BlockType::Empty));
        f.instruction(&Instruction::GlobalGet(self.g_used));
        f.instruction(&Instruction::GlobalSet(self.g_peak));
        f.instruction(&Instruction::End);
        f.instruction(&Instruction::Block(self.wrapper_block_type(&results)));
        let mut depth: u32 = 0;
        let mut reader = body.get_operators_reader()?;
        while !reader.eof() {
            let op = reader.read()?;
            match &op {
                Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                    depth += 1;
                    f.instruction(&RoundtripReencoder.instruction(op)?);
                }
                Operator::End => {
                    if depth == 0 {
                        // end of the function body: close the wrapper, release, end function
                        f.instruction(&Instruction::End);
                        f.instruction(&Instruction::GlobalGet(self.g_used));
                        f.instruction(&Instruction::I32Const(fb as i32));
                        f.instruction(&Instruction::I32Sub);
                        f.instruction(&Instruction::GlobalSet(self.g_used));
                        f.instruction(&Instruction::End);
                    } else {
                        depth -= 1;
                        f.instruction(&Instruction::End);
                    }
                }
                Operator::Return => {
                    f.instruction(&Instruction::Br(depth));
                }
                Operator::ReturnCall { .. }
                | Operator::ReturnCallIndirect { .. }
                | Operator::ReturnCallRef { .. } => {
                    // WAMR in Fluent Bit has tail calls off; such a module would not load.
                    return Err(ReError::UnexpectedNonCoreModuleSection);
                }
                Operator::Call { function_index } if *function_index < self.info.num_imported_funcs => {
                    let nb = self.import_bytes[*function_index as usize];
                    self.check(&mut f, nb);
                    f.instruction(&RoundtripReencoder.instruction(op)?);
                }
                _ => {
                    f.instruction(&RoundtripReencoder.instruction(op)?);
                }
            }
        }
        Ok(f)
    }
}

impl Reencode for Instrumenter<'_> {
    type Error = std::convert::Infallible;

    fn parse_type_section(
        &mut self,
        types: &mut TypeSection,
        section: wasmparser::TypeSectionReader<'_>,
    ) -> Result<(), ReError<Self::Error>> {
        utils::parse_type_section(self, types, section)?;
        self.emit_extra_types(types);
        self.types_done = true;
        Ok(())
    }

    fn parse_global_section(
        &mut self,
        globals: &mut GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> Result<(), ReError<Self::Error>> {
        utils::parse_global_section(self, globals, section)?;
        self.emit_globals(globals);
        self.globals_done = true;
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), ReError<Self::Error>> {
        utils::parse_export_section(self, exports, section)?;
        self.emit_exports(exports);
        self.exports_done = true;
        Ok(())
    }

    fn parse_code_section(
        &mut self,
        code: &mut CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> Result<(), ReError<Self::Error>> {
        for body in section {
            let f = self.body(body?)?;
            code.function(&f);
        }
        Ok(())
    }

    fn intersperse_section_hook(
        &mut self,
        module: &mut Module,
        _after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Result<(), ReError<Self::Error>> {
        let next = before.map(rank).unwrap_or(u32::MAX);
        if before == Some(SectionId::Custom) {
            return Ok(());
        }
        if !self.types_done && !self.extra_types.is_empty() && next > rank(SectionId::Type) {
            let mut ts = TypeSection::new();
            self.emit_extra_types(&mut ts);
            module.section(&ts);
            self.types_done = true;
        }
        if !self.globals_done && next > rank(SectionId::Global) {
            let mut gs = GlobalSection::new();
            self.emit_globals(&mut gs);
            module.section(&gs);
            self.globals_done = true;
        }
        if !self.exports_done && next > rank(SectionId::Export) {
            let mut es = ExportSection::new();
            self.emit_exports(&mut es);
            module.section(&es);
            self.exports_done = true;
        }
        Ok(())
    }
}

pub(crate) fn instrument(module: &[u8]) -> Result<Vec<u8>> {
    let info = parse_module(module)?;
    for (name, _, _) in &info.exports {
        if [GLOBAL_USED, GLOBAL_PEAK, GLOBAL_LIMIT, GLOBAL_OVERFLOW, GLOBAL_NEED].contains(&name.as_str()) {
            bail!("module is already instrumented (exports {name})");
        }
    }
    let frame_bytes = crate::frame_sizes_from_info(&info)?;
    let mut import_bytes = Vec::new();
    for i in 0..info.num_imported_funcs {
        import_bytes.push(import_frame_bytes(info.func_type(i)?.param_cells() as u32));
    }
    let nglobals = info.global_types.len() as u32;
    let num_types = info.types.len() as u32;
    let mut extra_types: Vec<Vec<u8>> = Vec::new();
    for def in 0..info.bodies.len() {
        let r = &info.func_type(info.num_imported_funcs + def as u32)?.results;
        if r.len() > 1 && !extra_types.contains(r) {
            extra_types.push(r.clone());
        }
    }
    let mut ins = Instrumenter {
        info: &info,
        frame_bytes,
        import_bytes,
        g_used: nglobals,
        g_peak: nglobals + 1,
        g_limit: nglobals + 2,
        g_overflow: nglobals + 3,
        g_need: nglobals + 4,
        extra_types,
        num_types,
        types_done: false,
        globals_done: false,
        exports_done: false,
        next_defined: 0,
    };
    let mut out = Module::new();
    ins.parse_core_module(&mut out, wasmparser::Parser::new(0), module)
        .map_err(|e| anyhow!("re-encoding failed: {e:?}"))?;
    // A module with no sections after Export never triggers the hook with a later section:
    // parse_core_module calls the hook with before=None at the end, so all are emitted.
    let bytes = out.finish();
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&bytes)
        .map_err(|e| anyhow!("instrumented module does not validate: {e}"))?;
    Ok(bytes)
}
