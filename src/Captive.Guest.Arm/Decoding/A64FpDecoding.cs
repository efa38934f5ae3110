namespace Captive.Guest.Arm.Decoding;

/// <summary>
/// Field meanings and reserved values of the scalar floating-point encodings (ARM DDI 0487 C4.1.6, ARMv8.0:
/// no FEAT_FP16, so half precision appears only as an FCVT operand).
/// </summary>
internal static class A64FpDecoding
{
    /// <summary>The FP format (2, 4 or 8 bytes) of a <c>type</c>/<c>ftype</c> field value, or 0 when reserved.</summary>
    public static int Format(int type) => type switch { 0 => 4, 1 => 8, 3 => 2, _ => 0 };

    /// <summary>Turns the reserved and post-ARMv8.0 field values of an FP line into <see cref="A64Op.Undefined"/>.</summary>
    public static A64Op Classify(A64Encoding e, uint w)
    {
        A64Op op = e.Op;
        int type = e.Field(w, 't');
        if (op == A64Op.FpDataProc1)
        {
            int opcode = e.Field(w, 'o');
            if (opcode >> 2 == 1)
            {
                // FCVT: source type, destination opc<1:0>; both S, D or H and different
                int to = opcode & 3;
                return Format(type) != 0 && Format(to) != 0 && to != type ? op : A64Op.Undefined;
            }
            if (type > 1) return A64Op.Undefined;
            return opcode <= 3 || (opcode >= 8 && opcode <= 15 && opcode != 13) ? op : A64Op.Undefined;
        }
        if (type > 1) return A64Op.Undefined;
        switch (op)
        {
            case A64Op.FpDataProc2:
                return e.Field(w, 'o') <= 8 ? op : A64Op.Undefined;
            case A64Op.FpIntConvert:
                {
                    int rmode = e.Field(w, 'r'), opcode = e.Field(w, 'o');
                    return opcode <= 1 || (rmode == 0 && opcode <= 5) ? op : A64Op.Undefined;
                }
            case A64Op.FpFixedConvert:
                {
                    int kind = (e.Field(w, 'r') << 3) | e.Field(w, 'o');
                    if (kind is not (0b00_010 or 0b00_011 or 0b11_000 or 0b11_001)) return A64Op.Undefined;
                    return (w >> 31) == 0 && e.Field(w, 's') < 32 ? A64Op.Undefined : op;
                }
            default:
                return op;
        }
    }
}
