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
        if (args.Contains("--quick"))
        {
            Quick();
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }

    private static void Quick()
    {
        var corpus = TranslationCorpus.Load();
        Console.WriteLine($"corpus: {corpus.Blocks.Count} blocks, {corpus.GuestInstructions} guest instructions from {corpus.Images} images");
        using var translator = new CorpusTranslator(corpus);
        for (int i = 0; i < 20; i++) translator.TranslateAll(); // warm up the JIT
        foreach (var (name, run) in new (string, Func<long>)[] { ("lower to IR", translator.LowerAll), ("lower + x86-64 code", translator.TranslateAll) })
        {
            const int rounds = 200;
            long before = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            long instructions = 0;
            for (int i = 0; i < rounds; i++) instructions += run();
            sw.Stop();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Console.WriteLine($"{name,-22}: {instructions / sw.Elapsed.TotalSeconds / 1e6,8:F2} M guest instructions/s, " +
                $"{(double)allocated / (rounds * corpus.Blocks.Count),8:F0} bytes allocated per block");
        }
    }
}
