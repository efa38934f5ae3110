namespace Captive.Guest.Arm.Decoding;

/// <summary>
/// AdvSIMD vector x indexed element and scalar x indexed element (ARM DDI 0487, C4.1.6 and the instruction pages):
/// the ARMv8.0 forms, and UNDEFINED for the rest of both spaces — the half-precision forms (FEAT_FP16), SQRDMLAH and
/// SQRDMLSH (FEAT_RDM), the dot products, FCMLA, FMLAL/FMLSL (FEAT_FHM), the BFloat16 forms and reserved sizes.
/// </summary>
internal static class A64ByElementDecoding
{
    public static A64Op Classify(A64Encoding e, uint w)
    {
        bool scalar = e.Op == A64Op.AdvSimdScalarByElement;
        int u = e.Field(w, 'u'), size = e.Field(w, 'z'), opc = e.Field(w, 'o');
        bool vectorOnly = (u, opc) is (0, 2 or 6 or 8 or 10) or (1, 0 or 2 or 4 or 6 or 10); // MUL, MLA, MLS, [SU]MULL, [SU]MLAL, [SU]MLSL
        bool integer = (u, opc) is (0, 3 or 7 or 11 or 12 or 13);                          // SQDMLAL, SQDMLSL, SQDMULL, SQDMULH, SQRDMULH
        bool fp = (u, opc) is (0, 1 or 5 or 9) or (1, 9);                                  // FMLA, FMLS, FMUL, FMULX
        if (integer || (vectorOnly && !scalar))
            return size is 1 or 2 ? e.Op : A64Op.Undefined;
        if (!fp || size < 2) return A64Op.Undefined;                                       // size 00: FP16; 01: unallocated
        if (size == 3 && (e.Field(w, 'L') == 1 || (!scalar && e.Field(w, 'q') == 0))) return A64Op.Undefined; // sz:L = 11; .1d
        return e.Op;
    }

    /// <summary>
    /// The element size in bytes, the index and Rm of a defined by-element word: H:L:M and a 4-bit Rm for
    /// halfwords, H:L and M:Rm for words, H and M:Rm for doublewords (FP only).
    /// </summary>
    public static (int ESize, int Index, int Rm) Element(in A64Instruction i)
    {
        int hl = (i['H'] << 1) | i['L'], rm = i['m'], m = i['M'];
        bool fp = i['o'] is 1 or 5 or 9;
        return (fp ? 4 << (i['z'] & 1) : 1 << i['z']) switch
        {
            2 => (2, (hl << 1) | m, rm),
            4 => (4, hl, (m << 4) | rm),
            _ => (8, i['H'], (m << 4) | rm),
        };
    }
}
