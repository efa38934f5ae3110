namespace Captive.Guest.Arm.Decoding;

/// <summary>
/// Reserved field values (UNDEFINED) of the AdvSIMD vector and scalar classes lowered to vector IR (ARM DDI 0487, C4.1.6 and the instruction pages).
/// </summary>
internal static partial class A64AdvSimdDecoding
{
    public static A64Op Classify(A64Encoding e, uint w)
    {
        A64Op op = e.Op;
        int q = (int)(w >> 30) & 1;
        switch (op)
        {
            case A64Op.AdvSimd3Same:
                {
                    int u = e.Field(w, 'u'), size = e.Field(w, 'z'), opc = e.Field(w, 'o');
                    return opc >= 24 ? ThreeSameFp(op, q, u, size, opc) : ThreeSameInteger(op, q, u, size, opc);
                }
            case A64Op.AdvSimdAcross:
                {
                    int u = e.Field(w, 'u'), size = e.Field(w, 'z'), opc = e.Field(w, 'o');
                    if (u == 1 && opc is 12 or 15)
                        return (size & 1) == 1 || q == 0 ? A64Op.Undefined : op; // FMAXNMV, FMINNMV, FMAXV, FMINV (4S only)
                    if (opc is not (3 or 10 or 26) && !(opc == 27 && u == 0)) return A64Op.Undefined;
                    if (size == 3 || (size == 2 && q == 0)) return A64Op.Undefined;
                    return op;
                }
            case A64Op.AdvSimdPermute:
                {
                    int opc = e.Field(w, 'o');
                    if ((opc & 3) == 0) return A64Op.Undefined;
                    return e.Field(w, 'z') == 3 && q == 0 ? A64Op.Undefined : op;
                }
            case A64Op.AdvSimdShiftImm:
                return ShiftImmediate(op, q, e.Field(w, 'u'), e.Field(w, 'i'), e.Field(w, 'o'));
            case A64Op.AdvSimd2RegMisc:
                return TwoRegisterMisc(op, q, e.Field(w, 'u'), e.Field(w, 'z'), e.Field(w, 'o'));
            case A64Op.AdvSimd3Diff:
                return ThreeDifferent(op, q, e.Field(w, 'u'), e.Field(w, 'z'), e.Field(w, 'o'));
            case A64Op.AdvSimdExt:
                return q == 0 && e.Field(w, 'i') >= 8 ? A64Op.Undefined : op;
            default:
                return op;
        }
    }

    private static A64Op ThreeSameInteger(A64Op op, int q, int u, int size, int opc)
    {
        if (u == 1 && opc == 23) return A64Op.Undefined;                     // ADDP has no U=1 form
        if (u == 1 && opc == 19 && size != 0) return A64Op.Undefined;        // PMUL is bytes only
        if (opc == 22 && size is 0 or 3) return A64Op.Undefined;             // SQDMULH/SQRDMULH: H and S
        if (size == 3)
        {
            bool allowsD = opc is 1 or 5 or 6 or 7 or 8 or 9 or 10 or 11 or 16 or 17 || (opc == 23 && u == 0);
            if (!allowsD || q == 0) return A64Op.Undefined;
        }
        return op;
    }

    private static A64Op ThreeSameFp(A64Op op, int q, int u, int size, int opc)
    {
        int o1 = size >> 1, sz = size & 1;
        bool defined = (u, o1, opc) switch
        {
            (0, 0, 24 or 25 or 26 or 27 or 28 or 30 or 31) => true,
            (0, 1, 24 or 25 or 26 or 30 or 31) => true,
            (1, 0, 24 or 26 or 27 or 28 or 29 or 30 or 31) => true,
            (1, 1, 24 or 26 or 28 or 29 or 30) => true,
            _ => false,
        };
        return !defined || (sz == 1 && q == 0) ? A64Op.Undefined : op;
    }
}
