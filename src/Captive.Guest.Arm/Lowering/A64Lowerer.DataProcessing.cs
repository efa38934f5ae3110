using Captive.Core.IR;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Lowering;

// Data processing — immediate and register (ARM DDI 0487 C4.1.2, C4.1.5).
internal sealed partial class A64Lowerer
{
    private void PcRelative(in A64Instruction i)
    {
        long imm = (i.Signed('j') << 2) | (long)i['i'];
        ulong value = i.Op == A64Op.Adr ? _pc + (ulong)imm : (_pc & ~0xFFFul) + (ulong)(imm << 12);
        SetX(i['d'], K(value));
    }

    private void AddSubImmediate(in A64Instruction i)
    {
        int size = OpSize(i);
        ulong imm = (ulong)i['i'] << (i['h'] * 12);
        int d = i['d'], n = i['n'];
        var a = XSp(n, size);
        switch (i.Op)
        {
            case A64Op.AddImm: SetXSp(d, imm == 0 ? a : _b.Add(a, K(imm, size), size)); break;
            case A64Op.SubImm: SetXSp(d, imm == 0 ? a : _b.Sub(a, K(imm, size), size)); break;
            case A64Op.AddsImm: SetX(d, _b.AddFlags(a, K(imm, size), size)); break;
            default: SetX(d, _b.SubFlags(a, K(imm, size), size)); break;
        }
    }

    private void LogicalImmediate(in A64Instruction i)
    {
        int size = OpSize(i);
        A64Immediates.TryDecodeLogicalImmediate(i['N'], i['s'], i['r'], size * 8, out ulong imm);
        int d = i['d'], n = i['n'];
        var k = K(imm, size);
        switch (i.Op)
        {
            case A64Op.AndImm: SetXSp(d, _b.And(X(n, size), k, size)); break;
            case A64Op.OrrImm: SetXSp(d, n == 31 ? k : _b.Or(X(n, size), k, size)); break;
            case A64Op.EorImm: SetXSp(d, _b.Xor(X(n, size), k, size)); break;
            default:
                var r = _b.And(X(n, size), k, size);
                _b.SetLogicFlags(r, size);
                SetX(d, r);
                break;
        }
    }

    private void MoveWide(in A64Instruction i)
    {
        int size = OpSize(i);
        int shift = i['h'] * 16;
        ulong imm = (ulong)i['i'] << shift;
        int d = i['d'];
        switch (i.Op)
        {
            case A64Op.Movz: SetX(d, K(imm, size)); break;
            case A64Op.Movn: SetX(d, K(~imm, size)); break;
            default:
                var kept = _b.And(X(d, size), K(~(0xFFFFul << shift), size), size);
                SetX(d, _b.Or(kept, K(imm, size), size));
                break;
        }
    }

    private void Bitfield(in A64Instruction i)
    {
        int size = OpSize(i), width = size * 8;
        int r = i['r'], s = i['s'], d = i['d'];
        var src = X(i['n'], size);
        IrValue result;
        switch (i.Op)
        {
            case A64Op.Ubfm when s >= r:
                if (s == width - 1) result = ShiftByConstant(src, 1, r, size);                  // LSR
                else if (r == 0 && s is 7 or 15 or 31) result = _b.ZeroExtend(src, s + 1, size); // UXTB/UXTH, UBFX #0, #32
                else result = _b.And(ShiftByConstant(src, 1, r, size), K(A64Immediates.Ones(s - r + 1), size), size); // UBFX
                break;
            case A64Op.Ubfm:                                                                     // LSL / UBFIZ
                result = s + 1 == r ? src : _b.And(src, K(A64Immediates.Ones(s + 1), size), size);
                result = ShiftByConstant(result, 0, width - r, size);
                break;
            case A64Op.Sbfm when s >= r:
                if (s == width - 1) result = ShiftByConstant(src, 2, r, size);                  // ASR
                else if (r == 0 && s is 7 or 15 or 31) result = _b.SignExtend(src, s + 1, size); // SXTB/SXTH/SXTW
                else result = ShiftByConstant(ShiftByConstant(src, 0, width - 1 - s, size), 2, width - 1 - s + r, size); // SBFX
                break;
            case A64Op.Sbfm:                                                                     // SBFIZ
                result = ShiftByConstant(ShiftByConstant(src, 0, width - 1 - s, size), 2, r - 1 - s, size);
                break;
            default:                                                                             // BFM: BFI, BFXIL
                {
                    A64Immediates.TryDecodeBitMasks(i['N'], s, r, false, width, out ulong wmask, out ulong tmask);
                    ulong m = wmask & tmask;
                    var rotated = ShiftByConstant(src, 3, r, size);
                    var kept = _b.And(X(d, size), K(~m, size), size);
                    result = _b.Or(kept, _b.And(rotated, K(m, size), size), size);
                    break;
                }
        }
        SetX(d, result);
    }

    private void Extract(in A64Instruction i)
    {
        int size = OpSize(i), width = size * 8;
        int lsb = i['s'], n = i['n'], m = i['m'];
        IrValue result;
        if (lsb == 0) result = X(m, size);
        else if (n == m) result = ShiftByConstant(X(n, size), 3, lsb, size);
        else result = _b.Or(ShiftByConstant(X(m, size), 1, lsb, size), ShiftByConstant(X(n, size), 0, width - lsb, size), size);
        SetX(i['d'], result);
    }

    private void LogicalShifted(in A64Instruction i)
    {
        int size = OpSize(i);
        int d = i['d'], n = i['n'], m = i['m'];
        var op2 = ShiftByConstant(X(m, size), i['h'], i['i'], size);
        IrValue r;
        switch (i.Op)
        {
            case A64Op.AndReg or A64Op.AndsReg: r = _b.And(X(n, size), op2, size); break;
            case A64Op.BicReg or A64Op.BicsReg: r = _b.And(X(n, size), _b.Not(op2, size), size); break;
            case A64Op.OrrReg: r = n == 31 ? op2 : _b.Or(X(n, size), op2, size); break; // MOV (register)
            case A64Op.OrnReg: r = n == 31 ? _b.Not(op2, size) : _b.Or(X(n, size), _b.Not(op2, size), size); break; // MVN
            case A64Op.EorReg: r = _b.Xor(X(n, size), op2, size); break;
            default: r = _b.Xor(X(n, size), _b.Not(op2, size), size); break; // EON
        }
        if (i.Op is A64Op.AndsReg or A64Op.BicsReg)
            _b.SetLogicFlags(r, size);
        SetX(d, r);
    }

    private void AddSubShifted(in A64Instruction i)
    {
        int size = OpSize(i);
        int d = i['d'], n = i['n'];
        var op2 = ShiftByConstant(X(i['m'], size), i['h'], i['i'], size);
        var a = X(n, size);
        IrValue r = i.Op switch
        {
            A64Op.AddShift => _b.Add(a, op2, size),
            A64Op.SubShift => n == 31 ? _b.Neg(op2, size) : _b.Sub(a, op2, size),
            A64Op.AddsShift => _b.AddFlags(a, op2, size),
            _ => _b.SubFlags(a, op2, size),
        };
        SetX(d, r);
    }

    /// <summary>ExtendReg(m, option, shift) at the operation size.</summary>
    private IrValue ExtendedRegister(int m, int option, int shift, int size)
    {
        IrValue v;
        if (size == 8 && (option & 3) == 3)
            v = X(m, 8);                                         // UXTX, SXTX
        else
        {
            v = X(m, 4);                                         // zero-extended W[m]
            switch (option)
            {
                case 0: v = _b.ZeroExtend(v, 8, size); break;
                case 1: v = _b.ZeroExtend(v, 16, size); break;
                case 4: v = _b.SignExtend(v, 8, size); break;
                case 5: v = _b.SignExtend(v, 16, size); break;
                case 6 when size == 8: v = _b.SignExtend(v, 32, 8); break;
            }
        }
        return ShiftByConstant(v, 0, shift, size);
    }

    private void AddSubExtended(in A64Instruction i)
    {
        int size = OpSize(i);
        int d = i['d'];
        var op2 = ExtendedRegister(i['m'], i['x'], i['i'], size);
        var a = XSp(i['n'], size);
        switch (i.Op)
        {
            case A64Op.AddExt: SetXSp(d, _b.Add(a, op2, size)); break;
            case A64Op.SubExt: SetXSp(d, _b.Sub(a, op2, size)); break;
            case A64Op.AddsExt: SetX(d, _b.AddFlags(a, op2, size)); break;
            default: SetX(d, _b.SubFlags(a, op2, size)); break;
        }
    }

    private void AddSubCarry(in A64Instruction i)
    {
        int size = OpSize(i);
        var a = X(i['n'], size);
        var m = X(i['m'], size);
        IrValue r = i.Op switch
        {
            A64Op.Adc => _b.Adc(a, m, size),
            A64Op.Adcs => _b.AdcFlags(a, m, size),
            A64Op.Sbc => _b.Sbc(a, m, size),
            _ => _b.SbcFlags(a, m, size),
        };
        SetX(i['d'], r);
    }

    private void ConditionalCompare(in A64Instruction i)
    {
        int size = OpSize(i);
        int cond = i['c'];
        ulong fallback = (ulong)i['f'] << 28;
        var a = X(i['n'], size);
        var b = i.Op is A64Op.CcmnImm or A64Op.CcmpImm ? K((ulong)i['i'], size) : X(i['m'], size);
        bool add = i.Op is A64Op.CcmnImm or A64Op.CcmnReg;
        if (cond >= 14)
        {
            if (add) _b.AddFlags(a, b, size); else _b.SubFlags(a, b, size);
            return;
        }
        _b.CondCompare(a, b, cond, (int)(fallback >> 28), add, size);
    }

    private void ConditionalSelect(in A64Instruction i)
    {
        int size = OpSize(i);
        int cond = i['c'], n = i['n'], m = i['m'];
        var a = X(n, size);
        if (cond >= 14)
        {
            SetX(i['d'], a); // AL and NV both hold
            return;
        }
        var b = X(m, size);
        b = i.Op switch
        {
            A64Op.Csinc => _b.Add(b, K(1, size), size),
            A64Op.Csinv => _b.Not(b, size),
            A64Op.Csneg => _b.Neg(b, size),
            _ => b,
        };
        SetX(i['d'], _b.Select(_b.CondHolds(cond), a, b, size));
    }

    private void MultiplyAdd(in A64Instruction i)
    {
        int d = i['d'], n = i['n'], m = i['m'], ra = i['a'];
        switch (i.Op)
        {
            case A64Op.Madd or A64Op.Msub:
                {
                    int size = OpSize(i);
                    var product = _b.Mul(X(n, size), X(m, size), size);
                    IrValue r;
                    if (ra == 31) r = i.Op == A64Op.Madd ? product : _b.Neg(product, size); // MUL, MNEG
                    else r = i.Op == A64Op.Madd ? _b.Add(X(ra, size), product, size) : _b.Sub(X(ra, size), product, size);
                    SetX(d, r);
                    return;
                }
            case A64Op.Smulh:
                SetX(d, _b.SMulHigh(X(n), X(m)));
                return;
            case A64Op.Umulh:
                SetX(d, _b.UMulHigh(X(n), X(m)));
                return;
            default:
                {
                    bool signed = i.Op is A64Op.Smaddl or A64Op.Smsubl;
                    IrValue a = X(n, 4), b = X(m, 4);
                    if (signed)
                    {
                        a = _b.SignExtend(a, 32, 8);
                        b = _b.SignExtend(b, 32, 8);
                    }
                    var product = _b.Mul(a, b, 8);
                    bool sub = i.Op is A64Op.Smsubl or A64Op.Umsubl;
                    IrValue r;
                    if (ra == 31) r = sub ? _b.Neg(product, 8) : product; // SMULL/UMULL, SMNEGL/UMNEGL
                    else r = sub ? _b.Sub(X(ra), product, 8) : _b.Add(X(ra), product, 8);
                    SetX(d, r);
                    return;
                }
        }
    }

    private void DataProcessing2(in A64Instruction i)
    {
        int size = OpSize(i);
        var a = X(i['n'], size);
        var b = X(i['m'], size);
        IrValue r = i.Op switch
        {
            A64Op.Udiv => _b.UDiv(a, b, size),
            A64Op.Sdiv => _b.SDiv(a, b, size),
            A64Op.Lslv => _b.Shl(a, b, size),
            A64Op.Lsrv => _b.Lsr(a, b, size),
            A64Op.Asrv => _b.Asr(a, b, size),
            _ => _b.Ror(a, b, size),
        };
        SetX(i['d'], r);
    }

    private void DataProcessing1(in A64Instruction i)
    {
        int size = i.Op == A64Op.Rev64 ? 8 : OpSize(i);
        var a = X(i['n'], size);
        IrValue r = i.Op switch
        {
            A64Op.Rbit => _b.Rbit(a, size),
            A64Op.Rev16 => _b.ByteSwap16(a, size),
            A64Op.Rev32 => size == 4 ? _b.ByteSwap(a, 4) : _b.ByteSwap32(a), // REV Wd / REV32 Xd
            A64Op.Rev64 => _b.ByteSwap(a, 8),
            A64Op.Clz => _b.Clz(a, size),
            _ => _b.Cls(a, size),
        };
        SetX(i['d'], r);
    }
}
