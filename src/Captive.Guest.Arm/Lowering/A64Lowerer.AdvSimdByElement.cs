using Captive.Core.IR;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Lowering;

// AdvSIMD vector and scalar x indexed element (ARM DDI 0487 C4.1.6). The indexed element of Vm is broadcast to
// every lane, then the operation is the one the three-same or three-different form uses. The scalar forms take
// lane 0 of Vn and are the vector operation with a data size of one element (the rest of Vd zero).
internal sealed partial class A64Lowerer
{
    private void AdvSimdByElement(in A64Instruction i)
    {
        bool scalar = i.Op == A64Op.AdvSimdScalarByElement;
        int q = scalar ? 0 : i['q'], u = i['u'], opc = i['o'], d = i['d'];
        var (es, index, rm) = A64ByElementDecoding.Element(i);
        int ds = scalar ? es : q == 1 ? 16 : 8;
        var n = GetV(i['n']);
        var element = _b.VecExtractLane(GetV(rm), index, es);
        IrValue result;
        switch (u, opc)
        {
            case (0, 1 or 5): // FMLA, FMLS (fused; FMLS negates the Vn operand)
                {
                    var first = opc == 5 ? _b.Vec(IrOpcode.VecFpNeg, n, es, dataSize: ds) : n;
                    result = _b.Vec(IrOpcode.VecFpMulAdd, GetV(d), first, _b.VecFromScalar(element, es), es, dataSize: ds);
                    break;
                }
            case (_, 9): // FMUL, FMULX
                result = _b.Vec(u == 1 ? IrOpcode.VecFpMulX : IrOpcode.VecFpMul, n, _b.VecFromScalar(element, es), es, dataSize: ds);
                break;
            case (0, 12 or 13): // SQDMULH, SQRDMULH
                result = _b.Vec(IrOpcode.VecSQDMulHigh, n, _b.VecFromScalar(element, es), es, dataSize: ds, flags: opc == 13 ? 1 : 0);
                break;
            case (0, 8) or (1, 0 or 4): // MUL, MLA, MLS
                result = _b.Vec(IrOpcode.VecMul, n, _b.VecFromScalar(element, es), es, dataSize: ds);
                if (opc != 8) result = _b.Vec(opc == 0 ? IrOpcode.VecAdd : IrOpcode.VecSub, GetV(d), result, es, dataSize: ds);
                break;
            default: // the long forms: [SU]MULL, [SU]MLAL, [SU]MLSL, SQDMULL, SQDMLAL, SQDMLSL on lanes twice as wide
                {
                    int wes = 2 * es, wds = scalar ? wes : 16;
                    bool signed = u == 0;
                    var wide = _b.Vec(IrOpcode.VecWiden, n, es, q, flags: signed ? 1 : 0);
                    var wideElement = _b.VecFromScalar(signed ? _b.SignExtend(element, 8 * es) : element, wes);
                    var product = _b.Vec(IrOpcode.VecMul, wide, wideElement, wes, dataSize: wds);
                    if ((opc & 1) == 1) // SQDMULL, SQDMLAL, SQDMLSL: 2ab saturates (setting QC) only for MIN * MIN
                    {
                        result = _b.Vec(IrOpcode.VecSQAdd, product, product, wes, dataSize: wds);
                        if (opc != 11) result = _b.Vec(opc == 3 ? IrOpcode.VecSQAdd : IrOpcode.VecSQSub, GetV(d), result, wes, dataSize: wds);
                    }
                    else
                    {
                        result = product;
                        if (opc != 10) result = _b.Vec(opc == 2 ? IrOpcode.VecAdd : IrOpcode.VecSub, GetV(d), result, wes);
                    }
                    break;
                }
        }
        SetV(d, result);
    }
}
