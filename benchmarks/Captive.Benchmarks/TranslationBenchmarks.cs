using BenchmarkDotNet.Attributes;

namespace Captive.Benchmarks;

/// <summary>
/// Translation throughput on the test guests' code. One operation translates the whole corpus
/// (every statically reachable block of guests/prebuilt, about 1,800 blocks); divide by the block
/// and instruction counts <c>--quick</c> prints for per-block figures.
/// </summary>
[MemoryDiagnoser]
public class TranslationBenchmarks
{
    private TranslationCorpus _corpus = null!;
    private CorpusTranslator _translator = null!;

    [GlobalSetup]
    public void Setup()
    {
        _corpus = TranslationCorpus.Load();
        _translator = new CorpusTranslator(_corpus);
    }

    [GlobalCleanup]
    public void Cleanup() => _translator.Dispose();

    /// <summary>Decode and lower to IR.</summary>
    [Benchmark]
    public long LowerCorpus() => _translator.LowerAll();

    /// <summary>Decode, lower and generate x86-64.</summary>
    [Benchmark]
    public long TranslateCorpus() => _translator.TranslateAll();
}
