using System.Numerics;
using Captive.Core.Interpreter;
using Captive.Core.IR;
using Captive.Guest.Arm.Decoding;
using Captive.Guest.Arm.Disassembly;
using Captive.Guest.Arm.Lowering;
using Xunit;

namespace Captive.Guest.Arm.Tests.Decoding;

/// <summary>The decoder table's structure, and robustness of decoding, lowering and disassembly on random words.</summary>
public sealed class DecoderTableTests(ITestOutputHelper output)
{
    [Fact]
    public void No_two_table_lines_overlap_ambiguously()
    {
        // Where two lines can match the same word, one must be a strict special case of the other (all of the
        // other's fixed bits, and more): the decoder tries the more specific line first.
        var lines = A64Decoder.Encodings;
        var problems = new List<string>();
        for (int a = 0; a < lines.Length; a++)
            for (int b = a + 1; b < lines.Length; b++)
            {
                var x = lines[a];
                var y = lines[b];
                uint common = x.Mask & y.Mask;
                if (((x.Value ^ y.Value) & common) != 0) continue; // disjoint
                bool xMoreSpecific = (x.Mask & y.Mask) == y.Mask && x.Mask != y.Mask;
                bool yMoreSpecific = (x.Mask & y.Mask) == x.Mask && x.Mask != y.Mask;
                if (!xMoreSpecific && !yMoreSpecific) problems.Add($"{x} / {y}");
                else if (yMoreSpecific) problems.Add($"{y} must come before {x}");
            }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_line_decodes_a_word_built_from_its_own_pattern()
    {
        foreach (var e in A64Decoder.Encodings)
        {
            var decoded = A64Decoder.Decode(e.Value);
            // A catch-all's own all-zero word may fall inside a more specific line carved out of it; so may the
            // all-zero word of AdvSIMD shift by immediate (immh = 0 is the modified-immediate line).
            if ((e.Op == A64Op.Unsupported || e.Op == A64Op.AdvSimdShiftImm) && decoded.Encoding != e)
                Assert.True(decoded.Encoding is not null && (decoded.Encoding.Mask & e.Mask) == e.Mask && decoded.Encoding.Mask != e.Mask);
            else
                Assert.Same(e, decoded.Encoding);
        }
    }

    [Fact]
    public void Buckets_are_short()
    {
        output.WriteLine($"{A64Decoder.Encodings.Length} table lines; longest bucket {A64Decoder.LongestBucket}.");
        Assert.True(A64Decoder.LongestBucket <= 16);
    }

    [Theory]
    [InlineData(0x91004020u, nameof(A64Op.AddImm))]      // add x0, x1, #0x10
    [InlineData(0xf100141fu, nameof(A64Op.SubsImm))]     // cmp x0, #0x5
    [InlineData(0xaa0103e0u, nameof(A64Op.OrrReg))]      // mov x0, x1
    [InlineData(0xd37cec20u, nameof(A64Op.Ubfm))]        // lsl x0, x1, #4
    [InlineData(0xa9bf7bfdu, nameof(A64Op.LdStPair))]    // stp x29, x30, [sp, #-16]!
    [InlineData(0xf85f8c20u, nameof(A64Op.LdStImm9))]    // ldr x0, [x1, #-8]!
    [InlineData(0x3dc00420u, nameof(A64Op.LdStUImm))]    // ldr q0, [x1, #16]
    [InlineData(0xd65f03c0u, nameof(A64Op.Ret))]
    [InlineData(0xd503201fu, nameof(A64Op.Hint))]        // nop
    [InlineData(0xd5033bbfu, nameof(A64Op.Dmb))]         // dmb ish
    [InlineData(0x6f00e400u, nameof(A64Op.SimdModImm))]  // movi v0.2d, #0
    [InlineData(0x00000000u, nameof(A64Op.Udf))]         // udf #0
    [InlineData(0x02000000u, nameof(A64Op.Undefined))]   // unallocated
    [InlineData(0x12c00000u, nameof(A64Op.Undefined))]   // movn w0 with hw = 2
    [InlineData(0x13400000u, nameof(A64Op.Undefined))]   // sbfm with sf = 0, N = 1
    [InlineData(0x4ea28420u, nameof(A64Op.AdvSimd3Same))] // add v0.4s, v1.4s, v2.4s
    [InlineData(0x4ea20420u, nameof(A64Op.AdvSimd3Same))] // shadd v0.4s, v1.4s, v2.4s
    [InlineData(0xc87f0440u, nameof(A64Op.Ldxp))] // ldxp x0, x1, [x2]
    [InlineData(0xd508871fu, nameof(A64Op.Sys))]         // tlbi vmalle1
    [InlineData(0x88dffc20u, nameof(A64Op.Ldar))]        // ldar w0, [x1]
    [InlineData(0x88c0fc20u, nameof(A64Op.Undefined))]   // ldar with Rs != 11111 (CONSTRAINED UNPREDICTABLE, taken as UNDEFINED like binutils)
    public void Decodes(uint word, string op) => Assert.Equal(op, A64Decoder.Decode(word).Op.ToString());

    private sealed class RandomCode(Random random) : IInstructionFetcher
    {
        public bool TryFetch(ulong address, out uint word)
        {
            word = (uint)random.NextInt64(0, 1L << 32);
            return true;
        }
    }

    private sealed class AnyMemory : IGuestMemoryAccess
    {
        public ulong Read(ulong address, int size) => address * 0x9E37_79B9_7F4A_7C15ul >> (64 - 8 * size);
        public void Write(ulong address, int size, ulong value) { }
        public ulong ReadCounter() => 42;
    }

    [Fact]
    public void A_million_random_words_decode_disassemble_lower_verify_and_run_without_throwing()
    {
        var random = new Random(12345);
        var frontEnd = new A64FrontEnd();
        var fetcher = new RandomCode(random);
        var interpreter = new IrInterpreter(ArmState.Layout);
        var state = new byte[ArmState.Size];
        var memory = new AnyMemory();
        var block = new IrBlock();
        var counts = new Dictionary<IrTrapKind, int>();
        int words = 0, blocks = 0;
        while (words < 1_000_000)
        {
            block.Reset(0x4000_0000, Captive.Guest.Arm.Lowering.A64FrontEnd.ModeEl1);
            frontEnd.LowerBlock(0x4000_0000, fetcher, block, 8);
            IrVerifier.Verify(block);
            interpreter.Execute(block, state, memory);
            words += block.GuestInstructionCount;
            blocks++;
            counts[block.Terminal.Trap] = counts.GetValueOrDefault(block.Terminal.Trap) + 1;
        }
        for (int k = 0; k < 1_000_000; k++)
        {
            uint w = (uint)random.NextInt64(0, 1L << 32);
            A64Decoder.Decode(w);
            A64Disassembler.Disassemble(w, 0x4000_0000);
        }
        output.WriteLine($"{words} random words in {blocks} blocks; block ends: {string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"))}");
    }

    [Fact]
    public void Blocks_lowered_from_every_table_line_verify_and_run()
    {
        var words = Disassembly.ObjdumpComparisonTests.RandomWordsFromTable(perLine: 2000, seed: 99);
        var frontEnd = new A64FrontEnd();
        var interpreter = new IrInterpreter(ArmState.Layout);
        var state = new byte[ArmState.Size];
        var block = new IrBlock();
        foreach (uint w in words)
        {
            block.Reset(0x4000_0000, Captive.Guest.Arm.Lowering.A64FrontEnd.ModeEl1);
            frontEnd.LowerBlock(0x4000_0000, new OneWord(w), block, 4);
            IrVerifier.Verify(block);
            interpreter.Execute(block, state, new AnyMemory());
        }
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
    public void Random_words_are_classified_like_objdump_where_we_implement_them()
    {
        // Words we decode to an implemented instruction must be instructions for objdump too; words we call
        // UNDEFINED that objdump knows are reported (later extensions, or CONSTRAINED UNPREDICTABLE choices).
        Lowering.GnuToolchain.RequireObjdump();
        var random = new Random(31337);
        var words = Enumerable.Range(0, 200_000).Select(_ => (uint)random.NextInt64(0, 1L << 32)).ToList();
        var reference = Lowering.GnuToolchain.Objdump(words, 0);
        int implemented = 0, undefinedButKnown = 0;
        var wrong = new List<string>();
        for (int k = 0; k < words.Count; k++)
        {
            var op = A64Decoder.Decode(words[k]).Op;
            bool theyUndefined = reference[k].Contains("undefined", StringComparison.Ordinal);
            if (op is not (A64Op.Undefined or A64Op.Unsupported))
            {
                implemented++;
                if (theyUndefined && wrong.Count < 50) wrong.Add($"{words[k]:x8} {op}");
            }
            else if (op == A64Op.Undefined && !theyUndefined && (words[k] >> 25 & 7) != 7) undefinedButKnown++;
        }
        output.WriteLine($"{implemented} of {words.Count} random words are implemented instructions; " +
            $"{undefinedButKnown} integer-space words we call UNDEFINED are known to objdump (post-ARMv8.0 or UNPREDICTABLE).");
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }
}
