using Captive.Core.Interpreter;
using Captive.Core.IR;
using Captive.Guest.Arm.Decoding;
using Captive.Guest.Arm.Lowering;
using Xunit;

namespace Captive.Guest.Arm.Tests.Lowering;

// AdvSIMD vector instructions lowered to vector IR. Expected values are worked by hand from the ARM ARM
// pseudocode: lanes little-endian within v.lo/v.hi; a 64-bit (Q = 0) form writes zeros to v.hi;
// saturation sets FPSR.QC (0x8000000); FCMGT of a NaN raises IOC (0x1).
public sealed class AdvSimdInstructionTests : InstructionTestBase
{
    [Theory]
    [InlineData("add v0.4s, v1.4s, v2.4s", "v1.lo=0x00000001ffffffff v1.hi=0x7fffffff00000010 v2.lo=0x0000000200000001 v2.hi=0x0000000100000020", "v0.lo=0x0000000300000000 v0.hi=0x8000000000000030")]
    [InlineData("sqadd v0.8b, v1.8b, v2.8b", "v1.lo=0x7f80000000000000 v2.lo=0x01ff000000000010", "v0.lo=0x7f80000000000010 v0.hi=0 $Fpsr=0x8000000")]
    [InlineData("uqsub v0.8h, v1.8h, v2.8h", "v1.lo=0x0005000100000010 v1.hi=0xffff000000000000 v2.lo=0x0003000200000001 v2.hi=0x0001000000000000", "v0.lo=0x000200000000000f v0.hi=0xfffe000000000000 $Fpsr=0x8000000")]
    [InlineData("cmgt v0.4s, v1.4s, v2.4s", "v1.lo=0xffffffff00000005 v1.hi=0x800000007fffffff v2.lo=0x0000000000000003 v2.hi=0x7fffffff80000000", "v0.lo=0x00000000ffffffff v0.hi=0x00000000ffffffff")]
    [InlineData("cmhi v0.2d, v1.2d, v2.2d", "v1.lo=-1 v2.lo=1 v1.hi=1 v2.hi=1", "v0.lo=-1 v0.hi=0")]
    [InlineData("sshl v0.4s, v1.4s, v2.4s", "v1.lo=0x8000000000000001 v1.hi=0x0000010000000010 v2.lo=0x000000ff00000004 v2.hi=0x00000020000000fc", "v0.lo=0xc000000000000010 v0.hi=0x0000000000000001")]
    [InlineData("umin v0.16b, v1.16b, v2.16b", "v1.lo=0x00ff10203040506f v1.hi=0x0102030405060708 v2.lo=0xff0011223344556e v2.hi=0x0807060504030201", "v0.lo=0x000010203040506e v0.hi=0x0102030404030201")]
    [InlineData("sabd v0.4h, v1.4h, v2.4h", "v1.lo=0x80007fff0005fffe v2.lo=0x7fff800000030002", "v0.lo=0xffffffff00020004 v0.hi=0")]
    [InlineData("mla v0.4s, v1.4s, v2.4s", "v0.lo=0x0000000100000002 v0.hi=0x10 v1.lo=0x0000000300000004 v1.hi=0xffffffff00000002 v2.lo=0x0000000500000006 v2.hi=0x0000000200000003", "v0.lo=0x000000100000001a v0.hi=0xfffffffe00000016")]
    [InlineData("addp v0.4s, v1.4s, v2.4s", "v1.lo=0x0000000200000001 v1.hi=0x0000000400000003 v2.lo=0x0000002000000010 v2.hi=0xffffffff00000001", "v0.lo=0x0000000700000003 v0.hi=0x0000000000000030")]
    [InlineData("cmtst v0.8b, v1.8b, v2.8b", "v1.lo=0x0102040800000000 v2.lo=0x01030c0000ff0000", "v0.lo=0xffffff0000000000 v0.hi=0")]
    public void Integer_three_same(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("fadd v0.4s, v1.4s, v2.4s", "v1.lo=0x400000003f800000 v1.hi=0xbf8000003f000000 v2.lo=0x3f00000040000000 v2.hi=0x3f8000003e800000", "v0.lo=0x4020000040400000 v0.hi=0x000000003f400000")]
    [InlineData("fmla v0.2d, v1.2d, v2.2d", "v0.lo=0x3ff0000000000000 v0.hi=0x4000000000000000 v1.lo=0x4000000000000000 v1.hi=0x4008000000000000 v2.lo=0x4008000000000000 v2.hi=0x3fe0000000000000", "v0.lo=0x401c000000000000 v0.hi=0x400c000000000000")]
    [InlineData("fcmgt v0.2s, v1.2s, v2.2s", "v1.lo=0x7fc0000040000000 v2.lo=0x3f8000003f800000", "v0.lo=0x00000000ffffffff v0.hi=0 $Fpsr=0x1")]
    public void Fp_three_same(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("addv b0, v1.16b", "v1.lo=0x0102030405060708 v1.hi=0xff00000000000010", "v0.lo=0x33 v0.hi=0")]
    [InlineData("uaddlv h0, v1.8b", "v1.lo=-1", "v0.lo=0x7f8 v0.hi=0")]
    [InlineData("sminv s0, v1.4s", "v1.lo=0x00000005fffffffe v1.hi=0x8000000000000007", "v0.lo=0x80000000 v0.hi=0")]
    public void Across_lanes(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("zip1 v0.8b, v1.8b, v2.8b", "v1.lo=0x0706050403020100 v2.lo=0x1716151413121110", "v0.lo=0x1303120211011000 v0.hi=0")]
    [InlineData("uzp2 v0.4s, v1.4s, v2.4s", "v1.lo=0x0000000100000000 v1.hi=0x0000000300000002 v2.lo=0x0000001100000010 v2.hi=0x0000001300000012", "v0.lo=0x0000000300000001 v0.hi=0x0000001300000011")]
    [InlineData("trn1 v0.8h, v1.8h, v2.8h", "v1.lo=0x0003000200010000 v1.hi=0x0007000600050004 v2.lo=0x0013001200110010 v2.hi=0x0017001600150014", "v0.lo=0x0012000200100000 v0.hi=0x0016000600140004")]
    [InlineData("ext v0.16b, v1.16b, v2.16b, #3", "v1.lo=0x0706050403020100 v1.hi=0x0f0e0d0c0b0a0908 v2.lo=0x1716151413121110 v2.hi=0x1f1e1d1c1b1a1918", "v0.lo=0x0a09080706050403 v0.hi=0x1211100f0e0d0c0b")]
    [InlineData("tbl v0.16b, {v1.16b, v2.16b}, v3.16b", "v1.lo=0x8786858483828180 v1.hi=0x8f8e8d8c8b8a8988 v2.lo=0x9796959493929190 v2.hi=0x9f9e9d9c9b9a9998 v3.lo=0x201f100f0100ff05 v3.hi=0", "v0.lo=0x009f908f81800085 v0.hi=0x8080808080808080")]
    [InlineData("tbx v0.8b, {v1.16b}, v3.8b", "v0.lo=0x1111111111111111 v0.hi=0x2222 v1.lo=0x8786858483828180 v1.hi=0x8f8e8d8c8b8a8988 v3.lo=0x0000000000ff1002", "v0.lo=0x8080808080111182 v0.hi=0")]
    public void Permutes_and_tables(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData(0x0ee28420u, nameof(A64Op.Undefined))] // add with size 3, Q = 0 (.1d) is reserved
    [InlineData(0x0ec23820u, nameof(A64Op.Undefined))] // zip1 .1d is reserved
    [InlineData(0x0e024820u, nameof(A64Op.Undefined))] // permute opcode 100 is unallocated
    [InlineData(0x2e024020u, nameof(A64Op.Undefined))] // ext .8b with imm4 >= 8
    [InlineData(0x4ea20420u, nameof(A64Op.AdvSimd3Same))] // shadd v0.4s
    [InlineData(0x6e22dc20u, nameof(A64Op.AdvSimd3Same))] // fmul v0.4s, v1.4s, v2.4s
    public void Classifies(uint word, string op) => Assert.Equal(op, A64Decoder.Decode(word).Op.ToString());

    private sealed class AnyMemory : IGuestMemoryAccess
    {
        public ulong Read(ulong address, int size) => address * 0x9E37_79B9_7F4A_7C15ul >> (64 - 8 * size);
        public void Write(ulong address, int size, ulong value) { }
        public ulong ReadCounter() => 42;
    }

    private sealed class OneWord(uint word) : IInstructionFetcher
    {
        public bool TryFetch(ulong address, out uint w)
        {
            w = word;
            return address == 0x4000_0000;
        }
    }

    [Fact]
    public void Random_words_from_the_vector_table_lines_lower_verify_and_run()
    {
        var lines = A64Decoder.Encodings.Where(e => e.Op is >= A64Op.AdvSimd3Same and <= A64Op.AdvSimdTbl).ToArray();
        Assert.NotEmpty(lines);
        foreach (var op in new[] { A64Op.AdvSimdShiftImm, A64Op.AdvSimd2RegMisc, A64Op.AdvSimd3Diff })
            Assert.Contains(lines, e => e.Op == op);
        var random = new Random(4242);
        var frontEnd = new A64FrontEnd();
        var interpreter = new IrInterpreter(ArmState.Layout);
        var state = new byte[ArmState.Size];
        random.NextBytes(state);
        var block = new IrBlock();
        var memory = new AnyMemory();
        for (int k = 0; k < 200_000; k++)
        {
            var e = lines[k % lines.Length];
            uint w = ((uint)random.NextInt64(0, 1L << 32) & ~e.Mask) | e.Value;
            block.Reset(0x4000_0000, A64FrontEnd.ModeEl1);
            frontEnd.LowerBlock(0x4000_0000, new OneWord(w), block, 2);
            IrVerifier.Verify(block);
            interpreter.Execute(block, state, memory);
        }
    }
}
