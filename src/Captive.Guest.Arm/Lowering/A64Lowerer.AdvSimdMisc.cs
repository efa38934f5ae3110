using Captive.Core.IR;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Lowering;

// AdvSIMD two-register miscellaneous, vector and scalar (ARM DDI 0487 C4.1.6). A scalar form is the vector
// operation on a data size of one element; the narrowing ones read one element of twice the size.
internal sealed partial class A64Lowerer
{
    /// <summary>Applies a scalar operation to each of <paramref name="lanes"/> lanes of <paramref name="x"/> (the others zero).</summary>
    private IrValue PerLane(IrValue x, int esize, int lanes, Func<IrValue, IrValue> op)
    {
        var r = ZeroVector();
        for (int k = 0; k < lanes; k++)
            r = _b.VecInsertLane(r, k, esize, op(_b.VecExtractLane(x, k, esize)));
        return r;
    }

    /// <summary>Element 0 of <paramref name="x"/> (<paramref name="esize"/> bytes) with the rest of the vector zero.</summary>
    private IrValue LowElement(IrValue x, int esize) => _b.VecFromHalves(_b.VecExtractLane(x, 0, esize), K(0));

    private void AdvSimdTwoRegisterMisc(in A64Instruction i, bool scalar = false)
    {
        int q = scalar ? 0 : i['q'], u = i['u'], size = i['z'], opc = i['o'], d = i['d'];
        int es = 1 << size, fes = (size & 1) == 1 ? 8 : 4;
        int ds = scalar ? es : q == 1 ? 16 : 8, fds = scalar ? fes : ds;
        bool high = size >= 2;
        var n = GetV(i['n']);
        if (scalar && opc is 18 or 20) n = LowElement(n, 2 * es); // the narrowing forms: one element, the rest zero
        IrValue One(IrOpcode op) => _b.Vec(op, n, es, dataSize: ds);
        IrValue Two(IrOpcode op, IrValue a, IrValue b, int esize) => _b.Vec(op, a, b, esize, dataSize: ds);
        IrValue FTwo(IrOpcode op, IrValue a, IrValue b) => _b.Vec(op, a, b, fes, dataSize: fds);
        IrValue FOne(IrOpcode op) => _b.Vec(op, n, fes, dataSize: fds);
        IrValue result;
        switch (u, opc)
        {
            case (0, 0): result = _b.Vec(IrOpcode.VecRev, n, es, 8, ds); break;  // REV64
            case (0, 1): result = _b.Vec(IrOpcode.VecRev, n, 1, 2, ds); break;   // REV16
            case (1, 0): result = _b.Vec(IrOpcode.VecRev, n, es, 4, ds); break;  // REV32
            case (_, 2 or 6): // [SU]ADDLP, [SU]ADALP: adjacent lanes extended and summed into lanes twice as wide
                {
                    int wes = 2 * es, bits = 8 * es;
                    var even = u == 0
                        ? _b.Vec(IrOpcode.VecAsrImm, _b.Vec(IrOpcode.VecShlImm, n, wes, bits, ds), wes, bits, ds)
                        : _b.Vec(IrOpcode.VecAnd, n, Splat(LaneMask(es), wes), wes, dataSize: ds);
                    var odd = _b.Vec(u == 0 ? IrOpcode.VecAsrImm : IrOpcode.VecLsrImm, n, wes, bits, ds);
                    result = Two(IrOpcode.VecAdd, even, odd, wes);
                    if (opc == 6) result = Two(IrOpcode.VecAdd, GetV(d), result, wes);
                    break;
                }
            case (_, 3): result = Two(u == 0 ? IrOpcode.VecSUQAdd : IrOpcode.VecUSQAdd, GetV(d), n, es); break;
            case (_, 4): result = One(u == 0 ? IrOpcode.VecCls : IrOpcode.VecClz); break;
            case (0, 5): result = One(IrOpcode.VecCnt); break;
            case (1, 5): result = _b.Vec(size == 0 ? IrOpcode.VecNot : IrOpcode.VecRbit, n, 1, dataSize: ds); break; // NOT, RBIT
            case (_, 7): // SQABS, SQNEG: 0 - MIN saturates (and sets QC) only for the most negative value
                {
                    var negated = Two(IrOpcode.VecSQSub, ZeroVector(), n, es);
                    result = u == 0 ? Two(IrOpcode.VecSMax, n, negated, es) : negated;
                    break;
                }
            case (0, 8): result = Two(IrOpcode.VecCmpGt, n, ZeroVector(), es); break;  // CMGT #0
            case (1, 8): result = Two(IrOpcode.VecCmpGe, n, ZeroVector(), es); break;  // CMGE #0
            case (0, 9): result = Two(IrOpcode.VecCmpEq, n, ZeroVector(), es); break;  // CMEQ #0
            case (1, 9): result = Two(IrOpcode.VecCmpGe, ZeroVector(), n, es); break;  // CMLE #0
            case (0, 10): result = Two(IrOpcode.VecCmpGt, ZeroVector(), n, es); break; // CMLT #0
            case (_, 11): result = One(u == 0 ? IrOpcode.VecAbs : IrOpcode.VecNeg); break;
            case (_, 18 or 20): // XTN, SQXTUN, SQXTN, UQXTN
                result = _b.Vec(IrOpcode.VecNarrow, n, es, flags: (u, opc) switch { (0, 18) => 0, (1, 18) => 3, (0, 20) => 1, _ => 2 });
                if (q == 1) result = InsertUpperHalf(d, result);
                break;
            case (1, 19): // SHLL
                result = _b.Vec(IrOpcode.VecShlImm, _b.Vec(IrOpcode.VecWiden, n, es, q), 2 * es, 8 * es);
                break;
            case (_, 12 or 13 or 14): // FCMGT, FCMGE, FCMEQ, FCMLE, FCMLT #0.0
                {
                    var zero = ZeroVector();
                    result = (u, opc) switch
                    {
                        (0, 12) => FTwo(IrOpcode.VecFpCmpGt, n, zero),
                        (1, 12) => FTwo(IrOpcode.VecFpCmpGe, n, zero),
                        (0, 13) => FTwo(IrOpcode.VecFpCmpEq, n, zero),
                        (1, 13) => FTwo(IrOpcode.VecFpCmpGe, zero, n),
                        _ => FTwo(IrOpcode.VecFpCmpGt, zero, n),
                    };
                    break;
                }
            case (_, 15): result = FOne(u == 0 ? IrOpcode.VecFpAbs : IrOpcode.VecFpNeg); break;
            case (1, 31): result = FOne(IrOpcode.VecFpSqrt); break;
            case (0, 31): result = FOne(IrOpcode.VecFpRecipExponent); break; // FRECPX (scalar only)
            case (_, 29) when high: result = FOne(u == 0 ? IrOpcode.VecFpRecipEstimate : IrOpcode.VecFpRSqrtEstimate); break;
            case (1, 22): // FCVTXN, FCVTXN2: double to single, rounding to odd
                {
                    var r = ZeroVector();
                    for (int k = 0; k < (scalar ? 1 : 2); k++)
                        r = _b.VecInsertLane(r, k, 4, _b.FpConvert(_b.VecExtractLane(n, k, 8), 8, 4, FpRounding.Odd));
                    result = q == 1 ? InsertUpperHalf(d, r) : r;
                    break;
                }
            case (0, 22): // FCVTN, FCVTN2
                {
                    int from = size == 0 ? 4 : 8, to = from / 2;
                    var r = ZeroVector();
                    for (int k = 0; k < 16 / from; k++)
                        r = _b.VecInsertLane(r, k, to, _b.FpConvert(_b.VecExtractLane(n, k, from), from, to));
                    result = q == 1 ? InsertUpperHalf(d, r) : r;
                    break;
                }
            case (0, 23): // FCVTL, FCVTL2
                {
                    int from = size == 0 ? 2 : 4, to = 2 * from, lanes = 16 / to;
                    var r = ZeroVector();
                    for (int k = 0; k < lanes; k++)
                        r = _b.VecInsertLane(r, k, to, _b.FpConvert(_b.VecExtractLane(n, q * lanes + k, from), from, to));
                    result = r;
                    break;
                }
            case (_, 24 or 25): // FRINTN/P/M/Z/A/X/I
                {
                    var rounding = (u, high, opc) switch
                    {
                        (0, false, 24) => FpRounding.TieEven,
                        (0, true, 24) => FpRounding.PlusInfinity,
                        (0, false, 25) => FpRounding.MinusInfinity,
                        (0, true, 25) => FpRounding.Zero,
                        (1, false, 24) => FpRounding.TieAway,
                        _ => FpRounding.Dynamic,
                    };
                    bool exact = (u, high, opc) == (1, false, 25); // FRINTX
                    result = PerLane(n, fes, fds / fes, x => _b.FpRoundInt(x, fes, rounding, exact));
                    break;
                }
            case (_, 28) when high: // URECPE, URSQRTE (size 10)
                result = _b.Vec(u == 0 ? IrOpcode.VecURecpe : IrOpcode.VecURsqrte, n, 4, dataSize: ds);
                break;
            default: // 26–29: FCVT[NPMZA][SU], [SU]CVTF
                {
                    if (opc == 29)
                        result = _b.VecIntToFp(n, fes, u == 0, dataSize: fds);
                    else
                    {
                        var rounding = opc == 28 ? FpRounding.TieAway : (high, opc) switch
                        {
                            (false, 26) => FpRounding.TieEven,
                            (true, 26) => FpRounding.PlusInfinity,
                            (false, 27) => FpRounding.MinusInfinity,
                            _ => FpRounding.Zero,
                        };
                        result = _b.VecFpToInt(n, fes, rounding, u == 0, dataSize: fds);
                    }
                    break;
                }
        }
        SetV(d, result);
    }
}
