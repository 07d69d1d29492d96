//! A faithful re-implementation of the part of WAMR 2.4.1's fast-interpreter
//! loader (`core/iwasm/interpreter/wasm_loader.c`, `wasm_loader_prepare_bytecode`
//! and its helpers) that decides how many 32-bit cells a function's interpreter
//! frame gets: `const_cell_num` and `max_stack_cell_num`.
//!
//! The loader walks every function body twice. The first walk collects
//! constants and the high-water mark of the "dynamic offset" allocator; the
//! second walk emits code and allocates "preserved local" slots above that
//! high-water mark. We replay both walks, including WAMR's quirks (the
//! `> start_dynamic_offset` pop rule, `local.set` after an i32/i64-producing
//! op, slots leaked by `br`/`return`/`unreachable`, result copies at `end`),
//! because every quirk changes the frame size by a cell or more.
//!
//! Only the configuration Fluent Bit 5.1.1 builds is modelled:
//! WASM_ENABLE_FAST_INTERP=1, GC=0, SIMD=0, EXCE_HANDLING=0, REF_TYPES=1,
//! BULK_MEMORY=1, SHARED_MEMORY=1, TAIL_CALL=0, MEMORY64=0, MULTI_MEMORY=0,
//! LABELS_AS_VALUES=1 on x86-64. Line numbers in comments refer to
//! `lib/wasm-micro-runtime-WAMR-2.4.1/core/iwasm/interpreter/wasm_loader.c`
//! in fluent-bit v5.1.1.

use anyhow::{Context, Result, anyhow, bail};
use wasmparser::{
    BlockType, CompositeInnerType, ExternalKind, FunctionBody, Operator, Parser, Payload, RefType,
    TypeRef, ValType,
};

/// WAMR's internal value-type codes (wasm.h).
pub(crate) const VT_I32: u8 = 0x7F;
pub(crate) const VT_I64: u8 = 0x7E;
pub(crate) const VT_F32: u8 = 0x7D;
pub(crate) const VT_F64: u8 = 0x7C;
pub(crate) const VT_V128: u8 = 0x7B;
pub(crate) const VT_FUNCREF: u8 = 0x70;
pub(crate) const VT_EXTERNREF: u8 = 0x6F;
pub(crate) const VT_VOID: u8 = 0x40;
pub(crate) const VT_ANY: u8 = 0x42;

const INT16_MAX: i32 = i16::MAX as i32;

/// `offsetof(WASMInterpFrame, operand)` on x86-64 for Fluent Bit's WAMR build:
/// prev_frame(8) + function(8) + ip(8) + ret_offset(4) + pad(4) + lp(8) = 40.
/// (wasm_interp.h:19-76; no FAST_JIT, PERF_PROFILING, EXCE_HANDLING or GC fields.)
pub const FRAME_HEADER_BYTES: u32 = 40;

pub(crate) fn vt_code(t: ValType) -> Result<u8> {
    Ok(match t {
        ValType::I32 => VT_I32,
        ValType::I64 => VT_I64,
        ValType::F32 => VT_F32,
        ValType::F64 => VT_F64,
        ValType::V128 => bail!("v128 is not supported by Fluent Bit's WAMR build (SIMD off)"),
        ValType::Ref(r) => {
            if r == RefType::FUNCREF {
                VT_FUNCREF
            } else if r == RefType::EXTERNREF {
                VT_EXTERNREF
            } else {
                bail!("reference type {r:?} needs the GC proposal, which WAMR has off")
            }
        }
    })
}

/// wasm_value_type_cell_num (wasm.h:1248-1317) with GC off, REF_TYPES on.
pub(crate) fn cell_num(t: u8) -> i32 {
    match t {
        VT_VOID => 0,
        VT_I32 | VT_F32 | VT_ANY | VT_FUNCREF | VT_EXTERNREF => 1,
        VT_I64 | VT_F64 => 2,
        VT_V128 => 4,
        _ => 0,
    }
}

fn cells_of(types: &[u8]) -> i32 {
    types.iter().map(|&t| cell_num(t)).sum()
}

/// wasm_loader.c:274 `is_32bit_type`.
fn is_32bit_type(t: u8) -> bool {
    matches!(t, VT_I32 | VT_F32 | VT_ANY | VT_FUNCREF | VT_EXTERNREF)
}

/// wasm_loader.c:293 `is_64bit_type`.
fn is_64bit_type(t: u8) -> bool {
    matches!(t, VT_I64 | VT_F64)
}

#[derive(Clone, Debug)]
pub(crate) struct FuncType {
    pub params: Vec<u8>,
    pub results: Vec<u8>,
}

impl FuncType {
    pub fn param_cells(&self) -> i32 {
        cells_of(&self.params)
    }
    pub fn result_cells(&self) -> i32 {
        cells_of(&self.results)
    }
}

/// What the loader needs to know about a module.
pub(crate) struct ModuleInfo<'a> {
    pub types: Vec<Option<FuncType>>,
    /// Type of every function, imports first.
    pub func_types: Vec<u32>,
    pub num_imported_funcs: u32,
    pub global_types: Vec<u8>,
    pub table_types: Vec<u8>,
    /// Locals (expanded) and body of every defined function.
    pub bodies: Vec<(Vec<u8>, FunctionBody<'a>)>,
    pub exports: Vec<(String, ExternalKind, u32)>,
    /// (initial pages, maximum pages or None, imported)
    pub memory: Option<(u64, Option<u64>, bool)>,
    /// Defined (non-imported) i32 globals: (index, mutable, init i32.const value)
    pub global_inits: Vec<(u32, bool, Option<i32>)>,
    pub num_imported_globals: u32,
}

impl ModuleInfo<'_> {
    pub fn func_type(&self, func_idx: u32) -> Result<&FuncType> {
        let ti = *self
            .func_types
            .get(func_idx as usize)
            .ok_or_else(|| anyhow!("unknown function {func_idx}"))?;
        self.type_at(ti)
    }
    pub fn type_at(&self, ti: u32) -> Result<&FuncType> {
        self.types
            .get(ti as usize)
            .and_then(|t| t.as_ref())
            .ok_or_else(|| anyhow!("type {ti} is not a function type"))
    }
}

pub(crate) fn parse_module(wasm: &[u8]) -> Result<ModuleInfo<'_>> {
    let mut info = ModuleInfo {
        types: Vec::new(),
        func_types: Vec::new(),
        num_imported_funcs: 0,
        global_types: Vec::new(),
        table_types: Vec::new(),
        bodies: Vec::new(),
        exports: Vec::new(),
        memory: None,
        global_inits: Vec::new(),
        num_imported_globals: 0,
    };
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::TypeSection(r) => {
                for rg in r {
                    for st in rg?.into_types() {
                        match &st.composite_type.inner {
                            CompositeInnerType::Func(ft) => {
                                let params =
                                    ft.params().iter().map(|&t| vt_code(t)).collect::<Result<_>>()?;
                                let results =
                                    ft.results().iter().map(|&t| vt_code(t)).collect::<Result<_>>()?;
                                info.types.push(Some(FuncType { params, results }));
                            }
                            _ => info.types.push(None),
                        }
                    }
                }
            }
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    let imp = imp?;
                    match imp.ty {
                        TypeRef::Func(ti) => {
                            info.func_types.push(ti);
                            info.num_imported_funcs += 1;
                        }
                        TypeRef::Global(g) => {
                            info.global_types.push(vt_code(g.content_type)?);
                            info.num_imported_globals += 1;
                        }
                        TypeRef::Table(t) => info.table_types.push(vt_code(ValType::Ref(t.element_type))?),
                        TypeRef::Memory(m)
                            if info.memory.is_none() => {
                                info.memory = Some((m.initial, m.maximum, true));
                            }
                        _ => {}
                    }
                }
            }
            Payload::FunctionSection(r) => {
                for ti in r {
                    info.func_types.push(ti?);
                }
            }
            Payload::TableSection(r) => {
                for t in r {
                    info.table_types.push(vt_code(ValType::Ref(t?.ty.element_type))?);
                }
            }
            Payload::MemorySection(r) => {
                for m in r {
                    let m = m?;
                    if info.memory.is_none() {
                        info.memory = Some((m.initial, m.maximum, false));
                    }
                }
            }
            Payload::GlobalSection(r) => {
                for g in r {
                    let g = g?;
                    let idx = info.global_types.len() as u32;
                    info.global_types.push(vt_code(g.ty.content_type)?);
                    let mut init = None;
                    if g.ty.content_type == ValType::I32 {
                        let mut ops = g.init_expr.get_operators_reader();
                        if let Ok(Operator::I32Const { value }) = ops.read()
                            && let Ok(Operator::End) = ops.read() {
                                init = Some(value);
                            }
                        info.global_inits.push((idx, g.ty.mutable, init));
                    }
                }
            }
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e?;
                    info.exports.push((e.name.to_string(), e.kind, e.index));
                }
            }
            Payload::CodeSectionEntry(body) => {
                let mut locals = Vec::new();
                for l in body.get_locals_reader()? {
                    let (n, t) = l?;
                    let c = vt_code(t)?;
                    for _ in 0..n {
                        locals.push(c);
                    }
                }
                info.bodies.push((locals, body));
            }
            _ => {}
        }
    }
    Ok(info)
}

/// Per-function numbers as WAMR's loader computes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FuncCells {
    pub param_cell_num: u32,
    pub local_cell_num: u32,
    pub const_cell_num: u32,
    pub max_stack_cell_num: u32,
}

impl FuncCells {
    pub fn all_cell_num(&self) -> u32 {
        self.const_cell_num + self.param_cell_num + self.local_cell_num + self.max_stack_cell_num
    }
    /// wasm_interp_interp_frame_size (wasm_interp.h): offsetof(operand) + cells * 4.
    pub fn frame_bytes(&self) -> u32 {
        FRAME_HEADER_BYTES + self.all_cell_num() * 4
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Label {
    Block,
    Loop,
    If,
    Function,
}

#[derive(Clone, Debug)]
enum BType {
    /// is_value_type: 0x40 (void) or one value type
    Value(u8),
    /// function type (may have params)
    Func(FuncType),
}

impl BType {
    fn params(&self) -> &[u8] {
        match self {
            BType::Value(_) => &[],
            BType::Func(f) => &f.params,
        }
    }
    fn results(&self) -> Vec<u8> {
        match self {
            BType::Value(VT_VOID) => vec![],
            BType::Value(t) => vec![*t],
            BType::Func(f) => f.results.clone(),
        }
    }
    fn has_param(&self) -> bool {
        !self.params().is_empty()
    }
}

#[derive(Clone, Debug)]
struct Block {
    label: Label,
    btype: BType,
    stack_cell_num: i32,
    dynamic_offset: i32,
    start_dynamic_offset: i32,
    is_stack_polymorphic: bool,
    has_else: bool,
    param_frame_offsets: Option<Vec<i16>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum LastOp {
    OutI32,
    OutI64,
    Other,
}

/// The loader context (WASMLoaderContext, wasm_loader.c:8282) reduced to what
/// influences the frame layout.
struct Ctx {
    second_pass: bool, // p_code_compiled != NULL
    // frame_ref stack: len == stack_cell_num
    frame_ref: Vec<u8>,
    // frame_offset buffer; entries above `fo` keep stale values like the C buffer
    fo_buf: Vec<i16>,
    fo: usize,
    dynamic_offset: i32,
    start_dynamic_offset: i32,
    max_dynamic_offset: i32,
    preserved_local_offset: i32,
    csp: Vec<Block>,
    /// The most recently popped block (C keeps reading `*frame_csp` after a pop).
    popped: Option<Block>,
    i64_consts: Vec<i64>,
    i32_consts: Vec<i32>,
}

type Res<T> = Result<T>;

impl Ctx {
    fn stack_cell_num(&self) -> i32 {
        self.frame_ref.len() as i32
    }

    fn fo_set(&mut self, idx: usize, v: i16) {
        if self.fo_buf.len() <= idx {
            self.fo_buf.resize(idx + 1, 0);
        }
        self.fo_buf[idx] = v;
    }
    fn fo_get(&self, idx: isize) -> i16 {
        if idx < 0 {
            return 0;
        }
        self.fo_buf.get(idx as usize).copied().unwrap_or(0)
    }

    fn cur(&self) -> &Block {
        self.csp.last().expect("csp")
    }
    fn cur_mut(&mut self) -> &mut Block {
        self.csp.last_mut().expect("csp")
    }

    /// wasm_loader_push_frame_offset (wasm_loader.c:9747)
    fn push_offset(&mut self, t: u8, disable_emit: bool, operand_offset: i16) -> Res<()> {
        if t == VT_VOID {
            return Ok(());
        }
        if disable_emit {
            let i = self.fo;
            self.fo_set(i, operand_offset);
            self.fo += 1;
        } else {
            let i = self.fo;
            let d = self.dynamic_offset as i16;
            self.fo_set(i, d);
            self.fo += 1;
            self.dynamic_offset += 1;
            if self.dynamic_offset > self.max_dynamic_offset {
                self.max_dynamic_offset = self.dynamic_offset;
                if self.max_dynamic_offset >= INT16_MAX {
                    bail!("fast interpreter offset overflow");
                }
            }
        }
        if is_32bit_type(t) {
            return Ok(());
        }
        for _ in 0..cell_num(t) - 1 {
            self.fo += 1;
            if self.fo_buf.len() < self.fo {
                self.fo_buf.resize(self.fo, 0);
            }
            if !disable_emit {
                self.dynamic_offset += 1;
                if self.dynamic_offset > self.max_dynamic_offset {
                    self.max_dynamic_offset = self.dynamic_offset;
                    if self.max_dynamic_offset >= INT16_MAX {
                        bail!("fast interpreter offset overflow");
                    }
                }
            }
        }
        Ok(())
    }

    /// wasm_loader_pop_frame_offset (wasm_loader.c:9809)
    fn pop_offset(&mut self, mut t: u8) {
        // depth = frame_csp > bottom ? 1 : 0; cur_block = frame_csp - depth
        let (blk_cells, blk_poly) = match self.csp.last() {
            Some(b) => (b.stack_cell_num, b.is_stack_polymorphic),
            None => {
                let b = self.popped.as_ref().expect("popped block");
                (b.stack_cell_num, b.is_stack_polymorphic)
            }
        };
        let available = self.stack_cell_num() - blk_cells;
        if available <= 0 && blk_poly {
            return;
        }
        if t == VT_VOID {
            return;
        }
        if available > 0 && *self.frame_ref.last().unwrap() == VT_ANY {
            t = VT_ANY;
        }
        let cells = cell_num(t) as usize;
        if self.fo < cells {
            // check_offset_pop failed: C returns true without touching anything
            return;
        }
        self.fo -= cells;
        let off = self.fo_get(self.fo as isize) as i32;
        if off > self.start_dynamic_offset && off < self.max_dynamic_offset {
            self.dynamic_offset -= cells as i32;
        }
    }

    /// wasm_loader_push_frame_ref (wasm_loader.c:8699)
    fn push_ref(&mut self, t: u8) {
        for _ in 0..cell_num(t) {
            self.frame_ref.push(t);
        }
    }

    /// wasm_loader_pop_frame_ref (wasm_loader.c:8880). Validation is assumed
    /// (wasmparser validates first); only the effect on the stack is modelled.
    fn pop_ref(&mut self, t: u8) {
        let b = self.cur();
        let available = self.stack_cell_num() - b.stack_cell_num;
        if available <= 0 && b.is_stack_polymorphic {
            return;
        }
        if t == VT_VOID {
            return;
        }
        let mut n = cell_num(t) as usize;
        if available > 0 && *self.frame_ref.last().unwrap() == VT_ANY {
            n = 1;
        }
        let len = self.frame_ref.len();
        self.frame_ref.truncate(len.saturating_sub(n));
    }

    /// TEMPLATE_PUSH: push offset then ref
    fn push(&mut self, t: u8, disable_emit: bool, operand_offset: i16) -> Res<()> {
        self.push_offset(t, disable_emit, operand_offset)?;
        self.push_ref(t);
        Ok(())
    }
    /// TEMPLATE_POP: pop offset then ref
    fn pop(&mut self, t: u8) {
        self.pop_offset(t);
        self.pop_ref(t);
    }
    /// wasm_loader_push_pop_frame_ref_offset
    fn pop_push(&mut self, pop_cnt: u32, push_t: u8, pop_t: u8) -> Res<()> {
        for _ in 0..pop_cnt {
            self.pop_offset(pop_t);
            self.pop_ref(pop_t);
        }
        self.push_offset(push_t, false, 0)?;
        self.push_ref(push_t);
        Ok(())
    }

    /// RESET_STACK (wasm_loader.c:11343)
    fn reset_stack(&mut self) {
        let n = self.cur().stack_cell_num as usize;
        self.frame_ref.truncate(n);
        self.fo = n;
    }

    fn push_csp(&mut self, label: Label, btype: BType) {
        self.csp.push(Block {
            label,
            btype,
            stack_cell_num: self.stack_cell_num(),
            dynamic_offset: self.dynamic_offset,
            start_dynamic_offset: 0,
            is_stack_polymorphic: false,
            has_else: false,
            param_frame_offsets: None,
        });
    }

    /// preserve_referenced_local (wasm_loader.c:9493)
    fn preserve_referenced_local(&mut self, local_index: u16, local_type: u8) -> Res<bool> {
        let mut preserved = false;
        let mut preserved_offset = local_index as i16;
        let mut i = 0usize;
        while (i as i32) < self.stack_cell_num() {
            let cur_type = self.frame_ref[i];
            if self.fo_get(i as isize) == local_index as i16 {
                if !preserved {
                    preserved = true;
                    preserved_offset = self.preserved_local_offset as i16;
                    if is_32bit_type(local_type) {
                        if self.second_pass {
                            self.preserved_local_offset += 1;
                        }
                    } else if self.second_pass {
                        self.preserved_local_offset += 2;
                    }
                    if preserved_offset as i32 > self.preserved_local_offset {
                        bail!("too much local cells");
                    }
                }
                self.fo_set(i, preserved_offset);
            }
            if is_32bit_type(cur_type) {
                i += 1;
            } else {
                i += 2;
            }
        }
        Ok(preserved)
    }

    /// preserve_local_for_block (wasm_loader.c:9567)
    fn preserve_local_for_block(&mut self) -> Res<()> {
        let mut i = 0usize;
        while (i as i32) < self.stack_cell_num() {
            let cur_offset = self.fo_get(i as isize) as i32;
            let cur_type = self.frame_ref[i];
            if cur_offset < self.start_dynamic_offset && cur_offset >= 0 {
                self.preserve_referenced_local(cur_offset as u16, cur_type)?;
            }
            if is_32bit_type(cur_type) {
                i += 1;
            } else {
                i += 2;
            }
        }
        Ok(())
    }

    /// wasm_loader_get_const_offset (wasm_loader.c:9939)
    fn const_offset_i64(&mut self, v: i64) -> i16 {
        if !self.second_pass {
            if self.i64_consts.len() as i32 * 2 + self.i32_consts.len() as i32 > INT16_MAX - 2 {
                return 0;
            }
            if self.i64_consts.len() < 10 && self.i64_consts.contains(&v) {
                return -1;
            }
            self.i64_consts.push(v);
            -1
        } else {
            match self.i64_consts.binary_search(&v) {
                Ok(pos) => {
                    (-(self.i64_consts.len() as i32 * 2 + self.i32_consts.len() as i32)
                        + pos as i32 * 2) as i16
                }
                Err(_) => 0,
            }
        }
    }
    fn const_offset_i32(&mut self, v: i32) -> i16 {
        if !self.second_pass {
            if self.i64_consts.len() as i32 * 2 + self.i32_consts.len() as i32 > INT16_MAX - 1 {
                return 0;
            }
            if self.i32_consts.len() < 10 && self.i32_consts.contains(&v) {
                return -1;
            }
            self.i32_consts.push(v);
            -1
        } else {
            match self.i32_consts.binary_search(&v) {
                Ok(pos) => (-(self.i32_consts.len() as i32) + pos as i32) as i16,
                Err(_) => 0,
            }
        }
    }

    /// wasm_loader_emit_br_info (wasm_loader.c:9654) — only the dynamic-offset effect.
    fn emit_br_info(&mut self, target: &Block, is_br: bool) {
        let types: Vec<u8> = if target.label == Label::Loop {
            target.btype.params().to_vec()
        } else {
            target.btype.results()
        };
        if !types.is_empty() {
            let cells = cells_of(&types);
            let d = if target.label == Label::Loop {
                target.start_dynamic_offset + cells
            } else {
                target.dynamic_offset + cells
            };
            if is_br {
                // C stores it through a uint16 then int16; values stay small.
                self.dynamic_offset = d;
            }
        }
    }

    /// wasm_loader_check_br (wasm_loader.c:10725), BR/BR_IF/BR_TABLE flavours.
    fn check_br(&mut self, depth: u32, kind: BrKind) -> Res<()> {
        let n = self.csp.len();
        if depth as usize >= n {
            bail!("unknown label");
        }
        let target = self.csp[n - 1 - depth as usize].clone();
        let types: Vec<u8> = if target.label == Label::Loop {
            target.btype.params().to_vec()
        } else {
            target.btype.results()
        };
        let stack_cell_num_old = self.stack_cell_num() as usize;
        let frame_offset_old = self.fo;
        if self.cur().is_stack_polymorphic {
            // BR_TABLE restores frame_ref/frame_offset contents afterwards; C keeps the
            // popped entries in its buffers, so snapshot before popping.
            let fr_snapshot = self.frame_ref.clone();
            let fo_snapshot = self.fo_buf.clone();
            for &t in types.iter().rev() {
                self.pop_offset(t);
                self.pop_ref(t);
            }
            let fo_after = self.fo;
            for &t in types.iter() {
                self.push_offset(t, true, 0)?;
                self.push_ref(t);
            }
            self.emit_br_info(&target, kind == BrKind::Br);
            if kind == BrKind::BrTable {
                self.frame_ref = fr_snapshot;
                debug_assert_eq!(self.frame_ref.len(), stack_cell_num_old);
                for i in fo_after..frame_offset_old {
                    let v = fo_snapshot.get(i).copied().unwrap_or(0);
                    self.fo_set(i, v);
                }
                self.fo = stack_cell_num_old;
            }
            return Ok(());
        }
        self.emit_br_info(&target, kind == BrKind::Br);
        Ok(())
    }


    /// check_block_stack (wasm_loader.c:11067): only the polymorphic branch
    /// changes the offset stack.
    fn check_block_stack(&mut self, block_idx: usize) -> Res<()> {
        let b = &self.csp[block_idx];
        if b.is_stack_polymorphic {
            let results = b.btype.results();
            for &t in results.iter().rev() {
                self.pop_offset(t);
                self.pop_ref(t);
            }
            for &t in results.iter() {
                self.push_offset(t, true, 0)?;
                self.push_ref(t);
            }
        }
        Ok(())
    }

    /// reserve_block_ret (wasm_loader.c:10232). `block` is frame_csp-1 for ELSE, the
    /// popped block for END.
    fn reserve_block_ret(&mut self, is_else: bool, block: &Block) -> Res<()> {
        let ret = block.btype.results();
        if ret.len() == 1 {
            let cell = cell_num(ret[0]) as usize;
            let at = self.fo as isize - cell as isize;
            if block.dynamic_offset != self.fo_get(at) as i32 {
                if is_else {
                    self.fo_set(at as usize, block.dynamic_offset as i16);
                } else {
                    self.fo -= cell;
                    self.dynamic_offset = block.dynamic_offset;
                    self.push_offset(ret[0], false, 0)?;
                }
            }
            return Ok(());
        }
        let frame_offset_org = self.fo;
        let dynamic_offset_org = block.dynamic_offset + cells_of(&ret);
        let mut frame_offset = frame_offset_org;
        let mut dynamic_offset = dynamic_offset_org;
        let mut value_count = 0;
        for &t in ret.iter().rev() {
            let cells = cell_num(t) as usize;
            if frame_offset < cells {
                bail!("frame offset underflow");
            }
            frame_offset -= cells;
            dynamic_offset -= cells as i32;
            if dynamic_offset != self.fo_get(frame_offset as isize) as i32 {
                value_count += 1;
            }
        }
        if value_count > 0 {
            frame_offset = frame_offset_org;
            dynamic_offset = dynamic_offset_org;
            for &t in ret.iter().rev() {
                let cell = cell_num(t) as usize;
                frame_offset -= cell;
                dynamic_offset -= cell as i32;
                if is_else {
                    self.fo_set(frame_offset, dynamic_offset as i16);
                } else {
                    self.fo = frame_offset;
                    self.dynamic_offset = dynamic_offset;
                    self.push_offset(t, false, 0)?;
                    self.fo = frame_offset_org;
                    self.dynamic_offset = dynamic_offset_org;
                }
            }
        }
        Ok(())
    }

    /// copy_params_to_dynamic_space (wasm_loader.c:11236)
    fn copy_params_to_dynamic_space(&mut self) -> Res<()> {
        let bi = self.csp.len() - 1;
        let params = self.csp[bi].btype.params().to_vec();
        let is_if = self.csp[bi].label == Label::If;
        for &t in params.iter().rev() {
            self.pop_offset(t);
        }
        if self.csp[bi].label == Label::Loop {
            self.csp[bi].start_dynamic_offset = self.dynamic_offset;
        }
        for &t in params.iter() {
            self.push_offset(t, false, 0)?;
        }
        if is_if {
            self.push_offset(VT_I32, false, 0)?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BrKind {
    Br,
    BrIf,
    BrTable,
}

fn block_type(info: &ModuleInfo<'_>, bt: BlockType) -> Result<BType> {
    Ok(match bt {
        BlockType::Empty => BType::Value(VT_VOID),
        BlockType::Type(t) => BType::Value(vt_code(t)?),
        BlockType::FuncType(i) => BType::Func(info.type_at(i)?.clone()),
    })
}

/// Runs WAMR's two loader passes over one defined function and returns its cells.
pub(crate) fn analyze_function(info: &ModuleInfo<'_>, def_idx: usize) -> Result<FuncCells> {
    let func_idx = info.num_imported_funcs + def_idx as u32;
    let ft = info.func_type(func_idx)?.clone();
    let (locals, body) = &info.bodies[def_idx];
    let param_cell_num = ft.param_cells();
    let local_cell_num = cells_of(locals);
    if param_cell_num > u16::MAX as i32 || local_cell_num > u16::MAX as i32 {
        bail!("local count too large");
    }
    if param_cell_num >= INT16_MAX - local_cell_num {
        bail!("fast interpreter offset overflow");
    }
    // init_function_local_offsets (wasm_loader.c:3785)
    let mut local_types = ft.params.clone();
    local_types.extend_from_slice(locals);
    let mut local_offsets = Vec::with_capacity(local_types.len());
    let mut off = 0u32;
    for &t in &local_types {
        local_offsets.push(off as u16);
        off += cell_num(t) as u32;
    }

    let start = param_cell_num + local_cell_num;
    let mut ctx = Ctx {
        second_pass: false,
        frame_ref: Vec::new(),
        fo_buf: vec![0; 32],
        fo: 0,
        dynamic_offset: start,
        start_dynamic_offset: start,
        max_dynamic_offset: start,
        // wasm_loader.c:11637: INT16_MAX marks "copied to preserve space" in pass 1
        preserved_local_offset: INT16_MAX,
        csp: Vec::new(),
        popped: None,
        i64_consts: Vec::new(),
        i32_consts: Vec::new(),
    };

    for pass in 0..2 {
        if pass == 1 {
            // wasm_loader_ctx_reinit (wasm_loader.c:9326) + const sort/dedup (11639)
            ctx.second_pass = true;
            ctx.frame_ref.clear();
            for v in ctx.fo_buf.iter_mut() {
                *v = 0;
            }
            ctx.fo = 0;
            ctx.csp.clear();
            ctx.popped = None;
            ctx.dynamic_offset = ctx.start_dynamic_offset;
            ctx.preserved_local_offset = ctx.max_dynamic_offset;
            ctx.i64_consts.sort();
            ctx.i64_consts.dedup();
            ctx.i32_consts.sort();
            ctx.i32_consts.dedup();
        }
        run_pass(info, &ft, &local_types, &local_offsets, body, &mut ctx)
            .with_context(|| format!("function {func_idx}"))?;
    }

    let const_cell_num = ctx.i64_consts.len() as u32 * 2 + ctx.i32_consts.len() as u32;
    // wasm_loader.c:16824
    let max_stack_cell_num = (ctx.preserved_local_offset - ctx.start_dynamic_offset + 1) as u32;
    Ok(FuncCells {
        param_cell_num: param_cell_num as u32,
        local_cell_num: local_cell_num as u32,
        const_cell_num,
        max_stack_cell_num,
    })
}

fn last_op_of(op: &Operator) -> LastOp {
    use Operator::*;
    match op {
        // LAST_OP_OUTPUT_I32 (wasm_loader.c:9239)
        I32Eqz | I32Eq | I32Ne | I32LtS | I32LtU | I32GtS | I32GtU | I32LeS | I32LeU | I32GeS
        | I32GeU | I64Eqz | I64Eq | I64Ne | I64LtS | I64LtU | I64GtS | I64GtU | I64LeS
        | I64LeU | I64GeS | I64GeU | F32Eq | F32Ne | F32Lt | F32Gt | F32Le | F32Ge | F64Eq
        | F64Ne | F64Lt | F64Gt | F64Le | F64Ge | I32Clz | I32Ctz | I32Popcnt | I32Add
        | I32Sub | I32Mul | I32DivS | I32DivU | I32RemS | I32RemU | I32And | I32Or | I32Xor
        | I32Shl | I32ShrS | I32ShrU | I32Rotl | I32Rotr => LastOp::OutI32,
        I32Load { .. } | F32Load { .. } | I32Load8S { .. } | I32Load8U { .. }
        | I32Load16S { .. } | I32Load16U { .. } => LastOp::OutI32,
        F32Abs | F32Neg | F32Ceil | F32Floor | F32Trunc | F32Nearest | F32Sqrt | F32Add
        | F32Sub | F32Mul | F32Div | F32Min | F32Max | F32Copysign => LastOp::OutI32,
        I32WrapI64 | I32TruncF32S | I32TruncF32U | I32TruncF64S | I32TruncF64U => LastOp::OutI32,
        F32ConvertI32S | F32ConvertI32U | F32ConvertI64S | F32ConvertI64U | F32DemoteF64 => {
            LastOp::OutI32
        }
        I32ReinterpretF32 | F32ReinterpretI32 => LastOp::OutI32,
        // LAST_OP_OUTPUT_I64 (wasm_loader.c:9252)
        I64Clz | I64Ctz | I64Popcnt | I64Add | I64Sub | I64Mul | I64DivS | I64DivU | I64RemS
        | I64RemU | I64And | I64Or | I64Xor | I64Shl | I64ShrS | I64ShrU | I64Rotl | I64Rotr => {
            LastOp::OutI64
        }
        F64Abs | F64Neg | F64Ceil | F64Floor | F64Trunc | F64Nearest | F64Sqrt | F64Add
        | F64Sub | F64Mul | F64Div | F64Min | F64Max | F64Copysign => LastOp::OutI64,
        I64Load { .. } | F64Load { .. } | I64Load8S { .. } | I64Load8U { .. }
        | I64Load16S { .. } | I64Load16U { .. } | I64Load32S { .. } | I64Load32U { .. } => {
            LastOp::OutI64
        }
        I64ExtendI32S | I64ExtendI32U | I64TruncF32S | I64TruncF32U | I64TruncF64S
        | I64TruncF64U => LastOp::OutI64,
        F64ConvertI32S | F64ConvertI32U | F64ConvertI64S | F64ConvertI64U | F64PromoteF32 => {
            LastOp::OutI64
        }
        I64ReinterpretF64 | F64ReinterpretI64 => LastOp::OutI64,
        _ => LastOp::Other,
    }
}

fn run_pass(
    info: &ModuleInfo<'_>,
    ft: &FuncType,
    local_types: &[u8],
    local_offsets: &[u16],
    body: &FunctionBody<'_>,
    ctx: &mut Ctx,
) -> Result<()> {
    use Operator::*;
    ctx.push_csp(Label::Function, BType::Func(ft.clone()));
    let mut last_op = LastOp::Other;
    let mut pending_exception = false;
    let mut reader = body.get_operators_reader()?;
    // `end` of an `if` without `else` is processed twice (synthetic else, then end)
    let mut replay: Option<Operator<'_>> = None;
    loop {
        let op = match replay.take() {
            Some(op) => op,
            None => {
                if reader.eof() {
                    break;
                }
                reader.read()?
            }
        };
        let mut this_last = last_op_of(&op);
        match op.clone() {
            Unreachable => {
                ctx.reset_stack();
                ctx.cur_mut().is_stack_polymorphic = true;
            }
            Nop => {}
            Block { blockty } | Loop { blockty } | If { blockty } => {
                let label = match op {
                    Block { .. } => Label::Block,
                    Loop { .. } => Label::Loop,
                    _ => Label::If,
                };
                if label == Label::If {
                    ctx.preserve_local_for_block()?;
                    ctx.pop(VT_I32);
                } else {
                    ctx.preserve_local_for_block()?;
                }
                let bt = block_type(info, blockty)?;
                let params = bt.params().to_vec();
                let mut available_params = params.len();
                if !params.is_empty() {
                    for i in 0..params.len() {
                        let cur = ctx.cur();
                        let avail = ctx.stack_cell_num() - cur.stack_cell_num;
                        if avail <= 0 && cur.is_stack_polymorphic {
                            available_params = i;
                            break;
                        }
                        let t = params[params.len() - i - 1];
                        ctx.pop_ref(t);
                        let c = cell_num(t) as usize;
                        if ctx.fo < c {
                            pending_exception = true;
                            break;
                        }
                        ctx.fo -= c;
                    }
                }
                ctx.push_csp(label, bt.clone());
                if !params.is_empty() {
                    for (i, &t) in params.iter().enumerate() {
                        let c = cell_num(t) as usize;
                        if i >= available_params {
                            for _ in 0..c {
                                let at = ctx.fo;
                                ctx.fo_set(at, 0);
                                ctx.fo += 1;
                            }
                        } else {
                            ctx.fo += c;
                            if ctx.fo_buf.len() < ctx.fo {
                                ctx.fo_buf.resize(ctx.fo, 0);
                            }
                        }
                        ctx.push_ref(t);
                    }
                }
                match label {
                    Label::Block | Label::Loop => {
                        if bt.has_param() {
                            ctx.copy_params_to_dynamic_space()?;
                        }
                    }
                    _ => {
                        if bt.has_param() {
                            ctx.copy_params_to_dynamic_space()?;
                            ctx.pop_offset(VT_I32);
                            let n = bt.params().iter().map(|&t| cell_num(t)).sum::<i32>() as usize;
                            let saved: Vec<i16> =
                                (ctx.fo - n..ctx.fo).map(|i| ctx.fo_get(i as isize)).collect();
                            ctx.cur_mut().param_frame_offsets = Some(saved);
                        }
                        let d = ctx.dynamic_offset;
                        ctx.cur_mut().start_dynamic_offset = d;
                    }
                }
            }
            Else => {
                handle_else(ctx)?;
            }
            End => {
                let bi = ctx.csp.len() - 1;
                ctx.check_block_stack(bi)?;
                let b = &ctx.csp[bi];
                if b.label == Label::If && !b.has_else {
                    // synthetic else, then re-process this `end`
                    handle_else(ctx)?;
                    replay = Some(End);
                    last_op = LastOp::Other; // last_op = WASM_OP_ELSE
                    continue;
                }
                let block = ctx.csp.pop().unwrap();
                ctx.popped = Some(block.clone());
                ctx.reserve_block_ret(false, &block)?;
                if block.label == Label::Function {
                    for &t in ft.results.iter().rev() {
                        ctx.pop_offset(t);
                    }
                }
                if pending_exception && ctx.csp.is_empty() {
                    bail!("pending exception");
                }
            }
            Br { relative_depth } => {
                ctx.check_br(relative_depth, BrKind::Br)?;
                ctx.reset_stack();
                ctx.cur_mut().is_stack_polymorphic = true;
            }
            BrIf { relative_depth } => {
                ctx.pop(VT_I32);
                ctx.check_br(relative_depth, BrKind::BrIf)?;
            }
            BrTable { targets } => {
                ctx.pop(VT_I32);
                let mut depths: Vec<u32> = Vec::new();
                for t in targets.targets() {
                    depths.push(t?);
                }
                depths.push(targets.default());
                for d in depths {
                    ctx.check_br(d, BrKind::BrTable)?;
                }
                ctx.reset_stack();
                ctx.cur_mut().is_stack_polymorphic = true;
            }
            Return => {
                for &t in ft.results.iter().rev() {
                    ctx.pop_offset(t);
                    ctx.pop_ref(t);
                }
                ctx.reset_stack();
                ctx.cur_mut().is_stack_polymorphic = true;
            }
            Call { function_index } => {
                let cft = info.func_type(function_index)?.clone();
                call_effect(ctx, &cft)?;
            }
            CallIndirect { type_index, .. } => {
                ctx.pop(VT_I32);
                let cft = info.type_at(type_index)?.clone();
                call_effect(ctx, &cft)?;
            }
            Drop => {
                let cur = ctx.cur();
                let avail = ctx.stack_cell_num() - cur.stack_cell_num;
                if avail > 0 {
                    let top = *ctx.frame_ref.last().unwrap();
                    let n = if is_32bit_type(top) {
                        1
                    } else if is_64bit_type(top) {
                        2
                    } else {
                        bail!("type mismatch");
                    };
                    let len = ctx.frame_ref.len();
                    ctx.frame_ref.truncate(len - n);
                    ctx.fo -= n;
                    let off = ctx.fo_get(ctx.fo as isize) as i32;
                    if off > ctx.start_dynamic_offset && off < ctx.max_dynamic_offset {
                        ctx.dynamic_offset -= n as i32;
                    }
                }
            }
            Select => {
                ctx.pop(VT_I32);
                let cur = ctx.cur();
                let avail = ctx.stack_cell_num() - cur.stack_cell_num;
                if avail > 0 {
                    let t = *ctx.frame_ref.last().unwrap();
                    ctx.pop_offset(t);
                    ctx.pop_ref(t);
                    ctx.pop_offset(t);
                    ctx.pop_ref(t);
                    ctx.push_offset(t, false, 0)?;
                    ctx.push_ref(t);
                } else {
                    ctx.push_offset(VT_ANY, false, 0)?;
                    ctx.push_ref(VT_ANY);
                }
            }
            TypedSelect { ty } => {
                let t = vt_code(ty)?;
                ctx.pop(VT_I32);
                ctx.pop(t);
                ctx.pop(t);
                ctx.push(t, false, 0)?;
            }
            TypedSelectMulti { .. } => bail!("invalid result arity"),
            TableGet { table } => {
                let t = *info.table_types.get(table as usize).ok_or_else(|| anyhow!("table"))?;
                ctx.pop(VT_I32);
                ctx.push_offset(t, false, 0)?;
                ctx.push_ref(t);
            }
            TableSet { table } => {
                let t = *info.table_types.get(table as usize).ok_or_else(|| anyhow!("table"))?;
                ctx.pop_offset(t);
                ctx.pop_ref(t);
                ctx.pop(VT_I32);
            }
            RefNull { hty } => {
                let t = match hty {
                    wasmparser::HeapType::Abstract { ty: wasmparser::AbstractHeapType::Func, .. } => VT_FUNCREF,
                    wasmparser::HeapType::Abstract { ty: wasmparser::AbstractHeapType::Extern, .. } => VT_EXTERNREF,
                    _ => bail!("type mismatch"),
                };
                ctx.push_offset(t, false, 0)?;
                ctx.push_ref(t);
            }
            RefIsNull => {
                let cur = ctx.cur();
                let avail = ctx.stack_cell_num() - cur.stack_cell_num;
                if avail > 0 {
                    let t = *ctx.frame_ref.last().unwrap();
                    ctx.pop_offset(t);
                    ctx.pop_ref(t);
                }
                ctx.push(VT_I32, false, 0)?;
            }
            RefFunc { .. } => ctx.push(VT_FUNCREF, false, 0)?,
            LocalGet { local_index } => {
                let t = local_types[local_index as usize];
                ctx.push_ref(t);
                ctx.push_offset(t, true, local_offsets[local_index as usize] as i16)?;
            }
            LocalSet { local_index } => {
                let t = local_types[local_index as usize];
                let lo = local_offsets[local_index as usize];
                let preserved = ctx.preserve_referenced_local(lo, t)?;
                if lo < 256 {
                    if !preserved && last_op == LastOp::OutI32 {
                        ctx.fo -= 1;
                        ctx.dynamic_offset -= 1;
                    } else if !preserved && last_op == LastOp::OutI64 {
                        ctx.fo -= 2;
                        ctx.dynamic_offset -= 2;
                    } else {
                        if !is_32bit_type(t) && !is_64bit_type(t) {
                            bail!("unknown local type");
                        }
                        ctx.pop_offset(t);
                    }
                } else {
                    ctx.pop_offset(t);
                }
                ctx.pop_ref(t);
            }
            LocalTee { local_index } => {
                let t = local_types[local_index as usize];
                let lo = local_offsets[local_index as usize];
                if ctx.cur().is_stack_polymorphic {
                    ctx.pop_offset(t);
                    ctx.push_offset(t, false, 0)?;
                }
                ctx.pop_ref(t);
                ctx.push_ref(t);
                ctx.preserve_referenced_local(lo, t)?;
            }
            GlobalGet { global_index } => {
                let t = *info.global_types.get(global_index as usize).ok_or_else(|| anyhow!("global"))?;
                ctx.push_ref(t);
                ctx.push_offset(t, false, 0)?;
            }
            GlobalSet { global_index } => {
                let t = *info.global_types.get(global_index as usize).ok_or_else(|| anyhow!("global"))?;
                ctx.pop_offset(t);
                ctx.pop_ref(t);
            }
            I32Load { .. } | I32Load8S { .. } | I32Load8U { .. } | I32Load16S { .. }
            | I32Load16U { .. } => ctx.pop_push(1, VT_I32, VT_I32)?,
            I64Load { .. } | I64Load8S { .. } | I64Load8U { .. } | I64Load16S { .. }
            | I64Load16U { .. } | I64Load32S { .. } | I64Load32U { .. } => {
                ctx.pop_push(1, VT_I64, VT_I32)?
            }
            F32Load { .. } => ctx.pop_push(1, VT_F32, VT_I32)?,
            F64Load { .. } => ctx.pop_push(1, VT_F64, VT_I32)?,
            I32Store { .. } | I32Store8 { .. } | I32Store16 { .. } => {
                ctx.pop(VT_I32);
                ctx.pop(VT_I32);
            }
            I64Store { .. } | I64Store8 { .. } | I64Store16 { .. } | I64Store32 { .. } => {
                ctx.pop(VT_I64);
                ctx.pop(VT_I32);
            }
            F32Store { .. } => {
                ctx.pop(VT_F32);
                ctx.pop(VT_I32);
            }
            F64Store { .. } => {
                ctx.pop(VT_F64);
                ctx.pop(VT_I32);
            }
            MemorySize { .. } => ctx.push(VT_I32, false, 0)?,
            MemoryGrow { .. } => ctx.pop_push(1, VT_I32, VT_I32)?,
            I32Const { value } => {
                let o = ctx.const_offset_i32(value);
                ctx.push(VT_I32, o != 0, o)?;
            }
            I64Const { value } => {
                let o = ctx.const_offset_i64(value);
                ctx.push(VT_I64, o != 0, o)?;
            }
            F32Const { value } => {
                let o = ctx.const_offset_i32(value.bits() as i32);
                ctx.push(VT_F32, o != 0, o)?;
            }
            F64Const { value } => {
                let o = ctx.const_offset_i64(value.bits() as i64);
                ctx.push(VT_F64, o != 0, o)?;
            }
            I32Eqz | I32Clz | I32Ctz | I32Popcnt | I32Extend8S | I32Extend16S => {
                ctx.pop_push(1, VT_I32, VT_I32)?
            }
            I32Eq | I32Ne | I32LtS | I32LtU | I32GtS | I32GtU | I32LeS | I32LeU | I32GeS
            | I32GeU | I32Add | I32Sub | I32Mul | I32DivS | I32DivU | I32RemS | I32RemU
            | I32And | I32Or | I32Xor | I32Shl | I32ShrS | I32ShrU | I32Rotl | I32Rotr => {
                ctx.pop_push(2, VT_I32, VT_I32)?
            }
            I64Eqz => ctx.pop_push(1, VT_I32, VT_I64)?,
            I64Eq | I64Ne | I64LtS | I64LtU | I64GtS | I64GtU | I64LeS | I64LeU | I64GeS
            | I64GeU => ctx.pop_push(2, VT_I32, VT_I64)?,
            F32Eq | F32Ne | F32Lt | F32Gt | F32Le | F32Ge => ctx.pop_push(2, VT_I32, VT_F32)?,
            F64Eq | F64Ne | F64Lt | F64Gt | F64Le | F64Ge => ctx.pop_push(2, VT_I32, VT_F64)?,
            I64Clz | I64Ctz | I64Popcnt | I64Extend8S | I64Extend16S | I64Extend32S => {
                ctx.pop_push(1, VT_I64, VT_I64)?
            }
            I64Add | I64Sub | I64Mul | I64DivS | I64DivU | I64RemS | I64RemU | I64And | I64Or
            | I64Xor | I64Shl | I64ShrS | I64ShrU | I64Rotl | I64Rotr => {
                ctx.pop_push(2, VT_I64, VT_I64)?
            }
            F32Abs | F32Neg | F32Ceil | F32Floor | F32Trunc | F32Nearest | F32Sqrt => {
                ctx.pop_push(1, VT_F32, VT_F32)?
            }
            F32Add | F32Sub | F32Mul | F32Div | F32Min | F32Max | F32Copysign => {
                ctx.pop_push(2, VT_F32, VT_F32)?
            }
            F64Abs | F64Neg | F64Ceil | F64Floor | F64Trunc | F64Nearest | F64Sqrt => {
                ctx.pop_push(1, VT_F64, VT_F64)?
            }
            F64Add | F64Sub | F64Mul | F64Div | F64Min | F64Max | F64Copysign => {
                ctx.pop_push(2, VT_F64, VT_F64)?
            }
            I32WrapI64 => ctx.pop_push(1, VT_I32, VT_I64)?,
            I32TruncF32S | I32TruncF32U | I32ReinterpretF32 => ctx.pop_push(1, VT_I32, VT_F32)?,
            I32TruncF64S | I32TruncF64U => ctx.pop_push(1, VT_I32, VT_F64)?,
            I64ExtendI32S | I64ExtendI32U => ctx.pop_push(1, VT_I64, VT_I32)?,
            I64TruncF32S | I64TruncF32U => ctx.pop_push(1, VT_I64, VT_F32)?,
            I64TruncF64S | I64TruncF64U | I64ReinterpretF64 => ctx.pop_push(1, VT_I64, VT_F64)?,
            F32ConvertI32S | F32ConvertI32U | F32ReinterpretI32 => ctx.pop_push(1, VT_F32, VT_I32)?,
            F32ConvertI64S | F32ConvertI64U => ctx.pop_push(1, VT_F32, VT_I64)?,
            F32DemoteF64 => ctx.pop_push(1, VT_F32, VT_F64)?,
            F64ConvertI32S | F64ConvertI32U => ctx.pop_push(1, VT_F64, VT_I32)?,
            F64ConvertI64S | F64ConvertI64U | F64ReinterpretI64 => ctx.pop_push(1, VT_F64, VT_I64)?,
            F64PromoteF32 => ctx.pop_push(1, VT_F64, VT_F32)?,
            // 0xFC prefix
            I32TruncSatF32S | I32TruncSatF32U => ctx.pop_push(1, VT_I32, VT_F32)?,
            I32TruncSatF64S | I32TruncSatF64U => ctx.pop_push(1, VT_I32, VT_F64)?,
            I64TruncSatF32S | I64TruncSatF32U => ctx.pop_push(1, VT_I64, VT_F32)?,
            I64TruncSatF64S | I64TruncSatF64U => ctx.pop_push(1, VT_I64, VT_F64)?,
            MemoryInit { .. } | MemoryCopy { .. } | MemoryFill { .. } | TableInit { .. }
            | TableCopy { .. } => {
                ctx.pop(VT_I32);
                ctx.pop(VT_I32);
                ctx.pop(VT_I32);
            }
            DataDrop { .. } | ElemDrop { .. } => {}
            TableSize { .. } => ctx.push(VT_I32, false, 0)?,
            TableGrow { table } | TableFill { table } => {
                let t = *info.table_types.get(table as usize).ok_or_else(|| anyhow!("table"))?;
                let grow = matches!(op, TableGrow { .. });
                ctx.pop(VT_I32);
                ctx.pop_offset(t);
                ctx.pop_ref(t);
                if grow {
                    ctx.push(VT_I32, false, 0)?;
                } else {
                    ctx.pop(VT_I32);
                }
            }
            // 0xFE prefix (shared memory is enabled in Fluent Bit's WAMR)
            MemoryAtomicNotify { .. } => {
                ctx.pop(VT_I32);
                ctx.pop(VT_I32);
                ctx.push(VT_I32, false, 0)?;
            }
            MemoryAtomicWait32 { .. } => {
                ctx.pop(VT_I64);
                ctx.pop(VT_I32);
                ctx.pop(VT_I32);
                ctx.push(VT_I32, false, 0)?;
            }
            MemoryAtomicWait64 { .. } => {
                ctx.pop(VT_I64);
                ctx.pop(VT_I64);
                ctx.pop(VT_I32);
                ctx.push(VT_I32, false, 0)?;
            }
            AtomicFence { .. } => {}
            I32AtomicLoad { .. } | I32AtomicLoad8U { .. } | I32AtomicLoad16U { .. } => {
                ctx.pop_push(1, VT_I32, VT_I32)?
            }
            I64AtomicLoad { .. } | I64AtomicLoad8U { .. } | I64AtomicLoad16U { .. }
            | I64AtomicLoad32U { .. } => ctx.pop_push(1, VT_I64, VT_I32)?,
            I32AtomicStore { .. } | I32AtomicStore8 { .. } | I32AtomicStore16 { .. } => {
                ctx.pop(VT_I32);
                ctx.pop(VT_I32);
            }
            I64AtomicStore { .. } | I64AtomicStore8 { .. } | I64AtomicStore16 { .. }
            | I64AtomicStore32 { .. } => {
                ctx.pop(VT_I64);
                ctx.pop(VT_I32);
            }
            I32AtomicRmwAdd { .. } | I32AtomicRmw8AddU { .. } | I32AtomicRmw16AddU { .. }
            | I32AtomicRmwSub { .. } | I32AtomicRmw8SubU { .. } | I32AtomicRmw16SubU { .. }
            | I32AtomicRmwAnd { .. } | I32AtomicRmw8AndU { .. } | I32AtomicRmw16AndU { .. }
            | I32AtomicRmwOr { .. } | I32AtomicRmw8OrU { .. } | I32AtomicRmw16OrU { .. }
            | I32AtomicRmwXor { .. } | I32AtomicRmw8XorU { .. } | I32AtomicRmw16XorU { .. }
            | I32AtomicRmwXchg { .. } | I32AtomicRmw8XchgU { .. }
            | I32AtomicRmw16XchgU { .. } => {
                ctx.pop(VT_I32);
                ctx.pop(VT_I32);
                ctx.push(VT_I32, false, 0)?;
            }
            I64AtomicRmwAdd { .. } | I64AtomicRmw8AddU { .. } | I64AtomicRmw16AddU { .. }
            | I64AtomicRmw32AddU { .. } | I64AtomicRmwSub { .. } | I64AtomicRmw8SubU { .. }
            | I64AtomicRmw16SubU { .. } | I64AtomicRmw32SubU { .. } | I64AtomicRmwAnd { .. }
            | I64AtomicRmw8AndU { .. } | I64AtomicRmw16AndU { .. } | I64AtomicRmw32AndU { .. }
            | I64AtomicRmwOr { .. } | I64AtomicRmw8OrU { .. } | I64AtomicRmw16OrU { .. }
            | I64AtomicRmw32OrU { .. } | I64AtomicRmwXor { .. } | I64AtomicRmw8XorU { .. }
            | I64AtomicRmw16XorU { .. } | I64AtomicRmw32XorU { .. } | I64AtomicRmwXchg { .. }
            | I64AtomicRmw8XchgU { .. } | I64AtomicRmw16XchgU { .. }
            | I64AtomicRmw32XchgU { .. } => {
                ctx.pop(VT_I64);
                ctx.pop(VT_I32);
                ctx.push(VT_I64, false, 0)?;
            }
            I32AtomicRmwCmpxchg { .. } | I32AtomicRmw8CmpxchgU { .. }
            | I32AtomicRmw16CmpxchgU { .. } => {
                ctx.pop(VT_I32);
                ctx.pop(VT_I32);
                ctx.pop(VT_I32);
                ctx.push(VT_I32, false, 0)?;
            }
            I64AtomicRmwCmpxchg { .. } | I64AtomicRmw8CmpxchgU { .. }
            | I64AtomicRmw16CmpxchgU { .. } | I64AtomicRmw32CmpxchgU { .. } => {
                ctx.pop(VT_I64);
                ctx.pop(VT_I64);
                ctx.pop(VT_I32);
                ctx.push(VT_I64, false, 0)?;
            }
            other => bail!("unsupported opcode for WAMR 2.4.1 fast-interp (Fluent Bit build): {other:?}"),
        }
        if matches!(op, Else) {
            this_last = LastOp::Other;
        }
        last_op = this_last;
    }
    if !ctx.csp.is_empty() {
        bail!("unbalanced control flow");
    }
    Ok(())
}

fn call_effect(ctx: &mut Ctx, cft: &FuncType) -> Result<()> {
    for &t in cft.params.iter().rev() {
        ctx.pop_offset(t);
        ctx.pop_ref(t);
    }
    for &t in cft.results.iter() {
        ctx.push_ref(t);
        ctx.push_offset(t, false, 0)?;
    }
    Ok(())
}

/// WASM_OP_ELSE (wasm_loader.c:12335)
fn handle_else(ctx: &mut Ctx) -> Result<()> {
    let bi = ctx.csp.len() - 1;
    if ctx.csp[bi].label != Label::If || ctx.csp[bi].has_else {
        bail!("else without if");
    }
    ctx.check_block_stack(bi)?;
    ctx.csp[bi].has_else = true;
    let block = ctx.csp[bi].clone();
    ctx.reserve_block_ret(true, &block)?;
    ctx.reset_stack();
    ctx.cur_mut().is_stack_polymorphic = false;
    let params = block.btype.params().to_vec();
    for &t in &params {
        ctx.push_ref(t);
    }
    if !params.is_empty() {
        let saved = block.param_frame_offsets.clone().unwrap_or_default();
        for v in saved {
            let at = ctx.fo;
            ctx.fo_set(at, v);
            ctx.fo += 1;
        }
    }
    ctx.dynamic_offset = block.start_dynamic_offset;
    Ok(())
}
