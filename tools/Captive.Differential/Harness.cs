using System.Diagnostics;

namespace Captive.Differential;

/// <summary>Per-class and per-engine totals.</summary>
public sealed class EngineTotals
{
    public long Instructions { get; set; }
    public long Dumps { get; set; }
    public List<Difference> Differences { get; } = [];
    public TimeSpan Time { get; set; }
}

/// <summary>Builds images for a class and compares every requested engine with QEMU.</summary>
public sealed class Harness(string qemu, IReadOnlyList<string> engines, TextWriter? progress = null)
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);

    public Dictionary<string, EngineTotals> Totals { get; } = [];

    public Dictionary<string, long> Rejections { get; } = [];

    public TimeSpan QemuTime { get; private set; }

    /// <summary>Turn the guest MMU on in the prologue (see <see cref="ImageBuilder.Build"/>).</summary>
    public bool Mmu { get; init; }

    /// <summary>Run every group of instructions this many times in a loop (0: straight-line); see <see cref="ImageBuilder.Build"/>.</summary>
    public int LoopIterations { get; init; }

    /// <summary>Runs <paramref name="instructions"/> random instructions of the class in images of <paramref name="perImage"/>.</summary>
    public void Run(InstructionClass cls, int seed, long instructions, int perImage, int perDump = 16)
    {
        foreach (var e in engines) Totals.TryAdd(e, new EngineTotals());
        long done = 0;
        for (int image = 0; done < instructions; image++)
        {
            int n = (int)Math.Min(perImage, instructions - done);
            int imageSeed = unchecked(seed * 7919 + image * 104729 + cls.Name.Length);
            var img = ImageBuilder.Build(cls, imageSeed, n, perDump, loopIterations: LoopIterations, mmu: Mmu);
            foreach (var (reason, count) in img.Rejections) Rejections[reason] = Rejections.GetValueOrDefault(reason) + count;

            var qemuTask = Task.Run(() => Engines.RunQemu(qemu, img, Timeout));
            foreach (var engine in engines)
            {
                var sw = Stopwatch.StartNew();
                var output = Engines.RunCaptive(engine, img, Timeout);
                var totals = Totals[engine];
                totals.Time += sw.Elapsed;
                var q = qemuTask.Result;
                var cmp = DumpComparer.Compare(img, q, output);
                totals.Instructions += cmp.InstructionsCompared;
                totals.Dumps += cmp.DumpsCompared;
                if (cmp.Difference is not null)
                {
                    totals.Differences.Add(cmp.Difference);
                    progress?.WriteLine(cmp.Difference.Describe());
                }
            }
            QemuTime += qemuTask.Result.Elapsed;
            done += n;
            progress?.WriteLine($"  {cls.Name} image {image} (seed {imageSeed}, {n} instructions): qemu {qemuTask.Result.Elapsed.TotalSeconds:0.0}s, "
                + string.Join(", ", engines.Select(e => $"{e} {Totals[e].Instructions} compared")));
        }
    }
}
