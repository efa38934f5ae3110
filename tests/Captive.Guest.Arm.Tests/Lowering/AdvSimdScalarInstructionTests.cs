using Captive.Guest.Arm.Decoding;
using Xunit;

namespace Captive.Guest.Arm.Tests.Lowering;

// The AdvSIMD three-same operations added last (halving, shifts by register, pairwise, the FP steps and
// absolute compares), the FP estimates, FCVTXN, the FP across-lanes forms, and the scalar classes. Expected values
// worked by hand from the ARM ARM pseudocode (FPCR = 0: round to nearest even; FPSR: QC 0x8000000, IOC 0x1,
// DZC 0x2, IXC 0x10). A scalar form writes one element and zeroes the rest of Vd; the sources' other lanes hold
// garbage that must not leak into the result or the flags.
public sealed class AdvSimdScalarInstructionTests : InstructionTestBase
{
    [Theory]
    [InlineData("shadd v0.8b, v1.8b, v2.8b", "v1.lo=0xff7f v1.hi=0 v2.lo=0x0101 v2.hi=0", "v0.lo=0x0040 v0.hi=0")]
    [InlineData("urhadd v0.8b, v1.8b, v2.8b", "v1.lo=0x01ff v2.lo=0x00fe", "v0.lo=0x01ff v0.hi=0")]
    [InlineData("uhsub v0.4h, v1.4h, v2.4h", "v1.lo=0x0001 v2.lo=0x0003", "v0.lo=0xffff v0.hi=0")]
    [InlineData("sqshl v0.4s, v1.4s, v2.4s", "v1.lo=0xffffffff40000000 v1.hi=0 v2.lo=0x000000ff00000001 v2.hi=0", "v0.lo=0xffffffff7fffffff v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("srshl v0.2d, v1.2d, v2.2d", "v1.lo=5 v1.hi=-5 v2.lo=0xff v2.hi=0xff", "v0.lo=3 v0.hi=0xfffffffffffffffe")]
    [InlineData("uqrshl v0.8b, v1.8b, v2.8b", "v1.lo=0x80 v2.lo=0x01", "v0.lo=0xff v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("smaxp v0.4h, v1.4h, v2.4h", "v1.lo=0x00040003fffe0001 v2.lo=0x00000007fffafffb", "v0.lo=0x0007fffb00040001 v0.hi=0")]
    [InlineData("sqdmulh v0.8h, v1.8h, v2.8h", "v1.lo=0x40008000 v1.hi=0 v2.lo=0x40008000 v2.hi=0", "v0.lo=0x20007fff v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("sqrdmulh v0.4s, v1.4s, v2.4s", "v1.lo=0x40000000 v1.hi=0 v2.lo=0x00000002 v2.hi=0", "v0.lo=1 v0.hi=0")]
    [InlineData("pmul v0.8b, v1.8b, v2.8b", "v1.lo=0x8003 v2.lo=0x0203", "v0.lo=0x0005 v0.hi=0")]
    [InlineData("uqshl v0.2d, v1.2d, v2.2d", "v1.lo=1 v1.hi=0 v2.lo=0x40 v2.hi=0x7f", "v0.lo=-1 v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("uqshl v0.2d, v1.2d, v2.2d", "v1.lo=0x8000000000000000 v1.hi=3 v2.lo=0x3f v2.hi=0x3f", "v0.lo=-1 v0.hi=-1 $Fpsr=0x8000000")]
    [InlineData("ushl v0.2d, v1.2d, v2.2d", "v1.lo=-1 v1.hi=-1 v2.lo=0x40 v2.hi=0xc0", "v0.lo=0 v0.hi=0")]
    [InlineData("sqshl d0, d1, d2", "v1.lo=-2 v2.lo=100", "v0.lo=0x8000000000000000 v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("urshl d0, d1, d2", "v1.lo=-1 v2.lo=0xc0", "v0.lo=1 v0.hi=0")] // (2^64 - 1 + 2^63) >> 64
    [InlineData("srshl d0, d1, d2", "v1.lo=-1 v2.lo=0x80", "v0.lo=0 v0.hi=0")]
    public void Integer_three_same(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("fabd v0.2s, v1.2s, v2.2s", "v1.lo=0xffc000003f800000 v2.lo=0x3f80000040400000", "v0.lo=0x7fc0000040000000 v0.hi=0")]
    [InlineData("facgt v0.4s, v1.4s, v2.4s", "v1.lo=0x3f800000c0000000 v1.hi=0 v2.lo=0xc00000003f800000 v2.hi=0", "v0.lo=0x00000000ffffffff v0.hi=0")]
    [InlineData("faddp v0.4s, v1.4s, v2.4s", "v1.lo=0x400000003f800000 v1.hi=0x4080000040400000 v2.lo=0x3f0000003f000000 v2.hi=0x3f800000bf800000", "v0.lo=0x40e0000040400000 v0.hi=0x000000003f800000")]
    [InlineData("fmaxp v0.2d, v1.2d, v2.2d", "v1.lo=0x3ff0000000000000 v1.hi=0x7ff8000000000000 v2.lo=0x4000000000000000 v2.hi=0x4008000000000000", "v0.lo=0x7ff8000000000000 v0.hi=0x4008000000000000")]
    [InlineData("frecps v0.2s, v1.2s, v2.2s", "v1.lo=0x000000003fc00000 v2.lo=0x7f8000003f800000", "v0.lo=0x400000003f000000 v0.hi=0")]
    [InlineData("frsqrts v0.2s, v1.2s, v2.2s", "v1.lo=0x400000003f800000 v2.lo=0x400000003f800000", "v0.lo=0xbf0000003f800000 v0.hi=0")]
    [InlineData("fmulx v0.2s, v1.2s, v2.2s", "v1.lo=0x8000000000000000 v2.lo=0x7f8000007f800000", "v0.lo=0xc000000040000000 v0.hi=0")]
    [InlineData("frecpe v0.2s, v1.2s", "v1.lo=0x000000003f800000", "v0.lo=0x7f8000003f7f8000 v0.hi=0 $Fpsr=0x2")]
    [InlineData("frsqrte v0.2s, v1.2s", "v1.lo=0xbf80000040800000", "v0.lo=0x7fc000003eff8000 v0.hi=0 $Fpsr=0x1")]
    [InlineData("fcvtxn v0.2s, v1.2d", "v1.lo=0x3ff0000000000000 v1.hi=0x3ff0000000000001", "v0.lo=0x3f8000013f800000 v0.hi=0 $Fpsr=0x10")]
    [InlineData("fmaxv s0, v1.4s", "v1.lo=0x408000003f800000 v1.hi=0x4000000040400000", "v0.lo=0x40800000 v0.hi=0")]
    [InlineData("fminnmv s0, v1.4s", "v1.lo=0x408000007fc00000 v1.hi=0x4000000040400000", "v0.lo=0x40000000 v0.hi=0")]
    public void Floating_point_vector(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("sqadd b0, b1, b2", "v1.lo=0x1122334455667f7f v2.lo=0x7f7f7f7f7f7f7f01", "v0.lo=0x7f v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("cmge d0, d1, d2", "v1.lo=5 v2.lo=5", "v0.lo=-1 v0.hi=0")]
    [InlineData("sqdmulh h0, h1, h2", "v1.lo=0x7fff7fff7fff8000 v2.lo=0x7fff7fff7fff8000", "v0.lo=0x7fff v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("sqdmlal s0, h1, h2", "v0.lo=0xffffffff00000010 v1.lo=0x7fff7fff80000003 v2.lo=0x7fff7fff80000004", "v0.lo=0x28 v0.hi=0")]
    [InlineData("sqxtn b0, h1", "v1.lo=0x7fff7fff12340180", "v0.lo=0x7f v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("uqxtn s0, d1", "v1.lo=0x100000000", "v0.lo=0xffffffff v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("sshr d0, d1, #4", "v1.lo=0x8000000000000000", "v0.lo=0xf800000000000000 v0.hi=0")]
    [InlineData("sqshrn h0, s1, #8", "v1.lo=0x7fffffff7fffffff", "v0.lo=0x7fff v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("addp d0, v1.2d", "v1.lo=1 v1.hi=2", "v0.lo=3 v0.hi=0")]
    [InlineData("mov h0, v1.h[5]", "v1.hi=0x00000000abcd0000", "v0.lo=0xabcd v0.hi=0")]
    public void Integer_scalar(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("fabd s0, s1, s2", "v1.lo=0xdeadbeef3f800000 v2.lo=0x7f80000040400000", "v0.lo=0x40000000 v0.hi=0")]
    [InlineData("fcmeq d0, d1, #0.0", "v1.lo=0x8000000000000000", "v0.lo=-1 v0.hi=0")]
    [InlineData("fcvtxn s0, d1", "v1.lo=0x3ff0000000000001", "v0.lo=0x3f800001 v0.hi=0 $Fpsr=0x10")]
    [InlineData("frecpx d0, d1", "v1.lo=0x4010000000000000", "v0.lo=0x3fe0000000000000 v0.hi=0")]
    [InlineData("frecpe s0, s1", "v1.lo=0x000000003f800000", "v0.lo=0x3f7f8000 v0.hi=0")]
    [InlineData("scvtf s0, s1", "v1.lo=0x00000001ffffffff", "v0.lo=0xbf800000 v0.hi=0")]
    [InlineData("fcvtzs d0, d1, #1", "v1.lo=0x3ff4000000000000", "v0.lo=2 v0.hi=0 $Fpsr=0x10")]
    [InlineData("faddp s0, v1.2s", "v1.lo=0x400000003f800000 v1.hi=0x7f8000017f800001", "v0.lo=0x40400000 v0.hi=0")]
    [InlineData("fmaxnmp d0, v1.2d", "v1.lo=0x7ff8000000000000 v1.hi=0x3ff0000000000000", "v0.lo=0x3ff0000000000000 v0.hi=0")]
    public void Floating_point_scalar(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData(0x5e200c20u, nameof(A64Op.AdvSimdScalar3Same))]     // sqadd b0, b1, b0
    [InlineData(0x5e208420u, nameof(A64Op.Undefined))]              // add b0, b1, b0: scalar ADD is D only
    [InlineData(0x7e60b420u, nameof(A64Op.AdvSimdScalar3Same))]     // sqrdmulh h0, h1, h0
    [InlineData(0x7e408420u, nameof(A64Op.Undefined))]              // sqrdmlah h0, h1, h0 (ARMv8.1 RDM)
    [InlineData(0x5e211820u, nameof(A64Op.Undefined))]              // scalar rev/cnt have no scalar form
    [InlineData(0x5ea1d820u, nameof(A64Op.AdvSimdScalar2RegMisc))]  // frecpe s0, s1
    [InlineData(0x5ee1f820u, nameof(A64Op.AdvSimdScalar2RegMisc))]  // frecpx d0, d1
    [InlineData(0x5e79d820u, nameof(A64Op.Undefined))]              // scvtf h0, h1 (FEAT_FP16)
    [InlineData(0x5ef1b820u, nameof(A64Op.AdvSimdScalarPairwise))]  // addp d0, v1.2d
    [InlineData(0x5e31b820u, nameof(A64Op.Undefined))]              // addp with size 00
    [InlineData(0x5e000420u, nameof(A64Op.Undefined))]              // scalar DUP with imm5 = 0
    [InlineData(0x5f0c0420u, nameof(A64Op.Undefined))]              // sshr with immh 0001: D only
    [InlineData(0x5f0c8420u, nameof(A64Op.Undefined))]              // shrn has no scalar form
    [InlineData(0x6eb0f820u, nameof(A64Op.AdvSimdAcross))]          // fminv s0, v1.4s
    [InlineData(0x2eb0f820u, nameof(A64Op.Undefined))]              // fminv with Q = 0
    public void Classifies(uint word, string op) => Assert.Equal(op, A64Decoder.Decode(word).Op.ToString());
}
