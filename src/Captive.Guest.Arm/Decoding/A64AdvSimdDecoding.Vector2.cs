namespace Captive.Guest.Arm.Decoding;

// Shift by immediate, two-register miscellaneous and three-different (ARM DDI 0487 C4.1.6, ARMv8.0 without
// FEAT_FP16: the half-precision forms and the later FRINT32/64, BFCVTN encodings are unallocated here).
internal static partial class A64AdvSimdDecoding
{
    /// <summary>Shift by immediate (immh:immb in <paramref name="imm"/>, immh != 0 here: immh = 0 is the modified-immediate line).</summary>
    private static A64Op ShiftImmediate(A64Op op, int q, int u, int imm, int opc)
    {
        int immh = imm >> 3;
        if (immh == 0 || ((immh & 8) != 0 && q == 0)) return A64Op.Undefined;
        return (u, opc) switch
        {
            (_, 0 or 2 or 4 or 6 or 10 or 14) or (1, 8 or 12) => op,          // [SU]SHR, [SU]SRA, [SU]RSHR, [SU]RSRA, SHL/SLI, [SU]QSHL, SRI, SQSHLU
            (_, >= 16 and <= 20) => (immh & 8) != 0 ? A64Op.Undefined : op,    // the narrowing and lengthening forms
            (_, 28 or 31) => immh < 4 ? A64Op.Undefined : op,                  // [SU]CVTF, FCVTZ[SU] (fixed): S and D only
            _ => A64Op.Undefined,
        };
    }

    private static A64Op TwoRegisterMisc(A64Op op, int q, int u, int size, int opc)
    {
        bool sz = (size & 1) == 1, high = size >= 2;
        bool defined = (u, opc) switch
        {
            (0, 0) or (0, 2) or (0, 4) or (0, 6) or (1, 2) or (1, 4) or (1, 6) => size != 3,
            (0, 1) or (0, 5) => size == 0,
            (1, 0) => size <= 1,
            (1, 5) => size <= 1,
            (_, 3 or 7 or 8 or 9 or 11) or (0, 10) => size != 3 || q == 1,
            (_, 12 or 13 or 15) or (0, 14) or (1, 31) => high && !(sz && q == 0),
            (_, 18 or 20) or (1, 19) => size != 3,
            (0, 22 or 23) => !high,
            (1, 22) => size == 1,
            (0, 24 or 25) or (1, 25) => !(sz && q == 0),
            (1, 24) => !high && !(sz && q == 0),
            (_, 26 or 27) => !(sz && q == 0),
            (_, 28 or 29) => high ? size == 2 || (opc == 29) && !(sz && q == 0) : !(sz && q == 0),
            _ => false,
        };
        return defined ? op : A64Op.Undefined;
    }

    private static A64Op ThreeDifferent(A64Op op, int q, int u, int size, int opc)
    {
        if (opc == 15 || (u == 1 && opc is 9 or 11 or 13 or 14)) return A64Op.Undefined;
        if (opc == 14) return size == 0 ? op : A64Op.Undefined; // PMULL (8-bit); size 11 (.1q) is the crypto line's
        if (size == 3) return A64Op.Undefined;
        if (opc is 9 or 11 or 13 && size == 0) return A64Op.Undefined;                                // SQDMLAL/SQDMLSL/SQDMULL: H, S
        return op;
    }
}
