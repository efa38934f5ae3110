using Captive.Guest.Arm.Decoding;
using Captive.Guest.Arm.Disassembly;

namespace Captive.Differential;

/// <summary>
/// Decodes random words and reports how they fall: implemented, UNDEFINED, or decoded but not implemented
/// (the last grouped by mnemonic, with an example word), so the remaining work is a list, not a guess.
/// </summary>
public static class Census
{
    public static int Run(long count, int seed, TextWriter output)
    {
        var rng = new Random(seed);
        long undefined = 0, implemented = 0;
        var unsupported = new Dictionary<string, (long Count, uint Example)>();
        var pending = new List<uint>();
        var undefinedSample = new List<uint>();
        for (long n = 0; n < count; n++)
        {
            uint word = (uint)rng.NextInt64(0, 1L << 32);
            var op = A64Decoder.Decode(word).Op;
            if (op == A64Op.Undefined)
            {
                undefined++;
                if (undefinedSample.Count < 400_000) undefinedSample.Add(word);
                continue;
            }
            if (op != A64Op.Unsupported) { implemented++; continue; }
            if (pending.Count < 400_000) pending.Add(word);
        }
        var names = ObjdumpNames(pending);
        for (int k = 0; k < pending.Count; k++)
        {
            uint word = pending[k];
            string key = $"{A64Decoder.Decode(word).Encoding?.Op} {names[k]}";
            unsupported[key] = unsupported.TryGetValue(key, out var e) ? (e.Count + 1, e.Example) : (1, word);
        }
        long unsup = unsupported.Values.Sum(v => v.Count);
        output.WriteLine($"{count} random words: {implemented} implemented, {undefined} undefined, {unsup} decoded but not implemented");
        foreach (var (key, (c, example)) in unsupported.OrderByDescending(kv => kv.Value.Count))
            output.WriteLine($"  {c,9}  {key,-40} e.g. {example:x8}");
        // UNDEFINED here, an instruction to objdump: the later architecture versions and extensions we do not implement.
        var named = ObjdumpNames(undefinedSample);
        var recognised = new Dictionary<string, (long Count, uint Example)>();
        for (int k = 0; k < undefinedSample.Count; k++)
        {
            if (named[k] is "?" || named[k].StartsWith(".inst", StringComparison.Ordinal)) continue;
            string key = named[k].Split(' ')[0];
            recognised[key] = recognised.TryGetValue(key, out var e) ? (e.Count + 1, e.Example) : (1, undefinedSample[k]);
        }
        output.WriteLine($"of {undefinedSample.Count} sampled UNDEFINED words, objdump names {recognised.Values.Sum(v => v.Count)} (later architecture versions):");
        foreach (var (key, (c, example)) in recognised.OrderByDescending(kv => kv.Value.Count))
            output.WriteLine($"  {c,9}  {key,-16} e.g. {example:x8}");
        return 0;
    }

    /// <summary>
    /// objdump's mnemonic for each word, with the shape of its first operand (a vector arrangement or a
    /// scalar register's letter), or "?" when binutils is not installed.
    /// </summary>
    private static string[] ObjdumpNames(List<uint> words)
    {
        var names = Enumerable.Repeat("?", words.Count).ToArray();
        string file = Path.GetTempFileName();
        try
        {
            var bytes = new byte[words.Count * 4];
            for (int k = 0; k < words.Count; k++) BitConverter.TryWriteBytes(bytes.AsSpan(4 * k), words[k]);
            File.WriteAllBytes(file, bytes);
            var psi = new System.Diagnostics.ProcessStartInfo("aarch64-linux-gnu-objdump", $"-D -b binary -m aarch64 \"{file}\"")
            { RedirectStandardOutput = true, UseShellExecute = false };
            using var p = System.Diagnostics.Process.Start(psi)!;
            string? line;
            while ((line = p.StandardOutput.ReadLine()) is not null)
            {
                var parts = line.Split('\t');
                if (parts.Length < 3 || !parts[0].EndsWith(':')) continue;
                int index = Convert.ToInt32(parts[0].Trim().TrimEnd(':'), 16) / 4;
                string operand = parts.Length > 3 ? parts[3].Split(',')[0].Trim() : "";
                string shape = operand.StartsWith('{') ? "{v" + operand[(operand.IndexOf('.') is var d and > 0 ? d : 0)..].Split([' ', '}', '-'])[0] + "}"
                    : operand.StartsWith('v') && operand.Contains('.') ? "v" + operand[operand.IndexOf('.')..].Split('[')[0]
                    : operand.Length > 0 && char.IsLetter(operand[0]) ? operand[..1] : "";
                if (index < names.Length) names[index] = (parts[2].Trim() + " " + shape).Trim();
            }
            p.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception) { }
        finally { File.Delete(file); }
        return names;
    }
}
