using System.Numerics;
using Captive.Core.IR;

namespace Captive.Core.Interpreter;

// FPRecipEstimate, FPRSqrtEstimate, FPRecpX, FPRecipStepFused and FPRSqrtStepFused (ARM DDI 0487, shared
// pseudocode; ARMv8.0, without FEAT_RPRES). The estimates work on the operand's bits: an 8-bit table value
// from RecipEstimate/RecipSqrtEstimate and an exponent computed from the biased exponent field.
public static partial class ArmFloat
{
    /// <summary>RecipEstimate: 256 ≤ <paramref name="a"/> &lt; 512 (a fixed-point value in [0.5, 1)) to its reciprocal in 256–511.</summary>
    internal static int RecipEstimate(int a)
    {
        a = a * 2 + 1;
        int b = (1 << 19) / a;
        return (b + 1) / 2;
    }

    /// <summary>RecipSqrtEstimate: 128 ≤ <paramref name="a"/> &lt; 512 (a value in [0.25, 1)) to 1/√ in 256–511.</summary>
    internal static int RecipSqrtEstimate(int a)
    {
        if (a < 256) a = a * 2 + 1;
        else a = (((a >> 1) << 1) + 1) * 2;
        long b = 512;
        while (a * (b + 1) * (b + 1) < 1L << 28) b++;
        return (int)((b + 1) / 2);
    }

    /// <summary>FPRecipEstimate (FRECPE).</summary>
    public static ulong RecipEstimate(ulong a, int format, uint fpcr, ref FpExceptions exceptions)
    {
        var t = Unpack(a, format, fpcr, ref exceptions, out bool sign, out int exp, out ulong sig);
        if (IsNaN(t)) return ProcessNaN(t, a, format, fpcr, ref exceptions);
        if (t == FpType.Infinity) return Zero(sign, format);
        if (t == FpType.Zero)
        {
            exceptions |= FpExceptions.DivideByZero;
            return Infinity(sign, format);
        }
        int log2 = exp + 63 - BitOperations.LeadingZeroCount(sig); // floor(log2(|value|))
        int tiny = format switch { 2 => -16, 4 => -128, _ => -1024 };
        if (log2 < tiny)
        {
            bool toInfinity = RoundingMode(fpcr) switch
            {
                FpRounding.TieEven => true,
                FpRounding.PlusInfinity => !sign,
                FpRounding.MinusInfinity => sign,
                _ => false,
            };
            exceptions |= FpExceptions.Overflow | FpExceptions.Inexact;
            return toInfinity ? Infinity(sign, format) : MaxNormal(sign, format);
        }
        if (FlushesToZero(format, fpcr) && log2 >= (format == 4 ? 126 : 1022))
        {
            exceptions |= FpExceptions.Underflow;
            return Zero(sign, format);
        }

        // Scale to a fixed-point value in [0.5, 1) in steps of 1/512: the fraction as 52 bits, like a double's.
        int f = FracBits(format);
        ulong fraction = (a & ((1ul << f) - 1)) << (52 - f);
        int biased = (int)((a & Mask(format)) >> f) & ((1 << ExpBits(format)) - 1);
        if (biased == 0)
        {
            if ((fraction >> 51) == 0)
            {
                biased = -1;
                fraction = (fraction << 2) & ((1ul << 52) - 1);
            }
            else
            {
                fraction = (fraction << 1) & ((1ul << 52) - 1);
            }
        }
        int scaled = (int)(0x100 | (fraction >> 44));
        int resultExp = 2 * Bias(format) - 1 - biased;
        ulong estimate = (ulong)RecipEstimate(scaled) & 0xFF;
        fraction = estimate << 44;
        if (resultExp == 0)
        {
            fraction = (1ul << 51) | (fraction >> 1);
        }
        else if (resultExp == -1)
        {
            fraction = (1ul << 50) | (fraction >> 2);
            resultExp = 0;
        }
        return Zero(sign, format) | ((ulong)resultExp << f) | (fraction >> (52 - f));
    }

    /// <summary>FPRSqrtEstimate (FRSQRTE).</summary>
    public static ulong RSqrtEstimate(ulong a, int format, uint fpcr, ref FpExceptions exceptions)
    {
        var t = Unpack(a, format, fpcr, ref exceptions, out bool sign, out _, out _);
        if (IsNaN(t)) return ProcessNaN(t, a, format, fpcr, ref exceptions);
        if (t == FpType.Zero)
        {
            exceptions |= FpExceptions.DivideByZero;
            return Infinity(sign, format);
        }
        if (sign) return InvalidDefaultNaN(format, ref exceptions);
        if (t == FpType.Infinity) return Zero(false, format);

        int f = FracBits(format);
        ulong fraction = (a & ((1ul << f) - 1)) << (52 - f);
        int biased = (int)((a & Mask(format)) >> f) & ((1 << ExpBits(format)) - 1);
        if (biased == 0)
        {
            while ((fraction >> 51) == 0)
            {
                fraction <<= 1;
                biased--;
            }
            fraction = (fraction << 1) & ((1ul << 52) - 1);
        }
        int scaled = (biased & 1) == 0 ? (int)(0x100 | (fraction >> 44)) : (int)(0x80 | (fraction >> 45));
        int resultExp = (3 * Bias(format) - 1 - biased) >> 1; // floor division: the ARM ARM's DIV
        ulong estimate = (ulong)RecipSqrtEstimate(scaled) & 0xFF;
        return ((ulong)resultExp << f) | (estimate << (f - 8));
    }

    /// <summary>FPRecpX (FRECPX): the exponent field inverted (a zero or denormal exponent gives the largest finite one), fraction zero.</summary>
    public static ulong RecipExponent(ulong a, int format, uint fpcr, ref FpExceptions exceptions)
    {
        var t = Unpack(a, format, fpcr, ref exceptions, out bool sign, out _, out _);
        if (IsNaN(t)) return ProcessNaN(t, a, format, fpcr, ref exceptions);
        int f = FracBits(format), max = (1 << ExpBits(format)) - 1;
        int biased = (int)((a & Mask(format)) >> f) & max;
        int exp = biased == 0 ? max - 1 : ~biased & max;
        return Zero(sign, format) | ((ulong)exp << f);
    }

    /// <summary>FPRecipStepFused (FRECPS): 2 − <paramref name="a"/> × <paramref name="b"/> with one rounding; 0 × ∞ gives 2.</summary>
    public static ulong RecipStep(ulong a, ulong b, int format, uint fpcr, ref FpExceptions exceptions)
        => Step(a, b, two: true, format, fpcr, ref exceptions);

    /// <summary>FPRSqrtStepFused (FRSQRTS): (3 − <paramref name="a"/> × <paramref name="b"/>) / 2 with one rounding; 0 × ∞ gives 1.5.</summary>
    public static ulong RSqrtStep(ulong a, ulong b, int format, uint fpcr, ref FpExceptions exceptions)
        => Step(a, b, two: false, format, fpcr, ref exceptions);

    private static ulong Step(ulong a, ulong b, bool two, int format, uint fpcr, ref FpExceptions exceptions)
    {
        a = (a ^ SignBit(format)) & Mask(format); // op1 = FPNeg(op1), before the NaN checks (a NaN keeps the flipped sign)
        var t1 = Unpack(a, format, fpcr, ref exceptions, out _, out _, out _);
        var t2 = Unpack(b, format, fpcr, ref exceptions, out _, out _, out _);
        if (ProcessNaNs(t1, t2, a, b, format, fpcr, ref exceptions, out ulong nan)) return nan;
        bool inf1 = t1 == FpType.Infinity, inf2 = t2 == FpType.Infinity;
        bool zero1 = t1 == FpType.Zero, zero2 = t2 == FpType.Zero;
        ulong half = 1ul << (FracBits(format) - 1); // 0.5 in the fraction of 1.0 or 2.0: 1.5 and 3.0
        if ((inf1 && zero2) || (zero1 && inf2))
            return two ? Two(false, format) : ((ulong)Bias(format) << FracBits(format)) | half;
        ulong addend = two ? Two(false, format) : Two(false, format) | half;
        return MulAddScaled(addend, a, b, two ? 0 : -1, format, fpcr, ref exceptions);
    }
}
