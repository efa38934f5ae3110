using Captive.Core.IR;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Lowering;

// Scalar floating point (ARM DDI 0487 C7, ARMv8.0). The arithmetic is the IR's FP opcodes, which carry the
// ARM semantics (FPCR in, FPSR out); what is left here is operand selection, the exact sign manipulations
// (FABS, FNEG, FNMUL, the negations of FMSUB/FNMADD/FNMSUB) and register writes. A scalar write zeroes the
// rest of the 128-bit V register; reads use only the low bits of the format.
internal sealed partial class A64Lowerer
{
    private void FloatingPoint(in A64Instruction i)
    {
        switch (i.Op)
        {
            case A64Op.FpCompare: FpCompare(i); return;
            case A64Op.FpCondCompare: FpConditionalCompare(i); return;
            case A64Op.FpCondSelect: FpConditionalSelect(i); return;
            case A64Op.FpDataProc1: FpDataProcessing1(i); return;
            case A64Op.FpDataProc2: FpDataProcessing2(i); return;
            case A64Op.FpDataProc3: FpDataProcessing3(i); return;
            case A64Op.FpIntConvert: FpIntegerConvert(i); return;
            case A64Op.FpFixedConvert: FpFixedPointConvert(i); return;
            default: Trap(IrTrapKind.Unsupported, i.Word); return;
        }
    }

    /// <summary>The scalar in the low <paramref name="format"/> bytes of V[n], zero-extended.</summary>
    private IrValue Fp(int n, int format) => _b.GetReg(ArmState.V(n), format);

    /// <summary>V[d] = the scalar (already zero-extended to 64 bits), the rest of the register zeroed.</summary>
    private void SetFp(int d, IrValue value) => SetVector(d, value, K(0));

    private IrValue FpNegate(IrValue value, int format) => _b.Xor(value, K(1ul << (format * 8 - 1)));

    private void FpCompare(in A64Instruction i)
    {
        int format = A64FpDecoding.Format(i['t']), opc = i['o'];
        var a = Fp(i['n'], format);
        var b = (opc & 1) != 0 ? K(0) : Fp(i['m'], format);
        _b.SetNzcv(_b.FpCompare(a, b, format, signalling: (opc & 2) != 0));
    }

    private void FpConditionalCompare(in A64Instruction i)
    {
        // Both operands become +0 when the condition fails, so that the comparison raises no FP exception;
        // the flags then come from the immediate.
        int format = A64FpDecoding.Format(i['t']);
        var holds = _b.CondHolds(i['c']);
        var zero = K(0);
        var a = _b.Select(holds, Fp(i['n'], format), zero);
        var b = _b.Select(holds, Fp(i['m'], format), zero);
        var flags = _b.FpCompare(a, b, format, signalling: i['o'] == 1);
        _b.SetNzcv(_b.Select(holds, flags, K((ulong)i['f'] << 28)));
    }

    private void FpConditionalSelect(in A64Instruction i)
    {
        int format = A64FpDecoding.Format(i['t']);
        SetFp(i['d'], _b.Select(_b.CondHolds(i['c']), Fp(i['n'], format), Fp(i['m'], format)));
    }

    private void FpDataProcessing1(in A64Instruction i)
    {
        int opcode = i['o'], n = i['n'], d = i['d'];
        int format = A64FpDecoding.Format(i['t']);
        var a = Fp(n, format);
        IrValue r;
        switch (opcode)
        {
            case 0: r = a; break;                                                  // FMOV
            case 1: r = _b.And(a, K((1ul << (format * 8 - 1)) - 1)); break;        // FABS
            case 2: r = FpNegate(a, format); break;                                // FNEG
            case 3: r = _b.FpSqrt(a, format); break;                               // FSQRT
            case >= 4 and <= 7: r = _b.FpConvert(a, format, A64FpDecoding.Format(opcode & 3)); break; // FCVT
            default:
                {
                    var rounding = opcode switch
                    {
                        8 => FpRounding.TieEven,        // FRINTN
                        9 => FpRounding.PlusInfinity,   // FRINTP
                        10 => FpRounding.MinusInfinity, // FRINTM
                        11 => FpRounding.Zero,          // FRINTZ
                        12 => FpRounding.TieAway,       // FRINTA
                        _ => FpRounding.Dynamic,        // FRINTX (14), FRINTI (15)
                    };
                    r = _b.FpRoundInt(a, format, rounding, exact: opcode == 14);
                    break;
                }
        }
        SetFp(d, r);
    }

    private void FpDataProcessing2(in A64Instruction i)
    {
        int format = A64FpDecoding.Format(i['t']);
        var a = Fp(i['n'], format);
        var b = Fp(i['m'], format);
        var r = i['o'] switch
        {
            0 => _b.FpMul(a, b, format),
            1 => _b.FpDiv(a, b, format),
            2 => _b.FpAdd(a, b, format),
            3 => _b.FpSub(a, b, format),
            4 => _b.FpMax(a, b, format),
            5 => _b.FpMin(a, b, format),
            6 => _b.FpMaxNum(a, b, format),
            7 => _b.FpMinNum(a, b, format),
            _ => FpNegate(_b.FpMul(a, b, format), format), // FNMUL negates the result, NaNs included
        };
        SetFp(i['d'], r);
    }

    private void FpDataProcessing3(in A64Instruction i)
    {
        // FMADD: Ra + Rn·Rm; FMSUB: Ra + (−Rn)·Rm; FNMADD: (−Ra) + (−Rn)·Rm; FNMSUB: (−Ra) + Rn·Rm.
        // The negations are FPNeg of the operands before FPMulAdd, so NaN operands come out with flipped signs.
        int format = A64FpDecoding.Format(i['t']);
        bool o1 = i['o'] == 1, o0 = i['p'] == 1;
        var addend = Fp(i['a'], format);
        var n = Fp(i['n'], format);
        var m = Fp(i['m'], format);
        if (o1) addend = FpNegate(addend, format);
        if (o0 != o1) n = FpNegate(n, format);
        SetFp(i['d'], _b.FpMulAdd(addend, n, m, format));
    }

    private void FpIntegerConvert(in A64Instruction i)
    {
        int format = A64FpDecoding.Format(i['t']), opcode = i['o'];
        int size = OpSize(i);
        switch (opcode)
        {
            case 0 or 1 or 4 or 5:
                {
                    // FCVT{N,P,M,Z}{S,U}: RMode field order matches FpRounding; FCVTA{S,U}: ties away
                    var rounding = opcode >= 4 ? FpRounding.TieAway : (FpRounding)i['r'];
                    SetX(i['d'], _b.FpToInt(Fp(i['n'], format), format, size, rounding, signed: (opcode & 1) == 0));
                    return;
                }
            default: // SCVTF (2), UCVTF (3)
                SetFp(i['d'], _b.IntToFp(X(i['n'], size), size, format, signed: opcode == 2));
                return;
        }
    }

    private void FpFixedPointConvert(in A64Instruction i)
    {
        int format = A64FpDecoding.Format(i['t']), size = OpSize(i);
        int fractionBits = 64 - i['s'];
        int opcode = i['o'];
        if (i['r'] == 3)
            SetX(i['d'], _b.FpToInt(Fp(i['n'], format), format, size, FpRounding.Zero, signed: opcode == 0, fractionBits));
        else
            SetFp(i['d'], _b.IntToFp(X(i['n'], size), size, format, signed: opcode == 2, fractionBits));
    }
}
