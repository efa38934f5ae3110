using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using Captive.Backends.Kvm;
using Captive.Core.Backends;
using Captive.Core.Execution;
using Captive.Guest.Arm.Machine;

namespace Captive.Integration.Tests;

/// <summary>Finds the repository's guest programs and the tools the tests compare against.</summary>
internal static class TestEnvironment
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Prebuilt(string name) => Path.Combine(RepositoryRoot, "guests", "prebuilt", name);

    public static string Expected(string program) => File.ReadAllText(Prebuilt(program + ".expected"));

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Captive.Sdk.sln"))) return d.FullName;
        throw new InvalidOperationException("Cannot find the repository root from " + AppContext.BaseDirectory);
    }

    /// <summary>Skips the test (visibly) where KVM is not usable.</summary>
    public static void RequireKvm()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("KVM is Linux only");
        var probe = KvmBackend.Probe();
        if (!probe.IsUsable) Assert.Skip("KVM is not usable here: " + probe.Reason);
    }

    public static ICpuBackend? Backend(string engine)
    {
        if (engine == "interpreter") return null;
        RequireKvm();
        return OperatingSystem.IsLinux() ? new KvmBackend() : null;
    }

    /// <summary>Runs a guest on an engine and returns what it printed on the UART.</summary>
    /// <summary>How long <see cref="RunGuest"/> lets a guest run before cancelling it (the slowest, on the interpreter, takes seconds).</summary>
    public static readonly TimeSpan GuestTimeLimit = TimeSpan.FromMinutes(3);

    public static (RunResult Result, string Output, ExecutionStatistics Stats) RunGuest(byte[] kernel, string engine,
        bool count = false, ulong ram = 128UL << 20, bool interpretAll = false, int gicVersion = 2)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        using var backend = Backend(engine);
        RunResult result;
        ExecutionStatistics stats;
        using (var machine = VirtMachine.Create(new VirtMachineOptions { Kernel = kernel, ConsoleOutput = pipe.Writer, CountInstructions = count, RamSize = ram, InterpretAllBlocks = interpretAll, GicVersion = gicVersion }, backend))
        {
            // A guest that goes astray (runs away instead of powering off) fails its test, not the whole run.
            using var limit = new Timer(_ => machine.Cancel(), null, GuestTimeLimit, Timeout.InfiniteTimeSpan);
            result = machine.Run();
            stats = machine.Statistics;
        }
        pipe.Writer.Complete();
        var bytes = new MemoryStream();
        pipe.Reader.AsStream().CopyTo(bytes);
        return (result, Encoding.ASCII.GetString(bytes.ToArray()), stats);
    }

    public static string? FindOnPath(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var p = Path.Combine(dir, tool);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    /// <summary>Runs a process with a time limit; returns exit code and standard output.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunProcess(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish within {timeout}");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
