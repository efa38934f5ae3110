using System.Numerics;
using Captive.Core.IR;

namespace Captive.Core.Interpreter;

// FPConvert, FPRoundInt, FPToFixed and FixedToFP.
public static partial class ArmFloat
{
    /// <summary>
    /// FPConvert: <paramref name="a"/> from format <paramref name="fromFormat"/> to <paramref name="toFormat"/>,
    /// rounded per FPCR. Half-precision operands and results use the alternative format when FPCR.AHP is set
    /// (a NaN then converts to zero and an infinity to the largest value, both raising IOC).
    /// </summary>
    public static ulong Convert(ulong a, int fromFormat, int toFormat, uint fpcr, ref FpExceptions exceptions)
        => Convert(a, fromFormat, toFormat, FpRounding.Dynamic, fpcr, ref exceptions);

    /// <summary>FPConvert with an explicit <paramref name="rounding"/> (<see cref="FpRounding.Dynamic"/>: FPCR.RMode; <see cref="FpRounding.Odd"/> for FCVTXN).</summary>
    public static ulong Convert(ulong a, int fromFormat, int toFormat, FpRounding rounding, uint fpcr, ref FpExceptions exceptions)
    {
        bool ahp = (fpcr & FpcrAhp) != 0;
        var t = Unpack(a, fromFormat, fpcr, ahp, ref exceptions, out bool s, out int e, out ulong m);
        bool altHalf = toFormat == 2 && ahp;
        switch (t)
        {
            case FpType.SNaN or FpType.QNaN:
                {
                    ulong result = altHalf ? Zero(s, toFormat)
                        : (fpcr & FpcrDn) != 0 ? DefaultNaN(toFormat)
                        : ConvertNaN(a, fromFormat, toFormat);
                    if (t == FpType.SNaN || altHalf) exceptions |= FpExceptions.InvalidOperation;
                    return result;
                }
            case FpType.Infinity:
                if (altHalf)
                {
                    exceptions |= FpExceptions.InvalidOperation;
                    return Zero(s, 2) | 0x7FFF;
                }
                return Infinity(s, toFormat);
            case FpType.Zero:
                return Zero(s, toFormat);
            default:
                return RoundPack(s, e, m, toFormat, fpcr, Resolve(rounding, fpcr), altHalf, ref exceptions);
        }
    }

    /// <summary>FPConvertNaN: the quiet NaN with the same sign and the payload's top bits.</summary>
    private static ulong ConvertNaN(ulong a, int fromFormat, int toFormat)
    {
        int ff = FracBits(fromFormat), ft = FracBits(toFormat);
        bool sign = (a & SignBit(fromFormat)) != 0;
        ulong payload = a & ((1ul << (ff - 1)) - 1); // the fraction below the quiet bit
        payload = ft >= ff ? payload << (ft - ff) : payload >> (ff - ft);
        return Infinity(sign, toFormat) | (1ul << (ft - 1)) | payload;
    }

    /// <summary>
    /// FPRoundInt: <paramref name="a"/> rounded to an integral value in the same format (<see cref="FpRounding.Dynamic"/>:
    /// FPCR.RMode). A zero result keeps the operand's sign. <paramref name="exact"/> (FRINTX) raises IXC when the value changed.
    /// </summary>
    public static ulong RoundInt(ulong a, int format, FpRounding rounding, bool exact, uint fpcr, ref FpExceptions exceptions)
    {
        rounding = Resolve(rounding, fpcr);
        var t = Unpack(a, format, fpcr, ref exceptions, out bool s, out int e, out ulong m);
        if (IsNaN(t)) return ProcessNaN(t, a, format, fpcr, ref exceptions);
        if (t == FpType.Infinity) return Infinity(s, format);
        if (t == FpType.Zero) return Zero(s, format);
        if (e >= 0) return a & Mask(format); // already integral
        UInt128 integer = Split(m, -e, out bool half, out bool rest);
        if (RoundsUp(rounding, s, (integer & 1) != 0, half, rest)) integer++;
        if ((half || rest) && exact) exceptions |= FpExceptions.Inexact;
        return integer == 0 ? Zero(s, format) : RoundPack(s, 0, integer, format, fpcr, FpRounding.Zero, ahp: false, ref exceptions);
    }

    /// <summary>
    /// FPToFixed: <paramref name="a"/> (format <paramref name="format"/>) × 2^<paramref name="fractionBits"/>, rounded
    /// per <paramref name="rounding"/> and saturated to a signed or unsigned integer of <paramref name="size"/> bytes
    /// (4 or 8, zero-extended). A NaN gives 0; saturation and NaNs raise IOC, other inexact results IXC.
    /// </summary>
    public static ulong ToFixed(ulong a, int format, int size, bool signed, int fractionBits, FpRounding rounding, uint fpcr, ref FpExceptions exceptions)
    {
        if (size is not (4 or 8)) throw new ArgumentOutOfRangeException(nameof(size));
        rounding = Resolve(rounding, fpcr);
        var t = Unpack(a, format, fpcr, ref exceptions, out bool s, out int e, out ulong m);
        int bits = size * 8;
        ulong mask = size == 8 ? ulong.MaxValue : uint.MaxValue;
        if (IsNaN(t))
        {
            exceptions |= FpExceptions.InvalidOperation;
            return 0;
        }
        if (t == FpType.Zero) return 0;

        UInt128 magnitude;
        bool inexact = false, overflow = false;
        if (t == FpType.Infinity)
        {
            magnitude = 0;
            overflow = true;
        }
        else
        {
            e += fractionBits;
            if (e >= 0)
            {
                magnitude = 0;
                if (63 - BitOperations.LeadingZeroCount(m) + e >= 66) overflow = true;
                else magnitude = (UInt128)m << e;
            }
            else
            {
                magnitude = Split(m, -e, out bool half, out bool rest);
                inexact = half || rest;
                if (RoundsUp(rounding, s, (magnitude & 1) != 0, half, rest)) magnitude++;
            }
        }

        ulong result;
        if (signed)
        {
            UInt128 limit = UInt128.One << (bits - 1); // |INT_MIN|
            if (overflow || (s ? magnitude > limit : magnitude >= limit))
            {
                overflow = true;
                result = s ? (ulong)limit : (ulong)limit - 1;
            }
            else
            {
                result = s ? 0 - (ulong)magnitude : (ulong)magnitude;
            }
        }
        else if (s)
        {
            overflow |= magnitude != 0;
            result = 0;
        }
        else
        {
            if (overflow || magnitude > mask)
            {
                overflow = true;
                result = mask;
            }
            else
            {
                result = (ulong)magnitude;
            }
        }
        if (overflow) exceptions |= FpExceptions.InvalidOperation;
        else if (inexact) exceptions |= FpExceptions.Inexact;
        return result & mask;
    }

    /// <summary>
    /// FixedToFP: the integer in the low <paramref name="size"/> bytes (4 or 8) of <paramref name="value"/>, signed or
    /// unsigned, divided by 2^<paramref name="fractionBits"/>, rounded to <paramref name="format"/> per
    /// <paramref name="rounding"/> (<see cref="FpRounding.Dynamic"/>: FPCR.RMode). Zero converts to +0.
    /// </summary>
    public static ulong FromFixed(ulong value, int size, bool signed, int fractionBits, int format, FpRounding rounding, uint fpcr, ref FpExceptions exceptions)
    {
        if (size is not (2 or 4 or 8)) throw new ArgumentOutOfRangeException(nameof(size));
        int bits = size * 8;
        bool sign = false;
        ulong magnitude;
        if (signed)
        {
            long v = size == 8 ? (long)value : (long)(value << (64 - bits)) >> (64 - bits);
            sign = v < 0;
            magnitude = sign ? 0 - (ulong)v : (ulong)v;
        }
        else
        {
            magnitude = size == 8 ? value : value & ((1ul << bits) - 1);
        }
        if (magnitude == 0) return Zero(false, format);
        return RoundPack(sign, -fractionBits, magnitude, format, fpcr, Resolve(rounding, fpcr), ahp: false, ref exceptions);
    }
}
