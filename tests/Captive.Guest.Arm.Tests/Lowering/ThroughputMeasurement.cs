using System.Diagnostics;
using Captive.Core.Interpreter;
using Captive.Core.IR;
using Captive.Guest.Arm.Lowering;
using Xunit;

namespace Captive.Guest.Arm.Tests.Lowering;

/// <summary>
/// Rough speed of lowering and of the IR interpreter, printed to the test output. Nothing is asserted
/// about time (the machine is shared); BenchmarkDotNet runs belong in the benchmark project.
/// </summary>
public sealed class ThroughputMeasurement(ITestOutputHelper output)
{
    private sealed class Fetcher(A64TestMachine machine) : IInstructionFetcher
    {
        public bool TryFetch(ulong address, out uint word) => ((IInstructionFetcher)machine).TryFetch(address, out word);
    }

    [Fact]
    [Trait("Category", "Measurement")]
    public void Measure_lowering_and_interpretation()
    {
        // A checksum loop over 4 KiB, the kind of integer code a kernel runs: loads, arithmetic, a branch.
        var m = A64TestMachine.Assemble("""
            mov x5, #8000
            2: mov x0, x1
            mov x2, #512
            mov x3, #0
            1: ldr x4, [x0], #8
            eor x3, x4, x3, ror #7
            add x3, x3, x4, lsl #1
            subs x2, x2, #1
            b.ne 1b
            subs x5, x5, #1
            b.ne 2b
            """);
        m[1] = A64TestMachine.DataBase;
        var frontEnd = new A64FrontEnd();
        var fetcher = new Fetcher(m);
        var interpreter = new IrInterpreter(ArmState.Layout);
        var cache = new Dictionary<ulong, IrBlock>();
        long instructions = 0;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (!cache.TryGetValue(m.Pc, out var block))
            {
                block = new IrBlock();
                block.Reset(m.Pc, A64FrontEnd.ModeEl1);
                frontEnd.LowerBlock(m.Pc, fetcher, block, 64);
                cache[m.Pc] = block;
            }
            var outcome = interpreter.Execute(block, m.State, m);
            instructions += block.GuestInstructionCount;
            m.Pc = outcome.NextPc;
            if (outcome.Trap != IrTrapKind.None) break;
        }
        double seconds = clock.Elapsed.TotalSeconds;
        output.WriteLine($"Interpreter: {instructions:N0} guest instructions in {seconds:F3} s = {instructions / seconds / 1e6:F1} MIPS (blocks cached).");

        // Lowering throughput on the blocks of the same program.
        var block2 = new IrBlock();
        long lowered = 0, ir = 0;
        clock.Restart();
        for (int k = 0; k < 1_000_000; k++)
        {
            ulong pc = A64TestMachine.RamBase + (ulong)(4 * (k % 10));
            block2.Reset(pc, A64FrontEnd.ModeEl1);
            frontEnd.LowerBlock(pc, fetcher, block2, 64);
            lowered += block2.GuestInstructionCount;
            ir += block2.Count;
        }
        seconds = clock.Elapsed.TotalSeconds;
        output.WriteLine($"Lowering: {lowered:N0} guest instructions ({ir:N0} IR instructions) in {seconds:F3} s = {lowered / seconds / 1e6:F1} M instructions/s.");
    }
}
