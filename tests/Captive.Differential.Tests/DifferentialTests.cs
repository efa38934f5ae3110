using Captive.Differential;

namespace Captive.Differential.Tests;

/// <summary>
/// QEMU is the oracle for the A64 → IR lowering: a fixed-seed random stream of every instruction class
/// runs on qemu-system-aarch64 and on each captive engine, and every dump (registers, NZCV, stored
/// memory, window checksum; V registers, FPSR and FPCR for the FP class) must match.
/// </summary>
public sealed class DifferentialTests
{
    private const int Seed = 20240601, Instructions = 10_000;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var cls in InstructionClass.All)
            foreach (var engine in (string[])[Engines.Interpreter, Engines.Kvm])
                data.Add(cls.Name, engine);
        return data;
    }

    /// <summary>The FP sample: a few thousand instructions, a dump every 4 (FPSR is per dump, so flags stay visible).</summary>
    private const int FpInstructions = 5_000, FpPerDump = 4;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Random_stream_matches_QEMU(string instructionClass, string engine)
    {
        var qemu = Engines.FindQemu();
        if (qemu is null) Assert.Skip("qemu-system-aarch64 is not installed");
        if (engine == Engines.Kvm && Engines.KvmProblem() is { } why) Assert.Skip(why);

        var cls = InstructionClass.ByName(instructionClass);
        bool fp = cls.NeedsFp;
        int instructions = fp ? FpInstructions : Instructions;
        var harness = new Harness(qemu, [engine]) { Timeout = TimeSpan.FromSeconds(60) };
        harness.Run(cls, Seed, instructions, perImage: instructions, perDump: fp ? FpPerDump : 16);

        var totals = harness.Totals[engine];
        Assert.True(totals.Differences.Count == 0, string.Join(Environment.NewLine, totals.Differences.Select(d => d.Describe())));
        Assert.Equal(instructions, totals.Instructions); // drawn instructions (not the FP class's FPCR changes)
    }

    /// <summary>
    /// The integer stream with every group between dumps run three times as a loop of three blocks: the translator
    /// compiles such loops as one region with guest registers held in host registers across its internal edges.
    /// </summary>
    [Theory]
    [InlineData(Engines.Interpreter)]
    [InlineData(Engines.Kvm)]
    public void Random_loops_match_QEMU(string engine)
    {
        var qemu = Engines.FindQemu();
        if (qemu is null) Assert.Skip("qemu-system-aarch64 is not installed");
        if (engine == Engines.Kvm && Engines.KvmProblem() is { } why) Assert.Skip(why);
        var harness = new Harness(qemu, [engine]) { Timeout = TimeSpan.FromSeconds(60), LoopIterations = 3 };
        harness.Run(InstructionClass.ByName("integer"), Seed + 1, Instructions, perImage: Instructions, perDump: 16);
        var totals = harness.Totals[engine];
        Assert.True(totals.Differences.Count == 0, string.Join(Environment.NewLine, totals.Differences.Select(d => d.Describe())));
        Assert.Equal(Instructions, totals.Instructions);
    }

    /// <summary>
    /// The memory classes with the guest MMU on (identity-mapped by blocks): every load and store goes through the
    /// translator's software TLB and in-VM walker, the interpreter's host TLB, and QEMU's MMU.
    /// </summary>
    [Theory]
    [InlineData("loadstore", Engines.Interpreter)]
    [InlineData("loadstore", Engines.Kvm)]
    [InlineData("advsimd", Engines.Kvm)]
    public void Random_memory_streams_with_the_MMU_on_match_QEMU(string instructionClass, string engine)
    {
        var qemu = Engines.FindQemu();
        if (qemu is null) Assert.Skip("qemu-system-aarch64 is not installed");
        if (engine == Engines.Kvm && Engines.KvmProblem() is { } why) Assert.Skip(why);
        var cls = InstructionClass.ByName(instructionClass);
        int instructions = cls.NeedsFp ? FpInstructions : Instructions;
        var harness = new Harness(qemu, [engine]) { Timeout = TimeSpan.FromSeconds(60), Mmu = true };
        harness.Run(cls, Seed + 2, instructions, perImage: instructions, perDump: cls.NeedsFp ? FpPerDump : 16);
        var totals = harness.Totals[engine];
        Assert.True(totals.Differences.Count == 0, string.Join(Environment.NewLine, totals.Differences.Select(d => d.Describe())));
        Assert.Equal(instructions, totals.Instructions);
    }

    /// <summary>
    /// Minimal reproductions found by the harness: ADC/SBC (and ADCS/SBCS/NGC) read the carry that ADDS/CMN or
    /// ANDS/TST left inverted on the translator (the interpreter and QEMU agree). After SUBS/CMP it is right.
    /// </summary>
    [Theory]
    [InlineData("ab1f001f,9a1f03e2")] // cmn x0, xzr ; adc x2, xzr, xzr   (C = 0: x2 must be 0)
    [InlineData("ea0103e0,9a1f03e2")] // ands x0, xzr, x1 ; adc x2, xzr, xzr
    [InlineData("ea0103e0,da1f03e2")] // ands x0, xzr, x1 ; ngc x2, xzr    (C = 0: x2 must be -1)
    [InlineData("f100001f,9a1f03e2")] // cmp x0, #0 ; adc x2, xzr, xzr    (C = 1: x2 must be 1)
    public void Carry_in_after_a_flag_setting_instruction_matches_QEMU_on_KVM(string words)
    {
        var qemu = Engines.FindQemu();
        if (qemu is null) Assert.Skip("qemu-system-aarch64 is not installed");
        if (Engines.KvmProblem() is { } why) Assert.Skip(why);
        var harness = new Harness(qemu, [Engines.Kvm]);
        harness.Run(new FixedClass([.. words.Split(',').Select(w => Convert.ToUInt32(w, 16))]), Seed, 2, perImage: 2, perDump: 2);
        var totals = harness.Totals[Engines.Kvm];
        Assert.True(totals.Differences.Count == 0, string.Join(Environment.NewLine, totals.Differences.Select(d => d.Describe())));
    }

    [Theory]
    [InlineData("integer")]
    [InlineData("loadstore")]
    [InlineData("fp")]
    [InlineData("atomics")]
    [InlineData("advsimd")]
    public void The_sample_draws_every_implemented_op_of_the_class(string instructionClass)
    {
        var cls = InstructionClass.ByName(instructionClass);
        var image = ImageBuilder.Build(cls, Seed, cls.NeedsFp ? FpInstructions : Instructions);
        var drawn = image.Words.Select(DecoderTable.Decode).ToHashSet();
        // An op counts as implemented when some random word of its table lines decodes as the op itself.
        var rng = new Random(1);
        var implemented = cls.Candidates.Where(line => Enumerable.Range(0, 4000).Any(_ => DecoderTable.Decode(line.Random(rng)) == line.Op))
            .Select(line => line.Op).Distinct();
        Assert.All(implemented, op => Assert.Contains(op, drawn));
    }

    [Fact]
    public void Images_are_a_function_of_class_and_seed()
    {
        var a = ImageBuilder.Build(InstructionClass.ByName("loadstore"), 7, 500);
        var b = ImageBuilder.Build(InstructionClass.ByName("loadstore"), 7, 500);
        Assert.Equal(a.Bytes, b.Bytes);
        Assert.Equal(500, a.Words.Length);
        Assert.Equal(1 + (500 + 15) / 16, a.Dumps.Length);
    }

    [Fact]
    public void Every_memory_access_of_a_loadstore_image_stays_in_the_window()
    {
        // The generator's static address tracking is what keeps the streams safe; the dumps list stored doublewords.
        var image = ImageBuilder.Build(InstructionClass.ByName("loadstore"), 11, 2000);
        Assert.All(image.Dumps.SelectMany(d => d.Dwords), d => Assert.InRange(d, 0, ImageLayout.WindowSize - 8));
    }

    [Fact]
    public void An_fp_image_dumps_the_V_registers_it_writes_and_varies_FPCR()
    {
        var image = ImageBuilder.Build(InstructionClass.ByName("fp"), 5, 2000, perDump: 4);
        Assert.All(image.Dumps, d => Assert.True(d.Fp));
        Assert.Equal(ulong.MaxValue, image.Dumps[0].Registers); // the initial state: every X and V register
        Assert.Contains("fpcr", image.Dumps[0].ItemNames());
        var msrFpcr = A64Asm.Msr(A64Asm.Fpcr, 28);
        Assert.InRange(image.Words.Count(w => w == msrFpcr), 10, 1000);
        // X28 holds the FPCR values and no generated instruction writes it.
        Assert.All(image.Dumps.Where(d => !d.Full), d => Assert.Equal(0ul, d.Registers >> 28 & 1));
    }
}
