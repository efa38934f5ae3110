using Captive.Guest.Arm.Decoding;
using Xunit;

namespace Captive.Guest.Arm.Tests.Lowering;

// AdvSIMD two-register miscellaneous. Expected values worked by hand from the ARM ARM pseudocode (lanes
// little-endian; a 64-bit (Q = 0) form writes zeros to v.hi; FPSR: QC 0x8000000, IOC 0x1, IXC 0x10; FPCR = 0,
// so round to nearest even).
public sealed class AdvSimdMiscInstructionTests : InstructionTestBase
{
    [Theory]
    [InlineData("rev64 v0.8h, v1.8h", "v1.lo=0x0003000200010000 v1.hi=0x0007000600050004", "v0.lo=0x0000000100020003 v0.hi=0x0004000500060007")]
    [InlineData("rev16 v0.8b, v1.8b", "v1.lo=0x0706050403020100", "v0.lo=0x0607040502030001 v0.hi=0")]
    [InlineData("saddlp v0.4h, v1.8b", "v1.lo=0xfe057f7f808001ff", "v0.lo=0x000300feff000000 v0.hi=0")]
    [InlineData("uadalp v0.2d, v1.4s", "v0.lo=1 v0.hi=2 v1.lo=-1 v1.hi=0x0000000100000002", "v0.lo=0x00000001ffffffff v0.hi=5")]
    [InlineData("suqadd v0.16b, v1.16b", "v0.lo=0x7f v0.hi=0x80 v1.lo=0x01 v1.hi=0xff", "v0.lo=0x7f v0.hi=0x7f $Fpsr=0x8000000")]
    [InlineData("clz v0.4s, v1.4s", "v1.lo=0x0000000000000001 v1.hi=0x0001000080000000", "v0.lo=0x000000200000001f v0.hi=0x0000000f00000000")]
    [InlineData("cnt v0.8b, v1.8b", "v1.lo=0xff0f030100000080", "v0.lo=0x0804020100000001 v0.hi=0")]
    [InlineData("mvn v0.16b, v1.16b", "v1.lo=0 v1.hi=0xff00ff00ff00ff00", "v0.lo=-1 v0.hi=0x00ff00ff00ff00ff")]
    [InlineData("rbit v0.8b, v1.8b", "v1.lo=0x0102", "v0.lo=0x8040 v0.hi=0")]
    [InlineData("sqabs v0.4h, v1.4h", "v1.lo=0x80010005ffff8000", "v0.lo=0x7fff000500017fff v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("sqneg v0.2d, v1.2d", "v1.lo=0x8000000000000000 v1.hi=1", "v0.lo=0x7fffffffffffffff v0.hi=-1 $Fpsr=0x8000000")]
    [InlineData("abs v0.8h, v1.8h", "v1.lo=0x00000003fffe8000 v1.hi=0", "v0.lo=0x0000000300028000 v0.hi=0")]
    [InlineData("cmlt v0.8b, v1.8b, #0", "v1.lo=0x0080ff017f000000", "v0.lo=0x00ffff0000000000 v0.hi=0")]
    [InlineData("cmle v0.4s, v1.4s, #0", "v1.lo=0x0000000100000000 v1.hi=0x7fffffffffffffff", "v0.lo=0x00000000ffffffff v0.hi=0x00000000ffffffff")]
    public void Integer(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("xtn2 v0.8h, v1.4s", "v0.lo=0x1111 v1.lo=0xffff000112345678 v1.hi=0x000000010000abcd", "v0.hi=0x0001abcd00015678")]
    [InlineData("uqxtn v0.2s, v1.2d", "v1.lo=0x100000000 v1.hi=5", "v0.lo=0x00000005ffffffff v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("sqxtun v0.8b, v1.8h", "v1.lo=0x001200ff0100ffff v1.hi=0", "v0.lo=0x12ffff00 v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("shll v0.4s, v1.4h, #16", "v1.lo=0xffff000180001234", "v0.lo=0x8000000012340000 v0.hi=0xffff000000010000")]
    [InlineData("urecpe v0.4s, v1.4s", "v1.lo=0xffffffff80000000 v1.hi=0xc00000007fffffff", "v0.lo=0x80000000ff800000 v0.hi=0xaa800000ffffffff")]
    [InlineData("ursqrte v0.2s, v1.2s", "v1.lo=0x400000003fffffff", "v0.lo=0xff800000ffffffff v0.hi=0")]
    public void Narrow_lengthen_and_estimate(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("fcmlt v0.4s, v1.4s, #0.0", "v1.lo=0x80000000bf800000 v1.hi=0x7fc000003f800000", "v0.lo=0x00000000ffffffff v0.hi=0 $Fpsr=0x1")]
    [InlineData("fcmeq v0.2d, v1.2d, #0.0", "v1.lo=0x8000000000000000 v1.hi=0x3ff0000000000000", "v0.lo=-1 v0.hi=0")]
    [InlineData("fneg v0.2s, v1.2s", "v1.lo=0x7fc000003f800000", "v0.lo=0xffc00000bf800000 v0.hi=0")]
    [InlineData("fsqrt v0.2d, v1.2d", "v1.lo=0x4010000000000000 v1.hi=0x4002000000000000", "v0.lo=0x4000000000000000 v0.hi=0x3ff8000000000000")]
    [InlineData("fcvtn v0.4h, v1.4s", "v1.lo=0xc00000003f800000 v1.hi=0x3f000000477fe000", "v0.lo=0x38007bffc0003c00 v0.hi=0")]
    [InlineData("fcvtl2 v0.2d, v1.4s", "v1.hi=0xbf8000003fc00000", "v0.lo=0x3ff8000000000000 v0.hi=0xbff0000000000000")]
    [InlineData("frintn v0.4s, v1.4s", "v1.lo=0x4060000040200000 v1.hi=0x3fa00000bf000000", "v0.lo=0x4080000040000000 v0.hi=0x3f80000080000000")]
    [InlineData("frintx v0.2s, v1.2s", "v1.lo=0x404000003fc00000", "v0.lo=0x4040000040000000 v0.hi=0 $Fpsr=0x10")]
    [InlineData("fcvtzs v0.4s, v1.4s", "v1.lo=0x4f32d05ebfc00000 v1.hi=0x8000000040000000", "v0.lo=0x7fffffffffffffff v0.hi=0x0000000000000002 $Fpsr=0x11")]
    [InlineData("fcvtas v0.2d, v1.2d", "v1.lo=0x4004000000000000 v1.hi=0xc004000000000000", "v0.lo=3 v0.hi=0xfffffffffffffffd $Fpsr=0x10")]
    [InlineData("ucvtf v0.2s, v1.2s", "v1.lo=0x00000001ffffffff", "v0.lo=0x3f8000004f800000 v0.hi=0 $Fpsr=0x10")]
    [InlineData("scvtf v0.2d, v1.2d", "v1.lo=-1 v1.hi=3", "v0.lo=0xbff0000000000000 v0.hi=0x4008000000000000")]
    [InlineData("fcvtzs v0.2s, v1.2s", "v0.hi=-1 v1.lo=0x3fc0000040000000 v1.hi=0x7fc000007f800001", "v0.lo=0x0000000100000002 v0.hi=0 $Fpsr=0x10")] // 1.5 truncates: IXC only; the NaNs in bits 127:64 raise nothing
    public void Floating_point(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData(0x0e601820u, nameof(A64Op.Undefined))]   // rev16 with size 01 is reserved
    [InlineData(0x0e605820u, nameof(A64Op.Undefined))]   // cnt with size 01 is reserved
    [InlineData(0x0ee12820u, nameof(A64Op.Undefined))]   // xtn with size 11 is reserved
    [InlineData(0x0ee0f820u, nameof(A64Op.Undefined))]   // fabs .1d (sz = 1, Q = 0) is reserved
    [InlineData(0x2e616820u, nameof(A64Op.AdvSimd2RegMisc))] // fcvtxn v0.2s, v1.2d
    [InlineData(0x6e616820u, nameof(A64Op.AdvSimd2RegMisc))] // fcvtxn2 v0.4s, v1.2d
    [InlineData(0x2e216820u, nameof(A64Op.Undefined))]       // fcvtxn with sz = 0 is reserved
    [InlineData(0x4ea1d820u, nameof(A64Op.AdvSimd2RegMisc))] // frecpe v0.4s, v1.4s
    [InlineData(0x0ea1f820u, nameof(A64Op.Undefined))]       // frecpx has no vector form
    [InlineData(0x4ea1c820u, nameof(A64Op.AdvSimd2RegMisc))] // urecpe v0.4s, v1.4s
    [InlineData(0x0ee1c820u, nameof(A64Op.Undefined))]   // urecpe with size 11 is reserved
    [InlineData(0x4ee0f820u, nameof(A64Op.AdvSimd2RegMisc))] // fabs v0.2d, v1.2d
    public void Classifies(uint word, string op) => Assert.Equal(op, A64Decoder.Decode(word).Op.ToString());
}
