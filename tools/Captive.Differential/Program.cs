using System.Diagnostics;
using Captive.Differential;

// dotnet run -c Release --project tools/Captive.Differential -- --class integer --instructions 1000000 --seed 1
string className = "all";
long instructions = 100_000;
int seed = 1, perImage = 20_000;
string? engineList = null, saveImage = null;
uint[]? words = null;
int perDump = 16, loops = 0;
bool mmu = false;
long census = 0;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--class": className = Next(); break;
        case "--instructions": instructions = long.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
        case "--seed": seed = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
        case "--per-image": perImage = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
        case "--engines": engineList = Next(); break;
        case "--default-fpcr": FpValues.DefaultFpcrOnly = true; break;
        case "--save-image": saveImage = Next(); break;
        case "--words": words = [.. Next().Split(',').Select(w => Convert.ToUInt32(w, 16))]; break;
        case "--loops": loops = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
        case "--mmu": mmu = true; break;
        case "--per-dump": perDump = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
        case "--census": census = long.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine("usage: Captive.Differential [--class integer|loadstore|fp|all] [--instructions N] [--seed S] [--per-image N]");
            Console.Error.WriteLine("                            [--loops N (run each group between dumps N times, as a loop; integer class)]");
            Console.Error.WriteLine("                            [--engines interpreter,kvm] [--save-image FILE (writes the first image and stops)]");
            Console.Error.WriteLine("                            [--words HEX,HEX... (a fixed stream instead of a class)] [--per-dump N]");
            Console.Error.WriteLine("                            [--census N (decode N random words; list what is decoded but not implemented)]");
            Console.Error.WriteLine("                            [--default-fpcr (FPCR stays 0: exercises the translator's FP fast paths)]");
            Console.Error.WriteLine("                            [--mmu (the prologue turns the guest MMU on: accesses go through translation)]");
            return 2;
    }
}

if (census > 0)
    return Census.Run(census, seed, Console.Out);

var classes = words is not null ? [new FixedClass(words)] : className == "all" ? InstructionClass.All : [InstructionClass.ByName(className)];
if (saveImage is not null)
{
    var img = ImageBuilder.Build(classes[0], seed, (int)Math.Min(instructions, perImage), perDump, loopIterations: loops, mmu: mmu);
    File.WriteAllBytes(saveImage, img.Bytes);
    Console.WriteLine($"wrote {saveImage}: {img.Bytes.Length} bytes, {img.Words.Length} instructions, {img.Dumps.Length} dumps");
    return 0;
}

var qemu = Engines.FindQemu();
if (qemu is null) { Console.Error.WriteLine("qemu-system-aarch64 is not on PATH"); return 2; }
var engines = engineList?.Split(',', StringSplitOptions.RemoveEmptyEntries).ToList() ?? [Engines.Interpreter, Engines.Kvm];
if (engines.Contains(Engines.Kvm) && Engines.KvmProblem() is { } why)
{
    Console.WriteLine($"skipping kvm: {why}");
    engines.Remove(Engines.Kvm);
}

int differences = 0;
foreach (var cls in classes)
{
    var sw = Stopwatch.StartNew();
    var harness = new Harness(qemu, engines, Console.Out) { LoopIterations = loops, Mmu = mmu };
    harness.Run(cls, seed, instructions, perImage, perDump);
    Console.WriteLine();
    Console.WriteLine($"== class {cls.Name}: seed {seed}, {instructions} instructions generated, {sw.Elapsed.TotalSeconds:0.0} s (qemu {harness.QemuTime.TotalSeconds:0.0} s)");
    foreach (var (engine, t) in harness.Totals)
    {
        Console.WriteLine($"   {engine,-12} instructions compared {t.Instructions,10}  dumps compared {t.Dumps,8}  differences {t.Differences.Count}  ({t.Time.TotalSeconds:0.0} s)");
        differences += t.Differences.Count;
        var requests = Engines.Requests.Where(r => r.Key.Engine == engine && (r.Key.Reason.StartsWith("interpret", StringComparison.Ordinal) || r.Key.Reason.StartsWith("fp-exact", StringComparison.Ordinal)))
            .OrderByDescending(r => r.Value).Select(r => $"{r.Key.Reason} {r.Value}").ToList();
        if (requests.Count > 0) Console.WriteLine($"   {engine,-12} channel requests: {string.Join(", ", requests)}");
    }
    Engines.Requests.Clear();
    Console.WriteLine("   filtered candidates:");
    foreach (var (reason, count) in harness.Rejections.OrderByDescending(r => r.Value))
        Console.WriteLine($"     {count,9}  {reason}");
}
return differences == 0 ? 0 : 1;
