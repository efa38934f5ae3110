using Captive.Core.IR;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Lowering;

/// <summary>
/// Lowers decoded A64 instructions to IR, one method per encoding class (the semantics are written here
/// once, for the interpreter and the translator alike). One instance per thread; it keeps the builder of
/// the block being lowered so that lowering allocates nothing per instruction.
/// </summary>
internal sealed partial class A64Lowerer
{
    private IrBuilder _b = null!;
    private ulong _pc;
    private int _el; // the exception level the block is lowered for (IrBlock.Mode)

    public void LowerBlock(ulong address, IInstructionFetcher fetcher, IrBlock block, int maxInstructions)
    {
        if (_b is null || _b.Block != block)
            _b = new IrBuilder(block);
        _el = block.Mode;
        _context = block.Context;
        bool stepped = SteppedBlock;
        if (stepped) maxInstructions = 1;
        bool alias = IsBreakpointAlias(address);
        if ((address & 3) != 0 && !alias)
        {
            // A branch or an exception return to a misaligned address: the PC alignment fault (EC 0x22), taken when
            // the instruction there would execute, with FAR = the PC (ARM DDI 0487 D1.10.2).
            _pc = address;
            _b.GuestPc = address;
            _b.SetReg(ArmState.FarEl1, K(address));
            TakeException(EcPcAlignment, 0, address);
            return;
        }
        ulong pc = address & ~3UL;
        if (alias) maxInstructions = 1; // the breakpointed instruction alone, without its check
        for (int count = 0; ; count++)
        {
            if (count == maxInstructions)
            {
                _b.Jump(pc);
                return;
            }
            if (!fetcher.TryFetch(pc, out uint word))
            {
                if (count == 0)
                    _b.Trap(IrTrapKind.FetchFault, pc, pc + 4, 0);
                else
                    _b.Jump(pc);
                return;
            }
            if (!alias && BreakpointAt(pc))
            {
                if (count > 0) { _b.Jump(pc); return; } // the breakpoint's own block takes it
                _pc = pc;
                _b.GuestPc = pc;
                block.GuestInstructionCount = 1;
                LowerBreakpoint(pc);
                return;
            }
            _pc = pc;
            _b.GuestPc = pc;
            block.GuestInstructionCount = count + 1;
            var instruction = A64Decoder.Decode(word);
            if (stepped)
            {
                var start = StepStateAtStart();
                Lower(instruction);
                FinishSteppedInstruction(block, pc + 4, start, instruction.Op is A64Op.Ldxr or A64Op.Ldaxr or A64Op.Ldxp or A64Op.Ldaxp);
                return;
            }
            Lower(instruction);
            if (block.IsTerminated)
                return;
            pc += 4;
        }
    }

    /// <summary>Lowers one instruction; may end the block.</summary>
    internal void Lower(in A64Instruction i)
    {
        if (_el == 0 && El0Exception(i))
            return;
        if (SimdFpTrapped() && UsesSimdFp(i))
        {
            TakeException(EcSimdFpAccess, 1u << 24 | 0xEu << 20, _pc); // CV = 1, COND = AL
            return;
        }
        switch (i.Op)
        {
            case A64Op.Undefined: Undefined(); return;
            case A64Op.Unsupported: Trap(IrTrapKind.Unsupported, i.Word); return;

            case A64Op.Adr or A64Op.Adrp: PcRelative(i); return;
            case A64Op.Cas: CompareAndSwap(i); return;
            case A64Op.Crc32: Crc32(i); return;
            case A64Op.Casp: CompareAndSwapPair(i); return;
            case A64Op.AtomicOp or A64Op.Swp: AtomicMemoryOperation(i); return;
            case A64Op.AddImm or A64Op.AddsImm or A64Op.SubImm or A64Op.SubsImm: AddSubImmediate(i); return;
            case A64Op.AndImm or A64Op.OrrImm or A64Op.EorImm or A64Op.AndsImm: LogicalImmediate(i); return;
            case A64Op.Movn or A64Op.Movz or A64Op.Movk: MoveWide(i); return;
            case A64Op.Sbfm or A64Op.Bfm or A64Op.Ubfm: Bitfield(i); return;
            case A64Op.Extr: Extract(i); return;

            case A64Op.BCond: ConditionalBranch(i); return;
            case A64Op.Svc: SupervisorCall((ulong)i['i']); return;
            case A64Op.Hvc: Trap(IrTrapKind.Hvc, (ulong)i['i']); return;
            case A64Op.Brk: TakeException(EcBrk, (ulong)i['i'], _pc); return;
            // No EL3: SMC is UNDEFINED. Halting debug is off: HLT is UNDEFINED. DCPS/DRPS outside Debug state too.
            case A64Op.Smc or A64Op.Hlt or A64Op.Dcps or A64Op.Drps or A64Op.Udf or A64Op.Sysl: Undefined(); return;
            case A64Op.Eret: ExceptionReturn(); return;
            case A64Op.MsrImm: MsrImmediate(i); return;
            case A64Op.Hint: Hint(i); return;
            case A64Op.Clrex: _b.SetReg(ArmState.ExclusiveArmed, _b.Const(0)); return;
            case A64Op.Dsb or A64Op.Dmb or A64Op.Isb: return; // one vCPU, coherent memory: ordering is program order
            case A64Op.Sys: SystemInstruction(i); return;
            case A64Op.MsrReg: MsrRegister(i); return;
            case A64Op.Mrs: Mrs(i); return;
            case A64Op.Br or A64Op.Blr or A64Op.Ret: BranchRegister(i); return;
            case A64Op.B or A64Op.Bl: BranchImmediate(i); return;
            case A64Op.Cbz or A64Op.Cbnz: CompareAndBranch(i); return;
            case A64Op.Tbz or A64Op.Tbnz: TestAndBranch(i); return;

            case A64Op.Ldxr or A64Op.Ldaxr: LoadExclusive(i); return;
            case A64Op.Stxr or A64Op.Stlxr: StoreExclusive(i); return;
            case A64Op.Ldxp or A64Op.Ldaxp: LoadExclusivePair(i); return;
            case A64Op.Stxp or A64Op.Stlxp: StoreExclusivePair(i); return;
            case A64Op.Ldar or A64Op.Stlr: LoadStoreOrdered(i); return;
            case A64Op.LdrLit: LoadLiteral(i); return;
            case A64Op.LdrLitSimd: LoadLiteralSimd(i); return;
            case A64Op.LdStPair: LoadStorePair(i, simd: false); return;
            case A64Op.LdStPairSimd: LoadStorePair(i, simd: true); return;
            case A64Op.LdStImm9: LoadStoreImm9(i); return;
            case A64Op.LdStReg: LoadStoreRegisterOffset(i); return;
            case A64Op.LdStUImm: LoadStoreUnsignedOffset(i); return;
            case A64Op.LdStMultiple or A64Op.LdStMultiplePost or A64Op.LdStSingle or A64Op.LdStSinglePost: LoadStoreStructures(i); return;

            case A64Op.AndReg or A64Op.BicReg or A64Op.OrrReg or A64Op.OrnReg or A64Op.EorReg or A64Op.EonReg
                or A64Op.AndsReg or A64Op.BicsReg: LogicalShifted(i); return;
            case A64Op.AddShift or A64Op.AddsShift or A64Op.SubShift or A64Op.SubsShift: AddSubShifted(i); return;
            case A64Op.AddExt or A64Op.AddsExt or A64Op.SubExt or A64Op.SubsExt: AddSubExtended(i); return;
            case A64Op.Adc or A64Op.Adcs or A64Op.Sbc or A64Op.Sbcs: AddSubCarry(i); return;
            case A64Op.CcmnReg or A64Op.CcmpReg or A64Op.CcmnImm or A64Op.CcmpImm: ConditionalCompare(i); return;
            case A64Op.Csel or A64Op.Csinc or A64Op.Csinv or A64Op.Csneg: ConditionalSelect(i); return;
            case A64Op.Madd or A64Op.Msub or A64Op.Smaddl or A64Op.Smsubl or A64Op.Umaddl or A64Op.Umsubl
                or A64Op.Smulh or A64Op.Umulh: MultiplyAdd(i); return;
            case A64Op.Udiv or A64Op.Sdiv or A64Op.Lslv or A64Op.Lsrv or A64Op.Asrv or A64Op.Rorv: DataProcessing2(i); return;
            case A64Op.Rbit or A64Op.Rev16 or A64Op.Rev32 or A64Op.Rev64 or A64Op.Clz or A64Op.Cls: DataProcessing1(i); return;

            case A64Op.SimdModImm: SimdModifiedImmediate(i); return;
            case A64Op.FmovGen: FmovGeneral(i); return;
            case A64Op.FmovImm: FmovImmediate(i); return;
            case A64Op.DupElem or A64Op.DupGen: Dup(i); return;
            case A64Op.Umov or A64Op.Smov: MoveToGeneral(i); return;
            case A64Op.Ins or A64Op.InsElem: Insert(i); return;
            case A64Op.SimdLogic: SimdLogical(i); return;
            case A64Op.AdvSimd3Same: AdvSimdThreeSame(i); return;
            case A64Op.AdvSimdAcross: AdvSimdAcrossLanes(i); return;
            case A64Op.AdvSimdPermute: AdvSimdPermute(i); return;
            case A64Op.AdvSimdExt: AdvSimdExtract(i); return;
            case A64Op.AdvSimdTbl: AdvSimdTableLookup(i); return;
            case A64Op.AdvSimdShiftImm: AdvSimdShiftImmediate(i); return;
            case A64Op.AdvSimd2RegMisc: AdvSimdTwoRegisterMisc(i); return;
            case A64Op.AdvSimd3Diff: AdvSimdThreeDifferent(i); return;
            case A64Op.AdvSimdScalar3Same: AdvSimdThreeSame(i, scalar: true); return;
            case A64Op.AdvSimdScalar3Diff: AdvSimdThreeDifferent(i, scalar: true); return;
            case A64Op.AdvSimdScalar2RegMisc: AdvSimdTwoRegisterMisc(i, scalar: true); return;
            case A64Op.AdvSimdScalarPairwise: AdvSimdScalarPairwise(i); return;
            case A64Op.AdvSimdScalarCopy: AdvSimdScalarCopy(i); return;
            case A64Op.AdvSimdScalarShiftImm: AdvSimdShiftImmediate(i, scalar: true); return;
            case A64Op.AdvSimdByElement or A64Op.AdvSimdScalarByElement: AdvSimdByElement(i); return;
            case >= A64Op.CryptoAes and <= A64Op.CryptoPmull64: Crypto(i); return;
            case >= A64Op.FpCompare and <= A64Op.FpFixedConvert: FloatingPoint(i); return;

            default: Trap(IrTrapKind.Unsupported, i.Word); return;
        }
    }

    // ---- helpers

    private static int OpSize(in A64Instruction i) => i['z'] == 1 ? 8 : 4;

    private void Trap(IrTrapKind kind, ulong info) => _b.Trap(kind, _pc, _pc + 4, info);

    /// <summary>Ends the block after the current instruction (its effect must be visible to the host).</summary>
    private void EndBlockAfter() => _b.Jump(_pc + 4);

    private IrValue K(ulong value, int size = 8) => _b.Const(value, size);

    /// <summary>X[r] or W[r] with register 31 as the zero register.</summary>
    private IrValue X(int r, int size = 8) => r == 31 ? _b.Const(0, size) : _b.GetReg(ArmState.X0 + 8 * r, size);

    /// <summary>X[r] or W[r] with register 31 as the stack pointer.</summary>
    private IrValue XSp(int r, int size = 8) => _b.GetReg(r == 31 ? ArmState.Sp : ArmState.X0 + 8 * r, size);

    /// <summary>
    /// Low <paramref name="bytes"/> bytes (1–8) of X[r], zero-extended, with register 31 as the zero register:
    /// the data of a store.
    /// </summary>
    private IrValue XBytes(int r, int bytes) => r == 31 ? _b.Const(0) : _b.GetReg(ArmState.X0 + 8 * r, bytes);

    /// <summary>
    /// Writes X[r] (register 31: the zero register, so nothing). The value must already be zero-extended when
    /// it stands for a W register, which every 4-byte IR operation guarantees.
    /// </summary>
    private void SetX(int r, IrValue value)
    {
        if (r != 31) _b.SetReg(ArmState.X0 + 8 * r, value);
    }

    /// <summary>Writes X[r] with register 31 as the stack pointer.</summary>
    private void SetXSp(int r, IrValue value) => _b.SetReg(r == 31 ? ArmState.Sp : ArmState.X0 + 8 * r, value);

    private IrValue ShiftByConstant(IrValue value, int type, int amount, int size)
    {
        if (amount == 0) return value;
        var k = K((ulong)amount, size);
        return type switch
        {
            0 => _b.Shl(value, k, size),
            1 => _b.Lsr(value, k, size),
            2 => _b.Asr(value, k, size),
            _ => _b.Ror(value, k, size),
        };
    }

    /// <summary>Replicates the low <paramref name="bytes"/> bytes of a zero-extended value across 64 bits.</summary>
    private IrValue Replicate(IrValue value, int bytes) => bytes switch
    {
        1 => _b.Mul(value, K(0x0101_0101_0101_0101ul)),
        2 => _b.Mul(value, K(0x0001_0001_0001_0001ul)),
        4 => _b.Mul(value, K(0x0000_0001_0000_0001ul)),
        _ => value,
    };
}
