using Captive.Guest.Arm.Decoding;
using Xunit;

namespace Captive.Guest.Arm.Tests.Lowering;

// AdvSIMD shift by immediate. Expected values worked by hand from the ARM ARM pseudocode (lanes little-endian;
// a 64-bit (Q = 0) form writes zeros to v.hi; saturation sets FPSR.QC (0x8000000); FP Invalid Operation is IOC (0x1)).
public sealed class AdvSimdShiftInstructionTests : InstructionTestBase
{
    [Theory]
    [InlineData("sshr v0.4s, v1.4s, #4", "v1.lo=0x8000000000000100 v1.hi=0xfffffff07fffffff", "v0.lo=0xf800000000000010 v0.hi=0xffffffff07ffffff")]
    [InlineData("ushr v0.2d, v1.2d, #64", "v1.lo=-1 v1.hi=0x8000000000000000", "v0.lo=0 v0.hi=0")]
    [InlineData("ssra v0.8b, v1.8b, #1", "v0.lo=0x0101010101010101 v1.lo=0x00000000000080ff", "v0.lo=0x010101010101c100 v0.hi=0")]
    [InlineData("urshr v0.8h, v1.8h, #4", "v1.lo=0x0018ffff00070008 v1.hi=0", "v0.lo=0x0002100000000001 v0.hi=0")]
    [InlineData("srshr v0.4s, v1.4s, #1", "v1.lo=0xfffffffffffffffd v1.hi=0x7fffffff00000003", "v0.lo=0x00000000ffffffff v0.hi=0x4000000000000002")]
    [InlineData("ursra v0.2d, v1.2d, #64", "v0.lo=5 v0.hi=7 v1.lo=0x8000000000000000 v1.hi=0x7fffffffffffffff", "v0.lo=6 v0.hi=7")]
    [InlineData("sri v0.8b, v1.8b, #3", "v0.lo=0x00ff v1.lo=0xff80", "v0.lo=0x1ff0 v0.hi=0")]
    [InlineData("sli v0.4h, v1.4h, #4", "v0.lo=0xabcd v1.lo=0x1234", "v0.lo=0x234d v0.hi=0")]
    [InlineData("shl v0.2d, v1.2d, #63", "v1.lo=3 v1.hi=1", "v0.lo=0x8000000000000000 v0.hi=0x8000000000000000")]
    public void Shifts_and_accumulates(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("shrn v0.8b, v1.8h, #4", "v1.lo=0x00000000abcd1234 v1.hi=0xfff0000000000000", "v0.lo=0xff0000000000bc23 v0.hi=0")]
    [InlineData("rshrn2 v0.16b, v1.8h, #8", "v0.lo=0x1111111111111111 v1.lo=0x1234ff80017f0180 v1.hi=0", "v0.hi=0x0000000012000102")]
    [InlineData("sqshrn v0.4h, v1.4s, #8", "v1.lo=0xff00000000800000 v1.hi=0xffffff0000001234", "v0.lo=0xffff001280007fff v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("uqrshrn v0.8b, v1.8h, #1", "v1.lo=0x0003ffff00fd01ff v1.hi=0", "v0.lo=0x02ff7fff v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("sqshrun v0.2s, v1.2d, #4", "v1.lo=0xfffffffffffffff0 v1.hi=0x0000001000000000", "v0.lo=0xffffffff00000000 v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("sxtl v0.8h, v1.8b", "v1.lo=0x00000000807f01ff", "v0.lo=0xff80007f0001ffff v0.hi=0")]
    [InlineData("ushll2 v0.4s, v1.8h, #4", "v1.hi=0x00000000ffff0001", "v0.lo=0x000ffff000000010 v0.hi=0")]
    public void Narrows_and_lengthens(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("uqshl v0.4s, v1.4s, #31", "v1.lo=0x0000000200000001 v1.hi=0x8000000000000000", "v0.lo=0xffffffff80000000 v0.hi=0xffffffff00000000 $Fpsr=0x8000000")]
    [InlineData("sqshlu v0.2d, v1.2d, #1", "v1.lo=-1 v1.hi=0x4000000000000000", "v0.lo=0 v0.hi=0x8000000000000000 $Fpsr=0x8000000")]
    [InlineData("sqshl v0.8b, v1.8b, #4", "v1.lo=0x00000000f7f80807", "v0.lo=0x80807f70 v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("scvtf v0.4s, v1.4s, #16", "v1.lo=0xffff800000010000 v1.hi=0x0000000000028000", "v0.lo=0xbf0000003f800000 v0.hi=0x0000000040200000")]
    // The 64-bit forms convert two lanes only: a NaN in bits 127:64 of Vn must raise nothing (ARM ARM: the
    // operation is on 64 bits of Vn). 2.0f fixed-point #1 = 4, 1.5f #1 = 3; no IOC, no IXC; Vd bits 127:64 = 0.
    [InlineData("fcvtzs v0.2s, v1.2s, #1", "v0.hi=-1 v1.lo=0x3fc0000040000000 v1.hi=0x7fc000007f800001", "v0.lo=0x0000000300000004 v0.hi=0")]
    [InlineData("fcvtzu v0.2s, v1.2s, #1", "v1.lo=0xbf8000003fc00000", "v0.lo=0x0000000000000003 v0.hi=0 $Fpsr=0x1")]
    public void Saturating_shifts_and_fixed_point(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData(0x0f7f0420u, nameof(A64Op.Undefined))] // sshr .2d with Q = 0 (.1d) is reserved
    [InlineData(0x0f4f8420u, nameof(A64Op.Undefined))] // shrn from .2d (immh = 1xxx) is reserved
    [InlineData(0x4f17e420u, nameof(A64Op.Undefined))] // scvtf .8h fixed-point (FEAT_FP16)
    [InlineData(0x4f3f4420u, nameof(A64Op.Undefined))] // U = 0, opcode 01000 is unallocated
    [InlineData(0x6f416420u, nameof(A64Op.AdvSimdShiftImm))] // sqshlu v0.2d, v1.2d, #1
    [InlineData(0x4f3fe420u, nameof(A64Op.AdvSimdShiftImm))] // scvtf v0.4s, v1.4s, #1
    public void Classifies(uint word, string op) => Assert.Equal(op, A64Decoder.Decode(word).Op.ToString());
}
