namespace Captive.Guest.Arm.Decoding;

// The AdvSIMD scalar classes (ARM DDI 0487 C4.1.6, ARMv8.0 without FEAT_FP16 and FEAT_RDM: the half-precision
// forms and SQRDMLAH/SQRDMLSH are unallocated here).
internal static partial class A64AdvSimdDecoding
{
    public static A64Op ClassifyScalar(A64Encoding e, uint w)
    {
        A64Op op = e.Op;
        bool defined = op switch
        {
            A64Op.AdvSimdScalar3Same => ScalarThreeSame(e.Field(w, 'u'), e.Field(w, 'z'), e.Field(w, 'o')),
            A64Op.AdvSimdScalar3Diff => e.Field(w, 'u') == 0 && e.Field(w, 'o') is 9 or 11 or 13 && e.Field(w, 'z') is 1 or 2,
            A64Op.AdvSimdScalar2RegMisc => ScalarTwoRegisterMisc(e.Field(w, 'u'), e.Field(w, 'z'), e.Field(w, 'o')),
            A64Op.AdvSimdScalarPairwise => (e.Field(w, 'u'), e.Field(w, 'o')) switch
            {
                (0, 27) => e.Field(w, 'z') == 3,   // ADDP
                (1, 12 or 15) => true,             // FMAXNMP/FMINNMP, FMAXP/FMINP
                (1, 13) => e.Field(w, 'z') <= 1,   // FADDP
                _ => false,
            },
            A64Op.AdvSimdScalarCopy => (e.Field(w, 'i') & 0xF) != 0,
            A64Op.AdvSimdScalarShiftImm => ScalarShiftImmediate(e.Field(w, 'u'), e.Field(w, 'i') >> 3, e.Field(w, 'o')),
            _ => false,
        };
        return defined ? op : A64Op.Undefined;
    }

    private static bool ScalarThreeSame(int u, int size, int opc)
    {
        if (opc >= 24)
        {
            int o1 = size >> 1;
            return (u, o1, opc) switch
            {
                (0, 0, 27 or 28 or 31) => true,  // FMULX, FCMEQ, FRECPS
                (0, 1, 31) => true,              // FRSQRTS
                (1, 0, 28 or 29) => true,        // FCMGE, FACGE
                (1, 1, 26 or 28 or 29) => true,  // FABD, FCMGT, FACGT
                _ => false,
            };
        }
        return opc switch
        {
            1 or 5 or 9 or 11 => true,                          // [SU]QADD, [SU]QSUB, [SU]QSHL, [SU]QRSHL
            6 or 7 or 8 or 10 or 16 or 17 => size == 3,          // CMGT/CMHI, CMGE/CMHS, [SU]SHL, [SU]RSHL, ADD/SUB, CMTST/CMEQ
            22 => size is 1 or 2,                                // SQDMULH, SQRDMULH
            _ => false,
        };
    }

    private static bool ScalarTwoRegisterMisc(int u, int size, int opc)
    {
        bool high = size >= 2;
        return (u, opc) switch
        {
            (_, 3 or 7) => true,                                 // SUQADD/USQADD, SQABS/SQNEG
            (_, 8 or 9 or 11) or (0, 10) => size == 3,           // CMGT/CMGE/CMEQ/CMLE/CMLT #0, ABS/NEG
            (_, 12 or 13) or (0, 14) => high,                    // FCMGT/FCMGE/FCMEQ/FCMLE/FCMLT #0.0
            (0, 20) or (1, 18 or 20) => size != 3,               // SQXTN, SQXTUN, UQXTN
            (1, 22) => size == 1,                                // FCVTXN
            (_, 26 or 27) => true,                               // FCVTN*, FCVTM*, FCVTP*, FCVTZ* (integer)
            (_, 28) => !high,                                    // FCVTAS/FCVTAU
            (_, 29) => true,                                     // SCVTF/UCVTF, FRECPE/FRSQRTE
            (0, 31) => high,                                     // FRECPX
            _ => false,
        };
    }

    private static bool ScalarShiftImmediate(int u, int immh, int opc)
    {
        if (immh == 0) return false;
        bool d = (immh & 8) != 0;
        return (u, opc) switch
        {
            (_, 0 or 2 or 4 or 6) or (1, 8) or (_, 10) => d,     // [SU]SHR, [SU]SRA, [SU]RSHR, [SU]RSRA, SRI, SHL/SLI: D only
            (1, 12) or (_, 14) => true,                          // SQSHLU, SQSHL, UQSHL (immediate)
            (1, 16 or 17) or (_, 18 or 19) => !d,                // SQ[R]SHRUN, SQ[R]SHRN, UQ[R]SHRN
            (_, 28 or 31) => immh >= 4,                          // [SU]CVTF, FCVTZ[SU] (fixed-point): S and D
            _ => false,
        };
    }
}
