namespace Captive.Core.IR;

/// <summary>ARM rounding modes as the IR names them (FPCR.RMode values 0–3, then the instruction-fixed ones).</summary>
public enum FpRounding : byte
{
    /// <summary>Round to nearest, ties to even (FPCR.RMode 0, the N in FCVTN).</summary>
    TieEven = 0,
    /// <summary>Toward +∞ (RMode 1, P).</summary>
    PlusInfinity = 1,
    /// <summary>Toward −∞ (RMode 2, M).</summary>
    MinusInfinity = 2,
    /// <summary>Toward zero (RMode 3, Z).</summary>
    Zero = 3,
    /// <summary>To nearest, ties away from zero (the A in FCVTA/FRINTA).</summary>
    TieAway = 4,
    /// <summary>Round to odd: truncate, then set the lowest bit when the result is inexact (FCVTXN).</summary>
    Odd = 5,
    /// <summary>Whatever FPCR.RMode says (FRINTI, FRINTX, [SU]CVTF).</summary>
    Dynamic = 7,
}

/// <summary>
/// Packs and unpacks the Immediate of the FP conversion opcodes:
/// bits 0–7 source size in bytes, bits 8–10 <see cref="FpRounding"/>, bit 12 signed,
/// bits 16–23 fraction bits (fixed-point forms; 0 for plain integers), bit 24 raise-inexact (FRINTX),
/// bits 25–26 the bytes a vector conversion covers (0: 16; 1: 8, the 64-bit forms; 2: 4 and 3: 2, the scalar
/// forms), the rest of the result zero.
/// </summary>
public static class IrFp
{
    /// <summary>Packs a conversion immediate.</summary>
    public static long Pack(int sourceSize, FpRounding rounding, bool signed = false, int fractionBits = 0, bool exact = false, int dataSize = 16)
    {
        if (sourceSize is not (2 or 4 or 8)) throw new ArgumentOutOfRangeException(nameof(sourceSize));
        if ((uint)fractionBits > 64) throw new ArgumentOutOfRangeException(nameof(fractionBits));
        long code = dataSize switch { 16 => 0, 8 => 1, 4 => 2, 2 => 3, _ => throw new ArgumentOutOfRangeException(nameof(dataSize)) };
        return (long)(uint)sourceSize | (long)rounding << 8 | (signed ? 1L << 12 : 0) | (long)fractionBits << 16 | (exact ? 1L << 24 : 0) | code << 25;
    }

    /// <summary>Source size in bytes.</summary>
    public static int SourceSize(long immediate) => (int)(immediate & 0xFF);

    /// <summary>Rounding mode.</summary>
    public static FpRounding Rounding(long immediate) => (FpRounding)((immediate >> 8) & 7);

    /// <summary>Signed integer operand or result.</summary>
    public static bool IsSigned(long immediate) => ((immediate >> 12) & 1) != 0;

    /// <summary>Fraction bits of a fixed-point operand or result.</summary>
    public static int FractionBits(long immediate) => (int)((immediate >> 16) & 0xFF);

    /// <summary>Bytes a vector conversion covers: 16, 8 (the 64-bit forms), or 4 or 2 (the scalar forms).</summary>
    public static int DataSize(long immediate) => ((immediate >> 25) & 3) switch { 0 => 16, 1 => 8, 2 => 4, _ => 2 };

    /// <summary>FRINTX: signal inexact when the value changed.</summary>
    public static bool RaisesInexact(long immediate) => ((immediate >> 24) & 1) != 0;
}
