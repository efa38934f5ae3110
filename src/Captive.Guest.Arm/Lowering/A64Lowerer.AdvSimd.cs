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

    /// <summary>
    /// Three-same, vector or (<paramref name="scalar"/>) scalar: the scalar forms are the vector operations on a data
    /// size of one element, which leaves the rest of the register zero.
    /// </summary>
    private void AdvSimdThreeSame(in A64Instruction i, bool scalar = false)
    {
        int q = scalar ? 1 : i['q'], u = i['u'], size = i['z'], opc = i['o'];
        var n = GetV(i['n']);
        var m = GetV(i['m']);
        if (opc >= 24)
        {
            int fes = (size & 1) == 1 ? 8 : 4, o1 = size >> 1, fds = scalar ? fes : q == 1 ? 16 : 8;
            IrValue F(IrOpcode op, IrValue a, IrValue b) => _b.Vec(op, a, b, fes, dataSize: fds);
            IrValue Abs(IrValue a) => _b.Vec(IrOpcode.VecFpAbs, a, fes, dataSize: fds);
            IrValue Pairwise(IrOpcode op) => F(op, F(IrOpcode.VecUzp1, n, m), F(IrOpcode.VecUzp2, n, m));
            IrValue r = (u, o1, opc) switch
            {
                (0, 0, 24) => F(IrOpcode.VecFpMaxNum, n, m),
                (0, 1, 24) => F(IrOpcode.VecFpMinNum, n, m),
                (0, _, 25) => _b.Vec(IrOpcode.VecFpMulAdd, GetV(i['d']), o1 == 1 ? _b.Vec(IrOpcode.VecFpNeg, n, fes, dataSize: fds) : n, m, fes, dataSize: fds), // FMLA, FMLS
                (0, 0, 26) => F(IrOpcode.VecFpAdd, n, m),
                (0, 1, 26) => F(IrOpcode.VecFpSub, n, m),
                (0, 0, 27) => F(IrOpcode.VecFpMulX, n, m),
                (0, 0, 28) => F(IrOpcode.VecFpCmpEq, n, m),
                (0, 0, 30) => F(IrOpcode.VecFpMax, n, m),
                (0, 1, 30) => F(IrOpcode.VecFpMin, n, m),
                (0, 0, 31) => F(IrOpcode.VecFpRecipStep, n, m),
                (0, 1, 31) => F(IrOpcode.VecFpRSqrtStep, n, m),
                (1, 0, 24) => Pairwise(IrOpcode.VecFpMaxNum),                         // FMAXNMP
                (1, 1, 24) => Pairwise(IrOpcode.VecFpMinNum),                         // FMINNMP
                (1, 0, 26) => Pairwise(IrOpcode.VecFpAdd),                            // FADDP
                (1, 1, 26) => Abs(F(IrOpcode.VecFpSub, n, m)),                        // FABD: FPAbs(FPSub), a NaN loses its sign
                (1, 0, 27) => F(IrOpcode.VecFpMul, n, m),
                (1, 0, 28) => F(IrOpcode.VecFpCmpGe, n, m),
                (1, 1, 28) => F(IrOpcode.VecFpCmpGt, n, m),
                (1, 0, 29) => F(IrOpcode.VecFpCmpGe, Abs(n), Abs(m)),                 // FACGE
                (1, 1, 29) => F(IrOpcode.VecFpCmpGt, Abs(n), Abs(m)),                 // FACGT
                (1, 0, 30) => Pairwise(IrOpcode.VecFpMax),                            // FMAXP
                (1, 1, 30) => Pairwise(IrOpcode.VecFpMin),                            // FMINP
                (1, 0, 31) => F(IrOpcode.VecFpDiv, n, m),
                _ => throw new InvalidOperationException($"Three-same FP opcode {u}/{o1}/{opc} is not allocated."),
            };
            SetV(i['d'], r);
            return;
        }

        int es = 1 << size, ds = scalar ? es : q == 1 ? 16 : 8;
        IrValue V(IrOpcode op, int flags = 0) => _b.Vec(op, n, m, es, dataSize: ds, flags: flags);
        IrValue P(IrOpcode op) => _b.Vec(op, _b.Vec(IrOpcode.VecUzp1, n, m, es, dataSize: ds), _b.Vec(IrOpcode.VecUzp2, n, m, es, dataSize: ds), es, dataSize: ds);
        IrValue result = opc switch
        {
            0 => V(IrOpcode.VecHalving, u),                                   // [SU]HADD
            1 => V(u == 1 ? IrOpcode.VecUQAdd : IrOpcode.VecSQAdd),
            2 => V(IrOpcode.VecHalving, u | 2),                               // [SU]RHADD
            4 => V(IrOpcode.VecHalving, u | 4),                               // [SU]HSUB
            5 => V(u == 1 ? IrOpcode.VecUQSub : IrOpcode.VecSQSub),
            6 => V(u == 1 ? IrOpcode.VecCmpHi : IrOpcode.VecCmpGt),
            7 => V(u == 1 ? IrOpcode.VecCmpHs : IrOpcode.VecCmpGe),
            8 => V(u == 1 ? IrOpcode.VecUshl : IrOpcode.VecSshl),
            9 => V(IrOpcode.VecShiftReg, u | 4),                              // [SU]QSHL
            10 => V(IrOpcode.VecShiftReg, u | 2),                             // [SU]RSHL
            11 => V(IrOpcode.VecShiftReg, u | 6),                             // [SU]QRSHL
            12 => V(u == 1 ? IrOpcode.VecUMax : IrOpcode.VecSMax),
            13 => V(u == 1 ? IrOpcode.VecUMin : IrOpcode.VecSMin),
            14 => V(u == 1 ? IrOpcode.VecUAbsDiff : IrOpcode.VecSAbsDiff),
            15 => _b.Vec(IrOpcode.VecAdd, GetV(i['d']), V(u == 1 ? IrOpcode.VecUAbsDiff : IrOpcode.VecSAbsDiff), es, dataSize: ds),
            16 => V(u == 1 ? IrOpcode.VecSub : IrOpcode.VecAdd),
            17 => V(u == 1 ? IrOpcode.VecCmpEq : IrOpcode.VecCmpTst),
            18 => _b.Vec(u == 1 ? IrOpcode.VecSub : IrOpcode.VecAdd, GetV(i['d']), V(IrOpcode.VecMul), es, dataSize: ds),
            19 => V(u == 1 ? IrOpcode.VecPolyMul8 : IrOpcode.VecMul),        // PMUL, MUL
            20 => P(u == 1 ? IrOpcode.VecUMax : IrOpcode.VecSMax),           // [SU]MAXP
            21 => P(u == 1 ? IrOpcode.VecUMin : IrOpcode.VecSMin),           // [SU]MINP
            22 => V(IrOpcode.VecSQDMulHigh, u),                               // SQDMULH, SQRDMULH
            23 => V(IrOpcode.VecAddPairwise),
            _ => throw new InvalidOperationException($"Three-same opcode {opc} is not allocated."),
        };
        SetV(i['d'], result);
    }

    private void AdvSimdAcrossLanes(in A64Instruction i)
    {
        int q = i['q'], u = i['u'], size = i['z'], opc = i['o'];
        if (u == 1 && opc is 12 or 15)
        {
            // FMAXNMV, FMINNMV, FMAXV, FMINV (4S): the ARM ARM's Reduce halves recursively, op(op(e0, e1), op(e2, e3)).
            bool min = size >= 2;
            IrValue Op(IrValue a, IrValue b) => opc == 12
                ? (min ? _b.FpMinNum(a, b, 4) : _b.FpMaxNum(a, b, 4))
                : (min ? _b.FpMin(a, b, 4) : _b.FpMax(a, b, 4));
            var v = GetV(i['n']);
            var low = Op(_b.VecExtractLane(v, 0, 4), _b.VecExtractLane(v, 1, 4));
            var high = Op(_b.VecExtractLane(v, 2, 4), _b.VecExtractLane(v, 3, 4));
            SetV(i['d'], _b.VecFromHalves(Op(low, high), K(0)));
            return;
        }
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
