using Captive.Guest.Arm.Decoding;
using Xunit;

namespace Captive.Guest.Arm.Tests.Lowering;

// AdvSIMD three different. Expected values worked by hand from the ARM ARM pseudocode (lanes little-endian;
// saturation sets FPSR.QC (0x8000000)).
public sealed class AdvSimd3DiffInstructionTests : InstructionTestBase
{
    [Theory]
    [InlineData("saddl v0.8h, v1.8b, v2.8b", "v1.lo=0x0000000000807fff v2.lo=0x0000000000017fff", "v0.lo=0x0000ff8100fefffe v0.hi=0")]
    [InlineData("uaddw2 v0.4s, v1.4s, v2.8h", "v1.lo=0x00000001ffffffff v1.hi=0x0000000300000002 v2.hi=0x00000002ffff0001", "v0.lo=0x0001000000000000 v0.hi=0x0000000300000004")]
    [InlineData("ssubl2 v0.2d, v1.4s, v2.4s", "v1.hi=0x0000000580000000 v2.hi=0xffffffff00000001", "v0.lo=0xffffffff7fffffff v0.hi=6")]
    [InlineData("addhn v0.8b, v1.8h, v2.8h", "v1.lo=0x7fff00ffff001234 v1.hi=0 v2.lo=0x7fff000101000100 v2.hi=0", "v0.lo=0xff010013 v0.hi=0")]
    [InlineData("rsubhn2 v0.16b, v1.8h, v2.8h", "v0.lo=0x2222222222222222 v1.lo=0x01000000127f1280 v1.hi=0 v2.lo=0x0200000100000000 v2.hi=0", "v0.hi=0x00000000ff001213")]
    [InlineData("uabal v0.8h, v1.8b, v2.8b", "v0.lo=0x00000000ffff0001 v0.hi=0 v1.lo=0x1000 v2.lo=0x20ff", "v0.lo=0x00000000000f0100")]
    [InlineData("sabdl v0.4s, v1.4h, v2.4h", "v1.lo=0xffff8000 v2.lo=0x00017fff", "v0.lo=0x000000020000ffff v0.hi=0")]
    public void Add_subtract_and_difference(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("smlal v0.2d, v1.2s, v2.2s", "v0.lo=10 v0.hi=-1 v1.lo=0x0000000380000000 v2.lo=0xfffffffe80000000", "v0.lo=0x400000000000000a v0.hi=0xfffffffffffffff9")]
    [InlineData("umull2 v0.8h, v1.16b, v2.16b", "v1.hi=0x10ff v2.hi=0x10ff", "v0.lo=0x000000000100fe01 v0.hi=0")]
    [InlineData("umlsl v0.4s, v1.4h, v2.4h", "v0.lo=5 v0.hi=7 v1.lo=0x0000000000010002 v2.lo=0x00000000ffff0003", "v0.lo=0xffff0001ffffffff v0.hi=7")]
    [InlineData("sqdmull v0.4s, v1.4h, v2.4h", "v1.lo=0x0000ffff00028000 v2.lo=0x0000000100038000", "v0.lo=0x0000000c7fffffff v0.hi=0x00000000fffffffe $Fpsr=0x8000000")]
    [InlineData("sqdmlsl2 v0.2d, v1.4s, v2.4s", "v0.lo=0x8000000000000000 v0.hi=100 v1.hi=0x0000000500000001 v2.hi=0x0000000a00000001", "v0.lo=0x8000000000000000 v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("pmull2 v0.8h, v1.16b, v2.16b", "v1.hi=0x0703ff01 v2.hi=0x0307ff55", "v0.lo=0x0009000955550055 v0.hi=0")]
    public void Multiplies(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData(0x0ee20020u, nameof(A64Op.Undefined))] // saddl with size 11 is reserved
    [InlineData(0x0e22d020u, nameof(A64Op.Undefined))] // sqdmull .8h (size 00) is reserved
    [InlineData(0x2e229020u, nameof(A64Op.Undefined))] // U = 1, opcode 1001 is unallocated
    [InlineData(0x0e62e020u, nameof(A64Op.Undefined))] // pmull with size 01 is reserved
    [InlineData(0x0e22e020u, nameof(A64Op.AdvSimd3Diff))] // pmull v0.8h, v1.8b, v2.8b
    public void Classifies(uint word, string op) => Assert.Equal(op, A64Decoder.Decode(word).Op.ToString());
}
