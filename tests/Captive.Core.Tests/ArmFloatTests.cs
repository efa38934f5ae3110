using Captive.Core.Interpreter;
using Captive.Core.IR;
using Xunit;

namespace Captive.Core.Tests;

/// <summary>
/// ArmFloat on the cases where ARM differs from plain IEEE or where the ARM ARM pseudocode states the result:
/// NaN propagation (FPProcessNaNs/FPProcessNaNs3), default NaN, flush-to-zero (FPUnpackBase, FPRoundBase),
/// tininess before rounding, FPToFixed saturation, alternative half precision. Well-known IEEE values
/// (0.1f + 0.2f, 1/3 per mode, √2) were checked with the host C library under fesetround.
/// </summary>
public sealed class ArmFloatTests
{
    private const uint RN = 0, RP = 1u << 22, RM = 2u << 22, RZ = 3u << 22;
    private const uint FZ = ArmFloat.FpcrFz, DN = ArmFloat.FpcrDn, AHP = ArmFloat.FpcrAhp;
    private const FpExceptions None = FpExceptions.None, IOC = FpExceptions.InvalidOperation, DZC = FpExceptions.DivideByZero,
        OFC = FpExceptions.Overflow, UFC = FpExceptions.Underflow, IXC = FpExceptions.Inexact, IDC = FpExceptions.InputDenormal;

    private const ulong SQNaN1 = 0x7FC0_0001, SQNaN2 = 0xFFC0_0002, SSNaN1 = 0x7F80_0001, SSNaN2 = 0xFF80_0002;

    private delegate ulong Op(uint fpcr, ref FpExceptions e);

    private static void Expect(ulong want, FpExceptions wantFlags, Op op, uint fpcr = RN)
    {
        var e = FpExceptions.None;
        ulong got = op(fpcr, ref e);
        Assert.Equal($"0x{want:x} {wantFlags}", $"0x{got:x} {e}");
    }

    [Fact]
    public void Point_one_plus_point_two_single() =>
        Expect(0x3E99999A, IXC, (uint c, ref FpExceptions e) => ArmFloat.Add(0x3DCCCCCD, 0x3E4CCCCD, 4, c, ref e));

    [Theory]
    [InlineData(RN, 0x3EAAAAABul, 0x3FD5555555555555ul)]
    [InlineData(RP, 0x3EAAAAABul, 0x3FD5555555555556ul)]
    [InlineData(RM, 0x3EAAAAAAul, 0x3FD5555555555555ul)]
    [InlineData(RZ, 0x3EAAAAAAul, 0x3FD5555555555555ul)]
    public void One_third_in_each_rounding_mode(uint mode, ulong single, ulong dbl)
    {
        Expect(single, IXC, (uint c, ref FpExceptions e) => ArmFloat.Div(0x3F800000, 0x40400000, 4, c, ref e), mode);
        Expect(dbl, IXC, (uint c, ref FpExceptions e) => ArmFloat.Div(0x3FF0000000000000, 0x4008000000000000, 8, c, ref e), mode);
        // −1/3 rounds the other way under the directed modes
        ulong negSingle = 0x8000_0000 | (mode == RP ? 0x3EAAAAAAul : mode == RM ? 0x3EAAAAABul : single);
        Expect(negSingle, IXC, (uint c, ref FpExceptions e) => ArmFloat.Div(0xBF800000, 0x40400000, 4, c, ref e), mode);
    }

    [Fact]
    public void Square_root_of_two()
    {
        Expect(0x3FF6A09E667F3BCD, IXC, (uint c, ref FpExceptions e) => ArmFloat.Sqrt(0x4000000000000000, 8, c, ref e));
        Expect(0x3FB504F3, IXC, (uint c, ref FpExceptions e) => ArmFloat.Sqrt(0x40000000, 4, c, ref e));
        Expect(0x40400000, None, (uint c, ref FpExceptions e) => ArmFloat.Sqrt(0x41100000, 4, c, ref e));
        Expect(0x80000000, None, (uint c, ref FpExceptions e) => ArmFloat.Sqrt(0x80000000, 4, c, ref e));
        Expect(0x7FC00000, IOC, (uint c, ref FpExceptions e) => ArmFloat.Sqrt(0xBF800000, 4, c, ref e));
    }

    [Fact]
    public void Fused_multiply_add_rounds_once()
    {
        // (1 + 2^-12)^2 - (1 + 2^-11) = 2^-24 exactly; a separate multiply would round the product to 1 + 2^-11 and give 0.
        Expect(0x33800000, None, (uint c, ref FpExceptions e) => ArmFloat.MulAdd(0xBF801000, 0x3F800800, 0x3F800800, 4, c, ref e));
        var e2 = FpExceptions.None;
        ulong p = ArmFloat.Mul(0x3F800800, 0x3F800800, 4, RN, ref e2);
        Assert.Equal(0ul, ArmFloat.Add(p, 0xBF801000, 4, RN, ref e2));
        // Exact zero from opposite terms: +0, or −0 when rounding toward −∞
        Expect(0x0, None, (uint c, ref FpExceptions e) => ArmFloat.MulAdd(0xBF800000, 0x3F800000, 0x3F800000, 4, c, ref e));
        Expect(0x80000000, None, (uint c, ref FpExceptions e) => ArmFloat.MulAdd(0xBF800000, 0x3F800000, 0x3F800000, 4, c, ref e), RM);
        // −0 + (−0 × +x) keeps −0; +0 + (−0 × x) is +0
        Expect(0x80000000, None, (uint c, ref FpExceptions e) => ArmFloat.MulAdd(0x80000000, 0x80000000, 0x3F800000, 4, c, ref e));
        Expect(0x0, None, (uint c, ref FpExceptions e) => ArmFloat.MulAdd(0x0, 0x80000000, 0x3F800000, 4, c, ref e));
    }

    [Fact]
    public void Fused_multiply_add_NaN_rules()
    {
        // (0 × ∞) + qNaN: default NaN and IOC (ARM), not the quiet NaN
        Expect(0x7FC00000, IOC, (uint c, ref FpExceptions e) => ArmFloat.MulAdd(SQNaN1, 0x0, 0x7F800000, 4, c, ref e));
        // signalling NaNs first, addend before the multiplicands; then quiet NaNs in the same order
        Expect(0xFFC00002, IOC, (uint c, ref FpExceptions e) => ArmFloat.MulAdd(SQNaN1, SSNaN2, 0x3F800000, 4, c, ref e));
        Expect(0x7FC00001, IOC, (uint c, ref FpExceptions e) => ArmFloat.MulAdd(SSNaN1, SSNaN2, 0x3F800000, 4, c, ref e));
        Expect(0xFFC00002, None, (uint c, ref FpExceptions e) => ArmFloat.MulAdd(0x3F800000, 0x3F800000, SQNaN2, 4, c, ref e));
        Expect(0x7FC00001, None, (uint c, ref FpExceptions e) => ArmFloat.MulAdd(SQNaN1, 0x3F800000, SQNaN2, 4, c, ref e));
        // ∞ − ∞ inside the fused operation
        Expect(0x7FC00000, IOC, (uint c, ref FpExceptions e) => ArmFloat.MulAdd(0xFF800000, 0x7F800000, 0x3F800000, 4, c, ref e));
    }

    [Fact]
    public void NaN_propagation_takes_signalling_first_and_quiets_it()
    {
        Expect(0xFFC00002, IOC, (uint c, ref FpExceptions e) => ArmFloat.Add(SQNaN1, SSNaN2, 4, c, ref e));
        Expect(0x7FC00001, None, (uint c, ref FpExceptions e) => ArmFloat.Add(SQNaN1, SQNaN2, 4, c, ref e));
        Expect(0xFFC00002, None, (uint c, ref FpExceptions e) => ArmFloat.Mul(0x3F800000, SQNaN2, 4, c, ref e));
        Expect(0x7FF8000000000001, IOC, (uint c, ref FpExceptions e) => ArmFloat.Sub(0x7FF0000000000001, 0x7FF8000000000002, 8, c, ref e));
        // the sign of a NaN operand is kept (no negation for subtraction)
        Expect(0xFFC00002, None, (uint c, ref FpExceptions e) => ArmFloat.Sub(0x3F800000, SQNaN2, 4, c, ref e));
    }

    [Fact]
    public void Default_NaN_mode()
    {
        Expect(0x7FC00000, IOC, (uint c, ref FpExceptions e) => ArmFloat.Add(SQNaN1, SSNaN2, 4, c, ref e), DN);
        Expect(0x7FC00000, None, (uint c, ref FpExceptions e) => ArmFloat.Add(SQNaN2, 0, 4, c, ref e), DN);
        Expect(0x7FF8000000000000, IOC, (uint c, ref FpExceptions e) => ArmFloat.Div(0, 0, 8, c, ref e));
        Expect(0x7FF8000000000000, IOC, (uint c, ref FpExceptions e) => ArmFloat.Add(0x7FF0000000000000, 0xFFF0000000000000, 8, c, ref e));
        Expect(0x7FC00000, IOC, (uint c, ref FpExceptions e) => ArmFloat.Mul(0x80000000, 0x7F800000, 4, c, ref e));
        Expect(0x7E00, None, (uint c, ref FpExceptions e) => ArmFloat.Convert(0x7FC12345, 4, 2, c, ref e), DN);
    }

    [Fact]
    public void Division_by_zero()
    {
        Expect(0xFF800000, DZC, (uint c, ref FpExceptions e) => ArmFloat.Div(0xBF800000, 0x0, 4, c, ref e));
        Expect(0x7F800000, None, (uint c, ref FpExceptions e) => ArmFloat.Div(0xFF800000, 0x80000000, 4, c, ref e));
    }

    [Fact]
    public void Denormals_without_flush_to_zero()
    {
        // 2^-100 × 2^-30 = 2^-130, an exact denormal: no UFC (underflow needs inexactness)
        Expect(0x00080000, None, (uint c, ref FpExceptions e) => ArmFloat.Mul(0x0D800000, 0x30800000, 4, c, ref e));
        // smallest denormal / 2 ties to even → 0, inexact and tiny
        Expect(0x0, UFC | IXC, (uint c, ref FpExceptions e) => ArmFloat.Mul(0x00000001, 0x3F000000, 4, c, ref e));
        // denormal inputs are used as they are
        Expect(0x00000003, None, (uint c, ref FpExceptions e) => ArmFloat.Add(0x00000001, 0x00000002, 4, c, ref e));
    }

    [Fact]
    public void Tininess_is_detected_before_rounding()
    {
        // (1 − 2^-24) × 2^-126 rounds up to 2^-126, the smallest normal; it was tiny before rounding, so UFC
        Expect(0x00800000, UFC | IXC, (uint c, ref FpExceptions e) => ArmFloat.Mul(0x3F7FFFFF, 0x00800000, 4, c, ref e));
        // … and under FZ it is flushed to zero (UFC, no IXC)
        Expect(0x0, UFC, (uint c, ref FpExceptions e) => ArmFloat.Mul(0x3F7FFFFF, 0x00800000, 4, c, ref e), FZ);
    }

    [Fact]
    public void Flush_to_zero()
    {
        // denormal inputs become zero with IDC, keeping their sign
        Expect(0x0, IDC, (uint c, ref FpExceptions e) => ArmFloat.Add(0x00000001, 0x00000002, 4, c, ref e), FZ);
        Expect(0x80000000, IDC, (uint c, ref FpExceptions e) => ArmFloat.Mul(0x80000001, 0x3F800000, 4, c, ref e), FZ);
        Expect(0x3F800000, IDC, (uint c, ref FpExceptions e) => ArmFloat.Add(0x007FFFFF, 0x3F800000, 4, c, ref e), FZ);
        // a denormal result is flushed with UFC, even when it is exact
        Expect(0x0, UFC, (uint c, ref FpExceptions e) => ArmFloat.Mul(0x0D800000, 0x30800000, 4, c, ref e), FZ);
        Expect(0x8000000000000000, UFC, (uint c, ref FpExceptions e) => ArmFloat.Sub(0x8018000000000000, 0x8010000000000000, 8, c, ref e), FZ);
        // IDC even when the other operand is a NaN
        Expect(0x7FC00001, IDC, (uint c, ref FpExceptions e) => ArmFloat.Add(SQNaN1, 0x00000001, 4, c, ref e), FZ);
        // half precision is never flushed in ARMv8.0 (no FZ16)
        Expect(0x0002, None, (uint c, ref FpExceptions e) => ArmFloat.Add(0x0001, 0x0001, 2, c, ref e), FZ);
        // a single denormal converted to double is flushed on input
        Expect(0x0, IDC, (uint c, ref FpExceptions e) => ArmFloat.Convert(0x00000001, 4, 8, c, ref e), FZ);
    }

    [Fact]
    public void MulX_gives_two_for_zero_times_infinity()
    {
        // FPMulX: (inf1 && zero2) || (zero1 && inf2) → FPTwo(sign1 EOR sign2), no exception
        Expect(0x40000000, None, (uint c, ref FpExceptions e) => ArmFloat.MulX(0x0, 0x7F800000, 4, c, ref e));
        Expect(0xC0000000, None, (uint c, ref FpExceptions e) => ArmFloat.MulX(0xFF800000, 0x0, 4, c, ref e));
        Expect(0xC000000000000000, None, (uint c, ref FpExceptions e) => ArmFloat.MulX(0x7FF0000000000000, 0x8000000000000000, 8, c, ref e));
        Expect(0x4000, None, (uint c, ref FpExceptions e) => ArmFloat.MulX(0x8000, 0xFC00, 2, c, ref e));
        // a denormal flushed by FZ counts as zero (IDC); without FZ it is a finite value and the product infinite
        Expect(0xC0000000, IDC, (uint c, ref FpExceptions e) => ArmFloat.MulX(0x80000001, 0x7F800000, 4, c, ref e), FZ);
        Expect(0xFF800000, None, (uint c, ref FpExceptions e) => ArmFloat.MulX(0x80000001, 0x7F800000, 4, c, ref e));
    }

    [Fact]
    public void MulX_processes_NaNs_first_and_otherwise_multiplies_like_Mul()
    {
        Expect(0xFFC00002, IOC, (uint c, ref FpExceptions e) => ArmFloat.MulX(0x0, SSNaN2, 4, c, ref e));
        Expect(0x7FC00001, None, (uint c, ref FpExceptions e) => ArmFloat.MulX(SQNaN1, 0x7F800000, 4, c, ref e));
        Expect(0x7FC00000, None, (uint c, ref FpExceptions e) => ArmFloat.MulX(SQNaN1, 0x0, 4, c, ref e), DN);
        // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24: a tie, to even
        Expect(0x3F801000, IXC, (uint c, ref FpExceptions e) => ArmFloat.MulX(0x3F800800, 0x3F800800, 4, c, ref e));
        Expect(0xFF800000, None, (uint c, ref FpExceptions e) => ArmFloat.MulX(0x7F800000, 0xBF800000, 4, c, ref e));
        Expect(0x80000000, None, (uint c, ref FpExceptions e) => ArmFloat.MulX(0x80000000, 0x3F800000, 4, c, ref e));
    }

    [Fact]
    public void Overflow_by_rounding_mode()
    {
        Expect(0x7F800000, OFC | IXC, (uint c, ref FpExceptions e) => ArmFloat.Mul(0x7F000000, 0x40000000, 4, c, ref e));
        Expect(0x7F7FFFFF, OFC | IXC, (uint c, ref FpExceptions e) => ArmFloat.Mul(0x7F000000, 0x40000000, 4, c, ref e), RZ);
        Expect(0x7F7FFFFF, OFC | IXC, (uint c, ref FpExceptions e) => ArmFloat.Mul(0x7F000000, 0x40000000, 4, c, ref e), RM);
        Expect(0xFF800000, OFC | IXC, (uint c, ref FpExceptions e) => ArmFloat.Mul(0xFF000000, 0x40000000, 4, c, ref e), RM);
        Expect(0xFF7FFFFF, OFC | IXC, (uint c, ref FpExceptions e) => ArmFloat.Mul(0xFF000000, 0x40000000, 4, c, ref e), RP);
    }

    [Fact]
    public void Exact_zero_sums_take_the_rounding_mode_sign()
    {
        Expect(0x0, None, (uint c, ref FpExceptions e) => ArmFloat.Add(0x3F800000, 0xBF800000, 4, c, ref e));
        Expect(0x80000000, None, (uint c, ref FpExceptions e) => ArmFloat.Add(0x3F800000, 0xBF800000, 4, c, ref e), RM);
        Expect(0x80000000, None, (uint c, ref FpExceptions e) => ArmFloat.Add(0x80000000, 0x80000000, 4, c, ref e));
        Expect(0x0, None, (uint c, ref FpExceptions e) => ArmFloat.Add(0x80000000, 0x0, 4, c, ref e));
        Expect(0x80000000, None, (uint c, ref FpExceptions e) => ArmFloat.Sub(0x80000000, 0x0, 4, c, ref e));
        Expect(0x80000000, None, (uint c, ref FpExceptions e) => ArmFloat.Sub(0x0, 0x0, 4, c, ref e), RM);
    }

    [Fact]
    public void Maximum_and_minimum()
    {
        Expect(0x0, None, (uint c, ref FpExceptions e) => ArmFloat.Max(0x80000000, 0x0, 4, c, ref e));
        Expect(0x80000000, None, (uint c, ref FpExceptions e) => ArmFloat.Min(0x0, 0x80000000, 4, c, ref e));
        Expect(0x40000000, None, (uint c, ref FpExceptions e) => ArmFloat.Max(0xC0400000, 0x40000000, 4, c, ref e));
        Expect(0xC0400000, None, (uint c, ref FpExceptions e) => ArmFloat.Min(0xC0400000, 0x40000000, 4, c, ref e));
        Expect(0x7FC00001, None, (uint c, ref FpExceptions e) => ArmFloat.Max(SQNaN1, 0x40000000, 4, c, ref e));
        Expect(0x40000000, None, (uint c, ref FpExceptions e) => ArmFloat.MaxNum(SQNaN1, 0x40000000, 4, c, ref e));
        Expect(0xC0400000, None, (uint c, ref FpExceptions e) => ArmFloat.MinNum(0xC0400000, SQNaN2, 4, c, ref e));
        Expect(0x7FC00001, None, (uint c, ref FpExceptions e) => ArmFloat.MinNum(SQNaN1, SQNaN2, 4, c, ref e));
        Expect(0xFFC00002, IOC, (uint c, ref FpExceptions e) => ArmFloat.MaxNum(SSNaN2, 0x40000000, 4, c, ref e));
        Expect(0xFFC00002, IOC, (uint c, ref FpExceptions e) => ArmFloat.MaxNum(SQNaN1, SSNaN2, 4, c, ref e));
        Expect(0xFF800000, None, (uint c, ref FpExceptions e) => ArmFloat.MaxNum(0xFF800000, SQNaN2, 4, c, ref e));
        // a flushed denormal is a zero: max(+denormal, −0) = +0 with IDC
        Expect(0x0, IDC, (uint c, ref FpExceptions e) => ArmFloat.Max(0x00000001, 0x80000000, 4, c, ref e), FZ);
        Expect(0x00000001, None, (uint c, ref FpExceptions e) => ArmFloat.Max(0x00000001, 0x80000000, 4, c, ref e));
    }

    [Theory]
    [InlineData(0x3F800000ul, 0x40000000ul, false, 0x8000_0000u, None)]
    [InlineData(0x40000000ul, 0x3F800000ul, false, 0x2000_0000u, None)]
    [InlineData(0x80000000ul, 0x00000000ul, false, 0x6000_0000u, None)]
    [InlineData(0xFF800000ul, 0x7F800000ul, false, 0x8000_0000u, None)]
    [InlineData(0x7FC00000ul, 0x3F800000ul, false, 0x3000_0000u, None)]
    [InlineData(0x7FC00000ul, 0x3F800000ul, true, 0x3000_0000u, IOC)]
    [InlineData(0x3F800000ul, 0x7F800001ul, false, 0x3000_0000u, IOC)]
    public void Compare_gives_NZCV(ulong a, ulong b, bool signalling, uint nzcv, FpExceptions flags) =>
        Expect(nzcv, flags, (uint c, ref FpExceptions e) => ArmFloat.Compare(a, b, 4, signalling, c, ref e));

    [Theory]
    [InlineData(0x4020000000000000ul, FpRounding.TieEven, 8ul, None)]            // 8.0 exact
    [InlineData(0x4004000000000000ul, FpRounding.TieEven, 2ul, IXC)]             // 2.5 → 2
    [InlineData(0x4004000000000000ul, FpRounding.TieAway, 3ul, IXC)]             // 2.5 → 3
    [InlineData(0xC004000000000000ul, FpRounding.TieAway, 0xFFFFFFFFFFFFFFFDul, IXC)] // −2.5 → −3
    [InlineData(0xC004000000000000ul, FpRounding.TieEven, 0xFFFFFFFFFFFFFFFEul, IXC)] // −2.5 → −2
    [InlineData(0xC004000000000000ul, FpRounding.MinusInfinity, 0xFFFFFFFFFFFFFFFDul, IXC)]
    [InlineData(0xC004000000000000ul, FpRounding.PlusInfinity, 0xFFFFFFFFFFFFFFFEul, IXC)]
    [InlineData(0xC004000000000000ul, FpRounding.Zero, 0xFFFFFFFFFFFFFFFEul, IXC)]
    [InlineData(0x7FF8000000000000ul, FpRounding.Zero, 0ul, IOC)]                // NaN → 0
    [InlineData(0x7FF0000000000000ul, FpRounding.Zero, 0x7FFFFFFFFFFFFFFFul, IOC)]
    [InlineData(0xFFF0000000000000ul, FpRounding.Zero, 0x8000000000000000ul, IOC)]
    [InlineData(0x43E0000000000000ul, FpRounding.Zero, 0x7FFFFFFFFFFFFFFFul, IOC)] // 2^63
    [InlineData(0xC3E0000000000000ul, FpRounding.Zero, 0x8000000000000000ul, None)] // −2^63 fits
    public void Double_to_signed_64(ulong a, FpRounding rounding, ulong want, FpExceptions flags) =>
        Expect(want, flags, (uint c, ref FpExceptions e) => ArmFloat.ToFixed(a, 8, 8, signed: true, 0, rounding, c, ref e));

    [Fact]
    public void To_32_bit_integers_saturate()
    {
        Expect(0x7FFFFFFF, IOC, (uint c, ref FpExceptions e) => ArmFloat.ToFixed(0x4F000000, 4, 4, true, 0, FpRounding.Zero, c, ref e)); // 2^31
        Expect(0x80000000, None, (uint c, ref FpExceptions e) => ArmFloat.ToFixed(0xCF000000, 4, 4, true, 0, FpRounding.Zero, c, ref e));
        Expect(0xFFFFFFFF, IOC, (uint c, ref FpExceptions e) => ArmFloat.ToFixed(0x4F800000, 4, 4, false, 0, FpRounding.Zero, c, ref e)); // 2^32
        Expect(0x0, IOC, (uint c, ref FpExceptions e) => ArmFloat.ToFixed(0xBF800000, 4, 4, false, 0, FpRounding.Zero, c, ref e));      // −1 unsigned
        Expect(0x0, IXC, (uint c, ref FpExceptions e) => ArmFloat.ToFixed(0xBF000000, 4, 4, false, 0, FpRounding.Zero, c, ref e));      // −0.5 → 0
        Expect(0x0, IOC, (uint c, ref FpExceptions e) => ArmFloat.ToFixed(0xBF400000, 4, 4, false, 0, FpRounding.TieEven, c, ref e));   // −0.75 → −1
        Expect(0x0, IDC, (uint c, ref FpExceptions e) => ArmFloat.ToFixed(0x00000001, 4, 4, true, 0, FpRounding.PlusInfinity, c, ref e), FZ);
        Expect(0x1, IXC, (uint c, ref FpExceptions e) => ArmFloat.ToFixed(0x00000001, 4, 4, true, 0, FpRounding.PlusInfinity, c, ref e));
    }

    [Fact]
    public void Fixed_point_conversions()
    {
        // 1.75 with 4 fraction bits = 28; 0x1C with 4 fraction bits = 1.75
        Expect(28, None, (uint c, ref FpExceptions e) => ArmFloat.ToFixed(0x3FE00000, 4, 4, true, 4, FpRounding.Zero, c, ref e));
        Expect(0x3FE00000, None, (uint c, ref FpExceptions e) => ArmFloat.FromFixed(28, 4, true, 4, 4, FpRounding.Dynamic, c, ref e));
        Expect(0xBFE00000, None, (uint c, ref FpExceptions e) => ArmFloat.FromFixed(0xFFFFFFE4, 4, true, 4, 4, FpRounding.Dynamic, c, ref e));
        // 64 fraction bits: 1 = 2^-64
        Expect(0x3BF0000000000000, None, (uint c, ref FpExceptions e) => ArmFloat.FromFixed(1, 8, false, 64, 8, FpRounding.Dynamic, c, ref e));
        // UINT64_MAX → 2^64 in single (round to nearest), 0x5F7FFFFF toward zero
        Expect(0x5F800000, IXC, (uint c, ref FpExceptions e) => ArmFloat.FromFixed(ulong.MaxValue, 8, false, 0, 4, FpRounding.Dynamic, c, ref e));
        Expect(0x5F7FFFFF, IXC, (uint c, ref FpExceptions e) => ArmFloat.FromFixed(ulong.MaxValue, 8, false, 0, 4, FpRounding.Dynamic, c, ref e), RZ);
        Expect(0xDF000000, None, (uint c, ref FpExceptions e) => ArmFloat.FromFixed(0x8000000000000000, 8, true, 0, 4, FpRounding.Dynamic, c, ref e));
        Expect(0x0, None, (uint c, ref FpExceptions e) => ArmFloat.FromFixed(0, 8, true, 3, 8, FpRounding.Dynamic, c, ref e), RM);
    }

    [Theory]
    [InlineData(0x3F000000ul, FpRounding.TieAway, 0x3F800000ul)]    // 0.5 → 1
    [InlineData(0x3F000000ul, FpRounding.TieEven, 0x0ul)]           // 0.5 → +0
    [InlineData(0xBF000000ul, FpRounding.TieEven, 0x80000000ul)]    // −0.5 → −0
    [InlineData(0xBEA00000ul, FpRounding.PlusInfinity, 0x80000000ul)] // −0.3125 → −0
    [InlineData(0xBEA00000ul, FpRounding.MinusInfinity, 0xBF800000ul)]
    [InlineData(0x40300000ul, FpRounding.TieEven, 0x40400000ul)]    // 2.75 → 3
    [InlineData(0x40300000ul, FpRounding.Zero, 0x40000000ul)]
    [InlineData(0x4B000001ul, FpRounding.TieEven, 0x4B000001ul)]    // 2^23 + 1 is integral
    [InlineData(0x7F800001ul, FpRounding.Zero, 0x7FC00001ul)]       // sNaN quieted
    public void Round_to_integral(ulong a, FpRounding rounding, ulong want)
    {
        var e = FpExceptions.None;
        Assert.Equal(want, ArmFloat.RoundInt(a, 4, rounding, exact: false, 0, ref e));
        Assert.Equal(a == 0x7F800001 ? IOC : None, e);
    }

    [Fact]
    public void Round_to_integral_exact_raises_inexact()
    {
        Expect(0x40400000, IXC, (uint c, ref FpExceptions e) => ArmFloat.RoundInt(0x40300000, 4, FpRounding.Dynamic, true, c, ref e));
        Expect(0x40000000, IXC, (uint c, ref FpExceptions e) => ArmFloat.RoundInt(0x40300000, 4, FpRounding.Dynamic, true, c, ref e), RM);
        Expect(0x40000000, None, (uint c, ref FpExceptions e) => ArmFloat.RoundInt(0x40000000, 4, FpRounding.Dynamic, true, c, ref e));
    }

    [Fact]
    public void Half_precision_conversions()
    {
        Expect(0x3C00, None, (uint c, ref FpExceptions e) => ArmFloat.Convert(0x3F800000, 4, 2, c, ref e));
        Expect(0x3FF0000000000000, None, (uint c, ref FpExceptions e) => ArmFloat.Convert(0x3C00, 2, 8, c, ref e));
        Expect(0x7C00, OFC | IXC, (uint c, ref FpExceptions e) => ArmFloat.Convert(0x47800000, 4, 2, c, ref e));      // 65536 → +∞
        Expect(0x7BFF, OFC | IXC, (uint c, ref FpExceptions e) => ArmFloat.Convert(0x47800000, 4, 2, c, ref e), RZ);
        Expect(0x0001, UFC | IXC, (uint c, ref FpExceptions e) => ArmFloat.Convert(0x33A00000, 4, 2, c, ref e));      // 1.25·2^-24 → 2^-24
        Expect(0x0002, UFC | IXC, (uint c, ref FpExceptions e) => ArmFloat.Convert(0x33C00000, 4, 2, c, ref e));      // 1.5·2^-24 ties to 2·2^-24
        Expect(0x7E00, IOC, (uint c, ref FpExceptions e) => ArmFloat.Convert(0x7F800001, 4, 2, c, ref e));            // sNaN, payload lost
        Expect(0x7FC00000 | (0x155ul << 13), None, (uint c, ref FpExceptions e) => ArmFloat.Convert(0x7F55, 2, 4, c, ref e)); // qNaN widened
        Expect(0x7FF8000000000000 | (0x1ul << 42), None, (uint c, ref FpExceptions e) => ArmFloat.Convert(0x7E01, 2, 8, c, ref e));
    }

    [Fact]
    public void Alternative_half_precision()
    {
        // 65536 is a normal number in AHP (exponent 31): 0x7C00; the largest is 131008 = 0x7FFF
        Expect(0x7C00, None, (uint c, ref FpExceptions e) => ArmFloat.Convert(0x47800000, 4, 2, c, ref e), AHP);
        Expect(0x47800000, None, (uint c, ref FpExceptions e) => ArmFloat.Convert(0x7C00, 2, 4, c, ref e), AHP);
        Expect(0x47FFE000, None, (uint c, ref FpExceptions e) => ArmFloat.Convert(0x7FFF, 2, 4, c, ref e), AHP);
        // too large: the largest value with IOC, no IXC; infinity likewise; NaN → zero with IOC
        Expect(0x7FFF, IOC, (uint c, ref FpExceptions e) => ArmFloat.Convert(0x49742400, 4, 2, c, ref e), AHP);
        Expect(0xFFFF, IOC, (uint c, ref FpExceptions e) => ArmFloat.Convert(0xFF800000, 4, 2, c, ref e), AHP);
        Expect(0x8000, IOC, (uint c, ref FpExceptions e) => ArmFloat.Convert(0xFFC00000, 4, 2, c, ref e), AHP);
        // an IEEE half's infinity encoding
        Expect(0x7F800000, None, (uint c, ref FpExceptions e) => ArmFloat.Convert(0x7C00, 2, 4, c, ref e));
    }

    [Fact]
    public void Double_NaN_narrowed_keeps_top_payload_bits()
    {
        Expect(0x7FE00000, IOC, (uint c, ref FpExceptions e) => ArmFloat.Convert(0x7FF4000000000000, 8, 4, c, ref e));
        Expect(0xFFC00000, IOC, (uint c, ref FpExceptions e) => ArmFloat.Convert(0xFFF0000000000001, 8, 4, c, ref e));
        Expect(0x7FF8000020000000, None, (uint c, ref FpExceptions e) => ArmFloat.Convert(0x7FC00001, 4, 8, c, ref e));
    }
}
