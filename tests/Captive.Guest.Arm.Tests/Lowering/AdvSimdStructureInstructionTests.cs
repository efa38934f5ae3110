using Captive.Guest.Arm.Decoding;
using Captive.Guest.Arm.Disassembly;
using Xunit;

namespace Captive.Guest.Arm.Tests.Lowering;

// AdvSIMD load/store multiple structures and single structure. Expected values worked by hand from the ARM ARM
// pseudocode (ARM DDI 0487, LD1–LD4, LD1R–LD4R, ST1–ST4): memory and lanes little-endian; a multiple-structure
// or replicating load with Q = 0 writes zeros to v.hi; a lane load keeps every other lane, v.hi included when
// Q = 0; registers wrap from v31 to v0. Registers start as vN.lo = 0x7e7e00000000000N, vN.hi = 0x7f7f00000000000N
// (InstructionTestBase), so a kept lane shows.
public sealed class AdvSimdStructureInstructionTests : InstructionTestBase
{
    // halfwords 0..15 at D (ld2/ld4 of halfwords), words 0..15 at D (ld4 of words)
    private const string Halfwords = "m64@D=0x0003000200010000 m64@D+8=0x0007000600050004 m64@D+16=0x000b000a00090008 m64@D+24=0x000f000e000d000c";
    private const string Words = "m64@D=0x0000000100000000 m64@D+8=0x0000000300000002 m64@D+16=0x0000000500000004 m64@D+24=0x0000000700000006 "
        + "m64@D+32=0x0000000900000008 m64@D+40=0x0000000b0000000a m64@D+48=0x0000000d0000000c m64@D+56=0x0000000f0000000e";

    [Theory]
    [InlineData("ld1 {v0.16b}, [x1]", "x1=D m64@D=0x0706050403020100 m64@D+8=0x0f0e0d0c0b0a0908", "v0.lo=0x0706050403020100 v0.hi=0x0f0e0d0c0b0a0908")]
    [InlineData("ld1 {v0.8b}, [x1]", "x1=D m64@D=0x0706050403020100 m64@D+8=-1", "v0.lo=0x0706050403020100 v0.hi=0")]
    [InlineData("ld1 {v0.1d}, [x1]", "x1=D m64@D=5", "v0.lo=5 v0.hi=0")]
    [InlineData("ld1 {v30.2d, v31.2d, v0.2d}, [x1]", "x1=D m64@D=1 m64@D+8=2 m64@D+16=3 m64@D+24=4 m64@D+32=5 m64@D+40=6",
        "v30.lo=1 v30.hi=2 v31.lo=3 v31.hi=4 v0.lo=5 v0.hi=6")]
    [InlineData("ld1 {v4.4h-v7.4h}, [x1], #32", "x1=D m64@D=1 m64@D+8=2 m64@D+16=3 m64@D+24=4",
        "v4.lo=1 v4.hi=0 v5.lo=2 v5.hi=0 v6.lo=3 v6.hi=0 v7.lo=4 v7.hi=0 x1=D+32")]
    [InlineData("ld1 {v0.2s}, [x1], x1", "x1=D m64@D=0x0000000200000001", "v0.lo=0x0000000200000001 v0.hi=0 x1=0x80010000")] // X[m] read before the write-back
    [InlineData("ld1 {v31.4s, v0.4s}, [sp], x2", "sp=D x2=-16 m64@D=1 m64@D+8=2 m64@D+16=3 m64@D+24=4", "v31.lo=1 v31.hi=2 v0.lo=3 v0.hi=4 sp=D-16")]
    public void Ld1_multiple(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("ld2 {v0.8h, v1.8h}, [x1]", "x1=D " + Halfwords,
        "v0.lo=0x0006000400020000 v0.hi=0x000e000c000a0008 v1.lo=0x0007000500030001 v1.hi=0x000f000d000b0009")]
    [InlineData("ld2 {v0.2d, v1.2d}, [sp], #32", "sp=D m64@D=1 m64@D+8=2 m64@D+16=3 m64@D+24=4", "v0.lo=1 v0.hi=3 v1.lo=2 v1.hi=4 sp=D+32")]
    [InlineData("ld2 {v31.8b, v0.8b}, [x1], #16", "x1=D m64@D=0x0706050403020100 m64@D+8=0x0f0e0d0c0b0a0908",
        "v31.lo=0x0e0c0a0806040200 v31.hi=0 v0.lo=0x0f0d0b0907050301 v0.hi=0 x1=D+16")]
    [InlineData("ld3 {v0.8b, v1.8b, v2.8b}, [x1]", "x1=D m64@D=0x0706050403020100 m64@D+8=0x0f0e0d0c0b0a0908 m64@D+16=0x1716151413121110",
        "v0.lo=0x15120f0c09060300 v0.hi=0 v1.lo=0x1613100d0a070401 v1.hi=0 v2.lo=0x1714110e0b080502 v2.hi=0")]
    [InlineData("ld3 {v3.2d, v4.2d, v5.2d}, [x1], #48", "x1=D m64@D=1 m64@D+8=2 m64@D+16=3 m64@D+24=4 m64@D+32=5 m64@D+40=6",
        "v3.lo=1 v3.hi=4 v4.lo=2 v4.hi=5 v5.lo=3 v5.hi=6 x1=D+48")]
    [InlineData("ld4 {v0.4s-v3.4s}, [x1]", "x1=D " + Words,
        "v0.lo=0x0000000400000000 v0.hi=0x0000000c00000008 v1.lo=0x0000000500000001 v1.hi=0x0000000d00000009 "
        + "v2.lo=0x0000000600000002 v2.hi=0x0000000e0000000a v3.lo=0x0000000700000003 v3.hi=0x0000000f0000000b")]
    [InlineData("ld4 {v30.4h, v31.4h, v0.4h, v1.4h}, [x1], x2", "x1=D x2=0x100 " + Halfwords,
        "v30.lo=0x000c000800040000 v30.hi=0 v31.lo=0x000d000900050001 v31.hi=0 v0.lo=0x000e000a00060002 v0.hi=0 v1.lo=0x000f000b00070003 v1.hi=0 x1=D+0x100")]
    [InlineData("ld4 {v0.2d-v3.2d}, [x1]", "x1=D m64@D=1 m64@D+8=2 m64@D+16=3 m64@D+24=4 m64@D+32=5 m64@D+40=6 m64@D+48=7 m64@D+56=8",
        "v0.lo=1 v0.hi=5 v1.lo=2 v1.hi=6 v2.lo=3 v2.hi=7 v3.lo=4 v3.hi=8")]
    [InlineData("ld4 {v0.16b-v3.16b}, [x1]", "x1=D m64@D=0x0706050403020100 m64@D+8=0x0f0e0d0c0b0a0908 m64@D+16=0x1716151413121110 m64@D+24=0x1f1e1d1c1b1a1918 "
        + "m64@D+32=0x2726252423222120 m64@D+40=0x2f2e2d2c2b2a2928 m64@D+48=0x3736353433323130 m64@D+56=0x3f3e3d3c3b3a3938",
        "v0.lo=0x1c1814100c080400 v0.hi=0x3c3834302c282420 v1.lo=0x1d1915110d090501 v1.hi=0x3d3935312d292521 "
        + "v2.lo=0x1e1a16120e0a0602 v2.hi=0x3e3a36322e2a2622 v3.lo=0x1f1b17130f0b0703 v3.hi=0x3f3b37332f2b2723")]
    public void Ld2_ld3_ld4_deinterleave(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("st1 {v0.16b, v1.16b}, [x1]", "x1=D v0.lo=1 v0.hi=2 v1.lo=3 v1.hi=4", "m64@D=1 m64@D+8=2 m64@D+16=3 m64@D+24=4")]
    [InlineData("st1 {v31.1d, v0.1d}, [x1], #16", "x1=D v31.lo=0xaaaa v0.lo=0xbbbb", "m64@D=0xaaaa m64@D+8=0xbbbb x1=D+16")]
    [InlineData("st1 {v1.8h-v3.8h}, [sp], x3", "sp=D x3=0x30", "m64@D=0x7e7e000000000001 m64@D+8=0x7f7f000000000001 m64@D+16=0x7e7e000000000002 "
        + "m64@D+24=0x7f7f000000000002 m64@D+32=0x7e7e000000000003 m64@D+40=0x7f7f000000000003 sp=D+0x30")]
    [InlineData("st1 {v29.2s, v30.2s, v31.2s, v0.2s}, [x1]", "x1=D", "m64@D=0x7e7e00000000001d m64@D+8=0x7e7e00000000001e m64@D+16=0x7e7e00000000001f m64@D+24=0x7e7e000000000000")]
    [InlineData("st2 {v0.4s, v1.4s}, [x1]", "x1=D v0.lo=0x0000000100000000 v0.hi=0x0000000300000002 v1.lo=0x0000001100000010 v1.hi=0x0000001300000012",
        "m64@D=0x0000001000000000 m64@D+8=0x0000001100000001 m64@D+16=0x0000001200000002 m64@D+24=0x0000001300000003")]
    [InlineData("st2 {v0.2d, v1.2d}, [x1], #32", "x1=D", "m64@D=0x7e7e000000000000 m64@D+8=0x7e7e000000000001 m64@D+16=0x7f7f000000000000 m64@D+24=0x7f7f000000000001 x1=D+32")]
    [InlineData("st3 {v0.4h, v1.4h, v2.4h}, [x1]", "x1=D v0.lo=0x0003000200010000 v1.lo=0x0013001200110010 v2.lo=0x0023002200210020",
        "m64@D=0x0001002000100000 m64@D+8=0x0012000200210011 m64@D+16=0x0023001300030022")]
    [InlineData("st3 {v31.2d, v0.2d, v1.2d}, [x1], #48", "x1=D",
        "m64@D=0x7e7e00000000001f m64@D+8=0x7e7e000000000000 m64@D+16=0x7e7e000000000001 m64@D+24=0x7f7f00000000001f m64@D+32=0x7f7f000000000000 m64@D+40=0x7f7f000000000001 x1=D+48")]
    [InlineData("st4 {v0.8b-v3.8b}, [x1]", "x1=D v0.lo=0x0706050403020100 v1.lo=0x1716151413121110 v2.lo=0x2726252423222120 v3.lo=0x3736353433323130",
        "m64@D=0x3121110130201000 m64@D+8=0x3323130332221202 m64@D+16=0x3525150534241404 m64@D+24=0x3727170736261606")]
    [InlineData("st4 {v30.2d, v31.2d, v0.2d, v1.2d}, [sp]", "sp=D",
        "m64@D=0x7e7e00000000001e m64@D+8=0x7e7e00000000001f m64@D+16=0x7e7e000000000000 m64@D+24=0x7e7e000000000001 "
        + "m64@D+32=0x7f7f00000000001e m64@D+40=0x7f7f00000000001f m64@D+48=0x7f7f000000000000 m64@D+56=0x7f7f000000000001")]
    [InlineData("st4 {v0.4s-v3.4s}, [x1], #64", "x1=D v0.lo=0x0000000400000000 v0.hi=0x0000000c00000008 v1.lo=0x0000000500000001 v1.hi=0x0000000d00000009 "
        + "v2.lo=0x0000000600000002 v2.hi=0x0000000e0000000a v3.lo=0x0000000700000003 v3.hi=0x0000000f0000000b", Words + " x1=D+64")]
    public void St1_to_st4_interleave(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("ld1 {v0.b}[15], [x1]", "x1=D m8@D=0xab", "v0.hi=0xab7f000000000000")]
    [InlineData("ld1 {v0.b}[3], [x1]", "x1=D m8@D=0xab", "v0.lo=0x7e7e0000ab000000")] // Q = 0: v0.hi is kept, not zeroed
    [InlineData("ld2 {v0.h, v1.h}[2], [x1]", "x1=D m16@D=0xaaaa m16@D+2=0xbbbb", "v0.lo=0x7e7eaaaa00000000 v1.lo=0x7e7ebbbb00000001")]
    [InlineData("ld3 {v1.s-v3.s}[1], [x2], x3", "x2=D x3=0x40 m32@D=0x11111111 m32@D+4=0x22222222 m32@D+8=0x33333333",
        "v1.lo=0x1111111100000001 v2.lo=0x2222222200000002 v3.lo=0x3333333300000003 x2=D+0x40")]
    [InlineData("ld3 {v1.s-v3.s}[3], [x2], #12", "x2=D m32@D=0x11111111 m32@D+4=0x22222222 m32@D+8=0x33333333",
        "v1.hi=0x1111111100000001 v2.hi=0x2222222200000002 v3.hi=0x3333333300000003 x2=D+12")]
    [InlineData("ld4 {v31.d, v0.d, v1.d, v2.d}[1], [x1], #32", "x1=D m64@D=1 m64@D+8=2 m64@D+16=3 m64@D+24=4", "v31.hi=1 v0.hi=2 v1.hi=3 v2.hi=4 x1=D+32")]
    [InlineData("ld4 {v4.h-v7.h}[7], [sp]", "sp=D m64@D=0x4444333322221111", "v4.hi=0x1111000000000004 v5.hi=0x2222000000000005 v6.hi=0x3333000000000006 v7.hi=0x4444000000000007")]
    [InlineData("ld1 {v0.d}[0], [x1]", "x1=D m64@D=9", "v0.lo=9")]
    public void Lane_loads(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("st1 {v0.d}[1], [x1], #8", "x1=D", "m64@D=0x7f7f000000000000 x1=D+8")]
    [InlineData("st2 {v5.h, v6.h}[7], [x1]", "x1=D v5.hi=0xbeef000000000000 v6.hi=0xcafe000000000000", "m32@D=0xcafebeef")]
    [InlineData("st3 {v0.b-v2.b}[9], [sp], x4", "sp=D x4=8 v0.hi=0x1100 v1.hi=0x2200 v2.hi=0x3300", "m32@D=0x332211 sp=D+8")]
    [InlineData("st4 {v29.h, v30.h, v31.h, v0.h}[1], [x1], #8", "x1=D v29.lo=0x1d0000 v30.lo=0x1e0000 v31.lo=0x1f0000 v0.lo=0x100000", "m64@D=0x0010001f001e001d x1=D+8")]
    [InlineData("st1 {v3.s}[2], [x1]", "x1=D v3.hi=0x1234567887654321", "m32@D=0x87654321")]
    public void Lane_stores(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("ld1r {v0.4s}, [x1]", "x1=D m32@D=0x12345678", "v0.lo=0x1234567812345678 v0.hi=0x1234567812345678")]
    [InlineData("ld1r {v0.1d}, [x1], #8", "x1=D m64@D=0x1122334455667788", "v0.lo=0x1122334455667788 v0.hi=0 x1=D+8")]
    [InlineData("ld2r {v0.8b, v1.8b}, [x1], #2", "x1=D m16@D=0xbbaa", "v0.lo=0xaaaaaaaaaaaaaaaa v0.hi=0 v1.lo=0xbbbbbbbbbbbbbbbb v1.hi=0 x1=D+2")]
    [InlineData("ld3r {v0.2d-v2.2d}, [x1], x2", "x1=D x2=-8 m64@D=1 m64@D+8=2 m64@D+16=3", "v0.lo=1 v0.hi=1 v1.lo=2 v1.hi=2 v2.lo=3 v2.hi=3 x1=D-8")]
    [InlineData("ld4r {v29.8h, v30.8h, v31.8h, v0.8h}, [sp]", "sp=D m64@D=0x4444333322221111",
        "v29.lo=0x1111111111111111 v29.hi=0x1111111111111111 v30.lo=0x2222222222222222 v30.hi=0x2222222222222222 "
        + "v31.lo=0x3333333333333333 v31.hi=0x3333333333333333 v0.lo=0x4444444444444444 v0.hi=0x4444444444444444")]
    [InlineData("ld4r {v1.2s-v4.2s}, [x1], #16", "x1=D m64@D=0x0000000200000001 m64@D+8=0x0000000400000003",
        "v1.lo=0x0000000100000001 v1.hi=0 v2.lo=0x0000000200000002 v2.hi=0 v3.lo=0x0000000300000003 v3.hi=0 v4.lo=0x0000000400000004 v4.hi=0 x1=D+16")]
    public void Load_and_replicate(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData(0x4c407000u, nameof(A64Op.LdStMultiple))]     // ld1 {v0.16b}, [x0]
    [InlineData(0x0c407c00u, nameof(A64Op.LdStMultiple))]     // ld1 {v0.1d}, [x0]: .1d is allowed for LD1/ST1
    [InlineData(0x0c408c00u, nameof(A64Op.Undefined))]        // ld2 {v0.1d, v1.1d}: size 11 with Q = 0
    [InlineData(0x0c004c00u, nameof(A64Op.Undefined))]        // st3 .1d
    [InlineData(0x0c400c00u, nameof(A64Op.Undefined))]        // ld4 .1d
    [InlineData(0x4c400c00u, nameof(A64Op.LdStMultiple))]     // ld4 {v0.2d-v3.2d}, [x0]
    [InlineData(0x0c401000u, nameof(A64Op.Undefined))]        // opcode 0001 is unallocated
    [InlineData(0x0c40f000u, nameof(A64Op.Undefined))]        // opcode 1111 is unallocated
    [InlineData(0x0cdf9000u, nameof(A64Op.Undefined))]        // post-indexed opcode 1001 is unallocated
    [InlineData(0x0c417000u, nameof(A64Op.Undefined))]        // no-offset form with bits 20:16 not zero
    [InlineData(0x0ce07000u, nameof(A64Op.Undefined))]        // post-indexed multiple with bit 21 set
    [InlineData(0x4cdf2000u, nameof(A64Op.LdStMultiplePost))] // ld1 {v0.16b-v3.16b}, [x0], #64
    [InlineData(0x0d00c000u, nameof(A64Op.Undefined))]        // a store with the replicate opcode (no ST1R)
    [InlineData(0x0d40d000u, nameof(A64Op.Undefined))]        // ld1r with S = 1
    [InlineData(0x0d40c000u, nameof(A64Op.LdStSingle))]       // ld1r {v0.8b}, [x0]
    [InlineData(0x0d404400u, nameof(A64Op.Undefined))]        // halfword lane with size<0> = 1
    [InlineData(0x0d408800u, nameof(A64Op.Undefined))]        // word/doubleword lane with size<1> = 1
    [InlineData(0x0d409400u, nameof(A64Op.Undefined))]        // doubleword lane with S = 1
    [InlineData(0x0d408400u, nameof(A64Op.LdStSingle))]       // ld1 {v0.d}[0], [x0]
    [InlineData(0x0dc3b041u, nameof(A64Op.LdStSinglePost))]   // ld3 {v1.s-v3.s}[1], [x2], x3
    [InlineData(0x0dffd000u, nameof(A64Op.Undefined))]        // post-indexed ld2r with S = 1
    public void Classifies(uint word, string op) => Assert.Equal(op, A64Decoder.Decode(word).Op.ToString());

    /// <summary>
    /// Every combination of the fields that select the form (Q, L, R, opcode, S, size; Rm = 31 and a register in
    /// the post-indexed classes) decodes as UNDEFINED exactly where objdump says undefined, and is spelt like objdump.
    /// </summary>
    [Fact]
    public void Every_form_is_classified_and_spelt_like_objdump()
    {
        GnuToolchain.RequireObjdump();
        var words = new List<uint>();
        foreach (uint rm in (uint[])[31, 3])
        foreach (var (rn, rt) in ((uint, uint)[])[(2, 30), (31, 1)])
            for (uint q = 0; q < 2; q++)
                for (uint l = 0; l < 2; l++)
                    for (uint opcode = 0; opcode < 16; opcode++)
                        for (uint size = 0; size < 4; size++)
                        {
                            uint fields = q << 30 | l << 22 | opcode << 12 | size << 10 | rn << 5 | rt;
                            if (rm == 31) words.Add(0x0c00_0000u | fields);
                            words.Add(0x0c80_0000u | rm << 16 | fields);
                            for (uint r = 0; r < 2; r++)
                            {
                                if (rm == 31) words.Add(0x0d00_0000u | r << 21 | fields);
                                words.Add(0x0d80_0000u | r << 21 | rm << 16 | fields);
                            }
                        }
        var reference = GnuToolchain.Objdump(words, 0);
        var errors = new List<string>();
        for (int k = 0; k < words.Count; k++)
        {
            string theirs = GnuToolchain.Normalize(reference[k] ?? "");
            bool theyUndefined = theirs.StartsWith(".inst", StringComparison.Ordinal) || theirs.Length == 0;
            var op = A64Decoder.Decode(words[k]).Op;
            string? ours = A64Disassembler.Disassemble(words[k], 4 * (ulong)k);
            if (op == A64Op.Unsupported) errors.Add($"{words[k]:x8}: still Unsupported");
            else if ((op == A64Op.Undefined) != theyUndefined) errors.Add($"{words[k]:x8}: we decode {op}, objdump: {theirs}");
            else if (!theyUndefined && ours != theirs) errors.Add($"{words[k]:x8}: ours {ours}, objdump {theirs}");
        }
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}
