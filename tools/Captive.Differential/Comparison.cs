using System.Text;
using Captive.Guest.Arm.Disassembly;

namespace Captive.Differential;

/// <summary>The first place where an engine's dumps depart from QEMU's in one image.</summary>
public sealed record Difference(string Engine, TestImage Image, int Dump, IReadOnlyList<(string Item, string Qemu, string Captive)> Items, string? Note)
{
    public string Describe()
    {
        var sb = new StringBuilder();
        var dump = Dump < Image.Dumps.Length ? Image.Dumps[Dump] : null;
        sb.Append($"[{Image.ClassName} seed {Image.Seed}] {Engine}: first difference at dump {Dump}");
        if (Note is not null) sb.Append($" ({Note})");
        sb.AppendLine();
        foreach (var (item, q, c) in Items) sb.AppendLine($"    {item,-22} qemu {q,-18} captive {c}");
        if (dump is not null)
        {
            sb.AppendLine(dump.InstructionCount == 0 ? "    (before any generated instruction: the initial state)" : "    instructions since the previous dump:");
            for (int i = dump.FirstInstruction; i < dump.FirstInstruction + dump.InstructionCount; i++)
                sb.AppendLine($"      {Image.Addresses[i]:x8}  {Image.Words[i]:x8}  {A64Disassembler.Disassemble(Image.Words[i], Image.Addresses[i]) ?? "?"}");
        }
        return sb.ToString();
    }
}

/// <summary>Engine result for one image: how much matched QEMU, and the first difference if any.</summary>
public sealed record ImageComparison(string Engine, int DumpsCompared, long InstructionsCompared, Difference? Difference);

/// <summary>Parses the dumps (lines of 16-hex-digit values) and compares them with QEMU's.</summary>
public static class DumpComparer
{
    public static ImageComparison Compare(TestImage image, EngineOutput qemu, EngineOutput captive)
    {
        var q = qemu.Text.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        var c = captive.Text.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        long instructions = 0;
        for (int k = 0; k < image.Dumps.Length; k++)
        {
            var dump = image.Dumps[k];
            string? ql = k < q.Length ? q[k] : null, cl = k < c.Length ? c[k] : null;
            bool match = ql is not null && cl is not null && ql == cl && !ql.StartsWith('!');
            if (!match) return new ImageComparison(captive.Engine, k, instructions, Explain(image, captive.Engine, k, ql, cl, qemu, captive));
            instructions += dump.DrawnInstructions;
        }
        if (!captive.Completed || !qemu.Completed)
            return new ImageComparison(captive.Engine, image.Dumps.Length, instructions,
                new Difference(captive.Engine, image, image.Dumps.Length, [], $"all dumps match but the run did not end cleanly: qemu {qemu.Problem ?? "ok"}, captive {captive.Problem ?? "ok"}"));
        return new ImageComparison(captive.Engine, image.Dumps.Length, instructions, null);
    }

    private static Difference Explain(TestImage image, string engine, int k, string? ql, string? cl, EngineOutput qemu, EngineOutput captive)
    {
        var names = image.Dumps[k].ItemNames().ToList();
        var items = new List<(string, string, string)>();
        string? note = null;
        if (ql is null || ql.StartsWith('!')) note = "QEMU: " + (ql is null ? "no output (" + (qemu.Problem ?? "ended early") + ")" : "exception " + FormatException(ql));
        else if (cl is null || cl.StartsWith('!')) note = "captive: " + (cl is null ? "no output (" + (captive.Problem ?? "ended early") + ")" : "exception " + FormatException(cl));
        else if (ql.Length != cl.Length || ql.Length != 16 * names.Count) note = $"malformed dump line: qemu '{ql}' captive '{cl}'";
        else
        {
            for (int i = 0; i < names.Count; i++)
            {
                string a = ql.Substring(16 * i, 16), b = cl.Substring(16 * i, 16);
                if (a != b) items.Add((names[i], a, b));
            }
        }
        if (note is null && captive.Problem is not null) note = "captive: " + captive.Problem;
        return new Difference(engine, image, k, items, note);
    }

    private static string FormatException(string line)
    {
        if (line.Length < 1 + 64) return line;
        return $"vector {Convert.ToUInt64(line.Substring(1, 16), 16)} ESR 0x{line.Substring(17, 16).TrimStart('0')} ELR 0x{line.Substring(33, 16).TrimStart('0')} FAR 0x{line.Substring(49, 16).TrimStart('0')}";
    }
}
