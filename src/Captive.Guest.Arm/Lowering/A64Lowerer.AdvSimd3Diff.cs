using Captive.Core.IR;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Lowering;

// AdvSIMD three different (ARM DDI 0487 C4.1.6). The long forms widen both operands to lanes of twice the element
// size first (sign- or zero-extended), where sums, differences and products are exact; the "2" forms take the upper
// halves of the narrow operands, or write the upper half of Vd for the narrowing forms. PMULL .1q (size 11) is the
// Cryptographic Extension's.
internal sealed partial class A64Lowerer
{
    /// <summary>
    /// Three-different, vector or (<paramref name="scalar"/>: SQDMLAL, SQDMLSL, SQDMULL) scalar, where the operands are
    /// reduced to their element 0 first so that the other lanes compute zeros (and cannot saturate).
    /// </summary>
    private void AdvSimdThreeDifferent(in A64Instruction i, bool scalar = false)
    {
        int q = scalar ? 0 : i['q'], u = i['u'], size = i['z'], opc = i['o'], d = i['d'];
        int es = 1 << size, wes = 2 * es, bits = 8 * es;
        bool signed = u == 0;
        var n = GetV(i['n']);
        var m = GetV(i['m']);
        if (scalar)
        {
            n = LowElement(n, es);
            m = LowElement(m, es);
        }
        IrValue Wide(IrValue x) => _b.Vec(IrOpcode.VecWiden, x, es, q, flags: signed ? 1 : 0);
        IrValue W(IrOpcode op, IrValue a, IrValue b) => _b.Vec(op, a, b, wes);
        IrValue result;
        switch (opc)
        {
            case 0: result = W(IrOpcode.VecAdd, Wide(n), Wide(m)); break;  // [SU]ADDL
            case 1: result = W(IrOpcode.VecAdd, n, Wide(m)); break;        // [SU]ADDW
            case 2: result = W(IrOpcode.VecSub, Wide(n), Wide(m)); break;  // [SU]SUBL
            case 3: result = W(IrOpcode.VecSub, n, Wide(m)); break;        // [SU]SUBW
            case 4 or 6: // ADDHN, RADDHN, SUBHN, RSUBHN
                {
                    var sum = W(opc == 4 ? IrOpcode.VecAdd : IrOpcode.VecSub, n, m);
                    if (u == 1) sum = W(IrOpcode.VecAdd, sum, Splat(1ul << (bits - 1), wes));
                    result = _b.Vec(IrOpcode.VecNarrow, _b.Vec(IrOpcode.VecLsrImm, sum, wes, bits), es);
                    if (q == 1) result = InsertUpperHalf(d, result);
                    break;
                }
            case 5 or 7: // [SU]ABAL, [SU]ABDL
                result = W(signed ? IrOpcode.VecSAbsDiff : IrOpcode.VecUAbsDiff, Wide(n), Wide(m));
                if (opc == 5) result = W(IrOpcode.VecAdd, GetV(d), result);
                break;
            case 8 or 10 or 12: // [SU]MLAL, [SU]MLSL, [SU]MULL
                result = W(IrOpcode.VecMul, Wide(n), Wide(m));
                if (opc != 12) result = W(opc == 8 ? IrOpcode.VecAdd : IrOpcode.VecSub, GetV(d), result);
                break;
            case 9 or 11 or 13: // SQDMLAL, SQDMLSL, SQDMULL: 2ab saturates (setting QC) only for MIN * MIN
                {
                    var product = W(IrOpcode.VecMul, Wide(n), Wide(m));
                    result = W(IrOpcode.VecSQAdd, product, product);
                    if (opc != 13) result = W(opc == 9 ? IrOpcode.VecSQAdd : IrOpcode.VecSQSub, scalar ? LowElement(GetV(d), wes) : GetV(d), result);
                    break;
                }
            default: // 14: PMULL, PMULL2 (8-bit)
                result = _b.Vec(IrOpcode.VecPolyMulLong8, n, m, 1, q);
                break;
        }
        SetV(d, result);
    }
}
