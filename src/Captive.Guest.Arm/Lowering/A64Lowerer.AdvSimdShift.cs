using System.Numerics;
using Captive.Core.IR;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Lowering;

// AdvSIMD shift by immediate (ARM DDI 0487 C4.1.6, "Advanced SIMD shift by immediate").
internal sealed partial class A64Lowerer
{
    /// <summary>The same scalar in every lane of a vector.</summary>
    private IrValue Splat(ulong value, int esize) => _b.VecFromScalar(K(value), esize);

    /// <summary>A 64-bit (lower-half) result written to the upper half of Vd, keeping its lower half (the "2" forms).</summary>
    private IrValue InsertUpperHalf(int d, IrValue lowHalfResult)
        => _b.VecFromHalves(_b.VecExtractLane(GetV(d), 0, 8), _b.VecExtractLane(lowHalfResult, 0, 8));

    /// <summary>
    /// Lanes shifted right by 1 to lane bits, arithmetically when <paramref name="signed"/>; rounding adds bit
    /// (shift - 1) of the operand, which is (x + 2^(shift-1)) &gt;&gt; shift without the intermediate overflow.
    /// </summary>
    private IrValue ShiftRight(IrValue x, int esize, int shift, bool signed, bool round, int dataSize)
    {
        var shifted = _b.Vec(signed ? IrOpcode.VecAsrImm : IrOpcode.VecLsrImm, x, esize, shift, dataSize);
        if (!round) return shifted;
        var below = shift == 1 ? x : _b.Vec(IrOpcode.VecLsrImm, x, esize, shift - 1, dataSize);
        var bit = _b.Vec(IrOpcode.VecAnd, below, Splat(1, esize), esize, dataSize: dataSize);
        return _b.Vec(IrOpcode.VecAdd, shifted, bit, esize, dataSize: dataSize);
    }

    private static ulong LaneMask(int esize) => esize >= 8 ? ulong.MaxValue : (1ul << (8 * esize)) - 1;

    /// <summary>Shift by immediate, vector or (<paramref name="scalar"/>) scalar: one element, the rest of the register zero.</summary>
    private void AdvSimdShiftImmediate(in A64Instruction i, bool scalar = false)
    {
        int q = scalar ? 0 : i['q'], u = i['u'], opc = i['o'], imm = i['i'], d = i['d'];
        int es = 1 << BitOperations.Log2((uint)(imm >> 3)), bits = 8 * es;
        int right = 2 * bits - imm, left = imm - bits, ds = scalar ? es : q == 1 ? 16 : 8;
        bool signed = u == 0;
        var n = GetV(i['n']);
        if (scalar && opc is >= 16 and <= 19) n = LowElement(n, 2 * es); // narrowing: one element of twice the size
        IrValue result;
        switch (opc)
        {
            case 0 or 2 or 4 or 6: // [SU]SHR, [SU]SRA, [SU]RSHR, [SU]RSRA
                result = ShiftRight(n, es, right, signed, round: opc >= 4, ds);
                if ((opc & 2) != 0) result = _b.Vec(IrOpcode.VecAdd, GetV(d), result, es, dataSize: ds);
                break;
            case 8: // SRI
                {
                    ulong kept = right >= bits ? 0 : LaneMask(es) >> right;
                    result = _b.Vec(IrOpcode.VecOr, _b.Vec(IrOpcode.VecBic, GetV(d), Splat(kept, es), es, dataSize: ds),
                        _b.Vec(IrOpcode.VecLsrImm, n, es, right, ds), es, dataSize: ds);
                    break;
                }
            case 10 when u == 0: // SHL
                result = _b.Vec(IrOpcode.VecShlImm, n, es, left, ds);
                break;
            case 10: // SLI
                {
                    ulong replaced = (LaneMask(es) << left) & LaneMask(es);
                    result = _b.Vec(IrOpcode.VecOr, _b.Vec(IrOpcode.VecBic, GetV(d), Splat(replaced, es), es, dataSize: ds),
                        _b.Vec(IrOpcode.VecShlImm, n, es, left, ds), es, dataSize: ds);
                    break;
                }
            case 12 or 14: // SQSHLU, SQSHL, UQSHL
                result = _b.Vec(IrOpcode.VecQShlImm, n, es, left, ds, opc == 12 ? 2 : u);
                break;
            case >= 16 and <= 19: // SHRN, RSHRN, SQ[R]SHRN, UQ[R]SHRN, SQ[R]SHRUN (and the "2" forms)
                {
                    bool saturate = opc >= 18 || u == 1;
                    bool sourceSigned = opc < 18 ? u == 1 : u == 0; // SQSHRUN (U=1, 1000x) reads signed lanes
                    int mode = !saturate ? 0 : opc < 18 ? 3 : u == 0 ? 1 : 2;
                    var shifted = ShiftRight(n, 2 * es, right, sourceSigned && saturate, round: (opc & 1) == 1, 16);
                    result = _b.Vec(IrOpcode.VecNarrow, shifted, es, flags: mode);
                    if (q == 1) result = InsertUpperHalf(d, result);
                    break;
                }
            case 20: // SSHLL/USHLL (SXTL/UXTL), and the "2" forms
                result = _b.Vec(IrOpcode.VecWiden, n, es, q, flags: signed ? 1 : 0);
                if (left != 0) result = _b.Vec(IrOpcode.VecShlImm, result, 2 * es, left);
                break;
            case 28: // SCVTF/UCVTF (vector, fixed-point)
                result = _b.VecIntToFp(n, es, signed, right, ds);
                break;
            default: // 31: FCVTZS/FCVTZU (vector, fixed-point)
                result = _b.VecFpToInt(n, es, FpRounding.Zero, signed, right, ds);
                break;
        }
        SetV(d, result);
    }
}
