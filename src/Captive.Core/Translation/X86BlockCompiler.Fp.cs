using Captive.Core.IR;
using Captive.Core.Runtime;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Captive.Core.Translation;

// Scalar floating point (issue 4, docs/design-simd-ir.md "x86 code for FP scalar"): one SSE instruction per
// IR op on values in XMM registers, plus a cheap check of the result off the dependency chain, with an
// out-of-line exact path (ChannelRequest.FpOp, answered by ArmFloat on the host) for what SSE does not do as ARM
// does. The rules that make this exact:
//  - A block with FP ops starts with a guard on FPCR == 0 (round to nearest, no FZ/DN/AHP); any other FPCR
//    sends the block to the IR interpreter before it has done anything.
//  - With FPCR == 0, IEEE results of SSE and ARM agree except for NaNs (ARM propagation and default NaN
//    differ from x86's), and so do the cumulative exception flags, except that ARM detects tininess before
//    rounding where x86 does after: the two differ only when the rounded result is ±(smallest normal). So a NaN
//    result takes the exact path, and so does ±(smallest normal) from an op that can round to it from below.
//    Infinities, zeros and subnormals stay on the fast path.
//  - The fast path's flags are MXCSR's, left pending there across blocks (a STMXCSR per block costs more than
//    the FP ops of a small loop: it waits for them all) and ORed into FPSR's IOC/DZC/OFC/UFC/IXC from
//    IE/ZE/OE/UE/PE wherever FPSR is observed: before a translated MRS or MSR FPSR, and in the runtime's channel
//    before every request (the host reads the register file only while it answers one). Where the exact path is
//    taken, what SSE raised for the same operands is a subset of what ARM raises (invalid for the same operands,
//    no underflow where ARM has none), so the OR stays exact. The MXCSR flags mean "raised since FPSR was last
//    written", so whatever writes FPSR other than by ORing folds and then clears them: a translated MSR FPSR,
//    and every interpreted block (the interpret stubs and the FPCR guard, before asking the host); the runtime
//    entry loads 0x1F80. While FPSR is cached dirty in a register, no flags are pending (every FP op evicts it
//    first), so the channel's OR into memory is never lost to a later write-back. Every SSE FP instruction of
//    a translated block must keep to this: no flags for lanes or operands outside the guest's operation.
//  - Values are bit patterns; FP ops read and write them in XMM registers of the vector pool (see "scalar FP
//    values in XMM registers" below), integer ops in GPRs. XMM13–XMM15 are scratch.
internal sealed partial class X86BlockCompiler
{
    private bool _hasFp;

    /// <summary>Scalar FP opcodes with a fast path under the given options (half precision and the rarer forms stay interpreted).</summary>
    private bool FpSupported(in IrInstruction x)
    {
        if (_layout.FpcrOffset < 0 || _layout.FpsrOffset < 0) return false;
        switch (x.Opcode)
        {
            case IrOpcode.FpAdd: case IrOpcode.FpSub: case IrOpcode.FpMul: case IrOpcode.FpDiv: case IrOpcode.FpSqrt:
            case IrOpcode.FpMax: case IrOpcode.FpMin: case IrOpcode.FpMaxNum: case IrOpcode.FpMinNum:
                return x.Size is 4 or 8;
            case IrOpcode.FpMulAdd:
                return x.Size is 4 or 8 && _options.UseFma;
            case IrOpcode.FpCompare:
                return (x.Immediate & 0xFF) is 4 or 8;
            case IrOpcode.FpRoundInt:
                return x.Size is 4 or 8 && IrFp.Rounding(x.Immediate) is not (FpRounding.TieAway or FpRounding.Odd);
            case IrOpcode.FpConvert:
                return IrFp.Rounding(x.Immediate) == FpRounding.Dynamic
                    && ((x.Size == 8 && IrFp.SourceSize(x.Immediate) == 4) || (x.Size == 4 && IrFp.SourceSize(x.Immediate) == 8));
            case IrOpcode.FpToInt:
                return x.Size is 4 or 8 && IrFp.SourceSize(x.Immediate) is 4 or 8 && IrFp.FractionBits(x.Immediate) == 0
                    && IrFp.Rounding(x.Immediate) is not (FpRounding.TieAway or FpRounding.Odd);
            case IrOpcode.IntToFp:
                return x.Size is 4 or 8 && IrFp.SourceSize(x.Immediate) is 4 or 8 && IrFp.FractionBits(x.Immediate) == 0
                    && IrFp.Rounding(x.Immediate) is FpRounding.Dynamic or FpRounding.TieEven;
            default:
                return false;
        }
    }

    /// <summary>SSE rounding immediate (ROUNDSD imm[1:0]) of an ARM rounding, FPCR being 0 (Dynamic is to nearest).</summary>
    private static byte SseRounding(FpRounding r) => r switch
    {
        FpRounding.MinusInfinity => 1,
        FpRounding.PlusInfinity => 2,
        FpRounding.Zero => 3,
        _ => 0,
    };

    /// <summary>
    /// Block entry of a block with FP ops: any FPCR other than 0 sends the block to the host interpreter, before
    /// anything (including the execution counters, which the interpreter path counts itself).
    /// </summary>
    private void EmitFpGuard()
    {
        var stub = _a.CreateLabel();
        _a.cmp(__qword_ptr[r15 + _layout.FpcrOffset], 0);
        _a.jne(stub);
        ulong pc = _block.GuestAddress;
        _outOfLine.Add(() =>
        {
            var l = stub;
            _a.Label(ref l);
            _a.mov(rax, (long)pc);
            _a.mov(__qword_ptr[r15 + _layout.PcOffset], rax);
            _a.mov(__dword_ptr[r15 + ControlBlock.Arg0], ReasonFpcrGuard);
            EmitFpFlagsFold(_a, _layout.FpsrOffset);
            EmitMxcsrReset(_a);
            _a.mov(__dword_ptr[r15 + ControlBlock.RequestKind], (int)ChannelRequest.Interpret);
            _a.jmp(_entry.Channel);
        });
    }

    /// <summary>MXCSR = 0x1F80 (round to nearest, exceptions masked, flags clear): before FPSR is written other than by ORing.</summary>
    internal static void EmitMxcsrReset(X86Emitter a)
    {
        a.mov(__dword_ptr[r15 + ControlBlock.MxcsrScratch], 0x1F80);
        a.ldmxcsr(__dword_ptr[r15 + ControlBlock.MxcsrScratch]);
    }

    /// <summary>
    /// Makes FPSR in memory current before it is read (MRS FPSR) or overwritten (MSR FPSR): evicts it from the
    /// register cache and ORs the pending MXCSR flags into it. Clobbers RAX and the x86 flags.
    /// </summary>
    private void EmitFpFlagsFlush()
    {
        EvictSlots(_layout.FpsrOffset, 8);
        EmitFpFlagsFold(_a, _layout.FpsrOffset);
        _flagsInX86 = false;
    }

    /// <summary>
    /// ORs the MXCSR exception flags into FPSR at <paramref name="fpsrOffset"/>, branch-free: IE, ZE, OE, UE, PE
    /// (bits 0, 2–5) are IOC, DZC, OFC, UFC, IXC (bits 0–4); DE (bit 1) has no ARM counterpart without FZ and is
    /// dropped. Clobbers RAX and the x86 flags. Also used by the runtime's channel, before every request.
    /// </summary>
    /// <summary>The code of <see cref="EmitFpFlagsFold"/> as bytes (position-independent), for the runtime's Iced assembler.</summary>
    internal static byte[] FpFlagsFoldCode(int fpsrOffset)
    {
        var a = new X86Emitter();
        EmitFpFlagsFold(a, fpsrOffset);
        return a.ToArray();
    }

    internal static void EmitFpFlagsFold(X86Emitter a, int fpsrOffset)
    {
        a.stmxcsr(__dword_ptr[r15 + ControlBlock.MxcsrScratch]);
        a.mov(eax, __dword_ptr[r15 + ControlBlock.MxcsrScratch]);
        a.and(eax, 0x3D);   // the five flags, DE cleared
        a.shr(eax, 1);      // ZE…PE land on DZC…IXC; IE goes to CF, and bit 0 is now the cleared DE
        a.adc(eax, 0);      // IE to IOC
        a.or(__dword_ptr[r15 + fpsrOffset], eax);
    }

    // ───────────────────────────── scalar FP values in XMM registers ─────────────────────────────
    // A scalar value may live in a GPR, in an XMM register of the vector pool (its low 32 or 64 bits; the bits
    // above are undefined), or both: FP ops take and give XMM registers, integer ops materialise a GPR copy
    // (Use). Guest register slots can be cached in an XMM register too (_slotX), exclusively of the GPR cache
    // (_slotReg), so that a D register stays in XMM across the FP ops of a block. Only 8-byte values are bound
    // to a slot from XMM (a slot holds a whole 64-bit value, and a 4-byte value's upper bits are undefined).

    private bool[] _preferX = new bool[256];
    private readonly bool[] _slotWantsX = new bool[MaxSlots];
    private readonly int[] _slotX = Enumerable.Repeat(-1, MaxSlots).ToArray();
    private readonly int[] _xBound = new int[XPoolSize];

    /// <summary>
    /// Which values to create in XMM: operands of FP ops, and values written to a guest register slot whose next
    /// read (before it is overwritten) is such an operand (a backward pass).
    /// </summary>
    private void AnalyseXmmPreference(IrBlock block)
    {
        int n = block.Count; // _preferX is cleared and sized by Analyse, as are _xBound and _xLive
        if (!_hasFp) return;
        Array.Clear(_slotWantsX);
        var insts = block.Instructions;
        for (int i = n - 1; i >= 0; i--)
        {
            var x = insts[i];
            switch (x.Opcode)
            {
                case IrOpcode.FpAdd: case IrOpcode.FpSub: case IrOpcode.FpMul: case IrOpcode.FpDiv: case IrOpcode.FpSqrt:
                case IrOpcode.FpMulAdd: case IrOpcode.FpRoundInt: case IrOpcode.FpConvert: case IrOpcode.FpCompare: case IrOpcode.FpToInt:
                    if (x.A >= 0) _preferX[x.A] = true;
                    if (x.B >= 0) _preferX[x.B] = true;
                    if (x.C >= 0) _preferX[x.C] = true;
                    break;
                case IrOpcode.SetReg when x.Size == 8 && x.Immediate % 8 == 0 && x.Immediate / 8 < MaxSlots:
                {
                    int s = (int)(x.Immediate / 8);
                    if (_slotWantsX[s] && insts[x.A].Size == 8) _preferX[x.A] = true;
                    _slotWantsX[s] = false;
                    break;
                }
                case IrOpcode.GetReg when x.Size is 4 or 8 && x.Immediate % 8 == 0 && x.Immediate / 8 < MaxSlots:
                    _slotWantsX[(int)(x.Immediate / 8)] |= _preferX[i];
                    break;
            }
        }
    }

    private void BindSlotX(int s, int r, bool dirty)
    {
        if (_slotReg[s] < 0 && _slotX[s] < 0) _touched.Add(s);
        else if (_slotReg[s] >= 0) { DropBound(_slotReg[s]); _slotReg[s] = -1; }
        else _xBound[_slotX[s]]--;
        _slotX[s] = r;
        _slotDirty[s] = dirty;
        _xBound[r]++;
        _xmmUsed = true;
    }

    private void XUnbindSlot(int s, bool writeBack)
    {
        int r = _slotX[s];
        if (writeBack && _slotDirty[s]) _a.movq(__qword_ptr[r15 + s * 8], X[r]);
        _xBound[r]--;
        _slotX[s] = -1; _slotDirty[s] = false;
    }

    /// <summary>Writes back and drops the guest registers cached in XMM register <paramref name="r"/>.</summary>
    private void XUnbind(int r)
    {
        if (_xBound[r] == 0) return;
        foreach (int s in _touched)
        {
            if (_slotX[s] == r) XUnbindSlot(s, writeBack: true);
            else if (_vecX[s] == r) VecUnbind(s, writeBack: true);
        }
    }

    /// <summary>Moves the cache of slot <paramref name="s"/> from its GPR to a new XMM register (the GPR keeps the values defined from it).</summary>
    private void MoveSlotToXmm(int s)
    {
        int g = _slotReg[s];
        _pinned |= 1 << g;
        int r = XAlloc();
        _a.movq(X[r], _r64[g]);
        bool dirty = _slotDirty[s];
        DropBound(g);
        _slotReg[s] = -1;
        BindSlotX(s, r, dirty);
    }

    /// <summary>GetReg (8 bytes, or the low 4) of slot <paramref name="s"/> into XMM, sharing the slot's cache register.</summary>
    private void GetSlotXmm(int i, int s)
    {
        int r = _slotX[s];
        if (r < 0)
        {
            r = XAlloc();
            _a.movq(X[r], __qword_ptr[r15 + s * 8]);
            BindSlotX(s, r, dirty: false);
        }
        else _xPinned |= 1 << r;
        XDefine(i, r);
    }

    /// <summary>A GPR copy of scalar <paramref name="v"/>, which is only in XMM (MOVD zero-extends a 4-byte value).</summary>
    private int UseFromXmm(int v)
    {
        int x = _xloc[v];
        _xPinned |= 1 << x;
        int r = Alloc();
        if (_block.Instructions[v].Size == 8) _a.movq(_r64[r], X[x]); else _a.movd(_r32[r], X[x]);
        Define(v, r);
        return r;
    }

    /// <summary>The XMM register holding scalar <paramref name="v"/> (loaded from its GPR, spill slot or constant when not there yet), pinned.</summary>
    private int XScalar(int v)
    {
        if (_xloc[v] >= 0) { _xPinned |= 1 << _xloc[v]; return _xloc[v]; }
        int r;
        if (_loc[v] < 0 && _info[v].Spill >= 0)
        {
            r = XAlloc();
            _a.movq(X[r], __qword_ptr[r15 + SpillArea + _info[v].Spill * 8]);
        }
        else if (_loc[v] < 0 && IsConst(v) && ConstValue(v) == 0)
        {
            r = XAlloc();
            _a.xorps(X[r], X[r]);
        }
        else
        {
            int g = Use(v);
            r = XAlloc();
            _a.movq(X[r], _r64[g]);
        }
        XDefine(v, r);
        return r;
    }

    /// <summary>A 4- or 8-byte load whose value goes to FP ops: straight into XMM.</summary>
    private void EmitLoadXmm(int i, in IrInstruction x)
    {
        int ra = Use(x.A);
        int d = XAlloc();
        var slow = _a.CreateLabel();
        var back = _a.CreateLabel();
        AccessCheck(ra, x.Size, write: false, slow);
        if (x.Size == 8) _a.movq(X[d], Address(__qword_ptr, ra)); else _a.movd(X[d], Address(__dword_ptr, ra));
        Bind(ref back);
        var address = _r64[ra];
        var xd = X[d];
        int size = x.Size;
        var access = MmuAccess((ulong)x.Immediate & ~1UL);
        _outOfLine.Add(() =>
        {
            var l = slow;
            _a.Label(ref l);
            _a.mov(__qword_ptr[r15 + ControlBlock.Arg0], address);
            EmitTlbWalk(access, size, write: false);
            EmitAccessRequest(access, size, write: false);
            _a.movq(xd, __qword_ptr[r15 + ControlBlock.Arg1]);
            _a.jmp(back);
        });
        XDefine(i, d);
    }

    /// <summary>A 4- or 8-byte store of a value that is only in XMM.</summary>
    private void EmitStoreXmm(in IrInstruction x)
    {
        int ra = Use(x.A);
        int rv = XScalar(x.B);
        var slow = _a.CreateLabel();
        var back = _a.CreateLabel();
        AccessCheck(ra, x.Size, write: true, slow);
        if (x.Size == 8) _a.movq(Address(__qword_ptr, ra), X[rv]); else _a.movd(Address(__dword_ptr, ra), X[rv]);
        Bind(ref back);
        var address = _r64[ra];
        var xv = X[rv];
        int size = x.Size;
        var access = MmuAccess((ulong)x.Immediate & ~1UL);
        _outOfLine.Add(() =>
        {
            var l = slow;
            _a.Label(ref l);
            _a.mov(__qword_ptr[r15 + ControlBlock.Arg0], address);
            EmitTlbWalk(access, size, write: true);
            if (size == 8) _a.movq(rax, xv); else _a.movd(eax, xv);
            _a.mov(__qword_ptr[r15 + ControlBlock.Arg1], rax);
            EmitAccessRequest(access, size, write: true);
            _a.jmp(back);
        });
    }

    /// <summary>An exact-path operand: a GPR (<paramref name="Reg"/> of the integer pool) or an XMM register of the vector pool, of <paramref name="Size"/> bytes.</summary>
    private readonly record struct FpArg(int Reg, bool InX, int Size)
    {
        public static readonly FpArg None = new(-1, false, 0);
    }

    /// <summary>
    /// The exact path: posts a FpOp request with the operands (zero-extended to 64 bits), waits for the host's ARM
    /// result and puts it in <paramref name="dest"/> (an XMM register when <paramref name="destX"/>), then continues
    /// at <paramref name="back"/>.
    /// </summary>
    private void FpExactPath(Label slow, Label back, in IrInstruction x, FpArg a, FpArg b, FpArg c, int dest, bool destX)
    {
        long desc = (long)x.Opcode | (long)x.Size << 8 | x.Immediate << 32;
        _outOfLine.Add(() =>
        {
            var l = slow;
            _a.Label(ref l);
            StoreArg(ControlBlock.Arg1, a);
            StoreArg(ControlBlock.Arg2, b);
            StoreArg(ControlBlock.Arg3, c);
            _a.mov(rax, desc);
            _a.mov(__qword_ptr[r15 + ControlBlock.Arg0], rax);
            _a.mov(__dword_ptr[r15 + ControlBlock.RequestKind], (int)ChannelRequest.FpOp);
            _a.call(_entry.ChannelCall);
            if (destX) _a.movq(X[dest], __qword_ptr[r15 + ControlBlock.Arg1]);
            else _a.mov(_r64[dest], __qword_ptr[r15 + ControlBlock.Arg1]);
            _a.jmp(back);
        });
    }

    private void StoreArg(int at, FpArg arg)
    {
        if (arg.Reg < 0) return;
        if (!arg.InX) { _a.mov(__qword_ptr[r15 + at], _r64[arg.Reg]); return; }
        if (arg.Size == 8) _a.movq(rax, X[arg.Reg]); else _a.movd(eax, X[arg.Reg]);
        _a.mov(__qword_ptr[r15 + at], rax);
    }

    private void EmitFp(int i, in IrInstruction x)
    {
        // The exact path reads FPCR and writes FPSR in memory.
        EvictSlots(_layout.FpcrOffset, 8);
        EvictSlots(_layout.FpsrOffset, 8);
        switch (x.Opcode)
        {
            case IrOpcode.FpCompare: EmitFpCompare(i, x); break;
            case IrOpcode.FpMax: case IrOpcode.FpMin: case IrOpcode.FpMaxNum: case IrOpcode.FpMinNum: EmitFpMinMax(i, x); break;
            case IrOpcode.FpToInt: EmitFpToInt(i, x); break;
            case IrOpcode.IntToFp: EmitIntToFp(i, x); break;
            default: EmitFpArithmetic(i, x); break;
        }
    }

    /// <summary>
    /// Add, subtract, multiply, divide, square root, fused multiply-add, round to integral, FCVT between single and
    /// double, in XMM: a copy of the first operand, the SSE op, and a check of the result that is off the value's
    /// dependency chain: a NaN result takes the exact path, and so does ±(smallest normal) where the op can round
    /// to it from below (where ARM's tininess before rounding raises UFC and x86's after rounding does not). Sums,
    /// square roots, roundings and widenings never round to a tiny result, so they check for NaN only.
    /// </summary>
    private void EmitFpArithmetic(int i, in IrInstruction x)
    {
        bool dbl = x.Size == 8;
        var op = x.Opcode;
        int sourceSize = op == IrOpcode.FpConvert ? IrFp.SourceSize(x.Immediate) : x.Size;
        int ra = XScalar(x.A);
        int rb = x.B >= 0 ? XScalar(x.B) : -1;
        int rc = x.C >= 0 ? XScalar(x.C) : -1;
        int d = XAlloc();
        var xd = X[d];
        var slow = _a.CreateLabel();
        var back = _a.CreateLabel();
        bool vex = _options.UseFma && op is IrOpcode.FpAdd or IrOpcode.FpSub or IrOpcode.FpMul or IrOpcode.FpDiv; // FMA3 implies AVX
        if (vex)
        {
            // Three operands, no copy; the upper bits come from the first operand (undefined for a scalar anyway).
            var (xa, xb) = (X[ra], X[rb]);
            switch (op)
            {
                case IrOpcode.FpAdd: if (dbl) _a.vaddsd(xd, xa, xb); else _a.vaddss(xd, xa, xb); break;
                case IrOpcode.FpSub: if (dbl) _a.vsubsd(xd, xa, xb); else _a.vsubss(xd, xa, xb); break;
                case IrOpcode.FpMul: if (dbl) _a.vmulsd(xd, xa, xb); else _a.vmulss(xd, xa, xb); break;
                default: if (dbl) _a.vdivsd(xd, xa, xb); else _a.vdivss(xd, xa, xb); break;
            }
        }
        else
        {
            _a.movaps(xd, X[ra]); // a full-register write: the scalar op that follows does not depend on xd's old value
            switch (op)
            {
                case IrOpcode.FpAdd: if (dbl) _a.addsd(xd, X[rb]); else _a.addss(xd, X[rb]); break;
                case IrOpcode.FpSub: if (dbl) _a.subsd(xd, X[rb]); else _a.subss(xd, X[rb]); break;
                case IrOpcode.FpMul: if (dbl) _a.mulsd(xd, X[rb]); else _a.mulss(xd, X[rb]); break;
                case IrOpcode.FpDiv: if (dbl) _a.divsd(xd, X[rb]); else _a.divss(xd, X[rb]); break;
                case IrOpcode.FpSqrt: if (dbl) _a.sqrtsd(xd, xd); else _a.sqrtss(xd, xd); break;
                case IrOpcode.FpMulAdd:
                    if (dbl) _a.vfmadd231sd(xd, X[rb], X[rc]); else _a.vfmadd231ss(xd, X[rb], X[rc]);
                    break;
                case IrOpcode.FpRoundInt:
                {
                    // Bit 3 suppresses the precision exception: only FRINTX raises inexact.
                    byte mode = (byte)(SseRounding(IrFp.Rounding(x.Immediate)) | (IrFp.RaisesInexact(x.Immediate) ? 0 : 8));
                    if (dbl) _a.roundsd(xd, xd, mode); else _a.roundss(xd, xd, mode);
                    break;
                }
                case IrOpcode.FpConvert:
                    if (dbl) _a.cvtss2sd(xd, xd); else _a.cvtsd2ss(xd, xd);
                    break;
            }
        }

        bool mayRoundToMinNormal = op is IrOpcode.FpMul or IrOpcode.FpDiv or IrOpcode.FpMulAdd || (op == IrOpcode.FpConvert && !dbl);
        if (mayRoundToMinNormal && _options.UseFma)
        {
            // |r| (the constants are 16-byte aligned), then ZF, set by equal and by unordered: one JE for NaN and ±(smallest normal).
            ulong abs = dbl ? 0x7FFF_FFFF_FFFF_FFFFUL : 0x7FFF_FFFFUL;
            _a.movaps(xmm15, xd);
            _a.andpd(xmm15, __xmmword_ptr[ConstantLabel(abs, 0)]);
            var min = ConstantLabel(dbl ? 0x0010_0000_0000_0000UL : 0x0080_0000UL, 0);
            if (dbl) _a.ucomisd(xmm15, __qword_ptr[min]); else _a.ucomiss(xmm15, __dword_ptr[min]);
            _a.je(slow);
        }
        else if (mayRoundToMinNormal)
        {
            // ZF is set by equal and by unordered: one JE each catches NaN and ±(smallest normal).
            var plus = ConstantLabel(dbl ? 0x0010_0000_0000_0000UL : 0x0080_0000UL, 0);
            var minus = ConstantLabel(dbl ? 0x8010_0000_0000_0000UL : 0x8080_0000UL, 0);
            if (dbl) { _a.ucomisd(xd, __qword_ptr[plus]); _a.je(slow); _a.ucomisd(xd, __qword_ptr[minus]); }
            else { _a.ucomiss(xd, __dword_ptr[plus]); _a.je(slow); _a.ucomiss(xd, __dword_ptr[minus]); }
            _a.je(slow);
        }
        else
        {
            if (dbl) _a.ucomisd(xd, xd); else _a.ucomiss(xd, xd);
            _a.jp(slow);
        }
        Bind(ref back);
        FpExactPath(slow, back, x, new FpArg(ra, true, sourceSize), rb >= 0 ? new FpArg(rb, true, x.Size) : FpArg.None,
            rc >= 0 ? new FpArg(rc, true, x.Size) : FpArg.None, d, destX: true);
        XDefine(i, d);
    }

    /// <summary>FCMP/FCMPE: unordered takes the exact path (IOC rules); otherwise NZCV from UCOMIS.</summary>
    private void EmitFpCompare(int i, in IrInstruction x)
    {
        int size = (int)(x.Immediate & 0xFF);
        bool dbl = size == 8;
        int ra = XScalar(x.A), rb = XScalar(x.B);
        int d = Alloc();
        var slow = _a.CreateLabel();
        var back = _a.CreateLabel();
        if (dbl) _a.ucomisd(X[ra], X[rb]); else _a.ucomiss(X[ra], X[rb]);
        _a.jp(slow);
        _a.mov(_r32[d], 0x2000_0000);               // greater: C
        _a.mov(eax, unchecked((int)0x8000_0000));   // less: N
        _a.cmovb(_r32[d], eax);
        _a.mov(eax, 0x6000_0000);                   // equal: Z C
        _a.cmove(_r32[d], eax);
        Bind(ref back);
        FpExactPath(slow, back, x, new FpArg(ra, true, size), new FpArg(rb, true, size), FpArg.None, d, destX: false);
        Define(i, d);
    }

    private void ToXmm(AssemblerRegisterXMM x, int r, bool dbl)
    {
        if (dbl) _a.movq(x, _r64[r]); else _a.movd(x, _r32[r]);
    }

    /// <summary>FMAX/FMIN/FMAXNM/FMINNM (operands and result in GPRs): NaNs take the exact path; equal operands (±0) combine by AND (max) or OR (min).</summary>
    private void EmitFpMinMax(int i, in IrInstruction x)
    {
        bool dbl = x.Size == 8;
        bool max = x.Opcode is IrOpcode.FpMax or IrOpcode.FpMaxNum;
        int ra = Use(x.A), rb = Use(x.B);
        int d = Alloc();
        var slow = _a.CreateLabel();
        var back = _a.CreateLabel();
        ToXmm(xmm14, ra, dbl);
        ToXmm(xmm15, rb, dbl);
        if (dbl) { _a.mov(rax, _r64[ra]); if (max) _a.and(rax, _r64[rb]); else _a.or(rax, _r64[rb]); }
        else { _a.mov(eax, _r32[ra]); if (max) _a.and(eax, _r32[rb]); else _a.or(eax, _r32[rb]); }
        if (dbl) _a.ucomisd(xmm14, xmm15); else _a.ucomiss(xmm14, xmm15);
        _a.jp(slow);
        if (dbl)
        {
            _a.mov(_r64[d], _r64[rb]);
            if (max) _a.cmova(_r64[d], _r64[ra]); else _a.cmovb(_r64[d], _r64[ra]);
            _a.cmove(_r64[d], rax);
        }
        else
        {
            _a.mov(_r32[d], _r32[rb]);
            if (max) _a.cmova(_r32[d], _r32[ra]); else _a.cmovb(_r32[d], _r32[ra]);
            _a.cmove(_r32[d], eax);
        }
        Bind(ref back);
        FpExactPath(slow, back, x, new FpArg(ra, false, 8), new FpArg(rb, false, 8), FpArg.None, d, destX: false);
        Define(i, d);
    }

    /// <summary>
    /// FCVT[NPMZ][SU]: ROUNDS (precision exception suppressed) then a truncating conversion of the now integral
    /// value, with a range check (out of range and NaN take the exact path, which saturates and raises IOC
    /// without IXC); IXC is raised here when rounding changed the value.
    /// </summary>
    private void EmitFpToInt(int i, in IrInstruction x)
    {
        int sourceSize = IrFp.SourceSize(x.Immediate);
        bool dbl = sourceSize == 8;
        bool signed = IrFp.IsSigned(x.Immediate);
        int ra = XScalar(x.A);
        int d = Alloc();
        var slow = _a.CreateLabel();
        var inexact = _a.CreateLabel();
        var back = _a.CreateLabel();
        byte mode = (byte)(SseRounding(IrFp.Rounding(x.Immediate)) | 8);
        _a.movaps(xmm15, X[ra]);
        if (dbl) _a.roundsd(xmm15, xmm15, mode); else _a.roundss(xmm15, xmm15, mode);
        if (signed && x.Size == 4)
        {
            if (dbl) _a.cvttsd2si(eax, xmm15); else _a.cvttss2si(eax, xmm15);
            _a.cmp(eax, 1);
            _a.jo(slow);              // 0x80000000: out of range, NaN (or exactly INT32_MIN, rare)
        }
        else
        {
            if (!signed && x.Size == 8)
            {
                // [2^63, 2^64) is in range for ARM but makes CVTTS*2SI raise IE: leave it to the exact path first.
                var top = ConstantLabel(dbl ? 0x43E0_0000_0000_0000UL : 0x5F00_0000UL, 0);
                if (dbl) _a.ucomisd(xmm15, __qword_ptr[top]); else _a.ucomiss(xmm15, __dword_ptr[top]);
                _a.jae(slow);
            }
            if (dbl) _a.cvttsd2si(rax, xmm15); else _a.cvttss2si(rax, xmm15);
            if (signed) { _a.cmp(rax, 1); _a.jo(slow); }
            else if (x.Size == 8) { _a.test(rax, rax); _a.js(slow); }
            else { _a.mov(rcx, rax); _a.shr(rcx, 32); _a.jne(slow); }
        }
        if (x.Size == 8) _a.mov(_r64[d], rax); else _a.mov(_r32[d], eax);
        if (dbl) _a.ucomisd(X[ra], xmm15); else _a.ucomiss(X[ra], xmm15);
        _a.jne(inexact);
        Bind(ref back);
        int fpsr = _layout.FpsrOffset;
        _outOfLine.Add(() =>
        {
            var l = inexact;
            _a.Label(ref l);
            _a.or(__dword_ptr[r15 + fpsr], 0x10);
            _a.jmp(back);
        });
        FpExactPath(slow, back, x, new FpArg(ra, true, sourceSize), FpArg.None, FpArg.None, d, destX: false);
        Define(i, d);
    }

    /// <summary>[SU]CVTF: CVTSI2S[SD] from a 64-bit register (32-bit sources extended first) into XMM; unsigned 64-bit values from 2^63 take the exact path.</summary>
    private void EmitIntToFp(int i, in IrInstruction x)
    {
        bool dbl = x.Size == 8;
        bool signed = IrFp.IsSigned(x.Immediate);
        int source = IrFp.SourceSize(x.Immediate);
        int ra = Use(x.A);
        int d = XAlloc();
        var slow = _a.CreateLabel();
        var back = _a.CreateLabel();
        if (source == 4) { if (signed) _a.movsxd(rax, _r32[ra]); else _a.mov(eax, _r32[ra]); }
        else
        {
            _a.mov(rax, _r64[ra]);
            if (!signed) { _a.test(rax, rax); _a.js(slow); }
        }
        _a.xorps(X[d], X[d]); // CVTSI2S[SD] merges into the destination: break the dependency on its old value
        if (dbl) _a.cvtsi2sd(X[d], rax); else _a.cvtsi2ss(X[d], rax);
        Bind(ref back);
        if (source == 8 && !signed) FpExactPath(slow, back, x, new FpArg(ra, false, 8), FpArg.None, FpArg.None, d, destX: true);
        XDefine(i, d);
    }
}
