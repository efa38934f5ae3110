using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace Captive.Guest.Arm.Tests.Lowering;

/// <summary>
/// The GNU AArch64 binutils as an oracle: <c>aarch64-linux-gnu-as</c> for real encodings and
/// <c>aarch64-linux-gnu-objdump</c> for reference disassembly. Tests skip when they are not installed.
/// </summary>
internal static partial class GnuToolchain
{
    private const string Prefix = "aarch64-linux-gnu-";
    private static readonly ConcurrentDictionary<string, uint[]> Cache = new();

    public static bool HasAssembler => Find("as") is not null && Find("ld") is not null && Find("objcopy") is not null;

    /// <summary>Where assembled snippets are linked (so that ADRP and literals resolve): the test machine's RAM.</summary>
    public const ulong LinkAddress = 0x4000_0000;
    public static bool HasObjdump => Find("objdump") is not null;

    public static void RequireAssembler()
    {
        if (!HasAssembler) Assert.Skip($"{Prefix}as/ld/objcopy are not installed; they assemble the test snippets.");
    }

    public static void RequireObjdump()
    {
        if (!HasObjdump) Assert.Skip($"{Prefix}objdump is not installed; it is the disassembly oracle.");
    }

    private static string? Find(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(Path.PathSeparator))
        {
            string path = Path.Combine(dir, Prefix + tool);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    /// <summary>Assembles A64 source (instructions separated by newlines or ';') into instruction words.</summary>
    public static uint[] Assemble(string source) => Cache.GetOrAdd(source, AssembleUncached);

    private static uint[] AssembleUncached(string source)
    {
        string dir = Directory.CreateTempSubdirectory("captive-as-").FullName;
        try
        {
            string s = Path.Combine(dir, "a.s"), o = Path.Combine(dir, "a.o"), elf = Path.Combine(dir, "a.elf"), bin = Path.Combine(dir, "a.bin");
            File.WriteAllText(s, ".text\n.globl _start\n_start:\n" + source.Replace(";", "\n") + "\n");
            Run(Find("as")!, $"-march=armv8-a+crc+lse+crypto -o \"{o}\" \"{s}\"");
            Run(Find("ld")!, $"-Ttext=0x{LinkAddress:x} -e _start -o \"{elf}\" \"{o}\"");
            Run(Find("objcopy")!, $"-O binary -j .text \"{elf}\" \"{bin}\"");
            var bytes = File.ReadAllBytes(bin);
            var words = new uint[bytes.Length / 4];
            for (int k = 0; k < words.Length; k++) words[k] = BitConverter.ToUInt32(bytes, 4 * k);
            return words;
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>objdump's text for each word, disassembled at <paramref name="address"/> onwards (raw, with tabs and comments).</summary>
    public static string[] Objdump(IReadOnlyList<uint> words, ulong address)
    {
        string dir = Directory.CreateTempSubdirectory("captive-objdump-").FullName;
        try
        {
            string bin = Path.Combine(dir, "w.bin");
            var bytes = new byte[words.Count * 4];
            for (int k = 0; k < words.Count; k++) BitConverter.TryWriteBytes(bytes.AsSpan(4 * k), words[k]);
            File.WriteAllBytes(bin, bytes);
            string output = Run(Find("objdump")!, $"-D -b binary -m aarch64 --adjust-vma=0x{address:x} \"{bin}\"");
            var result = new string[words.Count];
            foreach (Match m in LineRegex().Matches(output))
            {
                ulong at = Convert.ToUInt64(m.Groups[1].Value, 16);
                int index = (int)((at - address) / 4);
                if (index >= 0 && index < result.Length) result[index] = m.Groups[2].Value;
            }
            return result;
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>objdump text reduced to our spelling: no comment, single spaces.</summary>
    public static string Normalize(string objdump)
    {
        int comment = objdump.IndexOf("//", StringComparison.Ordinal);
        if (comment >= 0) objdump = objdump[..comment];
        int semicolon = objdump.IndexOf(" ;", StringComparison.Ordinal);
        if (semicolon >= 0 && objdump.StartsWith(".inst", StringComparison.Ordinal)) objdump = objdump[..semicolon];
        return WhitespaceRegex().Replace(objdump.Trim(), " ");
    }

    private static string Run(string exe, string args)
    {
        var psi = new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{Path.GetFileName(exe)} failed: {stderr}");
        return stdout.Result;
    }

    [GeneratedRegex(@"^\s*([0-9a-f]+):\s+[0-9a-f]{8}\s+(.*)$", RegexOptions.Multiline)]
    private static partial Regex LineRegex();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRegex();
}
