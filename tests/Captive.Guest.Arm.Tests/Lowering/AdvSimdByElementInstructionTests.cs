using Captive.Guest.Arm.Decoding;
using Xunit;

namespace Captive.Guest.Arm.Tests.Lowering;

// AdvSIMD vector and scalar x indexed element. Expected values worked by hand from the ARM ARM pseudocode (lanes
// little-endian; a 64-bit (Q = 0) or scalar form writes zeros above its result; FPSR: QC 0x8000000, IOC 0x1,
// IDC 0x80; FPCR = 0 unless set: round to nearest even).
public sealed class AdvSimdByElementInstructionTests : InstructionTestBase
{
    [Theory]
    // index H:L:M = 7 (the last halfword)
    [InlineData("mul v0.8h, v1.8h, v2.h[7]", "v1.lo=0x0001ffff80005555 v1.hi=2 v2.hi=0x0003000000000000", "v0.lo=0x0003fffd8000ffff v0.hi=6")]
    // size 01: Rm is 4 bits, v15 the highest
    [InlineData("mla v0.4h, v1.4h, v15.h[0]", "v0.lo=0x0001000100010001 v1.lo=0x0004000300020001 v15.lo=2", "v0.lo=0x0009000700050003 v0.hi=0")]
    // size 10: Rm is M:Rm (v31), index H:L = 3
    [InlineData("mls v0.4s, v1.4s, v31.s[3]", "v0.lo=0x0000010000000000 v0.hi=5 v1.lo=0x0000000200000001 v1.hi=0xffffffff00000003 v31.hi=0x0000001000000000",
        "v0.lo=0x000000e0fffffff0 v0.hi=0x00000010ffffffd5")]
    public void Multiply_same_size(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("smlal2 v0.4s, v1.8h, v15.h[7]", "v0.lo=0x10 v0.hi=0 v1.hi=0x80007fff0001ffff v15.hi=0xfffe000000000000",
        "v0.lo=0xfffffffe00000012 v0.hi=0x00010000ffff0002")]
    [InlineData("umull v0.2d, v1.2s, v2.s[1]", "v1.lo=0x00000002ffffffff v2.lo=0xffffffff00000000", "v0.lo=0xfffffffe00000001 v0.hi=0x00000001fffffffe")]
    [InlineData("smull v0.2d, v1.2s, v2.s[3]", "v1.lo=0xffffffff00000002 v2.hi=0x8000000000000000", "v0.lo=0xffffffff00000000 v0.hi=0x0000000080000000")]
    [InlineData("umlsl2 v0.4s, v1.8h, v2.h[2]", "v0.lo=0x0000000500000001 v0.hi=0 v1.hi=0x000000000002ffff v2.lo=0x0000ffff00000000",
        "v0.lo=0xfffe000700020000 v0.hi=0")]
    // 2ab of MIN * MIN saturates, then MIN - 65536 and 1 + MAX saturate again (QC)
    [InlineData("sqdmlal v0.4s, v1.4h, v2.h[1]", "v0.lo=0x0000000500000001 v0.hi=0x8000000080000000 v1.lo=0x0001ffff00028000 v2.lo=0x80000000",
        "v0.lo=0xfffe00057fffffff v0.hi=0x8000000080010000 $Fpsr=0x8000000")]
    [InlineData("sqdmull2 v0.2d, v1.4s, v2.s[0]", "v1.hi=0x80000000fffffffd v2.lo=0x0000000080000000",
        "v0.lo=0x0000000300000000 v0.hi=0x7fffffffffffffff $Fpsr=0x8000000")]
    [InlineData("sqdmlsl v0.4s, v1.4h, v2.h[3]", "v0.lo=0x0000000000000010 v0.hi=0x7fffffff00000000 v1.lo=0x00000000fffe0003 v2.lo=0x0002000000000000",
        "v0.lo=0x0000000800000004 v0.hi=0x7fffffff00000000")]
    public void Multiply_long(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    // (2ab + 2^31) >> 32: MIN · MIN saturates; 2 · MIN + 2^31 = -2^31 floors to -1; -2^62 + 2^31 floors to -2^30
    [InlineData("sqrdmulh v0.4s, v1.4s, v2.s[2]", "v1.lo=0x0000000180000000 v1.hi=0xffffffff40000000 v2.hi=0x0000000080000000",
        "v0.lo=0xffffffff7fffffff v0.hi=0x00000001c0000000 $Fpsr=0x8000000")]
    [InlineData("sqdmulh v0.4h, v1.4h, v2.h[4]", "v1.lo=0x7fff0001c0008000 v2.hi=0x7fff", "v0.lo=0x7ffe0000c0008001 v0.hi=0")]
    [InlineData("sqdmulh h0, h1, v2.h[7]", "v1.lo=0x123456789abcc000 v2.hi=0x4000000000000000", "v0.lo=0xe000 v0.hi=0")]
    [InlineData("sqrdmulh s0, s1, v2.s[3]", "v1.lo=0x1234567880000000 v2.hi=0x8000000000000000", "v0.lo=0x7fffffff v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("sqrdmulh h0, h1, v3.h[2]", "v1.lo=0x0001 v3.lo=0x0000400000000000", "v0.lo=1 v0.hi=0")]
    public void Multiply_high(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    // lane 0 of Vn only; the rest of Vd zero
    [InlineData("sqdmull d0, s1, v2.s[1]", "v1.lo=0x00000005fffffffe v2.lo=0x0000000300000000", "v0.lo=0xfffffffffffffff4 v0.hi=0")]
    [InlineData("sqdmlal s0, h1, v2.h[0]", "v0.lo=0x12345678fffffff0 v1.lo=0x4444555566668000 v2.lo=0x1111222233338000", "v0.lo=0x7fffffef v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("sqdmlsl d0, s1, v2.s[3]", "v0.lo=0x8000000000000005 v0.hi=9 v1.lo=0x40000000 v2.hi=0x0000000200000000", "v0.lo=0x8000000000000000 v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("sqdmlal d0, s1, v31.s[2]", "v0.lo=100 v1.lo=0xffffffffffffffff v31.hi=5", "v0.lo=90 v0.hi=0")]
    public void Scalar_long(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("fmul v0.4s, v1.4s, v2.s[3]", "v1.lo=0x800000003fc00000 v1.hi=0x7fc000017f800000 v2.hi=0x4000000000000000",
        "v0.lo=0x8000000040400000 v0.hi=0x7fc000017f800000")]
    // 0 × ∞: FMULX gives ±2.0, FMUL the default NaN with IOC
    [InlineData("fmulx v0.2d, v1.2d, v2.d[1]", "v1.lo=0x8000000000000000 v1.hi=0 v2.hi=0x7ff0000000000000", "v0.lo=0xc000000000000000 v0.hi=0x4000000000000000")]
    [InlineData("fmul v0.2d, v1.2d, v2.d[1]", "v1.lo=0x8000000000000000 v1.hi=0 v2.hi=0x7ff0000000000000", "v0.lo=0x7ff8000000000000 v0.hi=0x7ff8000000000000 $Fpsr=0x1")]
    [InlineData("fmulx s0, s1, v2.s[2]", "v1.lo=0 v2.hi=0x00000000ff800000", "v0.lo=0xc0000000 v0.hi=0")]
    [InlineData("fmul d0, d1, v2.d[0]", "v1.lo=0x4008000000000000 v1.hi=5 v2.lo=0xc000000000000000", "v0.lo=0xc018000000000000 v0.hi=0")]
    [InlineData("fmla v0.2s, v1.2s, v2.s[1]", "v0.lo=0x3f8000003f800000 v1.lo=0xbf8000003f800000 v2.lo=0x4000000000000000", "v0.lo=0xbf80000040400000 v0.hi=0")]
    // fused: -(1 + 2^-11) + (1 + 2^-12)^2 = 2^-24 exactly (unfused it would round to 0)
    [InlineData("fmla s0, s1, v2.s[3]", "v0.lo=0xbf801000 v1.lo=0x3f800800 v2.hi=0x3f80080000000000", "v0.lo=0x33800000 v0.hi=0")]
    // FMLS negates Vn before FPMulAdd, so the signalling NaN comes out quieted with its sign flipped
    [InlineData("fmls v0.2d, v1.2d, v2.d[0]", "v0.lo=0x4008000000000000 v0.hi=0 v1.lo=0x3ff0000000000000 v1.hi=0x7ff0000000000001 v2.lo=0x4000000000000000",
        "v0.lo=0x3ff0000000000000 v0.hi=0xfff8000000000001 $Fpsr=0x1")]
    // +0 + (−(+0) × 1.0): an exact zero sum of opposite signs is −0 when rounding toward −∞
    [InlineData("fmls d0, d1, v2.d[1]", "v0.lo=0 v1.lo=0 v2.hi=0x3ff0000000000000 $Fpcr=0x800000", "v0.lo=0x8000000000000000 v0.hi=0")]
    // FZ flushes a denormal input (IDC)
    [InlineData("fmul s0, s1, v2.s[0]", "v1.lo=0x00000001 v2.lo=0x3f800000 $Fpcr=0x1000000", "v0.lo=0 v0.hi=0 $Fpsr=0x80")]
    public void Floating_point(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData(0x4f82e020u)] // sdot v0.4s, v1.16b, v2.4b[0] (FEAT_DotProd)
    [InlineData(0x6fa2e820u)] // udot v0.4s, v1.16b, v2.4b[3]
    [InlineData(0x2f42d020u)] // sqrdmlah v0.4h, v1.4h, v2.h[0] (FEAT_RDM)
    [InlineData(0x6fa2f020u)] // sqrdmlsh v0.4s, v1.4s, v2.s[1]
    [InlineData(0x7f42d020u)] // sqrdmlah h0, h1, v2.h[0]
    [InlineData(0x7fa2f820u)] // sqrdmlsh s0, s1, v2.s[3]
    [InlineData(0x4f021020u)] // fmla v0.8h, v1.8h, v2.h[0] (FEAT_FP16)
    [InlineData(0x5f329820u)] // fmul h0, h1, v2.h[7]
    [InlineData(0x2f129020u)] // fmulx v0.4h, v1.4h, v2.h[1]
    [InlineData(0x6f823820u)] // fcmla v0.4s, v1.4s, v2.s[1], #90 (FEAT_FCMA)
    [InlineData(0x6f623020u)] // fcmla v0.8h, v1.8h, v2.h[1], #90
    [InlineData(0x0f820020u)] // fmlal v0.2s, v1.2h, v2.h[0] (FEAT_FHM)
    [InlineData(0x6fb2c820u)] // fmlsl2 v0.4s, v1.4h, v2.h[7]
    [InlineData(0x4f42f020u)] // bfdot v0.4s, v1.8h, v2.2h[0] (FEAT_BF16)
    [InlineData(0x0fc2f020u)] // bfmlalb v0.4s, v1.8h, v2.h[0]
    [InlineData(0x4f82f020u)] // usdot v0.4s, v1.16b, v2.4b[0] (FEAT_I8MM)
    [InlineData(0x4f02f020u)] // sudot v0.4s, v1.16b, v2.4b[0]
    [InlineData(0x0f008020u)] // mul with size 00 is reserved
    [InlineData(0x0fc08020u)] // mul with size 11 is reserved
    [InlineData(0x0fc01020u)] // fmla .1d (sz = 1, Q = 0) is reserved
    [InlineData(0x4fe01020u)] // fmla .2d with L = 1 (sz:L = 11) is reserved
    [InlineData(0x0f401020u)] // fmla with size 01 is unallocated
    [InlineData(0x5f00c020u)] // sqdmulh (scalar) with size 00 is reserved
    [InlineData(0x5f408020u)] // mul has no scalar form
    [InlineData(0x5fe01020u)] // fmla d with L = 1 is reserved
    public void Later_extensions_and_reserved_values_are_undefined(uint word)
        => Assert.Equal(A64Op.Undefined, A64Decoder.Decode(word).Op);

    [Theory]
    [InlineData(0x4faf1820u, nameof(A64Op.AdvSimdByElement))]       // fmla v0.4s, v1.4s, v15.s[3]
    [InlineData(0x6fc29020u, nameof(A64Op.AdvSimdByElement))]       // fmulx v0.2d, v1.2d, v2.d[0]
    [InlineData(0x5fa2b020u, nameof(A64Op.AdvSimdScalarByElement))] // sqdmull d0, s1, v2.s[1]
    [InlineData(0x7fc29020u, nameof(A64Op.AdvSimdScalarByElement))] // fmulx d0, d1, v2.d[0]
    public void Classifies(uint word, string op) => Assert.Equal(op, A64Decoder.Decode(word).Op.ToString());
}
