using Captive.Core.IR;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Lowering;

// AdvSIMD vector classes lowered to 128-bit vector IR (docs/design-simd-ir.md). Lane-wise IR operations
// take the data size (8 for Q = 0, 16 for Q = 1) and leave the rest of their result zero, which is the
// architectural write of zeros to bits 127:64 for the 64-bit forms.
internal sealed partial class A64Lowerer
{
    private IrValue GetV(int n) => _b.GetVec(ArmState.V(n));

    private void SetV(int d, IrValue vector) => _b.SetVec(ArmState.V(d), vector);

    private IrValue ZeroVector() { var z = K(0); return _b.VecFromHalves(z, z); }

    private void AdvSimdThreeSame(in A64Instruction i)
    {
        int q = i['q'], u = i['u'], size = i['z'], opc = i['o'];
        int ds = q == 1 ? 16 : 8;
        var n = GetV(i['n']);
        var m = GetV(i['m']);
        if (opc >= 24)
        {
            int fes = (size & 1) == 1 ? 8 : 4, o1 = size >> 1;
            IrOpcode fop = (u, o1, opc) switch
            {
                (0, 0, 24) => IrOpcode.VecFpMaxNum,
                (0, 1, 24) => IrOpcode.VecFpMinNum,
                (0, 0, 26) => IrOpcode.VecFpAdd,
                (0, 1, 26) => IrOpcode.VecFpSub,
                (0, 0, 28) => IrOpcode.VecFpCmpEq,
                (0, 0, 30) => IrOpcode.VecFpMax,
                (0, 1, 30) => IrOpcode.VecFpMin,
                (1, 0, 27) => IrOpcode.VecFpMul,
                (1, 0, 28) => IrOpcode.VecFpCmpGe,
                (1, 1, 28) => IrOpcode.VecFpCmpGt,
                (1, 0, 31) => IrOpcode.VecFpDiv,
                _ => IrOpcode.VecFpMulAdd, // (0, o1, 25): FMLA, FMLS
            };
            if (fop == IrOpcode.VecFpMulAdd)
            {
                var first = o1 == 1 ? _b.Vec(IrOpcode.VecFpNeg, n, fes, dataSize: ds) : n;
                SetV(i['d'], _b.Vec(IrOpcode.VecFpMulAdd, GetV(i['d']), first, m, fes, dataSize: ds));
                return;
            }
            SetV(i['d'], _b.Vec(fop, n, m, fes, dataSize: ds));
            return;
        }

        int es = 1 << size;
        IrValue V(IrOpcode op) => _b.Vec(op, n, m, es, dataSize: ds);
        IrValue result = opc switch
        {
            1 => V(u == 1 ? IrOpcode.VecUQAdd : IrOpcode.VecSQAdd),
            5 => V(u == 1 ? IrOpcode.VecUQSub : IrOpcode.VecSQSub),
            6 => V(u == 1 ? IrOpcode.VecCmpHi : IrOpcode.VecCmpGt),
            7 => V(u == 1 ? IrOpcode.VecCmpHs : IrOpcode.VecCmpGe),
            8 => V(u == 1 ? IrOpcode.VecUshl : IrOpcode.VecSshl),
            12 => V(u == 1 ? IrOpcode.VecUMax : IrOpcode.VecSMax),
            13 => V(u == 1 ? IrOpcode.VecUMin : IrOpcode.VecSMin),
            14 => V(u == 1 ? IrOpcode.VecUAbsDiff : IrOpcode.VecSAbsDiff),
            15 => _b.Vec(IrOpcode.VecAdd, GetV(i['d']), V(u == 1 ? IrOpcode.VecUAbsDiff : IrOpcode.VecSAbsDiff), es, dataSize: ds),
            16 => V(u == 1 ? IrOpcode.VecSub : IrOpcode.VecAdd),
            17 => V(u == 1 ? IrOpcode.VecCmpEq : IrOpcode.VecCmpTst),
            18 => _b.Vec(u == 1 ? IrOpcode.VecSub : IrOpcode.VecAdd, GetV(i['d']), V(IrOpcode.VecMul), es, dataSize: ds),
            19 => V(IrOpcode.VecMul),
            23 => V(IrOpcode.VecAddPairwise),
            _ => throw new InvalidOperationException($"Three-same opcode {opc} is not implemented."),
        };
        SetV(i['d'], result);
    }

    private void AdvSimdAcrossLanes(in A64Instruction i)
    {
        int q = i['q'], u = i['u'], size = i['z'], opc = i['o'];
        int es = 1 << size, ds = q == 1 ? 16 : 8;
        IrOpcode op = opc switch
        {
            3 => u == 1 ? IrOpcode.VecUAddLongAcross : IrOpcode.VecSAddLongAcross,
            10 => u == 1 ? IrOpcode.VecUMaxAcross : IrOpcode.VecSMaxAcross,
            26 => u == 1 ? IrOpcode.VecUMinAcross : IrOpcode.VecSMinAcross,
            _ => IrOpcode.VecAddAcross,
        };
        var r = _b.VecReduce(op, GetV(i['n']), es, ds);
        SetV(i['d'], _b.VecFromHalves(r, K(0)));
    }

    private void AdvSimdPermute(in A64Instruction i)
    {
        int ds = i['q'] == 1 ? 16 : 8;
        IrOpcode op = i['o'] switch
        {
            1 => IrOpcode.VecUzp1,
            2 => IrOpcode.VecTrn1,
            3 => IrOpcode.VecZip1,
            5 => IrOpcode.VecUzp2,
            6 => IrOpcode.VecTrn2,
            _ => IrOpcode.VecZip2,
        };
        SetV(i['d'], _b.Vec(op, GetV(i['n']), GetV(i['m']), 1 << i['z'], dataSize: ds));
    }

    private void AdvSimdExtract(in A64Instruction i)
        => SetV(i['d'], _b.Vec(IrOpcode.VecExt, GetV(i['n']), GetV(i['m']), 1, i['i'], i['q'] == 1 ? 16 : 8));

    private void AdvSimdTableLookup(in A64Instruction i)
    {
        int ds = i['q'] == 1 ? 16 : 8, registers = i['l'] + 1, n = i['n'];
        var indices = GetV(i['m']);
        var result = i['o'] == 1 ? GetV(i['d']) : ZeroVector();
        for (int j = 0; j < registers; j++)
            result = _b.Vec(IrOpcode.VecTbl, indices, GetV((n + j) % 32), result, 1, 16 * j, ds);
        SetV(i['d'], result);
    }
}
