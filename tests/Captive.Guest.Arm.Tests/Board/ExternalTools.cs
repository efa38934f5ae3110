using System.Diagnostics;
using Xunit;

namespace Captive.Guest.Arm.Tests.Board;

/// <summary>Finds and runs host tools (dtc, qemu-system-aarch64) that some tests use as oracles.</summary>
internal static class ExternalTools
{
    public static string? Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    public static string Require(string name, string package)
    {
        var path = Find(name);
        if (path is null)
            Assert.Skip($"{name} is not installed (apt-get install {package}).");
        return path;
    }

    public static (int ExitCode, string StdOut, string StdErr) Run(string tool, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {tool}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{tool} did not finish within {timeout}");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Decompiles a blob with <c>dtc -I dtb -O dts</c>; skips when dtc is absent.</summary>
    public static string Decompile(byte[] blob)
    {
        var dtc = Require("dtc", "device-tree-compiler");
        var file = Path.Combine(Path.GetTempPath(), $"captive-fdt-{Guid.NewGuid():N}.dtb");
        try
        {
            File.WriteAllBytes(file, blob);
            var (code, stdout, stderr) = Run(dtc, ["-I", "dtb", "-O", "dts", "-o", "-", file], TimeSpan.FromSeconds(30));
            Assert.True(code == 0, $"dtc failed ({code}): {stderr}");
            return stdout;
        }
        finally
        {
            File.Delete(file);
        }
    }
}
