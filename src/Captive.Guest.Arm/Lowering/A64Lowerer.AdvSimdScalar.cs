using Captive.Core.IR;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Lowering;

// The AdvSIMD scalar classes with no vector counterpart to share: pairwise (ADDP, FADDP, FMAXP, FMINP, FMAXNMP,
// FMINNMP on the two elements of Vn) and copy (DUP element, the MOV scalar alias). The others reuse the vector
// lowering with a data size of one element.
internal sealed partial class A64Lowerer
{
    private void AdvSimdScalarPairwise(in A64Instruction i)
    {
        int size = i['z'], opc = i['o'];
        var n = GetV(i['n']);
        IrValue result;
        if (opc == 27)
        {
            result = _b.Add(_b.VecExtractLane(n, 0, 8), _b.VecExtractLane(n, 1, 8)); // ADDP Dd, Vn.2D
        }
        else
        {
            int fes = (size & 1) == 1 ? 8 : 4;
            bool min = size >= 2;
            IrValue a = _b.VecExtractLane(n, 0, fes), b = _b.VecExtractLane(n, 1, fes);
            result = opc switch
            {
                12 => min ? _b.FpMinNum(a, b, fes) : _b.FpMaxNum(a, b, fes),
                13 => _b.FpAdd(a, b, fes),
                _ => min ? _b.FpMin(a, b, fes) : _b.FpMax(a, b, fes),
            };
        }
        SetV(i['d'], _b.VecFromHalves(result, K(0)));
    }

    private void AdvSimdScalarCopy(in A64Instruction i)
    {
        int imm5 = i['i'];
        int log = System.Numerics.BitOperations.TrailingZeroCount(imm5);
        int es = 1 << log;
        SetV(i['d'], _b.VecFromHalves(_b.VecExtractLane(GetV(i['n']), imm5 >> (log + 1), es), K(0)));
    }
}
