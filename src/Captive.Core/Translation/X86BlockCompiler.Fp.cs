using Captive.Core.IR;
using Captive.Core.Runtime;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Captive.Core.Translation;

// Scalar floating point (issue 4, docs/design-simd-ir.md "x86 code for FP scalar"): one SSE instruction per
// IR op plus a cheap check of the result, with an out-of-line exact path (ChannelRequest.FpOp, answered by
// ArmFloat on the host) for everything SSE does not do as ARM does. The rules that make this exact:
//  - A block with FP ops starts with a guard on FPCR == 0 (round to nearest, no FZ/DN/AHP); any other FPCR
//    sends the block to the IR interpreter before it has done anything.
//  - With FPCR == 0, IEEE results of SSE and ARM agree except for NaNs (ARM propagation and default NaN
//    differ from x86's), and ARM detects tininess before rounding where x86 does after. So a NaN, infinite,
//    subnormal or smallest-normal result takes the exact path (infinite: for OFC and DZC), and so does a
//    zero result that may have underflowed (products, quotients, fused multiply-adds of non-zero values).
//  - Inexact (IXC) is the only flag the fast path produces: SSE sets MXCSR.PE exactly when ARM sets IXC, and
//    a block with FP ops ORs PE into FPSR.IXC before it ends (and before any read or write of FPSR). PE is
//    left set (LDMXCSR on every block exit would cost more than the rare OR): it means "IXC was raised since
//    FPSR was last written". So whatever writes FPSR other than by ORing clears it: a translated MSR FPSR, and
//    every interpreted block (the interpret stubs and the FPCR guard load 0x1F80 before asking the host); the
//    runtime entry loads 0x1F80 too.
//  - Values stay bit patterns in general-purpose registers (the IR's FP values are scalars); XMM13–XMM15 are
//    scratch.
internal sealed partial class X86BlockCompiler
{
    private bool _hasFp;
    private int _lastFp; // the block's last instruction that can raise IXC, or -1

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
    /// ORs MXCSR.PE into FPSR.IXC, branch-free (FPSR is evicted from the register cache first). Emitted after a
    /// block's last FP op and before any read or write of FPSR. Clobbers RAX and the x86 flags.
    /// </summary>
    private void EmitInexactFlush()
    {
        EvictSlots(_layout.FpsrOffset, 8);
        _a.stmxcsr(__dword_ptr[r15 + ControlBlock.MxcsrScratch]);
        _a.mov(eax, __dword_ptr[r15 + ControlBlock.MxcsrScratch]);
        _a.and(eax, 0x20);   // PE (bit 5) …
        _a.shr(eax, 1);      // … is IXC (bit 4)
        _a.or(__dword_ptr[r15 + _layout.FpsrOffset], eax);
        _flagsInX86 = false;
    }

    private void ToXmm(AssemblerRegisterXMM x, int r, bool dbl)
    {
        if (dbl) _a.movq(x, _r64[r]); else _a.movd(x, _r32[r]);
    }

    private void FromXmm(int d, AssemblerRegisterXMM x, bool dbl)
    {
        if (dbl) _a.movq(_r64[d], x); else _a.movd(_r32[d], x);
    }

    /// <summary>
    /// The exact path: posts a FpOp request with the operands still in their registers, waits for the host's
    /// ARM result and puts it in <paramref name="d"/>, then continues at <paramref name="back"/>.
    /// </summary>
    private void FpExactPath(Label slow, Label back, in IrInstruction x, int ra, int rb, int rc, int d)
    {
        long desc = (long)x.Opcode | (long)x.Size << 8 | x.Immediate << 32;
        var a = ra >= 0 ? _r64[ra] : default;
        var b = rb >= 0 ? _r64[rb] : default;
        var c = rc >= 0 ? _r64[rc] : default;
        _outOfLine.Add(() =>
        {
            var l = slow;
            _a.Label(ref l);
            _a.mov(__qword_ptr[r15 + ControlBlock.Arg1], a);
            if (rb >= 0) _a.mov(__qword_ptr[r15 + ControlBlock.Arg2], b);
            if (rc >= 0) _a.mov(__qword_ptr[r15 + ControlBlock.Arg3], c);
            _a.mov(rax, desc);
            _a.mov(__qword_ptr[r15 + ControlBlock.Arg0], rax);
            _a.mov(__dword_ptr[r15 + ControlBlock.RequestKind], (int)ChannelRequest.FpOp);
            _a.call(_entry.ChannelCall);
            _a.mov(_r64[d], __qword_ptr[r15 + ControlBlock.Arg1]);
            _a.jmp(back);
        });
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

    /// <summary>Add, subtract, multiply, divide, square root, fused multiply-add, round to integral, FCVT between single and double.</summary>
    private void EmitFpArithmetic(int i, in IrInstruction x)
    {
        bool dbl = x.Size == 8;
        int ra = Use(x.A);
        int rb = x.B >= 0 ? Use(x.B) : -1;
        int rc = x.C >= 0 ? Use(x.C) : -1;
        int d = Alloc();
        var slow = _a.CreateLabel();
        var high = _a.CreateLabel();
        var store = _a.CreateLabel();
        var back = _a.CreateLabel();
        bool sourceDbl = x.Opcode == IrOpcode.FpConvert ? IrFp.SourceSize(x.Immediate) == 8 : dbl;
        ToXmm(xmm14, ra, sourceDbl);
        if (rb >= 0) ToXmm(xmm15, rb, dbl);
        switch (x.Opcode)
        {
            case IrOpcode.FpAdd: if (dbl) _a.addsd(xmm14, xmm15); else _a.addss(xmm14, xmm15); break;
            case IrOpcode.FpSub: if (dbl) _a.subsd(xmm14, xmm15); else _a.subss(xmm14, xmm15); break;
            case IrOpcode.FpMul: if (dbl) _a.mulsd(xmm14, xmm15); else _a.mulss(xmm14, xmm15); break;
            case IrOpcode.FpDiv: if (dbl) _a.divsd(xmm14, xmm15); else _a.divss(xmm14, xmm15); break;
            case IrOpcode.FpSqrt: if (dbl) _a.sqrtsd(xmm14, xmm14); else _a.sqrtss(xmm14, xmm14); break;
            case IrOpcode.FpMulAdd:
                ToXmm(xmm13, rc, dbl);
                if (dbl) _a.vfmadd231sd(xmm14, xmm15, xmm13); else _a.vfmadd231ss(xmm14, xmm15, xmm13);
                break;
            case IrOpcode.FpRoundInt:
            {
                // Bit 3 suppresses the precision exception: only FRINTX raises inexact.
                byte mode = (byte)(SseRounding(IrFp.Rounding(x.Immediate)) | (IrFp.RaisesInexact(x.Immediate) ? 0 : 8));
                if (dbl) _a.roundsd(xmm14, xmm14, mode); else _a.roundss(xmm14, xmm14, mode);
                break;
            }
            case IrOpcode.FpConvert:
                if (dbl) _a.cvtss2sd(xmm14, xmm14); else _a.cvtsd2ss(xmm14, xmm14);
                break;
        }

        // rcx = |r| - 1: a zero result wraps to the top, so one unsigned compare catches infinities, NaNs and zeros.
        if (dbl)
        {
            _a.movq(rax, xmm14);
            _a.btr(rax, 63);
            _a.lea(rcx, __qword_ptr[rax - 1]);
            _a.mov(rdx, 0x7FEF_FFFF_FFFF_FFFFL);
            _a.cmp(rcx, rdx);
            _a.jae(high);
            _a.mov(rdx, 0x0010_0000_0000_0000L);
            _a.cmp(rcx, rdx);
            _a.jb(slow);
        }
        else
        {
            _a.movd(eax, xmm14);
            _a.and(eax, 0x7FFF_FFFF);
            _a.lea(ecx, __dword_ptr[rax - 1]);
            _a.cmp(ecx, 0x7F7F_FFFF);
            _a.jae(high);
            _a.cmp(ecx, 0x0080_0000);
            _a.jb(slow);
        }
        Bind(ref store);
        FromXmm(d, xmm14, dbl);
        Bind(ref back);

        // Infinite, NaN or zero. A zero is exact when nothing can have underflowed to it.
        var op = x.Opcode;
        bool srcDbl = sourceDbl;
        _outOfLine.Add(() =>
        {
            var l = high;
            _a.Label(ref l);
            _a.test(rax, rax); // |r| (a single was zero-extended)
            _a.jne(slow);
            switch (op)
            {
                case IrOpcode.FpAdd: case IrOpcode.FpSub: case IrOpcode.FpSqrt: case IrOpcode.FpRoundInt:
                    _a.jmp(store); // sums are exact when zero (gradual underflow); sqrt and rounding of ±0 are ±0
                    break;
                case IrOpcode.FpMul:
                    ZeroTest(ra, dbl); _a.je(store);
                    ZeroTest(rb, dbl); _a.je(store);
                    _a.jmp(slow);
                    break;
                case IrOpcode.FpDiv:
                case IrOpcode.FpConvert:
                    ZeroTest(ra, srcDbl); _a.je(store);
                    _a.jmp(slow);
                    break;
                default:
                    _a.jmp(slow);
                    break;
            }
        });
        FpExactPath(slow, back, x, ra, rb, rc, d);
        Define(i, d);
    }

    /// <summary>Sets ZF when the FP value in register <paramref name="r"/> is ±0 (clobbers RAX).</summary>
    private void ZeroTest(int r, bool dbl)
    {
        if (dbl) { _a.mov(rax, _r64[r]); _a.add(rax, rax); }
        else { _a.mov(eax, _r32[r]); _a.add(eax, eax); }
    }

    /// <summary>FCMP/FCMPE: unordered takes the exact path (IOC rules); otherwise NZCV from UCOMIS.</summary>
    private void EmitFpCompare(int i, in IrInstruction x)
    {
        bool dbl = (x.Immediate & 0xFF) == 8;
        int ra = Use(x.A), rb = Use(x.B);
        int d = Alloc();
        var slow = _a.CreateLabel();
        var back = _a.CreateLabel();
        ToXmm(xmm14, ra, dbl);
        ToXmm(xmm15, rb, dbl);
        if (dbl) _a.ucomisd(xmm14, xmm15); else _a.ucomiss(xmm14, xmm15);
        _a.jp(slow);
        _a.mov(_r32[d], 0x2000_0000);               // greater: C
        _a.mov(eax, unchecked((int)0x8000_0000));   // less: N
        _a.cmovb(_r32[d], eax);
        _a.mov(eax, 0x6000_0000);                   // equal: Z C
        _a.cmove(_r32[d], eax);
        Bind(ref back);
        FpExactPath(slow, back, x, ra, rb, -1, d);
        Define(i, d);
    }

    /// <summary>FMAX/FMIN/FMAXNM/FMINNM: NaNs take the exact path; equal operands (±0) combine by AND (max) or OR (min).</summary>
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
        FpExactPath(slow, back, x, ra, rb, -1, d);
        Define(i, d);
    }

    /// <summary>
    /// FCVT[NPMZ][SU]: ROUNDS (precision exception suppressed) then a truncating conversion of the now integral
    /// value, with a range check (out of range and NaN take the exact path, which saturates and raises IOC
    /// without IXC); IXC is raised here when rounding changed the value.
    /// </summary>
    private void EmitFpToInt(int i, in IrInstruction x)
    {
        bool dbl = IrFp.SourceSize(x.Immediate) == 8;
        bool signed = IrFp.IsSigned(x.Immediate);
        int ra = Use(x.A);
        int d = Alloc();
        var slow = _a.CreateLabel();
        var inexact = _a.CreateLabel();
        var back = _a.CreateLabel();
        byte mode = (byte)(SseRounding(IrFp.Rounding(x.Immediate)) | 8);
        ToXmm(xmm14, ra, dbl);
        if (dbl) _a.roundsd(xmm15, xmm14, mode); else _a.roundss(xmm15, xmm14, mode);
        if (signed && x.Size == 4)
        {
            if (dbl) _a.cvttsd2si(eax, xmm15); else _a.cvttss2si(eax, xmm15);
            _a.cmp(eax, 1);
            _a.jo(slow);              // 0x80000000: out of range, NaN (or exactly INT32_MIN, rare)
        }
        else
        {
            if (dbl) _a.cvttsd2si(rax, xmm15); else _a.cvttss2si(rax, xmm15);
            if (signed) { _a.cmp(rax, 1); _a.jo(slow); }
            else if (x.Size == 8) { _a.test(rax, rax); _a.js(slow); }
            else { _a.mov(rcx, rax); _a.shr(rcx, 32); _a.jne(slow); }
        }
        if (x.Size == 8) _a.mov(_r64[d], rax); else _a.mov(_r32[d], eax);
        if (dbl) _a.ucomisd(xmm14, xmm15); else _a.ucomiss(xmm14, xmm15);
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
        FpExactPath(slow, back, x, ra, -1, -1, d);
        Define(i, d);
    }

    /// <summary>[SU]CVTF: CVTSI2S[SD] from a 64-bit register (32-bit sources extended first); unsigned 64-bit values from 2^63 take the exact path.</summary>
    private void EmitIntToFp(int i, in IrInstruction x)
    {
        bool dbl = x.Size == 8;
        bool signed = IrFp.IsSigned(x.Immediate);
        int source = IrFp.SourceSize(x.Immediate);
        int ra = Use(x.A);
        int d = Alloc();
        var slow = _a.CreateLabel();
        var back = _a.CreateLabel();
        if (source == 4) { if (signed) _a.movsxd(rax, _r32[ra]); else _a.mov(eax, _r32[ra]); }
        else
        {
            _a.mov(rax, _r64[ra]);
            if (!signed) { _a.test(rax, rax); _a.js(slow); }
        }
        if (dbl) _a.cvtsi2sd(xmm14, rax); else _a.cvtsi2ss(xmm14, rax);
        FromXmm(d, xmm14, dbl);
        Bind(ref back);
        if (source == 8 && !signed) FpExactPath(slow, back, x, ra, -1, -1, d);
        Define(i, d);
    }
}
