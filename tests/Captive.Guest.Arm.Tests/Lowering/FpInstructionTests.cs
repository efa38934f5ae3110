using Xunit;

namespace Captive.Guest.Arm.Tests.Lowering;

// Scalar floating point, through the decoder, the lowering and the interpreter. Expected values are IEEE 754
// results (checked with the host C library under fesetround/fma) or the ARM ARM pseudocode's stated results for
// NaNs, FZ, DN, AHP and saturation. $Fpcr: RMode 23:22 (RP 0x400000, RM 0x800000, RZ 0xc00000), FZ 0x1000000,
// DN 0x2000000, AHP 0x4000000. $Fpsr: IOC 0x1, DZC 0x2, OFC 0x4, UFC 0x8, IXC 0x10, IDC 0x80.
// Every scalar write zeroes the rest of the V register (the machine starts with a pattern in every V half).
public sealed class FpInstructionTests : InstructionTestBase
{
    [Theory]
    [InlineData("fadd s0, s1, s2", "v1.lo=0xffffffff3dcccccd v2.lo=0x123456783e4ccccd", "v0.lo=0x3e99999a v0.hi=0 $Fpsr=0x10")]
    [InlineData("fadd d0, d1, d2", "v1.lo=0x3ff0000000000000 v2.lo=0x4000000000000000", "v0.lo=0x4008000000000000 v0.hi=0")]
    [InlineData("fsub s3, s4, s5", "v4.lo=0x3f800000 v5.lo=0x40000000", "v3.lo=0xbf800000 v3.hi=0")]
    [InlineData("fmul d0, d1, d2", "v1.lo=0x4000000000000000 v2.lo=0x4008000000000000", "v0.lo=0x4018000000000000 v0.hi=0")]
    [InlineData("fdiv s0, s1, s2", "v1.lo=0x3f800000 v2.lo=0x40400000", "v0.lo=0x3eaaaaab v0.hi=0 $Fpsr=0x10")]
    [InlineData("fdiv s0, s1, s2", "$Fpcr=0x800000 v1.lo=0x3f800000 v2.lo=0x40400000", "v0.lo=0x3eaaaaaa v0.hi=0 $Fpsr=0x10")]
    [InlineData("fdiv d0, d1, d2", "$Fpcr=0x400000 v1.lo=0x3ff0000000000000 v2.lo=0x4008000000000000", "v0.lo=0x3fd5555555555556 v0.hi=0 $Fpsr=0x10")]
    [InlineData("fdiv s0, s1, s2", "v1.lo=0xbf800000 v2.lo=0", "v0.lo=0xff800000 v0.hi=0 $Fpsr=0x2")]
    [InlineData("fmax s0, s1, s2", "v1.lo=0x80000000 v2.lo=0", "v0.lo=0 v0.hi=0")]
    [InlineData("fmin s0, s1, s2", "v1.lo=0 v2.lo=0x80000000", "v0.lo=0x80000000 v0.hi=0")]
    [InlineData("fmax d0, d1, d2", "v1.lo=0x7ff8000000000001 v2.lo=0", "v0.lo=0x7ff8000000000001 v0.hi=0")]
    [InlineData("fmaxnm d0, d1, d2", "v1.lo=0x7ff8000000000001 v2.lo=0xbff0000000000000", "v0.lo=0xbff0000000000000 v0.hi=0")]
    [InlineData("fminnm s0, s1, s2", "v1.lo=0x40000000 v2.lo=0x7f800001", "v0.lo=0x7fc00001 v0.hi=0 $Fpsr=0x1")]
    [InlineData("fnmul s0, s1, s2", "v1.lo=0x40000000 v2.lo=0x40400000", "v0.lo=0xc0c00000 v0.hi=0")]
    [InlineData("fnmul s0, s1, s2", "v1.lo=0 v2.lo=0x7f800000", "v0.lo=0xffc00000 v0.hi=0 $Fpsr=0x1")] // FPNeg of the default NaN
    [InlineData("fadd s0, s1, s2", "$Fpsr=0x1 v1.lo=0x3dcccccd v2.lo=0x3e4ccccd", "v0.lo=0x3e99999a v0.hi=0 $Fpsr=0x11")]
    public void Arithmetic(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    // (1 + 2^-12)² − (1 + 2^-11) = 2^-24 with one rounding
    [InlineData("fmadd s0, s1, s1, s3", "v1.lo=0x3f800800 v3.lo=0xbf801000", "v0.lo=0x33800000 v0.hi=0")]
    [InlineData("fmsub d0, d1, d2, d3", "v1.lo=0x4000000000000000 v2.lo=0x4008000000000000 v3.lo=0x4024000000000000", "v0.lo=0x4010000000000000 v0.hi=0")] // 10 − 2·3
    [InlineData("fnmadd s0, s1, s2, s3", "v1.lo=0x40000000 v2.lo=0x40400000 v3.lo=0x3f800000", "v0.lo=0xc0e00000 v0.hi=0")] // −1 − 2·3
    [InlineData("fnmsub s0, s1, s2, s3", "v1.lo=0x40000000 v2.lo=0x40400000 v3.lo=0x3f800000", "v0.lo=0x40a00000 v0.hi=0")] // 2·3 − 1
    // the negations are FPNeg of the operands, so NaN operands come out with their sign flipped
    [InlineData("fnmadd s0, s1, s2, s3", "v1.lo=0x40000000 v2.lo=0x40400000 v3.lo=0x7fc00001", "v0.lo=0xffc00001 v0.hi=0")]
    [InlineData("fmsub s0, s1, s2, s3", "v1.lo=0x7fc00002 v2.lo=0x40400000 v3.lo=0x3f800000", "v0.lo=0xffc00002 v0.hi=0")]
    [InlineData("fnmsub s0, s1, s2, s3", "v1.lo=0x7fc00002 v2.lo=0x40400000 v3.lo=0x3f800000", "v0.lo=0x7fc00002 v0.hi=0")]
    // (0 × ∞) + qNaN is the default NaN with IOC
    [InlineData("fmadd s0, s1, s2, s3", "v1.lo=0 v2.lo=0x7f800000 v3.lo=0x7fc00001", "v0.lo=0x7fc00000 v0.hi=0 $Fpsr=0x1")]
    public void Fused_multiply_add(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("fabs s0, s1", "v1.lo=0x12345678bf800000", "v0.lo=0x3f800000 v0.hi=0")]
    [InlineData("fneg d0, d1", "v1.lo=0x7ff8000000000001", "v0.lo=0xfff8000000000001 v0.hi=0")]   // no FPSR effect, NaN too
    [InlineData("fneg s0, s1", "v1.lo=0x7f800001", "v0.lo=0xff800001 v0.hi=0")]
    [InlineData("fmov s0, s1", "v1.lo=0x1122334455667788", "v0.lo=0x55667788 v0.hi=0")]
    [InlineData("fsqrt d0, d1", "v1.lo=0x4000000000000000", "v0.lo=0x3ff6a09e667f3bcd v0.hi=0 $Fpsr=0x10")]
    [InlineData("fsqrt s0, s1", "v1.lo=0xbf800000", "v0.lo=0x7fc00000 v0.hi=0 $Fpsr=0x1")]
    [InlineData("fcsel d0, d1, d2, ne", "nzcv=Z v1.lo=1 v2.lo=2", "v0.lo=2 v0.hi=0")]
    [InlineData("fcsel s0, s1, s2, eq", "nzcv=Z v1.lo=0xffffffff00000001 v2.lo=2", "v0.lo=1 v0.hi=0")]
    public void Moves_signs_and_square_root(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("fcmp s0, s1", "v0.lo=0x3f800000 v1.lo=0x40000000", "nzcv=N")]
    [InlineData("fcmp d0, d1", "v0.lo=0x4000000000000000 v1.lo=0x3ff0000000000000", "nzcv=C")]
    [InlineData("fcmp d0, #0.0", "v0.lo=0x8000000000000000", "nzcv=ZC")]
    [InlineData("fcmp s0, s1", "v0.lo=0x7fc00000 v1.lo=0", "nzcv=CV")]
    [InlineData("fcmpe s0, s1", "v0.lo=0x7fc00000 v1.lo=0", "nzcv=CV $Fpsr=0x1")]
    [InlineData("fcmp s0, s1", "v0.lo=0x7f800001 v1.lo=0", "nzcv=CV $Fpsr=0x1")]
    [InlineData("fcmpe s0, #0.0", "v0.lo=0xff800000", "nzcv=N")]
    [InlineData("fccmp s0, s1, #0x4, eq", "nzcv=Z v0.lo=0x3f800000 v1.lo=0x3f800000", "nzcv=ZC")]
    [InlineData("fccmp s0, s1, #0x4, eq", "nzcv=- v0.lo=0x3f800000 v1.lo=0x40000000", "nzcv=Z")]
    // a failed condition compares nothing: no IOC even for NaNs and FCCMPE
    [InlineData("fccmpe d0, d1, #0x2, ne", "nzcv=Z v0.lo=0x7ff0000000000001 v1.lo=0x7ff8000000000000", "nzcv=C")]
    [InlineData("fccmpe d0, d1, #0x2, eq", "nzcv=Z v0.lo=0x7ff8000000000000 v1.lo=0", "nzcv=CV $Fpsr=0x1")]
    public void Compares(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("fcvt d0, s1", "v1.lo=0x3fc00000", "v0.lo=0x3ff8000000000000 v0.hi=0")]
    [InlineData("fcvt s0, d1", "v1.lo=0x3fb999999999999a", "v0.lo=0x3dcccccd v0.hi=0 $Fpsr=0x10")]
    [InlineData("fcvt s0, d1", "$Fpcr=0xc00000 v1.lo=0x3fb999999999999a", "v0.lo=0x3dcccccc v0.hi=0 $Fpsr=0x10")]
    [InlineData("fcvt h0, s1", "v1.lo=0x3f800000", "v0.lo=0x3c00 v0.hi=0")]
    [InlineData("fcvt h0, d1", "v1.lo=0x40f0000000000000", "v0.lo=0x7c00 v0.hi=0 $Fpsr=0x14")] // 65536 overflows IEEE half
    [InlineData("fcvt h0, d1", "$Fpcr=0x4000000 v1.lo=0x40f0000000000000", "v0.lo=0x7c00 v0.hi=0")] // … but not AHP
    [InlineData("fcvt s0, h1", "$Fpcr=0x4000000 v1.lo=0x7c00", "v0.lo=0x47800000 v0.hi=0")]
    [InlineData("fcvt s0, h1", "v1.lo=0xffff7c00", "v0.lo=0x7f800000 v0.hi=0")]
    [InlineData("fcvt h0, s1", "$Fpcr=0x4000000 v1.lo=0x7fc00000", "v0.lo=0 v0.hi=0 $Fpsr=0x1")]
    [InlineData("fcvt s0, d1", "v1.lo=0x7ff4000000000000", "v0.lo=0x7fe00000 v0.hi=0 $Fpsr=0x1")]
    [InlineData("fcvt s0, d1", "$Fpcr=0x2000000 v1.lo=0xfff8000000000000", "v0.lo=0x7fc00000 v0.hi=0")]
    public void Precision_conversions(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("frintn s0, s1", "v1.lo=0x40200000", "v0.lo=0x40000000 v0.hi=0")]          // 2.5 → 2
    [InlineData("frinta s0, s1", "v1.lo=0x40200000", "v0.lo=0x40400000 v0.hi=0")]          // 2.5 → 3
    [InlineData("frintp s0, s1", "v1.lo=0xbf000000", "v0.lo=0x80000000 v0.hi=0")]          // −0.5 → −0
    [InlineData("frintm d0, d1", "v1.lo=0xbfe0000000000000", "v0.lo=0xbff0000000000000 v0.hi=0")]
    [InlineData("frintz d0, d1", "v1.lo=0xbfe0000000000000", "v0.lo=0x8000000000000000 v0.hi=0")]
    [InlineData("frintx s0, s1", "v1.lo=0x40200000", "v0.lo=0x40000000 v0.hi=0 $Fpsr=0x10")]
    [InlineData("frintx s0, s1", "v1.lo=0x40000000", "v0.lo=0x40000000 v0.hi=0")]
    [InlineData("frinti s0, s1", "$Fpcr=0x400000 v1.lo=0x40100000", "v0.lo=0x40400000 v0.hi=0")] // 2.25 → 3 (RP)
    [InlineData("frintn s0, s1", "v1.lo=0x7f800001", "v0.lo=0x7fc00001 v0.hi=0 $Fpsr=0x1")]
    public void Round_to_integral(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("fcvtzs w0, s1", "v1.lo=0x4f000000", "x0=0x7fffffff $Fpsr=0x1")]        // 2^31 saturates
    [InlineData("fcvtzs x0, d1", "v1.lo=0x7ff8000000000000", "x0=0 $Fpsr=0x1")]         // NaN → 0
    [InlineData("fcvtzs x0, s1", "v1.lo=0x7f800000", "x0=0x7fffffffffffffff $Fpsr=0x1")] // +∞
    [InlineData("fcvtzs w0, d1", "v1.lo=0xfff0000000000000", "x0=0x80000000 $Fpsr=0x1")]
    [InlineData("fcvtzu w0, s1", "v1.lo=0xbf800000", "x0=0 $Fpsr=0x1")]
    [InlineData("fcvtzs w0, s1", "v1.lo=0xc0200000", "x0=0xfffffffe $Fpsr=0x10")]      // −2.5 → −2
    [InlineData("fcvtas w0, s1", "v1.lo=0xc0200000", "x0=0xfffffffd $Fpsr=0x10")]      // −2.5 → −3
    [InlineData("fcvtau x0, d1", "v1.lo=0x4004000000000000", "x0=3 $Fpsr=0x10")]
    [InlineData("fcvtns x0, d1", "v1.lo=0x4004000000000000", "x0=2 $Fpsr=0x10")]
    [InlineData("fcvtnu w0, s1", "v1.lo=0x40600000", "x0=4 $Fpsr=0x10")]                // 3.5 → 4
    [InlineData("fcvtps x0, s1", "v1.lo=0xc0100000", "x0=-2 $Fpsr=0x10")]              // −2.25 → −2
    [InlineData("fcvtpu w0, s1", "v1.lo=0x40100000", "x0=3 $Fpsr=0x10")]
    [InlineData("fcvtms w0, s1", "v1.lo=0xc0100000", "x0=0xfffffffd $Fpsr=0x10")]      // −2.25 → −3
    [InlineData("fcvtmu x0, d1", "v1.lo=0x3fe0000000000000", "x0=0 $Fpsr=0x10")]
    [InlineData("fcvtzs w0, s1, #4", "v1.lo=0x3fe00000", "x0=28")]                      // 1.75 · 16
    [InlineData("fcvtzu x0, d1, #64", "v1.lo=0x3fe0000000000000", "x0=0x8000000000000000")]
    [InlineData("fcvtzs x0, d1, #1", "v1.lo=0x43e0000000000000", "x0=0x7fffffffffffffff $Fpsr=0x1")]
    [InlineData("fcvtzu w0, s1, #32", "v1.lo=0x3f7fffff", "x0=0xffffff00")]
    public void To_integer(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("scvtf s0, w1", "x1=0xffffffff", "v0.lo=0xbf800000 v0.hi=0")]
    [InlineData("ucvtf s0, w1", "x1=0xffffffff", "v0.lo=0x4f800000 v0.hi=0 $Fpsr=0x10")]
    [InlineData("ucvtf d0, x1", "$Fpcr=0xc00000 x1=0xffffffffffffffff", "v0.lo=0x43efffffffffffff v0.hi=0 $Fpsr=0x10")]
    [InlineData("scvtf d0, x1", "x1=0x8000000000000000", "v0.lo=0xc3e0000000000000 v0.hi=0")]
    [InlineData("scvtf d0, wzr", "", "v0.lo=0 v0.hi=0")]
    [InlineData("scvtf d0, x1, #1", "x1=3", "v0.lo=0x3ff8000000000000 v0.hi=0")]
    [InlineData("ucvtf s0, w1, #32", "x1=0x80000000", "v0.lo=0x3f000000 v0.hi=0")]
    [InlineData("scvtf s0, x1, #64", "x1=0xc000000000000000", "v0.lo=0xbe800000 v0.hi=0")] // −2^62 / 2^64
    public void From_integer(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("fadd s0, s1, s2", "$Fpcr=0x1000000 v1.lo=1 v2.lo=2", "v0.lo=0 v0.hi=0 $Fpsr=0x80")]
    [InlineData("fadd s0, s1, s2", "v1.lo=1 v2.lo=2", "v0.lo=3 v0.hi=0")]
    [InlineData("fmul s0, s1, s2", "$Fpcr=0x1000000 v1.lo=0x3f7fffff v2.lo=0x00800000", "v0.lo=0 v0.hi=0 $Fpsr=0x8")]
    [InlineData("fmul s0, s1, s2", "v1.lo=0x3f7fffff v2.lo=0x00800000", "v0.lo=0x00800000 v0.hi=0 $Fpsr=0x18")] // tiny before rounding
    [InlineData("fadd s0, s1, s2", "$Fpcr=0x2000000 v1.lo=0x7fc00001 v2.lo=0", "v0.lo=0x7fc00000 v0.hi=0")]
    [InlineData("fadd s0, s1, s2", "v1.lo=0x7fc00001 v2.lo=0xff800002", "v0.lo=0xffc00002 v0.hi=0 $Fpsr=0x1")]
    [InlineData("fsub s0, s1, s1", "$Fpcr=0x800000 v1.lo=0x3f800000", "v0.lo=0x80000000 v0.hi=0")]
    public void FPCR_modes(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("fmul s0, s1, s2; fadd s0, s0, s3; fcvtzs w4, s0; scvtf d5, w4; fcmp d5, #0.0",
        "v1.lo=0x40000000 v2.lo=0x40400000 v3.lo=0x3f000000",
        "v0.lo=0x40d00000 v0.hi=0 x4=6 v5.lo=0x4018000000000000 v5.hi=0 nzcv=C $Fpsr=0x10")]
    public void Sequences(string asm, string setup, string expect) => Check(asm, setup, expect);
}
