using System.Numerics;
using System.Runtime.CompilerServices;
using Captive.Core.IR;

namespace Captive.Core.Interpreter;

/// <summary>The FPSR cumulative exception bits, at their FPSR bit positions.</summary>
[Flags]
public enum FpExceptions : uint
{
    /// <summary>No exception.</summary>
    None = 0,
    /// <summary>IOC: invalid operation.</summary>
    InvalidOperation = 1u << 0,
    /// <summary>DZC: division by zero.</summary>
    DivideByZero = 1u << 1,
    /// <summary>OFC: overflow.</summary>
    Overflow = 1u << 2,
    /// <summary>UFC: underflow (tininess detected before rounding), or an output flushed to zero.</summary>
    Underflow = 1u << 3,
    /// <summary>IXC: inexact.</summary>
    Inexact = 1u << 4,
    /// <summary>IDC: a denormal input was flushed to zero.</summary>
    InputDenormal = 1u << 7,
}

/// <summary>
/// ARMv8.0 floating point in software, integer arithmetic only: the ARM ARM pseudocode (FPAdd, FPMulAdd,
/// FPRoundBase, FPProcessNaNs, FPConvert, FPToFixed, …) over bit patterns. Host floating point is never used
/// for a result, so directed rounding, flush-to-zero, default NaN and ARM's NaN propagation come out exactly.
/// </summary>
/// <remarks>
/// <para>
/// Formats are named by their size in bytes as the IR names them: 2 half, 4 single, 8 double. Operands are
/// bit patterns in the low bits of a <see cref="ulong"/> (higher bits are ignored); results are zero-extended.
/// <c>fpcr</c> is the FPCR value: RMode (bits 23:22), FZ (24), DN (25), AHP (26). ARMv8.0 has no FZ16, so
/// half-precision values are never flushed. Exceptions are OR-ed into <c>exceptions</c> (never cleared).
/// </para>
/// <para>
/// A finite value is held exactly as <c>significand · 2^exponent</c>. Where an operation cannot keep every bit
/// (quotients, roots, wide alignments) the lost bits are "jammed" into the lowest bit, far below the rounding
/// position, which rounds exactly like the infinitely precise value (Berkeley SoftFloat's technique).
/// </para>
/// </remarks>
public static partial class ArmFloat
{
    /// <summary>FPCR.AHP: alternative half-precision format for conversions.</summary>
    public const uint FpcrAhp = 1u << 26;
    /// <summary>FPCR.DN: NaN results are the default NaN.</summary>
    public const uint FpcrDn = 1u << 25;
    /// <summary>FPCR.FZ: flush single and double denormal inputs and outputs to zero.</summary>
    public const uint FpcrFz = 1u << 24;
    /// <summary>Position of FPCR.RMode (2 bits).</summary>
    public const int FpcrRModeShift = 22;

    private enum FpType : byte { Zero, Finite, Infinity, QNaN, SNaN }

    /// <summary>The rounding mode FPCR.RMode selects.</summary>
    public static FpRounding RoundingMode(uint fpcr) => (FpRounding)((fpcr >> FpcrRModeShift) & 3);

    /// <summary>The default NaN of a format (0x7E00, 0x7FC00000, 0x7FF8000000000000).</summary>
    public static ulong DefaultNaN(int format) => format switch
    {
        2 => 0x7E00,
        4 => 0x7FC0_0000,
        8 => 0x7FF8_0000_0000_0000,
        _ => throw BadFormat(format),
    };

    // ───── format parameters

    private static int FracBits(int format) => format switch { 2 => 10, 4 => 23, 8 => 52, _ => throw BadFormat(format) };

    private static int ExpBits(int format) => format switch { 2 => 5, 4 => 8, _ => 11 };

    private static int Bias(int format) => (1 << (ExpBits(format) - 1)) - 1;

    private static ulong SignBit(int format) => 1ul << (format * 8 - 1);

    private static ulong Mask(int format) => format == 8 ? ulong.MaxValue : (1ul << (format * 8)) - 1;

    private static ulong Zero(bool sign, int format) => sign ? SignBit(format) : 0;

    /// <summary>FPTwo: ±2.0.</summary>
    private static ulong Two(bool sign, int format) => Zero(sign, format) | ((ulong)(Bias(format) + 1) << FracBits(format));

    private static ulong Infinity(bool sign, int format) => Zero(sign, format) | ((ulong)((1 << ExpBits(format)) - 1) << FracBits(format));

    private static ulong MaxNormal(bool sign, int format) => Infinity(sign, format) - (1ul << FracBits(format)) + ((1ul << FracBits(format)) - 1);

    private static ArgumentOutOfRangeException BadFormat(int format)
        => new(nameof(format), format, "The FP format must be 2, 4 or 8 bytes.");

    private static bool FlushesToZero(int format, uint fpcr) => format != 2 && (fpcr & FpcrFz) != 0;

    private static FpRounding Resolve(FpRounding rounding, uint fpcr) => rounding == FpRounding.Dynamic ? RoundingMode(fpcr) : rounding;

    // ───── unpacking and NaNs

    /// <summary>
    /// FPUnpackBase: classifies <paramref name="bits"/>; a finite non-zero value is <c>sig · 2^exp</c>.
    /// Flushes single/double denormals when FZ is set (raising IDC); <paramref name="ahp"/> makes a half's
    /// top exponent an ordinary one.
    /// </summary>
    private static FpType Unpack(ulong bits, int format, uint fpcr, bool ahp, ref FpExceptions exceptions,
        out bool sign, out int exp, out ulong sig)
    {
        int f = FracBits(format), e = ExpBits(format);
        bits &= Mask(format);
        sign = (bits & SignBit(format)) != 0;
        int biased = (int)(bits >> f) & ((1 << e) - 1);
        ulong frac = bits & ((1ul << f) - 1);
        exp = 0;
        sig = 0;
        if (biased == 0)
        {
            if (frac == 0) return FpType.Zero;
            if (FlushesToZero(format, fpcr))
            {
                exceptions |= FpExceptions.InputDenormal;
                return FpType.Zero;
            }
            sig = frac;
            exp = 1 - Bias(format) - f;
            return FpType.Finite;
        }
        if (biased == (1 << e) - 1 && !(format == 2 && ahp))
        {
            if (frac == 0) return FpType.Infinity;
            return (frac >> (f - 1)) != 0 ? FpType.QNaN : FpType.SNaN;
        }
        sig = frac | (1ul << f);
        exp = biased - Bias(format) - f;
        return FpType.Finite;
    }

    private static FpType Unpack(ulong bits, int format, uint fpcr, ref FpExceptions exceptions, out bool sign, out int exp, out ulong sig)
        => Unpack(bits, format, fpcr, ahp: false, ref exceptions, out sign, out exp, out sig);

    private static bool IsNaN(FpType t) => t >= FpType.QNaN;

    /// <summary>FPProcessNaN: quiets a signalling NaN (raising IOC), then applies DN.</summary>
    private static ulong ProcessNaN(FpType type, ulong bits, int format, uint fpcr, ref FpExceptions exceptions)
    {
        bits &= Mask(format);
        if (type == FpType.SNaN)
        {
            bits |= 1ul << (FracBits(format) - 1);
            exceptions |= FpExceptions.InvalidOperation;
        }
        return (fpcr & FpcrDn) != 0 ? DefaultNaN(format) : bits;
    }

    /// <summary>FPProcessNaNs: the first signalling NaN, else the first quiet NaN, decides the result.</summary>
    private static bool ProcessNaNs(FpType t1, FpType t2, ulong op1, ulong op2, int format, uint fpcr, ref FpExceptions exceptions, out ulong result)
    {
        if (t1 == FpType.SNaN) result = ProcessNaN(t1, op1, format, fpcr, ref exceptions);
        else if (t2 == FpType.SNaN) result = ProcessNaN(t2, op2, format, fpcr, ref exceptions);
        else if (t1 == FpType.QNaN) result = ProcessNaN(t1, op1, format, fpcr, ref exceptions);
        else if (t2 == FpType.QNaN) result = ProcessNaN(t2, op2, format, fpcr, ref exceptions);
        else
        {
            result = 0;
            return false;
        }
        return true;
    }

    /// <summary>FPProcessNaNs3: signalling NaNs in operand order, then quiet NaNs in operand order.</summary>
    private static bool ProcessNaNs3(FpType t1, FpType t2, FpType t3, ulong op1, ulong op2, ulong op3, int format, uint fpcr,
        ref FpExceptions exceptions, out ulong result)
    {
        if (t1 == FpType.SNaN) result = ProcessNaN(t1, op1, format, fpcr, ref exceptions);
        else if (t2 == FpType.SNaN) result = ProcessNaN(t2, op2, format, fpcr, ref exceptions);
        else if (t3 == FpType.SNaN) result = ProcessNaN(t3, op3, format, fpcr, ref exceptions);
        else if (t1 == FpType.QNaN) result = ProcessNaN(t1, op1, format, fpcr, ref exceptions);
        else if (t2 == FpType.QNaN) result = ProcessNaN(t2, op2, format, fpcr, ref exceptions);
        else if (t3 == FpType.QNaN) result = ProcessNaN(t3, op3, format, fpcr, ref exceptions);
        else
        {
            result = 0;
            return false;
        }
        return true;
    }

    private static ulong InvalidDefaultNaN(int format, ref FpExceptions exceptions)
    {
        exceptions |= FpExceptions.InvalidOperation;
        return DefaultNaN(format);
    }

    // ───── rounding

    /// <summary>Whether a magnitude with the given discarded part rounds up (the case analysis of FPRoundBase, FPRoundInt and FPToFixed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool RoundsUp(FpRounding rounding, bool sign, bool odd, bool half, bool rest) => rounding switch
    {
        FpRounding.TieEven => half && (rest || odd),
        FpRounding.TieAway => half,
        FpRounding.PlusInfinity => (half || rest) && !sign,
        FpRounding.MinusInfinity => (half || rest) && sign,
        _ => false,
    };

    /// <summary>Splits <paramref name="sig"/> at bit <paramref name="shift"/> (&gt; 0): the integer part, the half bit and whether anything below it is set.</summary>
    private static UInt128 Split(UInt128 sig, int shift, out bool half, out bool rest)
    {
        if (shift > 128)
        {
            half = false;
            rest = sig != 0;
            return 0;
        }
        if (shift == 128)
        {
            half = (sig >> 127) != 0;
            rest = (sig & (UInt128.MaxValue >> 1)) != 0;
            return 0;
        }
        half = ((sig >> (shift - 1)) & 1) != 0;
        rest = (sig & ((UInt128.One << (shift - 1)) - 1)) != 0;
        return sig >> shift;
    }

    /// <summary>
    /// FPRoundBase: rounds the non-zero value <c>sig · 2^exp</c> (bit 0 of <paramref name="sig"/> may be a jam bit)
    /// to <paramref name="format"/>. Tininess is detected before rounding, both for UFC and for flushing an
    /// output to zero under FZ. <paramref name="ahp"/> selects the alternative half-precision format.
    /// </summary>
    private static ulong RoundPack(bool sign, int exp, UInt128 sig, int format, uint fpcr, FpRounding rounding, bool ahp, ref FpExceptions exceptions)
    {
        int f = FracBits(format), e = ExpBits(format);
        int minExp = 1 - Bias(format);
        int msb = 127 - (int)UInt128.LeadingZeroCount(sig);
        if (msb < 125)
        {
            sig <<= 125 - msb;
            exp -= 125 - msb;
            msb = 125;
        }
        int valueExp = exp + msb; // floor(log2(value))
        if (FlushesToZero(format, fpcr) && valueExp < minExp)
        {
            exceptions |= FpExceptions.Underflow;
            return Zero(sign, format);
        }
        int biased = valueExp >= minExp ? valueExp - minExp + 1 : 0;
        int shift = Math.Max(valueExp, minExp) - f - exp;
        ulong mant = (ulong)Split(sig, shift, out bool half, out bool rest);
        bool inexact = half || rest;
        if (biased == 0 && inexact)
            exceptions |= FpExceptions.Underflow;
        if (rounding == FpRounding.Odd && inexact)
            mant |= 1; // cannot carry: the lowest bit only becomes set
        else if (RoundsUp(rounding, sign, (mant & 1) != 0, half, rest))
        {
            mant++;
            if (mant == 1ul << f) biased = 1; // rounded up from denormal to normal
            if (mant == 1ul << (f + 1))
            {
                biased++;
                mant >>= 1;
            }
        }
        ulong result;
        if (!ahp)
        {
            if (biased >= (1 << e) - 1)
            {
                bool toInfinity = rounding switch
                {
                    FpRounding.TieEven or FpRounding.TieAway => true,
                    FpRounding.PlusInfinity => !sign,
                    FpRounding.MinusInfinity => sign,
                    _ => false,
                };
                result = toInfinity ? Infinity(sign, format) : MaxNormal(sign, format);
                exceptions |= FpExceptions.Overflow;
                inexact = true;
            }
            else
            {
                result = Zero(sign, format) | ((ulong)biased << f) | (mant & ((1ul << f) - 1));
            }
        }
        else if (biased >= 1 << e)
        {
            result = Zero(sign, format) | 0x7FFF;
            exceptions |= FpExceptions.InvalidOperation;
            inexact = false;
        }
        else
        {
            result = Zero(sign, format) | ((ulong)biased << f) | (mant & ((1ul << f) - 1));
        }
        if (inexact)
            exceptions |= FpExceptions.Inexact;
        return result;
    }

    private static ulong RoundPack(bool sign, int exp, UInt128 sig, int format, uint fpcr, ref FpExceptions exceptions)
        => RoundPack(sign, exp, sig, format, fpcr, RoundingMode(fpcr), ahp: false, ref exceptions);

    /// <summary>The sign of an exact zero sum of non-zero or opposite-signed terms: − only when rounding toward −∞.</summary>
    private static ulong ExactZero(int format, uint fpcr) => Zero(RoundingMode(fpcr) == FpRounding.MinusInfinity, format);

    private static UInt128 ShiftRightJam(UInt128 x, int d)
    {
        if (d == 0) return x;
        if (d >= 128) return x != 0 ? UInt128.One : UInt128.Zero;
        return (x >> d) | ((x & ((UInt128.One << d) - 1)) != 0 ? UInt128.One : UInt128.Zero);
    }

    /// <summary>
    /// The sum of two non-zero values of at most 110 significant bits each. Returns false when the sum is
    /// exactly zero. Both are aligned with their top bit at bit 125, so a jammed bit lies far below rounding.
    /// </summary>
    private static bool AddExact(bool sa, int ea, UInt128 ma, bool sb, int eb, UInt128 mb, out bool sign, out int exp, out UInt128 sig)
    {
        int la = 125 - (127 - (int)UInt128.LeadingZeroCount(ma));
        int lb = 125 - (127 - (int)UInt128.LeadingZeroCount(mb));
        ma <<= la; ea -= la;
        mb <<= lb; eb -= lb;
        if (ea < eb || (ea == eb && ma < mb))
        {
            (sa, ea, ma, sb, eb, mb) = (sb, eb, mb, sa, ea, ma);
        }
        mb = ShiftRightJam(mb, ea - eb);
        sign = sa;
        exp = ea;
        sig = sa == sb ? ma + mb : ma - mb;
        return sig != 0;
    }

    // ───── arithmetic

    /// <summary>FPAdd: <paramref name="a"/> + <paramref name="b"/>.</summary>
    public static ulong Add(ulong a, ulong b, int format, uint fpcr, ref FpExceptions exceptions)
        => AddOrSub(a, b, negateB: false, format, fpcr, ref exceptions);

    /// <summary>FPSub: <paramref name="a"/> − <paramref name="b"/>.</summary>
    public static ulong Sub(ulong a, ulong b, int format, uint fpcr, ref FpExceptions exceptions)
        => AddOrSub(a, b, negateB: true, format, fpcr, ref exceptions);

    private static ulong AddOrSub(ulong a, ulong b, bool negateB, int format, uint fpcr, ref FpExceptions exceptions)
    {
        var t1 = Unpack(a, format, fpcr, ref exceptions, out bool s1, out int e1, out ulong m1);
        var t2 = Unpack(b, format, fpcr, ref exceptions, out bool s2, out int e2, out ulong m2);
        if (ProcessNaNs(t1, t2, a, b, format, fpcr, ref exceptions, out ulong nan)) return nan;
        s2 ^= negateB;
        bool inf1 = t1 == FpType.Infinity, inf2 = t2 == FpType.Infinity;
        if (inf1 && inf2 && s1 != s2) return InvalidDefaultNaN(format, ref exceptions);
        if (inf1) return Infinity(s1, format);
        if (inf2) return Infinity(s2, format);
        bool zero1 = t1 == FpType.Zero, zero2 = t2 == FpType.Zero;
        if (zero1 && zero2) return s1 == s2 ? Zero(s1, format) : ExactZero(format, fpcr);
        if (zero2) return RoundPack(s1, e1, m1, format, fpcr, ref exceptions);
        if (zero1) return RoundPack(s2, e2, m2, format, fpcr, ref exceptions);
        return AddExact(s1, e1, m1, s2, e2, m2, out bool s, out int e, out UInt128 m)
            ? RoundPack(s, e, m, format, fpcr, ref exceptions)
            : ExactZero(format, fpcr);
    }

    /// <summary>FPMul: <paramref name="a"/> × <paramref name="b"/>.</summary>
    public static ulong Mul(ulong a, ulong b, int format, uint fpcr, ref FpExceptions exceptions)
        => Mul(a, b, mulX: false, format, fpcr, ref exceptions);

    /// <summary>FPMulX: <paramref name="a"/> × <paramref name="b"/>, except that 0 × ∞ is 2.0 with the XOR of the signs (no IOC).</summary>
    public static ulong MulX(ulong a, ulong b, int format, uint fpcr, ref FpExceptions exceptions)
        => Mul(a, b, mulX: true, format, fpcr, ref exceptions);

    private static ulong Mul(ulong a, ulong b, bool mulX, int format, uint fpcr, ref FpExceptions exceptions)
    {
        var t1 = Unpack(a, format, fpcr, ref exceptions, out bool s1, out int e1, out ulong m1);
        var t2 = Unpack(b, format, fpcr, ref exceptions, out bool s2, out int e2, out ulong m2);
        if (ProcessNaNs(t1, t2, a, b, format, fpcr, ref exceptions, out ulong nan)) return nan;
        bool sign = s1 ^ s2;
        bool inf1 = t1 == FpType.Infinity, inf2 = t2 == FpType.Infinity;
        bool zero1 = t1 == FpType.Zero, zero2 = t2 == FpType.Zero;
        if ((inf1 && zero2) || (zero1 && inf2))
            return mulX ? Two(sign, format) : InvalidDefaultNaN(format, ref exceptions);
        if (inf1 || inf2) return Infinity(sign, format);
        if (zero1 || zero2) return Zero(sign, format);
        return RoundPack(sign, e1 + e2, (UInt128)m1 * m2, format, fpcr, ref exceptions);
    }

    /// <summary>FPDiv: <paramref name="a"/> ÷ <paramref name="b"/>.</summary>
    public static ulong Div(ulong a, ulong b, int format, uint fpcr, ref FpExceptions exceptions)
    {
        var t1 = Unpack(a, format, fpcr, ref exceptions, out bool s1, out int e1, out ulong m1);
        var t2 = Unpack(b, format, fpcr, ref exceptions, out bool s2, out int e2, out ulong m2);
        if (ProcessNaNs(t1, t2, a, b, format, fpcr, ref exceptions, out ulong nan)) return nan;
        bool sign = s1 ^ s2;
        bool inf1 = t1 == FpType.Infinity, inf2 = t2 == FpType.Infinity;
        bool zero1 = t1 == FpType.Zero, zero2 = t2 == FpType.Zero;
        if ((inf1 && inf2) || (zero1 && zero2)) return InvalidDefaultNaN(format, ref exceptions);
        if (inf1 || zero2)
        {
            if (!inf1) exceptions |= FpExceptions.DivideByZero;
            return Infinity(sign, format);
        }
        if (zero1 || inf2) return Zero(sign, format);
        int shift = 116 - (63 - BitOperations.LeadingZeroCount(m1));
        UInt128 dividend = (UInt128)m1 << shift;
        UInt128 q = dividend / m2;
        bool remainder = q * m2 != dividend;
        return RoundPack(sign, e1 - shift - e2, q | (remainder ? UInt128.One : UInt128.Zero), format, fpcr, ref exceptions);
    }

    /// <summary>
    /// FPMulAdd: <paramref name="addend"/> + <paramref name="a"/> × <paramref name="b"/> with one rounding.
    /// A quiet-NaN addend with a 0 × ∞ product gives the default NaN and IOC.
    /// </summary>
    public static ulong MulAdd(ulong addend, ulong a, ulong b, int format, uint fpcr, ref FpExceptions exceptions)
        => MulAddScaled(addend, a, b, 0, format, fpcr, ref exceptions);

    /// <summary>
    /// (<paramref name="addend"/> + <paramref name="a"/> × <paramref name="b"/>) × 2^<paramref name="scale"/> with one
    /// rounding (<paramref name="scale"/> applies to finite non-zero results; FRSQRTS halves its sum this way).
    /// </summary>
    private static ulong MulAddScaled(ulong addend, ulong a, ulong b, int scale, int format, uint fpcr, ref FpExceptions exceptions)
    {
        var tA = Unpack(addend, format, fpcr, ref exceptions, out bool sA, out int eA, out ulong mA);
        var t1 = Unpack(a, format, fpcr, ref exceptions, out bool s1, out int e1, out ulong m1);
        var t2 = Unpack(b, format, fpcr, ref exceptions, out bool s2, out int e2, out ulong m2);
        bool inf1 = t1 == FpType.Infinity, inf2 = t2 == FpType.Infinity;
        bool zero1 = t1 == FpType.Zero, zero2 = t2 == FpType.Zero;
        bool invalidProduct = (inf1 && zero2) || (zero1 && inf2);
        bool done = ProcessNaNs3(tA, t1, t2, addend, a, b, format, fpcr, ref exceptions, out ulong result);
        if (tA == FpType.QNaN && invalidProduct) return InvalidDefaultNaN(format, ref exceptions);
        if (done) return result;

        bool infA = tA == FpType.Infinity, zeroA = tA == FpType.Zero;
        bool sP = s1 ^ s2, infP = inf1 || inf2, zeroP = zero1 || zero2;
        if (invalidProduct || (infA && infP && sA != sP)) return InvalidDefaultNaN(format, ref exceptions);
        if ((infA && !sA) || (infP && !sP)) return Infinity(false, format);
        if (infA || infP) return Infinity(true, format);
        if (zeroA && zeroP) return sA == sP ? Zero(sA, format) : ExactZero(format, fpcr);
        if (zeroP) return RoundPack(sA, eA + scale, mA, format, fpcr, ref exceptions);
        UInt128 product = (UInt128)m1 * m2;
        if (zeroA) return RoundPack(sP, e1 + e2 + scale, product, format, fpcr, ref exceptions);
        return AddExact(sA, eA, mA, sP, e1 + e2, product, out bool s, out int e, out UInt128 m)
            ? RoundPack(s, e + scale, m, format, fpcr, ref exceptions)
            : ExactZero(format, fpcr);
    }

    /// <summary>FPSqrt.</summary>
    public static ulong Sqrt(ulong a, int format, uint fpcr, ref FpExceptions exceptions)
    {
        var t = Unpack(a, format, fpcr, ref exceptions, out bool s, out int e, out ulong m);
        if (IsNaN(t)) return ProcessNaN(t, a, format, fpcr, ref exceptions);
        if (t == FpType.Zero) return Zero(s, format);
        if (t == FpType.Infinity && !s) return Infinity(false, format);
        if (s) return InvalidDefaultNaN(format, ref exceptions);
        int shift = 120 - (63 - BitOperations.LeadingZeroCount(m));
        if (((e - shift) & 1) != 0) shift++;
        UInt128 root = IntegerSqrt((UInt128)m << shift, out bool remainder);
        return RoundPack(false, (e - shift) / 2, root | (remainder ? UInt128.One : UInt128.Zero), format, fpcr, ref exceptions);
    }

    private static UInt128 IntegerSqrt(UInt128 x, out bool remainder)
    {
        UInt128 rest = x, root = 0, bit = UInt128.One << 126;
        while (bit > rest) bit >>= 2;
        while (bit != 0)
        {
            if (rest >= root + bit)
            {
                rest -= root + bit;
                root = (root >> 1) + bit;
            }
            else
            {
                root >>= 1;
            }
            bit >>= 2;
        }
        remainder = rest != 0;
        return root;
    }

    // ───── maximum, minimum, compare

    /// <summary>FPMax: the larger operand; NaNs propagate; max(+0, −0) = +0.</summary>
    public static ulong Max(ulong a, ulong b, int format, uint fpcr, ref FpExceptions exceptions)
        => MaxMin(a, b, max: true, format, fpcr, ref exceptions);

    /// <summary>FPMin: the smaller operand; NaNs propagate; min(+0, −0) = −0.</summary>
    public static ulong Min(ulong a, ulong b, int format, uint fpcr, ref FpExceptions exceptions)
        => MaxMin(a, b, max: false, format, fpcr, ref exceptions);

    /// <summary>FPMaxNum: like <see cref="Max"/>, but a single quiet NaN is treated as −∞.</summary>
    public static ulong MaxNum(ulong a, ulong b, int format, uint fpcr, ref FpExceptions exceptions)
        => MaxMinNum(a, b, max: true, format, fpcr, ref exceptions);

    /// <summary>FPMinNum: like <see cref="Min"/>, but a single quiet NaN is treated as +∞.</summary>
    public static ulong MinNum(ulong a, ulong b, int format, uint fpcr, ref FpExceptions exceptions)
        => MaxMinNum(a, b, max: false, format, fpcr, ref exceptions);

    private static ulong MaxMinNum(ulong a, ulong b, bool max, int format, uint fpcr, ref FpExceptions exceptions)
    {
        var t1 = Unpack(a, format, fpcr, ref exceptions, out _, out _, out _);
        var t2 = Unpack(b, format, fpcr, ref exceptions, out _, out _, out _);
        if (t1 == FpType.QNaN && t2 != FpType.QNaN) a = Infinity(max, format);
        else if (t1 != FpType.QNaN && t2 == FpType.QNaN) b = Infinity(max, format);
        return MaxMin(a, b, max, format, fpcr, ref exceptions);
    }

    private static ulong MaxMin(ulong a, ulong b, bool max, int format, uint fpcr, ref FpExceptions exceptions)
    {
        var t1 = Unpack(a, format, fpcr, ref exceptions, out bool s1, out _, out _);
        var t2 = Unpack(b, format, fpcr, ref exceptions, out bool s2, out _, out _);
        if (ProcessNaNs(t1, t2, a, b, format, fpcr, ref exceptions, out ulong nan)) return nan;
        int c = CompareOrdered(a, t1, b, t2, format);
        bool first = max ? c > 0 : c < 0;
        FpType t = first ? t1 : t2;
        if (t == FpType.Zero) return Zero(max ? s1 && s2 : s1 || s2, format);
        return (first ? a : b) & Mask(format);
    }

    /// <summary>Orders two non-NaN operands (zeros, including flushed denormals, are equal): −1, 0 or 1.</summary>
    private static int CompareOrdered(ulong a, FpType t1, ulong b, FpType t2, int format)
    {
        long k1 = OrderKey(a, t1, format), k2 = OrderKey(b, t2, format);
        return k1.CompareTo(k2);
    }

    private static long OrderKey(ulong bits, FpType t, int format)
    {
        if (t == FpType.Zero) return 0;
        long magnitude = (long)(bits & (SignBit(format) - 1));
        return (bits & SignBit(format)) != 0 ? -magnitude : magnitude;
    }

    /// <summary>
    /// FPCompare: NZCV in bits 31:28 (equal 0110, less 1000, greater 0010, unordered 0011). A signalling NaN
    /// raises IOC; with <paramref name="signalling"/> (FCMPE) any NaN does.
    /// </summary>
    public static uint Compare(ulong a, ulong b, int format, bool signalling, uint fpcr, ref FpExceptions exceptions)
    {
        var t1 = Unpack(a, format, fpcr, ref exceptions, out _, out _, out _);
        var t2 = Unpack(b, format, fpcr, ref exceptions, out _, out _, out _);
        if (IsNaN(t1) || IsNaN(t2))
        {
            if (t1 == FpType.SNaN || t2 == FpType.SNaN || signalling)
                exceptions |= FpExceptions.InvalidOperation;
            return 0x3000_0000;
        }
        return CompareOrdered(a, t1, b, t2, format) switch
        {
            0 => 0x6000_0000u,
            < 0 => 0x8000_0000u,
            _ => 0x2000_0000u,
        };
    }
}
