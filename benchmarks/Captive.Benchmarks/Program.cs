using System.Diagnostics;
using BenchmarkDotNet.Running;

namespace Captive.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project benchmarks/Captive.Benchmarks</c> runs BenchmarkDotNet (pass
/// its usual arguments, e.g. <c>--filter *</c>); <c>-- --quick</c> prints translation throughput and
/// allocation per block directly, in a few seconds.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Contains("--cold"))
        {
            Cold();
            return;
        }
        if (args.Contains("--quick"))
        {
            Quick();
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }

    /// <summary>
    /// <c>-- --cold</c>: the corpus translated once by a fresh process, as a guest's first run translates its code: the
    /// JIT's tiers (quick code first, optimised code later) show, which the warmed-up figures of --quick hide.
    /// </summary>
    private static void Cold()
    {
        var corpus = TranslationCorpus.Load();
        using var translator = new CorpusTranslator(corpus);
        var sw = Stopwatch.StartNew();
        long instructions = translator.TranslateAll();
        double first = sw.Elapsed.TotalMilliseconds;
        for (int i = 0; i < 4; i++) instructions += translator.TranslateAll();
        Console.WriteLine($"cold: first pass {first:F1} ms, five passes {sw.Elapsed.TotalMilliseconds:F1} ms " +
            $"({instructions / sw.Elapsed.TotalSeconds / 1e6:F2} M guest instructions/s over the five)");
    }

    private static void Quick()
    {
        var corpus = TranslationCorpus.Load();
        Console.WriteLine($"corpus: {corpus.Blocks.Count} blocks, {corpus.GuestInstructions} guest instructions from {corpus.Images} images");
        using var translator = new CorpusTranslator(corpus);
        for (int i = 0; i < 20; i++) translator.TranslateAll(); // warm up the JIT
        Console.WriteLine($"code generation: {translator.SkippedBlocks} blocks skipped (CanCompile fails: the engine makes them interpret stubs), " +
            "the figures below count the others");
        foreach (var (name, run, compiledOnly) in new (string, Func<long>, bool)[] { ("lower to IR", translator.LowerAll, false), ("lower + x86-64 code", translator.TranslateAll, true) })
        {
            // Warm up this stage for a second, so tiered compilation has finished with it before measuring.
            for (var warm = Stopwatch.StartNew(); warm.ElapsedMilliseconds < 1000;) run();
            const int rounds = 200;
            int blocks = compiledOnly ? corpus.Blocks.Count - translator.SkippedBlocks : corpus.Blocks.Count;
            long before = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            long instructions = 0;
            for (int i = 0; i < rounds; i++) instructions += run();
            sw.Stop();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Console.WriteLine($"{name,-22}: {instructions / sw.Elapsed.TotalSeconds / 1e6,8:F2} M guest instructions/s, " +
                $"{(double)allocated / (rounds * blocks),8:F0} bytes allocated per block");
        }
    }
}
